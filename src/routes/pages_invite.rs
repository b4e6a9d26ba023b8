//! The page a new member reaches from the invitation mail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::Lang;
use crate::routes::pages_account::{SetPasswordForm, SetPasswordPage};
use crate::routes::{Chrome, page, render, see_other, session_cookie, with_db};
use crate::services::accounts;
use crate::startup::AppState;

fn invite_page(
    req: &HttpRequest,
    lang: Lang,
    token: &str,
    view: &accounts::InvitationView,
    name: String,
    errors: std::collections::BTreeMap<&'static str, String>,
) -> SetPasswordPage {
    let t = lang.texts();
    SetPasswordPage {
        c: Chrome::new(req, lang, None),
        title: t.accept_title,
        submit: t.accept_submit,
        action: format!("/invite/{token}"),
        seller_name: Some(view.seller_name.clone()),
        email: Some(view.link.email.clone()),
        ask_name: true,
        name,
        errors,
    }
}

/// `GET /invite/{token}`: who invited you to what, and the password form.
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let token = token.into_inner();
    let t = token.clone();
    let view = with_db(&state, move |conn, st| {
        accounts::view_invitation(conn, &st.keys, &t)
    })
    .await
    .map_err(|e| e.html(lang))?;
    let name = view.link.name.clone();
    page(&invite_page(
        &req,
        lang,
        &token,
        &view,
        name,
        Default::default(),
    ))
    .map_err(|e| e.html(lang))
}

/// `POST /invite/{token}`: creates the account, logs the member in and
/// opens the seller's home.
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    token: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, HtmlError> {
    let token = token.into_inner();
    let form = form.into_inner();
    let (t, f) = (
        token.clone(),
        (form.name.clone(), form.password, form.password_confirm),
    );
    let result = with_db(&state, move |conn, st| {
        accounts::accept_invitation(
            conn,
            &st.keys,
            &st.settings,
            &t,
            Some(&f.0),
            &f.1,
            Some(&f.2),
        )
    })
    .await;
    match result {
        Ok(session) => {
            let mut res = see_other("/seller");
            res.add_cookie(&session_cookie(&state, &session.token))
                .map_err(|e| AppError::internal(e).html(lang))?;
            Ok(res)
        }
        Err(AppError::Validation(errors)) => {
            let t = token.clone();
            let view = with_db(&state, move |conn, st| {
                accounts::view_invitation(conn, &st.keys, &t)
            })
            .await
            .map_err(|e| e.html(lang))?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &invite_page(
                    &req,
                    lang,
                    &token,
                    &view,
                    form.name,
                    field_messages(&errors, lang),
                ),
            )
            .map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}
