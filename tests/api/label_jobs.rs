//! Label files prepared in the background: a large run becomes a job whose
//! progress reaches its total and whose file downloads as a direct download
//! would; only the seller's members and the staff who serve it see a job;
//! one person gets three jobs at once and a full runner answers 503; a job
//! a stopped server left running is failed at the next start.

use std::time::{Duration, Instant};

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ocop::services::demo::DemoLogins;

struct Shop {
    app: TestApp,
    d: DemoLogins,
    token: String,
    product: i64,
}

/// A demo seller with a listed product and an active lot.
async fn shop(app: TestApp) -> Shop {
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

/// Issues a run of `count` stamps and returns its id and first codes.
async fn issue(s: &Shop, count: u32) -> (i64, Vec<String>) {
    let (status, run) = s
        .app
        .post_json(
            &format!("/api/v1/products/{}/stamp-runs", s.product),
            Some(&s.token),
            json!({ "count": count.to_string(), "lot_code": "NX-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let codes = run["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .take(3)
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    (run["run_id"].as_i64().expect("run"), codes)
}

/// GET with a session cookie: status, content type, disposition, body.
async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String, String, Vec<u8>) {
    let mut res = app
        .client()
        .get(app.url(path))
        .insert_header(("Cookie", cookie.to_owned()))
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    let body = res.body().limit(64 << 20).await.expect("body").to_vec();
    (res.status(), ct, cd, body)
}

/// GET with a bearer token, the raw body.
async fn get_file(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let mut res = app
        .client()
        .get(app.url(path))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("request");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.body().limit(64 << 20).await.expect("body").to_vec();
    (res.status(), ct, body)
}

/// Follows a job until it is finished; returns its last view and every
/// `labels_done` seen on the way.
async fn wait_done(app: &TestApp, token: &str, id: i64) -> (Value, Vec<i64>) {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (status, job) = app
            .get_json(&format!("/api/v1/label-jobs/{id}"), Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        seen.push(job["labels_done"].as_i64().expect("done"));
        if matches!(job["status"].as_str(), Some("done" | "failed")) {
            return (job, seen);
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "job {id} still {job}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Pages of a PDF from `pdfinfo`, when installed.
fn pdf_pages(pdf: &[u8]) -> Option<usize> {
    use std::io::Write;
    let mut child = std::process::Command::new("pdfinfo")
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(pdf).ok()?;
    let out = child.wait_with_output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_large_run_is_prepared_in_the_background_and_downloads_as_before() {
    let s = shop(TestApp::spawn().await).await;
    let app = &s.app;
    let (big, _) = issue(&s, 2_100).await;
    let member = app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;

    // Too large to answer at once: the download link offers a job instead.
    let (status, ct, _, body) = get(
        app,
        &format!("/stamps/runs/{big}/labels?layout=a4-40&format=pdf"),
        &member,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains(&format!("action=\"/stamps/runs/{big}/label-jobs\"")));
    assert!(page.contains("2100 tem"), "{page}");
    let list = app.page("GET", "/stamps", Some(&member), None, "vi").await;
    assert!(
        list.body
            .contains(&format!("action=\"/stamps/runs/{big}/label-jobs\"")),
        "large runs post for their sheets"
    );

    // The form posts; the job's page follows it.
    let started = app
        .page(
            "POST",
            &format!("/stamps/runs/{big}/label-jobs"),
            Some(&member),
            Some(&[("layout", "a4-40"), ("format", "pdf"), ("serial", "")]),
            "vi",
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let location = started.location.expect("location");
    let job: i64 = location
        .strip_prefix("/stamps/label-jobs/")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{location}"));
    let first = app.page("GET", &location, Some(&member), None, "vi").await;
    assert_eq!(first.status, StatusCode::OK);
    if !first.body.contains("Xong") {
        assert!(
            first.body.contains("http-equiv=\"refresh\""),
            "{}",
            first.body
        );
        assert!(first.body.contains("<progress"));
    }
    // Asking again while it runs gives the same job.
    let again = app
        .page(
            "POST",
            &format!("/stamps/runs/{big}/label-jobs"),
            Some(&member),
            Some(&[("layout", "a4-40"), ("format", "pdf")]),
            "vi",
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);

    let (view, seen) = wait_done(app, &s.token, job).await;
    assert_eq!(view["status"], "done", "{view}");
    assert_eq!(view["labels_total"], 2_100);
    assert_eq!(view["labels_done"], 2_100, "progress reaches the total");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(view["file_url"], format!("/api/v1/label-jobs/{job}/file"));

    let done = app.page("GET", &location, Some(&member), None, "vi").await;
    assert!(!done.body.contains("http-equiv=\"refresh\""));
    assert!(
        done.body
            .contains(&format!("href=\"/stamps/label-jobs/{job}/file\""))
    );
    let (status, ct, cd, pdf) = get(app, &format!("/stamps/label-jobs/{job}/file"), &member).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    assert_eq!(cd, format!("attachment; filename=\"tem-{big}-a4-40.pdf\""));
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(pages) = pdf_pages(&pdf) {
        assert_eq!(pages, 53, "2,100 labels at 40 a sheet");
    } else {
        eprintln!("pdfinfo not installed: page count not checked");
    }
    let (status, ct, same) =
        get_file(app, &format!("/api/v1/label-jobs/{job}/file"), &s.token).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/pdf"));
    assert_eq!(same.len(), pdf.len());

    // The stamps page lists the file with its download.
    let list = app.page("GET", "/stamps", Some(&member), None, "vi").await;
    assert!(
        list.body
            .contains(&format!("href=\"/stamps/label-jobs/{job}/file\""))
    );
    let (status, jobs) = app
        .get_json(
            &format!("/api/v1/sellers/{}/label-jobs", s.d.sellers[0].id),
            Some(&s.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs[0]["id"], job);

    // Any run through the API: a ZIP of PNGs, one SVG label.
    let (small, codes) = issue(&s, 12).await;
    let (status, zip_job) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{small}/label-jobs"),
            Some(&s.token),
            json!({ "layout": "roll-40x30", "format": "png" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{zip_job}");
    let (status, svg_job) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{small}/label-jobs"),
            Some(&s.token),
            json!({ "format": "svg", "serial": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{svg_job}");
    let zip_id = zip_job["id"].as_i64().expect("id");
    let svg_id = svg_job["id"].as_i64().expect("id");
    assert_eq!(wait_done(app, &s.token, zip_id).await.0["status"], "done");
    assert_eq!(wait_done(app, &s.token, svg_id).await.0["status"], "done");
    let (status, ct, zip) =
        get_file(app, &format!("/api/v1/label-jobs/{zip_id}/file"), &s.token).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/zip"));
    assert!(zip.starts_with(b"PK\x03\x04"));
    let entries = zip.windows(4).filter(|w| w == b"PK\x01\x02").count();
    assert_eq!(entries, 12, "one PNG per label");
    let (status, ct, svg) =
        get_file(app, &format!("/api/v1/label-jobs/{svg_id}/file"), &s.token).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "image/svg+xml"));
    let second = ocop::labels::group_code(&codes[1]);
    assert!(String::from_utf8_lossy(&svg).contains(&second));

    // Bad input names its field; nothing half-written is left behind.
    let (status, body) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{small}/label-jobs"),
            Some(&s.token),
            json!({ "layout": "nope", "serial": 99 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["layout"].is_string(), "{body}");
    let files = files_in(&app.settings.data_dir.join("labels"));
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().all(|f| !f.ends_with(".part")), "{files:?}");
}

#[actix_web::test]
async fn label_jobs_are_refused_to_other_sellers_other_staff_and_strangers() {
    let s = shop(TestApp::spawn().await).await;
    let app = &s.app;
    let (run, _) = issue(&s, 5).await;
    let (status, job) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{run}/label-jobs"),
            Some(&s.token),
            json!({ "layout": "a4-21", "format": "pdf" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["id"].as_i64().expect("id");
    assert_eq!(wait_done(app, &s.token, id).await.0["status"], "done");
    let seller = s.d.sellers[0].id;

    // The staff who serve the seller see and start its jobs.
    let staff = app.login(&s.d.staff.email, &s.d.staff.password).await;
    let (status, _) = app
        .get_json(&format!("/api/v1/label-jobs/{id}"), Some(&staff))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, ct, _) = get_file(app, &format!("/api/v1/label-jobs/{id}/file"), &staff).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/pdf"));
    let (status, v) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{run}/label-jobs"),
            Some(&staff),
            json!({ "layout": "roll-40x30", "format": "svg" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");

    // Another seller, staff of another post office: not found, every way.
    app.add_staff("khac@buudien.vn", "mat-khau-dai-12345").await;
    let other_staff = app.login("khac@buudien.vn", "mat-khau-dai-12345").await;
    let other_seller = app
        .login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    for token in [&other_staff, &other_seller] {
        for path in [
            format!("/api/v1/label-jobs/{id}"),
            format!("/api/v1/label-jobs/{id}/file"),
            format!("/api/v1/sellers/{seller}/label-jobs"),
        ] {
            let (status, _, _) = get_file(app, &path, token).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _) = app
            .post_json(
                &format!("/api/v1/stamp-runs/{run}/label-jobs"),
                Some(token),
                json!({ "format": "pdf" }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let other_page = app
        .page_login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    for path in [
        format!("/stamps/label-jobs/{id}"),
        format!("/stamps/label-jobs/{id}/file"),
    ] {
        let (status, _, _, _) = get(app, &path, &other_page).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let posted = app
        .page(
            "POST",
            &format!("/stamps/runs/{run}/label-jobs"),
            Some(&other_page),
            Some(&[("layout", "a4-40"), ("format", "pdf")]),
            "vi",
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);

    // Logged out: 401 in JSON, the login form on pages.
    for path in [
        format!("/api/v1/label-jobs/{id}"),
        format!("/api/v1/label-jobs/{id}/file"),
        format!("/api/v1/sellers/{seller}/label-jobs"),
    ] {
        let (status, _) = app.get_json(&path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, _) = app
        .post_json(
            &format!("/api/v1/stamp-runs/{run}/label-jobs"),
            None,
            json!({ "format": "pdf" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [
        format!("/stamps/label-jobs/{id}"),
        format!("/stamps/label-jobs/{id}/file"),
    ] {
        let page = app.page("GET", &path, None, None, "vi").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location.unwrap_or_default().starts_with("/login"));
    }
    let posted = app
        .page(
            "POST",
            &format!("/stamps/runs/{run}/label-jobs"),
            None,
            Some(&[("format", "pdf")]),
            "vi",
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    // A job is never started by a GET.
    let (status, jobs) = app
        .get_json(
            &format!("/api/v1/sellers/{seller}/label-jobs"),
            Some(&s.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs.as_array().map(Vec::len), Some(2), "{jobs}");
}

#[actix_web::test]
async fn one_person_gets_three_jobs_at_once_and_a_full_runner_answers_503() {
    // One render thread and two places in its queue: three jobs in all.
    let app = TestApp::spawn_with(|s| {
        s.label_threads = 1;
        s.label_queue = 2;
    })
    .await;
    let s = shop(app).await;
    let app = &s.app;
    let (big, _) = issue(&s, 6_000).await;
    let (small, _) = issue(&s, 3).await;
    let start = |token: &str, run: i64, body: Value| {
        let (app, token) = (app, token.to_owned());
        async move {
            app.post_json(
                &format!("/api/v1/stamp-runs/{run}/label-jobs"),
                Some(&token),
                body,
            )
            .await
        }
    };
    let (status, first) = start(&s.token, big, json!({ "format": "pdf" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    for layout in ["a4-21", "roll-40x30"] {
        let (status, v) = start(&s.token, small, json!({ "layout": layout })).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    }
    // A fourth of the same person's: 429 with Retry-After, nothing recorded.
    let mut res = app
        .client()
        .post(app.url(&format!("/api/v1/stamp-runs/{small}/label-jobs")))
        .insert_header(("Authorization", format!("Bearer {}", s.token)))
        .send_json(&json!({ "layout": "a4-40", "format": "svg" }))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "too_many_jobs");
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap_or("")
            .contains("đang được chuẩn bị")
    );

    // Someone else while every place is taken: 503 with Retry-After, and a
    // page in the person's language.
    let staff = app.login(&s.d.staff.email, &s.d.staff.password).await;
    let mut res = app
        .client()
        .post(app.url(&format!("/api/v1/stamp-runs/{small}/label-jobs")))
        .insert_header(("Authorization", format!("Bearer {staff}")))
        .send_json(&json!({ "format": "png" }))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("10")
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "busy");
    let staff_page = app.page_login(&s.d.staff.email, &s.d.staff.password).await;
    let small_download = app
        .page(
            "GET",
            &format!("/stamps/runs/{small}/labels?format=pdf"),
            Some(&staff_page),
            None,
            "vi",
        )
        .await;
    assert_eq!(small_download.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(small_download.body.contains("Máy chủ đang bận"));
    let (status, jobs) = app
        .get_json(
            &format!("/api/v1/sellers/{}/label-jobs", s.d.sellers[0].id),
            Some(&s.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        jobs.as_array().map(Vec::len),
        Some(3),
        "refusals record nothing"
    );

    // Meanwhile the rest of the service answers at once.
    let t = Instant::now();
    let (status, _) = app.get_json("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(t.elapsed() < Duration::from_secs(2));

    // Places come back as jobs finish.
    let id = first["id"].as_i64().expect("id");
    let (view, _) = wait_done(app, &s.token, id).await;
    assert_eq!(view["labels_done"], 6_000);
    for job in jobs.as_array().expect("jobs") {
        let id = job["id"].as_i64().expect("id");
        assert_eq!(wait_done(app, &s.token, id).await.0["status"], "done");
    }
    let (status, v) = start(&staff, small, json!({ "format": "png" })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
}

#[actix_web::test]
async fn a_job_a_stopped_server_left_running_is_failed_at_the_next_start() {
    let s = shop(TestApp::spawn().await).await;
    let app = &s.app;
    let (run, _) = issue(&s, 4).await;
    let seller = s.d.sellers[0].id;
    // What a killed process leaves: a running job whose heartbeat stopped,
    // and its partial file.
    let id = app
        .db(move |conn| {
            let at = ocop::db::models::now() - chrono::Duration::minutes(5);
            ocop::db::models::LabelJob::insert(
                conn,
                &ocop::db::models::NewLabelJob {
                    run_id: run,
                    seller_id: seller,
                    layout: "a4-40",
                    format: "pdf",
                    serial: None,
                    requested_by: None,
                    status: "running",
                    labels_total: 4,
                    created_at: at,
                    heartbeat_at: at,
                },
            )
            .expect("insert")
            .id
        })
        .await;
    let dir = app.settings.data_dir.join("labels");
    std::fs::create_dir_all(&dir).expect("dir");
    let part = dir.join(format!("{id}.part"));
    let file = std::fs::File::create(&part).expect("part");
    file.set_modified(std::time::SystemTime::now() - Duration::from_secs(300))
        .expect("mtime");
    drop(file);

    // The next start of the service on the same data.
    let (mailer, _) = ocop::mail::Mailer::memory(&app.settings.mail_from).expect("mailer");
    let restarted =
        ocop::startup::Application::build(app.settings.clone(), mailer).expect("restart");
    drop(restarted);
    let (status, job) = app
        .get_json(&format!("/api/v1/label-jobs/{id}"), Some(&s.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"], "interrupted");
    assert!(!part.exists(), "the partial file is removed");
    let member = app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;
    let page = app
        .page(
            "GET",
            &format!("/stamps/label-jobs/{id}"),
            Some(&member),
            None,
            "vi",
        )
        .await;
    assert!(page.body.contains("Máy chủ đã khởi động lại"));
    assert!(!page.body.contains("http-equiv=\"refresh\""));
}
