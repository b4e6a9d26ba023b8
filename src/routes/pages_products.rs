//! Product management pages: a seller member's own products, or staff's for
//! a seller they onboarded ("assisted mode"). Products with their photos,
//! OCOP certificates and lots; lots with their status and trace events.
//! No JavaScript: every form posts and redirects, and a refused form comes
//! back (422) with each problem next to its field and the values kept.
//! Tenancy is the services' job: someone else's product or lot is "not
//! found" whichever page or form asks for it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::{Certificate, Lot, Product, TraceEvent};
use crate::domain::commune::{self, Commune};
use crate::domain::{
    CertificateIssuer, EventKind, LotStatus, OcopGroup, ProductStatus, Reason, SUBGROUPS, Unit,
};
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::{Lang, Texts};
use crate::routes::api_products::{PhotoView, event_views};
use crate::routes::api_sellers::commune_name;
use crate::routes::uploads::{self, UploadForm};
use crate::routes::{Chrome, render, see_other, with_db, with_state};
use crate::services::catalog::{self, CertificateInput, ProductInput, today_vn};
use crate::services::lots::{self, EventInput, LotInput, LotStatusInput};
use crate::services::{Actor, visible_seller};
use crate::startup::AppState;

type Errors = BTreeMap<&'static str, String>;
/// A select or radio option: the submitted code and its label.
type Choice = (&'static str, &'static str);

/// Province whose communes the lot form offers as origins: Thanh Hóa.
pub const ORIGIN_PROVINCE: u32 = 38;

// ---------------------------------------------------------------------------
// Formatting shared by the pages.

/// `150000` as "150.000 ₫" (Vietnamese) or "150,000 ₫" (English).
pub fn format_vnd(lang: Lang, amount: i64) -> String {
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{out} ₫")
}

