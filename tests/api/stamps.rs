//! Stamps: issuing runs, every scan outcome on the page and in JSON,
//! recording scans, and who may act on a run.

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ocop::services::demo::DemoLogins;

struct Shop {
    app: TestApp,
    d: DemoLogins,
    token: String,
    product: i64,
}

/// A demo seller with a listed, certified product and an active lot.
async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let (_, p) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", d.sellers[0].id),
            Some(&token),
            json!({ "name_vi": "Mật ong rừng Nam Xuân", "ocop_group": "food", "description": "Mật ong hoa rừng.",
                    "unit": "ml", "net_quantity": "500", "price_vnd": "250000", "status": "listed" }),
        )
        .await;
    let product = p["id"].as_i64().expect("product");
    app.post_json(
        &format!("/api/v1/products/{product}/certificates"),
        Some(&token),
        json!({ "stars": "4", "decision_no": "2517/QĐ-UBND", "issued_by": "province", "issued_on": "2025-01-10" }),
    )
    .await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/products/{product}/lots"),
            Some(&token),
            json!({ "code": "NX-01", "produced_on": "2025-10-01", "origin_commune_code": "14902" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    Shop {
        app,
        d,
        token,
        product,
    }
}

async fn issue(s: &Shop, body: Value) -> Value {
    let (status, run) = s
        .app
        .post_json(
            &format!("/api/v1/products/{}/stamp-runs", s.product),
            Some(&s.token),
            body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    run
}

fn first_code(run: &Value) -> String {
    run["codes"][0].as_str().expect("code").to_owned()
}

async fn outcome(app: &TestApp, code: &str) -> String {
    let (status, v) = app.get_json(&format!("/api/v1/scan/{code}"), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["outcome"].as_str().expect("outcome").to_owned()
}

#[actix_web::test]
async fn a_genuine_stamp_says_so_with_the_products_story() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "40", "lot_code": "NX-01" })).await;
    let codes: Vec<&str> = run["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(codes.len(), 40);
    assert!(
        run["urls"][0]
            .as_str()
            .expect("url")
            .starts_with("http://ocop.test/s/")
    );
    let code = codes[0];
    let page = s
        .app
        .page("GET", &format!("/s/{code}"), None, None, "vi")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Chính hãng",
        "Mật ong rừng Nam Xuân",
        "HTX Nam Xuân",
        "★★★★",
        "NX-01",
        "Xã Nam Xuân",
        "og:title",
    ] {
        assert!(page.body.contains(text), "{text} missing");
    }
    assert!(
        page.body.len() < 15_000,
        "scan page is {} bytes",
        page.body.len()
    );
    assert!(!page.body.contains("<script"));
    assert!(
        !page.body.contains("2801234564"),
        "no tax code on a public page"
    );
    let en = s
        .app
        .page(
            "GET",
            &format!("/s/{}", code.to_lowercase()),
            None,
            None,
            "en",
        )
        .await;
    assert!(en.body.contains("Genuine"));
    // Typed with spaces, as printed under the QR.
    let grouped = format!(
        "{} {} {} {}",
        &code[..4],
        &code[4..8],
        &code[8..12],
        &code[12..]
    );
    assert_eq!(
        outcome(&s.app, &grouped.replace(' ', "%20")).await,
        "genuine"
    );
    // The GS1 Digital Link form resolves to the same answer.
    let gs1 = s
        .app
        .page(
            "GET",
            &format!("/01/08934567000000/10/NX-01/21/{code}"),
            None,
            None,
            "vi",
        )
        .await;
    assert!(gs1.body.contains("Chính hãng"));
}

