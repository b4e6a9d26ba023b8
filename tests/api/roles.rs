//! Roles and tokens: each role is refused where it does not belong, and no
//! forged, altered, expired or misdirected token opens the API.

use awc::http::StatusCode;
use serde_json::{Value, json};

use ocop::auth::{Audience, TokenKeys};
use ocop::i18n::Lang;

use crate::helpers::{TestApp, seller_json};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .try_into()
        .expect("seconds fit in i64")
}

/// Base64url without padding, as JWT segments are written.
fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The id of the user `token` belongs to, from `/api/v1/me`.
async fn user_id(app: &TestApp, token: &str) -> i64 {
    let (status, body) = app.get_json("/api/v1/me", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_i64().expect("user id")
}

/// `token` opens nothing: `/api/v1/me` and the seller list answer 401.
async fn assert_token_refused(app: &TestApp, token: &str, what: &str) {
    for path in ["/api/v1/me", "/api/v1/sellers"] {
        let (status, body) = app.get_json(path, Some(token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} on {path}: {body}");
        assert_eq!(body["error"], "unauthenticated", "{what} on {path}");
    }
}

fn keys(app: &TestApp) -> TokenKeys {
    TokenKeys::new(&app.settings.secret_key)
}

// --- Who may do what ---------------------------------------------------------

#[actix_web::test]
async fn anonymous_callers_get_a_json_401_from_the_api() {
    let app = TestApp::spawn().await;
    app.demo().await;
    let calls = [
        ("GET", "/api/v1/sellers", None),
        ("GET", "/api/v1/me", None),
        ("POST", "/api/v1/sellers", Some(seller_json("0102595740"))),
    ];
    for (method, path, body) in calls {
        let (status, answer) = app.send_json(method, path, None, body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {answer}"
        );
        assert_eq!(answer["error"], "unauthenticated", "{method} {path}");
        assert!(answer["message_vi"].is_string(), "{method} {path}");
    }
}

#[actix_web::test]
async fn a_seller_member_may_not_onboard_sellers_or_invite_members() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let me = &d.sellers[0];
    let token = app.login(&me.email, &me.password).await;
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let (_, list) = app.get_json("/api/v1/sellers", Some(&admin)).await;
    let before = list["total"].clone();

    let (status, body) = app
        .post_json("/api/v1/sellers", Some(&token), seller_json("0102595740"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");

    let (status, body) = app
        .post_json(
            &format!("/api/v1/sellers/{}/invitations", me.id),
            Some(&token),
            json!({ "email": "ban.cua.toi@example.vn", "name": "Hà Thị Mai" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "forbidden");

    let (_, list) = app.get_json("/api/v1/sellers", Some(&admin)).await;
    assert_eq!(list["total"], before, "no seller may be written");
    app.mail_flush().await;
    assert!(app.mail.all().is_empty(), "no invitation may be sent");
}

#[actix_web::test]
async fn an_anonymous_visitor_of_the_staff_console_is_sent_to_log_in() {
    let app = TestApp::spawn().await;
    let res = app.page("GET", "/staff", None, None, "vi").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location.as_deref(), Some("/login?next=/staff"));
    for path in ["/staff/sellers/new", "/seller"] {
        let res = app.page("GET", path, None, None, "vi").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}: {}", res.body);
        assert_eq!(
            res.location.as_deref(),
            Some(format!("/login?next={path}").as_str())
        );
    }
}

#[actix_web::test]
async fn a_seller_member_sees_a_403_page_in_the_staff_console() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let cookie = app
        .page_login(&d.sellers[0].email, &d.sellers[0].password)
        .await;
    for path in ["/staff", "/staff/sellers/new"] {
        let res = app.page("GET", path, Some(&cookie), None, "vi").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
        assert!(res.body.contains("<html"), "{path}: not a page");
        assert!(
            res.body.contains(Lang::Vi.texts().error_forbidden),
            "{path}: {}",
            res.body
        );
    }
    // Nor can the member post the onboarding form.
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let (_, list) = app.get_json("/api/v1/sellers", Some(&admin)).await;
    let form = [
        ("kind", "htx"),
        ("legal_name", "Hợp tác xã Dệt thổ cẩm Phú Nghiêm"),
        ("short_name", "HTX Phú Nghiêm"),
        ("tax_code", "0102595740"),
        ("representative", "Hà Thị Xuân"),
        ("phone", "0912 000 111"),
        ("commune_code", "14869"),
        ("consent", "on"),
        ("action", "save"),
    ];
    let res = app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&form),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let (_, after) = app.get_json("/api/v1/sellers", Some(&admin)).await;
    assert_eq!(after["total"], list["total"], "no seller may be written");
    // The same cookie does open the member's own page.
    let res = app.page("GET", "/seller", Some(&cookie), None, "vi").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[actix_web::test]
async fn staff_see_a_403_page_on_the_seller_home() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let res = app.page("GET", "/seller", Some(&cookie), None, "en").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("<html"), "not a page");
    assert!(
        res.body.contains(Lang::En.texts().error_forbidden),
        "{}",
        res.body
    );
    // The same cookie does open the staff console.
    let res = app.page("GET", "/staff", Some(&cookie), None, "en").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[actix_web::test]
async fn an_admin_can_onboard_a_seller() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let (status, body) = app
        .post_json("/api/v1/sellers", Some(&admin), seller_json("0102595740"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["tax_code"], "0102595740");
    let admin_id = user_id(&app, &admin).await;
    assert_eq!(body["onboarded_by"], admin_id);
}

// --- Tokens ------------------------------------------------------------------

#[actix_web::test]
async fn a_garbage_token_is_refused() {
    let app = TestApp::spawn().await;
    app.demo().await;
    for token in ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", ""] {
        assert_token_refused(&app, token, &format!("token {token:?}")).await;
    }
}