/// A date as Vietnamese people write it: DD/MM/YYYY.
fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A local date and time: DD/MM/YYYY HH:MM.
fn dmy_hm(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// A stored decimal as the forms take it back: "500", "1.5".
fn decimal_text(v: f64) -> String {
    format!("{v}")
}

/// A quantity for reading, with the decimal mark of `lang`.
fn decimal_show(lang: Lang, v: f64) -> String {
    let s = decimal_text(v);
    if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

/// The current time in Vietnam (UTC+7), as a datetime-local input wants it.
fn now_vn_input() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Where "back" goes from a product of `seller_id`: the seller's page in the
/// staff console, or the member's own home.
fn seller_href(actor: &Actor, seller_id: i64) -> String {
    if actor.is_staff_or_admin() {
        format!("/staff/sellers/{seller_id}#products")
    } else {
        "/seller#products".to_owned()
    }
}

/// The frame of a page that forms post back to: the language switch goes
/// to `path` (the page itself), not to the form's action, which has no GET.
fn page_chrome(req: &HttpRequest, lang: Lang, user: &AuthUser, path: String) -> Chrome {
    let mut c = Chrome::new(req, lang, Some(user));
    c.path = path;
    c
}

fn html(lang: Lang) -> impl Fn(AppError) -> HtmlError {
    move |e| e.html(lang)
}

/// What every handler here has at hand: state, request, language, user.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    state: &'a web::Data<AppState>,
    req: &'a HttpRequest,
    lang: Lang,
    user: &'a AuthUser,
}

/// A `?saved=1` notice.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

impl SavedQuery {
    fn notice(&self, t: &'static Texts) -> Option<&'static str> {
        self.saved.as_ref().map(|_| t.saved)
    }
}

// ---------------------------------------------------------------------------
// The product list on the seller's home and the staff seller page.

/// One product in a seller's list.
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub price: String,
}

/// The rows of a seller's product list, in the order the service gives.
pub fn product_rows(products: &[Product], lang: Lang) -> Vec<ProductRow> {
    products
        .iter()
        .map(|p| ProductRow {
            id: p.id,
            name: p.name_vi.clone(),
            status: p.status.clone(),
            price: format_vnd(lang, p.price_vnd),
        })
        .collect()
}

/// Where the "+ add product" button of a seller's list goes.
pub fn new_product_href(seller_id: i64) -> String {
    format!("/products/new?seller={seller_id}")
}

// ---------------------------------------------------------------------------
// The product form (new and edit).

#[derive(Template)]
#[template(path = "product_form.html", config = "src/askama.toml")]
struct ProductFormPage {
    c: Chrome,
    title: &'static str,
    action: String,
    cancel: String,
    form: ProductInput,
    groups: Vec<Choice>,
    subgroups: Vec<(&'static str, Vec<Choice>)>,
    units: Vec<Choice>,
    statuses: Vec<Choice>,
    errors: Errors,
}

impl ProductFormPage {
    fn new(
        c: Chrome,
        title: &'static str,
        action: String,
        cancel: String,
        form: ProductInput,
        errors: Errors,
    ) -> ProductFormPage {
        let (t, lang) = (c.t, c.lang);
        ProductFormPage {
            title,
            action,
            cancel,
            form,
            groups: OcopGroup::ALL
                .iter()
                .map(|g| (g.as_str(), t.ocop_group_name(g.as_str())))
                .collect(),
            subgroups: OcopGroup::ALL
                .iter()
                .map(|g| {
                    let subs = SUBGROUPS
                        .iter()
                        .filter(|s| s.group == *g)
                        .map(|s| (s.code, if lang == Lang::Vi { s.vi } else { s.en }))
                        .collect();
                    (t.ocop_group_name(g.as_str()), subs)
                })
                .collect(),
            units: Unit::ALL
                .iter()
                .map(|u| (u.as_str(), t.unit_name(u.as_str())))
                .collect(),
            statuses: ProductStatus::ALL
                .iter()
                .map(|s| (s.as_str(), t.product_status(s.as_str())))
                .collect(),
            errors,
            c,
        }
    }

    fn respond(&self, status: StatusCode, lang: Lang) -> Result<HttpResponse, HtmlError> {
        render(status, self).map_err(html(lang))
    }
}

/// A product's values as the form shows them for editing.
fn input_of_product(p: &Product) -> ProductInput {
    let opt_num = |v: Option<f64>| v.map(decimal_text).unwrap_or_default();
    let opt_int = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    ProductInput {
        name_vi: p.name_vi.clone(),
        name_en: p.name_en.clone().unwrap_or_default(),
        ocop_group: p.ocop_group.clone(),
        ocop_subgroup: p.ocop_subgroup.clone().unwrap_or_default(),
        description: p.description.clone(),
        story: p.story.clone().unwrap_or_default(),
        ingredients: p.ingredients.clone().unwrap_or_default(),
        unit: p.unit.clone(),
        net_quantity: decimal_text(p.net_quantity),
        pack_type: p.pack_type.clone().unwrap_or_default(),
        packed_weight_g: opt_int(p.packed_weight_g),
        length_cm: opt_num(p.length_cm),
        width_cm: opt_num(p.width_cm),
        height_cm: opt_num(p.height_cm),
        price_vnd: p.price_vnd.to_string(),
        stock: p.stock.to_string(),
        gtin: p.gtin.clone().unwrap_or_default(),
        shelf_life_days: opt_int(p.shelf_life_days),
        storage: p.storage.clone().unwrap_or_default(),
        planting_area_code: p.planting_area_code.clone().unwrap_or_default(),
        status: p.status.clone(),
        sku: p.sku.clone().unwrap_or_default(),
    }
}

/// `?seller=` of the new-product form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    seller: String,
}

/// The seller a new product is for: `?seller=`, or a member's own org.
fn seller_for_new(actor: &Actor, query: &NewQuery) -> Result<i64, AppError> {
    match query.seller.trim() {
        "" => actor.seller_id.ok_or(AppError::NotFound),
        s => s.parse().map_err(|_| AppError::NotFound),
    }
}

/// `GET /products/new?seller={id}`.
pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = seller_for_new(&user.actor, &query).map_err(html(lang))?;
    let actor = user.actor.clone();
    with_db(&state, move |conn, _| {
        visible_seller(conn, &actor, seller_id)
    })
    .await
    .map_err(html(lang))?;
    let c = Chrome::new(&req, lang, Some(&user));
    let form = ProductInput {
        status: ProductStatus::Draft.as_str().to_owned(),
        ..Default::default()
    };
    ProductFormPage::new(
        c,
        lang.texts().product_new_title,
        format!("/products/new?seller={seller_id}"),
        seller_href(&user.actor, seller_id),
        form,
        Errors::new(),
    )
    .respond(StatusCode::OK, lang)
}

