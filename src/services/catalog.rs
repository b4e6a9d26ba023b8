//! Products, their OCOP certificates and photos: what a seller (or staff for
//! it) keeps up to date, and what the public catalogue shows.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::cpu::{CpuError, CpuPool};
use crate::db::models::{
    CatalogFilter, Certificate, Lot, NewCertificate, Photo, Product, ProductChanges, Seller,
    current_certificate, now,
};
use crate::db::{DbConn, Pool};
use crate::domain::catalog::{self, Date, Gtin};
use crate::domain::{CertificateIssuer, FieldErrors, OcopGroup, ProductStatus, Reason, Unit, text};
use crate::error::AppError;
use crate::services::media::{self, MediaError};
use crate::services::{Actor, audit, db_step, optional, visible_seller};

pub const MAX_NAME: usize = 120;
pub const MAX_DESCRIPTION: usize = 5_000;
pub const MAX_SHORT_TEXT: usize = 200;
pub const MAX_PRICE_VND: i64 = 1_000_000_000;
pub const MAX_STOCK: i64 = 10_000_000;
/// Public catalogue page size.
pub const CATALOG_PAGE: i64 = 20;
/// A certificate is valid for 36 months unless its decision says otherwise.
pub const CERTIFICATE_MONTHS: u32 = 36;

/// A product as typed into the form or sent as JSON; every field is text so
/// that each problem is reported against its field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProductInput {
    /// Vietnamese name, e.g. "Mật ong rừng Nam Xuân".
    #[schema(max_length = 120, required = true)]
    pub name_vi: String,
    #[schema(max_length = 120)]
    pub name_en: String,
    /// `food`, `drinks`, `herbal`, `handicrafts`, `ornamental` or `tourism`.
    #[schema(required = true)]
    pub ocop_group: String,
    /// A subgroup code of the group (see `/api/v1/ocop-groups`); optional.
    pub ocop_subgroup: String,
    #[schema(max_length = 5000, required = true)]
    pub description: String,
    /// The producer's story, shown to buyers.
    #[schema(max_length = 5000)]
    pub story: String,
    #[schema(max_length = 5000)]
    pub ingredients: String,
    /// `g`, `kg`, `ml`, `l` or `item`.
    #[schema(required = true)]
    pub unit: String,
    /// e.g. "500" or "1,5".
    #[schema(required = true)]
    pub net_quantity: String,
    /// e.g. "hũ thủy tinh" (glass jar).
    #[schema(max_length = 200)]
    pub pack_type: String,
    /// Packed weight in grams, for shipping.
    pub packed_weight_g: String,
    pub length_cm: String,
    pub width_cm: String,
    pub height_cm: String,
    /// Whole VND; "150.000" is accepted.
    #[schema(required = true)]
    pub price_vnd: String,
    pub stock: String,
    /// GTIN-8/12/13/14, check digit verified.
    pub gtin: String,
    pub shelf_life_days: String,
    #[schema(max_length = 200)]
    pub storage: String,
    /// Mã số vùng trồng.
    #[schema(max_length = 50)]
    pub planting_area_code: String,
    /// `draft` (default), `listed` or `unlisted`.
    pub status: String,
    /// The seller's own product code (letters, digits, `-`, `_`, `.`, `/`),
    /// unique within the seller; optional.
    #[schema(max_length = 50)]
    pub sku: String,
}