#[actix_web::test]
async fn a_token_with_an_altered_signature_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.staff.email, &d.staff.password).await;
    let dot = token.rfind('.').expect("three segments");
    let signature = &token[dot + 1..];
    let first = signature.chars().next().expect("a signature");
    let flipped = if first == 'A' { 'B' } else { 'A' };
    let altered = format!("{}.{flipped}{}", &token[..dot], &signature[1..]);
    assert_ne!(altered, token);
    assert_token_refused(&app, &altered, "altered signature").await;
    // The untouched token still works.
    user_id(&app, &token).await;
}

#[actix_web::test]
async fn a_token_whose_claims_were_edited_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let admin_id = user_id(&app, &admin).await;
    let mut parts = staff.split('.');
    let header = parts.next().expect("header");
    let signature = parts.nth(1).expect("signature");
    let claims = json!({
        "sub": admin_id.to_string(),
        "aud": "ocop:login",
        "iat": now(),
        "exp": now() + 3600,
        "ver": 0
    });
    let forged = format!(
        "{header}.{}.{signature}",
        base64url(claims.to_string().as_bytes())
    );
    assert_token_refused(&app, &forged, "claims swapped to the admin").await;
}

#[actix_web::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let admin_id = user_id(&app, &admin).await;
    let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = json!({
        "sub": admin_id.to_string(),
        "aud": "ocop:login",
        "iat": 0,
        "exp": now() + 3600,
        "ver": 0
    });
    let body = base64url(claims.to_string().as_bytes());
    assert_token_refused(&app, &format!("{header}.{body}."), "alg none").await;
    assert_token_refused(&app, &format!("{header}.{body}"), "alg none, two parts").await;
}

#[actix_web::test]
async fn a_token_signed_for_another_purpose_is_not_a_login() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let id = user_id(&app, &staff).await.to_string();
    let keys = keys(&app);
    for audience in [Audience::Invitation, Audience::PasswordReset] {
        let token = keys
            .sign(audience, &id, 0, now() + 3600)
            .expect("sign token");
        assert_token_refused(&app, &token, audience.as_str()).await;
    }
}

#[actix_web::test]
async fn an_expired_login_token_is_refused_while_a_current_one_works() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let id = user_id(&app, &staff).await;
    let keys = keys(&app);

    let expired = keys
        .sign(Audience::Login, &id.to_string(), 0, now() - 60)
        .expect("sign expired token");
    assert_token_refused(&app, &expired, "expired login").await;

    let current = keys
        .sign(Audience::Login, &id.to_string(), 0, now() + 3600)
        .expect("sign current token");
    let (status, body) = app.get_json("/api/v1/me", Some(&current)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the signing helper is wrong: {body}"
    );
    assert_eq!(body["id"], id);
    assert_eq!(body["email"], d.staff.email);
}

#[actix_web::test]
async fn a_login_token_of_an_older_version_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let id = user_id(&app, &staff).await.to_string();
    let token = keys(&app)
        .sign(Audience::Login, &id, 1, now() + 3600)
        .expect("sign token");
    assert_token_refused(&app, &token, "token version 1").await;
}

#[actix_web::test]
async fn a_login_token_for_a_user_that_does_not_exist_is_refused() {
    let app = TestApp::spawn().await;
    app.demo().await;
    let keys = keys(&app);
    for sub in ["999999", "not-a-number", "-1"] {
        let token = keys
            .sign(Audience::Login, sub, 0, now() + 3600)
            .expect("sign token");
        assert_token_refused(&app, &token, &format!("sub {sub}")).await;
    }
}

/// A 401 from the API names the scheme to use and still answers in JSON.
#[actix_web::test]
async fn a_refusal_tells_the_client_to_use_a_bearer_token() {
    let app = TestApp::spawn().await;
    let mut res = app
        .client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    let body: Value = res.json().await.expect("JSON body");
    assert_eq!(body["error"], "unauthenticated");
}
