//! Outbox rows: messages waiting to be delivered, delivered, or given up on,
//! and the queries the sender worker claims and settles them with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::outbox;

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub seller_id: Option<i64>,
    pub account_link_id: Option<i64>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxRow<'a> {
    pub channel: &'a str,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub kind: &'a str,
    pub seller_id: Option<i64>,
    pub account_link_id: Option<i64>,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl OutboxRow {
    pub fn insert(conn: &mut DbConn, new: &NewOutboxRow<'_>) -> QueryResult<i64> {
        diesel::insert_into(outbox::table)
            .values(new)
            .returning(outbox::id)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OutboxRow>> {
        outbox::table
            .find(id)
            .select(OutboxRow::as_select())
            .first(conn)
            .optional()
    }

    /// Ids of pending rows due at `at` that no worker holds, oldest first.
    pub fn due(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
        outbox::table
            .filter(outbox::status.eq(STATUS_PENDING))
            .filter(outbox::next_attempt_at.le(at))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(at)),
            )
            .order(outbox::id.asc())
            .select(outbox::id)
            .limit(limit)
            .load(conn)
    }

    /// Takes row `id` for one attempt until `lease_until`, counting the
    /// attempt now (so a crash mid-send still counts). The conditions are
    /// checked again in the UPDATE itself: of several instances racing for
    /// one row, exactly one sees a row changed and sends it.
    pub fn claim(
        conn: &mut DbConn,
        id: i64,
        at: NaiveDateTime,
        lease_until: NaiveDateTime,
    ) -> QueryResult<Option<OutboxRow>> {
        let n = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::status.eq(STATUS_PENDING))
                .filter(outbox::next_attempt_at.le(at))
                .filter(
                    outbox::locked_until
                        .is_null()
                        .or(outbox::locked_until.lt(at)),
                ),
        )
        .set((
            outbox::locked_until.eq(Some(lease_until)),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
        if n == 1 {
            OutboxRow::find(conn, id)
        } else {
            Ok(None)
        }
    }

    pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(STATUS_SENT),
                outbox::sent_at.eq(Some(at)),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)
    }

    /// Records a failed attempt: back to pending for `next_attempt_at`, or
    /// `failed` for good when `give_up`.
    pub fn mark_attempt_failed(
        conn: &mut DbConn,
        id: i64,
        error: &str,
        next_attempt_at: NaiveDateTime,
        give_up: bool,
    ) -> QueryResult<usize> {
        let status = if give_up {
            STATUS_FAILED
        } else {
            STATUS_PENDING
        };
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(status),
                outbox::next_attempt_at.eq(next_attempt_at),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)
    }

    /// Rows still to deliver (pending, due or not).
    pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
        outbox::table
            .filter(outbox::status.eq(STATUS_PENDING))
            .count()
            .get_result(conn)
    }

    /// The mails of these account links (invitations), newest first.
    pub fn for_links(conn: &mut DbConn, link_ids: &[i64]) -> QueryResult<Vec<OutboxRow>> {
        if link_ids.is_empty() {
            return Ok(Vec::new());
        }
        outbox::table
            .filter(outbox::account_link_id.eq_any(link_ids))
            .order(outbox::id.desc())
            .select(OutboxRow::as_select())
            .load(conn)
    }

    /// Every row, oldest first (tests and the operator's checks).
    pub fn all(conn: &mut DbConn) -> QueryResult<Vec<OutboxRow>> {
        outbox::table
            .order(outbox::id.asc())
            .select(OutboxRow::as_select())
            .load(conn)
    }
}
