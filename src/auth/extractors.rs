//! Extractors that admit a request only for the right person. A handler that
//! takes `StaffUser` cannot run for a seller; one that takes `SellerUser`
//! knows which seller org it acts for. The API reads `Authorization: Bearer`;
//! pages read the session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::auth::jwt::Audience;
use crate::domain::Role;
use crate::error::{AppError, HtmlError};
use crate::i18n::Lang;
use crate::services::Actor;
use crate::startup::AppState;

/// Name of the HttpOnly session cookie used by the HTML pages.
pub const SESSION_COOKIE: &str = "ocop_session";

/// Anyone logged in, with their role and org.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
    pub email: String,
    pub name: String,
}

/// Post-office staff or an admin.
#[derive(Debug, Clone)]
pub struct StaffUser(pub AuthUser);

/// An admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

/// A member of a seller org.
#[derive(Debug, Clone)]
pub struct SellerUser {
    pub user: AuthUser,
    pub seller_id: i64,
}

/// True for requests to the JSON API: they get JSON errors, pages get pages.
fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

fn reject(req: &HttpRequest, error: AppError) -> actix_web::Error {
    if is_api(req) {
        error.into()
    } else {
        let lang = crate::routes::lang_of(req);
        let next = matches!(error, AppError::Unauthenticated)
            .then(|| {
                let pq = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                pq.to_owned()
            })
            .filter(|p| crate::util::is_local_path(p));
        HtmlError { error, lang, next }.into()
    }
}

/// The bearer token or session cookie of a request, if any.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION)
        && let Ok(value) = value.to_str()
        && let Some(token) = value.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_owned());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

async fn authenticate(req: HttpRequest) -> Result<AuthUser, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("AppState missing"))?
        .clone();
    if let Some(user) = req.extensions().get::<AuthUser>() {
        return Ok(user.clone());
    }
    let token = token_of(&req).ok_or(AppError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(Audience::Login, &token)
        .ok_or(AppError::Unauthenticated)?;
    let user_id: i64 = claims.sub.parse().map_err(|_| AppError::Unauthenticated)?;
    let pool = state.pool.clone();
    let user = web::block(move || -> Result<_, AppError> {
        let mut conn = pool.get()?;
        Ok(crate::db::models::User::find(&mut conn, user_id)?)
    })
    .await??
    .ok_or(AppError::Unauthenticated)?;
    if !user.active || user.token_version != claims.ver {
        return Err(AppError::Unauthenticated);
    }
    let role = Role::parse(&user.role).map_err(|_| AppError::internal("bad role in database"))?;
    let auth = AuthUser {
        actor: Actor {
            user_id: user.id,
            role,
            seller_id: user.seller_id,
            post_office_id: user.post_office_id,
        },
        email: user.email,
        name: user.name,
    };
    req.extensions_mut().insert(auth.clone());
    Ok(auth)
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

impl FromRequest for AuthUser {
    type Error = actix_web::Error;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req.clone()).await.map_err(|e| reject(&req, e)) })
    }
}

/// Extracts an `AuthUser` and keeps it only if `admit` says so.
fn with_role<T: 'static>(
    req: &HttpRequest,
    admit: impl FnOnce(AuthUser) -> Option<T> + 'static,
) -> Fut<T> {
    let req = req.clone();
    Box::pin(async move {
        let user = authenticate(req.clone())
            .await
            .map_err(|e| reject(&req, e))?;
        admit(user).ok_or_else(|| reject(&req, AppError::Forbidden))
    })
}

impl FromRequest for StaffUser {
    type Error = actix_web::Error;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        with_role(req, |u| {
            matches!(u.actor.role, Role::Staff | Role::Admin).then_some(StaffUser(u))
        })
    }
}

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        with_role(req, |u| {
            (u.actor.role == Role::Admin).then_some(AdminUser(u))
        })
    }
}

impl FromRequest for SellerUser {
    type Error = actix_web::Error;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        with_role(req, |u| match (u.actor.role, u.actor.seller_id) {
            (Role::Seller, Some(seller_id)) => Some(SellerUser { user: u, seller_id }),
            _ => None,
        })
    }
}

/// The language of a page: `?lang=`, then the `lang` cookie, then the
/// browser's Accept-Language, then Vietnamese.
impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(crate::routes::lang_of(req)))
    }
}
