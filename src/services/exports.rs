//! Marketplace exports: which products an actor may send, the check of each
//! against each channel, and the export file, written in the background with
//! its progress, its history and a mail when a large one is ready.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::db::models::export::product_ids_of;
use crate::db::models::{
    Certificate, Export, ExportScope, NewExport, Photo, Product, Seller, SellerScope, User,
    current_certificate, now,
};
use crate::db::{DbConn, Pool};
use crate::domain::{Reason, Role, commune};
use crate::error::AppError;
use crate::exports::{ChannelId, Listing, Problem, ProblemKind, generic};
use crate::services::accounts::bilingual_mail_in;
use crate::services::catalog::today_vn;
use crate::services::outbox::{self, About, Outbox};
use crate::services::{Actor, audit, visible_seller};
use crate::sheets::SheetFormat;

/// Exports of at least this many products mail their creator when ready:
/// those are the ones people leave the page for.
pub const MAIL_THRESHOLD: usize = 500;
/// Products loaded and written per step; progress is saved after each.
const BATCH: usize = 500;
/// A running export whose worker has not reported for this long has died
/// with its process.
const STALE_MINUTES: i64 = 10;
/// Exports one person may have running at once: each holds a thread and a
/// database connection, so nobody can start hundreds.
pub const MAX_RUNNING_PER_USER: i64 = 3;
/// Exports shown in the history.
pub const HISTORY_LIMIT: i64 = 50;
/// Products per page of the public JSON feed.
pub const FEED_PAGE: i64 = 500;

/// Which products to check or export: chosen ids, one seller's products, or
/// (both empty) every listed product the actor may manage.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Selection {
    /// Products chosen one by one; they must all be the actor's to manage.
    pub product_ids: Vec<i64>,
    /// Every listed product of this seller.
    pub seller_id: Option<i64>,
}

/// Every product the actor chose and may manage. With no ids chosen, the
/// listed products in scope: drafts are not meant for marketplaces.
pub fn resolve(conn: &mut DbConn, actor: &Actor, sel: &Selection) -> Result<Vec<i64>, AppError> {
    if !sel.product_ids.is_empty() {
        let mut ids = sel.product_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let mut found = Vec::with_capacity(ids.len());
        let mut allowed: HashMap<i64, bool> = HashMap::new();
        for chunk in ids.chunks(BATCH) {
            let products = Product::find_many(conn, chunk)?;
            if products.len() != chunk.len() {
                return Err(AppError::NotFound);
            }
            for p in products {
                let ok = match allowed.get(&p.seller_id) {
                    Some(ok) => *ok,
                    None => {
                        let ok = visible_seller(conn, actor, p.seller_id).is_ok();
                        allowed.insert(p.seller_id, ok);
                        ok
                    }
                };
                if !ok {
                    return Err(AppError::NotFound);
                }
                found.push(p.id);
            }
        }
        return Ok(found);
    }
    let scope = match (sel.seller_id, actor.role) {
        (Some(id), _) => SellerScope::Only(visible_seller(conn, actor, id)?.id),
        (None, Role::Admin) => SellerScope::All,
        (None, Role::Staff) => SellerScope::OnboardedBy(actor.user_id),
        (None, Role::Seller) => SellerScope::Only(actor.seller_id.ok_or(AppError::Forbidden)?),
    };
    Ok(product_ids_of(conn, scope, Some("listed"))?)
}

/// Products with what every channel needs to know of them, loaded together.
struct Batch {
    products: Vec<Product>,
    sellers: HashMap<i64, Seller>,
    certificates: Vec<Certificate>,
    photos: HashMap<i64, Vec<Photo>>,
}

impl Batch {
    fn load(conn: &mut DbConn, ids: &[i64]) -> Result<Batch, AppError> {
        let products = Product::find_many(conn, ids)?;
        let mut seller_ids: Vec<i64> = products.iter().map(|p| p.seller_id).collect();
        seller_ids.sort_unstable();
        seller_ids.dedup();
        let sellers = Seller::find_many(conn, &seller_ids)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let certificates = Certificate::of_products(conn, ids)?;
        let mut photos: HashMap<i64, Vec<Photo>> = HashMap::new();
        for ph in Photo::of_products(conn, ids)? {
            photos.entry(ph.product_id).or_default().push(ph);
        }
        Ok(Batch {
            products,
            sellers,
            certificates,
            photos,
        })
    }

