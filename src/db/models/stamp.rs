//! Stamp runs, stamps, the scans of them, and possible-copy alerts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{copy_alerts, forged_scan_days, scans, stamp_runs, stamps};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stamp_runs)]
pub struct StampRun {
    pub id: i64,
    pub seller_id: i64,
    pub product_id: i64,
    pub lot_id: Option<i64>,
    pub count: i32,
    pub layout: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub voided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stamps)]
pub struct Stamp {
    pub id: i64,
    pub run_id: i64,
    /// 1-based position in its run, printed order.
    pub serial: i32,
    pub code: String,
    pub lot_id: Option<i64>,
    pub status: String,
    pub activated_at: Option<NaiveDateTime>,
    pub activated_by: Option<i64>,
    pub scan_count: i32,
    pub first_scanned_at: Option<NaiveDateTime>,
    pub last_alert_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = stamps)]
pub struct NewStamp<'a> {
    pub run_id: i64,
    pub serial: i32,
    pub code: &'a str,
    pub lot_id: Option<i64>,
    pub status: &'a str,
    pub activated_at: Option<NaiveDateTime>,
    pub activated_by: Option<i64>,
}

/// Rows per INSERT: well under SQLite's limit on bound parameters.
const INSERT_CHUNK: usize = 2_000;

