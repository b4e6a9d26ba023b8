//! `/api/v1` for label files prepared in the background: asking for one,
//! following its progress, a seller's list, and the finished file.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::LabelJob;
use crate::error::{AppError, ErrorBody};
use crate::routes::labels::{open_file, start_job};
use crate::routes::with_db;
use crate::services::label_jobs::{self, JobRequest};
use crate::startup::AppState;

/// Routes of the label-file API, under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stamp-runs/{id}/label-jobs", web::post().to(start))
        .route("/sellers/{id}/label-jobs", web::get().to(list))
        .route("/label-jobs/{id}", web::get().to(get))
        .route("/label-jobs/{id}/file", web::get().to(file));
}

/// Which file of the run to prepare.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LabelJobInput {
    /// `a4-40`, `a4-21` or `roll-40x30`; the run's own when empty.
    pub layout: String,
    /// `pdf` (default), `png` (a ZIP of 300 dpi labels, or one PNG with
    /// `serial`) or `svg` (one label).
    pub format: String,
    /// One label only (1-based serial in the run).
    pub serial: Option<i32>,
}

/// A label file being prepared, or ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelJobView {
    pub id: i64,
    pub run_id: i64,
    pub seller_id: i64,
    pub layout: String,
    pub format: String,
    pub serial: Option<i32>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Labels rendered so far.
    pub labels_done: i32,
    /// Labels the file will hold.
    pub labels_total: i32,
    /// Why it failed: `render_failed` or `interrupted` (the server stopped).
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The page that follows it (HTML, refreshes itself).
    pub status_url: String,
    /// Where to download the file once `status` is `done`.
    pub file_url: Option<String>,
    pub file_size: Option<i64>,
}

/// The job as the API shows it.
pub fn job_view(j: &LabelJob) -> LabelJobView {
    LabelJobView {
        id: j.id,
        run_id: j.run_id,
        seller_id: j.seller_id,
        layout: j.layout.clone(),
        format: j.format.clone(),
        serial: j.serial,
        status: j.status.clone(),
        labels_done: j.labels_done,
        labels_total: j.labels_total,
        error: j.error.clone(),
        created_at: j.created_at.and_utc().to_rfc3339(),
        finished_at: j.finished_at.map(|t| t.and_utc().to_rfc3339()),
        status_url: format!("/stamps/label-jobs/{}", j.id),
        file_url: (j.status == "done").then(|| format!("/api/v1/label-jobs/{}/file", j.id)),
        file_size: j.file_size,
    }
}

/// Prepares a run's label file in the background and answers 202 at once;
/// follow `GET /api/v1/label-jobs/{id}` until `status` is `done`. Asking
/// again for a file still being prepared returns that job. At most 3 jobs
/// per person at once (429); when every render place of the server is
/// taken, 503 with Retry-After.
#[utoipa::path(post, path = "/api/v1/stamp-runs/{id}/label-jobs", tag = "stamps", operation_id = "start_label_job", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Stamp run id")),
    request_body = LabelJobInput,
    responses((status = 202, body = LabelJobView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<LabelJobInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let request = JobRequest {
        layout: input.layout,
        format: input.format,
        serial: input.serial,
    };
    let job = start_job(&state, &user, id.into_inner(), request).await?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(job_view(&job)))
}

/// The latest label files of a seller (at most 20), newest first.
#[utoipa::path(get, path = "/api/v1/sellers/{id}/label-jobs", tag = "stamps", operation_id = "list_label_jobs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    responses((status = 200, body = [LabelJobView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (user.actor.clone(), id.into_inner());
    let jobs = with_db(&state, move |conn, _| label_jobs::history(conn, &actor, id)).await?;
    let views: Vec<LabelJobView> = jobs.iter().map(job_view).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// One label file with its progress.
#[utoipa::path(get, path = "/api/v1/label-jobs/{id}", tag = "stamps", operation_id = "get_label_job", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Label job id")),
    responses((status = 200, body = LabelJobView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (user.actor.clone(), id.into_inner());
    let job = with_db(&state, move |conn, _| {
        label_jobs::visible_job(conn, &actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(job_view(&job)))
}

/// Downloads a finished label file: PDF sheets, a ZIP of PNGs, one PNG or
/// one SVG, named as a direct download is.
#[utoipa::path(get, path = "/api/v1/label-jobs/{id}/file", tag = "stamps", operation_id = "get_label_job_file", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Label job id")),
    responses((status = 200, description = "The label file",
        content(("application/pdf"), ("application/zip"), ("image/png"), ("image/svg+xml"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    open_file(&state, &user, id.into_inner()).await
}
