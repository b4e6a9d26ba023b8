//! Health, the OpenAPI document, and the official list of places.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use crate::domain::commune;
use crate::error::AppError;
use crate::routes::{
    api_auth, api_exports, api_labels, api_products, api_sellers, api_stamps, scan,
};
use crate::startup::AppState;

/// Liveness: 200 while the process serves requests, whatever the database
/// does, with the scans answered but not stored yet. Readiness is `/readyz`.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "status": "ok",
            "scan_backlog": state.scans.status().backlog,
        }))
}

/// Below this much free space in the data dir the instance is not ready:
/// photos, exports and the database need room to grow.
const DISK_LOW_BYTES: u64 = 16 * 1024 * 1024;
/// How long readiness waits for a database connection.
const READY_DB_WAIT: Duration = Duration::from_secs(2);

/// Readiness: the database answers, the scan writer is not retrying, its
/// buffer is not full and the data dir has room. 503 otherwise, with the
/// same JSON saying which.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let database = web::block(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get_timeout(READY_DB_WAIT).map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let writer = state.scans.status();
    let free = crate::util::free_bytes(&state.settings.data_dir).ok();
    let disk_low = free.is_some_and(|f| f < DISK_LOW_BYTES);
    let ready = database.is_ok()
        && !disk_low
        && writer.retrying_since.is_none()
        && writer.backlog < writer.capacity;
    if let Err(cause) = &database {
        tracing::warn!(%cause, "readiness: database unreachable");
    }
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": database.is_ok(),
        "scan_backlog": writer.backlog,
        "scan_capacity": writer.capacity,
        "scan_writer_retrying_since": writer.retrying_since.map(|t| t.and_utc().to_rfc3339()),
        "scan_writer_error": writer.last_error,
        "data_dir_free_bytes": free,
        "disk_nearly_full": disk_low,
    });
    let mut res = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// Unknown API paths answer JSON, not an HTML page.
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers the extractors configured in `startup.rs` give before a
/// handler runs, added to every operation they can happen to unless the
/// handler documents them itself: 400 for a malformed body or query, 413 for
/// a body over the limit, 404 for a path id that is not a number, 401 for a
/// missing or stale token.
struct ExtractorErrors;

impl ExtractorErrors {
    fn add(op: &mut Operation, status: &str, description: &str) {
        let error_body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", error_body)
            .build();
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert(RefOr::T(response));
    }
}

impl Modify for ExtractorErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                let takes = |place: ParameterIn| {
                    op.parameters.iter().flatten().any(|p| match p {
                        RefOr::T(p) => p.parameter_in == place,
                        RefOr::Ref(_) => false,
                    })
                };
                let (query, path) = (takes(ParameterIn::Query), takes(ParameterIn::Path));
                let body = op.request_body.is_some();
                if body || query {
                    Self::add(op, "400", "Malformed request; `detail` says what");
                }
                if body {
                    Self::add(op, "413", "Body too large");
                }
                if path {
                    Self::add(op, "404", "Not found");
                }
                if op.security.is_some() {
                    Self::add(op, "401", "Not logged in");
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "ocop", description = "OCOP products: onboarding, traceability and marketplace exports."),
    paths(
        api_auth::login, api_auth::logout, api_auth::change_password, api_auth::request_reset,
        api_auth::confirm_reset, api_auth::accept_invitation, api_auth::me,
        api_sellers::list, api_sellers::create, api_sellers::get, api_sellers::update,
        api_sellers::invite, api_sellers::audit_log,
        api_products::seller_products, api_products::create_product, api_products::get_product,
        api_products::update_product, api_products::add_photo, api_products::reorder_photos,
        api_products::delete_photo, api_products::add_certificate, api_products::create_lot,
        api_products::get_lot, api_products::update_lot, api_products::set_lot_status,
        api_products::add_event, api_products::public_catalog, api_products::public_product,
        api_products::ocop_groups,
        api_stamps::issue, api_stamps::list, api_stamps::bind, api_stamps::void_run,
        api_stamps::void_stamp, api_stamps::activate, scan::api,
        api_labels::start, api_labels::list, api_labels::get, api_labels::file,
        communes, provinces,
        crate::routes::pages_import::api_import, crate::routes::pages_import::api_template,
        api_exports::check, api_exports::start, api_exports::list, api_exports::get,
        api_exports::file, api_exports::feed,
    ),
    modifiers(&BearerAuth, &ExtractorErrors),
    tags((name = "auth"), (name = "sellers"), (name = "catalog"), (name = "lots"), (name = "stamps"), (name = "places"), (name = "exports"), (name = "imports"))
)]
pub struct ApiDoc;

/// The OpenAPI 3 document, generated from the handlers and types.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneView {
    pub code: u32,
    pub name: String,
    pub province_code: u32,
    pub province_name: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CommuneQuery {
    /// Communes of this province (2025 code).
    pub province: Option<u32>,
    /// Name to search for; accents optional ("nam xuan").
    pub q: String,
}

/// Official 2025 communes, by province or by name.
#[utoipa::path(get, path = "/api/v1/communes", tag = "places", params(CommuneQuery),
    responses((status = 200, body = Vec<CommuneView>)))]
pub async fn communes(query: web::Query<CommuneQuery>) -> HttpResponse {
    let found: Vec<&commune::Commune> = if !query.q.trim().is_empty() {
        commune::search_communes(&query.q, 50)
            .into_iter()
            .filter(|c| query.province.is_none_or(|p| c.province_code == p))
            .collect()
    } else if let Some(p) = query.province {
        commune::communes_of(p).iter().collect()
    } else {
        Vec::new()
    };
    let body: Vec<CommuneView> = found
        .into_iter()
        .map(|c| CommuneView {
            code: c.code,
            name: c.name.to_owned(),
            province_code: c.province_code,
            province_name: c.province_name.to_owned(),
        })
        .collect();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(body)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceView {
    pub code: u32,
    pub name: String,
}

/// The 34 provinces and centrally-run cities since 1 July 2025.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "places",
    responses((status = 200, body = Vec<ProvinceView>)))]
pub async fn provinces() -> HttpResponse {
    let body: Vec<ProvinceView> = commune::provinces()
        .iter()
        .map(|p| ProvinceView {
            code: p.code,
            name: p.name.to_owned(),
        })
        .collect();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(body)
}