impl StampRun {
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        conn: &mut DbConn,
        seller_id: i64,
        product_id: i64,
        lot_id: Option<i64>,
        count: i32,
        layout: &str,
        created_by: i64,
        at: NaiveDateTime,
    ) -> QueryResult<StampRun> {
        diesel::insert_into(stamp_runs::table)
            .values((
                stamp_runs::seller_id.eq(seller_id),
                stamp_runs::product_id.eq(product_id),
                stamp_runs::lot_id.eq(lot_id),
                stamp_runs::count.eq(count),
                stamp_runs::layout.eq(layout),
                stamp_runs::created_by.eq(created_by),
                stamp_runs::created_at.eq(at),
            ))
            .returning(stamp_runs::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<StampRun>> {
        stamp_runs::table
            .find(id)
            .select(StampRun::as_select())
            .first(conn)
            .optional()
    }

    pub fn of_seller(conn: &mut DbConn, seller_id: i64) -> QueryResult<Vec<StampRun>> {
        stamp_runs::table
            .filter(stamp_runs::seller_id.eq(seller_id))
            .order(stamp_runs::id.desc())
            .select(StampRun::as_select())
            .load(conn)
    }

    pub fn set_lot(conn: &mut DbConn, id: i64, lot_id: i64) -> QueryResult<usize> {
        diesel::update(stamp_runs::table.find(id))
            .set(stamp_runs::lot_id.eq(lot_id))
            .execute(conn)
    }

    pub fn void(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(stamp_runs::table.find(id))
            .set(stamp_runs::voided_at.eq(at))
            .execute(conn)
    }
}

impl Stamp {
    /// Inserts a run's stamps in chunks; the caller's transaction makes it
    /// all or nothing.
    pub fn insert_all(conn: &mut DbConn, rows: &[NewStamp<'_>]) -> QueryResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            crate::on_backend!(conn, c => diesel::insert_into(stamps::table).values(chunk).execute(c))?;
        }
        Ok(())
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Stamp>> {
        stamps::table
            .find(id)
            .select(Stamp::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Stamp>> {
        stamps::table
            .filter(stamps::code.eq(code))
            .select(Stamp::as_select())
            .first(conn)
            .optional()
    }

    /// A run's stamps in serial order, `limit` at a time from `after_serial`:
    /// label rendering streams a large run in pages.
    pub fn page_of_run(
        conn: &mut DbConn,
        run_id: i64,
        after_serial: i32,
        limit: i64,
    ) -> QueryResult<Vec<Stamp>> {
        stamps::table
            .filter(stamps::run_id.eq(run_id))
            .filter(stamps::serial.gt(after_serial))
            .order(stamps::serial.asc())
            .limit(limit)
            .select(Stamp::as_select())
            .load(conn)
    }

    /// What a label prints of each stamp (serial, code, lot), a page at a
    /// time after `after_serial`: a narrow row, so a page is read quickly.
    pub fn print_page_of_run(
        conn: &mut DbConn,
        run_id: i64,
        after_serial: i32,
        limit: i64,
    ) -> QueryResult<Vec<(i32, String, Option<i64>)>> {
        stamps::table
            .filter(stamps::run_id.eq(run_id))
            .filter(stamps::serial.gt(after_serial))
            .order(stamps::serial.asc())
            .limit(limit)
            .select((stamps::serial, stamps::code, stamps::lot_id))
            .load(conn)
    }

    /// Ties the not-void stamps of a run with serials in `from..=to` to a
    /// lot, activating them.
    pub fn bind_range(
        conn: &mut DbConn,
        run_id: i64,
        from: i32,
        to: i32,
        lot_id: i64,
        by: i64,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            stamps::table
                .filter(stamps::run_id.eq(run_id))
                .filter(stamps::serial.between(from, to))
                .filter(stamps::status.ne("void")),
        )
        .set((
            stamps::lot_id.eq(lot_id),
            stamps::status.eq("active"),
            stamps::activated_at.eq(at),
            stamps::activated_by.eq(by),
        ))
        .execute(conn)
    }

    pub fn void_run(conn: &mut DbConn, run_id: i64) -> QueryResult<usize> {
        diesel::update(stamps::table.filter(stamps::run_id.eq(run_id)))
            .set(stamps::status.eq("void"))
            .execute(conn)
    }

    pub fn void(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
        diesel::update(stamps::table.find(id))
            .set(stamps::status.eq("void"))
            .execute(conn)
    }

    /// Adds `n` scans to the stamp's count and sets the first-scan time once,
    /// in one statement: one row lock per stamp, taken once. Callers that
    /// update several stamps in a transaction go in ascending id order so two
    /// writers never wait on each other in a cycle.
    pub fn add_scans(
        conn: &mut DbConn,
        id: i64,
        n: i32,
        first_at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(stamps::table.find(id))
            .set((
                stamps::scan_count.eq(stamps::scan_count + n),
                stamps::first_scanned_at.eq(diesel::dsl::sql::<
                    diesel::sql_types::Nullable<diesel::sql_types::Timestamp>,
                >("COALESCE(first_scanned_at, ")
                .bind::<diesel::sql_types::Timestamp, _>(first_at)
                .sql(")")),
            ))
            .execute(conn)
    }

    /// Records that an alert mail went out; false when one already did in
    /// the last day, so a copied stamp mails its seller at most daily.
    pub fn claim_alert(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        let day_ago = at - chrono::Duration::hours(24);
        let n = diesel::update(
            stamps::table.find(id).filter(
                stamps::last_alert_at
                    .is_null()
                    .or(stamps::last_alert_at.lt(day_ago)),
            ),
        )
        .set(stamps::last_alert_at.eq(at))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn count_of_run(conn: &mut DbConn, run_id: i64) -> QueryResult<i64> {
        stamps::table
            .filter(stamps::run_id.eq(run_id))
            .count()
            .get_result(conn)
    }
}

/// A scan as recorded; also a line of the pending-scans file written at a
/// stop when the database cannot take them.
#[derive(Debug, Clone, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = scans)]
pub struct NewScan {
    pub stamp_id: Option<i64>,
    pub code: String,
    pub at: NaiveDateTime,
    /// The client's /24 (IPv4) or /48 (IPv6) network, never the address.
    pub network: String,
    /// Browser family only, e.g. "zalo", "chrome".
    pub agent: String,
    pub lang: String,
    pub outcome: String,
    /// A coarse device tag: browser family and a short hash of the
    /// User-Agent, e.g. "chrome-3fa2b1c0". Not a person, not an address.
    #[serde(default)]
    pub device: String,
}

/// Stores a batch of scans in one statement per chunk.
pub fn insert_scans(conn: &mut DbConn, rows: &[NewScan]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        crate::on_backend!(conn, c => diesel::insert_into(scans::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Distinct networks that scanned a stamp since `since`.
pub fn networks_since(conn: &mut DbConn, stamp_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    scans::table
        .filter(scans::stamp_id.eq(stamp_id))
        .filter(scans::at.ge(since))
        .select(scans::network)
        .distinct()
        .load::<String>(conn)
        .map(|v| v.len() as i64)
}

/// Distinct devices that scanned a stamp since `since`, counted up to
/// `cap` (the caller only asks whether a limit is passed).
pub fn devices_since(
    conn: &mut DbConn,
    stamp_id: i64,
    since: NaiveDateTime,
    cap: i64,
) -> QueryResult<i64> {
    scans::table
        .filter(scans::stamp_id.eq(stamp_id))
        .filter(scans::at.ge(since))
        .select(scans::device)
        .distinct()
        .limit(cap)
        .load::<String>(conn)
        .map(|v| v.len() as i64)
}

/// Distinct (network, device) pairs that ever scanned a stamp, counted up
/// to `cap`: one phone scanning a hundred times is one source.
pub fn sources_of(conn: &mut DbConn, stamp_id: i64, cap: i64) -> QueryResult<i64> {
    scans::table
        .filter(scans::stamp_id.eq(stamp_id))
        .select((scans::network, scans::device))
        .distinct()
        .limit(cap)
        .load::<(String, String)>(conn)
        .map(|v| v.len() as i64)
}

/// Adds `n` scans of forged or unknown codes to the count of `day`
/// (Vietnam's local date): they get no row each.
pub fn count_forged(conn: &mut DbConn, day: chrono::NaiveDate, n: i64) -> QueryResult<usize> {
    crate::on_backend!(conn, c => diesel::insert_into(forged_scan_days::table)
        .values((forged_scan_days::day.eq(day), forged_scan_days::scans.eq(n)))
        .on_conflict(forged_scan_days::day)
        .do_update()
        .set(forged_scan_days::scans.eq(forged_scan_days::scans + n))
        .execute(c))
}

/// Scans of forged or unknown codes counted since `since` (a local date).
pub fn forged_since(conn: &mut DbConn, since: chrono::NaiveDate) -> QueryResult<i64> {
    forged_scan_days::table
        .filter(forged_scan_days::day.ge(since))
        .select(forged_scan_days::scans)
        .load::<i64>(conn)
        .map(|days| days.iter().sum())
}

/// Scans stored for a stamp.
pub fn scans_of_stamp(conn: &mut DbConn, stamp_id: i64) -> QueryResult<i64> {
    scans::table
        .filter(scans::stamp_id.eq(stamp_id))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = copy_alerts)]
pub struct CopyAlert {
    pub id: i64,
    pub stamp_id: i64,
    pub seller_id: i64,
    pub at: NaiveDateTime,
    pub scans: i32,
    pub networks: i32,
    pub mailed: bool,
}

impl CopyAlert {
    pub fn insert(
        conn: &mut DbConn,
        stamp_id: i64,
        seller_id: i64,
        at: NaiveDateTime,
        scans: i32,
        networks: i32,
        mailed: bool,
    ) -> QueryResult<usize> {
        diesel::insert_into(copy_alerts::table)
            .values((
                copy_alerts::stamp_id.eq(stamp_id),
                copy_alerts::seller_id.eq(seller_id),
                copy_alerts::at.eq(at),
                copy_alerts::scans.eq(scans),
                copy_alerts::networks.eq(networks),
                copy_alerts::mailed.eq(mailed),
            ))
            .execute(conn)
    }

    pub fn of_seller(conn: &mut DbConn, seller_id: i64, limit: i64) -> QueryResult<Vec<CopyAlert>> {
        copy_alerts::table
            .filter(copy_alerts::seller_id.eq(seller_id))
            .order(copy_alerts::id.desc())
            .limit(limit)
            .select(CopyAlert::as_select())
            .load(conn)
    }
}
