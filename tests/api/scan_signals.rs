//! What counts as a scan, and that no answered scan is lost: forged codes
//! counted per day, previews and HEAD uncounted, the copy signal by distinct
//! networks and devices, and scans the database would not take saved at a
//! stop and stored at the next start.

use std::time::Duration;

use std::io::{Read, Write};

use actix_web::rt::net::TcpSocket;
use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::TestApp;
use ocop::config::DatabaseUrl;
use ocop::db::schema::{forged_scan_days, scans, stamps};

/// One HTTP/1.1 request from the loopback address `from` (any 127.x.y.z),
/// so a test can scan from many networks. Returns the status and body.
pub async fn request_from(
    app_address: &str,
    from: [u8; 4],
    method: &str,
    path: &str,
    user_agent: &str,
) -> (u16, String) {
    let server: std::net::SocketAddr = app_address
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from((from, 0)))
        .expect("bind a loopback address");
    let stream = socket.connect(server).await.expect("connect");
    let mut stream = stream.into_std().expect("std stream");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: ocop.test\r\nUser-Agent: {user_agent}\r\n\
         Accept-Language: vi\r\nConnection: close\r\n\r\n"
    );
    // Blocking I/O off the runtime: the server runs on this test's runtime.
    let raw = actix_web::rt::task::spawn_blocking(move || {
        stream.set_nonblocking(false).expect("blocking");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        stream.write_all(req.as_bytes()).expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        raw
    })
    .await
    .expect("join");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A phone's User-Agent, different per `n`.
pub fn phone(n: usize) -> String {
    format!(
        "Mozilla/5.0 (Linux; Android 14; SM-A55{n}) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
    )
}

