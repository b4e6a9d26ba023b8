//! The catalogue through the API: products, certificates, photos, lots and
//! events; who may touch them; uploads that must leave nothing behind; and
//! the certificate expiry reminders.

use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Part, TestApp};
use ocop::services::demo::DemoLogins;

fn honey() -> Value {
    json!({
        "name_vi": "Mật ong rừng Pù Luông",
        "name_en": "Pu Luong forest honey",
        "ocop_group": "food",
        "ocop_subgroup": "honey",
        "description": "Mật ong hoa rừng nguyên chất.",
        "unit": "ml",
        "net_quantity": "500",
        "packed_weight_g": "850",
        "price_vnd": "250.000",
        "stock": "40",
        "gtin": "8934567000000",
        "status": "listed"
    })
}

/// A demo seller's member token and a product it created.
struct Shop {
    app: TestApp,
    d: DemoLogins,
    token: String,
    product: i64,
}

async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", d.sellers[0].id),
            Some(&token),
            honey(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let product = p["id"].as_i64().expect("id");
    Shop {
        app,
        d,
        token,
        product,
    }
}

fn png(seed: u64, w: u32, h: u32) -> Vec<u8> {
    ocop::services::media::demo_image_png(seed, w, h)
}

/// A JPEG carrying an EXIF segment with a GPS-like marker, as phones write.
fn jpeg_with_gps() -> Vec<u8> {
    let img = image::load_from_memory(&png(3, 640, 480))
        .expect("png")
        .to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .expect("jpeg");
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    payload.extend_from_slice(b"GPSLatitude=20.4123N;GPSLongitude=104.9876E;GPS-SECRET-MARKER");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).expect("len").to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG whose header claims 10,000 x 10,000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut bytes = png(4, 100, 100);
    bytes[16..20].copy_from_slice(&10_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&10_000u32.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn photo(data: &[u8]) -> [Part<'_>; 1] {
    [Part {
        name: "photo",
        file_name: Some("anh.jpg"),
        data,
    }]
}

#[actix_web::test]
async fn seller_creates_edits_lists_and_finds_a_product() {
    let s = shop().await;
    let (app, token) = (&s.app, s.token.as_str());
    let (status, detail) = app
        .get_json(&format!("/api/v1/products/{}", s.product), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["product"]["slug"], "mat-ong-rung-pu-luong");
    assert_eq!(detail["product"]["price_vnd"], 250_000);
    assert_eq!(detail["stars"], Value::Null);

    let mut edit = honey();
    edit["price_vnd"] = json!("270000");
    edit["name_vi"] = json!("Mật ong rừng Pù Luông loại đặc biệt");
    let (status, edited) = app
        .put_json(
            &format!("/api/v1/products/{}", s.product),
            Some(token),
            edit,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["price_vnd"], 270_000);
    assert_eq!(
        edited["slug"], "mat-ong-rung-pu-luong",
        "slugs never change"
    );

    // A second product with the same name gets its own slug.
    let (_, twin) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(token),
            honey(),
        )
        .await;
    assert_eq!(twin["slug"], "mat-ong-rung-pu-luong-2");

    let (_, list) = app
        .get_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(token),
        )
        .await;
    assert_eq!(list.as_array().expect("list").len(), 2);

    // The public catalogue finds it without accents, and by group.
    let (_, found) = app
        .get_json("/api/v1/catalog?q=mat%20ong%20pu%20luong", None)
        .await;
    assert_eq!(found["total"], 2);
    let (_, none) = app.get_json("/api/v1/catalog?group=drinks", None).await;
    assert_eq!(none["total"], 0);
    let (status, public) = app
        .get_json("/api/v1/catalog/products/mat-ong-rung-pu-luong", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["seller_name"], "HTX Nam Xuân");

    // Bad fields are named, and nothing is written.
    let bad = json!({ "name_vi": "", "ocop_group": "food", "ocop_subgroup": "alcoholic", "unit": "bao",
        "net_quantity": "-1", "price_vnd": "rẻ", "stock": "-3", "gtin": "8934567000007" });
    let (status, body) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(token),
            bad,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in [
        "name_vi",
        "ocop_subgroup",
        "description",
        "unit",
        "net_quantity",
        "price_vnd",
        "stock",
        "gtin",
    ] {
        assert!(body["fields"][f].is_string(), "{f}: {body}");
        assert!(body["fields_vi"][f].is_string(), "{f}: {body}");
    }
    let (_, list) = app
        .get_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(token),
        )
        .await;
    assert_eq!(list.as_array().expect("list").len(), 2);
}

