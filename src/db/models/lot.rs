//! Production lots and their append-only trace events.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{lots, trace_events};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lots)]
pub struct Lot {
    pub id: i64,
    pub product_id: i64,
    pub code: String,
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: Option<f64>,
    pub quantity_unit: Option<String>,
    pub origin_commune_code: Option<i32>,
    pub origin_place: Option<String>,
    /// `active`, `held` or `recalled`.
    pub status: String,
    /// Why a lot is held or recalled; shown to every buyer who scans it.
    pub status_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a person enters for a lot.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = lots, treat_none_as_null = true)]
pub struct LotChanges {
    pub code: String,
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub quantity: Option<f64>,
    pub quantity_unit: Option<String>,
    pub origin_commune_code: Option<i32>,
    pub origin_place: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl Lot {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Lot>> {
        lots::table
            .find(id)
            .select(Lot::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_code(
        conn: &mut DbConn,
        product_id: i64,
        code: &str,
    ) -> QueryResult<Option<Lot>> {
        // PostgreSQL refuses a NUL in a query parameter; no code holds one.
        if code.contains('\0') {
            return Ok(None);
        }
        lots::table
            .filter(lots::product_id.eq(product_id))
            .filter(lots::code.eq(code))
            .select(Lot::as_select())
            .first(conn)
            .optional()
    }

    pub fn of_product(conn: &mut DbConn, product_id: i64) -> QueryResult<Vec<Lot>> {
        lots::table
            .filter(lots::product_id.eq(product_id))
            .order(lots::id.desc())
            .select(Lot::as_select())
            .load(conn)
    }

    pub fn insert(
        conn: &mut DbConn,
        product_id: i64,
        fields: &LotChanges,
        at: NaiveDateTime,
    ) -> QueryResult<Lot> {
        diesel::insert_into(lots::table)
            .values((
                lots::product_id.eq(product_id),
                fields,
                lots::status.eq("active"),
                lots::created_at.eq(at),
            ))
            .returning(lots::all_columns)
            .get_result(conn)
    }

    pub fn update(conn: &mut DbConn, id: i64, fields: &LotChanges) -> QueryResult<Lot> {
        diesel::update(lots::table.find(id))
            .set(fields)
            .returning(lots::all_columns)
            .get_result(conn)
    }

    pub fn set_status(
        conn: &mut DbConn,
        id: i64,
        status: &str,
        reason: Option<&str>,
        at: NaiveDateTime,
    ) -> QueryResult<Lot> {
        diesel::update(lots::table.find(id))
            .set((
                lots::status.eq(status),
                lots::status_reason.eq(reason),
                lots::updated_at.eq(at),
            ))
            .returning(lots::all_columns)
            .get_result(conn)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trace_events)]
pub struct TraceEvent {
    pub id: i64,
    pub lot_id: i64,
    pub kind: String,
    pub happened_at: NaiveDateTime,
    pub place: Option<String>,
    pub actor: Option<String>,
    pub note: Option<String>,
    /// The earlier event this one corrects; events are never edited.
    pub corrects_event_id: Option<i64>,
    pub attachment_file: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = trace_events)]
pub struct NewTraceEvent {
    pub lot_id: i64,
    pub kind: String,
    pub happened_at: NaiveDateTime,
    pub place: Option<String>,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub corrects_event_id: Option<i64>,
    pub attachment_file: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl TraceEvent {
    /// Appends an event; there is no update or delete.
    pub fn append(conn: &mut DbConn, new: &NewTraceEvent) -> QueryResult<TraceEvent> {
        diesel::insert_into(trace_events::table)
            .values(new)
            .returning(trace_events::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<TraceEvent>> {
        trace_events::table
            .find(id)
            .select(TraceEvent::as_select())
            .first(conn)
            .optional()
    }

    /// A lot's events in the order they happened.
    pub fn of_lot(conn: &mut DbConn, lot_id: i64) -> QueryResult<Vec<TraceEvent>> {
        trace_events::table
            .filter(trace_events::lot_id.eq(lot_id))
            .order((trace_events::happened_at.asc(), trace_events::id.asc()))
            .select(TraceEvent::as_select())
            .load(conn)
    }
}
