//! A seller member's own pages.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::SellerUser;
use crate::error::HtmlError;
use crate::i18n::Lang;
use crate::routes::api_sellers::{MemberView, SellerView};
use crate::routes::seller_form::{
    self, DEFAULT_PROVINCE, FormSpec, SellerFormData, SellerFormPage, input_of, province_of_commune,
};
use crate::routes::{Chrome, page, with_db};
use crate::services::sellers;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "seller_home.html", config = "src/askama.toml")]
struct SellerHomePage {
    c: Chrome,
    s: SellerView,
    members: Vec<MemberView>,
    notice: Option<&'static str>,
    products: Vec<crate::routes::pages_products::ProductRow>,
    add_product_href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HomeQuery {
    saved: Option<String>,
}

/// `GET /seller`: the member's org at a glance.
pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    me: SellerUser,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, HtmlError> {
    let (actor, id) = (me.user.actor.clone(), me.seller_id);
    let (d, products) = with_db(&state, move |conn, _| {
        let d = sellers::detail(conn, &actor, id)?;
        let products = crate::services::catalog::seller_products(conn, &actor, id)?;
        Ok((d, products))
    })
    .await
    .map_err(|e| e.html(lang))?;
    page(&SellerHomePage {
        products: crate::routes::pages_products::product_rows(&products, lang),
        add_product_href: crate::routes::pages_products::new_product_href(id),
        c: Chrome::new(&req, lang, Some(&me.user)),
        s: SellerView::from(&d.seller),
        members: d.members.iter().map(MemberView::from).collect(),
        notice: query.saved.as_ref().map(|_| lang.texts().saved),
    })
    .map_err(|e| e.html(lang))
}

/// The spec of a member's own edit form: no status, no consent question.
fn own_spec(t: &crate::i18n::Texts) -> FormSpec {
    FormSpec {
        title: t.seller_edit_title,
        action: "/seller/edit".into(),
        back: "/seller".into(),
        show_status: false,
        ask_consent: false,
    }
}

/// `GET /seller/edit`: members correct their own org's details.
pub async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    me: SellerUser,
) -> Result<HttpResponse, HtmlError> {
    let (actor, id) = (me.user.actor.clone(), me.seller_id);
    let d = with_db(&state, move |conn, _| sellers::detail(conn, &actor, id))
        .await
        .map_err(|e| e.html(lang))?;
    let view = SellerView::from(&d.seller);
    let c = Chrome::new(&req, lang, Some(&me.user));
    let spec = own_spec(c.t);
    let province = province_of_commune(&view.commune_code.to_string()).unwrap_or(DEFAULT_PROVINCE);
    SellerFormPage::new(c, spec, input_of(&view), province, Default::default())
        .respond(actix_web::http::StatusCode::OK, lang)
}

/// `POST /seller/edit`.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    me: SellerUser,
    form: web::Form<SellerFormData>,
) -> Result<HttpResponse, HtmlError> {
    let spec = own_spec(lang.texts());
    seller_form::submit(
        &state,
        &req,
        lang,
        &me.user,
        Some(me.seller_id),
        form.into_inner(),
        spec,
    )
    .await
}
