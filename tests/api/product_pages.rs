//! The product-management pages as sellers and post-office staff use them
//! from a phone without JavaScript: forms that post and redirect, uploads
//! as `multipart/form-data`, errors next to their fields in Vietnamese, and
//! someone else's products and lots "not found".

use awc::http::StatusCode;
use serde_json::Value;

use crate::helpers::{PageResponse, TestApp};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A part of a hand-built multipart body: text when `file` is None.
struct Field<'a> {
    name: &'a str,
    file: Option<&'a str>,
    data: &'a [u8],
}

fn text<'a>(name: &'a str, value: &'a str) -> Field<'a> {
    Field {
        name,
        file: None,
        data: value.as_bytes(),
    }
}

fn file<'a>(name: &'a str, file_name: &'a str, data: &'a [u8]) -> Field<'a> {
    Field {
        name,
        file: Some(file_name),
        data,
    }
}

/// Posts `fields` as a browser posts a multipart form, with the session
/// cookie; answers like `TestApp::page`.
async fn post_multipart(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[Field<'_>],
) -> PageResponse {
    let boundary = "----ocopPagesBoundary7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    for f in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match f.file {
            Some(name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{name}\"\r\n\
                     Content-Type: image/jpeg\r\n\r\n",
                    f.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    f.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(f.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut res = app
        .client()
        .post(app.url(path))
        .insert_header(("Accept-Language", "vi"))
        .insert_header(("Cookie", cookie.to_owned()))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .send_body(body)
        .await
        .expect("request");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.body().limit(10 << 20).await.expect("body");
    PageResponse {
        status: res.status(),
        location,
        session: None,
        set_cookie: Vec::new(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn png(seed: u64) -> Vec<u8> {
    ocop::services::media::demo_image_png(seed, 400, 300)
}

/// The id in a redirect such as `/products/12?saved=1`.
fn id_in(location: Option<&str>, prefix: &str) -> i64 {
    let loc = location.expect("redirect");
    let rest = loc
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{loc} does not start with {prefix}"));
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no id in {loc}"))
}

/// File names under the data dir's `media/` and `files/` folders.
fn stored(app: &TestApp, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.settings.data_dir.join(dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const HONEY: &[(&str, &str)] = &[
    ("name_vi", "Mật ong rừng Nam Xuân"),
    ("name_en", "Nam Xuan wild forest honey"),
    ("ocop_group", "food"),
    ("ocop_subgroup", "honey"),
    (
        "description",
        "Mật ong hoa rừng thu hoạch ở bản Khạn.\nKhông pha trộn.",
    ),
    ("story", "Ông Hà Văn Thắng nuôi ong trong rừng từ năm 1998."),
    ("ingredients", "100% mật ong rừng"),
    ("unit", "ml"),
    ("net_quantity", "500"),
    ("pack_type", "hũ thủy tinh"),
    ("packed_weight_g", "850"),
    ("length_cm", "9"),
    ("width_cm", "9"),
    ("height_cm", "14,5"),
    ("price_vnd", "250.000"),
    ("stock", "40"),
    ("gtin", ""),
    ("shelf_life_days", "730"),
    ("storage", "Nơi khô ráo, tránh ánh nắng"),
    ("planting_area_code", ""),
    ("status", "draft"),
];

/// Adds the honey product through the form; returns its id.
async fn add_product(app: &TestApp, cookie: &str, seller_id: i64) -> i64 {
    let res = app
        .page(
            "POST",
            &format!("/products/new?seller={seller_id}"),
            Some(cookie),
            Some(HONEY),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_in(res.location.as_deref(), "/products/");
    assert_eq!(
        res.location.as_deref(),
        Some(format!("/products/{id}?saved=1").as_str())
    );
    id
}

async fn add_lot(app: &TestApp, cookie: &str, product_id: i64, code: &str) -> i64 {
    let res = app
        .page(
            "POST",
            &format!("/products/{product_id}/lots"),
            Some(cookie),
            Some(&[
                ("code", code),
                ("produced_on", "2025-10-01"),
                ("packed_on", "2025-10-03"),
                ("best_before", "2027-10-01"),
                ("quantity", "120"),
                ("quantity_unit", "hũ"),
                ("origin_commune_code", "14902"),
                ("origin_place", "Rừng bản Khạn"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    id_in(res.location.as_deref(), "/lots/")
}

async fn add_event(
    app: &TestApp,
    cookie: &str,
    lot_id: i64,
    kind: &str,
    at: &str,
    note: &str,
    corrects: &str,
) -> PageResponse {
    post_multipart(
        app,
        &format!("/lots/{lot_id}/events"),
        cookie,
        &[
            text("kind", kind),
            text("happened_at", at),
            text("place", "Bản Khạn"),
            text("actor", "Tổ thu hoạch bản Khạn"),
            text("note", note),
            text("corrects_event_id", corrects),
            file("attachment", "", b""),
        ],
    )
    .await
}

fn certificate_fields<'a>(stars: &'a str, issued_by: &'a str) -> Vec<Field<'a>> {
    vec![
        text("stars", stars),
        text("score", "78"),
        text("decision_no", "1234/QĐ-UBND"),
        text("issued_by", issued_by),
        text("issued_on", "2025-03-01"),
        text("valid_until", ""),
    ]
}

#[actix_web::test]
async fn a_seller_member_manages_a_product_its_photos_certificate_and_lots() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let me = &d.sellers[0];
    let cookie = app.page_login(&me.email, &me.password).await;
    let token = app.login(&me.email, &me.password).await;

    // The home lists no product yet and offers to add one.
    let home = app.page("GET", "/seller", Some(&cookie), None, "vi").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Chưa có sản phẩm nào."), "{}", home.body);
    assert!(home.body.contains("+ Thêm sản phẩm"));
    assert!(
        home.body
            .contains(&format!("href=\"/products/new?seller={}\"", me.id))
    );

    let form = app
        .page(
            "GET",
            &format!("/products/new?seller={}", me.id),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<optgroup label=\"Thực phẩm\">"));
    assert!(form.body.contains("Tên sản phẩm (tiếng Việt)"));
    assert!(!form.body.contains("<script"));

    // A refused form comes back with the problems and what was typed.
    let bad = app
        .page(
            "POST",
            &format!("/products/new?seller={}", me.id),
            Some(&cookie),
            Some(&[
                ("name_vi", ""),
                ("ocop_group", "food"),
                ("description", "Mật ong hoa rừng"),
                ("unit", "ml"),
                ("net_quantity", "500"),
                ("price_vnd", "rất rẻ"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Vui lòng nhập ô này."));
    assert!(bad.body.contains("Hãy nhập một số"));
    assert!(bad.body.contains("Mật ong hoa rừng</textarea>"));
    assert!(bad.body.contains("value=\"rất rẻ\""));

    let pid = add_product(&app, &cookie, me.id).await;
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}?saved=1"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đã lưu."));
    assert!(page.body.contains("Mật ong rừng Nam Xuân"));
    assert!(page.body.contains("250.000 ₫"));
    assert!(page.body.contains("500 ml · hũ thủy tinh"));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains(
        "type=\"file\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp\" capture=\"environment\""
    ));
    assert!(
        page.body
            .contains(&format!("href=\"/products/{pid}/edit\""))
    );
    // A draft has no public page yet.
    assert!(!page.body.contains("href=\"/p/"));
    let en = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "en",
        )
        .await;
    assert!(en.body.contains("Add a photo") && en.body.contains("OCOP certificates"));
    let home = app.page("GET", "/seller", Some(&cookie), None, "vi").await;
    assert!(home.body.contains(&format!("href=\"/products/{pid}\"")));
    assert!(home.body.contains("Mật ong rừng Nam Xuân") && home.body.contains("Nháp"));

    // Editing: the form shows the stored values; listing gives a public link.
    let edit = app
        .page(
            "GET",
            &format!("/products/{pid}/edit"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"Mật ong rừng Nam Xuân\""));
    assert!(edit.body.contains("value=\"14.5\""));
    let mut changed: Vec<(&str, &str)> = HONEY.to_vec();
    for (k, v) in changed.iter_mut() {
        match *k {
            "price_vnd" => *v = "180.000",
            "status" => *v = "listed",
            _ => {}
        }
    }
    let saved = app
        .page(
            "POST",
            &format!("/products/{pid}/edit"),
            Some(&cookie),
            Some(changed.as_slice()),
            "vi",
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert!(page.body.contains("180.000 ₫") && page.body.contains("Đang bán"));
    assert!(page.body.contains("href=\"/p/mat-ong-rung-nam-xuan\""));

    // Two photos, the second moved up, the first deleted.
    for seed in [1, 2] {
        let res = post_multipart(
            &app,
            &format!("/products/{pid}/photos"),
            &cookie,
            &[file("photo", "IMG_0001.png", &png(seed))],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(
            res.location.as_deref(),
            Some(format!("/products/{pid}?saved=1#photos").as_str())
        );
    }
    let photo_ids = |v: &Value| -> Vec<i64> {
        v["photos"]
            .as_array()
            .expect("photos")
            .iter()
            .map(|p| p["id"].as_i64().expect("id"))
            .collect()
    };
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
        .await;
    let ids = photo_ids(&detail);
    assert_eq!(ids.len(), 2);
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    let small = detail["photos"][0]["small_url"].as_str().expect("url");
    assert!(small.ends_with("-320.jpg") && page.body.contains(small));
    assert!(
        page.body
            .contains(&format!("/products/{pid}/photos/{}/move", ids[1]))
    );
    let moved = app
        .page(
            "POST",
            &format!("/products/{pid}/photos/{}/move", ids[1]),
            Some(&cookie),
            Some(&[("step", "-1")]),
            "vi",
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
        .await;
    assert_eq!(photo_ids(&detail), vec![ids[1], ids[0]]);
    let deleted = app
        .page(
            "POST",
            &format!("/products/{pid}/photos/{}/delete", ids[0]),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
        .await;
    assert_eq!(photo_ids(&detail), vec![ids[1]]);

    // A text file named like a photo is refused in Vietnamese; nothing is kept.
    let media_before = stored(&app, "media");
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "photo.jpg", b"xin chao, day khong phai anh")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Tệp không phải ảnh JPEG, PNG, WebP"),
        "{}",
        res.body
    );
    assert!(res.body.contains("id=\"photo-err\""));
    // A photo cut short by a dropped connection says so.
    let whole = png(3);
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "cut.png", &whole[..whole.len() / 2])],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Tệp bị thiếu hoặc hỏng"));
    // No file chosen.
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "", b"")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored(&app, "media"), media_before);
    let (_, detail) = app
        .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
        .await;
    assert_eq!(photo_ids(&detail), vec![ids[1]]);

    // A certificate: a refused one keeps what was typed, then one with a PDF.
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/certificates"),
        &cookie,
        &certificate_fields("5", "province"),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Lựa chọn không hợp lệ."));
    assert!(res.body.contains("value=\"1234/QĐ-UBND\""));
    assert!(res.body.contains("<details class=\"box\" open>"));
    // The language switch returns to the product page, not to the form's action.
    assert!(
        res.body
            .contains(&format!("href=\"/lang/en?next=/products/{pid}\"")),
        "{}",
        res.body
    );
    let mut fields = certificate_fields("4", "province");
    fields.push(file("document", "quyet-dinh.pdf", PDF));
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/certificates"),
        &cookie,
        &fields,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert!(page.body.contains("1234/QĐ-UBND") && page.body.contains("UBND tỉnh"));
    assert!(page.body.contains("01/03/2025") && page.body.contains("01/03/2028"));
    assert!(page.body.contains("★★★★"));
    let scan = page
        .body
        .split("href=\"/files/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("scan link")
        .to_owned();
    assert!(scan.ends_with(".pdf"));
    let res = app
        .page("GET", &format!("/files/{scan}"), None, None, "vi")
        .await;
    assert_eq!(res.status, StatusCode::OK);

    // A lot: a refused one comes back in its own form, then a good one.
    let res = app
        .page(
            "POST",
            &format!("/products/{pid}/lots"),
            Some(&cookie),
            Some(&[("code", "lô 1"), ("origin_place", "Rừng bản Khạn")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Giá trị không hợp lệ."));
    assert!(res.body.contains("value=\"Rừng bản Khạn\""));
    let lid = add_lot(&app, &cookie, pid, "NX-2025-10").await;
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert!(page.body.contains(&format!("href=\"/lots/{lid}\"")));
    assert!(page.body.contains("NX-2025-10") && page.body.contains("Đang lưu hành"));
    let lot = app
        .page("GET", &format!("/lots/{lid}"), Some(&cookie), None, "vi")
        .await;
    assert_eq!(lot.status, StatusCode::OK);
    assert!(lot.body.contains("Rừng bản Khạn, Xã Nam Xuân"));
    assert!(lot.body.contains(&format!("href=\"/products/{pid}\"")));
    assert!(lot.body.contains("type=\"datetime-local\""));

    // Two events, the second correcting the first.
    let res = add_event(
        &app,
        &cookie,
        lid,
        "harvest",
        "2025-10-01T07:30",
        "Thu hoạch 60 kg",
        "",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, l) = app
        .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
        .await;
    let first = l["events"][0]["id"].as_i64().expect("event id");
    let res = add_event(
        &app,
        &cookie,
        lid,
        "harvest",
        "2025-10-01T09:30",
        "Sửa giờ thu hoạch",
        &first.to_string(),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, l) = app
        .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
        .await;
    let second = l["events"][1]["id"].as_i64().expect("event id");
    assert_eq!(l["events"][1]["corrects_event_id"].as_i64(), Some(first));
    let lot = app
        .page("GET", &format!("/lots/{lid}"), Some(&cookie), None, "vi")
        .await;
    assert!(lot.body.contains("Thu hoạch") && lot.body.contains("01/10/2025 07:30"));
    assert!(lot.body.contains("Tổ thu hoạch bản Khạn"));
    assert!(
        lot.body
            .contains(&format!("đã được sửa bởi sự kiện #{second}"))
    );
    assert!(lot.body.contains(&format!("sửa sự kiện #{first}")));
    // An event with a bad time stays in its form with its note.
    let res = add_event(&app, &cookie, lid, "packing", "hôm qua", "Đóng 120 hũ", "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Ngày không hợp lệ") && res.body.contains("Đóng 120 hũ</textarea>"));

    // Holding needs a reason; with one, the lot page shows it.
    let res = app
        .page(
            "POST",
            &format!("/lots/{lid}/status"),
            Some(&cookie),
            Some(&[("status", "held"), ("reason", "")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Vui lòng nhập ô này."));
    let (_, l) = app
        .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
        .await;
    assert_eq!(l["lot"]["status"], "active");
    let res = app
        .page(
            "POST",
            &format!("/lots/{lid}/status"),
            Some(&cookie),
            Some(&[
                ("status", "held"),
                ("reason", "Chờ kết quả kiểm nghiệm độ ẩm"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let lot = app
        .page("GET", &format!("/lots/{lid}"), Some(&cookie), None, "vi")
        .await;
    assert!(lot.body.contains("Tạm dừng") && lot.body.contains("Chờ kết quả kiểm nghiệm độ ẩm"));

    // The lot's own fields can be corrected.
    let edit = app
        .page(
            "GET",
            &format!("/lots/{lid}/edit"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("value=\"2025-10-01\"")
            && edit.body.contains("value=\"14902\" selected")
    );
    let res = app
        .page(
            "POST",
            &format!("/lots/{lid}/edit"),
            Some(&cookie),
            Some(&[
                ("code", "NX-2025-10"),
                ("quantity", "118"),
                ("quantity_unit", "hũ"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, l) = app
        .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
        .await;
    assert_eq!(l["lot"]["quantity"].as_f64(), Some(118.0));
}

#[actix_web::test]
async fn staff_manage_a_sellers_products_in_assisted_mode() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let seller = &d.sellers[1];
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let token = app.login(&d.staff.email, &d.staff.password).await;

    let detail = app
        .page(
            "GET",
            &format!("/staff/sellers/{}", seller.id),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("+ Thêm sản phẩm"));
    assert!(
        detail
            .body
            .contains(&format!("href=\"/products/new?seller={}\"", seller.id))
    );

    let pid = add_product(&app, &cookie, seller.id).await;
    let page = app
        .page(
            "GET",
            &format!("/products/{pid}"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("href=\"/staff/sellers/{}#products\"", seller.id))
    );
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "a.png", &png(11))],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "b.png", &png(12))],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let (_, p) = app
        .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
        .await;
    let (a, b) = (
        p["photos"][0]["id"].as_i64().expect("id"),
        p["photos"][1]["id"].as_i64().expect("id"),
    );
    let res = app
        .page(
            "POST",
            &format!("/products/{pid}/photos/{b}/move"),
            Some(&cookie),
            Some(&[("step", "-1")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = app
        .page(
            "POST",
            &format!("/products/{pid}/photos/{a}/delete"),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let mut fields = certificate_fields("3", "province");
    fields.push(file("document", "qd.pdf", PDF));
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/certificates"),
        &cookie,
        &fields,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let lid = add_lot(&app, &cookie, pid, "PL-01").await;
    let res = add_event(
        &app,
        &cookie,
        lid,
        "processing",
        "2025-10-02T10:00",
        "Nướng ống tre",
        "",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, l) = app
        .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
        .await;
    let first = l["events"][0]["id"].as_i64().expect("id").to_string();
    let res = add_event(
        &app,
        &cookie,
        lid,
        "processing",
        "2025-10-02T11:00",
        "Sửa giờ",
        &first,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app
        .page(
            "POST",
            &format!("/lots/{lid}/status"),
            Some(&cookie),
            Some(&[("status", "held"), ("reason", "Bao bì in sai hạn sử dụng")]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // Every step is in the seller's audit log as done on its behalf.
    let (status, log) = app
        .get_json(
            &format!("/api/v1/sellers/{}/audit", seller.id),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let entries = log.as_array().expect("audit entries");
    for action in [
        "product_created",
        "photo_added",
        "photos_reordered",
        "photo_removed",
        "certificate_added",
        "lot_created",
        "event_recorded",
        "lot_held",
    ] {
        let mine: Vec<&Value> = entries.iter().filter(|e| e["action"] == action).collect();
        assert!(!mine.is_empty(), "{action} missing from {log}");
        assert!(
            mine.iter().all(|e| e["on_behalf"] == true),
            "{action} not on behalf: {log}"
        );
    }
    // The staff page lists the product and the history in words.
    let detail = app
        .page(
            "GET",
            &format!("/staff/sellers/{}", seller.id),
            Some(&cookie),
            None,
            "vi",
        )
        .await;
    assert!(detail.body.contains(&format!("href=\"/products/{pid}\"")));
    assert!(detail.body.contains("Thêm sản phẩm") && detail.body.contains("nhân viên làm thay"));
    assert!(detail.body.contains("Đổi trạng thái lô"));
}

#[actix_web::test]
async fn another_sellers_member_finds_nothing_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let owner = &d.sellers[0];
    let other = &d.sellers[1];
    let cookie = app.page_login(&owner.email, &owner.password).await;
    let token = app.login(&owner.email, &owner.password).await;
    let pid = add_product(&app, &cookie, owner.id).await;
    let res = post_multipart(
        &app,
        &format!("/products/{pid}/photos"),
        &cookie,
        &[file("photo", "a.png", &png(21))],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let lid = add_lot(&app, &cookie, pid, "NX-01").await;
    let res = add_event(&app, &cookie, lid, "harvest", "2025-10-01T07:30", "", "").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let snapshot = || async {
        let (_, p) = app
            .get_json(&format!("/api/v1/products/{pid}"), Some(&token))
            .await;
        let (_, l) = app
            .get_json(&format!("/api/v1/lots/{lid}"), Some(&token))
            .await;
        let (_, log) = app
            .get_json(&format!("/api/v1/sellers/{}/audit", owner.id), Some(&token))
            .await;
        (p, l, log, stored(&app, "media"), stored(&app, "files"))
    };
    let before = snapshot().await;
    let photo = before.0["photos"][0]["id"].as_i64().expect("photo id");
    let event = before.1["events"][0]["id"]
        .as_i64()
        .expect("event id")
        .to_string();

    let intruder = app.page_login(&other.email, &other.password).await;
    for path in [
        format!("/products/{pid}"),
        format!("/products/{pid}/edit"),
        format!("/lots/{lid}"),
        format!("/lots/{lid}/edit"),
        format!("/products/new?seller={}", owner.id),
    ] {
        let res = app.page("GET", &path, Some(&intruder), None, "vi").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(!res.body.contains("Mật ong rừng Nam Xuân"));
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/products/new?seller={}", owner.id), HONEY.to_vec()),
        (format!("/products/{pid}/edit"), HONEY.to_vec()),
        (
            format!("/products/{pid}/photos/{photo}/move"),
            vec![("step", "1")],
        ),
        (format!("/products/{pid}/photos/{photo}/delete"), vec![]),
        (format!("/products/{pid}/lots"), vec![("code", "X-1")]),
        // Invalid input too: 404, not a form that reveals anything.
        (format!("/products/{pid}/lots"), vec![("code", "")]),
        (
            format!("/lots/{lid}/status"),
            vec![("status", "recalled"), ("reason", "x")],
        ),
        (format!("/lots/{lid}/status"), vec![("status", "held")]),
        (format!("/lots/{lid}/edit"), vec![("code", "X-2")]),
    ];
    for (path, form) in &posts {
        let res = app
            .page("POST", path, Some(&intruder), Some(form.as_slice()), "vi")
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let photo_bytes = png(22);
    let mut cert = certificate_fields("4", "province");
    cert.push(file("document", "qd.pdf", PDF));
    let multiparts: Vec<(String, Vec<Field<'_>>)> = vec![
        (
            format!("/products/{pid}/photos"),
            vec![file("photo", "b.png", &photo_bytes)],
        ),
        (
            format!("/products/{pid}/photos"),
            vec![file("photo", "photo.jpg", b"not an image")],
        ),
        (format!("/products/{pid}/certificates"), cert),
        (
            format!("/lots/{lid}/events"),
            vec![
                text("kind", "other"),
                text("happened_at", "2025-10-05T08:00"),
                text("corrects_event_id", &event),
            ],
        ),
    ];
    for (path, fields) in &multiparts {
        let res = post_multipart(&app, path, &intruder, fields).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    assert!(snapshot().await == before, "something changed");
}
