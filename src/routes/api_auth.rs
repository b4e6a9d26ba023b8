//! `/api/v1/auth/*`, `/api/v1/me` and invitation acceptance, as JSON.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::User;
use crate::error::{AppError, ErrorBody};
use crate::routes::{client_ip, with_db, with_state};
use crate::services::accounts::{self, Session};
use crate::startup::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The logged-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin`, `staff` or `seller`.
    pub role: String,
    /// The seller org of a seller member.
    pub seller_id: Option<i64>,
    /// The post office of a staff member.
    pub post_office_id: Option<i64>,
}

impl From<&User> for UserInfo {
    fn from(u: &User) -> Self {
        UserInfo {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.clone(),
            seller_id: u.seller_id,
            post_office_id: u.post_office_id,
        }
    }
}

/// A session token for `Authorization: Bearer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// UTC, RFC 3339.
    pub expires_at: String,
    pub user: UserInfo,
}

impl From<Session> for TokenResponse {
    fn from(s: Session) -> Self {
        TokenResponse {
            token: s.token,
            token_type: "Bearer",
            expires_at: s.expires_at.and_utc().to_rfc3339(),
            user: UserInfo::from(&s.user),
        }
    }
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state);
    let body = body.into_inner();
    let session = with_state(&state, move |st| {
        accounts::login(
            &st.pool,
            &st.keys,
            &st.settings,
            &body.email,
            &body.password,
            &ip,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(session)))
}

/// Ends every session of the caller (this token included).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    with_db(&state, move |conn, _| accounts::logout(conn, &user.actor)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 10 to 128 characters.
    pub new_password: String,
}

/// Changes the caller's password; earlier tokens stop working and a new one
/// is returned.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Wrong current password or weak new one", body = ErrorBody),
    ))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let session = with_db(&state, move |conn, st| {
        accounts::change_password(
            conn,
            &st.keys,
            &st.settings,
            &user.actor,
            &body.current_password,
            &body.new_password,
            None,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(session)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResetRequest {
    pub email: String,
}

/// Mails a password-reset link if the email has an account; the answer is
/// the same either way.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn request_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state);
    with_db(&state, move |conn, st| {
        accounts::request_password_reset(conn, &st.keys, &st.settings, &st.outbox, &body.email, &ip)
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SetPasswordRequest {
    /// The token from the mailed link.
    pub token: String,
    /// 10 to 128 characters.
    pub password: String,
    /// For invitations: the member's name, if it should differ from the one
    /// staff typed.
    pub name: Option<String>,
}

/// Sets a new password with a reset link's token.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = SetPasswordRequest,
    responses(
        (status = 204, description = "Password set"),
        (status = 410, description = "Link invalid, used or expired", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn confirm_reset(
    state: web::Data<AppState>,
    body: web::Json<SetPasswordRequest>,
) -> Result<HttpResponse, AppError> {
    with_db(&state, move |conn, st| {
        accounts::reset_password(conn, &body.token, &st.keys, &body.password, None)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accepts an invitation: creates the member's account and logs it in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "auth",
    request_body = SetPasswordRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 410, description = "Link invalid, used or expired", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: web::Json<SetPasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let session = with_db(&state, move |conn, st| {
        accounts::accept_invitation(
            conn,
            &st.keys,
            &st.settings,
            &body.token,
            body.name.as_deref(),
            &body.password,
            None,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(TokenResponse::from(session)))
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let id = user.actor.user_id;
    let user = with_db(&state, move |conn, _| {
        User::find(conn, id)?.ok_or(AppError::Unauthenticated)
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserInfo::from(&user)))
}