/// A demo seller's product with an active lot and `count` stamps bound to
/// it; returns the codes.
async fn stamps_of_a_lot(app: &TestApp, count: u32) -> Vec<String> {
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
    let (status, _) = app
        .post_json(
            &format!("/api/v1/products/{product}/lots"),
            Some(&token),
            json!({ "code": "NX-01", "produced_on": "2025-10-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, run) = app
        .post_json(
            &format!("/api/v1/products/{product}/stamp-runs"),
            Some(&token),
            json!({ "count": count.to_string(), "lot_code": "NX-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    run["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect()
}

/// (scan rows, forged scans counted, the stamp's scan_count)
async fn counts(app: &TestApp, code: Option<&str>) -> (i64, i64, i32) {
    let code = code.map(str::to_owned);
    app.db(move |conn| {
        let rows = scans::table.count().get_result(conn).expect("rows");
        let forged: Vec<i64> = forged_scan_days::table
            .select(forged_scan_days::scans)
            .load(conn)
            .expect("forged");
        let count = match code {
            Some(c) => stamps::table
                .filter(stamps::code.eq(c))
                .select(stamps::scan_count)
                .first(conn)
                .expect("stamp"),
            None => 0,
        };
        (rows, forged.iter().sum(), count)
    })
    .await
}

#[actix_web::test]
async fn forged_codes_are_counted_without_a_row_each() {
    let app = TestApp::spawn().await;
    let codes = stamps_of_a_lot(&app, 1).await;
    // Right shape and a wrong check, and no shape at all.
    for i in 0..20 {
        let (status, v) = app
            .get_json(&format!("/api/v1/scan/ABCDEFGHJKMN{i:04}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v["outcome"], "not_genuine");
    }
    for i in 0..5 {
        let page = app
            .page("GET", &format!("/s/nonsense-{i}"), None, None, "vi")
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    app.get_json(&format!("/api/v1/scan/{}", codes[0]), None)
        .await;
    app.scans.flush();
    let (rows, forged, count) = counts(&app, Some(&codes[0])).await;
    assert_eq!(rows, 1, "only the genuine stamp's scan has a row");
    assert_eq!(forged, 25, "every forged scan is counted");
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn previews_and_head_requests_get_the_page_uncounted() {
    let app = TestApp::spawn().await;
    let codes = stamps_of_a_lot(&app, 1).await;
    let path = format!("/s/{}", codes[0]);
    let (status, body) = request_from(&app.address, [127, 0, 0, 1], "HEAD", &path, &phone(1)).await;
    assert_eq!(status, 200);
    assert!(body.is_empty(), "HEAD has no body");
    let mut pages = Vec::new();
    for bot in [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Zalo-Crawler/1.0",
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ] {
        let (status, body) = request_from(&app.address, [127, 0, 0, 1], "GET", &path, bot).await;
        assert_eq!(status, 200, "{bot}");
        assert!(
            body.contains("Mật ong rừng Nam Xuân"),
            "{bot}: the page itself"
        );
        pages.push(body);
    }
    let (status, _) = request_from(
        &app.address,
        [127, 0, 0, 1],
        "HEAD",
        &format!("/api/v1/scan/{}", codes[0]),
        "curl/8",
    )
    .await;
    assert_eq!(status, 200);
    app.scans.flush();
    assert_eq!(
        counts(&app, Some(&codes[0])).await,
        (0, 0, 0),
        "nothing counted"
    );
    // A buyer's scan after them is the first.
    let (status, body) = request_from(&app.address, [127, 0, 0, 1], "GET", &path, &phone(1)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Mật ong rừng Nam Xuân"));
    app.scans.flush();
    assert_eq!(counts(&app, Some(&codes[0])).await, (1, 0, 1));
}

#[actix_web::test]
async fn one_phone_scanning_often_stays_genuine_many_networks_flip_to_possible_copy() {
    // Test settings: copy_scan_limit = 20 sources, copy_networks = 3.
    let app = TestApp::spawn().await;
    let codes = stamps_of_a_lot(&app, 2).await;
    let api = |c: &str| format!("/api/v1/scan/{c}");
    for _ in 0..205 {
        let (status, body) = request_from(
            &app.address,
            [127, 0, 0, 1],
            "GET",
            &api(&codes[0]),
            &phone(1),
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("\"outcome\":\"genuine\""), "{body}");
    }
    // A second phone at the same place, and the same phone on 4G.
    request_from(
        &app.address,
        [127, 0, 0, 1],
        "GET",
        &api(&codes[0]),
        &phone(2),
    )
    .await;
    request_from(
        &app.address,
        [127, 0, 9, 1],
        "GET",
        &api(&codes[0]),
        &phone(1),
    )
    .await;
    app.scans.flush();
    let (status, body) = request_from(
        &app.address,
        [127, 0, 0, 1],
        "GET",
        &api(&codes[0]),
        &phone(1),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("\"outcome\":\"genuine\""), "{body}");

    // The other stamp, scanned once each from five networks by five phones.
    for n in 1..=5u8 {
        request_from(
            &app.address,
            [127, 0, 10 + n, 1],
            "GET",
            &api(&codes[1]),
            &phone(n as usize),
        )
        .await;
    }
    app.scans.flush();
    let (_, body) = request_from(
        &app.address,
        [127, 0, 20, 1],
        "GET",
        &api(&codes[1]),
        &phone(9),
    )
    .await;
    assert!(body.contains("\"outcome\":\"possible_copy\""), "{body}");
    app.scans.flush();
    let stored = counts(&app, Some(&codes[0])).await.2;
    assert_eq!(
        stored, 208,
        "every scan of the genuine stamp is still counted"
    );
}

/// Makes the database refuse new scan rows (reads still work), as a full
/// disk or a broken write path would; `false` takes the refusal away.
async fn refuse_scan_writes(app: &TestApp, refuse: bool) {
    let postgres = matches!(app.settings.database, DatabaseUrl::Postgres(_));
    app.db(move |conn| {
        use diesel::connection::SimpleConnection;
        let sql = match (postgres, refuse) {
            (true, true) => {
                "CREATE FUNCTION refuse_scans() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$; \
                 CREATE TRIGGER refuse_scans BEFORE INSERT ON scans \
                 FOR EACH STATEMENT EXECUTE FUNCTION refuse_scans();"
            }
            (true, false) => "DROP TRIGGER refuse_scans ON scans; DROP FUNCTION refuse_scans();",
            (false, true) => {
                "CREATE TRIGGER refuse_scans BEFORE INSERT ON scans \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
            }
            (false, false) => "DROP TRIGGER refuse_scans;",
        };
        conn.batch_execute(sql).expect("trigger");
    })
    .await;
}

#[actix_web::test]
async fn scans_the_database_refuses_are_kept_saved_at_stop_and_stored_at_the_next_start() {
    let app = TestApp::spawn().await;
    let codes = stamps_of_a_lot(&app, 1).await;
    // The instance under test, on the same data dir and database.
    let settings = app.settings.clone();
    let start = |settings: ocop::config::Settings| async move {
        let (mailer, _) = ocop::mail::Mailer::memory(&settings.mail_from).expect("mailer");
        let instance =
            ocop::startup::Application::build(settings, mailer).expect("build the instance");
        let address = format!("http://127.0.0.1:{}", instance.port());
        let handle = instance.server_handle();
        let task = actix_web::rt::spawn(instance.run_until_stopped());
        (address, handle, task)
    };
    let (address, handle, task) = start(settings.clone()).await;
    refuse_scan_writes(&app, true).await;
    for n in 0..30 {
        let (status, _) = request_from(
            &address,
            [127, 0, 0, 1],
            "GET",
            &format!("/s/{}", codes[0]),
            &phone(n),
        )
        .await;
        assert_eq!(status, 200, "answered while the writes are refused");
    }
    // The writer keeps them and says so.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let (status, ready) = request_from(&address, [127, 0, 0, 1], "GET", "/readyz", "t").await;
    assert_eq!(status, 503, "{ready}");
    assert!(ready.contains("\"scan_backlog\":30"), "{ready}");
    let (status, health) = request_from(&address, [127, 0, 0, 1], "GET", "/healthz", "t").await;
    assert_eq!(status, 200, "alive: {health}");
    handle.stop(true).await;
    task.await.expect("join").expect("stopped");
    let pending = settings.data_dir.join("pending-scans.jsonl");
    let saved = std::fs::read_to_string(&pending).expect("the pending file");
    assert_eq!(saved.lines().count(), 30);
    assert_eq!(counts(&app, Some(&codes[0])).await, (0, 0, 0));

    // The database takes writes again; the next start stores them.
    refuse_scan_writes(&app, false).await;
    let (address, handle, task) = start(settings.clone()).await;
    let mut stored = (0, 0, 0);
    for _ in 0..100 {
        stored = counts(&app, Some(&codes[0])).await;
        if stored.0 == 30 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, (30, 0, 30), "stored = served");
    let (status, ready) = request_from(&address, [127, 0, 0, 1], "GET", "/readyz", "t").await;
    assert_eq!(status, 200, "{ready}");
    assert!(!pending.exists(), "the pending file is removed once stored");
    handle.stop(true).await;
    task.await.expect("join").expect("stopped");
}
