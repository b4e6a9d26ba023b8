//! The seller form, shared by staff onboarding and editing and by a seller
//! member editing its own org: no JavaScript, so the province select narrows
//! the commune list by a submit that only redraws the form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::Seller;
use crate::domain::commune::{self, Commune, Province};
use crate::domain::{SellerKind, SellerStatus};
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::Lang;
use crate::routes::api_sellers::SellerView;
use crate::routes::{Chrome, render, see_other, with_db};
use crate::services::sellers::{self, SellerInput};
use crate::startup::AppState;

type Errors = BTreeMap<&'static str, String>;

/// Province shown first in the commune picker: Thanh Hóa, where the first
/// post offices are.
pub const DEFAULT_PROVINCE: u32 = 38;

/// The seller form as posted by a browser: a checkbox sends "on" or nothing,
/// and the province select only narrows the commune list.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SellerFormData {
    kind: String,
    legal_name: String,
    short_name: String,
    tax_code: String,
    business_reg_no: String,
    representative: String,
    phone: String,
    zalo_phone: String,
    email: String,
    province: String,
    commune_code: String,
    village: String,
    former_district: String,
    gln: String,
    bank_account: String,
    status: String,
    consent: Option<String>,
    action: String,
}

impl SellerFormData {
    pub fn into_input(self) -> SellerInput {
        SellerInput {
            kind: self.kind,
            legal_name: self.legal_name,
            short_name: self.short_name,
            tax_code: self.tax_code,
            business_reg_no: self.business_reg_no,
            representative: self.representative,
            phone: self.phone,
            zalo_phone: self.zalo_phone,
            email: self.email,
            commune_code: self.commune_code,
            village: self.village,
            former_district: self.former_district,
            gln: self.gln,
            bank_account: self.bank_account,
            status: self.status,
            consent: self.consent.is_some_and(|v| !v.is_empty()),
        }
    }

    /// True when the person only asked to see another province's communes.
    pub fn is_province_change(&self) -> bool {
        self.action == "province"
    }

    pub fn province(&self) -> u32 {
        self.province
            .trim()
            .parse()
            .ok()
            .filter(|p| commune::province(*p).is_some())
            .unwrap_or(DEFAULT_PROVINCE)
    }
}

/// The form's values as text, for showing them again.
pub fn input_of(view: &SellerView) -> SellerInput {
    SellerInput {
        kind: view.kind.clone(),
        legal_name: view.legal_name.clone(),
        short_name: view.short_name.clone(),
        tax_code: view.tax_code.clone().unwrap_or_default(),
        business_reg_no: view.business_reg_no.clone().unwrap_or_default(),
        representative: view.representative.clone(),
        phone: view.phone.clone(),
        zalo_phone: view.zalo_phone.clone().unwrap_or_default(),
        email: view.email.clone().unwrap_or_default(),
        commune_code: view.commune_code.to_string(),
        village: view.village.clone().unwrap_or_default(),
        former_district: view.former_district.clone().unwrap_or_default(),
        gln: view.gln.clone().unwrap_or_default(),
        bank_account: view.bank_account.clone().unwrap_or_default(),
        status: view.status.clone(),
        consent: view.consent_at.is_some(),
    }
}

pub fn province_of_commune(code: &str) -> Option<u32> {
    code.trim()
        .parse::<u32>()
        .ok()
        .and_then(commune::commune)
        .map(|c| c.province_code)
}

#[derive(Template)]
#[template(path = "seller_form.html", config = "src/askama.toml")]
pub struct SellerFormPage {
    c: Chrome,
    title: &'static str,
    action: String,
    cancel: String,
    form: SellerInput,
    province: u32,
    provinces: &'static [Province],
    communes: &'static [Commune],
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    show_status: bool,
    ask_consent: bool,
    errors: Errors,
}

/// What differs between the uses of the seller form.
pub struct FormSpec {
    pub title: &'static str,
    /// Where the form posts.
    pub action: String,
    /// Where "cancel" and a successful save go.
    pub back: String,
    /// Staff may set the status; members may not.
    pub show_status: bool,
    /// Consent is asked once, when the seller is onboarded.
    pub ask_consent: bool,
}

impl SellerFormPage {
    /// The form for `spec` with `form`'s values; `province` picks the communes.
    pub fn new(
        c: Chrome,
        spec: FormSpec,
        form: SellerInput,
        province: u32,
        errors: Errors,
    ) -> SellerFormPage {
        let t = c.t;
        SellerFormPage {
            title: spec.title,
            action: spec.action,
            cancel: spec.back,
            form,
            province,
            provinces: commune::provinces(),
            communes: commune::communes_of(province),
            kinds: SellerKind::ALL
                .iter()
                .map(|k| (k.as_str(), t.seller_kind(k.as_str())))
                .collect(),
            statuses: SellerStatus::ALL
                .iter()
                .map(|s| (s.as_str(), t.seller_status(s.as_str())))
                .collect(),
            show_status: spec.show_status,
            ask_consent: spec.ask_consent,
            errors,
            c,
        }
    }

    /// Renders with `status`.
    pub fn respond(&self, status: StatusCode, lang: Lang) -> Result<HttpResponse, HtmlError> {
        render(status, self).map_err(|e| e.html(lang))
    }
}

/// Handles a posted seller form: redraws it for a province change, saves it
/// (creating when `id` is None), or shows it again with each problem next
/// to its field. A save redirects to `spec.back` or, for a new seller, to
/// its page.
pub async fn submit(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: Lang,
    user: &AuthUser,
    id: Option<i64>,
    data: SellerFormData,
    spec: FormSpec,
) -> Result<HttpResponse, HtmlError> {
    let province = data.province();
    let change_only = data.is_province_change();
    let input = data.into_input();
    let c = Chrome::new(req, lang, Some(user));
    if change_only {
        return SellerFormPage::new(c, spec, input, province, Errors::new())
            .respond(StatusCode::OK, lang);
    }
    let actor = user.actor.clone();
    let to_save = input.clone();
    let saved = with_db(state, move |conn, _| -> Result<Seller, AppError> {
        match id {
            Some(id) => sellers::update(conn, &actor, id, &to_save),
            None => sellers::create(conn, &actor, &to_save),
        }
    })
    .await;
    match saved {
        Ok(seller) if id.is_none() => {
            Ok(see_other(&format!("/staff/sellers/{}?saved=1", seller.id)))
        }
        Ok(_) => Ok(see_other(&format!("{}?saved=1", spec.back))),
        Err(AppError::Validation(e)) => {
            let province = province_of_commune(&input.commune_code).unwrap_or(province);
            SellerFormPage::new(c, spec, input, province, field_messages(&e, lang))
                .respond(StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => Err(e.html(lang)),
    }
}
