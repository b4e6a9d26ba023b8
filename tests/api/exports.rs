//! Marketplace exports through the API, the pages and the CLI: every
//! channel's file read back and checked column by column against the
//! product, products with problems held back with the right problems, who
//! may export what, formula injection, the background run and its mail,
//! and the schema.org feed.

use std::time::Duration;

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Part, TestApp};
use ocop::exports::{ChannelId, Column};
use ocop::services::demo::{DemoLogins, DemoProduct};

/// The demo sellers with their catalogue (listed products with photos,
/// weight, dimensions and certificates).
async fn district() -> (TestApp, DemoLogins, Vec<DemoProduct>) {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let (logins, dir) = (d.clone(), app.settings.data_dir.clone());
    let products = app
        .db(move |conn| ocop::services::demo::seed_catalog(conn, &dir, &logins).expect("catalogue"))
        .await;
    (app, d, products)
}

/// Starts an export and waits until its background run is over.
async fn export(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, started) = app.post_json("/api/v1/exports", Some(token), body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["id"].as_i64().expect("id");
    for _ in 0..600 {
        let (status, e) = app
            .get_json(&format!("/api/v1/exports/{id}"), Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "{e}");
        if e["status"] == "done" || e["status"] == "failed" {
            return e;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("export {id} did not finish");
}

/// Downloads a file with a bearer token.
async fn download(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let mut res = app
        .client()
        .get(app.url(path))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("request");
    let body = res.body().limit(100 << 20).await.expect("body");
    (res.status(), body.to_vec())
}

fn table(format: &str, bytes: &[u8]) -> ocop::sheets::Table {
    ocop::sheets::read_table(&format!("export.{format}"), bytes).expect("readable export")
}

/// What a column must hold for `p` (the API's product detail) and its
/// seller, independently of the export code: exact values for plain fields,
/// `Contains` for the composed ones.
enum Expect {
    Exact(String),
    Contains(Vec<String>),
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 => format!("{}", f as i64),
        Some(f) => f.to_string(),
        None => String::new(),
    }
}

fn expected(col: Column, detail: &Value, seller: &Value) -> Expect {
    let p = &detail["product"];
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let photos: Vec<String> = detail["photos"]
        .as_array()
        .expect("photos")
        .iter()
        .map(|ph| format!("http://ocop.test{}", ph["large_url"].as_str().expect("url")))
        .collect();
    let cert = detail["certificates"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["valid"] == true));
    let trace = format!("http://ocop.test/p/{}", text(&p["slug"]));
    let sku = p["sku"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("OCOP-{}", p["id"]));
    use Expect::*;
    match col {
        Column::Sku => Exact(sku),
        Column::Title => Contains(vec![text(&p["name_vi"]), text(&seller["short_name"])]),
        Column::NameVi => Exact(text(&p["name_vi"])),
        Column::NameEn => Exact(text(&p["name_en"])),
        Column::OcopGroup => Exact(text(&p["ocop_group"])),
        Column::OcopSubgroup => Exact(text(&p["ocop_subgroup"])),
        Column::CategoryCode | Column::CategoryPath => Contains(vec![]),
        Column::Description => Contains(vec![
            text(&p["description"]),
            format!("Truy xuất nguồn gốc: {trace}"),
        ]),
        Column::PriceVnd => Exact(num(&p["price_vnd"])),
        Column::Stock => Exact(num(&p["stock"])),
        Column::WeightG => Exact(num(&p["packed_weight_g"])),
        Column::LengthCm => Exact(num(&p["length_cm"])),
        Column::WidthCm => Exact(num(&p["width_cm"])),
        Column::HeightCm => Exact(num(&p["height_cm"])),
        Column::Image(n) => Exact(photos.get(n).cloned().unwrap_or_default()),
        Column::MoreImages => Exact(photos.iter().skip(1).cloned().collect::<Vec<_>>().join(",")),
        Column::AllImages => Exact(photos.join(",")),
        Column::Brand => Exact(text(&seller["short_name"])),
        Column::SellerLegalName => Exact(text(&seller["legal_name"])),
        Column::Origin => Contains(vec![", Thanh Hóa".into()]),
        Column::Stars => Exact(cert.map(|c| num(&c["stars"])).unwrap_or_default()),
        Column::CertificateNo => Exact(cert.map(|c| text(&c["decision_no"])).unwrap_or_default()),
        Column::CertificateIssuer => Contains(vec![]),
        Column::CertificateValidUntil => Exact(
            cert.map(|c| {
                let d = text(&c["valid_until"]);
                format!("{}/{}/{}", &d[8..10], &d[5..7], &d[0..4])
            })
            .unwrap_or_default(),
        ),
        Column::Gtin => Exact(text(&p["gtin"])),
        Column::Unit => Contains(vec![]),
        Column::NetQuantity => Exact(num(&p["net_quantity"])),
        Column::PackType => Exact(text(&p["pack_type"])),
        Column::ShelfLifeDays => Exact(num(&p["shelf_life_days"])),
        Column::Storage => Exact(text(&p["storage"])),
        Column::Ingredients => Exact(text(&p["ingredients"])),
        Column::PlantingAreaCode => Exact(text(&p["planting_area_code"])),
        Column::TraceUrl => Exact(trace),
    }
}

