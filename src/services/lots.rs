//! Production lots and their journey: append-only trace events, and holds
//! and recalls that every stamp of the lot will show.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::cpu::CpuPool;
use crate::db::models::{Lot, LotChanges, NewTraceEvent, Product, Seller, TraceEvent, now};
use crate::db::{DbConn, Pool};
use crate::domain::catalog::{self, Date};
use crate::domain::{CommuneCode, EventKind, FieldErrors, LotStatus, Reason, text};
use crate::error::AppError;
use crate::services::catalog::{managed_product, media_error, process_document_on};
use crate::services::media;
use crate::services::{Actor, audit, db_step};

/// A lot as typed or sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LotInput {
    /// Unique per product, e.g. "NX-2025-10".
    #[schema(max_length = 40, required = true)]
    pub code: String,
    /// Produced or harvested on (YYYY-MM-DD or DD/MM/YYYY).
    pub produced_on: String,
    pub packed_on: String,
    pub best_before: String,
    pub quantity: String,
    /// e.g. "hũ", "kg".
    #[schema(max_length = 20)]
    pub quantity_unit: String,
    /// 2025 commune code of origin.
    pub origin_commune_code: String,
    /// e.g. "Rừng bản Khạn".
    #[schema(max_length = 200)]
    pub origin_place: String,
}

fn optional_date(
    e: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<Option<NaiveDate>> {
    if value.trim().is_empty() {
        return Some(None);
    }
    e.check(
        field,
        Date::parse(value).and_then(|d| {
            NaiveDate::from_ymd_opt(d.year, d.month, d.day).ok_or(Reason::InvalidDate)
        }),
    )
    .map(Some)
}

/// Checks a lot's fields; dates must follow each other.
pub fn validate_lot(input: &LotInput) -> Result<LotChanges, FieldErrors> {
    let mut e = FieldErrors::new();
    let code = e
        .check("code", text::required_text(&input.code, 40))
        .and_then(|c| {
            if c.chars()
                .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/'))
            {
                Some(c)
            } else {
                e.push("code", Reason::Invalid);
                None
            }
        });
    let produced_on = optional_date(&mut e, "produced_on", &input.produced_on);
    let packed_on = optional_date(&mut e, "packed_on", &input.packed_on);
    let best_before = optional_date(&mut e, "best_before", &input.best_before);
    if let (Some(Some(a)), Some(Some(b))) = (produced_on, packed_on)
        && b < a
    {
        e.push("packed_on", Reason::TooEarly);
    }
    let first = packed_on.flatten().or(produced_on.flatten());
    if let (Some(a), Some(Some(b))) = (first, best_before)
        && b <= a
    {
        e.push("best_before", Reason::TooEarly);
    }
    let quantity = if input.quantity.trim().is_empty() {
        Some(None)
    } else {
        e.check("quantity", catalog::decimal(&input.quantity, 0.001, 1e9))
            .map(Some)
    };
    let quantity_unit = e.check(
        "quantity_unit",
        text::optional_text(&input.quantity_unit, 20),
    );
    let origin = if input.origin_commune_code.trim().is_empty() {
        Some(None)
    } else {
        e.check(
            "origin_commune_code",
            CommuneCode::parse(&input.origin_commune_code),
        )
        .map(|c| Some(i32::try_from(c.value()).unwrap_or_default()))
    };
    let origin_place = e.check(
        "origin_place",
        text::optional_text(&input.origin_place, 200),
    );
    let (
        Some(code),
        Some(produced_on),
        Some(packed_on),
        Some(best_before),
        Some(quantity),
        Some(quantity_unit),
        Some(origin),
        Some(origin_place),
    ) = (
        code,
        produced_on,
        packed_on,
        best_before,
        quantity,
        quantity_unit,
        origin,
        origin_place,
    )
    else {
        return Err(e);
    };
    e.into_result()?;
    Ok(LotChanges {
        code,
        produced_on,
        packed_on,
        best_before,
        quantity,
        quantity_unit,
        origin_commune_code: origin,
        origin_place,
        updated_at: now(),
    })
}

fn code_taken(e: diesel::result::Error) -> AppError {
    if crate::db::is_unique_violation(&e) {
        AppError::field("code", Reason::Taken)
    } else {
        e.into()
    }
}

/// A lot the actor may manage, with its product and seller.
pub fn managed_lot(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> Result<(Lot, Product, Seller), AppError> {
    let lot = Lot::find(conn, id)?.ok_or(AppError::NotFound)?;
    let (product, seller) = managed_product(conn, actor, lot.product_id)?;
    Ok((lot, product, seller))
}

pub fn create_lot(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: i64,
    input: &LotInput,
) -> Result<Lot, AppError> {
    let (product, seller) = managed_product(conn, actor, product_id)?;
    let fields = validate_lot(input)?;
    if Lot::find_by_code(conn, product.id, &fields.code)?.is_some() {
        return Err(AppError::field("code", Reason::Taken));
    }
    conn.transaction(|conn| {
        let lot = Lot::insert(conn, product.id, &fields, now()).map_err(code_taken)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "lot_created",
            "lot",
            Some(lot.id),
            serde_json::json!({ "product_id": product.id, "code": lot.code }),
        )?;
        Ok(lot)
    })
}

pub fn update_lot(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    input: &LotInput,
) -> Result<Lot, AppError> {
    let (lot, _, seller) = managed_lot(conn, actor, id)?;
    let fields = validate_lot(input)?;
    if let Some(other) = Lot::find_by_code(conn, lot.product_id, &fields.code)?
        && other.id != id
    {
        return Err(AppError::field("code", Reason::Taken));
    }
    conn.transaction(|conn| {
        let updated = Lot::update(conn, id, &fields).map_err(code_taken)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "lot_updated",
            "lot",
            Some(id),
            serde_json::json!({ "code": updated.code }),
        )?;
        Ok(updated)
    })
}

