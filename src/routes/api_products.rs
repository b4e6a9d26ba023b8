//! `/api/v1` for products, certificates, photos, lots and trace events (for
//! their managers), and the public catalogue.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::models::{Certificate, Lot, Photo, Product, TraceEvent, current_certificate};
use crate::domain::{EventKind, OcopGroup, SUBGROUPS};
use crate::error::{AppError, ErrorBody};
use crate::routes::api_sellers::commune_name;
use crate::routes::{uploads, with_db, with_state};
use crate::services::catalog::{
    self, CatalogItem, CatalogQuery, CertificateInput, ProductInput, today_vn,
};
use crate::services::lots::{self, EventInput, LotInput, LotStatusInput};
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: i64,
    pub seller_id: i64,
    pub name_vi: String,
    pub name_en: Option<String>,
    /// Readable URL part: `/p/{slug}`.
    pub slug: String,
    pub ocop_group: String,
    pub ocop_subgroup: Option<String>,
    pub description: String,
    pub story: Option<String>,
    pub ingredients: Option<String>,
    pub unit: String,
    pub net_quantity: f64,
    pub pack_type: Option<String>,
    pub packed_weight_g: Option<i32>,
    pub length_cm: Option<f64>,
    pub width_cm: Option<f64>,
    pub height_cm: Option<f64>,
    pub price_vnd: i64,
    pub stock: i32,
    pub gtin: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub storage: Option<String>,
    pub planting_area_code: Option<String>,
    /// `draft`, `listed` or `unlisted`.
    pub status: String,
    /// The seller's own product code.
    pub sku: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            id: p.id,
            seller_id: p.seller_id,
            name_vi: p.name_vi.clone(),
            name_en: p.name_en.clone(),
            slug: p.slug.clone(),
            ocop_group: p.ocop_group.clone(),
            ocop_subgroup: p.ocop_subgroup.clone(),
            description: p.description.clone(),
            story: p.story.clone(),
            ingredients: p.ingredients.clone(),
            unit: p.unit.clone(),
            net_quantity: p.net_quantity,
            pack_type: p.pack_type.clone(),
            packed_weight_g: p.packed_weight_g,
            length_cm: p.length_cm,
            width_cm: p.width_cm,
            height_cm: p.height_cm,
            price_vnd: p.price_vnd,
            stock: p.stock,
            gtin: p.gtin.clone(),
            shelf_life_days: p.shelf_life_days,
            storage: p.storage.clone(),
            planting_area_code: p.planting_area_code.clone(),
            status: p.status.clone(),
            sku: p.sku.clone(),
            created_at: p.created_at.and_utc().to_rfc3339(),
            updated_at: p.updated_at.and_utc().to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: i64,
    pub product_id: i64,
    pub stars: i32,
    pub score: Option<i32>,
    pub decision_no: String,
    /// `province` or `central`.
    pub issued_by: String,
    pub issued_on: String,
    pub valid_until: String,
    /// In force today.
    pub valid: bool,
    /// URL of the scanned decision, if uploaded.
    pub document_url: Option<String>,
}

