//! Pages for everyone: language switch, login and logout, password
//! change and reset.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::account_link::PURPOSE_PASSWORD_RESET;
use crate::domain::Role;
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::Lang;
use crate::routes::{
    Chrome, LANG_COOKIE, client_ip, expired_session_cookie, page, render, see_other,
    session_cookie, with_db, with_state,
};
use crate::services::accounts;
use crate::startup::AppState;

type Errors = BTreeMap<&'static str, String>;

/// Unknown pages: a 404 page in the visitor's language.
pub async fn not_found(lang: Lang) -> Result<HttpResponse, HtmlError> {
    Err(AppError::NotFound.html(lang))
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// A same-site path to go to next, `/` otherwise.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| crate::util::is_local_path(n))
        .unwrap_or("/")
        .to_owned()
}

/// `GET /lang/{code}?next=`: remembers the language and goes back.
pub async fn switch_lang(code: web::Path<String>, query: web::Query<NextQuery>) -> HttpResponse {
    let lang = Lang::from_code(&code).unwrap_or_default();
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let mut res = see_other(&safe_next(query.next.as_deref()));
    let _ = res.add_cookie(&cookie);
    res
}

#[derive(Template)]
#[template(path = "login.html", config = "src/askama.toml")]
struct LoginPage {
    c: Chrome,
    email: String,
    next: String,
    message: Option<String>,
    info: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    reset: Option<String>,
}

