//! The seller's stamp pages as use cases: what the stamp list shows, an
//! order placed through the page's form, what the void confirmation names,
//! and the scan dashboard. Tenancy as everywhere: someone else's seller,
//! product, run or stamp is "not found".

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::db::DbConn;
use crate::db::models::scan_stats::{self, VN_OFFSET_HOURS};
use crate::db::models::{CopyAlert, Lot, Product, Seller, Stamp, StampRun, now};
use crate::domain::{FieldErrors, Reason};
use crate::error::AppError;
use crate::services::catalog::managed_product;
use crate::services::stamps::{self, IssuedRun, MAX_RUN, RunInput, StampKeys, managed_run};
use crate::services::{Actor, visible_seller};

/// The label layouts a run can be ordered and downloaded in.
pub const LAYOUTS: [&str; 3] = ["a4-40", "a4-21", "roll-40x30"];
/// An alert this recent shows as a banner on the stamp list.
pub const BANNER_DAYS: i64 = 7;
/// Days the dashboard covers, today included.
pub const DASHBOARD_DAYS: i64 = 30;
/// Alerts the dashboard lists at most, newest first.
const ALERTS_SHOWN: i64 = 50;

/// What the stamp list of a seller shows.
pub struct StampsOverview {
    pub seller: Seller,
    /// Newest first.
    pub runs: Vec<StampRun>,
    pub products: Vec<Product>,
    /// Every lot of those products, whatever its status.
    pub lots: Vec<Lot>,
    /// The newest possible-copy alert of the last [`BANNER_DAYS`] days.
    pub recent_alert: Option<CopyAlert>,
}

pub fn stamps_overview(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
) -> Result<StampsOverview, AppError> {
    let seller = visible_seller(conn, actor, seller_id)?;
    let runs = StampRun::of_seller(conn, seller.id)?;
    let products = Product::of_seller(conn, seller.id)?;
    let mut lots = Vec::new();
    for p in &products {
        lots.extend(Lot::of_product(conn, p.id)?);
    }
    let since = now() - Duration::days(BANNER_DAYS);
    let recent_alert = CopyAlert::of_seller(conn, seller.id, 1)?
        .into_iter()
        .find(|a| a.at >= since);
    Ok(StampsOverview {
        seller,
        runs,
        products,
        lots,
        recent_alert,
    })
}

/// The order form as posted: the lot is picked by id among the lots of all
/// the seller's products, so it is checked against the product here.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrderInput {
    pub product_id: String,
    /// Empty: the stamps are bound to a lot later.
    pub lot_id: String,
    pub count: String,
    pub layout: String,
}

/// Places an order from the stamp page: the product must be one the actor
/// manages (else "not found"), the lot one of that product, the layout one
/// of [`LAYOUTS`]; then the run is issued as through the API.
pub fn order_run(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    input: &OrderInput,
) -> Result<IssuedRun, AppError> {
    let mut e = FieldErrors::new();
    let product = match input.product_id.trim() {
        "" => {
            e.push("product_id", Reason::Required);
            None
        }
        raw => {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            Some(managed_product(conn, actor, id)?.0)
        }
    };
    let lot_code = match (input.lot_id.trim(), &product) {
        ("", _) | (_, None) => String::new(),
        (raw, Some(p)) => {
            let lot = match raw.parse::<i64>() {
                Ok(id) => Lot::find(conn, id)?,
                Err(_) => None,
            };
            match lot {
                Some(l) if l.product_id == p.id => l.code,
                _ => {
                    e.push("lot_id", Reason::Invalid);
                    String::new()
                }
            }
        }
    };
    if !LAYOUTS.contains(&input.layout.trim()) {
        e.push("layout", Reason::InvalidChoice);
    }
    e.check(
        "count",
        crate::domain::catalog::whole_number(&input.count, 1, MAX_RUN),
    );
    e.into_result()?;
    let Some(product) = product else {
        return Err(AppError::internal("validated product missing"));
    };
    stamps::issue_run(
        conn,
        actor,
        keys,
        product.id,
        &RunInput {
            count: input.count.clone(),
            lot_code,
            layout: input.layout.trim().to_owned(),
        },
    )
}

/// A run the actor manages, with its product: what the void confirmation
/// names.
pub fn run_with_product(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i64,
) -> Result<(StampRun, Product), AppError> {
    let run = managed_run(conn, actor, run_id)?;
    let product = Product::find(conn, run.product_id)?.ok_or(AppError::NotFound)?;
    Ok((run, product))
}