/// Parses and checks every field, reporting all problems at once.
pub fn validate_product(input: &ProductInput) -> Result<ProductChanges, FieldErrors> {
    let mut e = FieldErrors::new();
    let name_vi = e.check("name_vi", text::required_text(&input.name_vi, MAX_NAME));
    let name_en = e.check("name_en", text::optional_text(&input.name_en, MAX_NAME));
    let group = e.check("ocop_group", OcopGroup::parse(&input.ocop_group));
    let subgroup = match group {
        Some(g) => optional(&mut e, "ocop_subgroup", &input.ocop_subgroup, |s| {
            catalog::subgroup(g, s).map(|s| s.code.to_owned())
        }),
        None => Some(None),
    };
    let description = e.check(
        "description",
        text::required_text(&input.description, MAX_DESCRIPTION),
    );
    let story = e.check("story", text::optional_text(&input.story, MAX_DESCRIPTION));
    let ingredients = e.check(
        "ingredients",
        text::optional_text(&input.ingredients, MAX_DESCRIPTION),
    );
    let unit = e.check("unit", Unit::parse(&input.unit));
    let net_quantity = e.check(
        "net_quantity",
        catalog::decimal(&input.net_quantity, 0.001, 1_000_000.0),
    );
    let pack_type = e.check(
        "pack_type",
        text::optional_text(&input.pack_type, MAX_SHORT_TEXT),
    );
    let packed_weight_g = optional(&mut e, "packed_weight_g", &input.packed_weight_g, |v| {
        catalog::whole_number(v, 1, 1_000_000).map(|n| n as i32)
    });
    let dim = |v: &str| catalog::decimal(v, 0.1, 500.0);
    let length_cm = optional(&mut e, "length_cm", &input.length_cm, dim);
    let width_cm = optional(&mut e, "width_cm", &input.width_cm, dim);
    let height_cm = optional(&mut e, "height_cm", &input.height_cm, dim);
    let price_vnd = e.check(
        "price_vnd",
        catalog::whole_number(&input.price_vnd, 0, MAX_PRICE_VND),
    );
    let stock = if input.stock.trim().is_empty() {
        Some(0)
    } else {
        e.check(
            "stock",
            catalog::whole_number(&input.stock, 0, MAX_STOCK).map(|n| n as i32),
        )
    };
    let gtin = optional(&mut e, "gtin", &input.gtin, |v| {
        Gtin::parse(v).map(|g| g.as_str().to_owned())
    });
    let shelf_life_days = optional(&mut e, "shelf_life_days", &input.shelf_life_days, |v| {
        catalog::whole_number(v, 1, 3_650).map(|n| n as i32)
    });
    let storage = e.check(
        "storage",
        text::optional_text(&input.storage, MAX_SHORT_TEXT),
    );
    let planting_area_code = e.check(
        "planting_area_code",
        text::optional_text(&input.planting_area_code, 50),
    );
    let sku = optional(&mut e, "sku", &input.sku, parse_sku);
    let status = if input.status.trim().is_empty() {
        Some(ProductStatus::Draft)
    } else {
        e.check("status", ProductStatus::parse(&input.status))
    };
    if !e.is_empty() {
        return Err(e);
    }
    let (
        Some(name_vi),
        Some(name_en),
        Some(group),
        Some(ocop_subgroup),
        Some(description),
        Some(story),
        Some(ingredients),
        Some(unit),
        Some(net_quantity),
        Some(pack_type),
        Some(packed_weight_g),
        Some(length_cm),
        Some(width_cm),
        Some(height_cm),
        Some(price_vnd),
        Some(stock),
        Some(gtin),
        Some(shelf_life_days),
        Some(storage),
        Some(planting_area_code),
        Some(status),
        Some(sku),
    ) = (
        name_vi,
        name_en,
        group,
        subgroup,
        description,
        story,
        ingredients,
        unit,
        net_quantity,
        pack_type,
        packed_weight_g,
        length_cm,
        width_cm,
        height_cm,
        price_vnd,
        stock,
        gtin,
        shelf_life_days,
        storage,
        planting_area_code,
        status,
        sku,
    )
    else {
        return Err(e);
    };
    let search_text = text::fold(&format!("{name_vi} {}", name_en.as_deref().unwrap_or("")));
    Ok(ProductChanges {
        name_vi,
        name_en,
        ocop_group: group.as_str().to_owned(),
        ocop_subgroup,
        description,
        story,
        ingredients,
        unit: unit.as_str().to_owned(),
        net_quantity,
        pack_type,
        packed_weight_g,
        length_cm,
        width_cm,
        height_cm,
        price_vnd,
        stock,
        gtin,
        shelf_life_days,
        storage,
        planting_area_code,
        status: status.as_str().to_owned(),
        search_text,
        updated_at: now(),
        sku,
    })
}

