//! Hostile input, as a catalogue. One table of payloads (markup, SQL,
//! template syntax, paths, a `javascript:` URL, NUL, a right-to-left
//! override, emoji and combining marks, a spreadsheet formula, 10 KB) goes
//! into every text field of every JSON body and form. Each one is either
//! stored, then read back byte for byte from the API and found escaped on
//! every page that shows it, or refused with a 4xx naming the field. Then:
//! the documented length limits, broken bodies, file names that climb out
//! of the data dir, forged tokens, login throttling and the security
//! headers of every kind of response.
//!
//! Covered elsewhere and not repeated: malformed JSON, a field of the wrong
//! type, JSON and forms over 64 KiB (validation.rs); upload bytes that lie
//! about their type (catalog.rs); `alg: none`, a wrong key and an expired
//! token against `TokenKeys` itself (unit tests in src/auth/jwt.rs); a
//! password-reset token used as a login (auth.rs); 429 after 5 failures
//! for one account, the right password refused meanwhile, and after 20
//! from one address (auth.rs); formula cells in export files (exports.rs).

use std::collections::BTreeSet;
use std::time::Instant;

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use ocop::auth::{Audience, TokenKeys};
use ocop::config::SecretKey;
use ocop::db::schema::{lots, products, sellers, users};
use ocop::domain::text;
use ocop::services::demo::DemoLogins;

use crate::helpers::{PageResponse, Part, TestApp, multipart_body};

// ---------------------------------------------------------------------------
// The payloads and what "escaped" means.
// ---------------------------------------------------------------------------

/// Every hostile value, with a short name for messages.
fn payloads() -> Vec<(&'static str, String)> {
    vec![
        ("script tag", "<script>alert(1)</script>".to_owned()),
        (
            "attribute break-out",
            "\"><img src=x onerror=alert(1)>".to_owned(),
        ),
        ("SQL drop", "'; DROP TABLE products; --".to_owned()),
        ("SQL tautology", "' OR '1'='1".to_owned()),
        ("SQL Bobby", "Robert'); DELETE FROM sellers;--".to_owned()),
        (
            "template syntax",
            "{{7*7}} {% raw %} ${7*7} <%= 7*7 %>".to_owned(),
        ),
        ("path traversal", "../../etc/passwd".to_owned()),
        ("javascript URL", "javascript:alert(1)".to_owned()),
        ("percent NUL", "%00".to_owned()),
        ("NUL", "Mật ong\0rừng".to_owned()),
        (
            "right-to-left override",
            "Mật ong \u{202E}gnp.exe".to_owned(),
        ),
        (
            "emoji and combining marks",
            "Mật ong 🍯🐝 e\u{0301} a\u{0323}\u{0302} Z\u{0351}\u{0345}\u{0358}".to_owned(),
        ),
        ("formula", "=cmd|' /C calc'!A0".to_owned()),
        ("10 KB", "Đ".repeat(10 * 1024)),
    ]
}

/// Text as askama escapes it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// What a free-text field keeps of `s`: trimmed, line breaks as `\n`,
/// Unicode NFC (see `ocop::domain::text`).
fn stored_form(s: &str) -> String {
    s.trim()
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect()
}

/// A tag of a page: its name and attributes (values as written, entities
/// left alone).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// The start tags of `html`, read like a browser tokenizer would: quoted
/// attribute values are data, comments are skipped, and the text of
/// `<script>` and `<style>` is not markup.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(n, |e| i + e + 3);
            continue;
        }
        let closing = i + 1 < n && b[i + 1] == b'/';
        let mut j = if closing { i + 2 } else { i + 1 };
        let name_start = j;
        while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == name_start {
            // A "<" in text, or "<!DOCTYPE".
            i += 1;
            continue;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < n && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= n || b[j] == b'>' {
                j += 1;
                break;
            }
            let a = j;
            while j < n && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/') {
                j += 1;
            }
            let attr = html[a..j].to_ascii_lowercase();
            while j < n && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if j < n && b[j] == b'=' {
                j += 1;
                while j < n && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < n && (b[j] == b'"' || b[j] == b'\'') {
                    let quote = b[j] as char;
                    let v = j + 1;
                    let end = html[v..].find(quote).map_or(n, |e| v + e);
                    value = html[v..end].to_owned();
                    j = (end + 1).min(n);
                } else {
                    let v = j;
                    while j < n && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = html[v..j].to_owned();
                }
            }
            attrs.push((attr, value));
        }
        let j = j.min(n);
        if !closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            i = html[j..].find(&close).map_or(n, |e| j + e);
        } else {
            i = j;
        }
        if !closing {
            out.push(Tag { name, attrs });
        }
    }
    out
}

/// The contents of the page's JSON-LD blocks, and the page without them.
fn split_json_ld(html: &str) -> (Vec<String>, String) {
    const OPEN: &str = "<script type=\"application/ld+json\">";
    let mut blocks = Vec::new();
    let mut rest = String::with_capacity(html.len());
    let mut at = 0;
    while let Some(start) = html[at..].find(OPEN) {
        let body_start = at + start + OPEN.len();
        let end = html[body_start..]
            .find("</script>")
            .map_or(html.len(), |e| body_start + e);
        rest.push_str(&html[at..at + start]);
        blocks.push(html[body_start..end].to_owned());
        at = (end + "</script>".len()).min(html.len());
    }
    rest.push_str(&html[at..]);
    (blocks, rest)
}

/// Everything on a page that a browser would run, style inline, or follow
/// into script: a `<script>` that is not a JSON-LD data block, a `<style>`
/// element or `style` attribute (the CSP forbids both), an `on…` event
/// attribute, a `javascript:` link, an `<img src=x>`, an embedded frame.
fn markup_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags(html) {
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|(a, _)| a == name)
                .map(|(_, v)| v.as_str())
        };
        match tag.name.as_str() {
            "script" if attr("type") != Some("application/ld+json") => {
                problems.push(format!("inline <script {:?}>", tag.attrs));
            }
            "style" | "iframe" | "object" | "embed" | "frame" => {
                problems.push(format!("<{}>", tag.name));
            }
            "img" if attr("src") == Some("x") => problems.push("<img src=x>".to_owned()),
            _ => {}
        }
        for (a, v) in &tag.attrs {
            if a.starts_with("on") {
                problems.push(format!("<{} {a}={v:?}>", tag.name));
            }
            if a == "style" {
                problems.push(format!("<{} style={v:?}>", tag.name));
            }
            let url = matches!(a.as_str(), "href" | "src" | "action" | "formaction");
            if url && v.trim().to_ascii_lowercase().starts_with("javascript:") {
                problems.push(format!("<{} {a}={v:?}>", tag.name));
            }
        }
    }
    problems
}

/// A page must hold no live markup, and none of `payloads` unescaped; its
/// JSON-LD must be JSON without a `<` (so `</script>` cannot end it).
#[track_caller]
fn assert_page_safe(what: &str, body: &str, payloads: &[String]) {
    let problems = markup_problems(body);
    assert!(problems.is_empty(), "{what}: {problems:?}");
    let (json_ld, html) = split_json_ld(body);
    for block in &json_ld {
        assert!(!block.contains('<'), "{what}: '<' in JSON-LD: {block}");
        serde_json::from_str::<Value>(block)
            .unwrap_or_else(|e| panic!("{what}: JSON-LD is not JSON ({e}): {block}"));
    }
    for p in payloads {
        if html_escape(p) != *p {
            assert!(
                !html.contains(p.as_str()),
                "{what}: the payload {p:?} is on the page unescaped"
            );
        }
    }
    for raw in ["<script>alert", "<img src=x", "<img src=\"x\""] {
        assert!(!html.contains(raw), "{what}: {raw} on the page");
    }
}

// ---------------------------------------------------------------------------
// Fields, and driving a payload through all of a body's fields at once.
// ---------------------------------------------------------------------------

/// A field of a JSON body or form.
#[derive(Clone, Copy, Debug)]
struct Field {
    name: &'static str,
    /// Free text of at most this many characters, kept as typed (see
    /// [`stored_form`]); None for a field with its own format (a code, a
    /// number, a date, a choice), which may refuse any payload.
    max: Option<usize>,
    /// A format field that, when it takes a payload, keeps it as typed.
    verbatim: bool,
}

const fn free(name: &'static str, max: usize) -> Field {
    Field {
        name,
        max: Some(max),
        verbatim: true,
    }
}

const fn format(name: &'static str) -> Field {
    Field {
        name,
        max: None,
        verbatim: false,
    }
}

const fn code(name: &'static str) -> Field {
    Field {
        name,
        max: None,
        verbatim: true,
    }
}

impl Field {
    /// Whether the free-text rules take `payload` (None: not free text).
    fn takes(&self, payload: &str) -> Option<bool> {
        self.max
            .map(|max| text::optional_text(payload, max).is_ok())
    }
}

// What every body that stores text takes (see the services' input types).
const SELLER_FIELDS: &[Field] = &[
    format("kind"),
    free("legal_name", 200),
    free("short_name", 40),
    format("tax_code"),
    format("business_reg_no"),
    free("representative", 100),
    format("phone"),
    format("zalo_phone"),
    format("email"),
    format("commune_code"),
    free("village", 100),
    free("former_district", 100),
    format("gln"),
    free("bank_account", 100),
    format("status"),
];
const PRODUCT_FIELDS: &[Field] = &[
    free("name_vi", 120),
    free("name_en", 120),
    format("ocop_group"),
    format("ocop_subgroup"),
    free("description", 5_000),
    free("story", 5_000),
    free("ingredients", 5_000),
    format("unit"),
    format("net_quantity"),
    free("pack_type", 200),
    format("packed_weight_g"),
    format("length_cm"),
    format("width_cm"),
    format("height_cm"),
    format("price_vnd"),
    format("stock"),
    format("gtin"),
    format("shelf_life_days"),
    free("storage", 200),
    free("planting_area_code", 50),
    format("status"),
    code("sku"),
];
const CERTIFICATE_FIELDS: &[Field] = &[
    format("stars"),
    format("score"),
    free("decision_no", 100),
    format("issued_by"),
    format("issued_on"),
    format("valid_until"),
];
const LOT_FIELDS: &[Field] = &[
    code("code"),
    format("produced_on"),
    format("packed_on"),
    format("best_before"),
    format("quantity"),
    free("quantity_unit", 20),
    format("origin_commune_code"),
    free("origin_place", 200),
];
const LOT_STATUS_FIELDS: &[Field] = &[format("status"), free("reason", 500)];
const EVENT_FIELDS: &[Field] = &[
    format("kind"),
    format("happened_at"),
    free("place", 200),
    free("actor", 200),
    free("note", 2_000),
    format("corrects_event_id"),
];
const INVITE_FIELDS: &[Field] = &[format("email"), free("name", 100)];
const ACCEPT_FIELDS: &[Field] = &[free("name", 100), format("password")];
const RUN_FIELDS: &[Field] = &[format("count"), format("lot_code"), format("layout")];

/// How many (field × payload) inputs were tried.
#[derive(Default)]
struct Tally {
    inputs: usize,
}

/// What became of a payload sent in every field of a body.
struct Outcome {
    /// The accepted answer.
    answer: Value,
    /// Fields that kept the payload.
    kept: Vec<Field>,
}

impl Outcome {
    /// Free-text and verbatim fields that kept the payload.
    fn kept_as_typed(&self) -> impl Iterator<Item = &Field> {
        self.kept.iter().filter(|f| f.verbatim)
    }
}

fn with_payload(valid: &Value, fields: &[Field], payload: &str) -> Value {
    let mut body = valid.clone();
    for f in fields {
        body[f.name] = json!(payload);
    }
    body
}

