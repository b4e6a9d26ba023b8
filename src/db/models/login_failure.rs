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

pub fn record(conn: &mut DbConn, key: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::throttle_key.eq(key),
            login_failures::at.eq(at),
        ))
        .execute(conn)
}

/// Forgets an account's failures after a successful login.
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key))).execute(conn)
}

/// Drops rows too old to matter, so the table stays small.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.lt(before))).execute(conn)
}