/// Longest accepted SKU.
pub const MAX_SKU: usize = 50;

/// A SKU as marketplaces accept it: printable ASCII letters, digits and
/// `-_./`, so it survives every channel's sheet unchanged.
pub fn parse_sku(value: &str) -> Result<String, Reason> {
    let v = value.trim();
    if v.chars().count() > MAX_SKU {
        return Err(Reason::TooLong { max: MAX_SKU });
    }
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err(Reason::Invalid);
    }
    Ok(v.to_owned())
}

/// The slug a product's name asks for before any `-2`: the folded name, or
/// "san-pham" (product) when nothing of it survives folding.
pub(crate) fn slug_base(name: &str) -> String {
    match text::slugify(name) {
        s if s.is_empty() => "san-pham".to_owned(),
        s => s,
    }
}

/// A slug no other product has: the folded name, then `-2`, `-3`... so links
/// stay readable ("mat-ong-rung-nam-xuan").
fn unique_slug(conn: &mut DbConn, name: &str) -> Result<String, AppError> {
    let base = slug_base(name);
    if !Product::slug_taken(conn, &base)? {
        return Ok(base);
    }
    for n in 2..1_000 {
        let candidate = format!("{base}-{n}");
        if !Product::slug_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", crate::util::random_hex(3)))
}

/// Turns a unique violation on the seller's SKU into a field error.
pub(crate) fn sku_taken(e: diesel::result::Error) -> AppError {
    if crate::db::violates_unique(&e, "sku") {
        AppError::field("sku", Reason::Taken)
    } else {
        e.into()
    }
}

/// A product the actor may manage, with its seller; anyone else's is "not
/// found".
pub fn managed_product(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> Result<(Product, Seller), AppError> {
    let product = Product::find(conn, id)?.ok_or(AppError::NotFound)?;
    let seller = visible_seller(conn, actor, product.seller_id)?;
    Ok((product, seller))
}

/// Adds a product to a seller the actor may manage (its member, or staff in
/// assisted mode).
pub fn create_product(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
    input: &ProductInput,
) -> Result<Product, AppError> {
    let seller = visible_seller(conn, actor, seller_id)?;
    let fields = validate_product(input)?;
    // Two products of the same name saved at the same instant can pick the
    // same free slug; the loser tries again with the next one.
    let mut attempts = 0;
    loop {
        let mut slug_race = false;
        let saved = conn.transaction(|conn| {
            let slug = unique_slug(conn, &fields.name_vi)?;
            let product = Product::insert(conn, seller.id, &slug, &fields, now()).map_err(|e| {
                slug_race = crate::db::violates_unique(&e, "slug");
                sku_taken(e)
            })?;
            audit(
                conn,
                Some(actor),
                Some(seller.id),
                "product_created",
                "product",
                Some(product.id),
                serde_json::json!({ "name_vi": product.name_vi, "status": product.status }),
            )?;
            Ok(product)
        });
        attempts += 1;
        if !(slug_race && attempts < 3) {
            return saved;
        }
    }
}

/// Edits a product; the slug stays, so printed links keep working.
pub fn update_product(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    input: &ProductInput,
) -> Result<Product, AppError> {
    let (before, seller) = managed_product(conn, actor, id)?;
    let fields = validate_product(input)?;
    conn.transaction(|conn| {
        let product = Product::update(conn, id, &fields).map_err(sku_taken)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "product_updated",
            "product",
            Some(id),
            serde_json::json!({
                "name_vi": product.name_vi,
                "status": { "from": before.status, "to": product.status },
                "price_vnd": { "from": before.price_vnd, "to": product.price_vnd },
            }),
        )?;
        Ok(product)
    })
}

/// Everything about one product that its managers see.
pub struct ProductDetail {
    pub product: Product,
    pub seller: Seller,
    pub certificates: Vec<Certificate>,
    pub photos: Vec<Photo>,
    pub lots: Vec<Lot>,
}

pub fn product_detail(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> Result<ProductDetail, AppError> {
    let (product, seller) = managed_product(conn, actor, id)?;
    Ok(ProductDetail {
        certificates: Certificate::of_products(conn, &[id])?,
        photos: Photo::of_products(conn, &[id])?,
        lots: Lot::of_product(conn, id)?,
        product,
        seller,
    })
}

/// Products of a seller the actor may manage, drafts included.
pub fn seller_products(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
) -> Result<Vec<Product>, AppError> {
    visible_seller(conn, actor, seller_id)?;
    Ok(Product::of_seller(conn, seller_id)?)
}

/// Turns an upload refusal into the field error the person sees; storage
/// failures are ours, not theirs.
pub fn media_error(field: &'static str, e: MediaError) -> AppError {
    let reason = match e {
        MediaError::TooLarge { max } => Reason::FileTooLarge {
            max_mb: max / (1024 * 1024),
        },
        MediaError::Empty => Reason::Required,
        MediaError::NotAnImage | MediaError::NotAPdfOrImage => Reason::BadFileType,
        MediaError::Truncated => Reason::FileDamaged,
        MediaError::TooManyPixels { max, .. } => Reason::TooManyPixels { max },
        MediaError::TooSmall => Reason::ImageTooSmall,
        MediaError::Storage(cause) => return AppError::Internal(cause),
        MediaError::DiskFull(cause) => return AppError::InsufficientStorage(cause),
    };
    AppError::field(field, reason)
}

/// Runs a media job (decode, check, re-encode) on the heavy-work pool.
/// A full pool is a 503; a decoder that panics on a crafted file refuses
/// the file as damaged rather than failing the server.
pub(crate) fn run_media<T, F>(
    cpu: &CpuPool,
    field: &'static str,
    estimate: u64,
    job: F,
) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, MediaError> + Send + 'static,
    T: Send + 'static,
{
    match cpu.run(estimate, job) {
        Ok(done) => done.map_err(|e| media_error(field, e)),
        Err(CpuError::Busy { retry_after }) => Err(AppError::Busy { retry_after }),
        Err(CpuError::Panicked(cause)) => {
            tracing::warn!(field, %cause, "image decoder panicked on an upload");
            Err(AppError::field(field, Reason::FileDamaged))
        }
    }
}

/// Checks the product's access, then re-encodes and stores a photo and
/// appends it, on one connection: for the demo and commands. Requests use
/// [`upload_photo`]. Nothing is stored for a refused file.
pub fn add_photo(
    conn: &mut DbConn,
    actor: &Actor,
    data_dir: &Path,
    product_id: i64,
    bytes: &[u8],
) -> Result<Photo, AppError> {
    let target = managed_product(conn, actor, product_id)?;
    let processed = media::process_photo(bytes).map_err(|e| media_error("photo", e))?;
    let stored = media::store_photo(data_dir, &processed).map_err(|e| media_error("photo", e))?;
    save_photo(conn, actor, &target, &processed, stored)
}

/// [`add_photo`] for a request: the connection is borrowed only for the
/// access check and for the final short transaction; decoding runs on the
/// heavy-work pool under a memory reservation estimated from the header,
/// and the files are written with no connection held. When the row cannot
/// be saved, the files this upload created are removed again.
pub fn upload_photo(
    db: &Pool,
    cpu: &CpuPool,
    actor: &Actor,
    data_dir: &Path,
    product_id: i64,
    bytes: Vec<u8>,
) -> Result<Photo, AppError> {
    let target = db_step(db, |conn| managed_product(conn, actor, product_id))?;
    let estimate = media::photo_memory(&bytes).map_err(|e| media_error("photo", e))?;
    let processed = run_media(cpu, "photo", estimate, move || media::process_photo(&bytes))?;
    let stored = media::store_photo(data_dir, &processed).map_err(|e| media_error("photo", e))?;
    db_step(db, |conn| {
        save_photo(conn, actor, &target, &processed, stored)
    })
}

/// Appends a stored photo to the product, with its audit entry; removes
/// the files this upload created when the transaction fails.
fn save_photo(
    conn: &mut DbConn,
    actor: &Actor,
    (product, seller): &(Product, Seller),
    processed: &media::ProcessedPhoto,
    stored: media::StoredFiles,
) -> Result<Photo, AppError> {
    let saved = conn.transaction(|conn| {
        let photo = Photo::append(
            conn,
            product.id,
            &processed.key,
            i32::try_from(processed.width).unwrap_or(i32::MAX),
            i32::try_from(processed.height).unwrap_or(i32::MAX),
            now(),
        )?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "photo_added",
            "photo",
            Some(photo.id),
            serde_json::json!({ "product_id": product.id }),
        )?;
        Ok(photo)
    });
    if saved.is_err() {
        stored.remove();
    }
    saved
}

/// Puts the product's photos in the order given; the first becomes the main
/// photo. `order` must name each of its photos exactly once.
pub fn reorder_photos(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: i64,
    order: &[i64],
) -> Result<Vec<Photo>, AppError> {
    let (product, seller) = managed_product(conn, actor, product_id)?;
    let current = Photo::of_products(conn, &[product.id])?;
    let mut wanted: Vec<i64> = order.to_vec();
    wanted.sort_unstable();
    let mut have: Vec<i64> = current.iter().map(|p| p.id).collect();
    have.sort_unstable();
    if wanted != have {
        return Err(AppError::field("order", Reason::Invalid));
    }
    conn.transaction(|conn| {
        for (i, id) in order.iter().enumerate() {
            Photo::set_position(conn, *id, i32::try_from(i).unwrap_or(i32::MAX))?;
        }
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "photos_reordered",
            "product",
            Some(product.id),
            serde_json::json!({ "order": order }),
        )?;
        Ok(Photo::of_products(conn, &[product.id])?)
    })
}

