//! The seller's stamp pages: ordering, binding and voiding through forms,
//! the scan dashboard and copy alerts, and who may see or post to them.

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ocop::services::demo::DemoLogins;

struct Shop {
    app: TestApp,
    d: DemoLogins,
    /// Bearer token of seller A's member.
    token: String,
    /// Seller A.
    seller: i64,
    product: i64,
    lot: i64,
}

/// Demo seller A with a listed, certified product and its active lot NX-01.
async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let seller = d.sellers[0].id;
    let token = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{seller}/products"),
            Some(&token),
            json!({ "name_vi": "Mật ong rừng Nam Xuân", "ocop_group": "food", "description": "Mật ong hoa rừng.",
                    "unit": "ml", "net_quantity": "500", "price_vnd": "250000", "status": "listed" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let product = p["id"].as_i64().expect("product");
    app.post_json(
        &format!("/api/v1/products/{product}/certificates"),
        Some(&token),
        json!({ "stars": "4", "decision_no": "2517/QĐ-UBND", "issued_by": "province", "issued_on": "2025-01-10" }),
    )
    .await;
    let lot = add_lot(&app, &token, product, "NX-01").await;
    Shop {
        app,
        d,
        token,
        seller,
        product,
        lot,
    }
}

async fn add_lot(app: &TestApp, token: &str, product: i64, code: &str) -> i64 {
    let (status, lot) = app
        .post_json(
            &format!("/api/v1/products/{product}/lots"),
            Some(token),
            json!({ "code": code, "produced_on": "2025-10-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    lot["id"].as_i64().expect("lot id")
}

/// Seller A's runs as the API lists them, newest first.
async fn runs(s: &Shop) -> Vec<Value> {
    let (status, v) = s
        .app
        .get_json(
            &format!("/api/v1/sellers/{}/stamp-runs", s.seller),
            Some(&s.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array().expect("runs").clone()
}

fn run_of(runs: &[Value], id: i64) -> Value {
    runs.iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("run {id} missing"))
}

/// The number after `key=` in a redirect.
fn param(location: &str, key: &str) -> i64 {
    let start = location
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("{key} not in {location}"))
        + key.len()
        + 1;
    location[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("number")
}

async fn issue_api(s: &Shop, body: Value) -> Value {
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

async fn outcome(app: &TestApp, code: &str) -> String {
    let (status, v) = app.get_json(&format!("/api/v1/scan/{code}"), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["outcome"].as_str().expect("outcome").to_owned()
}

/// The code of a run's stamp at `serial`.
async fn code_at(app: &TestApp, run: i64, serial: i32) -> String {
    app.db(move |conn| {
        use ocop::db::schema::stamps;
        stamps::table
            .filter(stamps::run_id.eq(run))
            .filter(stamps::serial.eq(serial))
            .select(stamps::code)
            .first::<String>(conn)
            .expect("stamp")
    })
    .await
}

fn today() -> String {
    ocop::services::catalog::today_vn()
        .format("%d/%m/%Y")
        .to_string()
}

#[actix_web::test]
async fn a_member_orders_binds_and_voids_runs_through_the_pages() {
    let s = shop().await;
    let app = &s.app;
    let cookie = app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;
    let cookie = Some(cookie.as_str());
    let product = s.product.to_string();
    let lot = s.lot.to_string();

    // The seller's home links to the stamp page, which starts empty.
    let home = app.page("GET", "/seller", cookie, None, "vi").await;
    assert!(
        home.body
            .contains(&format!("href=\"/stamps?seller={}\"", s.seller))
    );
    let list = app.page("GET", "/stamps", cookie, None, "vi").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    for text in [
        "Tem truy xuất",
        "Chưa có đợt tem nào",
        "Mật ong rừng Nam Xuân · NX-01",
        "A4, 21 tem/trang",
        "Cuộn tem nhiệt 40 × 30 mm",
    ] {
        assert!(list.body.contains(text), "{text} missing");
    }
    assert!(!list.body.contains("<script"));

    // Refused orders come back with the problem next to its field.
    let bad = app
        .page(
            "POST",
            "/stamps/runs",
            cookie,
            Some(&[
                ("product_id", &product),
                ("lot_id", &lot),
                ("count", "100001"),
                ("layout", "a4-40"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("100001") && bad.body.contains("class=\"err\""));
    let (_, other) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", s.seller),
            Some(&s.token),
            json!({ "name_vi": "Măng khô", "ocop_group": "food", "description": "Măng.", "unit": "g", "net_quantity": "500", "price_vnd": "180000" }),
        )
        .await;
    let other_lot = add_lot(app, &s.token, other["id"].as_i64().expect("id"), "MK-1").await;
    let mismatch = app
        .page(
            "POST",
            "/stamps/runs",
            cookie,
            Some(&[
                ("product_id", &product),
                ("lot_id", &other_lot.to_string()),
                ("count", "40"),
                ("layout", "a4-40"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch
            .body
            .contains("Lô này không thuộc sản phẩm đã chọn")
    );
    assert!(
        runs(&s).await.is_empty(),
        "nothing issued by refused orders"
    );

    // 40 stamps for lot NX-01.
    let ordered = app
        .page(
            "POST",
            "/stamps/runs",
            cookie,
            Some(&[
                ("product_id", &product),
                ("lot_id", &lot),
                ("count", "40"),
                ("layout", "a4-40"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(ordered.status, StatusCode::SEE_OTHER, "{}", ordered.body);
    let location = ordered.location.expect("location");
    let first = param(&location, "issued");
    let list = app.page("GET", &location, cookie, None, "vi").await;
    assert_eq!(list.status, StatusCode::OK);
    for text in [
        format!("Đã tạo đợt tem #{first} gồm 40 tem"),
        format!("id=\"run-{first}\""),
        "Lô NX-01".to_owned(),
        format!("/stamps/runs/{first}/labels?layout=a4-40&format=pdf"),
        format!("/stamps/runs/{first}/labels?layout=a4-21&format=pdf"),
        format!("/stamps/runs/{first}/labels?layout=roll-40x30&format=svg"),
        format!("/stamps/runs/{first}/labels?layout=a4-40&format=png"),
    ] {
        // Askama writes `&` in attributes as `&#38;`.
        assert!(
            list.body.replace("&#38;", "&").contains(&text),
            "{text} missing"
        );
    }
    let run = run_of(&runs(&s).await, first);
    assert_eq!(run["count"], 40);
    assert_eq!(run["lot_id"], s.lot);
    assert_eq!(
        outcome(app, &code_at(app, first, 40).await).await,
        "genuine"
    );

    // A second run without a lot, bound afterwards.
    let ordered = app
        .page(
            "POST",
            "/stamps/runs",
            cookie,
            Some(&[
                ("product_id", &product),
                ("lot_id", ""),
                ("count", "5"),
                ("layout", "roll-40x30"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(ordered.status, StatusCode::SEE_OTHER, "{}", ordered.body);
    let second = param(&ordered.location.expect("location"), "issued");
    let list = app.page("GET", "/stamps", cookie, None, "vi").await;
    assert!(list.body.contains("chưa gắn lô"));
    assert_eq!(
        outcome(app, &code_at(app, second, 1).await).await,
        "not_activated"
    );
    let path = format!("/stamps/runs/{second}/bind");
    let bad = app
        .page(
            "POST",
            &path,
            cookie,
            Some(&[("lot_code", "NX-01"), ("from", "4"), ("to", "2")]),
            "vi",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("class=\"err\""));
    let bound = app
        .page(
            "POST",
            &path,
            cookie,
            Some(&[("lot_code", "NX-01"), ("from", ""), ("to", "")]),
            "vi",
        )
        .await;
    assert_eq!(bound.status, StatusCode::SEE_OTHER, "{}", bound.body);
    let location = bound.location.expect("location");
    assert_eq!(param(&location, "bound"), second);
    let list = app.page("GET", &location, cookie, None, "vi").await;
    assert!(
        list.body
            .contains(&format!("Đã gắn 5 tem của đợt #{second}"))
    );
    assert_eq!(run_of(&runs(&s).await, second)["lot_id"], s.lot);
    assert_eq!(
        outcome(app, &code_at(app, second, 5).await).await,
        "genuine"
    );

    // Voiding asks first; only the second post voids.
    let path = format!("/stamps/runs/{first}/void");
    let ask = app.page("POST", &path, cookie, Some(&[]), "vi").await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Bạn chắc chắn?"));
    assert!(ask.body.contains("name=\"confirm\" value=\"yes\""));
    assert!(ask.body.contains("Tất cả 40 tem"));
    assert_eq!(run_of(&runs(&s).await, first)["voided"], false);
    let voided = app
        .page("POST", &path, cookie, Some(&[("confirm", "yes")]), "vi")
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER);
    let location = voided.location.expect("location");
    assert_eq!(param(&location, "voided"), first);
    assert_eq!(run_of(&runs(&s).await, first)["voided"], true);
    assert_eq!(outcome(app, &code_at(app, first, 1).await).await, "void");
    let list = app.page("GET", &location, cookie, None, "vi").await;
    assert!(
        list.body
            .contains(&format!("Đã hủy đợt tem #{first} (40 tem)"))
    );
    assert!(list.body.contains("Đã hủy</span>"));

    // One stamp by its code, typed in lower case with spaces.
    let code = code_at(app, second, 3).await;
    let typed = format!("{} {}", &code[..8], &code[8..]).to_lowercase();
    let ask = app
        .page(
            "POST",
            "/stamps/void",
            cookie,
            Some(&[("code", &typed)]),
            "vi",
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    assert!(ask.body.contains("Bạn chắc chắn?"));
    assert_eq!(outcome(app, &code).await, "genuine");
    let done = app
        .page(
            "POST",
            "/stamps/void",
            cookie,
            Some(&[("code", &code), ("confirm", "yes")]),
            "vi",
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(outcome(app, &code).await, "void");
    assert_eq!(
        outcome(app, &code_at(app, second, 4).await).await,
        "genuine"
    );
    let unknown = app
        .page(
            "POST",
            "/stamps/void",
            cookie,
            Some(&[("code", "ABCDEFGHJKMNPQRS")]),
            "vi",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("Không tìm thấy tem có mã này."));

    // The English switch.
    let en = app.page("GET", "/stamps", cookie, None, "en").await;
    assert!(en.body.contains("Traceability stamps") && en.body.contains("Void run"));
}

#[actix_web::test]
async fn scans_and_copy_alerts_show_on_the_dashboard() {
    let s = shop().await;
    let app = &s.app;
    let cookie = app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;
    let cookie = Some(cookie.as_str());

    let empty = app
        .page("GET", "/stamps/dashboard", cookie, None, "vi")
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert!(empty.body.contains("<svg") && empty.body.contains("Chưa có cảnh báo nào."));
    assert!(empty.body.contains(&format!("{}: 0 lượt quét", today())));

    let run = issue_api(&s, json!({ "count": "3", "lot_code": "NX-01" })).await;
    let codes: Vec<String> = run["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    for code in [&codes[0], &codes[0], &codes[0], &codes[1], &codes[1]] {
        outcome(app, code).await;
    }
    // A made-up code counts for nobody.
    outcome(app, "ABCDEFGHJKMNPQRS").await;
    app.scans.flush();

    let dash = app
        .page("GET", "/stamps/dashboard", cookie, None, "vi")
        .await;
    assert_eq!(dash.status, StatusCode::OK);
    for text in [
        "<svg".to_owned(),
        "role=\"img\"".to_owned(),
        "<title id=\"chart-title\">".to_owned(),
        format!("{}: 5 lượt quét", today()),
        format!("<td>{}</td><td class=\"num\">5</td>", today()),
        "Tổng 5 lượt quét".to_owned(),
        "Mật ong rừng Nam Xuân</a></td><td class=\"num\">5</td>".to_owned(),
        "<td>NX-01</td><td class=\"num\">5</td>".to_owned(),
        "Chưa có cảnh báo nào.".to_owned(),
    ] {
        assert!(dash.body.contains(&text), "{text} missing");
    }
    assert!(!dash.body.contains("<script"));
    let list = app.page("GET", "/stamps", cookie, None, "vi").await;
    assert!(!list.body.contains("bị sao chép trong 7 ngày qua"));

    // 22 scans of one stamp from four networks by four phones: over the
    // test limit of 3 networks and devices a day.
    let copied = issue_api(&s, json!({ "count": "1", "lot_code": "NX-01" })).await["codes"][0]
        .as_str()
        .expect("code")
        .to_owned();
    for n in 0..21u8 {
        let (status, _) = crate::scan_signals::request_from(
            &app.address,
            [127, 0, n % 4 + 1, 1],
            "GET",
            &format!("/api/v1/scan/{copied}"),
            &crate::scan_signals::phone((n % 4).into()),
        )
        .await;
        assert_eq!(status, 200);
    }
    app.scans.flush();
    assert_eq!(outcome(app, &copied).await, "possible_copy");
    app.scans.flush();

    let dash = app
        .page("GET", "/stamps/dashboard", cookie, None, "vi")
        .await;
    let grouped = format!(
        "{} {} {} {}",
        &copied[..4],
        &copied[4..8],
        &copied[8..12],
        &copied[12..]
    );
    for text in [
        format!("{}: 27 lượt quét", today()),
        "Cảnh báo tem có thể bị sao chép".to_owned(),
        format!("<td class=\"code\">{grouped}</td><td class=\"num\">22</td>"),
        format!("name=\"code\" value=\"{copied}\""),
    ] {
        assert!(dash.body.contains(&text), "{text} missing");
    }
    assert!(!dash.body.contains("Chưa có cảnh báo nào."));
    let list = app.page("GET", "/stamps", cookie, None, "vi").await;
    assert!(
        list.body
            .contains("Có tem có thể đã bị sao chép trong 7 ngày qua"),
        "banner missing"
    );
    assert!(list.body.contains("/stamps/dashboard?seller="));
    let en = app
        .page("GET", "/stamps/dashboard", cookie, None, "en")
        .await;
    assert!(en.body.contains(&format!("{}: 27 scans", today())));
    assert!(en.body.contains("Possible-copy alerts"));
}

#[actix_web::test]
async fn another_sellers_member_gets_not_found_and_changes_nothing() {
    let s = shop().await;
    let app = &s.app;
    let run = issue_api(&s, json!({ "count": "2" })).await;
    let run_id = run["run_id"].as_i64().expect("run");
    let code = run["codes"][0].as_str().expect("code").to_owned();
    let b = app
        .page_login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    let b = Some(b.as_str());
    let a = s.seller;
    let product = s.product.to_string();

    for path in [
        format!("/stamps?seller={a}"),
        format!("/stamps/dashboard?seller={a}"),
    ] {
        let res = app.page("GET", &path, b, None, "vi").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.body.contains("Mật ong rừng Nam Xuân"), "{path}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/stamps/runs/{run_id}/bind"),
            vec![("lot_code", "NX-01")],
        ),
        (format!("/stamps/runs/{run_id}/void"), vec![]),
        (
            format!("/stamps/runs/{run_id}/void"),
            vec![("confirm", "yes")],
        ),
        (
            format!("/stamps/runs?seller={a}"),
            vec![
                ("product_id", &product),
                ("count", "5"),
                ("layout", "a4-40"),
            ],
        ),
        (
            "/stamps/runs".to_owned(),
            vec![
                ("product_id", &product),
                ("count", "5"),
                ("layout", "a4-40"),
            ],
        ),
        (
            format!("/stamps/runs?seller={a}"),
            vec![("product_id", ""), ("count", "5"), ("layout", "a4-40")],
        ),
        (
            format!("/stamps/void?seller={a}"),
            vec![("code", &code), ("confirm", "yes")],
        ),
    ];
    for (path, form) in &posts {
        let res = app.page("POST", path, b, Some(form), "vi").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    // On its own page, A's code is just not one of B's stamps.
    let res = app
        .page(
            "POST",
            "/stamps/void",
            b,
            Some(&[("code", &code), ("confirm", "yes")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Không tìm thấy tem có mã này."));
    let own = app.page("GET", "/stamps", b, None, "vi").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.body.contains(&format!("run-{run_id}\"")));

    let all = runs(&s).await;
    assert_eq!(all.len(), 1, "no run ordered for A by B");
    let r = run_of(&all, run_id);
    assert_eq!(r["lot_id"], Value::Null);
    assert_eq!(r["voided"], false);
    assert_eq!(outcome(app, &code).await, "not_activated");
    // A logged-out visitor is sent to log in.
    let anon = app
        .page("GET", &format!("/stamps?seller={a}"), None, None, "vi")
        .await;
    assert_ne!(anon.status, StatusCode::OK);
}

#[actix_web::test]
async fn staff_work_for_a_seller_they_onboarded() {
    let s = shop().await;
    let app = &s.app;
    let a = s.seller;
    let staff = app.page_login(&s.d.staff.email, &s.d.staff.password).await;
    let staff = Some(staff.as_str());

    let detail = app
        .page("GET", &format!("/staff/sellers/{a}"), staff, None, "vi")
        .await;
    assert!(
        detail
            .body
            .contains(&format!("href=\"/stamps?seller={a}\""))
    );
    let list = app
        .page("GET", &format!("/stamps?seller={a}"), staff, None, "vi")
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body
            .contains(&format!("action=\"/stamps/runs?seller={a}\""))
    );
    assert!(list.body.contains(&format!("href=\"/staff/sellers/{a}\"")));

    let ordered = app
        .page(
            "POST",
            &format!("/stamps/runs?seller={a}"),
            staff,
            Some(&[
                ("product_id", &s.product.to_string()),
                ("lot_id", ""),
                ("count", "10"),
                ("layout", "a4-21"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(ordered.status, StatusCode::SEE_OTHER, "{}", ordered.body);
    let location = ordered.location.expect("location");
    assert!(location.starts_with(&format!("/stamps?seller={a}&")));
    let run_id = param(&location, "issued");
    let bound = app
        .page(
            "POST",
            &format!("/stamps/runs/{run_id}/bind"),
            staff,
            Some(&[("lot_code", "NX-01"), ("from", "1"), ("to", "4")]),
            "vi",
        )
        .await;
    assert_eq!(bound.status, StatusCode::SEE_OTHER, "{}", bound.body);
    assert_eq!(
        outcome(app, &code_at(app, run_id, 4).await).await,
        "genuine"
    );
    assert_eq!(
        outcome(app, &code_at(app, run_id, 5).await).await,
        "not_activated"
    );
    let voided = app
        .page(
            "POST",
            &format!("/stamps/runs/{run_id}/void"),
            staff,
            Some(&[("confirm", "yes")]),
            "vi",
        )
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER);
    assert_eq!(run_of(&runs(&s).await, run_id)["voided"], true);
    let dash = app
        .page(
            "GET",
            &format!("/stamps/dashboard?seller={a}"),
            staff,
            None,
            "vi",
        )
        .await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("<svg"));
    // The audit log says staff acted on the seller's behalf.
    let on_behalf: i64 = app
        .db(move |conn| {
            use ocop::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::seller_id.eq(a))
                .filter(audit_log::on_behalf.eq(true))
                .filter(audit_log::action.like("stamps_%"))
                .count()
                .get_result(conn)
                .expect("audit")
        })
        .await;
    assert_eq!(on_behalf, 3, "issued, bound, voided");

    // Staff who did not onboard the seller see nothing of it.
    app.add_staff("khac@buudien.vn", "mat-khau-nhan-vien-khac")
        .await;
    let other = app
        .page_login("khac@buudien.vn", "mat-khau-nhan-vien-khac")
        .await;
    for path in [
        format!("/stamps?seller={a}"),
        format!("/stamps/dashboard?seller={a}"),
    ] {
        let res = app.page("GET", &path, Some(&other), None, "vi").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    let res = app
        .page(
            "POST",
            &format!("/stamps/runs/{run_id}/bind"),
            Some(&other),
            Some(&[("lot_code", "NX-01")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Without `?seller=`, staff have no org of their own.
    let res = app.page("GET", "/stamps", staff, None, "vi").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_dashboard_counts_vietnamese_days() {
    let s = shop().await;
    let app = &s.app;
    let run = issue_api(&s, json!({ "count": "1", "lot_code": "NX-01" })).await;
    let code = run["codes"][0].as_str().expect("code").to_owned();
    let today = ocop::services::catalog::today_vn();
    // Midnight in Vietnam is 17:00 UTC the day before.
    let midnight = today.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(7);
    let minutes = |m: i64| midnight + chrono::Duration::minutes(m);
    let times = [
        minutes(30),                // today 00:30
        minutes(-30),               // yesterday 23:30
        minutes(-29 * 24 * 60 + 1), // the first day shown, 00:01
        minutes(-29 * 24 * 60 - 1), // the day before it: not shown
    ];
    app.db(move |conn| {
        use ocop::db::schema::stamps;
        let stamp_id: i64 = stamps::table
            .filter(stamps::code.eq(&code))
            .select(stamps::id)
            .first(conn)
            .expect("stamp");
        let rows: Vec<ocop::db::models::NewScan> = times
            .iter()
            .map(|at| ocop::db::models::NewScan {
                stamp_id: Some(stamp_id),
                code: code.clone(),
                at: *at,
                network: "203.0.113.0/24".into(),
                agent: "zalo".into(),
                lang: "vi".into(),
                outcome: "genuine".into(),
                device: "zalo-00000000".into(),
            })
            .collect();
        ocop::db::models::stamp::insert_scans(conn, &rows).expect("scans");
    })
    .await;
    let cookie = app
        .page_login(&s.d.sellers[0].email, &s.d.sellers[0].password)
        .await;
    let dash = app
        .page("GET", "/stamps/dashboard", Some(&cookie), None, "vi")
        .await;
    let dmy = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let day = chrono::Duration::days(1);
    for text in [
        format!("{}: 1 lượt quét", dmy(today)),
        format!("{}: 1 lượt quét", dmy(today - day)),
        format!("{}: 1 lượt quét", dmy(today - day * 29)),
        "Tổng 3 lượt quét".to_owned(),
        "<td>NX-01</td><td class=\"num\">3</td>".to_owned(),
    ] {
        assert!(dash.body.contains(&text), "{text} missing");
    }
    assert!(!dash.body.contains(&dmy(today - day * 30)));
}