/// `POST /products/new?seller={id}`: adds the product and opens its page.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<NewQuery>,
    form: web::Form<ProductInput>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = seller_for_new(&user.actor, &query).map_err(html(lang))?;
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let saved = with_db(&state, move |conn, _| {
        catalog::create_product(conn, &actor, seller_id, &to_save)
    })
    .await;
    match saved {
        Ok(p) => Ok(see_other(&format!("/products/{}?saved=1", p.id))),
        Err(AppError::Validation(e)) => ProductFormPage::new(
            Chrome::new(&req, lang, Some(&user)),
            lang.texts().product_new_title,
            format!("/products/new?seller={seller_id}"),
            seller_href(&user.actor, seller_id),
            input,
            field_messages(&e, lang),
        )
        .respond(StatusCode::UNPROCESSABLE_ENTITY, lang),
        Err(e) => Err(e.html(lang)),
    }
}

/// `GET /products/{id}/edit`.
pub async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let (product, _) = with_db(&state, move |conn, _| {
        catalog::managed_product(conn, &actor, id)
    })
    .await
    .map_err(html(lang))?;
    ProductFormPage::new(
        Chrome::new(&req, lang, Some(&user)),
        lang.texts().product_edit_title,
        format!("/products/{id}/edit"),
        format!("/products/{id}"),
        input_of_product(&product),
        Errors::new(),
    )
    .respond(StatusCode::OK, lang)
}

/// `POST /products/{id}/edit`.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<ProductInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let saved = with_db(&state, move |conn, _| {
        catalog::update_product(conn, &actor, id, &to_save)
    })
    .await;
    match saved {
        Ok(_) => Ok(see_other(&format!("/products/{id}?saved=1"))),
        Err(AppError::Validation(e)) => ProductFormPage::new(
            Chrome::new(&req, lang, Some(&user)),
            lang.texts().product_edit_title,
            format!("/products/{id}/edit"),
            format!("/products/{id}"),
            input,
            field_messages(&e, lang),
        )
        .respond(StatusCode::UNPROCESSABLE_ENTITY, lang),
        Err(e) => Err(e.html(lang)),
    }
}

// ---------------------------------------------------------------------------
// The product's manage page: facts, photos, certificates, lots.

/// A certificate as the list shows it.
struct CertRow {
    stars: i32,
    star_marks: String,
    score: Option<i32>,
    decision_no: String,
    issued_by: String,
    issued_on: String,
    valid_until: String,
    /// `valid`, `expired` or `pending`.
    state: &'static str,
    document_url: Option<String>,
}

fn cert_row(cert: &Certificate, today: NaiveDate) -> CertRow {
    CertRow {
        stars: cert.stars,
        star_marks: "★".repeat(usize::try_from(cert.stars).unwrap_or(0).min(5)),
        score: cert.score,
        decision_no: cert.decision_no.clone(),
        issued_by: cert.issued_by.clone(),
        issued_on: dmy(cert.issued_on),
        valid_until: dmy(cert.valid_until),
        state: if cert.is_valid_on(today) {
            "valid"
        } else if cert.issued_on > today {
            "pending"
        } else {
            "expired"
        },
        document_url: cert.document_file.as_ref().map(|f| format!("/files/{f}")),
    }
}

/// A lot as the product page lists it.
struct LotRow {
    id: i64,
    code: String,
    status: String,
    produced_on: Option<String>,
    best_before: Option<String>,
}

/// One line of the product's facts.
struct Fact {
    label: &'static str,
    value: String,
}

/// The lot fields, shared by the add-lot form and the lot edit page.
struct LotFields {
    form: LotInput,
    errors: Errors,
    communes: &'static [Commune],
    /// The lot's origin when it is not in the offered province.
    extra_commune: Option<(String, String)>,
}

