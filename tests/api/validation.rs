//! Validation stories: staff typing a seller in (API and form) are told
//! each bad field by name, in English and Vietnamese, and nothing half-valid
//! is ever saved. Malformed requests get a clear 400/404/413 instead.

use awc::http::StatusCode;
use serde_json::{Value, json};

use ocop::domain::Reason;
use ocop::i18n::{self, Lang};
use ocop::services::demo::DemoLogins;

use crate::helpers::{TestApp, seller_json};

/// Letters only Vietnamese text has (lower case): proof that `fields_vi`
/// really is Vietnamese and `fields` is not.
const VI_LETTERS: &str = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ";

fn has_vietnamese_letters(s: &str) -> bool {
    s.chars()
        .flat_map(char::to_lowercase)
        .any(|c| VI_LETTERS.contains(c))
}

/// A running app with demo data, and the staff and admin tokens.
struct Desk {
    app: TestApp,
    demo: DemoLogins,
    staff: String,
    admin: String,
}

impl Desk {
    async fn open() -> Desk {
        let app = TestApp::spawn().await;
        let demo = app.demo().await;
        let staff = app.login(&demo.staff.email, &demo.staff.password).await;
        let admin = app.login(&demo.admin.email, &demo.admin.password).await;
        Desk {
            app,
            demo,
            staff,
            admin,
        }
    }

    /// How many sellers exist, as the admin sees them.
    async fn seller_count(&self) -> i64 {
        let (status, body) = self
            .app
            .get_json("/api/v1/sellers", Some(&self.admin))
            .await;
        assert_eq!(status, StatusCode::OK, "list sellers: {body}");
        body["total"].as_i64().expect("total in seller list")
    }

    /// Staff onboard `seller`; it must succeed. Returns the created seller.
    async fn onboard(&self, seller: Value) -> Value {
        let (status, body) = self
            .app
            .post_json("/api/v1/sellers", Some(&self.staff), seller)
            .await;
        assert_eq!(status, StatusCode::CREATED, "onboarding refused: {body}");
        body
    }

    /// Staff onboard `seller`; it must be refused with 422 naming `field`
    /// for `reason`, and no seller may be written. Returns the error body.
    async fn refused(&self, seller: Value, field: &str, reason: Reason) -> Value {
        let before = self.seller_count().await;
        let (status, body) = self
            .app
            .post_json("/api/v1/sellers", Some(&self.staff), seller)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_reason(&body, field, &reason);
        assert_eq!(
            self.seller_count().await,
            before,
            "a refused seller was written ({field})"
        );
        body
    }
}

/// `body` is a validation error naming `field` in both languages.
fn assert_field_named(body: &Value, field: &str) {
    assert_eq!(body["error"], "validation_failed", "{body}");
    let en = body["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("fields.{field} missing: {body}"));
    let vi = body["fields_vi"][field]
        .as_str()
        .unwrap_or_else(|| panic!("fields_vi.{field} missing: {body}"));
    assert!(!en.trim().is_empty(), "empty English reason for {field}");
    assert!(
        !has_vietnamese_letters(en),
        "English reason for {field} is not English: {en}"
    );
    assert!(
        has_vietnamese_letters(vi),
        "Vietnamese reason for {field} has no Vietnamese letters: {vi}"
    );
    assert_ne!(en, vi, "{field}: both languages say the same");
}

/// `body` names `field`, with the words the product uses for `reason`.
fn assert_reason(body: &Value, field: &str, reason: &Reason) {
    assert_field_named(body, field);
    assert_eq!(
        body["fields"][field],
        i18n::reason(Lang::En, reason),
        "{field}: {body}"
    );
    assert_eq!(
        body["fields_vi"][field],
        i18n::reason(Lang::Vi, reason),
        "{field}: {body}"
    );
}

/// The valid seller with `changes` applied.
fn seller_with(tax_code: &str, changes: Value) -> Value {
    let mut seller = seller_json(tax_code);
    let (Some(target), Some(changes)) = (seller.as_object_mut(), changes.as_object()) else {
        panic!("seller and changes must be objects");
    };
    for (k, v) in changes {
        target.insert(k.clone(), v.clone());
    }
    seller
}

/// The valid seller without `field`.
fn seller_without(tax_code: &str, field: &str) -> Value {
    let mut seller = seller_json(tax_code);
    seller
        .as_object_mut()
        .expect("seller is an object")
        .remove(field);
    seller
}

/// Sends `body` as-is, labelled JSON, for bodies `send_json` cannot make.
async fn post_raw(app: &TestApp, path: &str, token: &str, body: String) -> (StatusCode, Value) {
    let mut res = app
        .client()
        .post(app.url(path))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/json"))
        .send_body(body)
        .await
        .expect("request");
    let bytes = res.body().limit(1 << 20).await.expect("body");
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "answer is not JSON: {}",
            String::from_utf8_lossy(&bytes).into_owned()
        )
    });
    (res.status(), value)
}