/// What a hold, recall or release says.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LotStatusInput {
    /// `active`, `held` or `recalled`.
    #[schema(required = true)]
    pub status: String,
    /// Required for `held` and `recalled`; shown to buyers who scan.
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Holds, recalls or releases a lot. A hold or recall needs a reason, and
/// every change is audit-logged.
pub fn set_lot_status(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    input: &LotStatusInput,
) -> Result<Lot, AppError> {
    let (lot, _, seller) = managed_lot(conn, actor, id)?;
    let mut e = FieldErrors::new();
    let status = e.check("status", LotStatus::parse(&input.status));
    let reason = e.check("reason", text::optional_text(&input.reason, 500));
    if let (Some(LotStatus::Held | LotStatus::Recalled), Some(None)) = (status, &reason) {
        e.push("reason", Reason::Required);
    }
    e.into_result()?;
    let (Some(status), Some(reason)) = (status, reason) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let reason = if status == LotStatus::Active {
        None
    } else {
        reason
    };
    conn.transaction(|conn| {
        let updated = Lot::set_status(conn, id, status.as_str(), reason.as_deref(), now())?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            &format!("lot_{}", status.as_str()),
            "lot",
            Some(id),
            serde_json::json!({ "from": lot.status, "to": status.as_str(), "reason": reason }),
        )?;
        Ok(updated)
    })
}

/// A trace event as typed or sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventInput {
    /// planting, input, harvest, processing, packing, lab_test, storage,
    /// shipping or other.
    #[schema(required = true)]
    pub kind: String,
    /// When it happened: `YYYY-MM-DDTHH:MM` (what a datetime-local input
    /// sends), `YYYY-MM-DD HH:MM`, or a date alone.
    #[schema(required = true)]
    pub happened_at: String,
    #[schema(max_length = 200)]
    pub place: String,
    /// Who did it, e.g. "Tổ thu hoạch bản Khạn".
    #[schema(max_length = 200)]
    pub actor: String,
    #[schema(max_length = 2000)]
    pub note: String,
    /// The id of the earlier event of this lot that this one corrects.
    pub corrects_event_id: String,
}

/// Parses a local date and time; what Vietnamese users type is their own
/// time (UTC+7), stored as such.
fn parse_local_time(value: &str) -> Result<NaiveDateTime, Reason> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Reason::Required);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d/%m/%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            // Held to the years a date alone may have: chrono also reads
            // "-262143", which PostgreSQL cannot store.
            Date::parse(&t.date().to_string())?;
            return Ok(t);
        }
    }
    let d = Date::parse(v)?;
    NaiveDate::from_ymd_opt(d.year, d.month, d.day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or(Reason::InvalidDate)
}

/// Appends an event to a lot, with an optional attachment (PDF or image,
/// checked like photos), on one connection: for the demo and commands.
/// Requests use [`upload_event`]. Events are never edited: a correction is
/// a new event pointing at the one it corrects.
pub fn add_event(
    conn: &mut DbConn,
    actor: &Actor,
    data_dir: &Path,
    lot_id: i64,
    input: &EventInput,
    attachment: Option<&[u8]>,
) -> Result<TraceEvent, AppError> {
    let (mut new, seller_id) = check_event(conn, actor, lot_id, input)?;
    let mut stored = media::StoredFiles::default();
    if let Some(bytes) = attachment {
        let doc = media::process_document(bytes).map_err(|e| media_error("attachment", e))?;
        stored = media::store_document(data_dir, &doc).map_err(|e| media_error("attachment", e))?;
        new.attachment_file = Some(doc.file_name);
    }
    save_event(conn, actor, seller_id, &new, stored)
}