/// The names a 422 answer gives problems for, checking each is given in
/// Vietnamese too.
#[track_caller]
fn named_fields(what: &str, answer: &Value) -> BTreeSet<String> {
    assert_eq!(answer["error"], "validation_failed", "{what}: {answer}");
    let en: BTreeSet<String> = answer["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let vi: BTreeSet<String> = answer["fields_vi"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert!(!en.is_empty(), "{what}: a 422 naming no field: {answer}");
    assert_eq!(en, vi, "{what}: fields and fields_vi differ: {answer}");
    en
}

/// Sends `valid` with `payload` in each of `fields`. A 422 must name only
/// fields that carry the payload; they go back to their valid values and
/// the body is sent again, until it is accepted. A free-text field is
/// refused exactly when the text rules refuse the payload. A body over the
/// size limit (413) is tried one field at a time instead.
async fn drive_json(
    app: &TestApp,
    tally: &mut Tally,
    (method, path, token): (&str, &str, &str),
    valid: &Value,
    fields: &[Field],
    payload: &str,
) -> Outcome {
    tally.inputs += fields.len();
    let what = |f: &str| format!("{method} {path} {f} = {:?}", short(payload));
    let mut carrying: Vec<Field> = fields.to_vec();
    let mut refused: Vec<&'static str> = Vec::new();
    for _ in 0..=fields.len() {
        let body = with_payload(valid, &carrying, payload);
        let (status, answer) = app.send_json(method, path, Some(token), Some(body)).await;
        match status.as_u16() {
            200..=299 => {
                for f in fields {
                    if let Some(takes) = f.takes(payload) {
                        assert_eq!(
                            !refused.contains(&f.name),
                            takes,
                            "{}: the text rules say {takes}",
                            what(f.name)
                        );
                    }
                }
                return Outcome {
                    answer,
                    kept: carrying,
                };
            }
            422 => {
                let named = named_fields(&what("*"), &answer);
                for name in &named {
                    let f = carrying
                        .iter()
                        .position(|f| f.name == name)
                        .unwrap_or_else(|| {
                            panic!(
                                "{}: names a field without the payload: {answer}",
                                what(name)
                            )
                        });
                    refused.push(carrying.remove(f).name);
                }
            }
            413 => {
                // Too big together: each field alone, then the ones kept.
                let mut alone = Vec::new();
                for f in &carrying {
                    let body = with_payload(valid, std::slice::from_ref(f), payload);
                    let (status, answer) =
                        app.send_json(method, path, Some(token), Some(body)).await;
                    match status.as_u16() {
                        200..=299 => alone.push(*f),
                        422 => {
                            let named = named_fields(&what(f.name), &answer);
                            assert_eq!(
                                named,
                                BTreeSet::from([f.name.to_owned()]),
                                "{}",
                                what(f.name)
                            );
                            refused.push(f.name);
                        }
                        _ => panic!("{}: {status} {answer}", what(f.name)),
                    }
                }
                carrying = alone;
            }
            _ => panic!("{}: {status} {answer}", what("*")),
        }
    }
    panic!("{}: never accepted", what("*"));
}

/// At most 40 characters of a payload, for messages.
fn short(s: &str) -> String {
    let cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        format!("{cut}… ({} bytes)", s.len())
    } else {
        cut
    }
}

/// Checks the stored value of each field that kept the payload as typed.
#[track_caller]
fn assert_stored(what: &str, stored: &Value, outcome: &Outcome, payload: &str) {
    let expected = stored_form(payload);
    for f in outcome.kept_as_typed() {
        assert_eq!(
            stored[f.name].as_str(),
            Some(expected.as_str()),
            "{what}.{} did not come back as stored text: {stored}",
            f.name
        );
    }
}

// ---------------------------------------------------------------------------
// Forms.
// ---------------------------------------------------------------------------

/// True when a form page shows a problem with `field`: its paragraph is
/// marked, or an error follows its input in the same paragraph or fieldset.
fn form_names(body: &str, field: &str) -> bool {
    if body.contains(&format!("id=\"{field}-err\""))
        || body.contains(&format!("<p class=\"field bad\"><label for=\"{field}\""))
    {
        return true;
    }
    let Some(at) = body.find(&format!("name=\"{field}\"")) else {
        return false;
    };
    let rest = &body[at..];
    let end = ["</p>", "</fieldset>"]
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    rest[..end].contains("class=\"err\"")
}

/// Posts a form (multipart when `multipart`), with a session cookie.
async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    pairs: &[(&str, String)],
    multipart: bool,
) -> PageResponse {
    if !multipart {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return app
            .page("POST", path, Some(cookie), Some(&pairs), "vi")
            .await;
    }
    let parts: Vec<Part<'_>> = pairs
        .iter()
        .map(|(k, v)| Part {
            name: k,
            file_name: None,
            data: v.as_bytes(),
        })
        .collect();
    let (content_type, body) = multipart_body(&parts);
    send_raw(app, "POST", path, Some(cookie), &content_type, body).await
}

/// Sends raw bytes with a content type and a session cookie or a bearer
/// token; answers like `TestApp::page`.
async fn send_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie_or_token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> PageResponse {
    send_raw_with_headers(app, method, path, cookie_or_token, content_type, body)
        .await
        .0
}

