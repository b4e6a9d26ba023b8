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
    assert!(app.mail.last_to("ai@example.vn").is_none());

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
    assert_eq!(app.mail.all().len(), 3);
}