impl LotFields {
    fn new(form: LotInput, errors: Errors) -> LotFields {
        let communes = commune::communes_of(ORIGIN_PROVINCE);
        let code = form.origin_commune_code.trim().to_owned();
        let extra_commune =
            (!code.is_empty() && !communes.iter().any(|k| k.code.to_string() == code)).then(|| {
                let name = code
                    .parse::<i32>()
                    .map(commune_name)
                    .unwrap_or_else(|_| code.clone());
                (code, name)
            });
        LotFields {
            form,
            errors,
            communes,
            extra_commune,
        }
    }
}

#[derive(Template)]
#[template(path = "product_manage.html", config = "src/askama.toml")]
struct ProductManagePage {
    c: Chrome,
    notice: Option<&'static str>,
    id: i64,
    name: String,
    name_en: Option<String>,
    status: String,
    seller_name: String,
    back_href: String,
    public_href: Option<String>,
    facts: Vec<Fact>,
    description: String,
    story: Option<String>,
    ingredients: Option<String>,
    photos: Vec<PhotoView>,
    photo_errors: Errors,
    certs: Vec<CertRow>,
    cert_form: CertificateInput,
    cert_errors: Errors,
    star_choices: Vec<Choice>,
    issuers: Vec<Choice>,
    lots: Vec<LotRow>,
    lot: LotFields,
}

/// What the forms of a manage page show: values and problems, by form.
#[derive(Default)]
struct ManageForms {
    photo_errors: Errors,
    cert_form: CertificateInput,
    cert_errors: Errors,
    lot_form: LotInput,
    lot_errors: Errors,
}

fn product_facts(t: &'static Texts, lang: Lang, p: &Product) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut add = |label: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push(Fact { label, value });
        }
    };
    let subgroup = p
        .ocop_subgroup
        .as_deref()
        .and_then(|code| SUBGROUPS.iter().find(|s| s.code == code))
        .map(|s| if lang == Lang::Vi { s.vi } else { s.en });
    add(
        t.ocop_group,
        Some(match subgroup {
            Some(s) => format!("{} · {s}", t.ocop_group_name(&p.ocop_group)),
            None => t.ocop_group_name(&p.ocop_group).to_owned(),
        }),
    );
    let unit = if p.unit == "item" {
        t.unit_item_short
    } else {
        p.unit.as_str()
    };
    add(
        t.net_quantity,
        Some(match &p.pack_type {
            Some(pack) => format!("{} {unit} · {pack}", decimal_show(lang, p.net_quantity)),
            None => format!("{} {unit}", decimal_show(lang, p.net_quantity)),
        }),
    );
    add(t.price_vnd, Some(format_vnd(lang, p.price_vnd)));
    add(t.stock, Some(p.stock.to_string()));
    add(
        t.packed_weight_g,
        p.packed_weight_g.map(|g| format!("{g} g")),
    );
    if let (Some(l), Some(w), Some(h)) = (p.length_cm, p.width_cm, p.height_cm) {
        add(
            t.dimensions,
            Some(format!(
                "{} × {} × {}",
                decimal_show(lang, l),
                decimal_show(lang, w),
                decimal_show(lang, h)
            )),
        );
    }
    add(t.gtin, p.gtin.clone());
    add(t.shelf_life_days, p.shelf_life_days.map(|d| d.to_string()));
    add(t.storage, p.storage.clone());
    add(t.planting_area_code, p.planting_area_code.clone());
    facts
}