/// Moves one photo a step up (-1) or down (+1): what the no-JavaScript page
/// offers instead of dragging.
pub fn move_photo(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: i64,
    photo_id: i64,
    step: i32,
) -> Result<Vec<Photo>, AppError> {
    let (product, _) = managed_product(conn, actor, product_id)?;
    let mut ids: Vec<i64> = Photo::of_products(conn, &[product.id])?
        .iter()
        .map(|p| p.id)
        .collect();
    let Some(i) = ids.iter().position(|id| *id == photo_id) else {
        return Err(AppError::NotFound);
    };
    let j = i as i64 + i64::from(step);
    if (0..ids.len() as i64).contains(&j) {
        ids.swap(i, j as usize);
    }
    reorder_photos(conn, actor, product_id, &ids)
}

/// Removes a photo from a product (the file stays: another product may show
/// the same image).
pub fn delete_photo(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: i64,
    photo_id: i64,
) -> Result<(), AppError> {
    let (product, seller) = managed_product(conn, actor, product_id)?;
    match Photo::find(conn, photo_id)? {
        Some(p) if p.product_id == product.id => {}
        _ => return Err(AppError::NotFound),
    }
    conn.transaction(|conn| {
        Photo::delete(conn, photo_id)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "photo_removed",
            "photo",
            Some(photo_id),
            serde_json::json!({ "product_id": product.id }),
        )?;
        Ok(())
    })
}