/// [`add_event`] for a request: access and fields are checked in a first
/// short step, the attachment is decoded on the heavy-work pool and
/// written with no connection held, then one short transaction appends
/// the event (and removes the file again if it cannot).
pub fn upload_event(
    db: &Pool,
    cpu: &CpuPool,
    actor: &Actor,
    data_dir: &Path,
    lot_id: i64,
    input: &EventInput,
    attachment: Option<Vec<u8>>,
) -> Result<TraceEvent, AppError> {
    let (mut new, seller_id) = db_step(db, |conn| check_event(conn, actor, lot_id, input))?;
    let mut stored = media::StoredFiles::default();
    if let Some(bytes) = attachment {
        let doc = process_document_on(cpu, "attachment", bytes)?;
        stored = media::store_document(data_dir, &doc).map_err(|e| media_error("attachment", e))?;
        new.attachment_file = Some(doc.file_name);
    }
    db_step(db, |conn| save_event(conn, actor, seller_id, &new, stored))
}

/// Checks access and every field of an event; returns it (without its
/// attachment) and the seller whose lot it is.
fn check_event(
    conn: &mut DbConn,
    actor: &Actor,
    lot_id: i64,
    input: &EventInput,
) -> Result<(NewTraceEvent, i64), AppError> {
    let (lot, _, seller) = managed_lot(conn, actor, lot_id)?;
    let mut e = FieldErrors::new();
    let kind = e.check("kind", EventKind::parse(&input.kind));
    let happened_at = e.check("happened_at", parse_local_time(&input.happened_at));
    if let Some(t) = happened_at
        && t > now() + chrono::Duration::hours(7 + 24)
    {
        // Not in the future (allowing for the time zone and a day of slack).
        e.push("happened_at", Reason::Invalid);
    }
    let place = e.check("place", text::optional_text(&input.place, 200));
    let who = e.check("actor", text::optional_text(&input.actor, 200));
    let note = e.check("note", text::optional_text(&input.note, 2_000));
    let corrects = if input.corrects_event_id.trim().is_empty() {
        Some(None)
    } else {
        match input.corrects_event_id.trim().parse::<i64>() {
            Ok(id) => match TraceEvent::find(conn, id)? {
                Some(ev) if ev.lot_id == lot.id => Some(Some(id)),
                _ => {
                    e.push("corrects_event_id", Reason::Invalid);
                    None
                }
            },
            Err(_) => {
                e.push("corrects_event_id", Reason::InvalidNumber);
                None
            }
        }
    };
    let (Some(kind), Some(happened_at), Some(place), Some(who), Some(note), Some(corrects)) =
        (kind, happened_at, place, who, note, corrects)
    else {
        return Err(e.into());
    };
    e.into_result()?;
    Ok((
        NewTraceEvent {
            lot_id: lot.id,
            kind: kind.as_str().to_owned(),
            happened_at,
            place,
            actor: who,
            note,
            corrects_event_id: corrects,
            attachment_file: None,
            recorded_by: Some(actor.user_id),
            created_at: now(),
        },
        seller.id,
    ))
}

fn save_event(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
    new: &NewTraceEvent,
    stored: media::StoredFiles,
) -> Result<TraceEvent, AppError> {
    let saved = conn.transaction(|conn| {
        let event = TraceEvent::append(conn, new)?;
        audit(
            conn,
            Some(actor),
            Some(seller_id),
            "event_recorded",
            "trace_event",
            Some(event.id),
            serde_json::json!({ "lot_id": event.lot_id, "kind": event.kind, "corrects": event.corrects_event_id }),
        )?;
        Ok(event)
    });
    if saved.is_err() {
        stored.remove();
    }
    saved
}

/// A lot with its product and events, for its managers.
pub struct LotDetail {
    pub lot: Lot,
    pub product: Product,
    pub seller: Seller,
    pub events: Vec<TraceEvent>,
}

pub fn lot_detail(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<LotDetail, AppError> {
    let (lot, product, seller) = managed_lot(conn, actor, id)?;
    Ok(LotDetail {
        events: TraceEvent::of_lot(conn, lot.id)?,
        lot,
        product,
        seller,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_dates_must_follow_each_other() {
        let e = validate_lot(&LotInput {
            code: "NX-01".into(),
            produced_on: "2025-10-10".into(),
            packed_on: "2025-10-01".into(),
            best_before: "2025-09-01".into(),
            ..Default::default()
        })
        .expect_err("invalid");
        assert_eq!(e.get("packed_on"), Some(&Reason::TooEarly));
        assert_eq!(e.get("best_before"), Some(&Reason::TooEarly));
        assert!(
            validate_lot(&LotInput {
                code: "a b".into(),
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn local_times_in_the_forms_people_use() {
        assert!(parse_local_time("2025-10-12T07:30").is_ok());
        assert!(parse_local_time("12/10/2025 07:30").is_ok());
        assert!(parse_local_time("12/10/2025").is_ok());
        assert_eq!(parse_local_time("hôm qua"), Err(Reason::InvalidDate));
    }
}
