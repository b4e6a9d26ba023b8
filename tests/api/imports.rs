//! Bulk import as post-office staff use it: templates, a thousand products
//! with one bad row (nothing written), re-imports that update instead of
//! duplicating, files that are not what they say, tenancy, the page and the
//! command line.

use std::process::{Output, Stdio};
use std::time::Instant;

use awc::http::StatusCode;
use diesel::prelude::*;
use serde_json::Value;

use ocop::db::schema::{products, sellers};
use ocop::sheets::{Cell, SheetWriter, XlsxSheet, read_table};

use crate::helpers::{CliEnv, Part, TestApp, multipart_body, seller_json};

/// The demo's HTX Nam Xuân, onboarded by the demo staff.
const DEMO_TAX_CODE: &str = "2801234564";

const PRODUCT_HEADER: &str = "Mã số thuế người bán,SKU,Tên sản phẩm,Nhóm OCOP,Mô tả,Đơn vị,Khối lượng/thể tích tịnh,Giá bán (VND),Trạng thái\n";

/// A products CSV of `n` rows for the seller `tax_code`; the row numbered
/// `bad_row` (as Excel numbers it: the header is row 1) has the price "abc".
fn products_csv(tax_code: &str, n: usize, bad_row: Option<usize>) -> Vec<u8> {
    let mut out = String::from(PRODUCT_HEADER);
    for i in 0..n {
        let price = if bad_row == Some(i + 2) {
            "abc".to_owned()
        } else {
            format!("\"{}.000\"", 50 + i % 400)
        };
        out.push_str(&format!(
            "{tax_code},MO-{i:05},Mật ong rừng Nam Xuân số {i},Thực phẩm,Mật ong hoa rừng bản Khạn.,ml,500,{price},Đang bán\n"
        ));
    }
    out.into_bytes()
}

async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    file_name: &str,
    data: &[u8],
    dry_run: bool,
) -> (StatusCode, Value) {
    app.post_multipart(
        &format!("/api/v1/imports/{kind}?dry_run={dry_run}"),
        token,
        &[Part {
            name: "file",
            file_name: Some(file_name),
            data,
        }],
    )
    .await
}

async fn product_count(app: &TestApp) -> i64 {
    app.db(|conn| {
        products::table
            .count()
            .get_result::<i64>(conn)
            .expect("count products")
    })
    .await
}

async fn seller_count(app: &TestApp) -> i64 {
    app.db(|conn| {
        sellers::table
            .count()
            .get_result::<i64>(conn)
            .expect("count sellers")
    })
    .await
}

/// The refused rows of a 422 body as (row, field, column).
fn refused_rows(body: &Value) -> Vec<(u64, String, String)> {
    body["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["row"].as_u64().unwrap_or(0),
                        r["field"].as_str().unwrap_or("").to_owned(),
                        r["column"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn staff_token(app: &TestApp) -> String {
    let d = app.demo().await;
    app.login(&d.staff.email, &d.staff.password).await
}

#[actix_web::test]
async fn a_thousand_products_with_one_bad_row_write_nothing_then_import_once() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let before = product_count(&app).await;

    let bad = products_csv(DEMO_TAX_CODE, 1_000, Some(517));
    let (status, body) = import(&app, &token, "products", "san-pham.csv", &bad, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "import_rejected");
    assert_eq!(
        refused_rows(&body),
        vec![(517, "price_vnd".to_owned(), "Giá bán (VND)".to_owned())]
    );
    assert!(body["rows"][0]["message"].is_string());
    assert!(body["rows"][0]["message_vi"].is_string());
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap_or("")
            .contains("chưa ghi gì"),
        "{body}"
    );
    assert_eq!(
        product_count(&app).await,
        before,
        "a refused file wrote rows"
    );

    let good = products_csv(DEMO_TAX_CODE, 1_000, None);
    let started = Instant::now();
    let (status, body) = import(&app, &token, "products", "san-pham.csv", &good, false).await;
    let first = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["rows"], &body["created"], &body["updated"]),
        (&1000.into(), &1000.into(), &0.into())
    );
    assert_eq!(product_count(&app).await, before + 1_000);

    let started = Instant::now();
    let (status, body) = import(&app, &token, "products", "san-pham.csv", &good, false).await;
    let again = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["created"], &body["updated"]),
        (&0.into(), &1000.into())
    );
    assert_eq!(
        product_count(&app).await,
        before + 1_000,
        "re-import duplicated"
    );
    eprintln!("1,000 products: first import {first:?}, re-import {again:?}");

    // Listed, priced as written, with readable slugs.
    let (price, status, slug): (i64, String, String) = app
        .db(|conn| {
            products::table
                .filter(products::sku.eq("MO-00003"))
                .select((products::price_vnd, products::status, products::slug))
                .first(conn)
                .expect("imported product")
        })
        .await;
    assert_eq!((price, status.as_str()), (53_000, "listed"));
    assert_eq!(slug, "mat-ong-rung-nam-xuan-so-3");
}