async fn manage_page(
    cx: Ctx<'_>,
    id: i64,
    notice: Option<&'static str>,
    forms: ManageForms,
) -> Result<ProductManagePage, AppError> {
    let Ctx {
        state,
        req,
        lang,
        user,
    } = cx;
    let actor = user.actor.clone();
    let d = with_db(state, move |conn, _| {
        catalog::product_detail(conn, &actor, id)
    })
    .await?;
    let t = lang.texts();
    let today = today_vn();
    let p = &d.product;
    let public_href =
        (p.status == "listed" && d.seller.status == "active").then(|| format!("/p/{}", p.slug));
    Ok(ProductManagePage {
        c: page_chrome(req, lang, user, format!("/products/{}", p.id)),
        notice,
        id: p.id,
        name: p.name_vi.clone(),
        name_en: p.name_en.clone(),
        status: p.status.clone(),
        seller_name: d.seller.short_name.clone(),
        back_href: seller_href(&user.actor, p.seller_id),
        public_href,
        facts: product_facts(t, lang, p),
        description: p.description.clone(),
        story: p.story.clone(),
        ingredients: p.ingredients.clone(),
        photos: d.photos.iter().map(PhotoView::from).collect(),
        photo_errors: forms.photo_errors,
        certs: d.certificates.iter().map(|k| cert_row(k, today)).collect(),
        cert_form: forms.cert_form,
        cert_errors: forms.cert_errors,
        star_choices: vec![("3", "3 ★★★"), ("4", "4 ★★★★"), ("5", "5 ★★★★★")],
        issuers: CertificateIssuer::ALL
            .iter()
            .map(|i| (i.as_str(), t.issuer(i.as_str())))
            .collect(),
        lots: d
            .lots
            .iter()
            .map(|l| LotRow {
                id: l.id,
                code: l.code.clone(),
                status: l.status.clone(),
                produced_on: l.produced_on.map(dmy),
                best_before: l.best_before.map(dmy),
            })
            .collect(),
        lot: LotFields::new(forms.lot_form, forms.lot_errors),
    })
}

