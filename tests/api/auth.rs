//! Logging in and out, throttling, password change and reset.

use awc::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn staff_logs_in_and_a_wrong_password_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let (status, body) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": d.staff.email, "password": d.staff.password }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "staff");
    let token = body["token"].as_str().expect("token");
    let (status, me) = app.get_json("/api/v1/me", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], d.staff.email);

    let (status, body) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": d.staff.email, "password": "wrong password!" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_credentials");
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": "nobody@example.vn", "password": "whatever12345" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Email case does not matter.
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": d.staff.email.to_uppercase(), "password": d.staff.password }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn repeated_failures_are_slowed_down_per_account() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    for _ in 0..5 {
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({ "email": d.staff.email, "password": "guess-guess-guess" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now: the account is throttled.
    let mut res = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .send_json(&json!({ "email": d.staff.email, "password": d.staff.password }))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry > 0 && retry <= 15 * 60, "retry after {retry}");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["message_vi"].as_str().expect("vi").contains("phút"));
    // Another account from the same address is still let in.
    let seller = &d.sellers[0];
    app.login(&seller.email, &seller.password).await;
}

#[actix_web::test]
async fn repeated_failures_are_slowed_down_per_address() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    for i in 0..20 {
        let (status, _) = app
            .post_json(
                "/api/v1/auth/login",
                None,
                json!({ "email": format!("guess{i}@example.vn"), "password": "guess-guess-guess" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": d.staff.email, "password": d.staff.password }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.staff.email, &d.staff.password).await;
    let other_device = app.login(&d.staff.email, &d.staff.password).await;
    let (status, _) = app
        .send_json("POST", "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for t in [&token, &other_device] {
        let (status, body) = app.get_json("/api/v1/me", Some(t)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "unauthenticated");
    }
    app.login(&d.staff.email, &d.staff.password).await;
}

#[actix_web::test]
async fn password_change_revokes_earlier_tokens() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let seller = &d.sellers[1];
    let old = app.login(&seller.email, &seller.password).await;
    let (status, body) = app
        .post_json(
            "/api/v1/auth/password",
            Some(&old),
            json!({ "current_password": "not the password", "new_password": "short" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["current_password"].is_string());
    assert!(body["fields"]["new_password"].is_string());

    let (status, body) = app
        .post_json(
            "/api/v1/auth/password",
            Some(&old),
            json!({ "current_password": seller.password, "new_password": "mật khẩu mới rất dài" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["token"].as_str().expect("token").to_owned();
    assert_eq!(
        app.get_json("/api/v1/me", Some(&old)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_json("/api/v1/me", Some(&fresh)).await.0,
        StatusCode::OK
    );
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": seller.email, "password": seller.password }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.login(&seller.email, "mật khẩu mới rất dài").await;
}

#[actix_web::test]
async fn forgotten_password_is_reset_through_a_one_time_link() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let seller = &d.sellers[2];
    let (status, _) = app
        .post_json(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": seller.email }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Unknown addresses get the same answer and no mail.
    let (status, _) = app
        .post_json(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": "ai@example.vn" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.mail_flush().await;
    assert!(!app.mail.all().iter().any(|m| m.to == "ai@example.vn"));

    let mail = app.mail.last_to(&seller.email).expect("reset mail");
    assert!(
        mail.body.contains("Đặt lại") || mail.body.contains("mật khẩu"),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("new password"));
    let path = app.link_in_mail(&seller.email, "/password/reset/");
    let token = path.trim_start_matches("/password/reset/").to_owned();

    // A reset token is no login token.
    assert_eq!(
        app.get_json("/api/v1/me", Some(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Nor an invitation.
    let (status, _) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "mot-mat-khau-dai" }),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);

    let page = app.page("GET", &path, None, None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đặt mật khẩu mới"));

    let (status, _) = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "mật khẩu sau khi quên" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.login(&seller.email, "mật khẩu sau khi quên").await;
    let (status, body) = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "lan thu hai mat khau" }),
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "reused link: {body}");
    assert_eq!(body["error"], "link_invalid");
}

#[actix_web::test]
async fn reset_mails_are_limited_per_address() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    for _ in 0..3 {
        let (status, _) = app
            .post_json(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": d.staff.email }),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, _) = app
        .post_json(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": d.staff.email }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.mail_flush().await;
    assert_eq!(app.mail.all().len(), 3);
}

/// The reset links mailed to `to` so far, oldest first, as paths.
async fn reset_links(app: &TestApp, to: &str) -> Vec<String> {
    app.mail_flush().await;
    app.mail
        .all()
        .iter()
        .filter(|m| m.to == to)
        .filter_map(|m| {
            let start = m.body.find("http://ocop.test/password/reset/")?;
            let rest = &m.body[start + "http://ocop.test".len()..];
            rest.split_whitespace().next().map(str::to_owned)
        })
        .collect()
}

async fn confirm_reset(app: &TestApp, path: &str, password: &str) -> StatusCode {
    let token = path.trim_start_matches("/password/reset/");
    app.post_json(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": token, "password": password }),
    )
    .await
    .0
}

async fn ask_reset(app: &TestApp, email: &str) -> StatusCode {
    app.post_json(
        "/api/v1/auth/password-reset",
        None,
        json!({ "email": email }),
    )
    .await
    .0
}

#[actix_web::test]
async fn issuing_or_using_a_reset_link_ends_every_older_one() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let email = d.sellers[1].email.clone();

    assert_eq!(ask_reset(&app, &email).await, StatusCode::ACCEPTED);
    assert_eq!(ask_reset(&app, &email).await, StatusCode::ACCEPTED);
    let links = reset_links(&app, &email).await;
    assert_eq!(links.len(), 2, "{links:?}");
    // The newer link ended the older one.
    assert_eq!(
        confirm_reset(&app, &links[0], "mat khau cua lien ket cu").await,
        StatusCode::GONE
    );
    assert_eq!(
        confirm_reset(&app, &links[1], "mat khau cua lien ket moi").await,
        StatusCode::NO_CONTENT
    );
    app.login(&email, "mat khau cua lien ket moi").await;

    // A link issued before a password change dies with the change.
    assert_eq!(ask_reset(&app, &email).await, StatusCode::ACCEPTED);
    let links = reset_links(&app, &email).await;
    assert_eq!(links.len(), 3, "{links:?}");
    let token = app.login(&email, "mat khau cua lien ket moi").await;
    let (status, body) = app
        .post_json(
            "/api/v1/auth/password",
            Some(&token),
            json!({
                "current_password": "mat khau cua lien ket moi",
                "new_password": "mat khau doi trong trang"
            }),
        )
        .await;
    assert!(status.is_success(), "{status}: {body}");
    assert_eq!(
        confirm_reset(&app, &links[2], "ke lay link cu mail").await,
        StatusCode::GONE
    );
    app.login(&email, "mat khau doi trong trang").await;
}

#[actix_web::test]
async fn reset_mails_are_limited_per_account_from_any_number_of_addresses() {
    let app = TestApp::spawn_with(|s| {
        s.trust_proxy = true;
        s.trusted_proxies = ocop::domain::net::loopback();
    })
    .await;
    let d = app.demo().await;
    for i in 0..12 {
        // Our proxy (the test client on loopback) appends the address it saw.
        let mut res = app
            .client()
            .post(app.url("/api/v1/auth/password-reset"))
            .insert_header(("X-Forwarded-For", format!("198.51.100.{i}")))
            .send_json(&json!({ "email": d.staff.email }))
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::ACCEPTED, "request {i}");
        assert!(res.body().await.expect("body").is_empty());
    }
    assert_eq!(reset_links(&app, &d.staff.email).await.len(), 3);
}

#[actix_web::test]
async fn the_client_cannot_pick_its_address_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(|s| {
        s.trust_proxy = true;
        s.trusted_proxies = ocop::domain::net::loopback();
    })
    .await;
    // Each request claims another first hop; the proxy's hop is the same.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let res = app
            .client()
            .post(app.url("/api/v1/auth/password-reset"))
            .insert_header(("X-Forwarded-For", format!("6.6.6.{i}, 198.51.100.7")))
            .send_json(&json!({ "email": format!("ai{i}@example.vn") }))
            .await
            .expect("request");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 429]);
}

/// Fires `n` wrong passwords at one account at once, spread over `bases`
/// (instances on one database); returns how many were checked (401) and
/// refused unchecked (429).
async fn parallel_wrong_logins(
    app: &TestApp,
    bases: &[String],
    email: &str,
    n: usize,
) -> (usize, usize) {
    let client = app.client();
    let requests = (0..n).map(|i| {
        let url = format!("{}/api/v1/auth/login", bases[i % bases.len()]);
        let req = client.post(url);
        async move {
            req.send_json(&json!({ "email": email, "password": format!("sai-mat-khau-{i}") }))
                .await
                .expect("request")
                .status()
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, n, "{statuses:?}");
    (checked, refused)
}

#[actix_web::test]
async fn forty_parallel_guesses_get_no_more_than_five_checked() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let (checked, refused) =
        parallel_wrong_logins(&app, std::slice::from_ref(&app.address), &d.staff.email, 40).await;
    assert_eq!(checked, 5, "{checked} checked, {refused} refused");
}

#[actix_web::test]
async fn forty_parallel_guesses_across_two_instances_get_no_more_than_five_checked() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let bases = [app.address.clone(), app.second_instance()];
    let (checked, refused) = parallel_wrong_logins(&app, &bases, &d.staff.email, 40).await;
    assert_eq!(checked, 5, "{checked} checked, {refused} refused");
    // The right password waits too, on either instance.
    let (status, _) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({ "email": d.staff.email, "password": d.staff.password }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