#[actix_web::test]
async fn every_outcome_is_shown() {
    let s = shop().await;
    let app = &s.app;
    // not_activated: a run with no lot yet; binding it activates it.
    let loose = issue(&s, json!({ "count": "5" })).await;
    let loose_code = first_code(&loose);
    assert_eq!(outcome(app, &loose_code).await, "not_activated");
    let page = app
        .page("GET", &format!("/s/{loose_code}"), None, None, "vi")
        .await;
    assert!(page.body.contains("chưa kích hoạt"));
    let (status, bound) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{}/bind", loose["run_id"]),
            Some(&s.token),
            json!({ "lot_code": "NX-01", "from": "1", "to": "2" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    assert_eq!(bound["stamps"], 2);
    assert_eq!(outcome(app, &loose_code).await, "genuine");
    assert_eq!(
        outcome(app, loose["codes"][2].as_str().expect("third")).await,
        "not_activated"
    );

    // void: one stamp, then a whole run.
    let run = issue(&s, json!({ "count": "3", "lot_code": "NX-01" })).await;
    let (status, _) = app
        .send_json(
            "POST",
            &format!("/api/v1/stamps/{}/void", first_code(&run)),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome(app, &first_code(&run)).await, "void");
    assert_eq!(
        outcome(app, run["codes"][1].as_str().expect("second")).await,
        "genuine"
    );
    app.send_json(
        "POST",
        &format!("/api/v1/stamp-runs/{}/void", run["run_id"]),
        Some(&s.token),
        None,
    )
    .await;
    assert_eq!(
        outcome(app, run["codes"][1].as_str().expect("second")).await,
        "void"
    );

    // held and recalled: every stamp of the lot changes at once.
    let lot_run = issue(&s, json!({ "count": "10", "lot_code": "NX-01" })).await;
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{}", s.product), Some(&s.token))
        .await;
    let lot_id = detail["lots"][0]["id"].as_i64().expect("lot");
    app.post_json(
        &format!("/api/v1/lots/{lot_id}/status"),
        Some(&s.token),
        json!({ "status": "held", "reason": "Chờ kết quả kiểm nghiệm" }),
    )
    .await;
    for c in lot_run["codes"].as_array().expect("codes") {
        assert_eq!(outcome(app, c.as_str().expect("code")).await, "held");
    }
    app.post_json(
        &format!("/api/v1/lots/{lot_id}/status"),
        Some(&s.token),
        json!({ "status": "recalled", "reason": "Phát hiện lẫn tạp chất" }),
    )
    .await;
    let page = app
        .page(
            "GET",
            &format!("/s/{}", first_code(&lot_run)),
            None,
            None,
            "vi",
        )
        .await;
    assert!(
        page.body.contains("Lô hàng bị thu hồi") && page.body.contains("Phát hiện lẫn tạp chất")
    );
    let (_, v) = app
        .get_json(
            &format!(
                "/api/v1/scan/{}",
                lot_run["codes"][9].as_str().expect("code")
            ),
            None,
        )
        .await;
    assert_eq!(v["outcome"], "recalled");
    assert_eq!(v["lot"]["status_reason"], "Phát hiện lẫn tạp chất");
    app.post_json(
        &format!("/api/v1/lots/{lot_id}/status"),
        Some(&s.token),
        json!({ "status": "active" }),
    )
    .await;

    // not_genuine: a made-up code, a code of another instance, garbage.
    for bad in [
        "ABCDEFGHJKMNPQRS",
        "0000000000000000",
        "not-a-code",
        "%3Cscript%3E",
    ] {
        assert_eq!(outcome(app, bad).await, "not_genuine", "{bad}");
    }
    let page = app
        .page("GET", "/s/ABCDEFGHJKMNPQRS", None, None, "vi")
        .await;
    assert!(page.body.contains("Không phải tem thật"));

    // possible_copy: scanned from more networks, by more devices, than the
    // limit (3 in tests) within a day.
    let copied = first_code(&issue(&s, json!({ "count": "1", "lot_code": "NX-01" })).await);
    for n in 1..=4u8 {
        let (status, _) = crate::scan_signals::request_from(
            &app.address,
            [127, 0, n, 1],
            "GET",
            &format!("/api/v1/scan/{copied}"),
            &crate::scan_signals::phone(n.into()),
        )
        .await;
        assert_eq!(status, 200);
    }
    app.scans.flush();
    assert_eq!(outcome(app, &copied).await, "possible_copy");
    app.scans.flush();
    let mail = app
        .mail
        .last_to(&s.d.sellers[0].email)
        .expect("copy alert mail");
    assert!(
        mail.subject.contains("sao chép") && mail.body.contains(&copied),
        "{}",
        mail.body
    );
    // ...mailed at most once a day.
    outcome(app, &copied).await;
    app.scans.flush();
    app.mail_flush().await;
    let alerts = app
        .mail
        .all()
        .iter()
        .filter(|m| m.body.contains(&copied))
        .count();
    assert_eq!(alerts, 1);

    // certificate_expired: a product whose only certificate has lapsed.
    let (_, old) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(&s.token),
            json!({ "name_vi": "Măng khô", "ocop_group": "food", "description": "Măng.", "unit": "g", "net_quantity": "500", "price_vnd": "180000", "status": "listed" }),
        )
        .await;
    let old_id = old["id"].as_i64().expect("id");
    app.post_json(&format!("/api/v1/products/{old_id}/certificates"), Some(&s.token), json!({ "stars": "3", "decision_no": "1/QĐ", "issued_by": "province", "issued_on": "2020-01-01" }))
        .await;
    app.post_json(
        &format!("/api/v1/products/{old_id}/lots"),
        Some(&s.token),
        json!({ "code": "MK-1" }),
    )
    .await;
    let (_, run) = app
        .post_json(
            &format!("/api/v1/products/{old_id}/stamp-runs"),
            Some(&s.token),
            json!({ "count": "1", "lot_code": "MK-1" }),
        )
        .await;
    assert_eq!(outcome(app, &first_code(&run)).await, "certificate_expired");
}

#[actix_web::test]
async fn served_scans_equal_stored_scans() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "3", "lot_code": "NX-01" })).await;
    let code = first_code(&run);
    for i in 0..12 {
        let (_, v) = s.app.get_json(&format!("/api/v1/scan/{code}"), None).await;
        s.app.scans.flush();
        assert_eq!(v["scan_count"], i + 1, "the count shown includes this scan");
    }
    s.app.get_json("/api/v1/scan/ABCDEFGHJKMNPQRS", None).await;
    s.app.scans.flush();
    let (rows, count): (i64, i32) = s
        .app
        .db(move |conn| {
            use ocop::db::schema::{scans, stamps};
            let rows = scans::table.count().get_result(conn).expect("scans");
            let count = stamps::table
                .filter(stamps::code.eq(&code))
                .select(stamps::scan_count)
                .first(conn)
                .expect("stamp");
            (rows, count)
        })
        .await;
    assert_eq!(rows, 12, "12 scans of the stamp; the forged one has no row");
    assert_eq!(count, 12);
    let forged: i64 = s
        .app
        .db(|conn| {
            use ocop::db::schema::forged_scan_days;
            forged_scan_days::table
                .select(forged_scan_days::scans)
                .first(conn)
                .expect("forged count")
        })
        .await;
    assert_eq!(forged, 1, "the forged scan is counted for the day");
}