/// `GET /login`.
pub async fn login_form(
    req: HttpRequest,
    lang: Lang,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, HtmlError> {
    page(&LoginPage {
        c: Chrome::new(&req, lang, None),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        message: None,
        info: query
            .reset
            .as_ref()
            .map(|_| lang.texts().reset_done.to_owned()),
    })
    .map_err(|e| e.html(lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// Where a role lands after logging in, unless it asked for a page.
fn landing(role: &str) -> &'static str {
    match Role::parse(role) {
        Ok(Role::Seller) => "/seller",
        Ok(Role::Staff | Role::Admin) => "/staff",
        Err(_) => "/",
    }
}

/// `POST /login`: sets the session cookie, or shows the form again.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, HtmlError> {
    let form = form.into_inner();
    let ip = client_ip(&req, &state);
    let (email, password) = (form.email.clone(), form.password.clone());
    let result = with_state(&state, move |st| {
        accounts::login(&st.pool, &st.keys, &st.settings, &email, &password, &ip)
    })
    .await;
    match result {
        Ok(session) => {
            let to = if form.next.is_empty() || form.next == "/" {
                landing(&session.user.role).to_owned()
            } else {
                safe_next(Some(&form.next))
            };
            let mut res = see_other(&to);
            res.add_cookie(&session_cookie(&state, &session.token))
                .map_err(|e| AppError::internal(e).html(lang))?;
            Ok(res)
        }
        Err(e @ (AppError::InvalidCredentials | AppError::TooManyRequests { .. })) => {
            let status = if matches!(e, AppError::InvalidCredentials) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            render(
                status,
                &LoginPage {
                    c: Chrome::new(&req, lang, None),
                    email: form.email,
                    next: safe_next(Some(&form.next)),
                    message: Some(e.message(lang)),
                    info: None,
                },
            )
            .map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// `POST /logout`: revokes every session of the user and drops the cookie.
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    // Logging out must work even with a stale cookie, so no extractor here.
    if let Ok(user) = <AuthUser as actix_web::FromRequest>::extract(&req).await
        && let Err(e) = with_db(&state, move |conn, _| accounts::logout(conn, &user.actor)).await
    {
        tracing::error!(cause = %e, "logout failed");
    }
    let mut res = see_other("/");
    let _ = res.add_cookie(&expired_session_cookie(&state));
    res
}

#[derive(Template)]
#[template(path = "password.html", config = "src/askama.toml")]
struct PasswordPage {
    c: Chrome,
    errors: Errors,
    done: bool,
}

/// `GET /account/password`.
pub async fn password_form(
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
) -> Result<HttpResponse, HtmlError> {
    page(&PasswordPage {
        c: Chrome::new(&req, lang, Some(&user)),
        errors: Errors::new(),
        done: false,
    })
    .map_err(|e| e.html(lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    password_confirm: String,
}

/// `POST /account/password`: other sessions end; this one gets a new cookie.
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, HtmlError> {
    let actor = user.actor.clone();
    let result = with_db(&state, move |conn, st| {
        accounts::change_password(
            conn,
            &st.keys,
            &st.settings,
            &actor,
            &form.current_password,
            &form.new_password,
            Some(&form.password_confirm),
        )
    })
    .await;
    let c = Chrome::new(&req, lang, Some(&user));
    match result {
        Ok(session) => {
            let mut res = page(&PasswordPage {
                c,
                errors: Errors::new(),
                done: true,
            })
            .map_err(|e| e.html(lang))?;
            res.add_cookie(&session_cookie(&state, &session.token))
                .map_err(|e| AppError::internal(e).html(lang))?;
            Ok(res)
        }
        Err(AppError::Validation(errors)) => {
            let mut errors = field_messages(&errors, lang);
            if errors.contains_key("current_password") {
                errors.insert(
                    "current_password",
                    lang.texts().wrong_current_password.to_owned(),
                );
            }
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    c,
                    errors,
                    done: false,
                },
            )
            .map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}

#[derive(Template)]
#[template(path = "forgot.html", config = "src/askama.toml")]
struct ForgotPage {
    c: Chrome,
    email: String,
    errors: Errors,
    message: Option<String>,
    sent: bool,
}

/// `GET /password/forgot`.
pub async fn forgot_form(req: HttpRequest, lang: Lang) -> Result<HttpResponse, HtmlError> {
    page(&ForgotPage {
        c: Chrome::new(&req, lang, None),
        email: String::new(),
        errors: Errors::new(),
        message: None,
        sent: false,
    })
    .map_err(|e| e.html(lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

/// `POST /password/forgot`: the same answer whether the account exists or not.
pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, HtmlError> {
    let ip = client_ip(&req, &state);
    let email = form.email.clone();
    let result = with_db(&state, move |conn, st| {
        accounts::request_password_reset(conn, &st.keys, &st.settings, &st.outbox, &email, &ip)
    })
    .await;
    let mut p = ForgotPage {
        c: Chrome::new(&req, lang, None),
        email: form.into_inner().email,
        errors: Errors::new(),
        message: None,
        sent: false,
    };
    let status = match result {
        Ok(()) => {
            p.sent = true;
            StatusCode::OK
        }
        Err(AppError::Validation(e)) => {
            p.errors = field_messages(&e, lang);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e @ AppError::TooManyRequests { .. }) => {
            p.message = Some(e.message(lang));
            StatusCode::TOO_MANY_REQUESTS
        }
        Err(e) => return Err(e.html(lang)),
    };
    render(status, &p).map_err(|e| e.html(lang))
}

/// The form that sets a password through a one-time link: invitations and
/// resets share it.
#[derive(Template)]
#[template(path = "set_password.html", config = "src/askama.toml")]
pub struct SetPasswordPage {
    pub c: Chrome,
    pub title: &'static str,
    pub submit: &'static str,
    pub action: String,
    pub seller_name: Option<String>,
    pub email: Option<String>,
    pub ask_name: bool,
    pub name: String,
    pub errors: Errors,
}

/// `GET /password/reset/{token}`.
pub async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let token = token.into_inner();
    let t = token.clone();
    let link = with_db(&state, move |conn, st| {
        accounts::open_link(conn, &st.keys, PURPOSE_PASSWORD_RESET, &t)
    })
    .await
    .map_err(|e| e.html(lang))?;
    let texts = lang.texts();
    page(&SetPasswordPage {
        c: Chrome::new(&req, lang, None),
        title: texts.reset_set_title,
        submit: texts.save,
        action: format!("/password/reset/{token}"),
        seller_name: None,
        email: Some(link.email),
        ask_name: false,
        name: String::new(),
        errors: Errors::new(),
    })
    .map_err(|e| e.html(lang))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetPasswordForm {
    pub name: String,
    pub password: String,
    pub password_confirm: String,
}

/// `POST /password/reset/{token}`.
pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    token: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, HtmlError> {
    let token = token.into_inner();
    let t = token.clone();
    let result = with_db(&state, move |conn, st| {
        accounts::reset_password(
            conn,
            &t,
            &st.keys,
            &form.password,
            Some(&form.password_confirm),
        )
    })
    .await;
    match result {
        Ok(()) => Ok(see_other("/login?reset=1")),
        Err(AppError::Validation(e)) => {
            let texts = lang.texts();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetPasswordPage {
                    c: Chrome::new(&req, lang, None),
                    title: texts.reset_set_title,
                    submit: texts.save,
                    action: format!("/password/reset/{token}"),
                    seller_name: None,
                    email: None,
                    ask_name: false,
                    name: String::new(),
                    errors: field_messages(&e, lang),
                },
            )
            .map_err(|e| e.html(lang))
        }
        Err(e) => Err(e.html(lang)),
    }
}