#[actix_web::test]
async fn ten_thousand_products_import_in_seconds() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let rows = products_csv(DEMO_TAX_CODE, 10_000, None);
    let started = Instant::now();
    let (status, body) = import(&app, &token, "products", "lon.csv", &rows, false).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 10_000);
    eprintln!("10,000 products imported in {took:?}");
    assert!(took.as_secs() < 60, "10,000 rows took {took:?}");
}

/// Writes `rows` as an XLSX file (first row: headers) and returns its bytes.
fn xlsx(rows: &[Vec<Cell>], text_columns: &[usize]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nhap.xlsx");
    let mut sheet: Box<dyn SheetWriter> =
        Box::new(XlsxSheet::create(&path, "Người bán", text_columns, &[]).expect("xlsx"));
    for row in rows {
        sheet.write_row(row).expect("row");
    }
    sheet.finish().expect("finish");
    std::fs::read(&path).expect("read xlsx")
}

fn cells(values: &[&str]) -> Vec<Cell> {
    values.iter().map(|v| Cell::from(*v)).collect()
}

#[actix_web::test]
async fn sellers_from_xlsx_then_their_products_and_again_without_duplicates() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let sellers_before = seller_count(&app).await;
    let header = cells(&[
        "Loại hình",
        "TÊN ĐẦY ĐỦ",
        "Ten viet tat",
        "Mã số thuế",
        "Số đăng ký kinh doanh",
        "Người đại diện",
        "Số điện thoại",
        "Mã xã (2025)",
        "Thôn/bản",
        "Đồng ý công khai (có/không)",
    ]);
    let mut rows = vec![header];
    rows.push(cells(&[
        "Hợp tác xã",
        "Hợp tác xã Nông nghiệp Nam Xuân",
        "HTX NN Nam Xuân",
        "0102595740",
        "",
        "Hà Văn Thắng",
        "0912 345 678",
        "14902",
        "Bản Khạn",
        "có",
    ]));
    rows.push(cells(&[
        "Hộ kinh doanh",
        "Hộ kinh doanh Hà Thị Mai",
        "Chè Pù Luông",
        "038185009876",
        "",
        "Hà Thị Mai",
        "0987 111 222",
        "14902",
        "Bản Đôn",
        "Có",
    ]));
    rows.push(cells(&[
        "doanh nghiệp",
        "Công ty TNHH Thổ cẩm Quan Hóa",
        "Thổ cẩm QH",
        "",
        "2802000123",
        "Lò Thị Bích",
        "0237 3851 234",
        "14869",
        "",
        "x",
    ]));
    let file = xlsx(&rows, &[3, 4, 6]);
    let (status, body) = import(&app, &token, "sellers", "nguoi-ban.xlsx", &file, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((&body["created"], &body["updated"]), (&3.into(), &0.into()));
    assert_eq!(seller_count(&app).await, sellers_before + 3);

    // The new sellers are the importing staff's to manage.
    let (_, list) = app
        .get_json("/api/v1/sellers?q=nam%20xuan", Some(&token))
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|s| s["legal_name"].as_str())
        .collect();
    assert!(
        names.contains(&"Hợp tác xã Nông nghiệp Nam Xuân"),
        "{names:?}"
    );

    // Products of two of them, one found by its registration number.
    let products = vec![
        cells(&[
            "Mã số thuế người bán",
            "SKU",
            "Tên sản phẩm",
            "Nhóm OCOP",
            "Mô tả",
            "Đơn vị",
            "Khối lượng/thể tích tịnh",
            "Giá bán (VND)",
        ]),
        cells(&[
            "0102595740",
            "MO-500",
            "Mật ong rừng Nam Xuân",
            "food",
            "Mật ong hoa rừng.",
            "ml",
            "500",
            "250000",
        ]),
        cells(&[
            "038185009876",
            "CHE-200",
            "Chè Shan tuyết Pù Luông",
            "Thực phẩm",
            "Chè búp cổ thụ.",
            "g",
            "200",
            "180.000",
        ]),
        cells(&[
            "2802000123",
            "KHAN-01",
            "Khăn thổ cẩm",
            "thủ công mỹ nghệ",
            "Dệt tay.",
            "cái",
            "1",
            "350000",
        ]),
    ];
    let file = xlsx(&products, &[0, 1]);
    let (status, body) = import(&app, &token, "products", "san-pham.xlsx", &file, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 3);

    // The same sellers again, one corrected: updated, not duplicated.
    rows[1][2] = Cell::from("HTX Nam Xuân");
    let file = xlsx(&rows, &[3, 4, 6]);
    let (status, body) = import(&app, &token, "sellers", "nguoi-ban.xlsx", &file, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((&body["created"], &body["updated"]), (&0.into(), &3.into()));
    assert_eq!(seller_count(&app).await, sellers_before + 3);
    let short: String = app
        .db(|conn| {
            sellers::table
                .filter(sellers::tax_code.eq("0102595740"))
                .select(sellers::short_name)
                .first(conn)
                .expect("seller")
        })
        .await;
    assert_eq!(short, "HTX Nam Xuân");
}