#[actix_web::test]
async fn a_run_of_100000_stamps_has_distinct_codes_written_at_once() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "100000", "lot_code": "NX-01" })).await;
    let codes = run["codes"].as_array().expect("codes");
    assert_eq!(codes.len(), 100_000);
    let mut seen: Vec<&str> = codes.iter().filter_map(|c| c.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 100_000);
    let stored: i64 = s
        .app
        .db(|conn| {
            use ocop::db::schema::stamps;
            stamps::table
                .select(diesel::dsl::count(stamps::code).aggregate_distinct())
                .first(conn)
                .expect("count")
        })
        .await;
    assert_eq!(stored, 100_000);
    let (status, body) = s
        .app
        .post_json(
            &format!("/api/v1/products/{}/stamp-runs", s.product),
            Some(&s.token),
            json!({ "count": "100001" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["count"].is_string());
}

#[actix_web::test]
async fn another_seller_cannot_issue_bind_or_void() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "2" })).await;
    let b = s
        .app
        .login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    let cases = [
        (
            format!("/api/v1/products/{}/stamp-runs", s.product),
            json!({ "count": "5" }),
        ),
        (
            format!("/api/v1/stamp-runs/{}/bind", run["run_id"]),
            json!({ "lot_code": "NX-01" }),
        ),
        (
            format!("/api/v1/stamp-runs/{}/void", run["run_id"]),
            json!({}),
        ),
        (
            format!("/api/v1/stamps/{}/void", first_code(&run)),
            json!({}),
        ),
        (
            format!("/api/v1/stamps/{}/activate", first_code(&run)),
            json!({ "lot_code": "NX-01" }),
        ),
    ];
    for (path, body) in cases {
        let (status, _) = s.app.post_json(&path, Some(&b), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        s.app
            .get_json(
                &format!("/api/v1/sellers/{}/stamp-runs", s.d.sellers[0].id),
                Some(&b)
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(outcome(&s.app, &first_code(&run)).await, "not_activated");
    // Its own member activates one stamp by code.
    let (status, stamp) = s
        .app
        .post_json(
            &format!("/api/v1/stamps/{}/activate", first_code(&run)),
            Some(&s.token),
            json!({ "lot_code": "NX-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stamp}");
    assert_eq!(stamp["status"], "active");
    assert_eq!(outcome(&s.app, &first_code(&run)).await, "genuine");
}

#[actix_web::test]
async fn forged_code_is_rejected_before_lookup() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "1", "lot_code": "NX-01" })).await;
    let genuine = first_code(&run);
    // Take the stamps table away: any lookup would now fail with a 500.
    s.app
        .db(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("ALTER TABLE stamps RENAME TO stamps_hidden")
                .expect("rename")
        })
        .await;
    for forged in ["ABCDEFGHJKMNPQRS", "0000000000000000", "7K3M9QXH2B4TR8WD"] {
        assert_eq!(outcome(&s.app, forged).await, "not_genuine", "{forged}");
        let page = s
            .app
            .page("GET", &format!("/s/{forged}"), None, None, "vi")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Không phải tem thật"));
    }
    // A code that passes its check does reach the database.
    let (status, _) = s
        .app
        .get_json(&format!("/api/v1/scan/{genuine}"), None)
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[actix_web::test]
async fn a_seller_downloads_its_label_sheets_and_no_one_else_can() {
    let s = shop().await;
    let run = issue(&s, json!({ "count": "85", "lot_code": "NX-01" })).await;
    let id = run["run_id"].as_i64().expect("run");
    let member = s
        .app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;
    let get = |path: String, cookie: String| {
        let app = &s.app;
        async move {
            let mut res = app
                .client()
                .get(app.url(&path))
                .insert_header(("Cookie", cookie))
                .send()
                .await
                .expect("request");
            let ct = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = res.body().limit(50 << 20).await.expect("body");
            (res.status(), ct, body)
        }
    };
    let (status, ct, pdf) = get(
        format!("/stamps/runs/{id}/labels?layout=a4-40&format=pdf"),
        member.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    assert!(
        pdf.starts_with(b"%PDF-"),
        "{:?}",
        String::from_utf8_lossy(&pdf[..pdf.len().min(200)])
    );
    if let Ok(out) = std::process::Command::new("pdfinfo")
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(&pdf)?;
            child.wait_with_output()
        })
    {
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(
            info.lines()
                .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 3")),
            "{info}"
        );
    } else {
        eprintln!("pdfinfo not installed: page count not checked");
    }
    let (status, ct, svg) = get(
        format!("/stamps/runs/{id}/labels?format=svg&serial=2"),
        member.clone(),
    )
    .await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "image/svg+xml"));
    let second = ocop::labels::group_code(run["codes"][1].as_str().expect("code"));
    assert!(String::from_utf8_lossy(&svg).contains(&second), "{second}");
    let (status, _, png) = get(
        format!("/stamps/runs/{id}/labels?layout=roll-40x30&format=png&serial=1"),
        member.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(png.starts_with(b"\x89PNG"));
    let (status, _, _) = get(format!("/stamps/runs/{id}/labels?layout=nope"), member).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let other = s
        .app
        .page_login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    let (status, _, _) = get(
        format!("/stamps/runs/{id}/labels?layout=a4-40&format=pdf"),
        other,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
