//! The public catalogue pages: `/`, `/p/{slug}` and `/sellers/{id}`, as a
//! browser without JavaScript sees them.

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A page as a browser gets it, headers included.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `content` of `<meta property="{property}" content="...">`.
    fn meta(&self, property: &str) -> Option<String> {
        let start = format!("<meta property=\"{property}\" content=\"");
        let i = self.body.find(&start)? + start.len();
        let end = self.body[i..].find('"')?;
        Some(self.body[i..i + end].to_owned())
    }

    /// The body with `&` entities decoded, to compare links.
    fn links(&self) -> String {
        self.body.replace("&#38;", "&").replace("&amp;", "&")
    }

    /// How many product cards the page lists.
    fn cards(&self) -> usize {
        self.body.matches("<li><a href=\"/p/").count()
    }
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>, lang: &str) -> Page {
    let mut req = app
        .client()
        .get(app.url(path))
        .insert_header(("Accept-Language", lang.to_owned()));
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", c.to_owned()));
    }
    let mut res = req.send().await.expect("request");
    let body = res.body().limit(10 << 20).await.expect("body");
    Page {
        status: res.status(),
        headers: res.headers().clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn css_len(app: &TestApp) -> usize {
    let mut res = app
        .client()
        .get(app.url("/static/app.css"))
        .send()
        .await
        .expect("css");
    res.body().await.expect("css body").len()
}

/// Creates a product through the API and returns its JSON.
async fn product(app: &TestApp, token: &str, seller_id: i64, fields: Value) -> Value {
    let mut body = json!({
        "name_vi": "Sản phẩm",
        "ocop_group": "food",
        "description": "Sản phẩm của bà con bản Khạn.",
        "unit": "g",
        "net_quantity": "500",
        "price_vnd": "100000",
        "stock": "10",
        "status": "listed",
    });
    for (k, v) in fields.as_object().expect("object") {
        body[k] = v.clone();
    }
    let (status, p) = app
        .post_json(
            &format!("/api/v1/sellers/{seller_id}/products"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

async fn certificate(app: &TestApp, token: &str, product_id: i64, stars: u8, issued_on: &str) {
    let (status, c) = app
        .post_json(
            &format!("/api/v1/products/{product_id}/certificates"),
            Some(token),
            json!({
                "stars": stars.to_string(),
                "decision_no": "1234/QĐ-UBND",
                "issued_by": if stars == 5 { "central" } else { "province" },
                "issued_on": issued_on,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
}

/// Uploads a generated PNG as `multipart/form-data`, built by hand.
async fn photo(app: &TestApp, token: &str, product_id: i64, seed: u64) -> Value {
    let png = ocop::services::media::demo_image_png(seed, 400, 300);
    let boundary = "----ocop-test-boundary-5f2c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"anh.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut res = app
        .client()
        .post(app.url(&format!("/api/v1/products/{product_id}/photos")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .send_body(body)
        .await
        .expect("upload");
    let bytes = res.body().await.expect("body");
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).expect("photo json")
}

/// A date a year ago, so that a certificate issued then is in force.
fn a_year_ago() -> String {
    (ocop::services::catalog::today_vn() - chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

fn slug(v: &Value) -> String {
    v["slug"].as_str().expect("slug").to_owned()
}

/// The demo sellers, a staff token, and the honey of the cooperative with
/// a photo and a 4-star certificate in force.
struct Shop {
    token: String,
    htx: i64,
    household: i64,
    household2: i64,
    honey: Value,
}

async fn shop(app: &TestApp) -> Shop {
    let demo = app.demo().await;
    let token = app.login(&demo.staff.email, &demo.staff.password).await;
    let (htx, household, household2) = (demo.sellers[0].id, demo.sellers[1].id, demo.sellers[2].id);
    let honey = product(
        app,
        &token,
        htx,
        json!({
            "name_vi": "Mật ong rừng Nam Xuân",
            "name_en": "Nam Xuan wild honey",
            "ocop_subgroup": "honey",
            "description": "Mật ong hoa rừng thu hoạch ở bản Khạn, xã Nam Xuân. Không pha đường, không qua gia nhiệt.",
            "story": "Ông Hà Văn Thắng giữ 120 đàn ong dưới tán rừng.",
            "unit": "ml",
            "net_quantity": "500",
            "pack_type": "Hũ thủy tinh",
            "price_vnd": "250.000",
            "stock": "40",
            "gtin": "8934567000017",
            "shelf_life_days": "730",
        }),
    )
    .await;
    certificate(app, &token, id(&honey), 4, &a_year_ago()).await;
    photo(app, &token, id(&honey), 7).await;
    Shop {
        token,
        htx,
        household,
        household2,
        honey,
    }
}

#[actix_web::test]
async fn catalogue_lists_listed_products_of_active_sellers_only() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    product(
        &app,
        &s.token,
        s.htx,
        json!({ "name_vi": "Măng khô bản Khạn", "status": "draft" }),
    )
    .await;
    product(
        &app,
        &s.token,
        s.household2,
        json!({ "name_vi": "Chè Shan tuyết Thiên Phủ", "ocop_group": "drinks" }),
    )
    .await;
    let suspended = s.household2;
    app.db(move |conn| {
        use ocop::db::schema::sellers;
        diesel::update(sellers::table.find(suspended))
            .set(sellers::status.eq("suspended"))
            .execute(conn)
            .expect("suspend")
    })
    .await;

    let page = get(&app, "/", None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<html lang=\"vi\">"));
    assert!(page.body.contains("Mật ong rừng Nam Xuân"), "{}", page.body);
    assert!(!page.body.contains("Măng khô"), "a draft is listed");
    assert!(
        !page.body.contains("Chè Shan tuyết"),
        "a suspended seller's product is listed"
    );
    assert_eq!(page.cards(), 1);
    // The card: lazy 320 px photo with its size and name, stars, VND price,
    // seller and commune.
    assert!(page.body.contains(
        "-320.jpg\" width=\"320\" height=\"240\" loading=\"lazy\" alt=\"Mật ong rừng Nam Xuân\""
    ));
    assert!(page.body.contains("★★★★</span> OCOP 4 sao"));
    assert!(page.body.contains("250.000 ₫"));
    assert!(page.body.contains(&format!(
        "<a href=\"/sellers/{}\">HTX Nam Xuân</a> · Xã Nam Xuân",
        s.htx
    )));
    assert!(
        !page.body.contains("<script"),
        "no JavaScript on the catalogue"
    );

    // Accents are optional in the search.
    let page = get(&app, "/?q=mat+ong", None, "vi").await;
    assert_eq!(page.cards(), 1, "{}", page.body);
    assert!(page.body.contains("value=\"mat ong\""));
    let page = get(&app, "/?q=khong+co+gi", None, "vi").await;
    assert_eq!(page.cards(), 0);
    assert!(page.body.contains("Không có sản phẩm nào phù hợp"));
    let page = get(&app, "/?q=nothing", None, "en").await;
    assert!(page.body.contains("No products match"));
    // Stray values are ignored, not refused.
    let page = get(&app, "/?page=abc&stars=9&group=x&commune=", None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.cards(), 1);
}

#[actix_web::test]
async fn filters_narrow_the_list_and_paging_keeps_them() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let tea = product(
        &app,
        &s.token,
        s.household2,
        json!({ "name_vi": "Chè Shan tuyết Thiên Phủ", "ocop_group": "drinks", "unit": "g" }),
    )
    .await;
    certificate(&app, &s.token, id(&tea), 3, &a_year_ago()).await;

    let page = get(&app, "/?group=drinks", None, "vi").await;
    assert_eq!(page.cards(), 1);
    assert!(page.body.contains("Chè Shan tuyết") && !page.body.contains("Mật ong"));
    assert!(
        page.body
            .contains("<option value=\"drinks\" selected>Đồ uống</option>")
    );
    assert!(page.body.contains("Bỏ lọc"));

    let page = get(&app, "/?stars=4", None, "vi").await;
    assert_eq!(page.cards(), 1);
    assert!(page.body.contains("Mật ong"));
    let page = get(&app, "/?stars=3", None, "vi").await;
    assert_eq!(page.cards(), 2);
    let page = get(&app, "/?stars=5", None, "vi").await;
    assert_eq!(page.cards(), 0);

    // Xã Nam Xuân (14902) is the cooperative's commune, not the tea's.
    let page = get(&app, "/?commune=14902", None, "vi").await;
    assert_eq!(page.cards(), 1);
    assert!(
        page.body
            .contains("<option value=\"14902\" selected>Xã Nam Xuân</option>")
    );
    // A commune typed by name is found too.
    let page = get(&app, "/?commune=nam+xuan", None, "vi").await;
    assert_eq!(page.cards(), 1);

    // 21 more food products: two pages of 20, links keep the filter.
    for n in 0..21 {
        product(
            &app,
            &s.token,
            s.household,
            json!({ "name_vi": format!("Cơm lam Phú Lệ số {n}") }),
        )
        .await;
    }
    let page = get(&app, "/?group=food", None, "vi").await;
    assert_eq!(page.cards(), 20);
    assert!(page.body.contains("22 sản phẩm"));
    assert!(
        page.links()
            .contains("href=\"/?group=food&page=2\" rel=\"next\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Trang 1/2"));
    let page = get(&app, "/?group=food&page=2", None, "vi").await;
    assert_eq!(page.cards(), 2);
    assert!(page.links().contains("href=\"/?group=food\" rel=\"prev\""));
    assert!(!page.body.contains("rel=\"next\""));
}

/// The JSON inside `<script type="application/ld+json">`.
fn json_ld(body: &str) -> Value {
    let open = "<script type=\"application/ld+json\">";
    let start = body.find(open).expect("JSON-LD") + open.len();
    let end = body[start..].find("</script>").expect("end of JSON-LD");
    serde_json::from_str(&body[start..start + end]).expect("valid JSON-LD")
}

#[actix_web::test]
async fn product_page_has_open_graph_tags_and_json_ld() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let photo2 = photo(&app, &s.token, id(&s.honey), 8).await;
    let path = format!("/p/{}", slug(&s.honey));
    let page = get(&app, &path, None, "vi").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let url = format!("http://ocop.test{path}");

    assert_eq!(page.meta("og:type").as_deref(), Some("product"));
    assert_eq!(
        page.meta("og:title").as_deref(),
        Some("Mật ong rừng Nam Xuân")
    );
    assert_eq!(page.meta("og:url").as_deref(), Some(url.as_str()));
    assert_eq!(page.meta("og:locale").as_deref(), Some("vi_VN"));
    let image = page.meta("og:image").expect("og:image");
    assert!(
        image.starts_with("http://ocop.test/media/") && image.ends_with("-1024.jpg"),
        "{image}"
    );
    assert!(
        page.meta("og:description")
            .expect("og:description")
            .starts_with("Mật ong hoa rừng")
    );

    let ld = json_ld(&page.body);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], "Mật ong rừng Nam Xuân");
    assert_eq!(ld["url"], url.as_str());
    assert_eq!(ld["image"][0], image.as_str());
    assert_eq!(ld["brand"]["name"], "HTX Nam Xuân");
    assert_eq!(ld["gtin13"], "8934567000017");
    assert_eq!(ld["offers"]["price"], 250_000);
    assert_eq!(ld["offers"]["priceCurrency"], "VND");
    assert_eq!(ld["offers"]["availability"], "https://schema.org/InStock");

    // Photos: the main one large with its smaller rendition, others small.
    assert!(page.body.contains("srcset=\"/media/"));
    assert!(page.body.contains(" 320w, /media/"));
    let small2 = photo2["small_url"].as_str().expect("small url");
    assert!(page.body.contains(&format!("<img src=\"{small2}\"")));
    // Stars with the certificate, price and facts.
    assert!(page.body.contains("★★★★"));
    assert!(page.body.contains("OCOP 4 sao"));
    assert!(page.body.contains("1234/QĐ-UBND") && page.body.contains("UBND tỉnh"));
    assert!(page.body.contains("250.000 ₫") && page.body.contains("500 ml"));
    assert!(page.body.contains("Hũ thủy tinh") && page.body.contains("730 ngày"));
    assert!(page.body.contains("Ông Hà Văn Thắng giữ 120 đàn ong"));
    assert!(
        page.body
            .contains(&format!("<a href=\"/sellers/{}\">HTX Nam Xuân</a>", s.htx))
    );
    assert!(
        page.body
            .contains("Bản Khạn, Xã Nam Xuân, Thanh Hóa, Việt Nam")
    );

    // A description cannot end the JSON-LD element.
    let (status, _) = app
        .put_json(
            &format!("/api/v1/products/{}", id(&s.honey)),
            Some(&s.token),
            json!({
                "name_vi": "Mật ong rừng Nam Xuân",
                "ocop_group": "food",
                "description": "Ngọt </script><script>alert(1)</script> <!-- thật",
                "unit": "ml",
                "net_quantity": "500",
                "price_vnd": "250000",
                "stock": "0",
                "status": "listed",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = get(&app, &path, None, "vi").await;
    assert_eq!(page.body.matches("<script").count(), 1, "{}", page.body);
    let ld = json_ld(&page.body);
    assert!(
        ld["description"]
            .as_str()
            .expect("description")
            .contains("</script>")
    );
    assert_eq!(
        ld["offers"]["availability"],
        "https://schema.org/OutOfStock"
    );
    assert!(page.body.contains("Hết hàng"));
}

#[actix_web::test]
async fn stars_show_only_while_the_certificate_is_in_force() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let tea = product(
        &app,
        &s.token,
        s.household2,
        json!({ "name_vi": "Chè Shan tuyết Thiên Phủ", "name_en": "Thien Phu Shan tuyet tea", "ocop_group": "drinks" }),
    )
    .await;
    // Issued 2020-01-01: valid until 2023-01-01, long lapsed.
    certificate(&app, &s.token, id(&tea), 4, "2020-01-01").await;
    let path = format!("/p/{}", slug(&tea));

    let page = get(&app, &path, None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains('★'), "stars of an expired certificate");
    assert!(!page.body.contains("OCOP 4 sao"));
    assert!(
        page.body.contains("đã hết hạn ngày 01/01/2023"),
        "{}",
        page.body
    );
    assert!(json_ld(&page.body).get("award").is_none());
    let list = get(&app, "/?q=che", None, "vi").await;
    assert_eq!(list.cards(), 1);
    assert!(!list.body.contains('★'));

    // English by the browser's language: names, stars and dates.
    let page = get(&app, &path, None, "en-US,en;q=0.9").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("<h1>Thien Phu Shan tuyet tea</h1>"));
    assert!(page.body.contains("expired on 01/01/2023"));
    assert_eq!(page.meta("og:locale").as_deref(), Some("en_US"));
    let page = get(&app, &format!("/p/{}", slug(&s.honey)), None, "en").await;
    assert!(page.body.contains("4-star OCOP") && page.body.contains("Valid until"));
    assert!(page.body.contains("250,000 ₫") && page.body.contains("In stock"));
    let list = get(&app, "/", None, "en").await;
    assert!(list.body.contains("Nam Xuan wild honey") && list.body.contains("4-star OCOP"));
}

#[actix_web::test]
async fn hidden_products_and_sellers_are_not_found() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let draft = product(
        &app,
        &s.token,
        s.htx,
        json!({ "name_vi": "Măng khô", "status": "draft" }),
    )
    .await;
    let unlisted = product(
        &app,
        &s.token,
        s.htx,
        json!({ "name_vi": "Măng chua", "status": "unlisted" }),
    )
    .await;
    let tea = product(
        &app,
        &s.token,
        s.household2,
        json!({ "name_vi": "Chè Thiên Phủ" }),
    )
    .await;
    let suspended = s.household2;
    app.db(move |conn| {
        use ocop::db::schema::sellers;
        diesel::update(sellers::table.find(suspended))
            .set(sellers::status.eq("suspended"))
            .execute(conn)
            .expect("suspend")
    })
    .await;
    for path in [
        format!("/p/{}", slug(&draft)),
        format!("/p/{}", slug(&unlisted)),
        format!("/p/{}", slug(&tea)),
        "/p/khong-co".to_owned(),
        format!("/sellers/{suspended}"),
        "/sellers/999999".to_owned(),
        "/sellers/abc".to_owned(),
    ] {
        let page = get(&app, &path, None, "vi").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("Không tìm thấy"),
            "{path}: {}",
            page.body
        );
    }
}

#[actix_web::test]
async fn seller_page_lists_products_and_no_personal_data() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    product(
        &app,
        &s.token,
        s.household,
        json!({ "name_vi": "Cơm lam Phú Lệ" }),
    )
    .await;
    product(
        &app,
        &s.token,
        s.household,
        json!({ "name_vi": "Cơm lam nháp", "status": "draft" }),
    )
    .await;
    let (status, household) = app
        .get_json(&format!("/api/v1/sellers/{}", s.household), Some(&s.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        household["seller"]["tax_code"].is_string() && household["seller"]["phone"].is_string()
    );

    let page = get(&app, &format!("/sellers/{}", s.household), None, "vi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<h1>Cơm lam Phú Lệ <span class=\"tag\">Hộ kinh doanh</span></h1>")
    );
    assert!(
        page.body.contains("Phạm Thị Lan"),
        "the representative is named"
    );
    assert!(page.body.contains("Bản Phú Lệ"));
    assert!(page.body.contains("huyện Quan Hóa"));
    assert_eq!(page.cards(), 1);
    assert!(!page.body.contains("nháp"));
    for field in ["tax_code", "phone", "zalo_phone", "email", "bank_account"] {
        if let Some(v) = household["seller"][field].as_str() {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            assert!(!page.body.contains(v), "{field} {v} shown");
            if digits.len() >= 6 {
                let squashed: String = page.body.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(!squashed.contains(&digits), "{field} {v} shown");
            }
        }
    }
    assert!(
        !page.body.contains("038185001234"),
        "household head's personal ID shown"
    );
    assert!(!page.body.contains("tel:"));
    assert!(!page.body.contains('@'));

    // A cooperative's phone is its business line and may be shown.
    let (_, htx) = app
        .get_json(&format!("/api/v1/sellers/{}", s.htx), Some(&s.token))
        .await;
    let page = get(&app, &format!("/sellers/{}", s.htx), None, "vi").await;
    assert!(
        page.body
            .contains(htx["seller"]["phone"].as_str().expect("phone"))
    );
    assert!(
        !page
            .body
            .contains(htx["seller"]["tax_code"].as_str().expect("tax code"))
    );
    assert!(page.body.contains("Mật ong rừng Nam Xuân"));
}

#[actix_web::test]
async fn pages_stay_under_30_kb_before_images() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    // A full first page: 20 cards with long names, photos and stars.
    for n in 0..20 {
        let p = product(
            &app,
            &s.token,
            s.htx,
            json!({
                "name_vi": format!("Mật ong rừng hoa bạc hà Nam Xuân loại đặc biệt hũ thủy tinh số {n}"),
                "name_en": format!("Nam Xuan wild mint-flower honey, special grade, glass jar no. {n}"),
            }),
        )
        .await;
        certificate(&app, &s.token, id(&p), 4, &a_year_ago()).await;
        photo(&app, &s.token, id(&p), 100 + n).await;
    }
    let css = css_len(&app).await;
    for lang in ["vi", "en"] {
        let page = get(&app, "/", None, lang).await;
        assert_eq!(page.cards(), 20);
        let size = page.body.len() + css;
        println!(
            "/ ({lang}): {} B HTML + {css} B CSS = {size} B",
            page.body.len()
        );
        assert!(size < 30_000, "/ weighs {size} bytes");
    }
    // A product page with a realistic text and four photos.
    let honey = id(&s.honey);
    for n in 0..3 {
        photo(&app, &s.token, honey, 200 + n).await;
    }
    let long = "Mật ong hoa rừng thu hoạch ở bản Khạn, xã Nam Xuân, từ những đàn ong nội sống dưới tán rừng già. ".repeat(8);
    let (status, _) = app
        .put_json(
            &format!("/api/v1/products/{honey}"),
            Some(&s.token),
            json!({
                "name_vi": "Mật ong rừng Nam Xuân",
                "ocop_group": "food",
                "description": long,
                "story": long,
                "ingredients": "Mật ong hoa rừng 100%.",
                "storage": "Nơi khô ráo, tránh ánh nắng trực tiếp.",
                "unit": "ml",
                "net_quantity": "500",
                "price_vnd": "250000",
                "stock": "10",
                "status": "listed",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = get(&app, &format!("/p/{}", slug(&s.honey)), None, "vi").await;
    let size = page.body.len() + css;
    println!(
        "/p/{{slug}}: {} B HTML + {css} B CSS = {size} B",
        page.body.len()
    );
    assert!(size < 30_000, "product page weighs {size} bytes");
    let page = get(&app, &format!("/sellers/{}", s.htx), None, "vi").await;
    let size = page.body.len() + css;
    println!(
        "/sellers/{{id}}: {} B HTML + {css} B CSS = {size} B",
        page.body.len()
    );
    assert!(size < 30_000, "seller page weighs {size} bytes");
}

#[actix_web::test]
async fn anonymous_pages_may_be_cached_logged_in_ones_not() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let demo = app.demo().await;
    let paths = [
        "/".to_owned(),
        format!("/p/{}", slug(&s.honey)),
        format!("/sellers/{}", s.htx),
    ];
    for path in &paths {
        let page = get(&app, path, None, "vi").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("cache-control"), "public, max-age=60", "{path}");
        assert!(page.header("vary").contains("Cookie"), "{path}");
        assert!(!page.body.contains(&demo.staff.email));
    }
    // The language cookie alone keeps a page public.
    let page = get(&app, "/", Some("lang=en"), "vi").await;
    assert_eq!(page.header("cache-control"), "public, max-age=60");
    assert!(page.body.contains("OCOP products"));

    let cookie = app
        .page_login(&demo.staff.email, &demo.staff.password)
        .await;
    for path in &paths {
        let page = get(&app, path, Some(&cookie), "vi").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        assert!(
            page.body.contains("Lường Thị Hoa"),
            "{path}: the header names who is logged in"
        );
    }
}