// --- Each field, through the API -------------------------------------------

#[actix_web::test]
async fn staff_sees_each_bad_field_named_when_onboarding() {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let everything_wrong = json!({
        "kind": "cooperative",
        "legal_name": "",
        "short_name": "x".repeat(41),
        "tax_code": "0102595741",
        "representative": "   ",
        "phone": "12345",
        "zalo_phone": "0237 3851 234",
        "email": "htx.phunghiem(at)example.vn",
        "commune_code": "99999",
        "gln": "8934567000007",
        "consent": false
    });
    let (status, body) = d
        .app
        .post_json("/api/v1/sellers", Some(&d.staff), everything_wrong)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for field in [
        "kind",
        "legal_name",
        "short_name",
        "tax_code",
        "representative",
        "phone",
        "zalo_phone",
        "email",
        "commune_code",
        "gln",
        "consent",
    ] {
        assert_field_named(&body, field);
    }
    assert_eq!(body["message"], Lang::En.texts().form_has_errors);
    assert_eq!(body["message_vi"], Lang::Vi.texts().form_has_errors);
    assert_eq!(d.seller_count().await, before, "nothing may be written");
}

#[actix_web::test]
async fn staff_is_told_the_kind_must_be_cooperative_household_or_enterprise() {
    let d = Desk::open().await;
    for kind in ["cooperative", "HTX", ""] {
        d.refused(
            seller_with("0102595740", json!({ "kind": kind })),
            "kind",
            Reason::InvalidChoice,
        )
        .await;
    }
    let created = d
        .onboard(seller_with("0102595740", json!({ "kind": "enterprise" })))
        .await;
    assert_eq!(created["kind"], "enterprise");
}

#[actix_web::test]
async fn staff_is_told_the_legal_name_is_missing_or_too_long() {
    let d = Desk::open().await;
    d.refused(
        seller_without("0102595740", "legal_name"),
        "legal_name",
        Reason::Required,
    )
    .await;
    d.refused(
        seller_with("0102595740", json!({ "legal_name": "   " })),
        "legal_name",
        Reason::Required,
    )
    .await;
    // 201 characters, Vietnamese letters counted as one each.
    let too_long = "Hợp tác xã ".repeat(18) + "ẫẫẫ";
    assert_eq!(too_long.chars().count(), 201);
    d.refused(
        seller_with("0102595740", json!({ "legal_name": too_long })),
        "legal_name",
        Reason::TooLong { max: 200 },
    )
    .await;
    // Hidden direction marks could make a name read differently on a stamp.
    d.refused(
        seller_with(
            "0102595740",
            json!({ "legal_name": "Hợp tác xã \u{202E}Phú Nghiêm" }),
        ),
        "legal_name",
        Reason::Invalid,
    )
    .await;
    let longest = "ệ".repeat(200);
    let created = d
        .onboard(seller_with("0102595740", json!({ "legal_name": longest })))
        .await;
    assert_eq!(created["legal_name"], longest);
}

#[actix_web::test]
async fn staff_is_told_the_short_name_is_too_long_for_a_stamp() {
    let d = Desk::open().await;
    d.refused(
        seller_with("0102595740", json!({ "short_name": "Đ".repeat(41) })),
        "short_name",
        Reason::TooLong { max: 40 },
    )
    .await;
    let created = d
        .onboard(seller_with(
            "0102595740",
            json!({ "short_name": "Đ".repeat(40) }),
        ))
        .await;
    assert_eq!(created["short_name"], "Đ".repeat(40));
}

#[actix_web::test]