/// An OCOP certificate as typed or sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CertificateInput {
    /// 3, 4 or 5.
    #[schema(required = true)]
    pub stars: String,
    /// The evaluation score (0–100), optional.
    pub score: String,
    /// Số quyết định, e.g. "1234/QĐ-UBND".
    #[schema(required = true, max_length = 100)]
    pub decision_no: String,
    /// `province` or `central`.
    #[schema(required = true)]
    pub issued_by: String,
    /// YYYY-MM-DD or DD/MM/YYYY.
    #[schema(required = true)]
    pub issued_on: String,
    /// Defaults to `issued_on` + 36 months.
    pub valid_until: String,
}

fn to_naive(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year, d.month, d.day)
}

/// `date` plus `months` calendar months, clamped to the month's last day.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(date)
}

/// Checks a certificate; the validity defaults to 36 months.
pub fn validate_certificate(input: &CertificateInput) -> Result<NewCertificate, FieldErrors> {
    let mut e = FieldErrors::new();
    let stars = e.check("stars", catalog::stars(&input.stars));
    let score = optional(&mut e, "score", &input.score, |v| {
        catalog::whole_number(v, 0, 100).map(|n| n as i32)
    });
    let decision_no = e.check("decision_no", text::required_text(&input.decision_no, 100));
    let issued_by = e.check("issued_by", CertificateIssuer::parse(&input.issued_by));
    let issued_on = e.check(
        "issued_on",
        Date::parse(&input.issued_on).and_then(|d| to_naive(d).ok_or(Reason::InvalidDate)),
    );
    let valid_until = optional(&mut e, "valid_until", &input.valid_until, |v| {
        Date::parse(v).and_then(|d| to_naive(d).ok_or(Reason::InvalidDate))
    });
    if let (Some(from), Some(Some(until))) = (issued_on, valid_until)
        && until <= from
    {
        e.push("valid_until", Reason::TooEarly);
    }
    if let (Some(5), Some(CertificateIssuer::Province)) = (stars, issued_by) {
        // Five stars are awarded by the central government only.
        e.push("issued_by", Reason::InvalidChoice);
    }
    let (
        Some(stars),
        Some(score),
        Some(decision_no),
        Some(issued_by),
        Some(issued_on),
        Some(valid_until),
    ) = (stars, score, decision_no, issued_by, issued_on, valid_until)
    else {
        return Err(e);
    };
    e.into_result()?;
    Ok(NewCertificate {
        product_id: 0,
        stars,
        score,
        decision_no,
        issued_by: issued_by.as_str().to_owned(),
        valid_until: valid_until.unwrap_or_else(|| add_months(issued_on, CERTIFICATE_MONTHS)),
        issued_on,
        document_file: None,
        created_at: now(),
    })
}

