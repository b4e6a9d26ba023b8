//! Export files sent to marketplaces: who asked for which products, how far
//! the background run got, and what was held back.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::SellerScope;
use crate::db::schema::{exports, products, sellers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = exports)]
pub struct Export {
    pub id: i64,
    pub channel: String,
    pub format: String,
    pub created_by: Option<i64>,
    /// The one seller exported, or None for an export across sellers.
    pub seller_id: Option<i64>,
    /// JSON array of product ids.
    pub product_ids: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub total: i32,
    pub processed: i32,
    pub exported: i32,
    pub held: i32,
    /// JSON array of held products and their problems.
    pub problems: String,
    /// Name under `$OCOP_DATA_DIR/exports/`.
    pub file_name: Option<String>,
    pub file_size: Option<i64>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = exports)]
pub struct NewExport<'a> {
    pub channel: &'a str,
    pub format: &'a str,
    pub created_by: Option<i64>,
    pub seller_id: Option<i64>,
    pub product_ids: &'a str,
    pub status: &'a str,
    pub total: i32,
    pub created_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
}

/// Whose exports a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum ExportScope {
    All,
    CreatedBy(i64),
    /// A seller's own exports, whoever made them for it.
    Seller(i64),
}

impl Export {
    pub fn insert(conn: &mut DbConn, new: &NewExport) -> QueryResult<Export> {
        diesel::insert_into(exports::table)
            .values(new)
            .returning(exports::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Export>> {
        exports::table
            .find(id)
            .select(Export::as_select())
            .first(conn)
            .optional()
    }

    /// Newest first.
    pub fn list(conn: &mut DbConn, scope: ExportScope, limit: i64) -> QueryResult<Vec<Export>> {
        let mut q = exports::table.into_boxed();
        q = match scope {
            ExportScope::All => q,
            ExportScope::CreatedBy(u) => q.filter(exports::created_by.eq(u)),
            ExportScope::Seller(s) => q.filter(exports::seller_id.eq(s)),
        };
        q.order(exports::id.desc())
            .limit(limit)
            .select(Export::as_select())
            .load(conn)
    }

    /// Exports of `user` still queued or running whose worker reported
    /// after `alive_since`.
    pub fn active_of(conn: &mut DbConn, user: i64, alive_since: NaiveDateTime) -> QueryResult<i64> {
        exports::table
            .filter(exports::created_by.eq(user))
            .filter(exports::status.eq_any(["queued", "running"]))
            .filter(exports::heartbeat_at.ge(alive_since))
            .count()
            .get_result(conn)
    }

    /// Claims a queued export for a worker; false when another took it.
    pub fn claim(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        let n = diesel::update(exports::table.find(id).filter(exports::status.eq("queued")))
            .set((exports::status.eq("running"), exports::heartbeat_at.eq(at)))
            .execute(conn)?;
        Ok(n == 1)
    }

    /// Records progress; also the heartbeat that shows the worker is alive.
    pub fn progress(
        conn: &mut DbConn,
        id: i64,
        processed: i32,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(exports::table.find(id))
            .set((
                exports::processed.eq(processed),
                exports::heartbeat_at.eq(at),
            ))
            .execute(conn)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        conn: &mut DbConn,
        id: i64,
        exported: i32,
        held: i32,
        problems: &str,
        file_name: &str,
        file_size: i64,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(exports::table.find(id))
            .set((
                exports::status.eq("done"),
                exports::processed.eq(exports::total),
                exports::exported.eq(exported),
                exports::held.eq(held),
                exports::problems.eq(problems),
                exports::file_name.eq(file_name),
                exports::file_size.eq(file_size),
                exports::heartbeat_at.eq(at),
                exports::finished_at.eq(at),
            ))
            .execute(conn)
    }

    pub fn fail(conn: &mut DbConn, id: i64, error: &str, at: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(exports::table.find(id))
            .set((
                exports::status.eq("failed"),
                exports::error.eq(error),
                exports::heartbeat_at.eq(at),
                exports::finished_at.eq(at),
            ))
            .execute(conn)
    }

    /// Marks exports whose worker stopped beating before `stale_before`
    /// (the process died) as failed, so nobody waits for them forever.
    pub fn fail_stale(
        conn: &mut DbConn,
        stale_before: NaiveDateTime,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            exports::table
                .filter(exports::status.eq_any(["queued", "running"]))
                .filter(exports::heartbeat_at.lt(stale_before)),
        )
        .set((
            exports::status.eq("failed"),
            exports::error.eq("interrupted"),
            exports::finished_at.eq(at),
        ))
        .execute(conn)
    }
}

/// Ids of the products of the sellers in `scope` with `status` (any when
/// None), oldest first so files list products in a stable order.
pub fn product_ids_of(
    conn: &mut DbConn,
    scope: SellerScope,
    status: Option<&str>,
) -> QueryResult<Vec<i64>> {
    let mut q = products::table
        .inner_join(sellers::table)
        .select(products::id)
        .into_boxed();
    q = match scope {
        SellerScope::All => q,
        SellerScope::OnboardedBy(staff) => q.filter(sellers::onboarded_by.eq(staff)),
        SellerScope::Only(id) => q.filter(products::seller_id.eq(id)),
    };
    if let Some(s) = status {
        q = q.filter(products::status.eq(s.to_owned()));
    }
    q.order(products::id.asc()).load(conn)
}