    /// Each product with its listing; products whose seller vanished are
    /// skipped.
    fn listings<'a>(&'a self, base: &'a str, today: NaiveDate) -> Vec<Listing<'a>> {
        let public = is_public_base(base);
        self.products
            .iter()
            .filter_map(|p| {
                let seller = self.sellers.get(&p.seller_id)?;
                Some(Listing {
                    product: p,
                    seller,
                    certificate: current_certificate(&self.certificates, p.id, today),
                    image_urls: self
                        .photos
                        .get(&p.id)
                        .map(|v| {
                            v.iter()
                                .map(|ph| format!("{base}/media/{}-1024.jpg", ph.file_key))
                                .collect()
                        })
                        .unwrap_or_default(),
                    trace_url: format!("{base}/p/{}", p.slug),
                    origin: commune::commune(u32::try_from(seller.commune_code).unwrap_or(0))
                        .map(commune::full_name)
                        .unwrap_or_default(),
                    public_urls: public,
                })
            })
            .collect()
    }
}

/// False for addresses a marketplace cannot reach (this machine, a LAN).
fn is_public_base(base: &str) -> bool {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    !(host.is_empty()
        || host == "localhost"
        || host.starts_with("127.")
        || host.starts_with("10.")
        || host.starts_with("192.168.")
        || host == "0.0.0.0"
        || host.starts_with('['))
}

/// One channel's verdict on one product.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelCheck {
    pub channel: ChannelId,
    pub problems: Vec<Problem>,
}

impl ChannelCheck {
    /// Ready when nothing but advice remains.
    pub fn ready(&self) -> bool {
        self.problems.iter().all(|p| !p.blocks())
    }
}

/// One product checked against the chosen channels.
#[derive(Debug, Clone)]
pub struct ProductCheck {
    pub product_id: i64,
    pub seller_id: i64,
    pub name_vi: String,
    pub seller_name: String,
    pub channels: Vec<ChannelCheck>,
}

