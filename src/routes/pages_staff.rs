//! The staff console: seller list with search, onboarding and editing
//! sellers, inviting members.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::StaffUser;
use crate::domain::commune::{self, Commune, Province};
use crate::domain::{SellerKind, SellerStatus};
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::{Lang, Texts};
use crate::routes::api_sellers::{InvitationView, SellerSummary, SellerView};
use crate::routes::{Chrome, page, render, see_other, with_db};
use crate::services::sellers::{self, InviteInput, PAGE_SIZE, SellerInput};
use crate::startup::AppState;

type Errors = BTreeMap<&'static str, String>;

/// Province shown first in the commune picker: Thanh Hóa, where the first
/// post offices are.
const DEFAULT_PROVINCE: u32 = 38;

#[derive(Template)]
#[template(path = "sellers.html", config = "src/askama.toml")]
struct SellerListPage {
    c: Chrome,
    q: String,
    rows: Vec<SellerSummary>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    page: Option<i64>,
}

/// `GET /staff`: the sellers this staff member onboarded (all, for admins).
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, HtmlError> {
    let query = query.into_inner();
    let page_no = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let q: String = query.q.trim().chars().take(100).collect();
    let actor = user.actor.clone();
    let qq = q.clone();
    let (rows, total) = with_db(&state, move |conn, _| sellers::list(conn, &actor, &qq, page_no))
        .await
        .map_err(|e| e.html(lang))?;
    page(&SellerListPage {
        c: Chrome::new(&req, lang, Some(&user)),
        q,
        rows: rows.iter().map(SellerSummary::from).collect(),
        total,
        prev: (page_no > 1).then(|| page_no - 1),
        next: (page_no * PAGE_SIZE < total).then(|| page_no + 1),
    })
    .map_err(|e| e.html(lang))
}

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
    fn into_input(self) -> SellerInput {
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
    fn is_province_change(&self) -> bool {
        self.action == "province"
    }

    fn province(&self) -> u32 {
        self.province.trim().parse().ok().filter(|p| commune::province(*p).is_some()).unwrap_or(DEFAULT_PROVINCE)
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

fn province_of_commune(code: &str) -> Option<u32> {
    code.trim().parse::<u32>().ok().and_then(commune::commune).map(|c| c.province_code)
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

/// Everything the seller form needs; `province` picks the commune list.
#[allow(clippy::too_many_arguments)]
pub fn seller_form_page(
    c: Chrome,
    title: &'static str,
    action: String,
    cancel: String,
    form: SellerInput,
    province: u32,
    show_status: bool,
    ask_consent: bool,
    errors: Errors,
) -> SellerFormPage {
    let t: &Texts = c.t;
    SellerFormPage {
        title,
        action,
        cancel,
        form,
        province,
        provinces: commune::provinces(),
        communes: commune::communes_of(province),
        kinds: SellerKind::ALL.iter().map(|k| (k.as_str(), t.seller_kind(k.as_str()))).collect(),
        statuses: SellerStatus::ALL.iter().map(|s| (s.as_str(), t.seller_status(s.as_str()))).collect(),
        show_status,
        ask_consent,
        errors,
        c,
    }
}

/// `GET /staff/sellers/new`.
pub async fn new_form(req: HttpRequest, lang: Lang, StaffUser(user): StaffUser) -> Result<HttpResponse, HtmlError> {
    let form = SellerInput {
        kind: "household".into(),
        status: "active".into(),
        ..Default::default()
    };
    let c = Chrome::new(&req, lang, Some(&user));
    let title = c.t.seller_create_title;
    page(&seller_form_page(
        c,
        title,
        "/staff/sellers/new".into(),
        "/staff".into(),
        form,
        DEFAULT_PROVINCE,
        true,
        true,
        Errors::new(),
    ))
    .map_err(|e| e.html(lang))
}

/// `POST /staff/sellers/new`: creates the seller, or shows the form again
/// with every problem next to its field.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    form: web::Form<SellerFormData>,
) -> Result<HttpResponse, HtmlError> {
    let data = form.into_inner();
    let province = data.province();
    let change_only = data.is_province_change();
    let input = data.into_input();
    let c = Chrome::new(&req, lang, Some(&user));
    let title = c.t.seller_create_title;
    let show = |input: SellerInput, province: u32, errors: Errors, status: StatusCode, c: Chrome| {
        render(
            status,
            &seller_form_page(c, title, "/staff/sellers/new".into(), "/staff".into(), input, province, true, true, errors),
        )
        .map_err(|e| e.html(lang))
    };
    if change_only {
        return show(input, province, Errors::new(), StatusCode::OK, c);
    }
    let actor = user.actor.clone();
    let to_save = input.clone();
    match with_db(&state, move |conn, _| sellers::create(conn, &actor, &to_save)).await {
        Ok(seller) => Ok(see_other(&format!("/staff/sellers/{}?saved=1", seller.id))),
        Err(AppError::Validation(e)) => {
            let province = province_of_commune(&input.commune_code).unwrap_or(province);
            show(input, province, field_messages(&e, lang), StatusCode::UNPROCESSABLE_ENTITY, c)
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// An audit line as the history list shows it.
pub struct HistoryLine {
    at: String,
    action: String,
    actor: String,
    on_behalf: bool,
}

#[derive(Template)]
#[template(path = "seller_detail.html", config = "src/askama.toml")]
struct SellerDetailPage {
    c: Chrome,
    s: SellerView,
    notice: Option<&'static str>,
    edit_href: String,
    members: Vec<crate::routes::api_sellers::MemberView>,
    can_invite: bool,
    invitations: Vec<InvitationView>,
    history: Vec<HistoryLine>,
    invite_name: String,
    invite_email: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    saved: Option<String>,
    invited: Option<String>,
}

async fn detail_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: Lang,
    user: &crate::auth::AuthUser,
    id: i64,
    notice: Option<&'static str>,
    invite: (String, String, Errors),
) -> Result<SellerDetailPage, AppError> {
    let actor = user.actor.clone();
    let d = with_db(state, move |conn, _| sellers::detail(conn, &actor, id)).await?;
    Ok(SellerDetailPage {
        c: Chrome::new(req, lang, Some(user)),
        s: SellerView::from(&d.seller),
        notice,
        edit_href: format!("/staff/sellers/{id}/edit"),
        members: d
            .members
            .iter()
            .map(crate::routes::api_sellers::MemberView::from)
            .collect(),
        can_invite: user.actor.is_staff_or_admin(),
        invitations: d.invitations.iter().map(InvitationView::from).collect(),
        history: d
            .history
            .iter()
            .map(|h| HistoryLine {
                at: h.at.format("%Y-%m-%d %H:%M").to_string(),
                action: h.action.clone(),
                actor: h.actor_role.clone(),
                on_behalf: h.on_behalf,
            })
            .collect(),
        invite_name: invite.0,
        invite_email: invite.1,
        errors: invite.2,
    })
}

/// `GET /staff/sellers/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    id: web::Path<i64>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, HtmlError> {
    let t = lang.texts();
    let notice = if query.invited.is_some() {
        Some(t.invite_sent)
    } else if query.saved.is_some() {
        Some(t.saved)
    } else {
        None
    };
    let p = detail_page(&state, &req, lang, &user, id.into_inner(), notice, Default::default())
        .await
        .map_err(|e| e.html(lang))?;
    page(&p).map_err(|e| e.html(lang))
}

/// `GET /staff/sellers/{id}/edit`.
pub async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let d = with_db(&state, move |conn, _| sellers::detail(conn, &actor, id))
        .await
        .map_err(|e| e.html(lang))?;
    let view = SellerView::from(&d.seller);
    let c = Chrome::new(&req, lang, Some(&user));
    let title = c.t.seller_edit_title;
    let province = province_of_commune(&view.commune_code.to_string()).unwrap_or(DEFAULT_PROVINCE);
    page(&seller_form_page(
        c,
        title,
        format!("/staff/sellers/{id}/edit"),
        format!("/staff/sellers/{id}"),
        input_of(&view),
        province,
        true,
        false,
        Errors::new(),
    ))
    .map_err(|e| e.html(lang))
}

/// Saves an edit posted from a seller form, for staff or for the seller's
/// own members; `back` is where to go afterwards.
pub async fn save_edit(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: Lang,
    user: &crate::auth::AuthUser,
    id: i64,
    data: SellerFormData,
    (action, back, show_status): (String, String, bool),
) -> Result<HttpResponse, HtmlError> {
    let province = data.province();
    let change_only = data.is_province_change();
    let input = data.into_input();
    let c = Chrome::new(req, lang, Some(user));
    let title = c.t.seller_edit_title;
    if change_only {
        return page(&seller_form_page(c, title, action, back, input, province, show_status, false, Errors::new()))
            .map_err(|e| e.html(lang));
    }
    let actor = user.actor.clone();
    let to_save = input.clone();
    match with_db(state, move |conn, _| sellers::update(conn, &actor, id, &to_save)).await {
        Ok(_) => Ok(see_other(&format!("{back}?saved=1"))),
        Err(AppError::Validation(e)) => {
            let province = province_of_commune(&input.commune_code).unwrap_or(province);
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &seller_form_page(c, title, action, back, input, province, show_status, false, field_messages(&e, lang)),
            )
            .map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// `POST /staff/sellers/{id}/edit`.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    id: web::Path<i64>,
    form: web::Form<SellerFormData>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    save_edit(
        &state,
        &req,
        lang,
        &user,
        id,
        form.into_inner(),
        (format!("/staff/sellers/{id}/edit"), format!("/staff/sellers/{id}"), true),
    )
    .await
}

/// `POST /staff/sellers/{id}/invite`.
pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    id: web::Path<i64>,
    form: web::Form<InviteInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let actor = user.actor.clone();
    let to_send = input.clone();
    let result = with_db(&state, move |conn, st| {
        sellers::invite(conn, &st.keys, &st.settings, &st.mailer, &actor, id, &to_send)
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/sellers/{id}?invited=1#invite"))),
        Err(AppError::Validation(e)) => {
            let p = detail_page(&state, &req, lang, &user, id, None, (input.name, input.email, field_messages(&e, lang)))
                .await
                .map_err(|e| e.html(lang))?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &p).map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}