#[actix_web::test]
async fn every_problem_of_every_row_is_named_and_repeated_keys_name_both_rows() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let csv = format!(
        "{}{}{}{}",
        "Loại hình,Tên đầy đủ,Tên viết tắt,Mã số thuế,Người đại diện,Số điện thoại,Mã xã (2025),Đồng ý công khai (có/không),Ghi chú\n",
        "htx,HTX Một,HTX Một,0102595740,Hà Văn A,0912345678,14902,có,\n",
        "trang trại,,HTX Hai,0102595741,Hà Văn B,12345,99999,có lẽ,\n",
        "htx,HTX Ba,HTX Ba,0102595740,Hà Văn C,0912345679,14902,có,\n",
    );
    let (status, body) = import(
        &app,
        &token,
        "sellers",
        "nguoi-ban.csv",
        csv.as_bytes(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let rows = refused_rows(&body);
    let has = |row: u64, field: &str| rows.iter().any(|(r, f, _)| *r == row && f == field);
    // The unknown column, on the header row.
    assert!(
        rows.iter()
            .any(|(r, f, c)| *r == 1 && f.is_empty() && c == "Ghi chú"),
        "{rows:?}"
    );
    for field in [
        "kind",
        "legal_name",
        "tax_code",
        "phone",
        "commune_code",
        "consent",
    ] {
        assert!(has(3, field), "row 3 {field}: {rows:?}");
    }
    assert!(has(4, "tax_code"), "{rows:?}");
    let dup = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["row"] == 4)
        .expect("row 4");
    assert!(
        dup["message"].as_str().unwrap_or("").contains("row 2"),
        "{dup}"
    );
    assert!(
        dup["message_vi"].as_str().unwrap_or("").contains("dòng 2"),
        "{dup}"
    );
    assert!(!has(2, "tax_code"), "{rows:?}");

    // A missing required column is one problem, not one per row.
    let csv = "Tên đầy đủ\nHTX Một\nHTX Hai\n";
    let (status, body) = import(&app, &token, "sellers", "a.csv", csv.as_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = refused_rows(&body);
    assert!(rows.iter().all(|(r, _, _)| *r == 1), "{rows:?}");
    assert!(
        rows.iter().any(|(_, f, c)| f == "kind" && c == "Loại hình"),
        "{rows:?}"
    );
}

#[actix_web::test]
async fn files_that_are_not_what_they_say_or_too_big_are_refused() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let csv = products_csv(DEMO_TAX_CODE, 3, None);

    let (status, body) = import(&app, &token, "products", "san-pham.xlsx", &csv, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("not an Excel workbook"),
        "{body}"
    );
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap_or("")
            .contains("không phải tệp Excel"),
        "{body}"
    );

    let (status, body) = import(&app, &token, "products", "san-pham.txt", &csv, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"].as_str().unwrap_or("").contains(".xlsx"),
        "{body}"
    );

    let mut huge = PRODUCT_HEADER.as_bytes().to_vec();
    huge.resize(20 * 1024 * 1024 + 1, b'a');
    let (status, body) = import(&app, &token, "products", "big.csv", &huge, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("20 MB"),
        "{body}"
    );
    assert!(
        body["message_vi"].as_str().unwrap_or("").contains("20 MB"),
        "{body}"
    );

    let mut many = String::from(PRODUCT_HEADER);
    for i in 0..50_001 {
        many.push_str(&format!("{DEMO_TAX_CODE},S{i}\n"));
    }
    let (status, body) = import(&app, &token, "products", "many.csv", many.as_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("50,000 rows"),
        "{body}"
    );

    // A part the import form does not take is refused by name, unread.
    let (status, body) = app
        .post_multipart(
            "/api/v1/imports/products",
            &token,
            &[Part {
                name: "note",
                file_name: None,
                data: b"no file",
            }],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["detail"].as_str().unwrap_or("").contains("\"note\""),
        "{body}"
    );

    let (status, body) = app
        .post_multipart("/api/v1/imports/products", &token, &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("choose a file"),
        "{body}"
    );
    assert_eq!(product_count(&app).await, 0);
}

