//! `/api/v1` for stamp runs: ordering, binding to lots, voiding.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::{Stamp, StampRun};
use crate::error::{AppError, ErrorBody};
use crate::routes::with_db;
use crate::services::stamps::{self, BindInput, RunInput};
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: i64,
    pub seller_id: i64,
    pub product_id: i64,
    pub lot_id: Option<i64>,
    pub count: i32,
    pub layout: String,
    pub created_at: String,
    pub voided: bool,
}

impl From<&StampRun> for RunView {
    fn from(r: &StampRun) -> Self {
        RunView {
            id: r.id,
            seller_id: r.seller_id,
            product_id: r.product_id,
            lot_id: r.lot_id,
            count: r.count,
            layout: r.layout.clone(),
            created_at: r.created_at.and_utc().to_rfc3339(),
            voided: r.voided_at.is_some(),
        }
    }
}

/// A new run with every code, in serial order.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedRunView {
    pub run_id: i64,
    pub run: RunView,
    pub codes: Vec<String>,
    /// What each QR code carries, in the same order.
    pub urls: Vec<String>,
}

/// Orders stamps for a product (1 to 100,000), bound to a lot now or
/// activated later. Written all at once or not at all.
#[utoipa::path(post, path = "/api/v1/products/{id}/stamp-runs", tag = "stamps", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = RunInput,
    responses((status = 201, body = IssuedRunView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<RunInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let issued = with_db(&state, move |conn, st| {
        stamps::issue_run(conn, &user.actor, &st.stamp_keys, id, &body)
    })
    .await?;
    let base = &state.settings.public_base_url;
    Ok(HttpResponse::Created().json(IssuedRunView {
        run_id: issued.run.id,
        run: RunView::from(&issued.run),
        urls: issued
            .codes
            .iter()
            .map(|c| format!("{base}/s/{c}"))
            .collect(),
        codes: issued.codes.iter().map(|c| c.to_string()).collect(),
    }))
}

/// A seller's stamp runs, newest first.
#[utoipa::path(get, path = "/api/v1/sellers/{id}/stamp-runs", tag = "stamps", operation_id = "list_stamp_runs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    responses((status = 200, body = Vec<RunView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let runs = with_db(&state, move |conn, _| {
        stamps::runs_of_seller(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(runs.iter().map(RunView::from).collect::<Vec<_>>()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    /// Stamps changed.
    pub stamps: usize,
}

/// Ties a run, or a range of its serials, to a lot of its product.
#[utoipa::path(post, path = "/api/v1/stamp-runs/{id}/bind", tag = "stamps", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Run id")), request_body = BindInput,
    responses((status = 200, body = CountView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bind(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<BindInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let n = with_db(&state, move |conn, _| {
        stamps::bind(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CountView { stamps: n }))
}

/// Voids a whole run.
#[utoipa::path(post, path = "/api/v1/stamp-runs/{id}/void", tag = "stamps", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = CountView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn void_run(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let n = with_db(&state, move |conn, _| {
        stamps::void_run(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CountView { stamps: n }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StampView {
    pub code: String,
    pub serial: i32,
    /// issued | active | void
    pub status: String,
    pub lot_id: Option<i64>,
    pub scan_count: i32,
}

impl From<&Stamp> for StampView {
    fn from(s: &Stamp) -> Self {
        StampView {
            code: s.code.clone(),
            serial: s.serial,
            status: s.status.clone(),
            lot_id: s.lot_id,
            scan_count: s.scan_count,
        }
    }
}

/// Voids one stamp.
#[utoipa::path(post, path = "/api/v1/stamps/{code}/void", tag = "stamps", security(("bearer" = [])),
    params(("code" = String, Path, description = "Stamp code")),
    responses((status = 200, body = StampView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn void_stamp(
    state: web::Data<AppState>,
    user: AuthUser,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let s = with_db(&state, move |conn, st| {
        stamps::void_stamp(conn, &user.actor, &st.stamp_keys, &code)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StampView::from(&s)))
}

#[derive(Debug, Default, serde::Deserialize, ToSchema)]
#[serde(default)]
pub struct ActivateInput {
    #[schema(required = true)]
    pub lot_code: String,
}

/// Activates one stamp by tying it to a lot of its product.
#[utoipa::path(post, path = "/api/v1/stamps/{code}/activate", tag = "stamps", security(("bearer" = [])),
    params(("code" = String, Path, description = "Stamp code")), request_body = ActivateInput,
    responses((status = 200, body = StampView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn activate(
    state: web::Data<AppState>,
    user: AuthUser,
    code: web::Path<String>,
    body: web::Json<ActivateInput>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let s = with_db(&state, move |conn, st| {
        stamps::activate(conn, &user.actor, &st.stamp_keys, &code, &body.lot_code)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StampView::from(&s)))
}
