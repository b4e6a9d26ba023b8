//! Who may see and change which seller: the tenancy rules, proven with
//! other tenants' tokens.

use awc::http::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, seller_json};

#[actix_web::test]
async fn seller_a_is_refused_on_seller_b_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let (a, b) = (&d.sellers[0], &d.sellers[1]);
    let token_a = app.login(&a.email, &a.password).await;
    let path_b = format!("/api/v1/sellers/{}", b.id);

    let (status, body) = app.get_json(&path_b, Some(&token_a)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let mut edit = seller_json("");
    edit["legal_name"] = json!("Đã bị sửa trái phép");
    edit["kind"] = json!("household");
    edit["tax_code"] = json!("038185001234");
    let (status, _) = app.put_json(&path_b, Some(&token_a), edit.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_json(&format!("{path_b}/audit"), Some(&token_a))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post_json(
            &format!("{path_b}/invitations"),
            Some(&token_a),
            json!({ "email": "x@example.vn", "name": "X" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let (status, body) = app.get_json(&path_b, Some(&staff)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["seller"]["legal_name"], "Hộ kinh doanh Phạm Thị Lan");
    app.mail_flush().await;
    assert!(app.mail.all().is_empty());

    // A's own org is visible, and the list holds only it.
    let (status, list) = app.get_json("/api/v1/sellers", Some(&token_a)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], a.id);
}

#[actix_web::test]
async fn seller_member_edits_its_own_org_but_not_its_status() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let a = &d.sellers[0];
    let token = app.login(&a.email, &a.password).await;
    let path = format!("/api/v1/sellers/{}", a.id);
    let (_, before) = app.get_json(&path, Some(&token)).await;
    let mut edit = before["seller"].clone();
    edit["phone"] = json!("0912 999 888");
    edit["status"] = json!("suspended");
    edit["consent"] = json!(true);
    edit["commune_code"] = json!(before["seller"]["commune_code"].to_string());
    for k in [
        "tax_code",
        "business_reg_no",
        "zalo_phone",
        "email",
        "village",
        "former_district",
        "gln",
        "bank_account",
    ] {
        if edit[k].is_null() {
            edit[k] = json!("");
        }
    }
    let (status, after) = app.put_json(&path, Some(&token), edit).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["phone"], "0912999888");
    assert_eq!(after["status"], "active");
    let (_, log) = app.get_json(&format!("{path}/audit"), Some(&token)).await;
    let entry = &log[0];
    assert_eq!(entry["action"], "seller_updated");
    assert_eq!(entry["on_behalf"], false);
    assert_eq!(entry["details"]["phone"]["to"], "0912999888");
}

#[actix_web::test]
async fn staff_see_only_the_sellers_they_onboarded() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    app.add_staff("nhanvien2@buudien-muongat.vn", "buu-dien-muong-lat")
        .await;
    let other = app
        .login("nhanvien2@buudien-muongat.vn", "buu-dien-muong-lat")
        .await;
    let (status, list) = app.get_json("/api/v1/sellers", Some(&other)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 0);
    let demo_seller = format!("/api/v1/sellers/{}", d.sellers[0].id);
    assert_eq!(
        app.get_json(&demo_seller, Some(&other)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = app
        .post_json(
            &format!("{demo_seller}/invitations"),
            Some(&other),
            json!({ "email": "y@example.vn", "name": "Y" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut edit = seller_json("2801234564");
    edit["legal_name"] = json!("Không được sửa");
    assert_eq!(
        app.put_json(&demo_seller, Some(&other), edit).await.0,
        StatusCode::NOT_FOUND
    );

    // Its own onboarding is its own; the demo staff cannot see it.
    let (status, created) = app
        .post_json("/api/v1/sellers", Some(&other), seller_json("0100109106"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    assert_eq!(
        app.get_json(&format!("/api/v1/sellers/{}", created["id"]), Some(&staff))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.get_json("/api/v1/sellers", Some(&staff)).await;
    assert_eq!(list["total"], 3);

    // Admins see all four.
    let admin = app.login(&d.admin.email, &d.admin.password).await;
    let (_, list) = app.get_json("/api/v1/sellers", Some(&admin)).await;
    assert_eq!(list["total"], 4);
}

#[actix_web::test]
async fn seller_search_ignores_accents() {
    let app = TestApp::spawn().await;
    let d = app.demo().await;
    let staff = app.login(&d.staff.email, &d.staff.password).await;
    let (_, list) = app
        .get_json("/api/v1/sellers?q=nam%20xuan", Some(&staff))
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["short_name"], "HTX Nam Xuân");
    let (_, list) = app
        .get_json("/api/v1/sellers?q=Ph%E1%BA%A1m%20Th%E1%BB%8B", Some(&staff))
        .await;
    assert_eq!(list["total"], 1, "{list}");
    // A household's personal id is masked in lists.
    let masked = list["items"][0]["tax_code"].as_str().expect("tax code");
    assert!(
        masked.ends_with("234") && !masked.contains("038185"),
        "{masked}"
    );
    let (_, list) = app.get_json("/api/v1/sellers?q=50%25", Some(&staff)).await;
    assert_eq!(list["total"], 0);
}
