//! `/api/v1` for marketplace exports: the check report, starting an export,
//! its progress and history, the file, and the public schema.org feed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::db::models::Export;
use crate::error::{AppError, ErrorBody};
use crate::exports::ChannelId;
use crate::i18n::Lang;
use crate::routes::with_db;
use crate::services::exports::{self, Selection};
use crate::startup::AppState;

/// Routes of the export API, under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/exports/check", web::post().to(check))
        .route("/exports", web::post().to(start))
        .route("/exports", web::get().to(list))
        .route("/exports/{id}", web::get().to(get))
        .route("/exports/{id}/file", web::get().to(file))
        .route("/feed/products.json", web::get().to(feed));
}

/// What to check: chosen products, or one seller's listed products, or
/// (neither) every listed product the caller manages.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CheckInput {
    pub product_ids: Vec<i64>,
    pub seller_id: Option<i64>,
    /// `thanhhoa`, `postmart`, `voso`, `generic`; all when empty.
    pub channels: Vec<String>,
}

/// One problem, with the field to fix and where.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    /// Product form field (`name_vi`, `packed_weight_g`...), `photos`,
    /// `certificates` or `seller_status`.
    pub field: String,
    /// Machine-readable, e.g. `missing_weight`, `title_too_long`.
    pub code: String,
    /// False for advice (fewer photos than recommended): the product is
    /// still exported.
    pub blocking: bool,
    pub message: String,
    pub message_vi: String,
    /// The page and field where it is fixed, when a person can fix it.
    pub fix_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelCheckView {
    pub channel: String,
    pub ready: bool,
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductCheckView {
    pub product_id: i64,
    pub seller_id: i64,
    pub name_vi: String,
    pub seller_name: String,
    pub channels: Vec<ChannelCheckView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckReportView {
    pub products: Vec<ProductCheckView>,
    /// Per channel: how many of the products are ready.
    pub ready: std::collections::BTreeMap<String, usize>,
}

/// The code of a problem kind, as its JSON form names it.
pub fn problem_code(kind: &crate::exports::ProblemKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A problem of a product as the API and pages show it: both languages and
/// where the actor fixes it.
fn problem_view(
    actor: &crate::services::Actor,
    product_id: i64,
    seller_id: i64,
    field: &str,
    kind: &crate::exports::ProblemKind,
    blocking: bool,
) -> ProblemView {
    ProblemView {
        field: field.to_owned(),
        code: problem_code(kind),
        blocking,
        message: crate::i18n::exports::problem(Lang::En, kind),
        message_vi: crate::i18n::exports::problem(Lang::Vi, kind),
        fix_url: exports::fix_url(actor, product_id, seller_id, field),
    }
}

fn parse_channels(names: &[String]) -> Result<Vec<ChannelId>, AppError> {
    names.iter().map(|n| exports::parse_channel(n)).collect()
}

/// Checks products against each marketplace's rules: per product and
/// channel, ready or each problem in English and Vietnamese with a link to
/// the field to fix.
#[utoipa::path(post, path = "/api/v1/exports/check", tag = "exports", security(("bearer" = [])),
    request_body = CheckInput,
    responses((status = 200, body = CheckReportView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CheckInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let channels = parse_channels(&input.channels)?;
    let actor = user.actor.clone();
    let sel = Selection {
        product_ids: input.product_ids,
        seller_id: input.seller_id,
    };
    let report = with_db(&state, move |conn, st| {
        exports::check(conn, &actor, &st.settings.public_base_url, &sel, &channels)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report_view(&user.actor, &report)))
}

/// The report as the API and the page show it.
pub fn report_view(
    actor: &crate::services::Actor,
    report: &[exports::ProductCheck],
) -> CheckReportView {
    let mut ready = std::collections::BTreeMap::new();
    let products = report
        .iter()
        .map(|p| ProductCheckView {
            product_id: p.product_id,
            seller_id: p.seller_id,
            name_vi: p.name_vi.clone(),
            seller_name: p.seller_name.clone(),
            channels: p
                .channels
                .iter()
                .map(|c| {
                    let counter = ready.entry(c.channel.as_str().to_owned()).or_insert(0);
                    if c.ready() {
                        *counter += 1;
                    }
                    ChannelCheckView {
                        channel: c.channel.as_str().to_owned(),
                        ready: c.ready(),
                        problems: c
                            .problems
                            .iter()
                            .map(|pr| {
                                let (product, seller) = (p.product_id, p.seller_id);
                                problem_view(
                                    actor,
                                    product,
                                    seller,
                                    pr.field,
                                    &pr.kind,
                                    pr.blocks(),
                                )
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    CheckReportView { products, ready }
}

/// A new export: one channel, one format, the products chosen.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExportInput {
    /// `thanhhoa`, `postmart`, `voso` or `generic`.
    pub channel: String,
    /// `xlsx` or `csv`.
    pub format: String,
    pub product_ids: Vec<i64>,
    pub seller_id: Option<i64>,
}

/// A held product and its blocking problems.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldView {
    pub product_id: i64,
    pub name_vi: String,
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    pub id: i64,
    pub channel: String,
    pub format: String,
    pub seller_id: Option<i64>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Products asked for.
    pub total: i32,
    /// Products looked at so far.
    pub processed: i32,
    /// Rows in the file.
    pub exported: i32,
    /// Products held back for problems.
    pub held: i32,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// Where to download the file once `status` is `done`.
    pub file_url: Option<String>,
    pub file_size: Option<i64>,
    pub held_products: Vec<HeldView>,
}

/// The export as the API shows it, with the held products' problems.
pub fn export_view(actor: &crate::services::Actor, e: &Export) -> ExportView {
    ExportView {
        id: e.id,
        channel: e.channel.clone(),
        format: e.format.clone(),
        seller_id: e.seller_id,
        status: e.status.clone(),
        total: e.total,
        processed: e.processed,
        exported: e.exported,
        held: e.held,
        created_at: e.created_at.and_utc().to_rfc3339(),
        finished_at: e.finished_at.map(|t| t.and_utc().to_rfc3339()),
        file_url: (e.status == "done").then(|| format!("/api/v1/exports/{}/file", e.id)),
        file_size: e.file_size,
        held_products: exports::held_products(e)
            .into_iter()
            .map(|h| HeldView {
                product_id: h.product_id,
                name_vi: h.name_vi,
                problems: h
                    .problems
                    .iter()
                    .map(|p| {
                        problem_view(actor, h.product_id, h.seller_id, &p.field, &p.kind, true)
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Starts an export in the background and answers 202 at once; follow
/// `GET /api/v1/exports/{id}` until `status` is `done`. Products with
/// problems are held back and listed.
#[utoipa::path(post, path = "/api/v1/exports", tag = "exports", security(("bearer" = [])),
    request_body = ExportInput,
    responses((status = 202, body = ExportView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ExportInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let export = start_export(&state, &user, input).await?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(export_view(&user.actor, &export)))
}

/// Records the export and hands it to a background thread; shared by the
/// API and the page.
pub async fn start_export(
    state: &web::Data<AppState>,
    user: &AuthUser,
    input: ExportInput,
) -> Result<Export, AppError> {
    let channel = exports::parse_channel(&input.channel);
    let format = exports::parse_format(&input.format);
    let (channel, format) = match (channel, format) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(AppError::Validation(mut a)), Err(AppError::Validation(b))) => {
            a.0.extend(b.0);
            return Err(AppError::Validation(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let actor = user.actor.clone();
    let sel = Selection {
        product_ids: input.product_ids,
        seller_id: input.seller_id,
    };
    let export = with_db(state, move |conn, _| {
        exports::start(conn, &actor, channel, format, &sel)
    })
    .await?;
    exports::spawn(
        state.pool.clone(),
        state.settings.clone(),
        state.outbox.clone(),
        export.id,
    );
    Ok(export)
}

/// The caller's exports, newest first (at most 50).
#[utoipa::path(get, path = "/api/v1/exports", tag = "exports", operation_id = "list_exports", security(("bearer" = [])),
    responses((status = 200, body = [ExportView]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let actor = user.actor.clone();
    let list = with_db(&state, move |conn, _| exports::history(conn, &actor)).await?;
    let views: Vec<ExportView> = list.iter().map(|e| export_view(&user.actor, e)).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// One export with its progress and held products.
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports", operation_id = "get_export", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Export id")),
    responses((status = 200, body = ExportView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (user.actor.clone(), id.into_inner());
    let export = with_db(&state, move |conn, _| {
        exports::visible_export(conn, &actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(export_view(&user.actor, &export)))
}

/// Downloads a finished export's file (XLSX or CSV, UTF-8 with BOM).
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "exports", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Export id")),
    responses((status = 200, description = "The XLSX or CSV file",
        content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    download(&state, &user, id.into_inner()).await
}

/// Opens an export's file for the caller; shared with the page.
pub async fn download(
    state: &web::Data<AppState>,
    user: &AuthUser,
    id: i64,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor.clone();
    let (file, name, content_type) = with_db(state, move |conn, st| {
        let (path, name, content_type) = exports::file_of(conn, &st.settings, &actor, id)?;
        let file = std::fs::File::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                AppError::NotFound
            } else {
                AppError::internal(e)
            }
        })?;
        Ok((file, name, content_type))
    })
    .await?;
    Ok(crate::routes::files::attachment(file, &name, content_type))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct FeedQuery {
    /// Only this seller's products.
    pub seller: Option<i64>,
    /// 1-based page of 500 products.
    pub page: Option<i64>,
}

/// The public JSON feed: listed products as a schema.org `ItemList` of
/// `Product` items with their offer, OCOP award and traceability URL.
#[utoipa::path(get, path = "/api/v1/feed/products.json", tag = "exports", params(FeedQuery),
    responses((status = 200, description = "schema.org ItemList", content_type = "application/ld+json")))]
pub async fn feed(
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let body = with_db(&state, move |conn, st| {
        exports::feed(
            conn,
            st.settings.public_base_url.trim_end_matches('/'),
            q.seller,
            q.page.unwrap_or(1),
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "application/ld+json"))
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(body))
}
