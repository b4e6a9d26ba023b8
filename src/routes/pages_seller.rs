//! A seller member's own pages.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::SellerUser;
use crate::error::HtmlError;
use crate::i18n::Lang;
use crate::routes::api_sellers::{MemberView, SellerView};
use crate::routes::pages_staff::{SellerFormData, input_of, save_edit, seller_form_page};
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
    let d = with_db(&state, move |conn, _| sellers::detail(conn, &actor, id))
        .await
        .map_err(|e| e.html(lang))?;
    page(&SellerHomePage {
        c: Chrome::new(&req, lang, Some(&me.user)),
        s: SellerView::from(&d.seller),
        members: d
            .members
            .iter()
            .map(MemberView::from)
            .collect(),
        notice: query.saved.as_ref().map(|_| lang.texts().saved),
    })
    .map_err(|e| e.html(lang))
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
    let title = c.t.seller_edit_title;
    let province = crate::domain::commune::commune(u32::try_from(view.commune_code).unwrap_or(0))
        .map(|k| k.province_code)
        .unwrap_or(38);
    let form = input_of(&view);
    page(&seller_form_page(c, title, "/seller/edit".into(), "/seller".into(), form, province, false, false, Default::default()))
        .map_err(|e| e.html(lang))
}

/// `POST /seller/edit`.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    me: SellerUser,
    form: web::Form<SellerFormData>,
) -> Result<HttpResponse, HtmlError> {
    save_edit(
        &state,
        &req,
        lang,
        &me.user,
        me.seller_id,
        form.into_inner(),
        ("/seller/edit".into(), "/seller".into(), false),
    )
    .await
}
