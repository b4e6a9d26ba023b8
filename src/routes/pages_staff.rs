//! The staff console: seller list with search, onboarding and editing
//! sellers, inviting members.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::StaffUser;
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::{Lang, Texts};
use crate::routes::api_sellers::{InvitationView, SellerSummary, SellerView};
use crate::routes::seller_form::{
    self, DEFAULT_PROVINCE, FormSpec, SellerFormData, SellerFormPage, input_of, province_of_commune,
};
use crate::routes::{Chrome, page, render, see_other, with_db};
use crate::services::sellers::{self, InviteInput, PAGE_SIZE, SellerInput};
use crate::startup::AppState;

type Errors = BTreeMap<&'static str, String>;

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
    let (rows, total) = with_db(&state, move |conn, _| {
        sellers::list(conn, &actor, &qq, page_no)
    })
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

/// The spec of the onboarding form.
fn create_spec(t: &Texts) -> FormSpec {
    FormSpec {
        title: t.seller_create_title,
        action: "/staff/sellers/new".into(),
        back: "/staff".into(),
        show_status: true,
        ask_consent: true,
    }
}

/// The spec of the staff edit form.
fn edit_spec(t: &Texts, id: i64) -> FormSpec {
    FormSpec {
        title: t.seller_edit_title,
        action: format!("/staff/sellers/{id}/edit"),
        back: format!("/staff/sellers/{id}"),
        show_status: true,
        ask_consent: false,
    }
}

/// `GET /staff/sellers/new`.
pub async fn new_form(
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
) -> Result<HttpResponse, HtmlError> {
    let form = SellerInput {
        kind: "household".into(),
        status: "active".into(),
        ..Default::default()
    };
    let c = Chrome::new(&req, lang, Some(&user));
    let spec = create_spec(c.t);
    SellerFormPage::new(c, spec, form, DEFAULT_PROVINCE, Errors::new())
        .respond(StatusCode::OK, lang)
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
    let spec = create_spec(lang.texts());
    seller_form::submit(&state, &req, lang, &user, None, form.into_inner(), spec).await
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
    products: Vec<crate::routes::pages_products::ProductRow>,
    add_product_href: String,
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
    let (d, products) = with_db(state, move |conn, _| {
        let d = sellers::detail(conn, &actor, id)?;
        let products = crate::services::catalog::seller_products(conn, &actor, id)?;
        Ok((d, products))
    })
    .await?;
    Ok(SellerDetailPage {
        products: crate::routes::pages_products::product_rows(&products, lang),
        add_product_href: crate::routes::pages_products::new_product_href(id),
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
        invitations: InvitationView::list(&d),
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
    let p = detail_page(
        &state,
        &req,
        lang,
        &user,
        id.into_inner(),
        notice,
        Default::default(),
    )
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
    let spec = edit_spec(c.t, id);
    let province = province_of_commune(&view.commune_code.to_string()).unwrap_or(DEFAULT_PROVINCE);
    SellerFormPage::new(c, spec, input_of(&view), province, Errors::new())
        .respond(StatusCode::OK, lang)
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
    let spec = edit_spec(lang.texts(), id);
    seller_form::submit(&state, &req, lang, &user, Some(id), form.into_inner(), spec).await
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
        sellers::invite(
            conn,
            &st.keys,
            &st.settings,
            &st.outbox,
            &actor,
            id,
            &to_send,
        )
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/sellers/{id}?invited=1#invite"))),
        Err(AppError::Validation(e)) => {
            let p = detail_page(
                &state,
                &req,
                lang,
                &user,
                id,
                None,
                (input.name, input.email, field_messages(&e, lang)),
            )
            .await
            .map_err(|e| e.html(lang))?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &p).map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}