#[actix_web::test]
async fn only_staff_import_and_never_into_another_staffs_sellers() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let member = app.login(&d.sellers[0].email, &d.sellers[0].password).await;
    let csv = products_csv(DEMO_TAX_CODE, 2, None);
    let (status, body) = import(&app, &member, "products", "sp.csv", &csv, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app
        .client()
        .get(app.url("/api/v1/imports/templates/products.csv"))
        .insert_header(("Authorization", format!("Bearer {member}")))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .expect("request");
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another staff member onboards a seller of their own.
    app.add_staff("nhanvien2@buudien-muongle.vn", "mat-khau-rat-dai-2025")
        .await;
    let other = app
        .login("nhanvien2@buudien-muongle.vn", "mat-khau-rat-dai-2025")
        .await;
    let (status, body) = app
        .post_json("/api/v1/sellers", Some(&other), seller_json("0100109106"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let staff = app.login(&d.staff.email, &d.staff.password).await;

    // Their products cannot be written by the demo staff, even mixed with
    // good rows; nothing is written.
    let mut csv = String::from_utf8(products_csv(DEMO_TAX_CODE, 3, None)).expect("utf8");
    csv.push_str("0100109106,KHAN-1,Khăn thổ cẩm,Thực phẩm,Dệt tay.,item,1,100000,Nháp\n");
    let (status, body) = import(&app, &staff, "products", "sp.csv", csv.as_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        refused_rows(&body),
        vec![(
            5,
            "seller_tax_code".to_owned(),
            "Mã số thuế người bán".to_owned()
        )]
    );
    assert_eq!(product_count(&app).await, 0);

    // Nor can their seller be overwritten by a sellers file.
    let sellers_csv = "Loại hình,Tên đầy đủ,Tên viết tắt,Mã số thuế,Người đại diện,Số điện thoại,Mã xã (2025),Đồng ý công khai (có/không)\n\
        htx,Đã bị sửa,Sửa,0100109106,Kẻ gian,0912345678,14902,có\n";
    let (status, body) = import(
        &app,
        &staff,
        "sellers",
        "nb.csv",
        sellers_csv.as_bytes(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(refused_rows(&body)[0].0, 2);
    assert!(
        body["rows"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("do not manage"),
        "{body}"
    );
    let legal: String = app
        .db(|conn| {
            sellers::table
                .filter(sellers::tax_code.eq("0100109106"))
                .select(sellers::legal_name)
                .first(conn)
                .expect("seller")
        })
        .await;
    assert_eq!(legal, "Hợp tác xã Dệt thổ cẩm Phú Nghiêm");
}

#[actix_web::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = staff_token(&app).await;
    let csv = products_csv(DEMO_TAX_CODE, 20, None);
    let (status, body) = import(&app, &token, "products", "sp.csv", &csv, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["dry_run"], &body["created"]),
        (&true.into(), &20.into())
    );
    assert_eq!(product_count(&app).await, 0);
    // ...including the keys against the database.
    let csv = products_csv("0100109106", 2, None);
    let (status, _) = import(&app, &token, "products", "sp.csv", &csv, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Posts a multipart form to a page with the session cookie, in Vietnamese.
async fn post_page(app: &TestApp, cookie: &str, parts: &[Part<'_>]) -> (StatusCode, String) {
    let (content_type, body) = multipart_body(parts);
    let mut res = app
        .client()
        .post(app.url("/staff/import"))
        .insert_header(("Cookie", cookie.to_owned()))
        .insert_header(("Accept-Language", "vi"))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("request");
    let bytes = res.body().limit(10 << 20).await.expect("body");
    (res.status(), String::from_utf8_lossy(&bytes).into_owned())
}

#[actix_web::test]
async fn the_import_page_in_vietnamese_names_each_bad_row() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let console = app.page("GET", "/staff", Some(&cookie), None, "vi").await;
    assert!(
        console.body.contains("href=\"/staff/import\""),
        "no link on the console"
    );
    let page = app
        .page("GET", "/staff/import", Some(&cookie), None, "vi")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Chỉ kiểm tra, chưa ghi"));
    assert!(page.body.contains("/staff/import/template/products.xlsx"));
    assert!(!page.body.contains("<script"));

    let csv = products_csv(DEMO_TAX_CODE, 5, Some(4));
    let (status, html) = post_page(
        &app,
        &cookie,
        &[
            Part {
                name: "kind",
                file_name: None,
                data: b"products",
            },
            Part {
                name: "file",
                file_name: Some("san-pham.csv"),
                data: &csv,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("<th scope=\"col\" class=\"num\">Dòng</th>"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"num\">4</td><td>Giá bán (VND)</td>"),
        "{html}"
    );
    assert!(html.contains("chưa ghi gì"), "{html}");
    assert_eq!(product_count(&app).await, 0);

    let csv = products_csv(DEMO_TAX_CODE, 5, None);
    let (status, html) = post_page(
        &app,
        &cookie,
        &[
            Part {
                name: "kind",
                file_name: None,
                data: b"products",
            },
            Part {
                name: "dry_run",
                file_name: None,
                data: b"1",
            },
            Part {
                name: "file",
                file_name: Some("san-pham.csv"),
                data: &csv,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Tệp hợp lệ: 5 dòng"), "{html}");
    assert_eq!(product_count(&app).await, 0);

    let (status, html) = post_page(
        &app,
        &cookie,
        &[
            Part {
                name: "kind",
                file_name: None,
                data: b"products",
            },
            Part {
                name: "file",
                file_name: Some("san-pham.csv"),
                data: &csv,
            },
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Đã nhập 5 dòng: 5 mới, 0 cập nhật."),
        "{html}"
    );
    assert_eq!(product_count(&app).await, 5);
}

/// GETs a download with a bearer token or a cookie: status, headers, bytes.
async fn download(
    app: &TestApp,
    path: &str,
    auth: (&str, String),
) -> (StatusCode, Option<String>, Vec<u8>) {
    let mut res = app
        .client()
        .get(app.url(path))
        .insert_header(auth)
        .send()
        .await
        .expect("request");
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.body().limit(10 << 20).await.expect("body");
    (res.status(), disposition, bytes.to_vec())
}

#[actix_web::test]
async fn templates_download_with_vietnamese_headers_and_import_as_they_are() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let token = app.login(&d.staff.email, &d.staff.password).await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    let bearer = || ("Authorization", format!("Bearer {token}"));
    for (kind, first, stem) in [
        ("sellers", "Loại hình", "mau-nhap-nguoi-ban"),
        ("products", "Mã số thuế người bán", "mau-nhap-san-pham"),
    ] {
        for ext in ["xlsx", "csv"] {
            let path = format!("/api/v1/imports/templates/{kind}.{ext}");
            let (status, disposition, bytes) = download(&app, &path, bearer()).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(
                disposition.as_deref(),
                Some(format!("attachment; filename=\"{stem}.{ext}\"").as_str())
            );
            let table = read_table(&format!("{stem}.{ext}"), &bytes).expect("template reads back");
            assert_eq!(table.headers[0], first);
            assert_eq!(table.rows.len(), 1, "one example row");
            let page = format!("/staff/import/template/{kind}.{ext}");
            let (status, _, same) = download(&app, &page, ("Cookie", cookie.clone())).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(same.len() > 100, "{page}: {} bytes", same.len());
        }
    }
    let (status, _, _) = download(&app, "/api/v1/imports/templates/lots.csv", bearer()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The example rows are valid: the sellers template, then the products
    // one (whose example names the example seller) import as downloaded.
    let (_, _, sellers_xlsx) =
        download(&app, "/api/v1/imports/templates/sellers.xlsx", bearer()).await;
    let (status, body) = import(&app, &token, "sellers", "mau.xlsx", &sellers_xlsx, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, products_csv) =
        download(&app, "/api/v1/imports/templates/products.csv", bearer()).await;
    let (status, body) = import(&app, &token, "products", "mau.csv", &products_csv, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 1);

    let (_, doc) = app.get_json("/api/v1/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/imports/{kind}"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/imports/templates/{kind}.{ext}"]["get"].is_object());
}

fn run(env: &CliEnv, args: &[&str]) -> Output {
    env.command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ocop")
}

#[test]
fn the_command_imports_a_good_file_and_names_the_bad_row_of_another() {
    let env = CliEnv::new();
    let out = run(&env, &["demo"]);
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("san-pham.csv");
    std::fs::write(&good, products_csv(DEMO_TAX_CODE, 3, None)).expect("write");
    let bad = dir.path().join("loi.csv");
    std::fs::write(&bad, products_csv(DEMO_TAX_CODE, 3, Some(3))).expect("write");
    let good = good.to_str().expect("path");
    let bad = bad.to_str().expect("path");

    let out = run(&env, &["import", "products", "--file", good, "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dry run: 3 rows valid"), "{stdout}");

    let out = run(&env, &["import", "products", "--file", good]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 rows: 3 created, 0 updated"), "{stdout}");
    let out = run(&env, &["import", "products", "--file", good]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 rows: 0 created, 3 updated"));

    let out = run(&env, &["import", "products", "--file", bad]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a bad file exited 0: {stderr}");
    assert!(
        stderr.contains("row 3, column \"Giá bán (VND)\""),
        "{stderr}"
    );

    let missing = dir.path().join("khong-co.csv");
    let out = run(
        &env,
        &[
            "import",
            "products",
            "--file",
            missing.to_str().expect("path"),
        ],
    );
    assert!(!out.status.success());
    let renamed = dir.path().join("that-ra-la-csv.xlsx");
    std::fs::write(&renamed, products_csv(DEMO_TAX_CODE, 1, None)).expect("write");
    let out = run(
        &env,
        &[
            "import",
            "products",
            "--file",
            renamed.to_str().expect("path"),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an Excel workbook"));
}
