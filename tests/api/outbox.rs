//! The outbox as staff see it: each invitation shows whether its mail went
//! out, is still waiting, or failed and why; only for sellers they may see.
//! And several workers on one database deliver each mail once.

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn staff_see_whether_each_invitation_mail_went_out() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let seller = d.sellers[0].id;
    let invitations = format!("/api/v1/sellers/{seller}/invitations");
    for (email, name) in [
        ("gui@example.vn", "Người Gửi"),
        ("hong@example.vn", "Người Hỏng"),
    ] {
        let (status, body) = app
            .post_json(
                &invitations,
                Some(&staff),
                json!({ "email": email, "name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["mail"]["status"], "pending", "{body}");
    }
    app.mail_flush().await;
    let rows = app.outbox_rows().await;
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        rows.iter().all(|r| r.status == "sent" && r.attempts == 1),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .all(|r| r.kind == "invitation" && r.channel == "email")
    );
    // The second mail is made to have failed, as a relay refusing it would.
    let failed = rows[1].id;
    app.db(move |conn| {
        use ocop::db::schema::outbox;
        diesel::update(outbox::table.find(failed))
            .set((
                outbox::status.eq("failed"),
                outbox::last_error.eq(Some("SMTP refused: 550 no such mailbox")),
                outbox::sent_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)
            .expect("fail the row")
    })
    .await;

    let (status, detail) = app
        .get_json(&format!("/api/v1/sellers/{seller}"), Some(&staff))
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let list = detail["invitations"].as_array().expect("invitations");
    let mail_of = |email: &str| {
        list.iter()
            .find(|i| i["email"] == email)
            .map(|i| i["mail"].clone())
            .unwrap_or_default()
    };
    assert_eq!(mail_of("gui@example.vn")["status"], "sent", "{detail}");
    assert_eq!(mail_of("hong@example.vn")["status"], "failed", "{detail}");
    assert_eq!(
        mail_of("hong@example.vn")["error"],
        "SMTP refused: 550 no such mailbox"
    );

    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    for (lang, t) in [
        ("vi", ocop::i18n::Lang::Vi.texts()),
        ("en", ocop::i18n::Lang::En.texts()),
    ] {
        let page = app
            .page(
                "GET",
                &format!("/staff/sellers/{seller}"),
                Some(&cookie),
                None,
                lang,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(t.mail_sent), "{lang}: {}", page.body);
        assert!(page.body.contains(t.mail_failed), "{lang}: {}", page.body);
        assert!(page.body.contains("550 no such mailbox"), "{}", page.body);
    }

    // Another staff member, who did not onboard this seller, sees nothing.
    app.add_staff("khac@example.vn", "mat-khau-nhan-vien-khac")
        .await;
    let other = app
        .login("khac@example.vn", "mat-khau-nhan-vien-khac")
        .await;
    let (status, _) = app
        .get_json(&format!("/api/v1/sellers/{seller}"), Some(&other))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_cookie = app
        .page_login("khac@example.vn", "mat-khau-nhan-vien-khac")
        .await;
    let page = app
        .page(
            "GET",
            &format!("/staff/sellers/{seller}"),
            Some(&other_cookie),
            None,
            "en",
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("no such mailbox"));
    // A seller member sees no invitations at all.
    let member = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let (status, detail) = app
        .get_json(&format!("/api/v1/sellers/{seller}"), Some(&member))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["invitations"], json!([]));
}

#[actix_web::test]
async fn workers_of_two_instances_deliver_each_mail_once() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    // Queue mails straight into the outbox, then let two workers race.
    let second = app.second_instance();
    let n = 30;
    app.db(move |conn| {
        for i in 0..n {
            let mail = ocop::mail::Mail {
                to: format!("nguoi{i}@example.vn"),
                to_name: format!("Người {i}"),
                subject: "Thử".into(),
                body: "Nội dung".into(),
            };
            ocop::services::outbox::enqueue(
                conn,
                &mail,
                ocop::services::outbox::About::kind(ocop::services::outbox::KIND_EXPORT_READY),
            )
            .expect("enqueue");
        }
    })
    .await;
    app.outbox.wake();
    // The second instance's worker has its own memory box; the first's is
    // `app.mail`. Both poll; wait until every row is sent.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let rows = app.outbox_rows().await;
        if rows.iter().all(|r| r.status == "sent") {
            assert!(
                rows.iter().all(|r| r.attempts == 1),
                "a mail was claimed twice: {rows:#?}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all sent: {rows:#?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = (d, second);
}