/// Answers a form of the manage page: the redirect on success, the page
/// again with the form's problems (422) on a validation error.
async fn manage_answer<T>(
    cx: Ctx<'_>,
    id: i64,
    result: Result<T, AppError>,
    success: impl FnOnce(T) -> String,
    on_error: impl FnOnce(Errors) -> ManageForms,
) -> Result<HttpResponse, HtmlError> {
    let lang = cx.lang;
    match result {
        Ok(v) => Ok(see_other(&success(v))),
        Err(AppError::Validation(e)) => {
            let forms = on_error(field_messages(&e, lang));
            let page = manage_page(cx, id, None, forms).await.map_err(html(lang))?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page).map_err(html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// `GET /products/{id}`.
pub async fn manage(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, HtmlError> {
    let forms = ManageForms {
        cert_form: CertificateInput {
            issued_by: CertificateIssuer::Province.as_str().to_owned(),
            ..Default::default()
        },
        ..Default::default()
    };
    let notice = query.notice(lang.texts());
    let cx = Ctx {
        state: &state,
        req: &req,
        lang,
        user: &user,
    };
    let page = manage_page(cx, id.into_inner(), notice, forms)
        .await
        .map_err(html(lang))?;
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// `POST /products/{id}/photos` (multipart, file `photo`).
pub async fn add_photo(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let result = match uploads::read(&req, payload, &uploads::PHOTO_FORM).await {
        Ok(mut form) => match form.files.remove("photo") {
            Some(bytes) => {
                let actor = user.actor.clone();
                with_state(&state, move |st| {
                    catalog::upload_photo(
                        &st.pool,
                        &st.cpu,
                        &actor,
                        &st.settings.data_dir,
                        id,
                        bytes,
                    )
                })
                .await
            }
            None => Err(AppError::field("photo", Reason::Required)),
        },
        Err(e) => Err(e),
    };
    manage_answer(
        Ctx {
            state: &state,
            req: &req,
            lang,
            user: &user,
        },
        id,
        result,
        |_| format!("/products/{id}?saved=1#photos"),
        |errors| ManageForms {
            photo_errors: errors,
            ..Default::default()
        },
    )
    .await
}

/// The step of a photo move: -1 (up) or 1 (down).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    step: String,
}

/// `POST /products/{id}/photos/{photo_id}/move`.
pub async fn move_photo(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, HtmlError> {
    let (id, photo_id) = path.into_inner();
    let step: i32 = match form.step.trim() {
        "-1" => -1,
        "1" | "+1" => 1,
        _ => {
            return Err(AppError::BadRequest {
                detail: "step must be -1 or 1".into(),
            }
            .html(lang));
        }
    };
    let actor = user.actor.clone();
    with_db(&state, move |conn, _| {
        catalog::move_photo(conn, &actor, id, photo_id, step)
    })
    .await
    .map_err(html(lang))?;
    Ok(see_other(&format!("/products/{id}#photos")))
}

/// `POST /products/{id}/photos/{photo_id}/delete`.
pub async fn delete_photo(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, HtmlError> {
    let (id, photo_id) = path.into_inner();
    let actor = user.actor.clone();
    with_db(&state, move |conn, _| {
        catalog::delete_photo(conn, &actor, id, photo_id)
    })
    .await
    .map_err(html(lang))?;
    Ok(see_other(&format!("/products/{id}?saved=1#photos")))
}

fn certificate_input(form: &UploadForm) -> CertificateInput {
    CertificateInput {
        stars: form.text("stars"),
        score: form.text("score"),
        decision_no: form.text("decision_no"),
        issued_by: form.text("issued_by"),
        issued_on: form.text("issued_on"),
        valid_until: form.text("valid_until"),
    }
}

/// `POST /products/{id}/certificates` (multipart, optional file `document`).
pub async fn add_certificate(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let (input, result) = match uploads::read(&req, payload, &uploads::CERTIFICATE_FORM).await {
        Ok(mut form) => {
            let input = certificate_input(&form);
            let document = form.files.remove("document");
            let (actor, to_save) = (user.actor.clone(), input.clone());
            let result = with_state(&state, move |st| {
                catalog::upload_certificate(
                    &st.pool,
                    &st.cpu,
                    &actor,
                    &st.settings.data_dir,
                    id,
                    &to_save,
                    document,
                )
            })
            .await;
            (input, result)
        }
        Err(e) => (CertificateInput::default(), Err(e)),
    };
    manage_answer(
        Ctx {
            state: &state,
            req: &req,
            lang,
            user: &user,
        },
        id,
        result,
        |_| format!("/products/{id}?saved=1#certificates"),
        |errors| ManageForms {
            cert_form: input,
            cert_errors: errors,
            ..Default::default()
        },
    )
    .await
}

/// `POST /products/{id}/lots`: adds a lot and opens its page.
pub async fn create_lot(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<LotInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let result = with_db(&state, move |conn, _| {
        lots::create_lot(conn, &actor, id, &to_save)
    })
    .await;
    manage_answer(
        Ctx {
            state: &state,
            req: &req,
            lang,
            user: &user,
        },
        id,
        result,
        |lot: Lot| format!("/lots/{}?saved=1", lot.id),
        |errors| ManageForms {
            lot_form: input,
            lot_errors: errors,
            ..Default::default()
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// The lot page: facts, status, timeline of events.

/// An event as the timeline shows it.
struct EventRow {
    id: i64,
    kind: String,
    when: String,
    place: Option<String>,
    actor: Option<String>,
    note: Option<String>,
    attachment_url: Option<String>,
    corrects: Option<i64>,
    corrected_by: Option<i64>,
}

fn event_rows(events: &[TraceEvent]) -> Vec<EventRow> {
    events
        .iter()
        .zip(event_views(events))
        .map(|(e, v)| EventRow {
            id: e.id,
            kind: e.kind.clone(),
            when: dmy_hm(e.happened_at),
            place: v.place,
            actor: v.actor,
            note: v.note,
            attachment_url: v.attachment_url,
            corrects: v.corrects_event_id,
            corrected_by: v.corrected_by,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "lot_page.html", config = "src/askama.toml")]
struct LotPage {
    c: Chrome,
    notice: Option<&'static str>,
    id: i64,
    code: String,
    status: String,
    status_reason: Option<String>,
    product_id: i64,
    product_name: String,
    facts: Vec<Fact>,
    statuses: Vec<Choice>,
    status_form: LotStatusInput,
    status_errors: Errors,
    events: Vec<EventRow>,
    kinds: Vec<Choice>,
    event_form: EventInput,
    event_errors: Errors,
}

/// What the forms of a lot page show.
#[derive(Default)]
struct LotForms {
    status: Option<(LotStatusInput, Errors)>,
    event: Option<(EventInput, Errors)>,
}

fn lot_facts(t: &'static Texts, lang: Lang, l: &Lot) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut add = |label: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push(Fact { label, value });
        }
    };
    add(t.produced_on, l.produced_on.map(dmy));
    add(t.packed_on, l.packed_on.map(dmy));
    add(t.best_before, l.best_before.map(dmy));
    add(
        t.quantity,
        l.quantity.map(|q| {
            let unit = l.quantity_unit.as_deref().unwrap_or("");
            format!("{} {unit}", decimal_show(lang, q))
                .trim_end()
                .to_owned()
        }),
    );
    let origin = match (&l.origin_place, l.origin_commune_code) {
        (Some(place), Some(code)) => Some(format!("{place}, {}", commune_name(code))),
        (Some(place), None) => Some(place.clone()),
        (None, Some(code)) => Some(commune_name(code)),
        (None, None) => None,
    };
    add(t.origin, origin);
    facts
}

async fn lot_page(
    cx: Ctx<'_>,
    id: i64,
    notice: Option<&'static str>,
    forms: LotForms,
) -> Result<LotPage, AppError> {
    let Ctx {
        state,
        req,
        lang,
        user,
    } = cx;
    let actor = user.actor.clone();
    let d = with_db(state, move |conn, _| lots::lot_detail(conn, &actor, id)).await?;
    let t = lang.texts();
    let (status_form, status_errors) = forms.status.unwrap_or_else(|| {
        (
            LotStatusInput {
                status: d.lot.status.clone(),
                reason: d.lot.status_reason.clone().unwrap_or_default(),
            },
            Errors::new(),
        )
    });
    let (event_form, event_errors) = forms.event.unwrap_or_else(|| {
        (
            EventInput {
                happened_at: now_vn_input(),
                ..Default::default()
            },
            Errors::new(),
        )
    });
    Ok(LotPage {
        c: page_chrome(req, lang, user, format!("/lots/{}", d.lot.id)),
        notice,
        id: d.lot.id,
        code: d.lot.code.clone(),
        status: d.lot.status.clone(),
        status_reason: d.lot.status_reason.clone(),
        product_id: d.product.id,
        product_name: d.product.name_vi.clone(),
        facts: lot_facts(t, lang, &d.lot),
        statuses: LotStatus::ALL
            .iter()
            .map(|s| (s.as_str(), t.lot_status(s.as_str())))
            .collect(),
        status_form,
        status_errors,
        events: event_rows(&d.events),
        kinds: EventKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.event_kind(k.as_str())))
            .collect(),
        event_form,
        event_errors,
    })
}

/// Answers a form of the lot page, like [`manage_answer`].
async fn lot_answer<T>(
    cx: Ctx<'_>,
    id: i64,
    result: Result<T, AppError>,
    success: String,
    on_error: impl FnOnce(Errors) -> LotForms,
) -> Result<HttpResponse, HtmlError> {
    let lang = cx.lang;
    match result {
        Ok(_) => Ok(see_other(&success)),
        Err(AppError::Validation(e)) => {
            let forms = on_error(field_messages(&e, lang));
            let page = lot_page(cx, id, None, forms).await.map_err(html(lang))?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page).map_err(html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// `GET /lots/{id}`.
pub async fn lot(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, HtmlError> {
    let notice = query.notice(lang.texts());
    let cx = Ctx {
        state: &state,
        req: &req,
        lang,
        user: &user,
    };
    let page = lot_page(cx, id.into_inner(), notice, LotForms::default())
        .await
        .map_err(html(lang))?;
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// `POST /lots/{id}/status`: hold, recall or release (a reason is needed
/// to hold or recall).
pub async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<LotStatusInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let result = with_db(&state, move |conn, _| {
        lots::set_lot_status(conn, &actor, id, &to_save)
    })
    .await;
    lot_answer(
        Ctx {
            state: &state,
            req: &req,
            lang,
            user: &user,
        },
        id,
        result,
        format!("/lots/{id}?saved=1"),
        |errors| LotForms {
            status: Some((input, errors)),
            ..Default::default()
        },
    )
    .await
}

fn event_input(form: &UploadForm) -> EventInput {
    EventInput {
        kind: form.text("kind"),
        happened_at: form.text("happened_at"),
        place: form.text("place"),
        actor: form.text("actor"),
        note: form.text("note"),
        corrects_event_id: form.text("corrects_event_id"),
    }
}

/// `POST /lots/{id}/events` (multipart, optional file `attachment`).
pub async fn add_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let (input, result) = match uploads::read(&req, payload, &uploads::EVENT_FORM).await {
        Ok(mut form) => {
            let input = event_input(&form);
            let attachment = form.files.remove("attachment");
            let (actor, to_save) = (user.actor.clone(), input.clone());
            let result = with_state(&state, move |st| {
                lots::upload_event(
                    &st.pool,
                    &st.cpu,
                    &actor,
                    &st.settings.data_dir,
                    id,
                    &to_save,
                    attachment,
                )
            })
            .await;
            (input, result)
        }
        Err(e) => (
            EventInput {
                happened_at: now_vn_input(),
                ..Default::default()
            },
            Err(e),
        ),
    };
    lot_answer(
        Ctx {
            state: &state,
            req: &req,
            lang,
            user: &user,
        },
        id,
        result,
        format!("/lots/{id}?saved=1#events"),
        |errors| LotForms {
            event: Some((input, errors)),
            ..Default::default()
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// The lot edit form.

#[derive(Template)]
#[template(path = "lot_form.html", config = "src/askama.toml")]
struct LotFormPage {
    c: Chrome,
    id: i64,
    code: String,
    lot: LotFields,
}

impl LotFormPage {
    fn respond(&self, status: StatusCode, lang: Lang) -> Result<HttpResponse, HtmlError> {
        render(status, self).map_err(html(lang))
    }
}

/// A lot's values as the form shows them (dates as `type=date` wants).
fn input_of_lot(l: &Lot) -> LotInput {
    let iso = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    LotInput {
        code: l.code.clone(),
        produced_on: iso(l.produced_on),
        packed_on: iso(l.packed_on),
        best_before: iso(l.best_before),
        quantity: l.quantity.map(decimal_text).unwrap_or_default(),
        quantity_unit: l.quantity_unit.clone().unwrap_or_default(),
        origin_commune_code: l
            .origin_commune_code
            .map(|c| c.to_string())
            .unwrap_or_default(),
        origin_place: l.origin_place.clone().unwrap_or_default(),
    }
}

/// `GET /lots/{id}/edit`.
pub async fn lot_edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let (lot, _, _) = with_db(&state, move |conn, _| lots::managed_lot(conn, &actor, id))
        .await
        .map_err(html(lang))?;
    LotFormPage {
        c: Chrome::new(&req, lang, Some(&user)),
        id,
        code: lot.code.clone(),
        lot: LotFields::new(input_of_lot(&lot), Errors::new()),
    }
    .respond(StatusCode::OK, lang)
}

/// `POST /lots/{id}/edit`.
pub async fn lot_update(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<LotInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let saved = with_db(&state, move |conn, _| {
        lots::update_lot(conn, &actor, id, &to_save)
    })
    .await;
    match saved {
        Ok(_) => Ok(see_other(&format!("/lots/{id}?saved=1"))),
        Err(AppError::Validation(e)) => {
            // The heading keeps the stored code while the form shows the typed one.
            let actor = user.actor.clone();
            let (lot, _, _) = with_db(&state, move |conn, _| lots::managed_lot(conn, &actor, id))
                .await
                .map_err(html(lang))?;
            LotFormPage {
                c: Chrome::new(&req, lang, Some(&user)),
                id,
                code: lot.code,
                lot: LotFields::new(input, field_messages(&e, lang)),
            }
            .respond(StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => Err(e.html(lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_the_way_each_language_writes_them() {
        assert_eq!(format_vnd(Lang::Vi, 150_000), "150.000 ₫");
        assert_eq!(format_vnd(Lang::En, 1_250_000), "1,250,000 ₫");
        assert_eq!(format_vnd(Lang::Vi, 0), "0 ₫");
        assert_eq!(format_vnd(Lang::Vi, 999), "999 ₫");
    }

    #[test]
    fn decimals_round_trip_through_the_form() {
        assert_eq!(decimal_text(500.0), "500");
        assert_eq!(decimal_text(1.5), "1.5");
        assert_eq!(decimal_show(Lang::Vi, 1.5), "1,5");
    }
}