#[actix_web::test]
async fn each_channels_file_matches_the_products_column_by_column() {
    let (app, d, products) = district().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let mut details = std::collections::HashMap::new();
    for p in &products {
        let (status, detail) = app
            .get_json(&format!("/api/v1/products/{}", p.id), Some(&staff))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, seller) = app
            .get_json(&format!("/api/v1/sellers/{}", p.seller_id), Some(&staff))
            .await;
        details.insert(format!("OCOP-{}", p.id), (detail, seller["seller"].clone()));
    }
    for channel in ChannelId::ALL {
        for format in ["xlsx", "csv"] {
            let e = export(
                &app,
                &staff,
                json!({ "channel": channel.as_str(), "format": format }),
            )
            .await;
            assert_eq!(e["status"], "done", "{channel:?} {format}: {e}");
            let (status, bytes) =
                download(&app, e["file_url"].as_str().expect("url"), &staff).await;
            assert_eq!(status, StatusCode::OK);
            if format == "csv" {
                assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "CSV without BOM");
            } else {
                assert!(bytes.starts_with(b"PK\x03\x04"), "not an XLSX");
            }
            let t = table(format, &bytes);
            let spec = channel.spec();
            let headers: Vec<&str> = spec.columns.iter().map(|(h, _)| *h).collect();
            assert_eq!(t.headers, headers, "{channel:?} headers");
            let held = e["held"].as_i64().expect("held") as usize;
            assert_eq!(t.rows.len() + held, products.len(), "{channel:?}: {e}");
            assert!(!t.rows.is_empty(), "{channel:?} exported nothing: {e}");
            for row in &t.rows {
                let sku = t.cell(row, 0);
                let (detail, seller) = details
                    .get(sku)
                    .unwrap_or_else(|| panic!("unknown SKU {sku}"));
                for (i, (header, col)) in spec.columns.iter().enumerate() {
                    let got = t.cell(row, i);
                    match expected(*col, detail, seller) {
                        Expect::Exact(want) => assert_eq!(
                            got, want,
                            "{channel:?} {format} row {} column {header}",
                            row.number
                        ),
                        Expect::Contains(parts) => {
                            for part in parts {
                                assert!(
                                    got.contains(&part),
                                    "{channel:?} {format} column {header}: {got:?} lacks {part:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A listed product missing its weight, dimensions and photos.
fn bare_product() -> Value {
    json!({
        "name_vi": "Gạo nếp cái hoa vàng Quan Hóa",
        "ocop_group": "food",
        "ocop_subgroup": "preliminary",
        "description": "Gạo nếp trồng trên ruộng bậc thang ở bản Hang, thơm và dẻo, đóng túi hút chân không.",
        "unit": "kg",
        "net_quantity": "2",
        "price_vnd": "90000",
        "stock": "25",
        "status": "listed",
        "sku": "NEP-2KG"
    })
}

#[actix_web::test]
async fn products_with_problems_are_held_back_with_the_right_problems_named() {
    let (app, d, _) = district().await;
    let seller = &d.sellers[0];
    let token = app.login(&seller.email, &seller.password).await;
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", seller.id),
            Some(&token),
            bare_product(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");

    let (status, report) = app
        .post_json(
            "/api/v1/exports/check",
            Some(&token),
            json!({ "product_ids": [id] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let channels = report["products"][0]["channels"]
        .as_array()
        .expect("channels");
    let codes = |name: &str| -> Vec<String> {
        channels
            .iter()
            .find(|c| c["channel"] == name)
            .expect("channel")["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|p| p["code"].as_str().expect("code").to_owned())
            .collect()
    };
    assert_eq!(
        codes("postmart"),
        ["missing_weight", "missing_dimensions", "no_image"]
    );
    assert_eq!(
        codes("voso"),
        ["missing_weight", "missing_dimensions", "no_image"]
    );
    assert_eq!(codes("thanhhoa"), ["missing_weight", "no_image"]);
    assert_eq!(codes("generic"), ["no_image"]);
    let weight = &channels[1]["problems"][0];
    assert_eq!(
        weight["fix_url"],
        format!("/products/{id}/edit#packed_weight_g")
    );
    assert!(
        weight["message_vi"]
            .as_str()
            .expect("vi")
            .contains("khối lượng")
    );
    assert!(weight["message"].as_str().expect("en").contains("weight"));
    assert_eq!(report["ready"]["postmart"], 0);

    let e = export(
        &app,
        &token,
        json!({ "channel": "postmart", "format": "csv", "product_ids": [id] }),
    )
    .await;
    assert_eq!(
        (e["exported"].as_i64(), e["held"].as_i64()),
        (Some(0), Some(1)),
        "{e}"
    );
    let held: Vec<&str> = e["held_products"][0]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().expect("code"))
        .collect();
    assert_eq!(held, ["missing_weight", "missing_dimensions", "no_image"]);

    // The seller fixes it; the same export now carries the product.
    let mut fixed = bare_product();
    for (k, v) in [
        ("packed_weight_g", "2100"),
        ("length_cm", "30"),
        ("width_cm", "20"),
        ("height_cm", "8"),
    ] {
        fixed[k] = json!(v);
    }
    let (status, _) = app
        .put_json(&format!("/api/v1/products/{id}"), Some(&token), fixed)
        .await;
    assert_eq!(status, StatusCode::OK);
    add_photo(&app, &token, id, 9).await;
    let e = export(
        &app,
        &token,
        json!({ "channel": "postmart", "format": "csv", "product_ids": [id] }),
    )
    .await;
    assert_eq!(
        (e["exported"].as_i64(), e["held"].as_i64()),
        (Some(1), Some(0)),
        "{e}"
    );
    let (_, bytes) = download(&app, e["file_url"].as_str().expect("url"), &token).await;
    let t = table("csv", &bytes);
    assert_eq!(t.cell(&t.rows[0], 0), "NEP-2KG");
    let producer = short_name(&app, seller.id, &token).await;
    assert_eq!(
        t.cell(&t.rows[0], 1),
        format!("Gạo nếp cái hoa vàng Quan Hóa 2kg - {producer}")
    );
}

/// Uploads a generated photo to product `id`.
async fn add_photo(app: &TestApp, token: &str, id: i64, seed: u64) {
    let png = ocop::services::media::demo_image_png(seed, 800, 600);
    let parts = [Part {
        name: "photo",
        file_name: Some("photo.png"),
        data: &png,
    }];
    let (status, body) = app
        .post_multipart(&format!("/api/v1/products/{id}/photos"), token, &parts)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn short_name(app: &TestApp, seller: i64, token: &str) -> String {
    let (_, s) = app
        .get_json(&format!("/api/v1/sellers/{seller}"), Some(token))
        .await;
    s["seller"]["short_name"]
        .as_str()
        .expect("short name")
        .to_owned()
}

#[actix_web::test]
async fn another_sellers_token_cannot_check_export_or_download() {
    let (app, d, products) = district().await;
    let a = &d.sellers[0];
    let b = &d.sellers[1];
    let token_a = app.login(&a.email, &a.password).await;
    let token_b = app.login(&b.email, &b.password).await;
    let of_a: Vec<i64> = products
        .iter()
        .filter(|p| p.seller_id == a.id)
        .map(|p| p.id)
        .collect();
    assert!(!of_a.is_empty());
    let e = export(
        &app,
        &token_a,
        json!({ "channel": "voso", "format": "xlsx" }),
    )
    .await;
    assert_eq!(e["status"], "done");
    let id = e["id"].as_i64().expect("id");

    let (status, _) = app
        .post_json(
            "/api/v1/exports/check",
            Some(&token_b),
            json!({ "product_ids": of_a }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post_json(
            "/api/v1/exports",
            Some(&token_b),
            json!({ "channel": "voso", "format": "csv", "product_ids": of_a }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post_json(
            "/api/v1/exports",
            Some(&token_b),
            json!({ "channel": "voso", "format": "csv", "seller_id": a.id }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_json(&format!("/api/v1/exports/{id}"), Some(&token_b))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = download(&app, &format!("/api/v1/exports/{id}/file"), &token_b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get_json("/api/v1/exports", Some(&token_b)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    let (status, _) = download(&app, &format!("/api/v1/exports/{id}/file"), &token_a).await;
    assert_eq!(status, StatusCode::OK);
    // A seller's export carries only its own products.
    assert_eq!(e["total"].as_i64(), Some(of_a.len() as i64));
    // No token at all.
    let (status, _) = app
        .post_json(
            "/api/v1/exports",
            None,
            json!({ "channel": "voso", "format": "csv" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Bad channel and format are named.
    let (status, body) = app
        .post_json(
            "/api/v1/exports",
            Some(&token_a),
            json!({ "channel": "shopee", "format": "pdf" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["channel"].is_string() && body["fields_vi"]["format"].is_string(),
        "{body}"
    );
}

#[actix_web::test]
async fn cells_that_start_a_formula_are_neutralised_in_every_format() {
    let (app, d, _) = district().await;
    let seller = &d.sellers[0];
    let token = app.login(&seller.email, &seller.password).await;
    let mut p = bare_product();
    p["name_vi"] = json!("=HYPERLINK(\"http://evil.example\",\"Mật ong\")");
    p["description"] = json!("@SUM(1+1) mô tả đủ dài để qua được quy tắc độ dài của sàn tổng hợp.");
    p["sku"] = json!("-EVIL");
    let (status, created) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", seller.id),
            Some(&token),
            p,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    add_photo(&app, &token, id, 4).await;
    for format in ["csv", "xlsx"] {
        let e = export(
            &app,
            &token,
            json!({ "channel": "generic", "format": format, "product_ids": [id] }),
        )
        .await;
        assert_eq!(e["exported"].as_i64(), Some(1), "{e}");
        let (_, bytes) = download(&app, e["file_url"].as_str().expect("url"), &token).await;
        let t = table(format, &bytes);
        let row = &t.rows[0];
        assert_eq!(t.cell(row, 0), "'-EVIL", "{format}");
        assert!(
            t.cell(row, 1).starts_with("'=HYPERLINK"),
            "{format}: {}",
            t.cell(row, 1)
        );
        assert!(t.cell(row, 2).starts_with("'=HYPERLINK"), "{format}");
        assert!(t.cell(row, 7).starts_with("'@SUM"), "{format}");
        for i in 0..t.headers.len() {
            let c = t.cell(row, i);
            assert!(
                !c.starts_with(['=', '+', '-', '@']),
                "{format} column {i}: {c}"
            );
        }
    }
}

#[actix_web::test]
async fn a_large_export_runs_in_the_background_and_mails_when_ready() {
    let (app, d, _) = district().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let seller_id = d.sellers[1].id;
    let n = ocop::services::exports::MAIL_THRESHOLD + 20;
    let staff_email = d.staff.email.clone();
    app.db(move |conn| {
        let user = ocop::db::models::User::find_by_email(conn, &staff_email)
            .expect("q")
            .expect("staff");
        let actor = ocop::services::Actor {
            user_id: user.id,
            role: ocop::domain::Role::Staff,
            seller_id: None,
            post_office_id: user.post_office_id,
        };
        for i in 0..n {
            let mut input = ocop::services::catalog::ProductInput {
                name_vi: format!("Măng khô Quan Hóa loại {i}"),
                ocop_group: "food".into(),
                description:
                    "Măng rừng phơi khô trên gác bếp, đóng túi 500 g, không chất bảo quản.".into(),
                unit: "g".into(),
                net_quantity: "500".into(),
                packed_weight_g: "550".into(),
                price_vnd: "120000".into(),
                status: "listed".into(),
                ..Default::default()
            };
            input.sku = format!("MANG-{i}");
            ocop::services::catalog::create_product(conn, &actor, seller_id, &input)
                .expect("product");
        }
    })
    .await;
    let e = export(
        &app,
        &staff,
        json!({ "channel": "thanhhoa", "format": "xlsx", "seller_id": seller_id }),
    )
    .await;
    assert_eq!(e["status"], "done", "{e}");
    assert!(e["total"].as_i64().expect("total") >= n as i64);
    assert_eq!(e["processed"], e["total"]);
    // Held back for lack of photos, each named.
    assert!(e["held"].as_i64().expect("held") >= n as i64);
    let mail = app.mail.last_to(&d.staff.email).expect("ready mail");
    assert!(
        mail.subject.contains("Tệp xuất lên sàn đã sẵn sàng"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body
            .contains(&format!("http://ocop.test/exports/{}", e["id"])),
        "{}",
        mail.body
    );
}

#[actix_web::test]
async fn staff_check_and_export_from_the_pages_without_javascript() {
    let (app, d, products) = district().await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let index = app.page("GET", "/exports", Some(&cookie), None, "vi").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(
        index
            .body
            .contains("Xuất sản phẩm lên sàn thương mại điện tử")
    );
    assert!(!index.body.contains("<script"));
    let id = products[0].id.to_string();
    let report = app
        .page(
            "POST",
            "/exports/check",
            Some(&cookie),
            Some(&[("product", id.as_str())]),
            "vi",
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    assert!(
        report.body.contains("Sàn nông sản Thanh Hóa"),
        "{}",
        report.body
    );
    assert!(report.body.contains("Sẵn sàng") || report.body.contains("Sửa"));
    let started = app
        .page(
            "POST",
            "/exports",
            Some(&cookie),
            Some(&[
                ("channel", "voso"),
                ("format", "csv"),
                ("product", id.as_str()),
            ]),
            "vi",
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let location = started.location.expect("location");
    let mut page = String::new();
    for _ in 0..200 {
        page = app
            .page("GET", &location, Some(&cookie), None, "vi")
            .await
            .body;
        if !page.contains("http-equiv=\"refresh\"") {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(page.contains("Tải về"), "{page}");
    let file = app
        .page(
            "GET",
            &format!("{location}/file"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.starts_with('\u{feff}'));
    let en = app.page("GET", &location, Some(&cookie), None, "en").await;
    assert!(en.body.contains("Download"), "{}", en.body);
    // A missing export id is a page, not a crash.
    let missing = app
        .page("GET", "/exports/999999", Some(&cookie), None, "vi")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = app
        .page(
            "POST",
            "/exports/check",
            Some(&cookie),
            Some(&[("product", "abc")]),
            "vi",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn the_public_feed_lists_products_as_schema_org() {
    let (app, _, _) = district().await;
    let (status, feed) = app.get_json("/api/v1/feed/products.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(feed["@context"], "https://schema.org");
    assert_eq!(feed["@type"], "ItemList");
    let items = feed["itemListElement"].as_array().expect("items");
    assert!(!items.is_empty());
    let product = &items[0]["item"];
    assert_eq!(product["@type"], "Product");
    assert_eq!(product["offers"]["priceCurrency"], "VND");
    assert!(
        product["url"]
            .as_str()
            .expect("url")
            .starts_with("http://ocop.test/p/")
    );
}

#[test]
fn cli_exports_every_sellers_listed_products_and_refuses_bad_options() {
    let env = crate::helpers::CliEnv::new();
    let run = |args: &[&str]| {
        env.command()
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run ocop")
    };
    assert!(run(&["demo"]).status.success());
    let out_path = env.dir.path().join("voso.csv");
    let out_str = out_path.to_str().expect("path");
    let out = run(&[
        "export",
        "--channel",
        "voso",
        "--format",
        "csv",
        "--all",
        "--out",
        out_str,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("products exported"));
    let bytes = std::fs::read(&out_path).expect("file");
    let t = table("csv", &bytes);
    assert_eq!(t.headers[0], "Mã sản phẩm (SKU)");
    assert!(!t.rows.is_empty());
    let xlsx = env.dir.path().join("th.xlsx");
    let out = run(&[
        "export",
        "--channel",
        "thanhhoa",
        "--format",
        "xlsx",
        "--all",
        "--out",
        xlsx.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        table("xlsx", &std::fs::read(&xlsx).expect("xlsx")).headers[0],
        "Mã SKU"
    );
    for bad in [
        vec![
            "export",
            "--channel",
            "shopee",
            "--format",
            "csv",
            "--all",
            "--out",
            out_str,
        ],
        vec![
            "export",
            "--channel",
            "voso",
            "--format",
            "pdf",
            "--all",
            "--out",
            out_str,
        ],
        vec![
            "export",
            "--channel",
            "voso",
            "--format",
            "csv",
            "--out",
            out_str,
        ],
        vec![
            "export",
            "--channel",
            "voso",
            "--format",
            "csv",
            "--seller",
            "999999",
            "--out",
            out_str,
        ],
    ] {
        let out = run(&bad);
        assert!(!out.status.success(), "{bad:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ocop:") || err.contains("error:"),
            "{bad:?}: {err}"
        );
    }
}

#[actix_web::test]
async fn one_person_cannot_flood_the_export_workers() {
    let (app, d, _) = district().await;
    let seller = d.sellers[0].clone();
    let token = app.login(&seller.email, &seller.password).await;
    // Three exports of this member whose workers are still busy.
    app.db(move |conn| {
        let user = ocop::db::models::User::find_by_email(conn, &seller.email)
            .expect("query")
            .expect("member");
        let at = ocop::db::models::now();
        for _ in 0..ocop::services::exports::MAX_RUNNING_PER_USER {
            ocop::db::models::Export::insert(
                conn,
                &ocop::db::models::NewExport {
                    channel: "voso",
                    format: "csv",
                    created_by: Some(user.id),
                    seller_id: Some(seller.id),
                    product_ids: "[]",
                    status: "running",
                    total: 0,
                    created_at: at,
                    heartbeat_at: at,
                },
            )
            .expect("export");
        }
    })
    .await;
    let (status, body) = app
        .post_json(
            "/api/v1/exports",
            Some(&token),
            json!({ "channel": "voso", "format": "csv" }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}