/// Records a certificate, with the scan of the decision when given (PDF or
/// image, checked like photos), on one connection: for the demo and
/// commands. Requests use [`upload_certificate`].
pub fn add_certificate(
    conn: &mut DbConn,
    actor: &Actor,
    data_dir: &Path,
    product_id: i64,
    input: &CertificateInput,
    document: Option<&[u8]>,
) -> Result<Certificate, AppError> {
    let (product, seller) = managed_product(conn, actor, product_id)?;
    let mut new = validate_certificate(input)?;
    new.product_id = product.id;
    let mut stored = media::StoredFiles::default();
    if let Some(bytes) = document {
        let doc = media::process_document(bytes).map_err(|e| media_error("document", e))?;
        stored = media::store_document(data_dir, &doc).map_err(|e| media_error("document", e))?;
        new.document_file = Some(doc.file_name);
    }
    save_certificate(conn, actor, &(product, seller), &new, stored)
}

/// [`add_certificate`] for a request: access is checked and the fields
/// validated first; the scan is decoded on the heavy-work pool and written
/// with no connection held; then one short transaction saves the row (and
/// the file is removed again if it cannot).
pub fn upload_certificate(
    db: &Pool,
    cpu: &CpuPool,
    actor: &Actor,
    data_dir: &Path,
    product_id: i64,
    input: &CertificateInput,
    document: Option<Vec<u8>>,
) -> Result<Certificate, AppError> {
    let target = db_step(db, |conn| managed_product(conn, actor, product_id))?;
    let mut new = validate_certificate(input)?;
    new.product_id = target.0.id;
    let mut stored = media::StoredFiles::default();
    if let Some(bytes) = document {
        let doc = process_document_on(cpu, "document", bytes)?;
        stored = media::store_document(data_dir, &doc).map_err(|e| media_error("document", e))?;
        new.document_file = Some(doc.file_name);
    }
    db_step(db, |conn| {
        save_certificate(conn, actor, &target, &new, stored)
    })
}