/// A stamp the actor manages, by its code as typed (any case, spaces
/// allowed), with its run and product. A made-up code, an unknown one and
/// someone else's are all "not found".
pub fn managed_stamp(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    code: &str,
) -> Result<(Stamp, StampRun, Product), AppError> {
    let code = keys.genuine_code(code).ok_or(AppError::NotFound)?;
    let stamp = Stamp::find_by_code(conn, code.as_str())?.ok_or(AppError::NotFound)?;
    let (run, product) = run_with_product(conn, actor, stamp.run_id)?;
    Ok((stamp, run, product))
}

/// Scans on one local day.
pub struct DayCount {
    pub day: NaiveDate,
    pub scans: i64,
}

pub struct ProductScans {
    pub product_id: i64,
    pub name: String,
    pub scans: i64,
}

pub struct LotScans {
    pub product_name: String,
    /// None: stamps not bound to a lot.
    pub lot_code: Option<String>,
    pub scans: i64,
}

pub struct AlertRow {
    /// UTC, as stored.
    pub at: NaiveDateTime,
    pub code: String,
    pub scans: i32,
    pub networks: i32,
}

/// The scan dashboard of a seller.
pub struct Dashboard {
    pub seller: Seller,
    /// One entry per day of the last [`DASHBOARD_DAYS`], oldest first.
    pub days: Vec<DayCount>,
    /// Most scanned first.
    pub by_product: Vec<ProductScans>,
    pub by_lot: Vec<LotScans>,
    /// Newest first.
    pub alerts: Vec<AlertRow>,
}

/// The dashboard for the [`DASHBOARD_DAYS`] days ending with `today` (a
/// Vietnamese date).
pub fn dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
    today: NaiveDate,
) -> Result<Dashboard, AppError> {
    let seller = visible_seller(conn, actor, seller_id)?;
    let first = today - Duration::days(DASHBOARD_DAYS - 1);
    let since = first.and_time(chrono::NaiveTime::MIN) - Duration::hours(VN_OFFSET_HOURS);

    let per_day: HashMap<String, i64> = scan_stats::scans_per_day(conn, seller.id, since)?
        .into_iter()
        .collect();
    let days = (0..DASHBOARD_DAYS)
        .map(|i| first + Duration::days(i))
        .map(|day| DayCount {
            scans: per_day
                .get(&day.format("%Y-%m-%d").to_string())
                .copied()
                .unwrap_or(0),
            day,
        })
        .collect();

    let rows = scan_stats::scans_per_product_lot(conn, seller.id, since)?;
    let names: HashMap<i64, String> = Product::of_seller(conn, seller.id)?
        .into_iter()
        .map(|p| (p.id, p.name_vi))
        .collect();
    let name_of = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let lot_ids: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
    let lot_codes: HashMap<i64, String> =
        scan_stats::lot_codes(conn, &lot_ids)?.into_iter().collect();
    let mut by_product: Vec<ProductScans> = Vec::new();
    for (product_id, _, n) in &rows {
        match by_product.iter_mut().find(|p| p.product_id == *product_id) {
            Some(p) => p.scans += n,
            None => by_product.push(ProductScans {
                product_id: *product_id,
                name: name_of(*product_id),
                scans: *n,
            }),
        }
    }
    by_product.sort_by(|a, b| b.scans.cmp(&a.scans).then(a.name.cmp(&b.name)));
    let by_lot = rows
        .iter()
        .map(|(product_id, lot_id, n)| LotScans {
            product_name: name_of(*product_id),
            lot_code: lot_id.and_then(|id| lot_codes.get(&id).cloned()),
            scans: *n,
        })
        .collect();

    let alerts = CopyAlert::of_seller(conn, seller.id, ALERTS_SHOWN)?;
    let stamp_ids: Vec<i64> = alerts.iter().map(|a| a.stamp_id).collect();
    let codes: HashMap<i64, String> = scan_stats::stamp_codes(conn, &stamp_ids)?
        .into_iter()
        .collect();
    let alerts = alerts
        .into_iter()
        .map(|a| AlertRow {
            at: a.at,
            code: codes.get(&a.stamp_id).cloned().unwrap_or_default(),
            scans: a.scans,
            networks: a.networks,
        })
        .collect();

    Ok(Dashboard {
        seller,
        days,
        by_product,
        by_lot,
        alerts,
    })
}