async fn a_short_name_typed_with_combining_accents_is_measured_by_its_letters() {
    let d = Desk::open().await;
    // "ế" typed as e + combining circumflex + combining acute, as keyboards
    // in "Unicode tổ hợp" mode and macOS do: 40 letters, 120 code points.
    let decomposed = "e\u{0302}\u{0301}".repeat(40);
    let composed = "ế".repeat(40);
    let (status, body) = d
        .app
        .post_json(
            "/api/v1/sellers",
            Some(&d.staff),
            seller_with("0102595740", json!({ "short_name": composed })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "composed: {body}");
    let (status, body) = d
        .app
        .post_json(
            "/api/v1/sellers",
            Some(&d.staff),
            seller_with("0100109106", json!({ "short_name": decomposed })),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the same 40 letters, decomposed: {body}"
    );
}

#[actix_web::test]
async fn staff_is_told_a_mistyped_tax_code_fails_its_check_digit() {
    let d = Desk::open().await;
    d.refused(
        seller_json("0102595741"),
        "tax_code",
        Reason::TaxCodeChecksum,
    )
    .await;
    for valid in ["0102595740", "0100109106", "0300588569"] {
        let created = d.onboard(seller_json(valid)).await;
        assert_eq!(created["tax_code"], valid);
    }
}

#[actix_web::test]
async fn staff_is_told_a_tax_code_has_the_wrong_shape() {
    let d = Desk::open().await;
    for bad in ["12345", "01025957400", "01025A5740"] {
        d.refused(seller_json(bad), "tax_code", Reason::InvalidTaxCode)
            .await;
    }
}

#[actix_web::test]
async fn a_personal_id_is_a_tax_code_for_a_household_only() {
    let d = Desk::open().await;
    for kind in ["htx", "enterprise"] {
        d.refused(
            seller_with("038185009999", json!({ "kind": kind })),
            "tax_code",
            Reason::InvalidTaxCode,
        )
        .await;
    }
    let created = d
        .onboard(seller_with(
            "038185009999",
            json!({ "kind": "household", "legal_name": "Hộ kinh doanh Hà Thị Xuân" }),
        ))
        .await;
    assert_eq!(created["kind"], "household");
    assert_eq!(created["tax_code"], "038185009999");
    // 999 is no province: not a personal id, even for a household.
    d.refused(
        seller_with("999185009999", json!({ "kind": "household" })),
        "tax_code",
        Reason::InvalidPersonalId,
    )
    .await;
}

#[actix_web::test]
async fn staff_must_give_a_tax_code_or_a_business_registration_number() {
    let d = Desk::open().await;
    d.refused(
        seller_without("0102595740", "tax_code"),
        "tax_code",
        Reason::Required,
    )
    .await;
    d.refused(
        seller_with("", json!({ "business_reg_no": "  " })),
        "tax_code",
        Reason::Required,
    )
    .await;
    let created = d
        .onboard(seller_with("", json!({ "business_reg_no": "2803000123" })))
        .await;
    assert_eq!(created["tax_code"], Value::Null);
    assert_eq!(created["business_reg_no"], "2803000123");
}

#[actix_web::test]
async fn staff_is_told_the_representative_is_missing() {
    let d = Desk::open().await;
    d.refused(
        seller_without("0102595740", "representative"),
        "representative",
        Reason::Required,
    )
    .await;
}

#[actix_web::test]
async fn staff_is_told_the_phone_number_is_invalid() {
    let d = Desk::open().await;
    d.refused(
        seller_with("0102595740", json!({ "phone": "12345" })),
        "phone",
        Reason::InvalidPhone,
    )
    .await;
    d.refused(
        seller_without("0102595740", "phone"),
        "phone",
        Reason::Required,
    )
    .await;
}

#[actix_web::test]
async fn staff_is_told_zalo_needs_a_mobile_number_not_a_landline() {
    let d = Desk::open().await;
    let body = d
        .refused(
            seller_with("0102595740", json!({ "zalo_phone": "0237 3851 234" })),
            "zalo_phone",
            Reason::NotMobilePhone,
        )
        .await;
    let en = body["fields"]["zalo_phone"].as_str().unwrap_or_default();
    let vi = body["fields_vi"]["zalo_phone"].as_str().unwrap_or_default();
    assert!(en.contains("mobile"), "{en}");
    assert!(vi.contains("di động"), "{vi}");
    // The same landline is a fine main phone number.
    let created = d
        .onboard(seller_with(
            "0102595740",
            json!({ "phone": "0237 3851 234" }),
        ))
        .await;
    assert_eq!(created["phone"], "02373851234");
}

#[actix_web::test]
async fn staff_is_told_the_email_is_invalid() {
    let d = Desk::open().await;
    for bad in ["htx.phunghiem", "htx@", "a b@example.vn"] {
        d.refused(
            seller_with("0102595740", json!({ "email": bad })),
            "email",
            Reason::InvalidEmail,
        )
        .await;
    }
}

#[actix_web::test]
async fn staff_is_told_the_commune_is_unknown_or_missing() {
    let d = Desk::open().await;
    d.refused(
        seller_with("0102595740", json!({ "commune_code": "99999" })),
        "commune_code",
        Reason::UnknownCommune,
    )
    .await;
    d.refused(
        seller_without("0102595740", "commune_code"),
        "commune_code",
        Reason::Required,
    )
    .await;
}

#[actix_web::test]
async fn staff_is_told_the_gln_check_digit_is_wrong() {
    let d = Desk::open().await;
    d.refused(
        seller_with("0102595740", json!({ "gln": "8934567000007" })),
        "gln",
        Reason::Invalid,
    )
    .await;
    let created = d
        .onboard(seller_with("0102595740", json!({ "gln": "8934567000000" })))
        .await;
    assert_eq!(created["gln"], "8934567000000");
}

#[actix_web::test]
async fn staff_must_record_the_sellers_consent() {
    let d = Desk::open().await;
    d.refused(
        seller_with("0102595740", json!({ "consent": false })),
        "consent",
        Reason::Required,
    )
    .await;
    d.refused(
        seller_without("0102595740", "consent"),
        "consent",
        Reason::Required,
    )
    .await;
}

#[actix_web::test]
async fn a_tax_code_already_onboarded_is_refused() {
    let d = Desk::open().await;
    d.onboard(seller_json("0102595740")).await;
    d.refused(
        seller_with("0102595740", json!({ "legal_name": "Hợp tác xã khác" })),
        "tax_code",
        Reason::Taken,
    )
    .await;
    // Also when the code is typed with the usual grouping spaces.
    d.refused(seller_json("0102 595 740"), "tax_code", Reason::Taken)
        .await;
    // And a demo seller's code.
    d.refused(seller_json("2801234564"), "tax_code", Reason::Taken)
        .await;
}

#[actix_web::test]
async fn an_edit_cannot_take_another_sellers_tax_code() {
    let d = Desk::open().await;
    let created = d.onboard(seller_json("0102595740")).await;
    let id = created["id"].as_i64().expect("seller id");
    let (status, body) = d
        .app
        .put_json(
            &format!("/api/v1/sellers/{id}"),
            Some(&d.staff),
            seller_json("2801234564"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_reason(&body, "tax_code", &Reason::Taken);
    // Keeping its own code is no conflict.
    let (status, body) = d
        .app
        .put_json(
            &format!("/api/v1/sellers/{id}"),
            Some(&d.staff),
            seller_json("0102595740"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[actix_web::test]
async fn staff_onboarding_the_same_tax_code_at_once_get_one_seller() {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let url = d.app.url("/api/v1/sellers");
        let token = d.staff.clone();
        let body = seller_with(
            "0100109106",
            json!({ "short_name": format!("HTX Phú Nghiêm {i}") }),
        );
        tasks.push(actix_web::rt::spawn(async move {
            let mut res = awc::Client::default()
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send_json(&body)
                .await
                .expect("request");
            let answer: Value = res.json().await.expect("JSON answer");
            (res.status(), answer)
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => assert_reason(&body, "tax_code", &Reason::Taken),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1, "exactly one of the racing requests wins");
    assert_eq!(d.seller_count().await, before + 1);
}

#[actix_web::test]
async fn a_refused_edit_leaves_the_seller_as_it_was() {
    let d = Desk::open().await;
    let created = d.onboard(seller_json("0100109106")).await;
    let id = created["id"].as_i64().expect("seller id");
    let path = format!("/api/v1/sellers/{id}");
    let (status, stored_before) = d.app.get_json(&path, Some(&d.staff)).await;
    assert_eq!(status, StatusCode::OK, "{stored_before}");

    let mut edit = seller_with("0100109106", json!({ "phone": "12345" }));
    edit["legal_name"] = json!("Tên mới không được lưu");
    let (status, body) = d.app.put_json(&path, Some(&d.staff), edit).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_reason(&body, "phone", &Reason::InvalidPhone);

    let (status, stored_after) = d.app.get_json(&path, Some(&d.staff)).await;
    assert_eq!(status, StatusCode::OK, "{stored_after}");
    assert_eq!(stored_after["seller"], stored_before["seller"]);
    assert_eq!(stored_after["seller"]["phone"], "0912000111");
    assert_eq!(
        stored_after["seller"]["legal_name"],
        "Hợp tác xã Dệt thổ cẩm Phú Nghiêm"
    );
}

// --- Malformed requests ------------------------------------------------------

#[actix_web::test]
async fn malformed_json_is_a_bad_request() {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let (status, body) = post_raw(&d.app, "/api/v1/sellers", &d.staff, r#"{"kind":"#.into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "bad_request");
    assert_eq!(body["message_vi"], Lang::Vi.texts().error_bad_request);
    assert_eq!(d.seller_count().await, before);
}

#[actix_web::test]
async fn json_sent_as_plain_text_is_a_bad_request() {
    let d = Desk::open().await;
    let mut res = d
        .app
        .client()
        .post(d.app.url("/api/v1/sellers"))
        .insert_header(("Authorization", format!("Bearer {}", d.staff)))
        .insert_header(("Content-Type", "text/plain"))
        .send_body(seller_json("0102595740").to_string())
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("JSON answer");
    assert_eq!(body["error"], "bad_request");
}

#[actix_web::test]
async fn a_field_of_the_wrong_type_is_a_bad_request() {
    let d = Desk::open().await;
    let (status, body) = d
        .app
        .post_json(
            "/api/v1/sellers",
            Some(&d.staff),
            seller_with("0102595740", json!({ "legal_name": 5 })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "bad_request");
}

#[actix_web::test]
async fn a_body_over_64_kib_is_too_large() {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let huge = seller_with("0102595740", json!({ "village": "a".repeat(65 * 1024) }));
    let (status, body) = d
        .app
        .post_json("/api/v1/sellers", Some(&d.staff), huge)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"], "payload_too_large");
    assert_eq!(d.seller_count().await, before);
}

#[actix_web::test]
async fn a_seller_id_that_is_not_a_number_is_not_found() {
    let d = Desk::open().await;
    for path in [
        "/api/v1/sellers/abc",
        "/api/v1/sellers/1abc/audit",
        "/api/v1/sellers/99999999999999999999",
        "/api/v1/sellers/-1",
    ] {
        let (status, body) = d.app.get_json(path, Some(&d.staff)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], "not_found", "{path}");
    }
    let (status, body) = d
        .app
        .put_json(
            "/api/v1/sellers/abc",
            Some(&d.staff),
            seller_json("0102595740"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "not_found");
}

// --- Invitations -------------------------------------------------------------

#[actix_web::test]
async fn staff_inviting_a_member_sees_a_bad_email_and_a_missing_name_named() {
    let d = Desk::open().await;
    let seller = d.demo.sellers[0].id;
    let (status, body) = d
        .app
        .post_json(
            &format!("/api/v1/sellers/{seller}/invitations"),
            Some(&d.staff),
            json!({ "email": "khong-phai-email", "name": "  " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_reason(&body, "email", &Reason::InvalidEmail);
    assert_reason(&body, "name", &Reason::Required);
    d.app.mail_flush().await;
    assert!(d.app.mail.all().is_empty(), "no mail may be sent");
}

#[actix_web::test]
async fn staff_cannot_invite_an_email_that_already_has_an_account() {
    let d = Desk::open().await;
    let seller = d.demo.sellers[0].id;
    let path = format!("/api/v1/sellers/{seller}/invitations");
    let taken = [
        d.demo.staff.email.clone(),
        d.demo.sellers[1].email.clone(),
        d.demo.staff.email.to_uppercase(),
    ];
    for email in taken {
        let (status, body) = d
            .app
            .post_json(
                &path,
                Some(&d.staff),
                json!({ "email": email, "name": "Hà Thị Mai" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email}: {body}");
        assert_reason(&body, "email", &Reason::Taken);
    }
    d.app.mail_flush().await;
    assert!(d.app.mail.all().is_empty(), "no mail may be sent");
}

// --- The staff form (HTML) ---------------------------------------------------

/// The onboarding form as a browser posts it, with `tax_code`.
fn form(tax_code: &str) -> Vec<(&'static str, String)> {
    [
        ("kind", "htx"),
        ("legal_name", "Hợp tác xã Dệt thổ cẩm Phú Nghiêm"),
        ("short_name", "HTX Phú Nghiêm"),
        ("tax_code", tax_code),
        ("business_reg_no", ""),
        ("representative", "Hà Thị Xuân"),
        ("phone", "0912 000 111"),
        ("zalo_phone", "0912000111"),
        ("email", "htx.phunghiem@example.vn"),
        ("province", "38"),
        ("commune_code", "14869"),
        ("village", "Bản Cha Lan"),
        ("former_district", "huyện Quan Hóa"),
        ("gln", ""),
        ("bank_account", ""),
        ("status", "active"),
        ("consent", "on"),
        ("action", "save"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Text as the templates escape it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Posts the onboarding form with a bad tax code in `lang`; checks the page
/// is shown again with the reason and every typed value, and nothing saved.
async fn form_with_bad_tax_code(lang: &str, expect: Lang) {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let cookie = d
        .app
        .page_login(&d.demo.staff.email, &d.demo.staff.password)
        .await;
    let typed = form("0102595741");
    let res = d
        .app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&pairs(&typed)),
            lang,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let reason = html_escape(&i18n::reason(expect, &Reason::TaxCodeChecksum));
    assert!(
        res.body.contains(&reason),
        "reason {reason:?} missing from the page:\n{}",
        res.body
    );
    assert!(res.body.contains(expect.texts().form_has_errors));
    assert!(
        res.body.contains(r#"id="tax_code-err""#),
        "the error is not tied to the tax code field"
    );
    for field in [
        "legal_name",
        "short_name",
        "tax_code",
        "representative",
        "phone",
        "zalo_phone",
        "email",
        "village",
        "former_district",
    ] {
        let value = &typed
            .iter()
            .find(|(k, _)| *k == field)
            .expect("typed field")
            .1;
        let input = format!(r#"name="{field}" type="#);
        let at = res
            .body
            .find(&input)
            .unwrap_or_else(|| panic!("no input {field}"));
        let rest = &res.body[at..];
        let tag = &rest[..rest.find('>').expect("end of input tag")];
        assert!(
            tag.contains(&format!(r#"value="{}""#, html_escape(value))),
            "{field} lost its typed value: {tag}"
        );
    }
    assert!(res.body.contains(r#"value="htx" checked"#), "kind not kept");
    assert!(
        res.body.contains(r#"<option value="14869" selected>"#),
        "commune not kept"
    );
    assert!(
        res.body.contains(r#"name="consent" value="on" checked"#),
        "consent not kept"
    );
    assert_eq!(d.seller_count().await, before, "nothing may be written");
}

#[actix_web::test]
async fn staff_form_shows_a_tax_code_typo_in_vietnamese_and_keeps_what_was_typed() {
    form_with_bad_tax_code("vi", Lang::Vi).await;
}

#[actix_web::test]
async fn staff_form_shows_a_tax_code_typo_in_english_when_the_browser_prefers_it() {
    form_with_bad_tax_code("en", Lang::En).await;
}

#[actix_web::test]
async fn staff_form_over_64_kib_is_refused_with_a_page() {
    let d = Desk::open().await;
    let before = d.seller_count().await;
    let cookie = d
        .app
        .page_login(&d.demo.staff.email, &d.demo.staff.password)
        .await;
    let mut typed = form("0102595740");
    for (k, v) in &mut typed {
        if *k == "village" {
            *v = "a".repeat(65 * 1024);
        }
    }
    let res = d
        .app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&pairs(&typed)),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(
        res.body.contains(Lang::Vi.texts().error_too_large),
        "{}",
        res.body
    );
    assert_eq!(d.seller_count().await, before);
}

#[actix_web::test]
async fn staff_form_saves_a_valid_seller_and_goes_to_its_page() {
    let d = Desk::open().await;
    let cookie = d
        .app
        .page_login(&d.demo.staff.email, &d.demo.staff.password)
        .await;
    let typed = form("0300588569");
    let res = d
        .app
        .page(
            "POST",
            "/staff/sellers/new",
            Some(&cookie),
            Some(&pairs(&typed)),
            "vi",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location.expect("Location header");
    let id: i64 = location
        .strip_prefix("/staff/sellers/")
        .and_then(|rest| rest.strip_suffix("?saved=1"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {location}"));
    let (status, body) = d
        .app
        .get_json(&format!("/api/v1/sellers/{id}"), Some(&d.staff))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["seller"]["tax_code"], "0300588569");
    assert_eq!(
        body["seller"]["legal_name"],
        "Hợp tác xã Dệt thổ cẩm Phú Nghiêm"
    );
    assert_eq!(body["seller"]["commune_code"], 14869);
    let page = d
        .app
        .page("GET", &location, Some(&cookie), None, "vi")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(Lang::Vi.texts().saved));
}