/// Checks the chosen products against `channels` (all when empty).
pub fn check(
    conn: &mut DbConn,
    actor: &Actor,
    base: &str,
    sel: &Selection,
    channels: &[ChannelId],
) -> Result<Vec<ProductCheck>, AppError> {
    let channels: Vec<ChannelId> = if channels.is_empty() {
        ChannelId::ALL.to_vec()
    } else {
        channels.to_vec()
    };
    let ids = resolve(conn, actor, sel)?;
    let today = today_vn();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let batch = Batch::load(conn, chunk)?;
        for l in batch.listings(base, today) {
            out.push(ProductCheck {
                product_id: l.product.id,
                seller_id: l.seller.id,
                name_vi: l.product.name_vi.clone(),
                seller_name: l.seller.short_name.clone(),
                channels: channels
                    .iter()
                    .map(|c| ChannelCheck {
                        channel: *c,
                        problems: c.spec().check(&l),
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// Where a person fixes `field` of a product: the form field itself, the
/// photos or certificates section, or the seller's form.
pub fn fix_url(actor: &Actor, product_id: i64, seller_id: i64, field: &str) -> Option<String> {
    match field {
        "photos" | "certificates" => Some(format!("/products/{product_id}#{field}")),
        "seller_status" if actor.is_staff_or_admin() => {
            Some(format!("/staff/sellers/{seller_id}/edit#status"))
        }
        "seller_status" | "public_base_url" => None,
        f => Some(format!("/products/{product_id}/edit#{f}")),
    }
}

/// A held product and why, as kept with the export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldProduct {
    pub product_id: i64,
    pub seller_id: i64,
    pub name_vi: String,
    pub problems: Vec<StoredProblem>,
}

/// A [`Problem`] as stored in the history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredProblem {
    pub field: String,
    #[serde(flatten)]
    pub kind: ProblemKind,
}

/// The held products of an export.
pub fn held_products(export: &Export) -> Vec<HeldProduct> {
    serde_json::from_str(&export.problems).unwrap_or_default()
}

/// Parses a channel name, as a field error when unknown.
pub fn parse_channel(value: &str) -> Result<ChannelId, AppError> {
    ChannelId::parse(value).ok_or_else(|| AppError::field("channel", Reason::InvalidChoice))
}

/// Parses a file format, as a field error when unknown.
pub fn parse_format(value: &str) -> Result<SheetFormat, AppError> {
    SheetFormat::parse(value).ok_or_else(|| AppError::field("format", Reason::InvalidChoice))
}

/// Records an export to run: the products are fixed now, so the file says
/// what was asked even if products change meanwhile.
pub fn start(
    conn: &mut DbConn,
    actor: &Actor,
    channel: ChannelId,
    format: SheetFormat,
    sel: &Selection,
) -> Result<Export, AppError> {
    let ids = resolve(conn, actor, sel)?;
    if ids.is_empty() {
        return Err(AppError::field("products", Reason::Required));
    }
    let alive_since = now() - chrono::Duration::minutes(STALE_MINUTES);
    if Export::active_of(conn, actor.user_id, alive_since)? >= MAX_RUNNING_PER_USER {
        return Err(AppError::TooManyRequests { retry_after: 10 });
    }
    let seller_id = match (sel.seller_id, actor.role) {
        (Some(id), _) => Some(id),
        (None, Role::Seller) => actor.seller_id,
        (None, _) => None,
    };
    let product_ids = serde_json::to_string(&ids).map_err(AppError::internal)?;
    let at = now();
    let export = Export::insert(
        conn,
        &NewExport {
            channel: channel.as_str(),
            format: format.as_str(),
            created_by: Some(actor.user_id),
            seller_id,
            product_ids: &product_ids,
            status: "queued",
            total: i32::try_from(ids.len()).unwrap_or(i32::MAX),
            created_at: at,
            heartbeat_at: at,
        },
    )?;
    audit(
        conn,
        Some(actor),
        seller_id,
        "export_started",
        "export",
        Some(export.id),
        serde_json::json!({ "channel": channel.as_str(), "format": format.as_str(), "products": ids.len() }),
    )?;
    Ok(export)
}

/// The folder export files are kept in.
pub fn export_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("exports")
}

/// Runs a queued export: writes the file batch by batch, saving progress
/// after each, and records the result. `progress(done, total)` is called
/// after each batch (the CLI draws its bar with it). An export another
/// worker already claimed is returned as it is.
pub fn run(
    conn: &mut DbConn,
    settings: &Settings,
    id: i64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Export, AppError> {
    let export = Export::find(conn, id)?.ok_or(AppError::NotFound)?;
    if !Export::claim(conn, id, now())? {
        return Ok(export);
    }
    match write_file(conn, settings, &export, progress) {
        Ok(()) => {}
        Err(e) => {
            tracing::error!(export = id, cause = %e, "export failed");
            Export::fail(conn, id, "write_failed", now())?;
            return Err(e);
        }
    }
    Export::find(conn, id)?.ok_or(AppError::NotFound)
}

fn write_file(
    conn: &mut DbConn,
    settings: &Settings,
    export: &Export,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), AppError> {
    let channel = ChannelId::parse(&export.channel)
        .ok_or_else(|| AppError::internal("unknown channel in exports"))?;
    let format = SheetFormat::parse(&export.format)
        .ok_or_else(|| AppError::internal("unknown format in exports"))?;
    let ids: Vec<i64> = serde_json::from_str(&export.product_ids).map_err(AppError::internal)?;
    let spec = channel.spec();
    let dir = export_dir(settings);
    std::fs::create_dir_all(&dir).map_err(|e| AppError::io("creating the exports dir", e))?;
    let name = format!(
        "{}-{}-{}.{}",
        export.id,
        channel.as_str(),
        export.created_at.format("%Y%m%d"),
        format.extension()
    );
    let part = dir.join(format!("{name}.part"));
    let result = (|| -> Result<(usize, Vec<HeldProduct>, u64), AppError> {
        let mut writer = crate::sheets::create(
            &part,
            format,
            spec.sheet_name,
            &spec.text_columns(),
            &spec.column_widths(),
        )
        .map_err(AppError::internal)?;
        writer
            .write_row(&spec.headers())
            .map_err(AppError::internal)?;
        let base = settings.public_base_url.trim_end_matches('/');
        let today = today_vn();
        let (mut written, mut held, mut done) = (0usize, Vec::new(), 0usize);
        for chunk in ids.chunks(BATCH) {
            let batch = Batch::load(conn, chunk)?;
            for l in batch.listings(base, today) {
                let problems = spec.check(&l);
                if problems.iter().any(Problem::blocks) {
                    held.push(HeldProduct {
                        product_id: l.product.id,
                        seller_id: l.seller.id,
                        name_vi: l.product.name_vi.clone(),
                        problems: problems
                            .into_iter()
                            .filter(Problem::blocks)
                            .map(|p| StoredProblem {
                                field: p.field.to_owned(),
                                kind: p.kind,
                            })
                            .collect(),
                    });
                } else {
                    writer
                        .write_row(&spec.row(&l))
                        .map_err(AppError::internal)?;
                    written += 1;
                }
            }
            done += chunk.len();
            Export::progress(
                conn,
                export.id,
                i32::try_from(done).unwrap_or(i32::MAX),
                now(),
            )?;
            progress(done, ids.len());
        }
        let size = writer.finish().map_err(AppError::internal)?;
        Ok((written, held, size))
    })();
    let (written, held, size) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    std::fs::rename(&part, dir.join(&name)).map_err(|e| AppError::io("saving the export", e))?;
    let problems = serde_json::to_string(&held).map_err(AppError::internal)?;
    Export::finish(
        conn,
        export.id,
        i32::try_from(written).unwrap_or(i32::MAX),
        i32::try_from(held.len()).unwrap_or(i32::MAX),
        &problems,
        &name,
        i64::try_from(size).unwrap_or(i64::MAX),
        now(),
    )?;
    Ok(())
}

/// Runs an export on a thread of its own, so the request that asked for it
/// returns at once; the page follows its progress. A large export mails its
/// creator when the file is ready.
pub fn spawn(pool: Pool, settings: Arc<Settings>, outbox: Outbox, id: i64) {
    let spawned = std::thread::Builder::new()
        .name(format!("export-{id}"))
        .spawn(move || {
            let mut conn = match pool.get() {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(export = id, cause = %e, "no connection for the export");
                    return;
                }
            };
            match run(&mut conn, &settings, id, &mut |_, _| {}) {
                Ok(export) if export.status == "done" => {
                    if let Err(e) = mail_when_large(&mut conn, &settings, &outbox, &export) {
                        tracing::warn!(export = id, cause = %e, "export mail not sent");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(export = id, cause = %e, "export failed"),
            }
        });
    if let Err(e) = spawned {
        tracing::error!(export = id, cause = %e, "cannot start the export thread");
    }
}

/// Queues a mail to the creator of a finished export of [`MAIL_THRESHOLD`]
/// products or more, in Vietnamese and English.
pub fn mail_when_large(
    conn: &mut DbConn,
    settings: &Settings,
    outbox: &Outbox,
    export: &Export,
) -> Result<bool, AppError> {
    if usize::try_from(export.total).unwrap_or(0) < MAIL_THRESHOLD {
        return Ok(false);
    }
    let Some(user) = export
        .created_by
        .map(|u| User::find(conn, u))
        .transpose()?
        .flatten()
    else {
        return Ok(false);
    };
    let channel = ChannelId::parse(&export.channel);
    let link = format!("{}/exports/{}", settings.public_base_url, export.id);
    let mail = bilingual_mail_in(&user.email, &user.name, |lang| {
        let t = crate::i18n::exports::texts(lang);
        let name = channel.map_or("", |c| crate::i18n::exports::channel_name(lang, c));
        (
            t.mail_subject,
            t.mail_body
                .replace("{channel}", name)
                .replace("{exported}", &export.exported.to_string())
                .replace("{held}", &export.held.to_string())
                .replace("{link}", &link),
        )
    });
    outbox::enqueue(
        conn,
        &mail,
        About {
            kind: outbox::KIND_EXPORT_READY,
            seller_id: export.seller_id,
            account_link_id: None,
        },
    )?;
    outbox.wake();
    Ok(true)
}

/// The exports the actor may see, newest first. Staff see the ones they
/// made, a seller's members the ones of their seller, admins all.
pub fn history(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Export>, AppError> {
    let at = now();
    Export::fail_stale(conn, at - chrono::Duration::minutes(STALE_MINUTES), at)?;
    let scope = match actor.role {
        Role::Admin => ExportScope::All,
        Role::Staff => ExportScope::CreatedBy(actor.user_id),
        Role::Seller => ExportScope::Seller(actor.seller_id.ok_or(AppError::Forbidden)?),
    };
    Ok(Export::list(conn, scope, HISTORY_LIMIT)?)
}

/// One export the actor may see; anyone else's is "not found".
pub fn visible_export(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Export, AppError> {
    let mut export = Export::find(conn, id)?.ok_or(AppError::NotFound)?;
    let allowed = match actor.role {
        Role::Admin => true,
        Role::Staff => export.created_by == Some(actor.user_id),
        Role::Seller => export.seller_id.is_some() && export.seller_id == actor.seller_id,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    // Its page refreshes every few seconds while it runs: only a run whose
    // worker went quiet is written to, not every look at it.
    let at = now();
    let stale_before = at - chrono::Duration::minutes(STALE_MINUTES);
    if matches!(export.status.as_str(), "queued" | "running") && export.heartbeat_at < stale_before
    {
        Export::fail_stale(conn, stale_before, at)?;
        export = Export::find(conn, id)?.ok_or(AppError::NotFound)?;
    }
    Ok(export)
}

/// The finished file of an export the actor may see: its path, the name to
/// download it as, and its content type.
pub fn file_of(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
) -> Result<(PathBuf, String, &'static str), AppError> {
    let export = visible_export(conn, actor, id)?;
    let (Some(name), "done") = (export.file_name.as_deref(), export.status.as_str()) else {
        return Err(AppError::NotFound);
    };
    let format = SheetFormat::parse(&export.format).ok_or(AppError::NotFound)?;
    // Names are ours ("12-voso-20261129.xlsx"); refuse anything else so a
    // damaged row can never point outside the folder.
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        || name.starts_with('.')
    {
        return Err(AppError::NotFound);
    }
    Ok((
        export_dir(settings).join(name),
        format!("ocop-{name}"),
        format.content_type(),
    ))
}

/// A page of the public schema.org feed: listed products of active sellers
/// (of one seller when given) that the generic channel would accept.
pub fn feed(
    conn: &mut DbConn,
    base: &str,
    seller_id: Option<i64>,
    page: i64,
) -> Result<serde_json::Value, AppError> {
    let today = today_vn();
    let filter = crate::db::models::CatalogFilter {
        seller_id,
        today: Some(today),
        ..Default::default()
    };
    // Clamped as the catalogue's pages are, so the offset cannot overflow.
    let offset = (page.clamp(1, 100_000) - 1) * FEED_PAGE;
    let (products, _) = Product::catalog(conn, &filter, FEED_PAGE, offset)?;
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let batch = Batch::load(conn, &ids)?;
    let spec = ChannelId::Generic.spec();
    let items = batch
        .listings(base, today)
        .iter()
        .filter(|l| spec.check(l).iter().all(|p| !p.blocks()))
        .map(generic::schema_org_product)
        .collect();
    Ok(generic::schema_org_feed(items))
}