#[actix_web::test]
async fn another_seller_can_neither_read_drafts_nor_change_anything() {
    let s = shop().await;
    let app = &s.app;
    let mut draft = honey();
    draft["status"] = json!("draft");
    draft["name_vi"] = json!("Mật ong chưa công bố");
    let (_, draft) = app
        .post_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(&s.token),
            draft,
        )
        .await;
    let (_, lot) = app
        .post_json(
            &format!("/api/v1/products/{}/lots", s.product),
            Some(&s.token),
            json!({ "code": "L-1" }),
        )
        .await;
    let lot_id = lot["id"].as_i64().expect("lot");
    let (_, event) = app
        .post_json(
            &format!("/api/v1/lots/{lot_id}/events"),
            Some(&s.token),
            json!({ "kind": "harvest", "happened_at": "2025-10-01T07:00" }),
        )
        .await;
    assert!(event["id"].is_i64(), "{event}");

    let b = app
        .login(&s.d.sellers[1].email, &s.d.sellers[1].password)
        .await;
    let draft_id = draft["id"].as_i64().expect("draft");
    let p = s.product;
    for path in [
        format!("/api/v1/products/{draft_id}"),
        format!("/api/v1/products/{p}"),
        format!("/api/v1/lots/{lot_id}"),
    ] {
        assert_eq!(
            app.get_json(&path, Some(&b)).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let slug = draft["slug"].as_str().expect("slug");
    assert_eq!(
        app.get_json(&format!("/api/v1/catalog/products/{slug}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_json(
            &format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            Some(&b)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    let writes: Vec<(&str, String, Value)> = vec![
        (
            "PUT",
            format!("/api/v1/products/{p}"),
            json!({ "name_vi": "Bị sửa" }),
        ),
        (
            "POST",
            format!("/api/v1/sellers/{}/products", s.d.sellers[0].id),
            honey(),
        ),
        (
            "POST",
            format!("/api/v1/products/{p}/certificates"),
            json!({ "stars": "5", "decision_no": "x", "issued_by": "central", "issued_on": "2025-01-01" }),
        ),
        (
            "POST",
            format!("/api/v1/products/{p}/lots"),
            json!({ "code": "L-2" }),
        ),
        (
            "PUT",
            format!("/api/v1/lots/{lot_id}"),
            json!({ "code": "L-9" }),
        ),
        (
            "POST",
            format!("/api/v1/lots/{lot_id}/status"),
            json!({ "status": "recalled", "reason": "giả mạo" }),
        ),
        (
            "POST",
            format!("/api/v1/lots/{lot_id}/events"),
            json!({ "kind": "other", "happened_at": "2025-10-02" }),
        ),
        (
            "PUT",
            format!("/api/v1/products/{p}/photos/order"),
            json!({ "order": [] }),
        ),
    ];
    for (method, path, body) in writes {
        let (status, _) = app.send_json(method, &path, Some(&b), Some(body)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let (status, _) = app
        .post_multipart(
            &format!("/api/v1/products/{p}/photos"),
            &b,
            &photo(&png(1, 300, 200)),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.stored_files().is_empty());

    // Nothing changed.
    let (_, after) = app
        .get_json(&format!("/api/v1/products/{p}"), Some(&s.token))
        .await;
    assert_eq!(after["product"]["name_vi"], "Mật ong rừng Pù Luông");
    assert_eq!(after["lots"].as_array().expect("lots").len(), 1);
    assert_eq!(after["lots"][0]["status"], "active");
    assert!(after["certificates"].as_array().expect("certs").is_empty());
    let (_, lot) = app
        .get_json(&format!("/api/v1/lots/{lot_id}"), Some(&s.token))
        .await;
    assert_eq!(lot["events"].as_array().expect("events").len(), 1);
}

#[actix_web::test]
async fn staff_manage_only_their_sellers_products_and_are_logged_as_acting_for_them() {
    let s = shop().await;
    let app = &s.app;
    let staff = app.login(&s.d.staff.email, &s.d.staff.password).await;
    let (status, lot) = app
        .post_json(
            &format!("/api/v1/products/{}/lots", s.product),
            Some(&staff),
            json!({ "code": "NX-01", "origin_commune_code": "14902" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    assert_eq!(lot["origin_commune_name"], "Xã Nam Xuân, Thanh Hóa");
    let (_, log) = app
        .get_json(
            &format!("/api/v1/sellers/{}/audit", s.d.sellers[0].id),
            Some(&staff),
        )
        .await;
    assert_eq!(log[0]["action"], "lot_created");
    assert_eq!(log[0]["on_behalf"], true);
    assert_eq!(log[1]["action"], "product_created");
    assert_eq!(log[1]["on_behalf"], false);

    app.add_staff("khac@buudien.vn", "buu-dien-khac-123").await;
    let other = app.login("khac@buudien.vn", "buu-dien-khac-123").await;
    assert_eq!(
        app.get_json(&format!("/api/v1/products/{}", s.product), Some(&other))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = app
        .post_json(
            &format!("/api/v1/products/{}/lots", s.product),
            Some(&other),
            json!({ "code": "NX-02" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn photos_lose_their_metadata_and_can_be_reordered() {
    let s = shop().await;
    let (app, token) = (&s.app, s.token.as_str());
    let path = format!("/api/v1/products/{}/photos", s.product);
    let (status, first) = app
        .post_multipart(&path, token, &photo(&jpeg_with_gps()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["position"], 0);
    assert_eq!(first["width"], 640);
    for url in [&first["small_url"], &first["large_url"]] {
        let url = url.as_str().expect("url");
        let mut res = app.client().get(app.url(url)).send().await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        let cc = res
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(cc.contains("immutable"), "{cc}");
        let bytes = res.body().await.expect("bytes");
        let stored = std::fs::read(
            app.settings
                .data_dir
                .join("media")
                .join(url.trim_start_matches("/media/")),
        )
        .expect("file");
        assert_eq!(bytes.as_ref(), stored.as_slice());
        for needle in [b"Exif".as_slice(), b"GPS", b"SECRET-MARKER"] {
            assert!(
                !stored.windows(needle.len()).any(|w| w == needle),
                "{url} keeps {:?}",
                String::from_utf8_lossy(needle)
            );
        }
        assert!(image::load_from_memory(&stored).is_ok());
    }
    let (_, wide) = app
        .post_multipart(&path, token, &photo(&png(7, 2000, 1000)))
        .await;
    assert_eq!(wide["width"], 1024);
    assert_eq!(wide["height"], 512);
    let small = std::fs::read(
        app.settings.data_dir.join("media").join(
            wide["small_url"]
                .as_str()
                .expect("url")
                .trim_start_matches("/media/"),
        ),
    )
    .expect("small");
    assert_eq!(image::load_from_memory(&small).expect("jpeg").width(), 320);

    let (a, b) = (
        first["id"].as_i64().expect("a"),
        wide["id"].as_i64().expect("b"),
    );
    let (status, order) = app
        .put_json(
            &format!("{path}/order"),
            Some(token),
            json!({ "order": [b, a] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order[0]["id"], b);
    assert_eq!(order[0]["position"], 0);
    let (status, _) = app
        .put_json(
            &format!("{path}/order"),
            Some(token),
            json!({ "order": [b] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .send_json("DELETE", &format!("{path}/{a}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{}", s.product), Some(token))
        .await;
    assert_eq!(detail["photos"].as_array().expect("photos").len(), 1);
}

#[actix_web::test]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    let s = shop().await;
    let (app, token) = (&s.app, s.token.as_str());
    let path = format!("/api/v1/products/{}/photos", s.product);
    let good = png(5, 800, 600);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&image::load_from_memory(&good).expect("png").to_rgb8())
        .expect("jpeg");
    let truncated = jpeg[..jpeg.len() / 2].to_vec();
    let huge = vec![0xFFu8; 10 * 1024 * 1024 + 1];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "text named .jpg",
            b"<html>hello, not an image</html>".to_vec(),
            "JPEG, PNG",
        ),
        ("pdf as a photo", b"%PDF-1.4\n%%EOF\n".to_vec(), "JPEG, PNG"),
        ("truncated jpeg", truncated, "damaged"),
        ("40+ megapixels", png_bomb(), "megapixels"),
        ("over 10 MB", huge, "10 MB"),
    ];
    for (what, bytes, says) in cases {
        let (status, body) = app.post_multipart(&path, token, &photo(&bytes)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        let msg = body["fields"]["photo"].as_str().unwrap_or("");
        assert!(msg.contains(says), "{what}: {msg}");
        assert!(body["fields_vi"]["photo"].is_string(), "{what}");
    }
    let (status, body) = app.post_multipart(&path, token, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A certificate whose scan is not a document is not recorded at all.
    let cert_path = format!("/api/v1/products/{}/certificates", s.product);
    let fields = [
        Part {
            name: "stars",
            file_name: None,
            data: b"4",
        },
        Part {
            name: "decision_no",
            file_name: None,
            data: "123/QĐ-UBND".as_bytes(),
        },
        Part {
            name: "issued_by",
            file_name: None,
            data: b"province",
        },
        Part {
            name: "issued_on",
            file_name: None,
            data: b"2025-01-10",
        },
        Part {
            name: "document",
            file_name: Some("quyet-dinh.pdf"),
            data: b"MZ\x90\x00 not a pdf",
        },
    ];
    let (status, body) = app.post_multipart(&cert_path, token, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["document"].is_string());
    let truncated_pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n".to_vec();
    let mut cut = fields;
    cut[4].data = &truncated_pdf;
    let (status, _) = app.post_multipart(&cert_path, token, &cut).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{}", s.product), Some(token))
        .await;
    assert!(detail["photos"].as_array().expect("photos").is_empty());
    assert!(detail["certificates"].as_array().expect("certs").is_empty());

    // The same certificate with a real PDF is kept byte for byte.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    cut[4].data = &pdf;
    let (status, cert) = app.post_multipart(&cert_path, token, &cut).await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    assert_eq!(cert["valid_until"], "2028-01-10");
    let url = cert["document_url"].as_str().expect("url");
    let mut res = app.client().get(app.url(url)).send().await.expect("get");
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(res.body().await.expect("pdf").as_ref(), pdf.as_slice());
    // Names that are not ours are not served.
    for bad in [
        "/files/..%2Focop.db",
        "/files/secret.key",
        "/media/ABC-320.jpg",
    ] {
        assert_eq!(
            app.client()
                .get(app.url(bad))
                .send()
                .await
                .expect("get")
                .status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

#[actix_web::test]
async fn stars_show_only_while_a_certificate_is_valid() {
    let s = shop().await;
    let (app, token) = (&s.app, s.token.as_str());
    let cert = |issued: &str, stars: &str| json!({ "stars": stars, "decision_no": "99/QĐ-UBND", "issued_by": "province", "issued_on": issued });
    let path = format!("/api/v1/products/{}/certificates", s.product);
    let (status, old) = app
        .post_json(&path, Some(token), cert("2021-01-15", "4"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(old["valid"], false);
    let (_, public) = app
        .get_json("/api/v1/catalog/products/mat-ong-rung-pu-luong", None)
        .await;
    assert_eq!(public["certificate"], Value::Null);
    let (_, starred) = app.get_json("/api/v1/catalog?stars=3", None).await;
    assert_eq!(starred["total"], 0);

    let (_, current) = app
        .post_json(&path, Some(token), cert("2025-06-01", "3"))
        .await;
    assert_eq!(current["valid"], true);
    let (_, public) = app
        .get_json("/api/v1/catalog/products/mat-ong-rung-pu-luong", None)
        .await;
    assert_eq!(public["certificate"]["stars"], 3);
    let (_, starred) = app.get_json("/api/v1/catalog?stars=3", None).await;
    assert_eq!(starred["total"], 1);
    assert_eq!(starred["items"][0]["stars"], 3);
    let (_, four) = app.get_json("/api/v1/catalog?stars=4", None).await;
    assert_eq!(four["total"], 0);

    let (status, body) = app
        .post_json(&path, Some(token), cert("2025-06-01", "5"))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "five stars come from the central level: {body}"
    );
}

#[actix_web::test]
async fn lots_keep_an_append_only_journey_and_can_be_recalled() {
    let s = shop().await;
    let (app, token) = (&s.app, s.token.as_str());
    let lots = format!("/api/v1/products/{}/lots", s.product);
    let (status, lot) = app
        .post_json(&lots, Some(token), json!({ "code": "NX-2025-10", "produced_on": "01/10/2025", "packed_on": "2025-10-05", "best_before": "2027-10-05", "quantity": "120", "quantity_unit": "chai" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    let id = lot["id"].as_i64().expect("id");
    let (status, body) = app
        .post_json(&lots, Some(token), json!({ "code": "NX-2025-10" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["code"].is_string());
    let (status, body) = app
        .post_json(
            &lots,
            Some(token),
            json!({ "code": "NX-X", "produced_on": "2025-10-05", "packed_on": "2025-10-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["packed_on"].is_string());

    let events = format!("/api/v1/lots/{id}/events");
    let (_, harvest) = app
        .post_json(&events, Some(token), json!({ "kind": "harvest", "happened_at": "2025-10-01T06:30", "place": "Rừng bản Khạn" }))
        .await;
    let attachment = png(9, 400, 300);
    let (status, test) = app
        .post_multipart(
            &events,
            token,
            &[
                Part {
                    name: "kind",
                    file_name: None,
                    data: b"lab_test",
                },
                Part {
                    name: "happened_at",
                    file_name: None,
                    data: b"2025-10-03T10:00",
                },
                Part {
                    name: "note",
                    file_name: None,
                    data: "Đạt chỉ tiêu".as_bytes(),
                },
                Part {
                    name: "attachment",
                    file_name: Some("ket-qua.png"),
                    data: &attachment,
                },
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{test}");
    assert_eq!(test["business_step"], "inspecting");
    assert!(
        test["attachment_url"]
            .as_str()
            .expect("url")
            .ends_with(".jpg")
    );
    let (status, fix) = app
        .post_json(&events, Some(token), json!({ "kind": "harvest", "happened_at": "2025-10-01T07:30", "place": "Rừng bản Khạn", "corrects_event_id": harvest["id"].to_string() }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fix}");
    let (status, body) = app
        .post_json(
            &events,
            Some(token),
            json!({ "kind": "teleport", "happened_at": "mai", "corrects_event_id": "999999" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["kind", "happened_at"] {
        assert!(body["fields"][f].is_string(), "{f}: {body}");
    }
    let (_, detail) = app
        .get_json(&format!("/api/v1/lots/{id}"), Some(token))
        .await;
    let timeline = detail["events"].as_array().expect("events");
    assert_eq!(timeline.len(), 3);
    assert_eq!(timeline[0]["id"], harvest["id"]);
    assert_eq!(timeline[0]["corrected_by"], fix["id"]);
    assert_eq!(timeline[1]["corrects_event_id"], harvest["id"]);

    // Recall: a reason is required, then every reader sees it.
    let status_path = format!("/api/v1/lots/{id}/status");
    let (status, body) = app
        .post_json(&status_path, Some(token), json!({ "status": "recalled" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["reason"].is_string());
    let (status, recalled) = app
        .post_json(
            &status_path,
            Some(token),
            json!({ "status": "recalled", "reason": "Phát hiện lẫn tạp chất" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recalled["status"], "recalled");
    assert_eq!(recalled["status_reason"], "Phát hiện lẫn tạp chất");
    let (_, log) = app
        .get_json(
            &format!("/api/v1/sellers/{}/audit", s.d.sellers[0].id),
            Some(token),
        )
        .await;
    assert_eq!(log[0]["action"], "lot_recalled");
    assert_eq!(log[0]["details"]["reason"], "Phát hiện lẫn tạp chất");
    let (_, released) = app
        .post_json(&status_path, Some(token), json!({ "status": "active" }))
        .await;
    assert_eq!(released["status_reason"], Value::Null);
}

#[actix_web::test]
async fn expiry_reminders_go_out_once_per_threshold() {
    let s = shop().await;
    let app = &s.app;
    let (_, cert) = app
        .post_json(
            &format!("/api/v1/products/{}/certificates", s.product),
            Some(&s.token),
            json!({ "stars": "4", "decision_no": "2517/QĐ-UBND", "issued_by": "province", "issued_on": "2024-01-10", "valid_until": "2027-01-10" }),
        )
        .await;
    assert_eq!(cert["valid_until"], "2027-01-10");
    // The reminders are queued; the app's outbox worker delivers them.
    let settings = app.settings.clone();
    let run = move |day: &str| {
        let settings = settings.clone();
        let today = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
        move |conn: &mut ocop::db::DbConn| {
            ocop::services::notify::certificate_expiry(conn, &settings, today).expect("notify")
        }
    };
    let sent = &app.mail;
    // 70 days before: nothing is due.
    assert_eq!(app.db(run("2026-11-01")).await.reminders, 0);
    // 55 days before: the 60-day reminder, to the member and the staff.
    let first = app.db(run("2026-11-16")).await;
    assert_eq!((first.reminders, first.mails), (1, 2));
    app.mail_flush().await;
    let to: Vec<String> = sent.all().iter().map(|m| m.to.clone()).collect();
    assert!(
        to.contains(&s.d.sellers[0].email) && to.contains(&s.d.staff.email),
        "{to:?}"
    );
    let mail = &sent.all()[0];
    assert!(mail.subject.contains("sắp hết hạn") && mail.subject.contains("expiring"));
    assert!(
        mail.body.contains("10/01/2027")
            && mail.body.contains("55 ngày")
            && mail.body.contains("55 days"),
        "{}",
        mail.body
    );
    // Daily runs after that send nothing more...
    assert_eq!(app.db(run("2026-11-16")).await.reminders, 0);
    assert_eq!(app.db(run("2026-12-01")).await.reminders, 0);
    // ...until 14 days before, once.
    let second = app.db(run("2026-12-28")).await;
    assert_eq!((second.reminders, second.mails), (1, 2));
    assert_eq!(app.db(run("2026-12-29")).await.reminders, 0);
    assert_eq!(app.db(run("2027-01-10")).await.reminders, 0);
    app.mail_flush().await;
    assert_eq!(sent.all().len(), 4);
}

#[actix_web::test]
async fn products_created_at_the_same_time_are_all_stored() {
    // Creating a product checks its slug and then inserts: on SQLite that
    // transaction must take the write lock first, or a write of another
    // connection in between fails it with "database is locked" (a 500 the
    // API fuzzer found).
    let s = shop().await;
    let path = format!("/api/v1/sellers/{}/products", s.d.sellers[0].id);
    let answers = futures_util::future::join_all((0..60).map(|i| {
        let mut body = honey();
        body["name_vi"] = json!(format!("Mật ong rừng lứa {i}"));
        body["gtin"] = json!("");
        s.app.post_json(&path, Some(&s.token), body)
    }))
    .await;
    for (status, body) in answers {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}