impl From<&Certificate> for CertificateView {
    fn from(c: &Certificate) -> Self {
        CertificateView {
            id: c.id,
            product_id: c.product_id,
            stars: c.stars,
            score: c.score,
            decision_no: c.decision_no.clone(),
            issued_by: c.issued_by.clone(),
            issued_on: c.issued_on.to_string(),
            valid_until: c.valid_until.to_string(),
            valid: c.is_valid_on(today_vn()),
            document_url: c.document_file.as_ref().map(|f| format!("/files/{f}")),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoView {
    pub id: i64,
    /// 0 is the main photo.
    pub position: i32,
    /// About 320 px wide.
    pub small_url: String,
    /// About 1024 px wide.
    pub large_url: String,
    pub width: i32,
    pub height: i32,
}

impl From<&Photo> for PhotoView {
    fn from(p: &Photo) -> Self {
        PhotoView {
            id: p.id,
            position: p.position,
            small_url: format!("/media/{}-320.jpg", p.file_key),
            large_url: format!("/media/{}-1024.jpg", p.file_key),
            width: p.width,
            height: p.height,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotView {
    pub id: i64,
    pub product_id: i64,
    pub code: String,
    pub produced_on: Option<String>,
    pub packed_on: Option<String>,
    pub best_before: Option<String>,
    pub quantity: Option<f64>,
    pub quantity_unit: Option<String>,
    pub origin_commune_code: Option<i32>,
    pub origin_commune_name: Option<String>,
    pub origin_place: Option<String>,
    /// `active`, `held` or `recalled`.
    pub status: String,
    pub status_reason: Option<String>,
}

impl From<&Lot> for LotView {
    fn from(l: &Lot) -> Self {
        LotView {
            id: l.id,
            product_id: l.product_id,
            code: l.code.clone(),
            produced_on: l.produced_on.map(|d| d.to_string()),
            packed_on: l.packed_on.map(|d| d.to_string()),
            best_before: l.best_before.map(|d| d.to_string()),
            quantity: l.quantity,
            quantity_unit: l.quantity_unit.clone(),
            origin_commune_code: l.origin_commune_code,
            origin_commune_name: l.origin_commune_code.map(commune_name),
            origin_place: l.origin_place.clone(),
            status: l.status.clone(),
            status_reason: l.status_reason.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub lot_id: i64,
    pub kind: String,
    /// EPCIS CBV business step of the kind.
    pub business_step: String,
    /// Local time (Vietnam), `YYYY-MM-DDTHH:MM:SS`.
    pub happened_at: String,
    pub place: Option<String>,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub corrects_event_id: Option<i64>,
    /// Set when a later event corrects this one.
    pub corrected_by: Option<i64>,
    pub attachment_url: Option<String>,
}

/// Events as a timeline: each says which later event corrects it.
pub fn event_views(events: &[TraceEvent]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            id: e.id,
            lot_id: e.lot_id,
            kind: e.kind.clone(),
            business_step: EventKind::parse(&e.kind)
                .map(|k| k.cbv_business_step().to_owned())
                .unwrap_or_default(),
            happened_at: e.happened_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            place: e.place.clone(),
            actor: e.actor.clone(),
            note: e.note.clone(),
            corrects_event_id: e.corrects_event_id,
            corrected_by: events
                .iter()
                .find(|c| c.corrects_event_id == Some(e.id))
                .map(|c| c.id),
            attachment_url: e.attachment_file.as_ref().map(|f| format!("/files/{f}")),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDetailView {
    pub product: ProductView,
    pub certificates: Vec<CertificateView>,
    pub photos: Vec<PhotoView>,
    pub lots: Vec<LotView>,
    /// Stars of the certificate in force today.
    pub stars: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotDetailView {
    pub lot: LotView,
    pub product_id: i64,
    pub product_name: String,
    pub events: Vec<EventView>,
}

fn id_path(p: web::Path<i64>) -> i64 {
    p.into_inner()
}

/// A seller's products, drafts included (its members, its staff, admins).
#[utoipa::path(get, path = "/api/v1/sellers/{id}/products", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    responses((status = 200, body = Vec<ProductView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn seller_products(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let rows = with_db(&state, move |conn, _| {
        catalog::seller_products(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(ProductView::from).collect::<Vec<_>>()))
}

/// Adds a product to a seller (its member, or staff in assisted mode).
#[utoipa::path(post, path = "/api/v1/sellers/{id}/products", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")), request_body = ProductInput,
    responses((status = 201, body = ProductView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ProductInput>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let p = with_db(&state, move |conn, _| {
        catalog::create_product(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(ProductView::from(&p)))
}

/// A product with its certificates, photos and lots.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses((status = 200, body = ProductDetailView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let d = with_db(&state, move |conn, _| {
        catalog::product_detail(conn, &user.actor, id)
    })
    .await?;
    let today = today_vn();
    Ok(HttpResponse::Ok().json(ProductDetailView {
        stars: current_certificate(&d.certificates, d.product.id, today).map(|c| c.stars),
        product: ProductView::from(&d.product),
        certificates: d.certificates.iter().map(CertificateView::from).collect(),
        photos: d.photos.iter().map(PhotoView::from).collect(),
        lots: d.lots.iter().map(LotView::from).collect(),
    }))
}

/// Replaces a product's fields; its slug stays.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = ProductInput,
    responses((status = 200, body = ProductView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ProductInput>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let p = with_db(&state, move |conn, _| {
        catalog::update_product(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProductView::from(&p)))
}

/// Uploads a photo as `multipart/form-data` (field `photo`): JPEG, PNG or
/// WebP up to 10 MB and 40 megapixels. It is re-encoded without metadata
/// and kept at about 320 and 1024 px wide.
#[utoipa::path(post, path = "/api/v1/products/{id}/photos", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body(content_type = "multipart/form-data", description = "field `photo`: the image file"),
    responses((status = 201, body = PhotoView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_photo(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let mut form = uploads::read(&req, payload, &uploads::PHOTO_FORM).await?;
    let bytes = form
        .files
        .remove("photo")
        .ok_or_else(|| AppError::field("photo", crate::domain::Reason::Required))?;
    let photo = with_state(&state, move |st| {
        catalog::upload_photo(
            &st.pool,
            &st.cpu,
            &user.actor,
            &st.settings.data_dir,
            id,
            bytes,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(PhotoView::from(&photo)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PhotoOrder {
    /// Every photo id of the product, main photo first.
    pub order: Vec<i64>,
}

/// Reorders a product's photos; the first becomes the main one.
#[utoipa::path(put, path = "/api/v1/products/{id}/photos/order", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = PhotoOrder,
    responses((status = 200, body = Vec<PhotoView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reorder_photos(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<PhotoOrder>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let photos = with_db(&state, move |conn, _| {
        catalog::reorder_photos(conn, &user.actor, id, &body.order)
    })
    .await?;
    Ok(HttpResponse::Ok().json(photos.iter().map(PhotoView::from).collect::<Vec<_>>()))
}

/// Removes a photo from a product.
#[utoipa::path(delete, path = "/api/v1/products/{id}/photos/{photo_id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id"), ("photo_id" = i64, Path, description = "Photo id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_photo(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, photo_id) = path.into_inner();
    with_db(&state, move |conn, _| {
        catalog::delete_photo(conn, &user.actor, id, photo_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reads a JSON body, or a multipart form's fields and its one file.
async fn json_or_form<T: serde::de::DeserializeOwned + Default>(
    req: &HttpRequest,
    payload: web::Payload,
    spec: &uploads::FormSpec,
    file_field: &str,
) -> Result<(T, Option<Vec<u8>>), AppError> {
    if uploads::is_multipart(req) {
        let mut form = uploads::read(req, payload, spec).await?;
        let value = serde_json::to_value(&form.fields).map_err(AppError::internal)?;
        let input: T = serde_json::from_value(value).map_err(|e| AppError::BadRequest {
            detail: e.to_string(),
        })?;
        Ok((input, form.files.remove(file_field)))
    } else {
        let bytes = payload
            .to_bytes_limited(64 * 1024)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?
            .map_err(|e| AppError::BadRequest {
                detail: e.to_string(),
            })?;
        let input: T = serde_json::from_slice(&bytes).map_err(|e| AppError::BadRequest {
            detail: e.to_string(),
        })?;
        Ok((input, None))
    }
}

/// Records an OCOP certificate: JSON, or `multipart/form-data` with the same
/// fields and the scan of the decision in `document` (PDF or image, 10 MB).
/// Valid for 36 months from `issued_on` unless `valid_until` is given.
#[utoipa::path(post, path = "/api/v1/products/{id}/certificates", tag = "catalog", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = CertificateInput,
    responses((status = 201, body = CertificateView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_certificate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let (input, document): (CertificateInput, _) =
        json_or_form(&req, payload, &uploads::CERTIFICATE_FORM, "document").await?;
    let cert = with_state(&state, move |st| {
        catalog::upload_certificate(
            &st.pool,
            &st.cpu,
            &user.actor,
            &st.settings.data_dir,
            id,
            &input,
            document,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(CertificateView::from(&cert)))
}

/// Adds a production lot to a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/lots", tag = "lots", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Product id")), request_body = LotInput,
    responses((status = 201, body = LotView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_lot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<LotInput>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let lot = with_db(&state, move |conn, _| {
        lots::create_lot(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(LotView::from(&lot)))
}

/// A lot with its events in the order they happened.
#[utoipa::path(get, path = "/api/v1/lots/{id}", tag = "lots", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Lot id")),
    responses((status = 200, body = LotDetailView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_lot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let d = with_db(&state, move |conn, _| {
        lots::lot_detail(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LotDetailView {
        lot: LotView::from(&d.lot),
        product_id: d.product.id,
        product_name: d.product.name_vi.clone(),
        events: event_views(&d.events),
    }))
}

/// Replaces a lot's fields (not its status: see `/status`).
#[utoipa::path(put, path = "/api/v1/lots/{id}", tag = "lots", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Lot id")), request_body = LotInput,
    responses((status = 200, body = LotView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_lot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<LotInput>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let lot = with_db(&state, move |conn, _| {
        lots::update_lot(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LotView::from(&lot)))
}

/// Holds, recalls or releases a lot; a hold or recall needs a reason.
#[utoipa::path(post, path = "/api/v1/lots/{id}/status", tag = "lots", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Lot id")), request_body = LotStatusInput,
    responses((status = 200, body = LotView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_lot_status(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<LotStatusInput>,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let lot = with_db(&state, move |conn, _| {
        lots::set_lot_status(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(LotView::from(&lot)))
}

/// Appends a trace event: JSON, or `multipart/form-data` with the same
/// fields and a file in `attachment` (PDF or image, 10 MB). Events are never
/// edited; set `corrects_event_id` to correct an earlier one.
#[utoipa::path(post, path = "/api/v1/lots/{id}/events", tag = "lots", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Lot id")), request_body = EventInput,
    responses((status = 201, body = EventView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = id_path(id);
    let (input, attachment): (EventInput, _) =
        json_or_form(&req, payload, &uploads::EVENT_FORM, "attachment").await?;
    let event = with_state(&state, move |st| {
        lots::upload_event(
            &st.pool,
            &st.cpu,
            &user.actor,
            &st.settings.data_dir,
            id,
            &input,
            attachment,
        )
    })
    .await?;
    let mut views = event_views(std::slice::from_ref(&event));
    Ok(HttpResponse::Created().json(views.remove(0)))
}

/// A product in the public catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItemView {
    pub id: i64,
    pub slug: String,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub ocop_group: String,
    pub price_vnd: i64,
    pub unit: String,
    pub net_quantity: f64,
    /// Stars of a certificate in force today.
    pub stars: Option<i32>,
    pub seller_id: i64,
    pub seller_name: String,
    pub commune_name: String,
    pub photo_url: Option<String>,
    /// The product's public page.
    pub url: String,
}

pub fn catalog_item_view(i: &CatalogItem) -> CatalogItemView {
    CatalogItemView {
        id: i.product.id,
        slug: i.product.slug.clone(),
        name_vi: i.product.name_vi.clone(),
        name_en: i.product.name_en.clone(),
        ocop_group: i.product.ocop_group.clone(),
        price_vnd: i.product.price_vnd,
        unit: i.product.unit.clone(),
        net_quantity: i.product.net_quantity,
        stars: i.stars,
        seller_id: i.seller.id,
        seller_name: i.seller.short_name.clone(),
        commune_name: commune_name(i.seller.commune_code),
        photo_url: i.main_photo.as_ref().map(|k| format!("/media/{k}-320.jpg")),
        url: format!("/p/{}", i.product.slug),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogPage {
    pub items: Vec<CatalogItemView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The public catalogue: listed products of active sellers.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", params(CatalogQuery),
    responses((status = 200, body = CatalogPage)))]
pub async fn public_catalog(
    state: web::Data<AppState>,
    query: web::Query<CatalogQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let (items, total) = with_db(&state, move |conn, _| {
        catalog::public_catalog(conn, &query, None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CatalogPage {
        items: items.iter().map(catalog_item_view).collect(),
        total,
        page,
        per_page: catalog::CATALOG_PAGE,
    }))
}

/// A listed product as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProductView {
    pub product: ProductView,
    pub seller_id: i64,
    pub seller_name: String,
    pub commune_name: String,
    /// The certificate in force today, if any: stars show only then.
    pub certificate: Option<CertificateView>,
    pub photos: Vec<PhotoView>,
}

/// One listed product by its slug.
#[utoipa::path(get, path = "/api/v1/catalog/products/{slug}", tag = "catalog",
    params(("slug" = String, Path, description = "Product slug")),
    responses((status = 200, body = PublicProductView), (status = 404, body = ErrorBody)))]
pub async fn public_product(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let p = with_db(&state, move |conn, _| catalog::public_product(conn, &slug)).await?;
    Ok(HttpResponse::Ok().json(PublicProductView {
        product: ProductView::from(&p.product),
        seller_id: p.seller.id,
        seller_name: p.seller.short_name.clone(),
        commune_name: commune_name(p.seller.commune_code),
        certificate: p.certificate.as_ref().map(CertificateView::from),
        photos: p.photos.iter().map(PhotoView::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubgroupView {
    pub code: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub code: &'static str,
    pub subgroups: Vec<SubgroupView>,
}

/// The OCOP groups and their subgroups.
#[utoipa::path(get, path = "/api/v1/ocop-groups", tag = "catalog", responses((status = 200, body = Vec<GroupView>)))]
pub async fn ocop_groups() -> HttpResponse {
    let body: Vec<GroupView> = OcopGroup::ALL
        .iter()
        .map(|g| GroupView {
            code: g.as_str(),
            subgroups: SUBGROUPS
                .iter()
                .filter(|s| s.group == *g)
                .map(|s| SubgroupView {
                    code: s.code,
                    name_vi: s.vi,
                    name_en: s.en,
                })
                .collect(),
        })
        .collect();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .json(body)
}