/// [`send_raw`], with the response headers.
async fn send_raw_with_headers(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie_or_token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (PageResponse, awc::http::header::HeaderMap) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app
        .client()
        .request(method, app.url(path))
        .insert_header(("Accept-Language", "vi"));
    if !content_type.is_empty() {
        req = req.insert_header(("Content-Type", content_type.to_owned()));
    }
    match cookie_or_token {
        Some(c) if c.starts_with("ocop_session=") => {
            req = req.insert_header(("Cookie", c.to_owned()));
        }
        Some(t) => req = req.insert_header(("Authorization", format!("Bearer {t}"))),
        None => {}
    }
    let mut res = req.send_body(body).await.expect("request");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers = res.headers().clone();
    let bytes = res.body().limit(10 << 20).await.expect("body");
    let page = PageResponse {
        status: res.status(),
        location,
        session: None,
        set_cookie: Vec::new(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    (page, headers)
}

/// Posts `valid` with `payload` in each of `fields`, as a browser posts
/// the form. A 422 page must be safe and name the fields it refuses (only
/// fields that carry the payload); they go back to their valid values
/// until the form is accepted with a 303. Returns the fields kept.
#[allow(clippy::too_many_arguments)]
async fn drive_form(
    app: &TestApp,
    tally: &mut Tally,
    path: &str,
    cookie: &str,
    valid: &[(&'static str, String)],
    fields: &[Field],
    payload: &str,
    multipart: bool,
    payloads: &[String],
) -> Vec<Field> {
    tally.inputs += fields.len();
    let what = format!("form {path} = {:?}", short(payload));
    let mut carrying: Vec<Field> = fields.to_vec();
    let mut refused: Vec<&'static str> = Vec::new();
    for _ in 0..=fields.len() {
        let pairs: Vec<(&str, String)> = valid
            .iter()
            .map(|(k, v)| {
                if carrying.iter().any(|f| f.name == *k) {
                    (*k, payload.to_owned())
                } else {
                    (*k, v.clone())
                }
            })
            .collect();
        let res = post_form(app, path, cookie, &pairs, multipart).await;
        assert_page_safe(&what, &res.body, payloads);
        match res.status {
            StatusCode::SEE_OTHER => {
                for f in fields {
                    if let Some(takes) = f.takes(payload) {
                        assert_eq!(
                            !refused.contains(&f.name),
                            takes,
                            "{what}: {} (the text rules say {takes})",
                            f.name
                        );
                    }
                }
                let to = res.location.expect("Location");
                let session = res.session.as_deref().unwrap_or(cookie);
                let page = app.page("GET", &to, Some(session), None, "vi").await;
                assert_eq!(page.status, StatusCode::OK, "{what}: {to}");
                assert_page_safe(&format!("{what} then {to}"), &page.body, payloads);
                return carrying;
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(
                    res.body.contains("Biểu mẫu có lỗi") || res.body.contains("notice bad"),
                    "{what}: a 422 page without the error notice"
                );
                let named: Vec<&'static str> = carrying
                    .iter()
                    .filter(|f| form_names(&res.body, f.name))
                    .map(|f| f.name)
                    .collect();
                assert!(
                    !named.is_empty(),
                    "{what}: a 422 page naming none of {carrying:?} (refused so far: {refused:?}):\n{}",
                    res.body
                );
                // A refused free-text value comes back in its field, escaped.
                for f in carrying.iter().filter(|f| named.contains(&f.name)) {
                    if f.max.is_some() && !payload.contains('\0') {
                        assert!(
                            res.body.contains(&html_escape(&stored_form(payload)))
                                || res.body.contains(&html_escape(payload)),
                            "{what}: {} lost what was typed",
                            f.name
                        );
                    }
                }
                carrying.retain(|f| !named.contains(&f.name));
                refused.extend(named);
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                // Too big together: each field alone, then the ones kept.
                let mut alone = Vec::new();
                for f in &carrying {
                    let pairs: Vec<(&str, String)> = valid
                        .iter()
                        .map(|(k, v)| {
                            let v = if *k == f.name { payload } else { v.as_str() };
                            (*k, v.to_owned())
                        })
                        .collect();
                    let res = post_form(app, path, cookie, &pairs, multipart).await;
                    assert_page_safe(&what, &res.body, payloads);
                    match res.status {
                        StatusCode::SEE_OTHER => alone.push(*f),
                        StatusCode::UNPROCESSABLE_ENTITY => {
                            assert!(form_names(&res.body, f.name), "{what}: {}", f.name);
                            refused.push(f.name);
                        }
                        other => panic!("{what}: {} alone: {other}\n{}", f.name, res.body),
                    }
                }
                carrying = alone;
            }
            other => panic!("{what}: {other}\n{}", res.body),
        }
    }
    panic!("{what}: never accepted");
}

/// The pairs of a JSON object, as a form posts them (null as empty).
fn pairs_of(v: &Value, names: &[&'static str]) -> Vec<(&'static str, String)> {
    names
        .iter()
        .map(|n| {
            let s = match &v[*n] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (*n, s)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The district every test works in.
// ---------------------------------------------------------------------------

/// The demo with one seller's member logged in and a product of theirs
/// with one lot.
struct District {
    app: TestApp,
    d: DemoLogins,
    staff: String,
    member: String,
    staff_cookie: String,
    member_cookie: String,
    seller: i64,
    product: i64,
    slug: String,
    lot: i64,
}

fn honey() -> Value {
    json!({
        "name_vi": "Mật ong rừng Pù Luông",
        "name_en": "Pu Luong forest honey",
        "ocop_group": "food",
        "ocop_subgroup": "honey",
        "description": "Mật ong hoa rừng nguyên chất.",
        "story": "",
        "ingredients": "",
        "unit": "ml",
        "net_quantity": "500",
        "pack_type": "hũ thủy tinh",
        "packed_weight_g": "850",
        "length_cm": "9",
        "width_cm": "9",
        "height_cm": "14",
        "price_vnd": "250.000",
        "stock": "40",
        "gtin": "8934567000000",
        "shelf_life_days": "730",
        "storage": "",
        "planting_area_code": "",
        "status": "listed",
        "sku": "MO-PL-500"
    })
}

fn lot_json(code: &str) -> Value {
    json!({
        "code": code,
        "produced_on": "2025-10-01",
        "packed_on": "2025-10-03",
        "best_before": "2027-10-01",
        "quantity": "120",
        "quantity_unit": "hũ",
        "origin_commune_code": "14902",
        "origin_place": "Rừng bản Khạn"
    })
}

async fn district() -> District {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let member = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let staff_cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let member_cookie = app
        .page_login(&d.sellers[0].email, &d.sellers[0].password)
        .await;
    let seller = d.sellers[0].id;
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{seller}/products"),
            Some(&member),
            honey(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let product = p["id"].as_i64().expect("product id");
    let slug = p["slug"].as_str().expect("slug").to_owned();
    let (status, l) = app
        .post_json(
            &format!("/api/v1/products/{product}/lots"),
            Some(&member),
            lot_json("PL-2025-10"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    let lot = l["id"].as_i64().expect("lot id");
    District {
        app,
        d,
        staff,
        member,
        staff_cookie,
        member_cookie,
        seller,
        product,
        slug,
        lot,
    }
}

/// Row counts of the tables the SQL payloads name.
async fn table_counts(app: &TestApp) -> [i64; 4] {
    app.db(|conn| {
        [
            products::table.count().get_result(conn).expect("products"),
            sellers::table.count().get_result(conn).expect("sellers"),
            users::table.count().get_result(conn).expect("users"),
            lots::table.count().get_result(conn).expect("lots"),
        ]
    })
    .await
}

/// GETs a page that must answer 200 and be safe; returns its body.
async fn safe_page(app: &TestApp, path: &str, cookie: Option<&str>, payloads: &[String]) -> String {
    let res = app.page("GET", path, cookie, None, "vi").await;
    assert_eq!(res.status, StatusCode::OK, "GET {path}:\n{}", res.body);
    assert_page_safe(&format!("GET {path}"), &res.body, payloads);
    res.body
}

fn csv_cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Fields whose stored value must be read back escaped on the named pages.
type Shown = Vec<(String, Vec<&'static str>)>;

fn note<'a>(shown: &mut Shown, fields: impl Iterator<Item = &'a Field>, pages: &[&'static str]) {
    for f in fields {
        shown.push((f.name.to_owned(), pages.to_vec()));
    }
}

/// True when some string in `v` is exactly `s`.
fn holds_text(v: &Value, s: &str) -> bool {
    match v {
        Value::String(t) => t == s,
        Value::Array(a) => a.iter().any(|x| holds_text(x, s)),
        Value::Object(o) => o.values().any(|x| holds_text(x, s)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Every JSON body, then every page that shows what it stored.
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn hostile_text_in_every_json_field_is_stored_as_text_and_shown_escaped() {
    let started = Instant::now();
    let z = district().await;
    let app = &z.app;
    let all: Vec<String> = payloads().into_iter().map(|(_, p)| p).collect();
    let mut tally = Tally::default();
    let before = table_counts(app).await;
    let (status, s) = app
        .get_json(&format!("/api/v1/sellers/{}", z.seller), Some(&z.staff))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let tax_code = s["seller"]["tax_code"]
        .as_str()
        .expect("tax code")
        .to_owned();
    let seller_valid = crate::helpers::seller_json(&tax_code);
    let seller_path = format!("/api/v1/sellers/{}", z.seller);
    let product_path = format!("/api/v1/products/{}", z.product);
    let lot_path = format!("/api/v1/lots/{}", z.lot);
    let (mut accepted, mut imported) = (0, false);
    let import_header = "Mã số thuế người bán,SKU,Tên sản phẩm,Nhóm OCOP,Mô tả,Đơn vị,Khối lượng/thể tích tịnh,Giá bán (VND),Trạng thái\n";

    for (i, (name, p)) in payloads().into_iter().enumerate() {
        let expected = stored_form(&p);
        // Every (field, where its stored value must be read back) of the round.
        let mut shown: Shown = Vec::new();

        // The seller, as staff type it in.
        let o = drive_json(
            app,
            &mut tally,
            ("PUT", &seller_path, &z.staff),
            &seller_valid,
            SELLER_FIELDS,
            &p,
        )
        .await;
        let (_, got) = app.get_json(&seller_path, Some(&z.staff)).await;
        assert_stored(name, &got["seller"], &o, &p);
        note(&mut shown, o.kept_as_typed(), &["staff_seller_edit"]);
        for (field, pages) in [
            ("legal_name", &["staff", "staff_seller", "seller_home"][..]),
            (
                "short_name",
                &[
                    "staff",
                    "staff_seller",
                    "catalogue",
                    "product_public",
                    "seller_public",
                ],
            ),
            (
                "representative",
                &["staff_seller", "seller_home", "seller_public"],
            ),
        ] {
            if o.kept.iter().any(|f| f.name == field) {
                shown.push((field.to_owned(), pages.to_vec()));
            }
        }

        // The product, by the seller's member.
        let o = drive_json(
            app,
            &mut tally,
            ("PUT", &product_path, &z.member),
            &honey(),
            PRODUCT_FIELDS,
            &p,
        )
        .await;
        let (_, got) = app.get_json(&product_path, Some(&z.member)).await;
        assert_stored(name, &got["product"], &o, &p);
        let (status, public) = app
            .get_json(&format!("/api/v1/catalog/products/{}", z.slug), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{public}");
        assert_stored(name, &public["product"], &o, &p);
        note(&mut shown, o.kept_as_typed(), &["product_edit"]);
        if o.kept.iter().any(|f| f.name == "name_vi") {
            note(
                &mut shown,
                [free("name_vi", 120)].iter(),
                &[
                    "catalogue",
                    "product_public",
                    "product_manage",
                    "scan",
                    "export_report",
                    "stamps",
                ],
            );
        }
        if o.kept.iter().any(|f| f.name == "description") {
            note(
                &mut shown,
                [free("description", 5_000)].iter(),
                &["product_public", "product_manage"],
            );
        }

        // A certificate of the product.
        let o = drive_json(
            app,
            &mut tally,
            (
                "POST",
                &format!("{product_path}/certificates"),
                &z.member,
            ),
            &json!({ "stars": "4", "decision_no": "2517/QĐ-UBND", "issued_by": "province", "issued_on": "2025-06-01" }),
            CERTIFICATE_FIELDS,
            &p,
        )
        .await;
        assert_stored(name, &o.answer, &o, &p);
        note(&mut shown, o.kept_as_typed(), &["product_manage"]);

        // The lot, its hold with a reason, and an event of its journey.
        let o = drive_json(
            app,
            &mut tally,
            ("PUT", &lot_path, &z.member),
            &lot_json("PL-2025-10"),
            LOT_FIELDS,
            &p,
        )
        .await;
        let (_, got) = app.get_json(&lot_path, Some(&z.member)).await;
        assert_stored(name, &got["lot"], &o, &p);
        note(&mut shown, o.kept_as_typed(), &["lot_edit"]);
        if o.kept.iter().any(|f| f.name == "code") {
            note(
                &mut shown,
                [code("code")].iter(),
                &["lot", "scan", "product_manage"],
            );
        }
        let lot_code = got["lot"]["code"].as_str().expect("lot code").to_owned();
        let o = drive_json(
            app,
            &mut tally,
            ("POST", &format!("{lot_path}/status"), &z.member),
            &json!({ "status": "held", "reason": "Kiểm tra lại độ ẩm" }),
            LOT_STATUS_FIELDS,
            &p,
        )
        .await;
        if o.kept.iter().any(|f| f.name == "reason") {
            assert_eq!(o.answer["status_reason"].as_str(), Some(expected.as_str()));
            shown.push(("reason".into(), vec!["lot", "scan"]));
        }
        let o = drive_json(
            app,
            &mut tally,
            ("POST", &format!("{lot_path}/events"), &z.member),
            &json!({ "kind": "harvest", "happened_at": "2025-10-01T06:30", "place": "Rừng bản Khạn", "actor": "Tổ thu hoạch", "note": "Trời nắng" }),
            EVENT_FIELDS,
            &p,
        )
        .await;
        assert_stored(name, &o.answer, &o, &p);
        let (_, got) = app.get_json(&lot_path, Some(&z.member)).await;
        let last = got["events"].as_array().and_then(|e| e.last()).cloned();
        assert_stored(name, &last.expect("event"), &o, &p);
        note(&mut shown, o.kept_as_typed(), &["lot", "scan"]);

        // A member invited with that name, who accepts with it.
        let email = format!("moi.{i}@example.vn");
        let o = drive_json(
            app,
            &mut tally,
            ("POST", &format!("{seller_path}/invitations"), &z.staff),
            &json!({ "email": email, "name": "Hà Thị Mai" }),
            INVITE_FIELDS,
            &p,
        )
        .await;
        assert_stored(name, &o.answer, &o, &p);
        note(&mut shown, o.kept_as_typed(), &["staff_seller"]);
        let link = app.link_in_mail(&email, "/invite/");
        let token = link.trim_start_matches("/invite/").to_owned();
        let o = drive_json(
            app,
            &mut tally,
            ("POST", "/api/v1/invitations/accept", &z.staff),
            &json!({ "token": token, "password": "mot-mat-khau-dai", "name": "Hà Thị Mai" }),
            ACCEPT_FIELDS,
            &p,
        )
        .await;
        accepted += 1;
        assert_stored(name, &o.answer["user"], &o, &p);
        note(&mut shown, o.kept_as_typed(), &["staff_seller"]);

        // One stamp of the lot, with the payload as its order.
        let o = drive_json(
            app,
            &mut tally,
            ("POST", &format!("{product_path}/stamp-runs"), &z.member),
            &json!({ "count": "1", "lot_code": lot_code, "layout": "a4-40" }),
            RUN_FIELDS,
            &p,
        )
        .await;
        let url = o.answer["urls"][0].as_str().expect("stamp url");
        let scan_path = url.trim_start_matches("http://ocop.test").to_owned();
        assert!(scan_path.starts_with("/s/"), "{url}");

        // A products sheet with the payload in the name and description.
        tally.inputs += 2;
        let csv = format!(
            "{import_header}{tax_code},HOSTILE-1,{},Thực phẩm,{},ml,500,\"50.000\",Đang bán\n",
            csv_cell(&p),
            csv_cell(&p)
        );
        let (status, report) = app
            .post_multipart(
                "/api/v1/imports/products",
                &z.staff,
                &[Part {
                    name: "file",
                    file_name: Some("san-pham.csv"),
                    data: csv.as_bytes(),
                }],
            )
            .await;
        let import_takes = free("name_vi", 120).takes(&p) == Some(true);
        let mut imported_slug = None;
        match status {
            StatusCode::OK | StatusCode::CREATED => {
                assert!(import_takes, "import took {name}: {report}");
                imported = true;
                let (_, list) = app
                    .get_json(&format!("{seller_path}/products"), Some(&z.staff))
                    .await;
                let row = list
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .find(|r| r["sku"] == "HOSTILE-1")
                    .unwrap_or_else(|| panic!("imported product missing"));
                assert_eq!(row["name_vi"].as_str(), Some(expected.as_str()), "{row}");
                let id = row["id"].as_i64().expect("id");
                let (_, full) = app
                    .get_json(&format!("/api/v1/products/{id}"), Some(&z.staff))
                    .await;
                assert_eq!(
                    full["product"]["description"].as_str(),
                    Some(expected.as_str())
                );
                imported_slug = row["slug"].as_str().map(str::to_owned);
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(!import_takes, "import refused {name}: {report}");
                // A NUL byte makes the whole file "not CSV text".
                if p.contains('\0') && report["error"] == "import_rejected" {
                    assert!(report["message_vi"].is_string(), "{report}");
                }
                let rows = report["rows"].as_array().cloned().unwrap_or_default();
                assert!(
                    !rows.is_empty() || p.contains('\0'),
                    "import of {name}: {report}"
                );
                for r in &rows {
                    assert_eq!(r["row"], 2, "{r}");
                    assert!(
                        ["name_vi", "description"].contains(&r["field"].as_str().unwrap_or("")),
                        "{r}"
                    );
                }
            }
            other => panic!("import of {name}: {other} {report}"),
        }

        // Every page that shows any of it.
        let staff = Some(z.staff_cookie.as_str());
        let member = Some(z.member_cookie.as_str());
        let mut pages: Vec<(&'static str, String, Option<&str>)> = vec![
            ("catalogue", "/".into(), None),
            ("product_public", format!("/p/{}", z.slug), None),
            ("seller_public", format!("/sellers/{}", z.seller), None),
            ("staff", "/staff".into(), staff),
            (
                "staff_seller",
                format!("/staff/sellers/{}", z.seller),
                staff,
            ),
            (
                "staff_seller_edit",
                format!("/staff/sellers/{}/edit", z.seller),
                staff,
            ),
            ("seller_home", "/seller".into(), member),
            ("seller_edit", "/seller/edit".into(), member),
            ("product_manage", format!("/products/{}", z.product), member),
            (
                "product_edit",
                format!("/products/{}/edit", z.product),
                member,
            ),
            ("lot", format!("/lots/{}", z.lot), member),
            ("lot_edit", format!("/lots/{}/edit", z.lot), member),
            ("stamps", "/stamps".into(), member),
            ("dashboard", "/stamps/dashboard".into(), member),
            ("scan", scan_path.clone(), None),
            ("exports", "/exports".into(), member),
        ];
        if let Some(slug) = &imported_slug {
            pages.push(("imported_public", format!("/p/{slug}"), None));
        }
        let mut bodies: Vec<(&'static str, String)> = Vec::new();
        for (key, path, cookie) in &pages {
            bodies.push((key, safe_page(app, path, *cookie, &all).await));
        }
        let report = app
            .page(
                "POST",
                "/exports/check",
                member,
                Some(&[("product", z.product.to_string().as_str())]),
                "vi",
            )
            .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.body);
        assert_page_safe("export report", &report.body, &all);
        bodies.push(("export_report", report.body));
        let escaped = html_escape(&expected);
        for (field, on) in &shown {
            for key in on {
                let body = &bodies
                    .iter()
                    .find(|(k, _)| k == key)
                    .unwrap_or_else(|| panic!("no page {key}"))
                    .1;
                assert!(
                    body.contains(&escaped),
                    "{name}: {field} is not shown escaped on {key}:\n{body}"
                );
            }
        }
        if imported_slug.is_some() {
            let public = &bodies
                .iter()
                .find(|(k, _)| *k == "imported_public")
                .expect("imported page")
                .1;
            assert!(public.contains(&escaped), "{name}: imported name not shown");
        }

        // The JSON readers give back the same text.
        if !shown.is_empty() {
            let (status, scan) = app
                .get_json(&scan_path.replacen("/s/", "/api/v1/scan/", 1), None)
                .await;
            assert_eq!(status, StatusCode::OK, "{scan}");
            for (field, on) in &shown {
                if on.contains(&"scan") {
                    assert!(
                        holds_text(&scan, &expected),
                        "{name}: {field} not in {scan}"
                    );
                }
            }
            let (status, check) = app
                .post_json(
                    "/api/v1/exports/check",
                    Some(&z.member),
                    json!({ "product_ids": [z.product] }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{check}");
            if shown.iter().any(|(f, _)| f == "name_vi") {
                assert_eq!(
                    check["products"][0]["name_vi"].as_str(),
                    Some(expected.as_str())
                );
            }
        }

        // Released for the next round.
        let (status, body) = app
            .post_json(
                &format!("{lot_path}/status"),
                Some(&z.member),
                json!({ "status": "active" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // The SQL payloads were text: every table is there, with the rows the
    // test made and no others.
    let after = table_counts(app).await;
    assert_eq!(
        after,
        [
            before[0] + i64::from(imported),
            before[1],
            before[2] + accepted,
            before[3]
        ],
        "products, sellers, users, lots"
    );
    let (status, me) = app.get_json("/api/v1/me", Some(&z.staff)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    eprintln!(
        "hostile inputs tried (JSON bodies, {} payloads): {} in {:?}",
        all.len(),
        tally.inputs,
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Every HTML form, as a browser without JavaScript posts it.
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn hostile_text_in_every_form_field_comes_back_escaped() {
    let started = Instant::now();
    let z = district().await;
    let app = &z.app;
    let all: Vec<String> = payloads().into_iter().map(|(_, p)| p).collect();
    let mut tally = Tally::default();
    let staff = z.staff_cookie.as_str();
    let member = z.member_cookie.as_str();
    let (_, s) = app
        .get_json(&format!("/api/v1/sellers/{}", z.seller), Some(&z.staff))
        .await;
    let tax_code = s["seller"]["tax_code"]
        .as_str()
        .expect("tax code")
        .to_owned();
    let mut seller_form = pairs_of(
        &crate::helpers::seller_json(&tax_code),
        &[
            "kind",
            "legal_name",
            "short_name",
            "tax_code",
            "business_reg_no",
            "representative",
            "phone",
            "zalo_phone",
            "email",
            "commune_code",
            "village",
            "former_district",
            "gln",
            "bank_account",
            "status",
        ],
    );
    seller_form.extend([
        ("province", "38".to_owned()),
        ("consent", "on".to_owned()),
        ("action", "save".to_owned()),
    ]);
    let product_names: Vec<&'static str> = PRODUCT_FIELDS.iter().map(|f| f.name).collect();
    let product_form = pairs_of(&honey(), &product_names);
    let lot_names: Vec<&'static str> = LOT_FIELDS.iter().map(|f| f.name).collect();
    let certificate_form: Vec<(&'static str, String)> = [
        ("stars", "4"),
        ("score", ""),
        ("decision_no", "2517/QĐ-UBND"),
        ("issued_by", "province"),
        ("issued_on", "2025-06-01"),
        ("valid_until", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let event_form: Vec<(&'static str, String)> = [
        ("kind", "harvest"),
        ("happened_at", "2025-10-01T06:30"),
        ("place", "Rừng bản Khạn"),
        ("actor", "Tổ thu hoạch"),
        ("note", "Trời nắng"),
        ("corrects_event_id", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let status_form = vec![
        ("status", "held".to_owned()),
        ("reason", "Kiểm tra lại".to_owned()),
    ];
    let order_form = vec![
        ("product_id", z.product.to_string()),
        ("lot_id", String::new()),
        ("count", "1".to_owned()),
        ("layout", "a4-40".to_owned()),
    ];
    const ORDER_FIELDS: &[Field] = &[format("lot_id"), format("count"), format("layout")];
    const ACCEPT_FORM_FIELDS: &[Field] = &[
        free("name", 100),
        format("password"),
        format("password_confirm"),
    ];

    for (i, (name, p)) in payloads().into_iter().enumerate() {
        let seller_path = format!("/staff/sellers/{}/edit", z.seller);
        for (path, cookie) in [(seller_path.as_str(), staff), ("/seller/edit", member)] {
            drive_form(
                app,
                &mut tally,
                path,
                cookie,
                &seller_form,
                SELLER_FIELDS,
                &p,
                false,
                &all,
            )
            .await;
        }
        drive_form(
            app,
            &mut tally,
            &format!("/products/{}/edit", z.product),
            member,
            &product_form,
            PRODUCT_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/products/{}/lots", z.product),
            member,
            &pairs_of(&lot_json(&format!("F-{i}")), &lot_names),
            LOT_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/lots/{}/edit", z.lot),
            member,
            &pairs_of(&lot_json("PL-2025-10"), &lot_names),
            LOT_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/lots/{}/status", z.lot),
            member,
            &status_form,
            LOT_STATUS_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/lots/{}/events", z.lot),
            member,
            &event_form,
            EVENT_FIELDS,
            &p,
            true,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/products/{}/certificates", z.product),
            member,
            &certificate_form,
            CERTIFICATE_FIELDS,
            &p,
            true,
            &all,
        )
        .await;
        drive_form(
            app,
            &mut tally,
            &format!("/stamps/runs?seller={}", z.seller),
            member,
            &order_form,
            ORDER_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        let email = format!("form.{i}@example.vn");
        drive_form(
            app,
            &mut tally,
            &format!("/staff/sellers/{}/invite", z.seller),
            staff,
            &[("name", "Hà Thị Mai".to_owned()), ("email", email.clone())],
            INVITE_FIELDS,
            &p,
            false,
            &all,
        )
        .await;
        let link = app.link_in_mail(&email, "/invite/");
        safe_page(app, &link, None, &all).await;
        drive_form(
            app,
            &mut tally,
            &link,
            "lang=vi",
            &[
                ("name", "Hà Thị Mai".to_owned()),
                ("password", "mot-mat-khau-dai".to_owned()),
                ("password_confirm", "mot-mat-khau-dai".to_owned()),
            ],
            ACCEPT_FORM_FIELDS,
            &p,
            false,
            &all,
        )
        .await;

        // Forms that store nothing answer with a page, never a 5xx.
        tally.inputs += 3;
        let forgot = app
            .page(
                "POST",
                "/password/forgot",
                None,
                Some(&[("email", p.as_str())]),
                "vi",
            )
            .await;
        assert!(
            forgot.status.is_success() || forgot.status.is_client_error(),
            "forgot {name}: {}",
            forgot.status
        );
        assert_page_safe("password/forgot", &forgot.body, &all);
        let check = app
            .page(
                "POST",
                "/exports/check",
                Some(member),
                Some(&[("product", p.as_str())]),
                "vi",
            )
            .await;
        assert!(
            check.status.is_client_error(),
            "exports/check {name}: {}",
            check.status
        );
        assert_page_safe("exports/check", &check.body, &all);
        let csv = format!(
            "Mã số thuế người bán,SKU,Tên sản phẩm,Nhóm OCOP,Mô tả,Đơn vị,Khối lượng/thể tích tịnh,Giá bán (VND),Trạng thái\n{tax_code},FORM-1,{},Thực phẩm,Mô tả,ml,500,\"50.000\",{}\n",
            csv_cell(&p),
            csv_cell(&p)
        );
        let (content_type, body) = multipart_body(&[
            Part {
                name: "kind",
                file_name: None,
                data: b"products",
            },
            Part {
                name: "dry_run",
                file_name: None,
                data: b"on",
            },
            Part {
                name: "file",
                file_name: Some("san-pham.csv"),
                data: csv.as_bytes(),
            },
        ]);
        let import = send_raw(
            app,
            "POST",
            "/staff/import",
            Some(staff),
            &content_type,
            body,
        )
        .await;
        assert!(
            import.status.is_success() || import.status.is_client_error(),
            "import page {name}: {}",
            import.status
        );
        assert_page_safe("staff/import", &import.body, &all);

        // What the forms stored, everywhere it shows.
        for (path, cookie) in [
            (format!("/p/{}", z.slug), None),
            (format!("/products/{}", z.product), Some(member)),
            (format!("/lots/{}", z.lot), Some(member)),
            (format!("/staff/sellers/{}", z.seller), Some(staff)),
            ("/stamps".to_owned(), Some(member)),
            ("/".to_owned(), None),
        ] {
            safe_page(app, &path, cookie, &all).await;
        }
    }
    eprintln!(
        "hostile inputs tried (HTML forms): {} in {:?}",
        tally.inputs,
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Search boxes, login and reset emails, return addresses; brute force.
// ---------------------------------------------------------------------------

/// GETs `path`; Err when the server closed the connection instead of
/// answering (a request line too long to read).
async fn try_get(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
) -> Result<(StatusCode, String, Option<String>), String> {
    let mut req = app
        .client()
        .get(app.url(path))
        .insert_header(("Accept-Language", "vi"));
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", c.to_owned()));
    }
    let mut res = req.send().await.map_err(|e| e.to_string())?;
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res
        .body()
        .limit(10 << 20)
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        res.status(),
        String::from_utf8_lossy(&body).into_owned(),
        location,
    ))
}

/// A redirect target a browser keeps on this site: one leading `/`, no
/// backslash after it, and no control character (browsers drop tabs and
/// line breaks from URLs, so "/\t/evil.example" is "//evil.example").
#[track_caller]
fn assert_local(what: &str, location: &str) {
    let seen: String = location.chars().filter(|c| !c.is_control()).collect();
    assert!(
        location.starts_with('/')
            && !seen.starts_with("//")
            && !seen.starts_with("/\\")
            && !location.chars().any(char::is_control),
        "{what}: redirect to {location:?}"
    );
}

/// Return addresses that lead off the site, besides the payloads.
const OFFSITE: &[&str] = &[
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example/",
    "\\\\evil.example",
    "/\0",
    "javascript:alert(1)",
];

#[actix_web::test]
async fn hostile_searches_logins_and_return_addresses_are_answered_safely() {
    let z = district().await;
    let app = &z.app;
    let all: Vec<String> = payloads().into_iter().map(|(_, p)| p).collect();
    let mut tally = Tally::default();
    let before = table_counts(app).await;
    let staff = Some(z.staff_cookie.as_str());
    let member = Some(z.member_cookie.as_str());

    // Return addresses, with the right password (before any failure).
    let nexts: Vec<String> = all
        .iter()
        .cloned()
        .chain(OFFSITE.iter().map(|s| (*s).to_owned()))
        .collect();
    for next in &nexts {
        tally.inputs += 3;
        let what = format!("next = {:?}", short(next));
        let q = ocop::util::url_encode(next);
        let login = app
            .page(
                "POST",
                "/login",
                None,
                Some(&[
                    ("email", z.d.staff.email.as_str()),
                    ("password", z.d.staff.password.as_str()),
                    ("next", next.as_str()),
                ]),
                "vi",
            )
            .await;
        assert_eq!(
            login.status,
            StatusCode::SEE_OTHER,
            "{what}: {}",
            login.body
        );
        assert_local(&what, login.location.as_deref().unwrap_or(""));
        if next.len() < 4096 {
            let (status, body, location) = try_get(app, &format!("/lang/en?next={q}"), None)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(status, StatusCode::SEE_OTHER, "{what}: {body}");
            assert_local(&what, location.as_deref().unwrap_or(""));
            let (status, body, _) = try_get(app, &format!("/login?next={q}"), None)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(status, StatusCode::OK, "{what}");
            assert_page_safe(&what, &body, &all);
        }
    }

    // A run waiting for its lot, and a genuine code, for the stamp forms.
    let (status, run) = app
        .post_json(
            &format!("/api/v1/products/{}/stamp-runs", z.product),
            Some(&z.member),
            json!({ "count": "2" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["run_id"].as_i64().expect("run id");
    let code = run["urls"][0]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("code")
        .to_owned();

    for (name, p) in payloads() {
        let q = ocop::util::url_encode(&p);
        // The payload as every id, slug, code and file name of a path, with
        // its slashes as typed and encoded: never a 5xx, never a file.
        if p.len() < 4096 {
            let q2 = q.replace('/', "%2F");
            for seg in [&q, &q2] {
                for (path, cookie) in [
                    (format!("/p/{seg}"), None),
                    (format!("/sellers/{seg}"), None),
                    (format!("/s/{seg}"), None),
                    (format!("/api/v1/scan/{seg}"), None),
                    (format!("/api/v1/catalog/products/{seg}"), None),
                    (format!("/01/8934567000000/10/{seg}/21/{code}"), None),
                    (format!("/media/{seg}"), None),
                    (format!("/files/{seg}"), None),
                    (format!("/static/{seg}"), None),
                    (format!("/invite/{seg}"), None),
                    (format!("/password/reset/{seg}"), None),
                    (format!("/products/{seg}"), member),
                    (format!("/lots/{seg}"), member),
                    (format!("/exports/{seg}"), member),
                    (format!("/staff/sellers/{seg}"), staff),
                    (
                        format!("/stamps/runs/{seg}/labels?layout={seg}&format={seg}"),
                        member,
                    ),
                    (
                        format!(
                            "/stamps/runs/{run_id}/labels?layout={seg}&format=pdf&serial={seg}"
                        ),
                        member,
                    ),
                ] {
                    tally.inputs += 1;
                    let (status, body, _) = try_get(app, &path, cookie)
                        .await
                        .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
                    assert!(
                        !status.is_server_error(),
                        "{name} GET {path}: {status}\n{body}"
                    );
                    assert!(
                        !body.contains("root:x:0"),
                        "{name} GET {path}: a system file"
                    );
                    if body.starts_with("<!doctype") {
                        assert_page_safe(&format!("{name} GET {path}"), &body, &all);
                    }
                }
            }
        }
        // The payload as the lot and range of a binding, the lot of an
        // activation, and the code of a stamp to void.
        tally.inputs += 7;
        for (path, body) in [
            (
                format!("/api/v1/stamp-runs/{run_id}/bind"),
                json!({ "lot_code": p, "from": p, "to": p }),
            ),
            (
                format!("/api/v1/stamps/{code}/activate"),
                json!({ "lot_code": p }),
            ),
        ] {
            let (status, answer) = app.post_json(&path, Some(&z.member), body).await;
            assert!(
                [404, 413, 422].contains(&status.as_u16()),
                "{name} {path}: {status} {answer}"
            );
        }
        let (status, answer) = app
            .send_json(
                "POST",
                &format!("/api/v1/stamps/{}/void", q.replace('/', "%2F")),
                Some(&z.member),
                None,
            )
            .await;
        assert!(status.is_client_error(), "{name} void: {status} {answer}");
        for (path, pairs) in [
            (
                format!("/stamps/runs/{run_id}/bind?seller={}", z.seller),
                vec![
                    ("lot_code", p.as_str()),
                    ("from", p.as_str()),
                    ("to", p.as_str()),
                ],
            ),
            (
                format!("/s/{code}/activate"),
                vec![("lot_code", p.as_str())],
            ),
            (
                format!("/stamps/void?seller={}", z.seller),
                vec![("code", p.as_str())],
            ),
        ] {
            let res = app.page("POST", &path, member, Some(&pairs), "vi").await;
            assert!(
                res.status.is_success() || res.status.is_client_error(),
                "{name} {path}: {}\n{}",
                res.status,
                res.body
            );
            assert_page_safe(&format!("{name} {path}"), &res.body, &all);
        }

        // The search boxes: the public catalogue, the staff console, the
        // export page's seller filter, and the API's.
        for (path, cookie) in [
            (format!("/?q={q}"), None),
            (format!("/staff?q={q}"), staff),
            (format!("/exports?seller={q}"), member),
            (
                format!("/?q={q}&group={q}&stars={q}&commune={q}&page=2"),
                None,
            ),
        ] {
            tally.inputs += 1;
            match try_get(app, &path, cookie).await {
                Ok((status, body, _)) => {
                    assert!(
                        status == StatusCode::OK || status.is_client_error(),
                        "{name} {}: {status}",
                        short(&path)
                    );
                    assert_page_safe(&format!("{name}: search"), &body, &all);
                    if status == StatusCode::OK && path.contains("q=") && p.len() < 1000 {
                        assert!(
                            body.contains(&format!("value=\"{}\"", html_escape(&p))),
                            "{name}: the search box does not keep what was typed"
                        );
                    }
                }
                // Only a request line too long to read may go unanswered.
                Err(e) => assert!(p.len() > 4096, "{name}: {e}"),
            }
        }
        if p.len() < 4096 {
            for (path, token) in [
                (format!("/api/v1/catalog?q={q}"), None),
                (format!("/api/v1/sellers?q={q}"), Some(z.staff.as_str())),
                (format!("/api/v1/communes?q={q}"), None),
                (format!("/api/v1/feed/products.json?seller={q}"), None),
            ] {
                tally.inputs += 1;
                let (status, body) = app.get_json(&path, token).await;
                assert!(
                    status == StatusCode::OK || status.is_client_error(),
                    "{name} {path}: {status} {body}"
                );
            }
        }

        // Logins and reset requests with the payload as email and password:
        // refused (401, 422, or 429 once the address is throttled).
        tally.inputs += 6;
        for body in [
            json!({ "email": p, "password": p }),
            json!({ "email": p, "password": "mot-mat-khau-dai" }),
        ] {
            let (status, answer) = app.post_json("/api/v1/auth/login", None, body).await;
            assert!(
                [401, 413, 422, 429].contains(&status.as_u16()),
                "{name}: API login {status} {answer}"
            );
        }
        let (status, answer) = app
            .post_json("/api/v1/auth/password-reset", None, json!({ "email": p }))
            .await;
        assert!(
            [202, 413, 422, 429].contains(&status.as_u16()),
            "{name}: reset {status} {answer}"
        );
        let login = app
            .page(
                "POST",
                "/login",
                None,
                Some(&[
                    ("email", p.as_str()),
                    ("password", p.as_str()),
                    ("next", p.as_str()),
                ]),
                "vi",
            )
            .await;
        assert!(
            [401, 413, 422, 429].contains(&login.status.as_u16()),
            "{name}: form login {}",
            login.status
        );
        assert!(
            login.session.is_none(),
            "{name}: a session for a failed login"
        );
        assert_page_safe(&format!("{name}: login page"), &login.body, &all);
        if login.status != StatusCode::PAYLOAD_TOO_LARGE && !p.contains('\0') {
            assert!(
                login.body.contains(&html_escape(&p)),
                "{name}: the login form does not keep the email typed"
            );
        }
        let forgot = app
            .page(
                "POST",
                "/password/forgot",
                None,
                Some(&[("email", p.as_str())]),
                "vi",
            )
            .await;
        assert!(
            forgot.status.is_success() || forgot.status.is_client_error(),
            "{name}: forgot {}",
            forgot.status
        );
        assert_page_safe(&format!("{name}: forgot page"), &forgot.body, &all);
    }

    // Twenty failures from this address: now even the right password waits,
    // through the API and through the form (5 for one account, and the
    // right password then, are in auth.rs).
    let mut res = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .send_json(&json!({ "email": z.d.staff.email, "password": z.d.staff.password }))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let _ = res.body().await;
    let login = app
        .page(
            "POST",
            "/login",
            None,
            Some(&[
                ("email", z.d.staff.email.as_str()),
                ("password", z.d.staff.password.as_str()),
                ("next", "/"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        login.body
    );
    assert!(login.session.is_none());

    assert_eq!(
        table_counts(app).await,
        before,
        "a search or login wrote rows"
    );
    eprintln!(
        "hostile inputs tried (searches, paths, logins, return addresses): {}",
        tally.inputs
    );
}

// ---------------------------------------------------------------------------
// Length limits: the limit is taken, one more is refused by name.
// ---------------------------------------------------------------------------

/// A body with limited fields, through the API and its HTML form.
struct Limited<'a> {
    api: (&'static str, String, &'a str),
    valid: Value,
    /// Form path, session cookie, multipart, and pairs only the form has.
    form: (String, &'a str, bool, Vec<(&'static str, String)>),
    /// Field and its longest text, as enforced by the services.
    fields: &'static [(&'static str, usize)],
    /// The OpenAPI schema of the body.
    schema: &'static str,
}

#[actix_web::test]
async fn values_one_past_their_documented_limit_are_refused_by_name() {
    use ocop::domain::Reason;
    use ocop::i18n::{Lang, reason};

    let z = district().await;
    let app = &z.app;
    let (staff, member) = (z.staff_cookie.as_str(), z.member_cookie.as_str());
    let (_, s) = app
        .get_json(&format!("/api/v1/sellers/{}", z.seller), Some(&z.staff))
        .await;
    let tax_code = s["seller"]["tax_code"]
        .as_str()
        .expect("tax code")
        .to_owned();
    let (_, doc) = app.get_json("/api/v1/openapi.json", None).await;
    let mut tally = Tally::default();
    let groups = [
        Limited {
            api: ("PUT", format!("/api/v1/sellers/{}", z.seller), &z.staff),
            valid: crate::helpers::seller_json(&tax_code),
            form: (
                format!("/staff/sellers/{}/edit", z.seller),
                staff,
                false,
                vec![
                    ("province", "38".into()),
                    ("consent", "on".into()),
                    ("action", "save".into()),
                ],
            ),
            fields: &[
                ("legal_name", 200),
                ("short_name", 40),
                ("representative", 100),
                ("village", 100),
                ("former_district", 100),
                ("bank_account", 100),
            ],
            schema: "SellerInput",
        },
        Limited {
            api: ("PUT", format!("/api/v1/products/{}", z.product), &z.member),
            valid: honey(),
            form: (
                format!("/products/{}/edit", z.product),
                member,
                false,
                vec![],
            ),
            fields: &[
                ("name_vi", 120),
                ("name_en", 120),
                ("description", 5_000),
                ("story", 5_000),
                ("ingredients", 5_000),
                ("pack_type", 200),
                ("storage", 200),
                ("planting_area_code", 50),
                ("sku", 50),
            ],
            schema: "ProductInput",
        },
        Limited {
            api: (
                "POST",
                format!("/api/v1/products/{}/certificates", z.product),
                &z.member,
            ),
            valid: json!({ "stars": "4", "score": "", "decision_no": "2517/QĐ-UBND", "issued_by": "province", "issued_on": "2025-06-01", "valid_until": "" }),
            form: (
                format!("/products/{}/certificates", z.product),
                member,
                true,
                vec![],
            ),
            fields: &[("decision_no", 100)],
            schema: "CertificateInput",
        },
        Limited {
            api: ("PUT", format!("/api/v1/lots/{}", z.lot), &z.member),
            valid: lot_json("PL-2025-10"),
            form: (format!("/lots/{}/edit", z.lot), member, false, vec![]),
            fields: &[("code", 40), ("quantity_unit", 20), ("origin_place", 200)],
            schema: "LotInput",
        },
        Limited {
            api: ("POST", format!("/api/v1/lots/{}/status", z.lot), &z.member),
            valid: json!({ "status": "held", "reason": "Kiểm tra lại" }),
            form: (format!("/lots/{}/status", z.lot), member, false, vec![]),
            fields: &[("reason", 500)],
            schema: "LotStatusInput",
        },
        Limited {
            api: ("POST", format!("/api/v1/lots/{}/events", z.lot), &z.member),
            valid: json!({ "kind": "harvest", "happened_at": "2025-10-01T06:30", "place": "", "actor": "", "note": "" }),
            form: (format!("/lots/{}/events", z.lot), member, true, vec![]),
            fields: &[("place", 200), ("actor", 200), ("note", 2_000)],
            schema: "EventInput",
        },
        Limited {
            api: (
                "POST",
                format!("/api/v1/sellers/{}/invitations", z.seller),
                &z.staff,
            ),
            valid: json!({ "email": "limit.0@example.vn", "name": "Hà Thị Mai" }),
            form: (
                format!("/staff/sellers/{}/invite", z.seller),
                staff,
                false,
                vec![],
            ),
            fields: &[("name", 100)],
            schema: "InviteInput",
        },
    ];
    let mut n = 0;
    for g in &groups {
        let (method, path, token) = (g.api.0, g.api.1.as_str(), g.api.2);
        let (form_path, cookie, multipart, extra) = &g.form;
        for &(field, max) in g.fields {
            tally.inputs += 4;
            let letter = if field == "sku" { "A" } else { "ệ" };
            let documented =
                &doc["components"]["schemas"][g.schema]["properties"][field]["maxLength"];
            assert_eq!(
                documented.as_u64(),
                Some(max as u64),
                "{}.{field}: the OpenAPI document says {documented}",
                g.schema
            );
            let too_long = Reason::TooLong { max };
            for (len, ok) in [(max, true), (max + 1, false)] {
                let value = letter.repeat(len);
                let what = format!("{method} {path} {field} of {len}");
                n += 1;
                let mut body = g.valid.clone();
                body[field] = json!(value);
                if body["email"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("limit."))
                {
                    body["email"] = json!(format!("limit.{n}@example.vn"));
                }
                let (status, answer) = app
                    .send_json(method, path, Some(token), Some(body.clone()))
                    .await;
                if ok {
                    assert!(status.is_success(), "{what}: {status} {answer}");
                    assert!(holds_text(&answer, &value), "{what}: not kept: {answer}");
                } else {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
                    assert_eq!(
                        answer["fields"][field],
                        reason(Lang::En, &too_long),
                        "{what}"
                    );
                    assert_eq!(
                        answer["fields_vi"][field],
                        reason(Lang::Vi, &too_long),
                        "{what}"
                    );
                }
                // The same through the form, in Vietnamese.
                n += 1;
                if body["email"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("limit."))
                {
                    body["email"] = json!(format!("limit.{n}@example.vn"));
                }
                let names: Vec<&'static str> = ALL_FORM_NAMES
                    .iter()
                    .copied()
                    .filter(|n| body.get(n).is_some())
                    .collect();
                let mut pairs = pairs_of(&body, &names);
                pairs.extend(extra.iter().cloned());
                let res = post_form(app, form_path, cookie, &pairs, *multipart).await;
                let what = format!("form {form_path} {field} of {len}");
                if ok {
                    assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}:\n{}", res.body);
                } else {
                    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
                    assert!(form_names(&res.body, field), "{what}: field not marked");
                    let vi = html_escape(&reason(Lang::Vi, &too_long));
                    assert!(res.body.contains(&vi), "{what}: no {vi:?}");
                }
            }
            if let Some("held") = g.valid["status"].as_str() {
                let (status, _) = app
                    .post_json(path, Some(&z.member), json!({ "status": "active" }))
                    .await;
                assert_eq!(status, StatusCode::OK);
            }
        }
    }

    // Numbers: the price, the stock and the size of a stamp run.
    let product = format!("/api/v1/products/{}", z.product);
    for (field, at, over) in [
        ("price_vnd", "1000000000", "1000000001"),
        ("stock", "10000000", "10000001"),
    ] {
        tally.inputs += 4;
        for (value, ok) in [(at, true), (over, false)] {
            let mut body = honey();
            body[field] = json!(value);
            let (status, answer) = app.put_json(&product, Some(&z.member), body.clone()).await;
            assert_eq!(status.is_success(), ok, "{field} = {value}: {answer}");
            if !ok {
                named_fields(field, &answer)
                    .contains(field)
                    .then_some(())
                    .expect(field);
            }
            let pairs = pairs_of(&body, ALL_FORM_NAMES);
            let res = post_form(
                app,
                &format!("/products/{}/edit", z.product),
                member,
                &pairs,
                false,
            )
            .await;
            if ok {
                assert_eq!(res.status, StatusCode::SEE_OTHER, "form {field} = {value}");
            } else {
                assert_eq!(
                    res.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "form {field} = {value}"
                );
                assert!(
                    form_names(&res.body, field),
                    "form {field} = {value}: not marked"
                );
            }
        }
    }
    tally.inputs += 2;
    let (status, answer) = app
        .post_json(
            &format!("{product}/stamp-runs"),
            Some(&z.member),
            json!({ "count": "100001" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(named_fields("count", &answer).contains("count"));
    let res = post_form(
        app,
        &format!("/stamps/runs?seller={}", z.seller),
        member,
        &[
            ("product_id", z.product.to_string()),
            ("count", "100001".to_owned()),
            ("layout", "a4-40".to_owned()),
        ],
        false,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form_names(&res.body, "count"));
    eprintln!("hostile inputs tried (length limits): {}", tally.inputs);
}

/// Every name the bodies above post through their forms.
const ALL_FORM_NAMES: &[&str] = &[
    "kind",
    "legal_name",
    "short_name",
    "tax_code",
    "business_reg_no",
    "representative",
    "phone",
    "zalo_phone",
    "email",
    "commune_code",
    "village",
    "former_district",
    "gln",
    "bank_account",
    "status",
    "name_vi",
    "name_en",
    "ocop_group",
    "ocop_subgroup",
    "description",
    "story",
    "ingredients",
    "unit",
    "net_quantity",
    "pack_type",
    "packed_weight_g",
    "length_cm",
    "width_cm",
    "height_cm",
    "price_vnd",
    "stock",
    "gtin",
    "shelf_life_days",
    "storage",
    "planting_area_code",
    "sku",
    "stars",
    "score",
    "decision_no",
    "issued_by",
    "issued_on",
    "valid_until",
    "code",
    "produced_on",
    "packed_on",
    "best_before",
    "quantity",
    "quantity_unit",
    "origin_commune_code",
    "origin_place",
    "reason",
    "happened_at",
    "place",
    "actor",
    "note",
    "name",
];

// ---------------------------------------------------------------------------
// Bodies that are not what they claim: never a 5xx.
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn broken_bodies_are_refused_with_4xx() {
    let z = district().await;
    let app = &z.app;
    let (staff, member) = (z.staff_cookie.as_str(), z.member_cookie.as_str());
    let before = table_counts(app).await;
    let events_before = event_count(app, z.lot).await;
    let tried = std::cell::Cell::new(0);
    let expect = |what: &str, res: &PageResponse, codes: &[u16]| {
        tried.set(tried.get() + 1);
        assert!(
            codes.contains(&res.status.as_u16()),
            "{what}: {} (expected {codes:?})\n{}",
            res.status,
            res.body
        );
    };
    let product = format!("/api/v1/products/{}", z.product);
    let events = format!("/api/v1/lots/{}/events", z.lot);

    // Invalid UTF-8 in a JSON body, raw and as a broken escape.
    for body in [
        b"{\"name_vi\":\"M\xe1\xba\xadt \xff\xfe ong\"}".to_vec(),
        b"{\"name_vi\":\"\\udc00\\ud800\"}".to_vec(),
        b"\xef\xbb\xbf\xff{}".to_vec(),
    ] {
        let res = send_raw(
            app,
            "PUT",
            &product,
            Some(&z.member),
            "application/json",
            body,
        )
        .await;
        expect("invalid UTF-8 in JSON", &res, &[400]);
    }
    // In a form body: percent-encoded and raw.
    let seller_form = |legal_name: &[u8]| {
        let mut body = b"kind=htx&legal_name=".to_vec();
        body.extend_from_slice(legal_name);
        body.extend_from_slice(
            b"&short_name=HTX+B&representative=H%C3%A0&phone=0912000111&province=38&commune_code=14869&consent=on&action=save&business_reg_no=2803000999",
        );
        body
    };
    for bad in [&b"%FF%FE"[..], &b"\xff\xfe"[..], &b"M%E1%BA"[..]] {
        let res = send_raw(
            app,
            "POST",
            "/staff/sellers/new",
            Some(staff),
            "application/x-www-form-urlencoded",
            seller_form(bad),
        )
        .await;
        expect("invalid UTF-8 in a form", &res, &[400]);
        assert_page_safe("invalid UTF-8 in a form", &res.body, &[]);
        let res = send_raw(
            app,
            "POST",
            "/login",
            None,
            "application/x-www-form-urlencoded",
            [&b"email="[..], bad, b"&password=x&next=/"].concat(),
        )
        .await;
        expect("invalid UTF-8 in the login form", &res, &[400]);
    }
    // In a multipart text field, through the API and the page.
    let (content_type, body) = multipart_body(&[
        Part {
            name: "kind",
            file_name: None,
            data: b"harvest",
        },
        Part {
            name: "happened_at",
            file_name: None,
            data: b"2025-10-01T06:30",
        },
        Part {
            name: "note",
            file_name: None,
            data: b"Tr\xff\xfei n\xe1ng",
        },
    ]);
    let res = send_raw(
        app,
        "POST",
        &events,
        Some(&z.member),
        &content_type,
        body.clone(),
    )
    .await;
    expect("invalid UTF-8 in a multipart field (API)", &res, &[400]);
    let res = send_raw(
        app,
        "POST",
        &format!("/lots/{}/events", z.lot),
        Some(member),
        &content_type,
        body,
    )
    .await;
    expect("invalid UTF-8 in a multipart field (page)", &res, &[400]);
    assert_page_safe("multipart page", &res.body, &[]);

    // A JSON body over 64 KiB, on every kind of JSON endpoint.
    let mut big = honey();
    big["description"] = json!("a".repeat(65 * 1024));
    for (method, path, token) in [
        ("PUT", product.as_str(), Some(z.member.as_str())),
        ("POST", events.as_str(), Some(z.member.as_str())),
        ("POST", "/api/v1/auth/login", None),
        ("POST", "/api/v1/exports/check", Some(z.member.as_str())),
    ] {
        tried.set(tried.get() + 1);
        let (status, answer) = app.send_json(method, path, token, Some(big.clone())).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {answer}");
    }
    // JSON nested 10,000 deep: refused, without exhausting the stack. Deep
    // in a field nobody reads, it is skipped like any unknown field.
    for (body, codes) in [
        ("[".repeat(10_000), &[400, 413, 422][..]),
        (
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            &[400, 413, 422],
        ),
        (
            format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)),
            &[200, 400, 413, 422],
        ),
    ] {
        for (method, path) in [("PUT", product.as_str()), ("POST", "/api/v1/exports/check")] {
            let res = send_raw(
                app,
                method,
                path,
                Some(&z.member),
                "application/json",
                body.clone().into_bytes(),
            )
            .await;
            expect("deep JSON", &res, codes);
        }
    }
    let ids = format!("{{\"product_ids\":[{}1]}}", "1,".repeat(20_000));
    let res = send_raw(
        app,
        "POST",
        "/api/v1/exports/check",
        Some(&z.member),
        "application/json",
        ids.into_bytes(),
    )
    .await;
    expect("a long list of ids", &res, &[200, 400, 404, 413, 422]);

    // The wrong Content-Type, or none.
    let json_body = honey().to_string().into_bytes();
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ] {
        let res = send_raw(
            app,
            "PUT",
            &product,
            Some(&z.member),
            content_type,
            json_body.clone(),
        )
        .await;
        expect(&format!("JSON sent as {content_type:?}"), &res, &[400, 415]);
    }
    let res = send_raw(
        app,
        "POST",
        &format!("/products/{}/edit", z.product),
        Some(member),
        "application/json",
        json_body.clone(),
    )
    .await;
    expect("JSON to a form", &res, &[400, 415]);
    assert_page_safe("JSON to a form", &res.body, &[]);
    let res = send_raw(
        app,
        "POST",
        "/login",
        None,
        "application/json",
        b"{\"email\":\"a\"}".to_vec(),
    )
    .await;
    expect("JSON to the login form", &res, &[400, 415]);
    // Multipart with a boundary that never comes, or none at all.
    for (content_type, body) in [
        (
            "multipart/form-data; boundary=nope",
            b"--other\r\n\r\nx".to_vec(),
        ),
        ("multipart/form-data", b"--x\r\n".to_vec()),
        ("application/json", b"{\"kind\":\"harvest\"}".to_vec()),
    ] {
        let res = send_raw(
            app,
            "POST",
            &format!("/lots/{}/events", z.lot),
            Some(member),
            content_type,
            body.clone(),
        )
        .await;
        expect(
            &format!("broken multipart page {content_type}"),
            &res,
            &[400, 415, 422],
        );
        let res = send_raw(
            app,
            "POST",
            "/api/v1/imports/products",
            Some(&z.staff),
            content_type,
            body,
        )
        .await;
        expect(
            &format!("broken multipart import {content_type}"),
            &res,
            &[400, 415, 422],
        );
    }

    assert_eq!(table_counts(app).await, before, "a broken body wrote rows");
    assert_eq!(event_count(app, z.lot).await, events_before);
    eprintln!("hostile inputs tried (broken bodies): {}", tried.get());
}

async fn event_count(app: &TestApp, lot: i64) -> i64 {
    use ocop::db::schema::trace_events;
    app.db(move |conn| {
        trace_events::table
            .filter(trace_events::lot_id.eq(lot))
            .count()
            .get_result(conn)
            .expect("events")
    })
    .await
}

// ---------------------------------------------------------------------------
// Uploaded file names that climb out of the data dir.
// ---------------------------------------------------------------------------

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[actix_web::test]
async fn uploaded_file_names_cannot_climb_out_of_the_data_dir() {
    let z = district().await;
    let app = &z.app;
    let member = z.member_cookie.as_str();
    let data_dir = app.settings.data_dir.clone();
    let photo = ocop::services::media::demo_image_png(7, 400, 300);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (_, s) = app
        .get_json(&format!("/api/v1/sellers/{}", z.seller), Some(&z.staff))
        .await;
    let tax_code = s["seller"]["tax_code"]
        .as_str()
        .expect("tax code")
        .to_owned();
    let csv = format!(
        "Mã số thuế người bán,SKU,Tên sản phẩm,Nhóm OCOP,Mô tả,Đơn vị,Khối lượng/thể tích tịnh,Giá bán (VND),Trạng thái\n{tax_code},EVIL-1,Mật ong rừng,Thực phẩm,Mật ong hoa rừng.,ml,500,\"50.000\",Đang bán\n"
    );
    let names = [
        "../../evil.jpg",
        "..\\..\\evil.png",
        "/etc/passwd",
        "/tmp/evil.pdf",
        "....//....//evil.jpg",
        "%2e%2e%2fevil.jpg",
        "C:\\Windows\\evil.jpg",
        "evil\0.jpg",
        "evil.jpg\0.csv",
        "\u{202E}gpj.evil.exe",
    ];
    let text = |name: &'static str, v: &'static str| Part {
        name,
        file_name: None,
        data: v.as_bytes(),
    };
    let mut tried = 0;
    for file_name in names {
        // Through the API and through the pages: a photo, a certificate's
        // decision, an event's attachment, a spreadsheet to import.
        // (path, parts, through a page, bytes the endpoint takes)
        let uploads: Vec<(String, Vec<Part<'_>>, bool, bool)> = vec![
            (
                format!("/api/v1/products/{}/photos", z.product),
                vec![Part {
                    name: "photo",
                    file_name: Some(file_name),
                    data: &photo,
                }],
                false,
                true,
            ),
            (
                format!("/api/v1/products/{}/certificates", z.product),
                vec![
                    text("stars", "4"),
                    text("decision_no", "2517/QĐ-UBND"),
                    text("issued_by", "province"),
                    text("issued_on", "2025-06-01"),
                    Part {
                        name: "document",
                        file_name: Some(file_name),
                        data: &pdf,
                    },
                ],
                false,
                true,
            ),
            (
                format!("/api/v1/lots/{}/events", z.lot),
                vec![
                    text("kind", "lab_test"),
                    text("happened_at", "2025-10-03T10:00"),
                    Part {
                        name: "attachment",
                        file_name: Some(file_name),
                        data: &photo,
                    },
                ],
                false,
                true,
            ),
            (
                "/api/v1/imports/products?dry_run=true".to_owned(),
                vec![Part {
                    name: "file",
                    file_name: Some(file_name),
                    data: csv.as_bytes(),
                }],
                false,
                false,
            ),
            (
                format!("/products/{}/photos", z.product),
                vec![Part {
                    name: "photo",
                    file_name: Some(file_name),
                    data: &pdf,
                }],
                true,
                false,
            ),
            (
                format!("/products/{}/photos", z.product),
                vec![Part {
                    name: "photo",
                    file_name: Some(file_name),
                    data: &photo,
                }],
                true,
                true,
            ),
            (
                format!("/lots/{}/events", z.lot),
                vec![
                    text("kind", "lab_test"),
                    text("happened_at", "2025-10-03T10:00"),
                    Part {
                        name: "attachment",
                        file_name: Some(file_name),
                        data: &pdf,
                    },
                ],
                true,
                true,
            ),
            (
                "/staff/import".to_owned(),
                vec![
                    text("kind", "products"),
                    text("dry_run", "on"),
                    Part {
                        name: "file",
                        file_name: Some(file_name),
                        data: csv.as_bytes(),
                    },
                ],
                true,
                false,
            ),
        ];
        for (path, parts, page, good_bytes) in &uploads {
            tried += 1;
            let (content_type, body) = multipart_body(parts);
            let who = if !page {
                if path.contains("/imports/") {
                    z.staff.as_str()
                } else {
                    z.member.as_str()
                }
            } else if path.starts_with("/staff/") {
                z.staff_cookie.as_str()
            } else {
                member
            };
            let res = send_raw(app, "POST", path, Some(who), &content_type, body).await;
            let what = format!("{path} named {file_name:?}");
            assert!(
                res.status.is_success()
                    || res.status.is_redirection()
                    || res.status.is_client_error(),
                "{what}: {}\n{}",
                res.status,
                res.body
            );
            if *page {
                assert_page_safe(&what, &res.body, &[file_name.to_owned()]);
            }
            // Judged by its bytes: a good image or PDF is taken whatever its
            // name says, unless a NUL in the name broke the request. (An
            // import tells CSV from XLSX by the name's extension, then checks
            // the bytes.)
            if *good_bytes && !file_name.contains('\0') {
                assert!(
                    res.status.is_success() || res.status == StatusCode::SEE_OTHER,
                    "{what}: {}\n{}",
                    res.status,
                    res.body
                );
            }
        }
    }
    // Every stored file is in media/ or files/ under its content hash;
    // nothing named after an upload exists here, next to the data dir, or
    // at the root.
    let stored = files_under(&data_dir);
    for f in &stored {
        let lower = f.to_lowercase();
        assert!(!lower.contains("evil") && !lower.contains("passwd"), "{f}");
        let (dir, name) = f.rsplit_once('/').unwrap_or(("", f));
        if dir == "media" || dir == "files" {
            let stem = name.split(['-', '.']).next().unwrap_or("");
            assert!(
                stem.len() >= 16 && stem.chars().all(|c| c.is_ascii_hexdigit()),
                "{f} is not named by its content"
            );
        }
    }
    assert!(
        stored.iter().any(|f| f.starts_with("media/"))
            && stored.iter().any(|f| f.starts_with("files/")),
        "{stored:?}"
    );
    let parent = data_dir.parent().expect("parent of the data dir");
    for dir in [parent, std::path::Path::new("/")] {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_lowercase();
            assert!(
                !name.starts_with("evil") && !name.contains("gpj.evil"),
                "{}",
                entry.path().display()
            );
        }
    }
    assert!(!std::path::Path::new("/tmp/evil.pdf").exists());
    eprintln!(
        "hostile inputs tried (upload names): {tried}; files in the data dir: {}",
        stored.len()
    );
}

// ---------------------------------------------------------------------------
// Tokens that must not open anything.
// ---------------------------------------------------------------------------

fn base64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unbase64url(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = A.iter().position(|a| *a == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// A token with `claims` and `header`, signed with HMAC-SHA256 under `key`
/// (no signature for `alg: none`).
fn forge(header: Value, claims: &Value, key: Option<&[u8]>) -> String {
    let alg = header["alg"].as_str().unwrap_or("none").to_owned();
    let head = jsonwebtoken::Header {
        alg: match alg.as_str() {
            "HS384" => jsonwebtoken::Algorithm::HS384,
            "HS512" => jsonwebtoken::Algorithm::HS512,
            _ => jsonwebtoken::Algorithm::HS256,
        },
        ..Default::default()
    };
    match key {
        Some(k) if alg != "none" => {
            jsonwebtoken::encode(&head, claims, &jsonwebtoken::EncodingKey::from_secret(k))
                .expect("sign")
        }
        _ => format!(
            "{}.{}.",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        ),
    }
}

#[actix_web::test]
async fn forged_expired_and_misaddressed_tokens_open_nothing() {
    use sha2::{Digest, Sha256};

    let z = district().await;
    let app = &z.app;
    // The staff token's own claims, to forge from.
    let claims: Value =
        serde_json::from_slice(&unbase64url(z.staff.split('.').nth(1).expect("payload")))
            .expect("claims");
    let sub = claims["sub"].as_str().expect("sub").to_owned();
    let ver = i32::try_from(claims["ver"].as_i64().unwrap_or(0)).expect("ver");
    let later = chrono::Utc::now().timestamp() + 3_600;
    let secret = &app.settings.secret_key;
    let keys = TokenKeys::new(secret);
    // The instance's real HMAC key, as TokenKeys derives it.
    let real_key = Sha256::new()
        .chain_update(b"ocop/jwt/v1\0")
        .chain_update(secret.as_bytes())
        .finalize()
        .to_vec();
    let admin_id = app
        .db(|conn| {
            users::table
                .filter(users::role.eq("admin"))
                .select(users::id)
                .first::<i64>(conn)
                .expect("admin")
        })
        .await;
    let mut tampered_parts: Vec<String> = z.staff.split('.').map(str::to_owned).collect();
    let mut as_admin = claims.clone();
    as_admin["sub"] = json!(admin_id.to_string());
    tampered_parts[1] = base64url(as_admin.to_string().as_bytes());
    let login =
        |aud: &str, exp: i64| json!({ "sub": sub, "aud": aud, "iat": 0, "exp": exp, "ver": ver });

    // `alg: none`, a wrong key and an expired token against TokenKeys itself
    // are in src/auth/jwt.rs; here they go through the API and the pages.
    let forged: Vec<(&str, String)> = vec![
        (
            "alg none",
            forge(
                json!({ "alg": "none", "typ": "JWT" }),
                &login("ocop:login", later),
                None,
            ),
        ),
        (
            "alg NONE",
            forge(json!({ "alg": "NONE" }), &login("ocop:login", later), None),
        ),
        (
            "alg none, signature kept",
            format!(
                "{}.{}.{}",
                base64url(br#"{"alg":"none","typ":"JWT"}"#),
                z.staff.split('.').nth(1).expect("payload"),
                z.staff.split('.').nth(2).expect("signature")
            ),
        ),
        (
            "HS512 with the real key",
            forge(
                json!({ "alg": "HS512" }),
                &login("ocop:login", later),
                Some(&real_key),
            ),
        ),
        (
            "signed with another key",
            TokenKeys::new(&SecretKey::new(
                b"another-secret-key-of-at-least-32-chars".to_vec(),
            ))
            .sign(Audience::Login, &sub, ver, later)
            .expect("sign"),
        ),
        (
            "signed with the raw secret",
            forge(
                json!({ "alg": "HS256" }),
                &login("ocop:login", later),
                Some(secret.as_bytes()),
            ),
        ),
        (
            "expired a second ago",
            keys.sign(
                Audience::Login,
                &sub,
                ver,
                chrono::Utc::now().timestamp() - 1,
            )
            .expect("sign"),
        ),
        (
            "no expiry",
            forge(
                json!({ "alg": "HS256" }),
                &json!({ "sub": sub, "aud": "ocop:login", "iat": 0, "ver": ver }),
                Some(&real_key),
            ),
        ),
        (
            "invitation audience",
            keys.sign(Audience::Invitation, &sub, ver, later)
                .expect("sign"),
        ),
        (
            "password-reset audience",
            keys.sign(Audience::PasswordReset, &sub, ver, later)
                .expect("sign"),
        ),
        (
            "no audience",
            forge(
                json!({ "alg": "HS256" }),
                &json!({ "sub": sub, "iat": 0, "exp": later, "ver": ver }),
                Some(&real_key),
            ),
        ),
        (
            "an old token version",
            keys.sign(Audience::Login, &sub, ver - 1, later)
                .expect("sign"),
        ),
        ("payload changed to the admin", tampered_parts.join(".")),
        (
            "a subject that is no number",
            keys.sign(Audience::Login, "1 OR 1=1", ver, later)
                .expect("sign"),
        ),
        (
            "an unknown user",
            keys.sign(Audience::Login, "999999", 0, later)
                .expect("sign"),
        ),
        ("garbage", "garbage".to_owned()),
        ("three dots", "a.b.c".to_owned()),
        ("empty", String::new()),
        ("NUL", "ey\0J.x.y".to_owned()),
        ("10 KB", "e".repeat(10 * 1024)),
    ];
    // A real invitation link's token, used as a login.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/sellers/{}/invitations", z.seller),
            Some(&z.staff),
            json!({ "email": "moi.token@example.vn", "name": "Hà Thị Mai" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let invitation = app
        .link_in_mail("moi.token@example.vn", "/invite/")
        .trim_start_matches("/invite/")
        .to_owned();
    let forged: Vec<(&str, String)> = forged
        .into_iter()
        .chain([("a real invitation token", invitation)])
        .collect();
    let before = table_counts(app).await;
    let mut tried = 0;
    for (what, token) in &forged {
        // The API: 401 unauthenticated, for a reader and for a writer.
        for (method, path) in [
            ("GET", "/api/v1/me"),
            ("GET", "/api/v1/sellers"),
            ("POST", "/api/v1/sellers"),
        ] {
            tried += 1;
            let method_ = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
            let req = app
                .client()
                .request(method_, app.url(path))
                .insert_header(("Authorization", format!("Bearer {token}")));
            let sent = if method == "POST" {
                req.send_json(&crate::helpers::seller_json("0100109106"))
                    .await
            } else {
                req.send().await
            };
            // A header awc cannot even send (a NUL) proves nothing here.
            let Ok(mut res) = sent else { continue };
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{what}: {method} {path}"
            );
            let body: Value = res.json().await.expect("JSON");
            assert_eq!(body["error"], "unauthenticated", "{what}");
        }
        // The pages: back to the login form, nothing done.
        // (A NUL cannot be put in a Cookie header at all.)
        if token.contains('\0') {
            continue;
        }
        for (method, path) in [
            ("GET", "/staff"),
            ("GET", "/seller"),
            ("POST", "/staff/sellers/new"),
        ] {
            tried += 1;
            let cookie = format!("ocop_session={token}");
            let form = [("kind", "htx"), ("legal_name", "Giả mạo")];
            let form = (method == "POST").then_some(&form[..]);
            let res = app.page(method, path, Some(&cookie), form, "vi").await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}: {method} {path}");
            let to = res.location.unwrap_or_default();
            assert!(
                to.starts_with("/login"),
                "{what}: {method} {path} went to {to}"
            );
        }
    }
    // An empty or malformed Authorization header.
    for header in [
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "bearer x",
        "Basic YWRtaW46YWRtaW4=",
        "Token abc",
    ] {
        tried += 1;
        let mut res = app
            .client()
            .get(app.url("/api/v1/me"))
            .insert_header(("Authorization", header))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{header:?}");
        let _ = res.body().await;
    }
    assert_eq!(table_counts(app).await, before, "a forged token wrote rows");
    // The real token still works, so the refusals were about the tokens.
    assert_eq!(
        app.get_json("/api/v1/me", Some(&z.staff)).await.0,
        StatusCode::OK
    );
    eprintln!(
        "hostile inputs tried (tokens, {} of them): {tried}",
        forged.len()
    );
}

// ---------------------------------------------------------------------------
// Security headers on every kind of response; no inline script or style.
// ---------------------------------------------------------------------------

/// A request for one kind of answer: what it is, method, path, cookie or
/// token, body, content type and the status it gets.
type Kind<'a> = (
    &'a str,
    &'a str,
    String,
    Option<&'a str>,
    Vec<u8>,
    &'a str,
    u16,
);

/// The security headers of one response.
#[track_caller]
fn assert_security_headers(what: &str, headers: &awc::http::header::HeaderMap) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let csp = get("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("unsafe-eval"), "{what}: CSP {csp:?}");
    // Scripts fall back to default-src: it must not allow any.
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .or_else(|| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.starts_with("default-src "))
        })
        .unwrap_or("");
    assert!(
        script_src.ends_with("'none'") || script_src.ends_with("'self'"),
        "{what}: scripts allowed by {script_src:?}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert!(
        !get("referrer-policy").is_empty(),
        "{what}: no Referrer-Policy"
    );
}

#[actix_web::test]
async fn every_kind_of_response_carries_the_security_headers_and_no_inline_code() {
    let z = district().await;
    let app = &z.app;
    let (staff, member) = (z.staff_cookie.as_str(), z.member_cookie.as_str());
    // A photo, a certificate's PDF and a stamp to reach media, files, scans.
    let (status, photo) = app
        .post_multipart(
            &format!("/api/v1/products/{}/photos", z.product),
            &z.member,
            &[Part {
                name: "photo",
                file_name: Some("anh.png"),
                data: &ocop::services::media::demo_image_png(3, 400, 300),
            }],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let media = photo["small_url"].as_str().expect("media url").to_owned();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let (status, cert) = app
        .post_multipart(
            &format!("/api/v1/products/{}/certificates", z.product),
            &z.member,
            &[
                Part {
                    name: "stars",
                    file_name: None,
                    data: b"4",
                },
                Part {
                    name: "decision_no",
                    file_name: None,
                    data: "2517/QĐ-UBND".as_bytes(),
                },
                Part {
                    name: "issued_by",
                    file_name: None,
                    data: b"province",
                },
                Part {
                    name: "issued_on",
                    file_name: None,
                    data: b"2025-06-01",
                },
                Part {
                    name: "document",
                    file_name: Some("qd.pdf"),
                    data: pdf,
                },
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let document = cert["document_url"].as_str().expect("document").to_owned();
    let (status, run) = app
        .post_json(
            &format!("/api/v1/products/{}/stamp-runs", z.product),
            Some(&z.member),
            json!({ "count": "2", "lot_code": "PL-2025-10" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["run_id"].as_i64().expect("run");
    let code = run["urls"][0]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("code")
        .to_owned();
    let (status, _) = app
        .post_json(
            &format!("/api/v1/sellers/{}/invitations", z.seller),
            Some(&z.staff),
            json!({ "email": "moi.headers@example.vn", "name": "Hà Thị Mai" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let invite = app.link_in_mail("moi.headers@example.vn", "/invite/");

    // Every kind of answer: (what, method, path, cookie or token, body,
    // content type, status).
    let bad_seller = json!({ "kind": "x" }).to_string().into_bytes();
    let kinds: Vec<Kind<'_>> = vec![
        ("HTML page", "GET", "/".into(), None, vec![], "", 200),
        (
            "HTML page, logged in",
            "GET",
            "/staff".into(),
            Some(staff),
            vec![],
            "",
            200,
        ),
        (
            "JSON",
            "GET",
            "/api/v1/catalog".into(),
            None,
            vec![],
            "",
            200,
        ),
        (
            "OpenAPI",
            "GET",
            "/api/v1/openapi.json".into(),
            None,
            vec![],
            "",
            200,
        ),
        ("health", "GET", "/healthz".into(), None, vec![], "", 200),
        ("HTML 404", "GET", "/khong-co".into(), None, vec![], "", 404),
        (
            "JSON 404",
            "GET",
            "/api/v1/khong-co".into(),
            None,
            vec![],
            "",
            404,
        ),
        ("redirect", "GET", "/staff".into(), None, vec![], "", 303),
        (
            "JSON 401",
            "GET",
            "/api/v1/me".into(),
            None,
            vec![],
            "",
            401,
        ),
        (
            "JSON 422",
            "POST",
            "/api/v1/sellers".into(),
            Some(z.staff.as_str()),
            bad_seller,
            "application/json",
            422,
        ),
        (
            "HTML 422",
            "POST",
            "/staff/sellers/new".into(),
            Some(staff),
            b"kind=x&action=save".to_vec(),
            "application/x-www-form-urlencoded",
            422,
        ),
        (
            "JSON 400",
            "POST",
            "/api/v1/sellers".into(),
            Some(z.staff.as_str()),
            b"{".to_vec(),
            "application/json",
            400,
        ),
        (
            "HTML 400 (form not UTF-8)",
            "POST",
            "/staff/sellers/new".into(),
            Some(staff),
            b"kind=%FF".to_vec(),
            "application/x-www-form-urlencoded",
            400,
        ),
        (
            "JSON 413",
            "POST",
            "/api/v1/sellers".into(),
            Some(z.staff.as_str()),
            format!("{{\"village\":\"{}\"}}", "a".repeat(70_000)).into_bytes(),
            "application/json",
            413,
        ),
        (
            "static CSS",
            "GET",
            "/static/app.css".into(),
            None,
            vec![],
            "",
            200,
        ),
        ("media", "GET", media, None, vec![], "", 200),
        ("file download", "GET", document, None, vec![], "", 200),
        (
            "label sheet",
            "GET",
            format!("/stamps/runs/{run_id}/labels?layout=a4-40&format=pdf"),
            Some(member),
            vec![],
            "",
            200,
        ),
        (
            "spreadsheet template",
            "GET",
            "/staff/import/template/products.xlsx".into(),
            Some(staff),
            vec![],
            "",
            200,
        ),
        (
            "scan page",
            "GET",
            format!("/s/{code}"),
            None,
            vec![],
            "",
            200,
        ),
        (
            "scan JSON",
            "GET",
            format!("/api/v1/scan/{code}"),
            None,
            vec![],
            "",
            200,
        ),
        (
            "feed",
            "GET",
            "/api/v1/feed/products.json".into(),
            None,
            vec![],
            "",
            200,
        ),
    ];
    for (what, method, path, who, body, content_type, status) in kinds {
        let (res, headers) =
            send_raw_with_headers(app, method, &path, who, content_type, body).await;
        assert_eq!(res.status.as_u16(), status, "{what} {path}: {}", res.body);
        assert_security_headers(&format!("{what} {path}"), &headers);
    }
    // 429: twenty failures from this address.
    for i in 0..20 {
        app.post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": format!("doan{i}@example.vn"), "password": "sai-mat-khau-roi" }),
        )
        .await;
    }
    let res = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .send_json(&json!({ "email": "doan@example.vn", "password": "sai-mat-khau-roi" }))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_security_headers("429", res.headers());

    // A dozen and more real pages: no inline script (JSON-LD data aside),
    // no style element or attribute, no event handler.
    let pages: Vec<(String, Option<&str>)> = vec![
        ("/".into(), None),
        (format!("/p/{}", z.slug), None),
        (format!("/sellers/{}", z.seller), None),
        ("/login".into(), None),
        ("/password/forgot".into(), None),
        (invite.clone(), None),
        ("/password/reset/not-a-token".into(), None),
        (format!("/s/{code}"), None),
        ("/s/7K3M9QXH2B4TR8WD".into(), None),
        ("/khong-co".into(), None),
        ("/staff".into(), Some(staff)),
        ("/staff/sellers/new".into(), Some(staff)),
        (format!("/staff/sellers/{}", z.seller), Some(staff)),
        (format!("/staff/sellers/{}/edit", z.seller), Some(staff)),
        ("/staff/import".into(), Some(staff)),
        ("/exports".into(), Some(staff)),
        ("/account/password".into(), Some(staff)),
        ("/seller".into(), Some(member)),
        ("/seller/edit".into(), Some(member)),
        (format!("/products/new?seller={}", z.seller), Some(member)),
        (format!("/products/{}", z.product), Some(member)),
        (format!("/products/{}/edit", z.product), Some(member)),
        (format!("/lots/{}", z.lot), Some(member)),
        (format!("/lots/{}/edit", z.lot), Some(member)),
        ("/stamps".into(), Some(member)),
        ("/stamps/dashboard".into(), Some(member)),
    ];
    let mut json_ld = 0;
    for (path, cookie) in &pages {
        let res = app.page("GET", path, *cookie, None, "vi").await;
        assert!(
            res.status == StatusCode::OK || res.status.is_client_error(),
            "{path}: {}",
            res.status
        );
        assert!(res.body.contains("</html>"), "{path}: not a page");
        let problems = markup_problems(&res.body);
        assert!(problems.is_empty(), "{path}: {problems:?}");
        let (blocks, _) = split_json_ld(&res.body);
        json_ld += blocks.len();
        assert_eq!(
            res.body.matches("<script").count(),
            blocks.len(),
            "{path}: a script that is not JSON-LD"
        );
        assert!(!res.body.contains(" style="), "{path}: a style attribute");
        assert!(
            !res.body.contains("javascript:"),
            "{path}: a javascript: URL"
        );
    }
    assert!(json_ld >= 1, "the product page has its JSON-LD");
    eprintln!("pages walked for inline code: {}", pages.len());
}
