//! The page a buyer sees on scanning a stamp (`/s/{code}`, and the GS1
//! Digital Link form), its JSON twin, and activation by a logged-in seller.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::{Lot, NewScan, now};
use crate::domain::ScanOutcome;
use crate::error::{AppError, ErrorBody, HtmlError};
use crate::i18n::Lang;
use crate::routes::api_sellers::commune_name;
use crate::routes::{Chrome, client_addr, see_other, with_db};
use crate::services::scans::{self, ScanResult};
use crate::services::stamps;
use crate::startup::AppState;

/// Looks a code up (a forged one never reaches the database) and queues
/// the scan for recording. A HEAD request or a link-preview fetcher gets the
/// same answer without being counted. A counted scan is answered only once
/// it is queued: with the buffer full the answer is 503, never a 200 for a
/// scan that would not be stored.
async fn scan(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    code: &str,
    lang: Lang,
) -> Result<ScanResult, AppError> {
    let mut result = match scans::precheck(&state.stamp_keys, code) {
        Err(answer) => *answer,
        Ok(code) => {
            with_db(state, move |conn, st| {
                scans::evaluate(conn, &st.settings, code)
            })
            .await?
        }
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if req.method() == actix_web::http::Method::HEAD || scans::is_preview_agent(user_agent) {
        if let Some(stamp) = &result.stamp {
            result.scan_count = i64::from(stamp.scan_count);
            result.first_scanned_at = stamp.first_scanned_at;
        }
        return Ok(result);
    }
    let ip = client_addr(req, &state.settings);
    let record = NewScan {
        stamp_id: result.stamp.as_ref().map(|s| s.id),
        code: result
            .code
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_else(|| code.chars().take(32).collect()),
        at: now(),
        network: scans::network_of(ip),
        agent: scans::agent_family(user_agent).to_owned(),
        lang: lang.code().to_owned(),
        outcome: result.outcome.as_str().to_owned(),
        device: scans::device_of(user_agent),
    };
    if state.scans.record(record).is_err() {
        return Err(AppError::Unavailable {
            retry_after: 10,
            cause: format!(
                "the scan buffer is full ({} scans not stored yet)",
                state.scans.status().backlog
            ),
        });
    }
    Ok(result)
}

#[derive(Template)]
#[template(path = "scan.html", config = "src/askama.toml")]
struct ScanPage {
    c: Chrome,
    tone: &'static str,
    icon: &'static str,
    headline: &'static str,
    note: &'static str,
    reason: Option<String>,
    code: Option<String>,
    code_raw: String,
    product_name: Option<String>,
    product_url: Option<String>,
    photo: Option<String>,
    og_image: Option<String>,
    stars: Option<String>,
    cert_line: String,
    seller: Option<String>,
    origin: Option<String>,
    lot_line: Option<String>,
    events: Vec<(String, String, String)>,
    scan_count: i64,
    first_scan: Option<String>,
    activate_lots: Option<Vec<String>>,
}

fn tone(outcome: ScanOutcome) -> (&'static str, &'static str) {
    match outcome {
        ScanOutcome::Genuine => ("good", "✓"),
        ScanOutcome::NotActivated | ScanOutcome::CertificateExpired => ("warn", "!"),
        _ => ("bad", "✕"),
    }
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn page_of(r: &ScanResult, c: Chrome, base: &str, activate_lots: Option<Vec<String>>) -> ScanPage {
    let t = c.t;
    let lang = c.lang;
    let (headline, note) = t.outcome(r.outcome);
    let (tone, icon) = tone(r.outcome);
    let shows_product = !matches!(r.outcome, ScanOutcome::NotGenuine);
    let product = r.product.as_ref().filter(|_| shows_product);
    ScanPage {
        tone,
        icon,
        headline,
        note,
        reason: matches!(r.outcome, ScanOutcome::Recalled | ScanOutcome::Held)
            .then(|| r.lot.as_ref().and_then(|l| l.status_reason.clone()))
            .flatten(),
        code: r.code.as_ref().map(|c| c.grouped()),
        code_raw: r.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        product_name: product.map(|p| match (lang, &p.name_en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => p.name_vi.clone(),
        }),
        product_url: product
            .filter(|p| p.status == "listed")
            .map(|p| format!("/p/{}", p.slug)),
        photo: r
            .photo
            .as_ref()
            .filter(|_| shows_product)
            .map(|k| format!("/media/{k}-320.jpg")),
        og_image: r
            .photo
            .as_ref()
            .filter(|_| shows_product)
            .map(|k| format!("{base}/media/{k}-1024.jpg")),
        stars: r
            .certificate
            .as_ref()
            .map(|c| "★".repeat(c.stars.clamp(0, 5) as usize)),
        cert_line: r
            .certificate
            .as_ref()
            .map(|c| format!("OCOP · {} · {}", c.decision_no, date(c.valid_until)))
            .unwrap_or_default(),
        seller: r
            .seller
            .as_ref()
            .filter(|_| shows_product)
            .map(|s| format!("{} · {}", s.short_name, commune_name(s.commune_code))),
        origin: r.lot.as_ref().and_then(|l| {
            let place = l.origin_place.clone().unwrap_or_default();
            let commune = l.origin_commune_code.map(commune_name).unwrap_or_default();
            let joined = [place, commune]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (!joined.is_empty()).then_some(joined)
        }),
        lot_line: r.lot.as_ref().map(|l| {
            let mut parts = vec![l.code.clone()];
            if let Some(d) = l.produced_on {
                parts.push(format!("{} {}", t.produced_on, date(d)));
            }
            if let Some(d) = l.best_before {
                parts.push(format!("{} {}", t.best_before, date(d)));
            }
            parts.join(" · ")
        }),
        events: r
            .events
            .iter()
            .filter(|e| !r.events.iter().any(|c| c.corrects_event_id == Some(e.id)))
            .map(|e| {
                let detail = [e.place.clone(), e.note.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                (
                    t.event_kind(&e.kind).to_owned(),
                    e.happened_at.format("%d/%m/%Y").to_string(),
                    detail,
                )
            })
            .collect(),
        scan_count: r.scan_count,
        first_scan: r.first_scanned_at.map(|d| d.format("%d/%m/%Y").to_string()),
        activate_lots,
        c,
    }
}

/// `GET /s/{code}`: the verdict in words and colour, then the product's story.
pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    code: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let result = scan(&state, &req, &code, lang)
        .await
        .map_err(|e| e.html(lang))?;
    // A logged-in seller scanning its own not-yet-active stamp may activate it.
    let user = <Option<AuthUser> as actix_web::FromRequest>::extract(&req)
        .await
        .ok()
        .flatten();
    let mut activate_lots = None;
    if let (Some(user), ScanOutcome::NotActivated, Some(product)) =
        (&user, result.outcome, &result.product)
    {
        let (actor, product_id) = (user.actor.clone(), product.id);
        if let Ok(lots) = with_db(&state, move |conn, _| {
            crate::services::catalog::managed_product(conn, &actor, product_id)?;
            Ok(Lot::of_product(conn, product_id)?)
        })
        .await
        {
            activate_lots = Some(
                lots.into_iter()
                    .filter(|l| l.status == "active")
                    .map(|l| l.code)
                    .collect(),
            );
        }
    }
    let private = activate_lots.is_some();
    let body = page_of(
        &result,
        Chrome::new(&req, lang, user.as_ref()),
        &state.settings.public_base_url,
        activate_lots,
    )
    .render()
    .map_err(|e| AppError::from(e).html(lang))?;
    let status = if result.outcome == ScanOutcome::NotGenuine && result.code.is_none() {
        actix_web::http::StatusCode::NOT_FOUND
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CACHE_CONTROL,
            if private {
                "no-store"
            } else {
                "public, max-age=30"
            },
        ))
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .body(body))
}