/// Checks and re-encodes a document on the heavy-work pool.
pub(crate) fn process_document_on(
    cpu: &CpuPool,
    field: &'static str,
    bytes: Vec<u8>,
) -> Result<media::ProcessedDocument, AppError> {
    let estimate = media::document_memory(&bytes).map_err(|e| media_error(field, e))?;
    run_media(cpu, field, estimate, move || {
        media::process_document(&bytes)
    })
}

fn save_certificate(
    conn: &mut DbConn,
    actor: &Actor,
    (product, seller): &(Product, Seller),
    new: &NewCertificate,
    stored: media::StoredFiles,
) -> Result<Certificate, AppError> {
    let saved = conn.transaction(|conn| {
        let cert = Certificate::insert(conn, new)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "certificate_added",
            "certificate",
            Some(cert.id),
            serde_json::json!({ "product_id": product.id, "stars": cert.stars, "decision_no": cert.decision_no, "valid_until": cert.valid_until.to_string() }),
        )?;
        Ok(cert)
    });
    if saved.is_err() {
        stored.remove();
    }
    saved
}

/// Today's date in Vietnam (UTC+7), which decides whether a certificate is
/// in force: at 06:00 in Hà Nội it is already tomorrow's date compared to UTC.
pub fn today_vn() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

/// A product as the public catalogue lists it.
pub struct CatalogItem {
    pub product: Product,
    pub seller: Seller,
    /// Stars of the certificate in force today, if any.
    pub stars: Option<i32>,
    pub main_photo: Option<String>,
}

/// What the public catalogue can be narrowed by.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CatalogQuery {
    /// Words of the name; accents optional ("mat ong" finds "mật ong").
    pub q: String,
    /// OCOP group code.
    pub group: String,
    /// At least this many stars (3–5).
    pub stars: String,
    /// 2025 commune code of the seller.
    pub commune: String,
    /// 1-based.
    pub page: Option<i64>,
}

/// One page of the public catalogue: listed products of active sellers.
pub fn public_catalog(
    conn: &mut DbConn,
    query: &CatalogQuery,
    seller_id: Option<i64>,
) -> Result<(Vec<CatalogItem>, i64), AppError> {
    let today = today_vn();
    let filter = CatalogFilter {
        folded_query: text::fold(&query.q.chars().take(100).collect::<String>()),
        group: OcopGroup::parse(&query.group)
            .ok()
            .map(|g| g.as_str().to_owned()),
        min_stars: catalog::stars(&query.stars).ok(),
        commune_code: query.commune.trim().parse().ok(),
        seller_id,
        today: Some(today),
    };
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let (products, total) =
        Product::catalog(conn, &filter, CATALOG_PAGE, (page - 1) * CATALOG_PAGE)?;
    Ok((items(conn, products, today)?, total))
}

/// Attaches seller, stars and main photo to products, three queries in all.
fn items(
    conn: &mut DbConn,
    products: Vec<Product>,
    today: NaiveDate,
) -> Result<Vec<CatalogItem>, AppError> {
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let certs = Certificate::of_products(conn, &ids)?;
    let photos = Photo::of_products(conn, &ids)?;
    let mut seller_ids: Vec<i64> = products.iter().map(|p| p.seller_id).collect();
    seller_ids.sort_unstable();
    seller_ids.dedup();
    let sellers = Seller::find_many(conn, &seller_ids)?;
    Ok(products
        .into_iter()
        .filter_map(|p| {
            let seller = sellers.iter().find(|s| s.id == p.seller_id)?.clone();
            Some(CatalogItem {
                stars: current_certificate(&certs, p.id, today).map(|c| c.stars),
                main_photo: photos
                    .iter()
                    .find(|ph| ph.product_id == p.id)
                    .map(|ph| ph.file_key.clone()),
                seller,
                product: p,
            })
        })
        .collect())
}

