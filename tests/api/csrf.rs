//! Cross-site requests: a form posted from another site's page (or with no
//! sign of where it came from) is refused with 403 before anything changes,
//! the login form included; our own pages and bearer-token API calls pass.

use awc::http::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, form_body};

/// A POST with exactly the headers given (no default `Origin`), like a
/// browser submitting a form that some page built.
async fn raw_post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    form: &[(&str, &str)],
) -> (StatusCode, Vec<String>, String) {
    let client = awc::Client::builder().disable_redirects().finish();
    let mut req = client
        .post(app.url(path))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
    for (name, value) in headers {
        req = req.insert_header((*name, value.clone()));
    }
    let mut res = req.send_body(form_body(form)).await.expect("request");
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let body = res.body().limit(1 << 20).await.expect("body");
    (
        res.status(),
        cookies,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

async fn run_count(app: &TestApp, seller: i64, token: &str) -> usize {
    let (status, runs) = app
        .get_json(&format!("/api/v1/sellers/{seller}/stamp-runs"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    runs.as_array().map_or(0, Vec::len)
}

#[actix_web::test]
async fn cross_site_form_posts_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let member = &d.sellers[0];
    let token = app.login(&member.email, &member.password).await;
    let (status, product) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", member.id),
            Some(&token),
            json!({ "name_vi": "Mật ong rừng", "ocop_group": "food", "description": "Mật ong.",
                    "unit": "ml", "net_quantity": "500", "price_vnd": "250000" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    let product = product["id"].as_i64().expect("id").to_string();
    let cookie = app.page_login(&member.email, &member.password).await;
    let order: &[(&str, &str)] = &[
        ("product_id", &product),
        ("count", "40"),
        ("layout", "a4-40"),
    ];
    let before = run_count(&app, member.id, &token).await;

    // From another site's page, in Vietnamese and in English.
    let (status, _, body) = raw_post(
        &app,
        "/stamps/runs",
        &[
            ("Cookie", cookie.clone()),
            ("Origin", "http://evil.example".into()),
            ("Accept-Language", "vi".into()),
        ],
        order,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.contains("được gửi từ một trang web khác"),
        "Vietnamese reason: {body}"
    );
    let (status, _, body) = raw_post(
        &app,
        "/stamps/runs",
        &[
            ("Cookie", cookie.clone()),
            ("Origin", "http://evil.example".into()),
            ("Accept-Language", "en".into()),
        ],
        order,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("sent from another website"), "{body}");

    // A foreign Referer, a `null` origin, and no sign at all.
    for headers in [
        vec![("Referer", "http://evil.example/page".to_owned())],
        vec![("Origin", "null".to_owned())],
        vec![],
    ] {
        let mut headers = headers;
        headers.push(("Cookie", cookie.clone()));
        let (status, _, _) = raw_post(&app, "/stamps/runs", &headers, order).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    // The API riding on the session cookie is held to the same rule.
    let (status, _, _) = raw_post(
        &app,
        &format!("/api/v1/products/{product}/stamp-runs"),
        &[
            ("Cookie", cookie.clone()),
            ("Origin", "http://evil.example".into()),
        ],
        &[("count", "40")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        run_count(&app, member.id, &token).await,
        before,
        "nothing issued"
    );

    // Our own page, even from a browser that sends only a Referer.
    let (status, _, body) = raw_post(
        &app,
        "/stamps/runs",
        &[("Cookie", cookie.clone()), ("Referer", app.url("/stamps"))],
        order,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(run_count(&app, member.id, &token).await, before + 1);

    // A bearer token is no ambient credential: a foreign Origin on an API
    // call without cookies is not a cross-site forgery.
    let mut res = awc::Client::default()
        .post(app.url(&format!("/api/v1/products/{product}/stamp-runs")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Origin", "http://evil.example"))
        .send_json(&json!({ "count": "10" }))
        .await
        .expect("request");
    let status = res.status();
    let run: serde_json::Value = res.json().await.expect("JSON");
    assert_eq!(status, StatusCode::CREATED, "{run}");
}

#[actix_web::test]
async fn login_from_another_site_sets_no_session() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let form: &[(&str, &str)] = &[
        ("email", &d.staff.email),
        ("password", &d.staff.password),
        ("next", "/"),
    ];
    let (status, cookies, _) = raw_post(
        &app,
        "/login",
        &[("Origin", "https://evil.example".into())],
        form,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        !cookies.iter().any(|c| c.starts_with("ocop_session=")),
        "{cookies:?}"
    );
    let (status, cookies, _) =
        raw_post(&app, "/login", &[("Origin", app.address.clone())], form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cookies.iter().any(|c| c.starts_with("ocop_session=")));
}
