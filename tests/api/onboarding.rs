//! The onboarding story: staff create a seller, invite a member, the member
//! sets a password through the mailed link and logs in.

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, seller_json};

#[actix_web::test]
async fn staff_onboards_household_and_invites_member() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;

    let mut household = seller_json("038190004321");
    household["kind"] = json!("household");
    household["legal_name"] = json!("Hộ kinh doanh Hà Văn Sơn");
    household["short_name"] = json!("Mật ong Hà Sơn");
    let (status, seller) = app
        .post_json("/api/v1/sellers", Some(&staff), household)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{seller}");
    assert_eq!(seller["phone"], "0912000111");
    assert_eq!(seller["commune_name"], "Xã Hồi Xuân, Thanh Hóa");
    assert_eq!(seller["status"], "active");
    assert!(seller["consent_at"].is_string());
    let id = seller["id"].as_i64().expect("id");

    let (status, invitation) = app
        .post_json(
            &format!("/api/v1/sellers/{id}/invitations"),
            Some(&staff),
            json!({ "email": "Son.Ha@Example.vn", "name": "Hà Văn Sơn" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    assert_eq!(invitation["state"], "pending");
    assert_eq!(invitation["email"], "son.ha@example.vn");

    let mail = app
        .mail
        .last_to("son.ha@example.vn")
        .expect("invitation mail");
    assert!(
        mail.subject.contains("Lời mời") && mail.subject.contains("invitation"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("Xin chào Hà Văn Sơn"), "{}", mail.body);
    assert!(mail.body.contains("72 giờ") && mail.body.contains("72 hours"));
    assert!(mail.body.contains("Mật ong Hà Sơn"));
    let path = app.link_in_mail("son.ha@example.vn", "/invite/");
    let token = path.trim_start_matches("/invite/").to_owned();

    // The token is stored only as a hash.
    let stored: Vec<String> = app
        .db(|conn| {
            ocop::db::schema::account_links::table
                .select(ocop::db::schema::account_links::token_hash)
                .load(conn)
                .expect("links")
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0], ocop::util::sha256_hex(token.as_bytes()));

    // The invitation page greets the member; it is no login.
    let page = app.page("GET", &path, None, None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mật ong Hà Sơn") && page.body.contains("son.ha@example.vn"));
    assert_eq!(
        app.get_json("/api/v1/me", Some(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let (status, body) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "ngắn" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["password"].is_string());

    let (status, session) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "ong-mat-rung-ha-son" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    assert_eq!(session["user"]["role"], "seller");
    assert_eq!(session["user"]["seller_id"], id);
    let member = app.login("son.ha@example.vn", "ong-mat-rung-ha-son").await;
    let (status, me) = app.get_json("/api/v1/me", Some(&member)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "Hà Văn Sơn");
    let (status, own) = app
        .get_json(&format!("/api/v1/sellers/{id}"), Some(&member))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["members"][0]["email"], "son.ha@example.vn");

    // Used once: refused the second time, on the API and the page.
    let (status, body) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "mot-mat-khau-khac" }),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body["error"], "link_invalid");
    let page = app.page("GET", &path, None, None, "vi").await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("đã được dùng"));

    // The audit log names each actor and marks staff acting for the seller.
    let (_, log) = app
        .get_json(&format!("/api/v1/sellers/{id}/audit"), Some(&staff))
        .await;
    let actions: Vec<(&str, bool)> = log
        .as_array()
        .expect("log")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["on_behalf"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("invitation_accepted", false),
            ("member_invited", true),
            ("seller_created", true)
        ]
    );
    assert_eq!(log[2]["actor_role"], "staff");
    // The personal id never reaches the log.
    assert!(!log.to_string().contains("038190004321"));
    let (_, detail) = app
        .get_json(&format!("/api/v1/sellers/{id}"), Some(&staff))
        .await;
    assert_eq!(detail["invitations"][0]["state"], "accepted");
}

#[actix_web::test]
async fn expired_invitation_link_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let id = d.sellers[0].id;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/sellers/{id}/invitations"),
            Some(&staff),
            json!({ "email": "tre@example.vn", "name": "Lò Thị Tre" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let path = app.link_in_mail("tre@example.vn", "/invite/");
    let token = path.trim_start_matches("/invite/").to_owned();
    // 73 hours later: move the stored expiry into the past.
    app.db(|conn| {
        use ocop::db::schema::account_links::dsl::*;
        diesel::update(account_links)
            .set(expires_at.eq(ocop::db::models::now() - chrono::Duration::hours(1)))
            .execute(conn)
            .expect("expire")
    })
    .await;
    let (status, body) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "mat-khau-du-dai" }),
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(
        app.page("GET", &path, None, None, "en").await.status,
        StatusCode::GONE
    );
    let users: i64 = app
        .db(|conn| {
            ocop::db::schema::users::table
                .filter(ocop::db::schema::users::email.eq("tre@example.vn"))
                .count()
                .get_result(conn)
                .expect("count")
        })
        .await;
    assert_eq!(users, 0);
    let (_, detail) = app
        .get_json(&format!("/api/v1/sellers/{id}"), Some(&staff))
        .await;
    assert_eq!(detail["invitations"][0]["state"], "expired");
}

#[actix_web::test]
async fn forged_or_tampered_invitation_token_is_refused() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let id = d.sellers[0].id;
    app.post_json(
        &format!("/api/v1/sellers/{id}/invitations"),
        Some(&staff),
        json!({ "email": "gia@example.vn", "name": "Giả" }),
    )
    .await;
    let token = app
        .link_in_mail("gia@example.vn", "/invite/")
        .trim_start_matches("/invite/")
        .to_owned();
    // A validly signed invitation token that was never issued.
    let keys = ocop::auth::TokenKeys::new(&app.settings.secret_key);
    let unknown = keys
        .sign(
            ocop::auth::Audience::Invitation,
            "deadbeef",
            0,
            chrono::Utc::now().timestamp() + 3600,
        )
        .expect("sign");
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [unknown.as_str(), tampered.as_str(), "not-a-token"] {
        let (status, _) = app
            .post_json(
                "/api/v1/invitations/accept",
                None,
                json!({ "token": bad, "password": "mat-khau-du-dai" }),
            )
            .await;
        assert_eq!(status, StatusCode::GONE, "{bad}");
    }
    // The real one still works.
    let (status, _) = app
        .post_json(
            "/api/v1/invitations/accept",
            None,
            json!({ "token": token, "password": "mat-khau-du-dai" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