/// A listed product's public page.
pub struct PublicProduct {
    pub product: Product,
    pub seller: Seller,
    pub certificate: Option<Certificate>,
    /// The latest certificate even when expired, to say it has lapsed.
    pub latest_certificate: Option<Certificate>,
    pub photos: Vec<Photo>,
}

/// The public view of a listed product of an active seller; drafts and
/// unlisted products are not found.
pub fn public_product(conn: &mut DbConn, slug: &str) -> Result<PublicProduct, AppError> {
    let product = Product::find_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    let seller = Seller::find(conn, product.seller_id)?.ok_or(AppError::NotFound)?;
    if product.status != "listed" || seller.status != "active" {
        return Err(AppError::NotFound);
    }
    let today = today_vn();
    let certs = Certificate::of_products(conn, &[product.id])?;
    Ok(PublicProduct {
        certificate: current_certificate(&certs, product.id, today).cloned(),
        latest_certificate: certs.first().cloned(),
        photos: Photo::of_products(conn, &[product.id])?,
        product,
        seller,
    })
}

/// An active seller's public page with its listed products.
pub fn public_seller(
    conn: &mut DbConn,
    id: i64,
    page: i64,
) -> Result<(Seller, Vec<CatalogItem>, i64), AppError> {
    let seller = Seller::find(conn, id)?.ok_or(AppError::NotFound)?;
    if seller.status != "active" {
        return Err(AppError::NotFound);
    }
    let query = CatalogQuery {
        page: Some(page),
        ..Default::default()
    };
    let (items, total) = public_catalog(conn, &query, Some(id))?;
    Ok((seller, items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn honey() -> ProductInput {
        ProductInput {
            name_vi: "Mật ong rừng Nam Xuân".into(),
            ocop_group: "food".into(),
            ocop_subgroup: "honey".into(),
            description: "Mật ong hoa rừng thu hoạch ở bản Khạn.".into(),
            unit: "ml".into(),
            net_quantity: "500".into(),
            price_vnd: "250.000".into(),
            ..Default::default()
        }
    }

    #[test]
    fn product_defaults_and_vietnamese_numbers() {
        let p = validate_product(&honey()).expect("valid");
        assert_eq!(p.price_vnd, 250_000);
        assert_eq!(p.stock, 0);
        assert_eq!(p.status, "draft");
        assert_eq!(p.search_text, "mat ong rung nam xuan");
    }

    #[test]
    fn product_fields_are_named() {
        let bad = ProductInput {
            ocop_group: "food".into(),
            ocop_subgroup: "alcoholic".into(),
            unit: "bag".into(),
            net_quantity: "-1".into(),
            price_vnd: "abc".into(),
            stock: "-5".into(),
            gtin: "8934567000007".into(),
            ..Default::default()
        };
        let e = validate_product(&bad).expect_err("invalid");
        for f in [
            "name_vi",
            "ocop_subgroup",
            "description",
            "unit",
            "net_quantity",
            "price_vnd",
            "stock",
            "gtin",
        ] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
        assert_eq!(e.get("ocop_subgroup"), Some(&Reason::SubgroupMismatch));
    }

    #[test]
    fn certificate_is_valid_for_36_months_by_default() {
        let c = validate_certificate(&CertificateInput {
            stars: "4".into(),
            decision_no: "1234/QĐ-UBND".into(),
            issued_by: "province".into(),
            issued_on: "31/08/2024".into(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(
            c.valid_until,
            NaiveDate::from_ymd_opt(2027, 8, 31).expect("date")
        );
        let e = validate_certificate(&CertificateInput {
            stars: "5".into(),
            decision_no: "x".into(),
            issued_by: "province".into(),
            issued_on: "2025-01-01".into(),
            valid_until: "2024-01-01".into(),
            ..Default::default()
        })
        .expect_err("invalid");
        assert_eq!(e.get("valid_until"), Some(&Reason::TooEarly));
        assert_eq!(e.get("issued_by"), Some(&Reason::InvalidChoice));
    }
}
