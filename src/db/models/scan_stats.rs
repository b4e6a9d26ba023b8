//! Aggregates of a seller's scans for the stamp dashboard: scans per local
//! day, per product and lot, and the codes and lot names the tables show.
//! A scan belongs to a seller through its stamp's run (`scans` → `stamps` →
//! `stamp_runs`); scans of made-up codes have no stamp and count for nobody.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConn;
use crate::db::schema::{lots, scans, stamp_runs, stamps};

// Scans are grouped by a run's product and a stamp's lot together.
diesel::allow_columns_to_appear_in_same_group_by_clause!(stamp_runs::product_id, stamps::lot_id);

/// Hours Vietnam is ahead of UTC (no daylight saving): days are counted as
/// the sellers live them, not in UTC.
pub const VN_OFFSET_HOURS: i64 = 7;

/// The local day of `scans.at` as `YYYY-MM-DD`: SQLite and PostgreSQL
/// spell date arithmetic and formatting differently, so the expression is
/// picked by backend. Both are constant text, with nothing user-typed.
fn local_day_sql(conn: &DbConn) -> String {
    match conn {
        DbConn::Sqlite(_) => {
            format!("strftime('%Y-%m-%d', scans.at, '+{VN_OFFSET_HOURS} hours')")
        }
        DbConn::Pg(_) => {
            format!("to_char(scans.at + interval '{VN_OFFSET_HOURS} hours', 'YYYY-MM-DD')")
        }
    }
}

/// Scans of the seller's stamps since `since` (UTC), per local day, oldest
/// first: `(YYYY-MM-DD, scans)`. Days without scans are absent.
pub fn scans_per_day(
    conn: &mut DbConn,
    seller_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    let day = local_day_sql(conn);
    scans::table
        .inner_join(stamps::table.on(scans::stamp_id.eq(stamps::id.nullable())))
        .inner_join(stamp_runs::table.on(stamp_runs::id.eq(stamps::run_id)))
        .filter(stamp_runs::seller_id.eq(seller_id))
        .filter(scans::at.ge(since))
        .group_by(sql::<Text>(&day))
        .select((sql::<Text>(&day), count_star()))
        .order(sql::<Text>(&day).asc())
        .load(conn)
}

/// Scans of the seller's stamps since `since`, per product and the lot
/// each stamp is bound to now (None: not bound): `(product, lot, scans)`,
/// most scanned first.
pub fn scans_per_product_lot(
    conn: &mut DbConn,
    seller_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(i64, Option<i64>, i64)>> {
    scans::table
        .inner_join(stamps::table.on(scans::stamp_id.eq(stamps::id.nullable())))
        .inner_join(stamp_runs::table.on(stamp_runs::id.eq(stamps::run_id)))
        .filter(stamp_runs::seller_id.eq(seller_id))
        .filter(scans::at.ge(since))
        .group_by((stamp_runs::product_id, stamps::lot_id))
        .select((stamp_runs::product_id, stamps::lot_id, count_star()))
        .order((count_star().desc(), stamp_runs::product_id.asc()))
        .load(conn)
}

/// The codes of lots, by id.
pub fn lot_codes(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    lots::table
        .filter(lots::id.eq_any(ids))
        .select((lots::id, lots::code))
        .load(conn)
}

/// The codes of stamps, by id.
pub fn stamp_codes(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    stamps::table
        .filter(stamps::id.eq_any(ids))
        .select((stamps::id, stamps::code))
        .load(conn)
}
