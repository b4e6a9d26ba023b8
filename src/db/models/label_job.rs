//! Label files rendered in the background: which run, layout and format,
//! who asked, how far the render got, and the finished file.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::label_jobs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = label_jobs)]
pub struct LabelJob {
    pub id: i64,
    pub run_id: i64,
    pub seller_id: i64,
    pub layout: String,
    /// `pdf`, `png` or `svg`.
    pub format: String,
    pub serial: Option<i32>,
    pub requested_by: Option<i64>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub labels_done: i32,
    pub labels_total: i32,
    /// Name under `$OCOP_DATA_DIR/labels/`, once the file is whole.
    pub file_path: Option<String>,
    pub file_size: Option<i64>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = label_jobs)]
pub struct NewLabelJob<'a> {
    pub run_id: i64,
    pub seller_id: i64,
    pub layout: &'a str,
    pub format: &'a str,
    pub serial: Option<i32>,
    pub requested_by: Option<i64>,
    pub status: &'a str,
    pub labels_total: i32,
    pub created_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
}

/// Statuses of a job that is not finished.
const ACTIVE: [&str; 2] = ["queued", "running"];

impl LabelJob {
    pub fn insert(conn: &mut DbConn, new: &NewLabelJob) -> QueryResult<LabelJob> {
        diesel::insert_into(label_jobs::table)
            .values(new)
            .returning(label_jobs::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<LabelJob>> {
        label_jobs::table
            .find(id)
            .select(LabelJob::as_select())
            .first(conn)
            .optional()
    }

    /// A seller's jobs, newest first.
    pub fn of_seller(conn: &mut DbConn, seller_id: i64, limit: i64) -> QueryResult<Vec<LabelJob>> {
        label_jobs::table
            .filter(label_jobs::seller_id.eq(seller_id))
            .order(label_jobs::id.desc())
            .limit(limit)
            .select(LabelJob::as_select())
            .load(conn)
    }

    /// An unfinished job for the same file, so asking twice renders once.
    pub fn active_same(
        conn: &mut DbConn,
        run_id: i64,
        layout: &str,
        format: &str,
        serial: Option<i32>,
        alive_since: NaiveDateTime,
    ) -> QueryResult<Option<LabelJob>> {
        let mut q = label_jobs::table
            .filter(label_jobs::run_id.eq(run_id))
            .filter(label_jobs::layout.eq(layout.to_owned()))
            .filter(label_jobs::format.eq(format.to_owned()))
            .filter(label_jobs::status.eq_any(ACTIVE))
            .filter(label_jobs::heartbeat_at.ge(alive_since))
            .into_boxed();
        q = match serial {
            Some(s) => q.filter(label_jobs::serial.eq(s)),
            None => q.filter(label_jobs::serial.is_null()),
        };
        q.order(label_jobs::id.desc())
            .select(LabelJob::as_select())
            .first(conn)
            .optional()
    }

    /// Claims a queued job for a worker; false when it is no longer queued.
    pub fn claim(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        let n = diesel::update(
            label_jobs::table
                .find(id)
                .filter(label_jobs::status.eq("queued")),
        )
        .set((
            label_jobs::status.eq("running"),
            label_jobs::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Records progress; also the heartbeat that shows the worker is alive.
    pub fn progress(
        conn: &mut DbConn,
        id: i64,
        done: i32,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(label_jobs::table.find(id))
            .set((
                label_jobs::labels_done.eq(done),
                label_jobs::heartbeat_at.eq(at),
            ))
            .execute(conn)
    }

    /// Keeps the jobs this instance holds (queued ones included) alive.
    pub fn beat(conn: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(
            label_jobs::table
                .filter(label_jobs::id.eq_any(ids))
                .filter(label_jobs::status.eq_any(ACTIVE)),
        )
        .set(label_jobs::heartbeat_at.eq(at))
        .execute(conn)
    }

    pub fn finish(
        conn: &mut DbConn,
        id: i64,
        file_path: &str,
        file_size: i64,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(label_jobs::table.find(id))
            .set((
                label_jobs::status.eq("done"),
                label_jobs::labels_done.eq(label_jobs::labels_total),
                label_jobs::file_path.eq(file_path),
                label_jobs::file_size.eq(file_size),
                label_jobs::heartbeat_at.eq(at),
                label_jobs::finished_at.eq(at),
            ))
            .execute(conn)
    }

    pub fn fail(conn: &mut DbConn, id: i64, error: &str, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(
            label_jobs::table
                .find(id)
                .filter(label_jobs::status.eq_any(ACTIVE)),
        )
        .set((
            label_jobs::status.eq("failed"),
            label_jobs::error.eq(error),
            label_jobs::heartbeat_at.eq(at),
            label_jobs::finished_at.eq(at),
        ))
        .execute(conn)
    }

    /// Marks unfinished jobs whose holder stopped beating before
    /// `stale_before` (its process died) as failed, so nobody waits for
    /// them forever.
    pub fn fail_stale(
        conn: &mut DbConn,
        stale_before: NaiveDateTime,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            label_jobs::table
                .filter(label_jobs::status.eq_any(ACTIVE))
                .filter(label_jobs::heartbeat_at.lt(stale_before)),
        )
        .set((
            label_jobs::status.eq("failed"),
            label_jobs::error.eq("interrupted"),
            label_jobs::finished_at.eq(at),
        ))
        .execute(conn)
    }
}