/// `GET /01/{gtin}/10/{lot}/21/{code}`: the GS1 Digital Link form of a
/// stamp's URL resolves to the same page.
pub async fn digital_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, HtmlError> {
    let (_, _, code) = path.into_inner();
    page(state, req, lang, web::Path::from(code)).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ActivateForm {
    lot_code: String,
}

/// `POST /s/{code}/activate`: a seller ties a scanned stamp to a lot.
pub async fn activate(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    code: web::Path<String>,
    form: web::Form<ActivateForm>,
) -> Result<HttpResponse, HtmlError> {
    let code = code.into_inner();
    let c = code.clone();
    with_db(&state, move |conn, st| {
        stamps::activate(conn, &user.actor, &st.stamp_keys, &c, &form.lot_code)
    })
    .await
    .map_err(|e| e.html(lang))?;
    Ok(see_other(&format!("/s/{code}")))
}

/// The scan answer as JSON: nothing private, the same for everyone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    /// genuine | not_activated | void | recalled | held |
    /// certificate_expired | possible_copy | not_genuine
    pub outcome: &'static str,
    /// Headline in Vietnamese and English.
    pub message_vi: &'static str,
    pub message_en: &'static str,
    pub code: Option<String>,
    pub product: Option<ScanProduct>,
    pub lot: Option<ScanLot>,
    pub events: Vec<ScanEvent>,
    pub scan_count: i64,
    pub first_scanned_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanProduct {
    pub name_vi: String,
    pub name_en: Option<String>,
    pub url: Option<String>,
    pub photo_url: Option<String>,
    pub seller: String,
    pub commune: String,
    /// Stars of the certificate in force today.
    pub stars: Option<i32>,
    pub certificate_valid_until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanLot {
    pub code: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub produced_on: Option<String>,
    pub packed_on: Option<String>,
    pub best_before: Option<String>,
    pub origin: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanEvent {
    pub kind: String,
    pub happened_at: String,
    pub place: Option<String>,
    pub note: Option<String>,
}

fn view_of(r: &ScanResult) -> ScanView {
    let shows_product = r.outcome != ScanOutcome::NotGenuine;
    ScanView {
        outcome: r.outcome.as_str(),
        message_vi: Lang::Vi.texts().outcome(r.outcome).0,
        message_en: Lang::En.texts().outcome(r.outcome).0,
        code: r.code.as_ref().map(|c| c.to_string()),
        product: r
            .product
            .as_ref()
            .filter(|_| shows_product)
            .map(|p| ScanProduct {
                name_vi: p.name_vi.clone(),
                name_en: p.name_en.clone(),
                url: (p.status == "listed").then(|| format!("/p/{}", p.slug)),
                photo_url: r.photo.as_ref().map(|k| format!("/media/{k}-320.jpg")),
                seller: r
                    .seller
                    .as_ref()
                    .map(|s| s.short_name.clone())
                    .unwrap_or_default(),
                commune: r
                    .seller
                    .as_ref()
                    .map(|s| commune_name(s.commune_code))
                    .unwrap_or_default(),
                stars: r.certificate.as_ref().map(|c| c.stars),
                certificate_valid_until: r.certificate.as_ref().map(|c| c.valid_until.to_string()),
            }),
        lot: r.lot.as_ref().map(|l| ScanLot {
            code: l.code.clone(),
            status: l.status.clone(),
            status_reason: l.status_reason.clone(),
            produced_on: l.produced_on.map(|d| d.to_string()),
            packed_on: l.packed_on.map(|d| d.to_string()),
            best_before: l.best_before.map(|d| d.to_string()),
            origin: l.origin_commune_code.map(commune_name),
        }),
        events: r
            .events
            .iter()
            .map(|e| ScanEvent {
                kind: e.kind.clone(),
                happened_at: e.happened_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                place: e.place.clone(),
                note: e.note.clone(),
            })
            .collect(),
        scan_count: r.scan_count,
        first_scanned_at: r.first_scanned_at.map(|d| d.and_utc().to_rfc3339()),
    }
}

/// What a scan of `code` says; the scan is recorded like a page view.
#[utoipa::path(get, path = "/api/v1/scan/{code}", tag = "stamps", operation_id = "scan",
    params(("code" = String, Path, description = "Stamp code, grouped or not")),
    responses((status = 200, body = ScanView), (status = 500, body = ErrorBody)))]
pub async fn api(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let result = scan(&state, &req, &code, lang).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"))
        .json(view_of(&result)))
}
