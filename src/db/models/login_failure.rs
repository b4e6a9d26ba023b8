//! Failed logins, kept in the database so that every instance behind a load
//! balancer throttles the same account and address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::login_failures;

/// Failures for `key` since `since`.
pub fn count_since(conn: &mut DbConn, key: &str, since: NaiveDateTime) -> QueryResult<i64> {
    login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::at.ge(since))
        .count()
        .get_result(conn)
}

/// The oldest failure for `key` since `since`: the throttle lifts when it ages out.
pub fn oldest_since(
    conn: &mut DbConn,
    key: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::at.ge(since))
        .select(login_failures::at)
        .order(login_failures::at.asc())
        .first(conn)
        .optional()
}

/// Records one attempt for `key`; returns its row id.
pub fn record(conn: &mut DbConn, key: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::throttle_key.eq(key),
            login_failures::at.eq(at),
        ))
        .returning(login_failures::id)
        .get_result(conn)
}

/// Takes back attempts recorded ahead of a check that then succeeded.
pub fn forget(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids))).execute(conn)
}

/// Serialises, until the end of the current transaction, everyone counting
/// attempts for `key` on PostgreSQL. (SQLite needs nothing more: its
/// transactions begin IMMEDIATE, one writer at a time.) Callers lock their
/// keys in sorted order, so two requests never wait on each other in a ring.
pub fn lock_key(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(c)?;
    }
    Ok(())
}

/// Forgets an account's failures after a successful login.
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key))).execute(conn)
}

/// Drops rows too old to matter, so the table stays small.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.lt(before))).execute(conn)
}
