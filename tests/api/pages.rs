//! The HTML pages, as a browser without JavaScript uses them: Vietnamese
//! first, English by switch, forms that post and redirect.

use awc::http::StatusCode;

use crate::helpers::TestApp;

#[actix_web::test]
async fn pages_are_vietnamese_by_default_and_english_by_switch() {
    let app = TestApp::spawn().await;
    let res = app.page("GET", "/login", None, None, "").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<html lang=\"vi\">"));
    assert!(res.body.contains("Đăng nhập") && res.body.contains("Mật khẩu"));
    assert!(res.body.contains("name=\"viewport\""));
    assert!(!res.body.contains("<script"));

    let res = app
        .page("GET", "/login", None, None, "en-US,en;q=0.9")
        .await;
    assert!(res.body.contains("<html lang=\"en\">") && res.body.contains("Log in"));

    // The visible switch sets a cookie and returns to the page.
    let res = app
        .page("GET", "/lang/en?next=/login", None, None, "vi")
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/login"));
    let lang = res
        .set_cookie
        .iter()
        .find(|c| c.starts_with("lang=en"))
        .expect("lang cookie");
    let cookie = lang.split(';').next().expect("cookie").to_owned();
    let res = app.page("GET", "/login", Some(&cookie), None, "vi").await;
    assert!(res.body.contains("Log in") && res.body.contains("Tiếng Việt"));
    // The switch never redirects off-site.
    let res = app
        .page("GET", "/lang/vi?next=//evil.example/x", None, None, "vi")
        .await;
    assert_eq!(res.location.as_deref(), Some("/"));
}

#[actix_web::test]
async fn staff_onboard_a_seller_and_invite_a_member_through_the_pages() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let cookie = app.page_login(&d.staff.email, &d.staff.password).await;
    assert!(cookie.starts_with("ocop_session="));

    let list = app.page("GET", "/staff", Some(&cookie), None, "vi").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("HTX Nam Xuân") && list.body.contains("Chè Thiên Phủ"));
    let found = app
        .page("GET", "/staff?q=thien%20phu", Some(&cookie), None, "vi")
        .await;
    assert!(found.body.contains("Chè Thiên Phủ") && !found.body.contains("HTX Nam Xuân"));

    let form = app
        .page("GET", "/staff/sellers/new", Some(&cookie), None, "vi")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Xã Nam Xuân") && form.body.contains("Hộ kinh doanh"));
    // Choosing another province shows its communes, keeping what was typed.
    let other = app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&[
                ("legal_name", "Hộ Lò Văn Khánh"),
                ("province", "14"),
                ("action", "province"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.body.contains("Hộ Lò Văn Khánh"));
    assert!(!other.body.contains("Xã Nam Xuân"));

    let fields: Vec<(&str, &str)> = vec![
        ("kind", "household"),
        ("legal_name", "Hộ kinh doanh Lò Văn Khánh"),
        ("short_name", "Thổ cẩm Khánh"),
        ("tax_code", "038085001122"),
        ("representative", "Lò Văn Khánh"),
        ("phone", "0977 123 456"),
        ("zalo_phone", "0977123456"),
        ("province", "38"),
        ("commune_code", "14878"),
        ("village", "Bản Phú Lệ"),
        ("former_district", "huyện Quan Hóa"),
        ("status", "active"),
        ("consent", "on"),
        ("action", "save"),
    ];
    let created = app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&fields),
            "vi",
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location.expect("location");
    assert!(location.starts_with("/staff/sellers/") && location.ends_with("?saved=1"));
    let detail_path = location.trim_end_matches("?saved=1").to_owned();
    let detail = app.page("GET", &location, Some(&cookie), None, "vi").await;
    assert!(detail.body.contains("Thổ cẩm Khánh") && detail.body.contains("Đã lưu"));
    assert!(detail.body.contains("Xã Phú Lệ, Thanh Hóa"));

    let invited = app
        .page(
            "POST",
            &format!("{detail_path}/invite"),
            Some(&cookie),
            Some(&[("name", "Lò Thị Mai"), ("email", "mai.lo@example.vn")]),
            "vi",
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER);
    let path = app.link_in_mail("mai.lo@example.vn", "/invite/");

    // The member sets a password on the page and lands on her seller home.
    let mismatch = app
        .page(
            "POST",
            &path,
            None,
            Some(&[
                ("name", "Lò Thị Mai"),
                ("password", "tho-cam-quan-hoa"),
                ("password_confirm", "khac-nhau-roi"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("Hai mật khẩu không giống nhau"));
    let accepted = app
        .page(
            "POST",
            &path,
            None,
            Some(&[
                ("name", "Lò Thị Mai"),
                ("password", "tho-cam-quan-hoa"),
                ("password_confirm", "tho-cam-quan-hoa"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location.as_deref(), Some("/seller"));
    let member = accepted.session.expect("session cookie");
    let session_header = accepted
        .set_cookie
        .iter()
        .find(|c| c.starts_with("ocop_session="))
        .expect("cookie");
    assert!(
        session_header.contains("HttpOnly") && session_header.contains("SameSite=Strict"),
        "{session_header}"
    );
    let home = app.page("GET", "/seller", Some(&member), None, "vi").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Thổ cẩm Khánh") && home.body.contains("Lò Thị Mai"));

    // Logging out ends the session for good.
    let out = app
        .page("POST", "/logout", Some(&member), Some(&[]), "vi")
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let again = app.page("GET", "/seller", Some(&member), None, "vi").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location.as_deref(), Some("/login?next=/seller"));
}

#[actix_web::test]
async fn wrong_login_shows_the_form_again_with_the_reason() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let res = app
        .page(
            "POST",
            "/login",
            None,
            Some(&[
                ("email", &d.staff.email),
                ("password", "sai mat khau"),
                ("next", "/"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("Email hoặc mật khẩu không đúng"));
    assert!(res.body.contains(&d.staff.email));
    assert!(res.session.is_none());
    // After logging in, the page asked for first is opened.
    let res = app
        .page(
            "POST",
            "/login",
            None,
            Some(&[
                ("email", &d.staff.email),
                ("password", &d.staff.password),
                ("next", "/staff?q=nam"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.location.as_deref(), Some("/staff?q=nam"));
    let res = app
        .page(
            "POST",
            "/login",
            None,
            Some(&[
                ("email", &d.staff.email),
                ("password", &d.staff.password),
                ("next", "https://evil.example/"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(res.location.as_deref(), Some("/"));
}

#[actix_web::test]
async fn seller_member_corrects_its_own_details_on_the_page() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let s = &d.sellers[2];
    let cookie = app.page_login(&s.email, &s.password).await;
    let form = app
        .page("GET", "/seller/edit", Some(&cookie), None, "vi")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Chè Thiên Phủ"));
    assert!(!form.body.contains("name=\"status\""));
    let saved = app
        .page(
            "POST",
            "/seller/edit",
            Some(&cookie),
            Some(&[
                ("kind", "household"),
                ("legal_name", "Hộ kinh doanh Lò Văn Pọm"),
                ("short_name", "Chè Shan tuyết Thiên Phủ"),
                ("tax_code", "038090004567"),
                ("representative", "Lò Văn Pọm"),
                ("phone", "0868 112 233"),
                ("province", "38"),
                ("commune_code", "14908"),
                ("action", "save"),
            ]),
            "vi",
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let home = app
        .page("GET", "/seller?saved=1", Some(&cookie), None, "vi")
        .await;
    assert!(home.body.contains("Chè Shan tuyết Thiên Phủ") && home.body.contains("Đã lưu"));
}
