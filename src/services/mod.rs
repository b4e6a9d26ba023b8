//! Use cases: what a person can do, with who-may-do-what checked here. Each
//! takes a database connection and what it needs from the settings, and knows
//! nothing of HTTP; handlers and CLI commands call the same functions.

pub mod accounts;
pub mod catalog;
pub mod dashboard;
pub mod demo;
pub mod exports;
pub mod imports;
pub mod label_jobs;
pub mod label_sheets;
pub mod lots;
pub mod media;
pub mod notify;
pub mod outbox;
pub mod scans;
pub mod sellers;
pub mod stamps;

use crate::db::models::{NewAuditEntry, Seller, now};
use crate::db::{DbConn, Pool};
use crate::domain::Role;
use crate::error::AppError;

/// The person acting, as far as permissions and the audit log care.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub seller_id: Option<i64>,
    pub post_office_id: Option<i64>,
}

impl Actor {
    /// The tenancy rule: admins see every seller, staff the sellers they
    /// onboarded, a seller member only its own org.
    pub fn can_see(&self, seller: &Seller) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Staff => seller.onboarded_by == Some(self.user_id),
            Role::Seller => self.seller_id == Some(seller.id),
        }
    }

    pub fn is_staff_or_admin(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin)
    }
}

/// Parses a field that may be left empty: `Some(None)` when empty,
/// `Some(Some(v))` when valid, `None` (with the error recorded) otherwise.
pub(crate) fn optional<T>(
    errors: &mut crate::domain::FieldErrors,
    field: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, crate::domain::Reason>,
) -> Option<Option<T>> {
    if value.trim().is_empty() {
        Some(None)
    } else {
        errors.check(field, parse(value)).map(Some)
    }
}

/// Runs one step on a connection borrowed for that step only, so that a
/// use case with heavy work between its database steps holds no
/// connection while it works.
pub(crate) fn db_step<T>(
    db: &Pool,
    step: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut conn = db.get()?;
    step(&mut conn)
}

/// Loads a seller the actor may see; anyone else's is "not found", so ids
/// of other tenants cannot even be confirmed to exist.
pub fn visible_seller(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Seller, AppError> {
    match Seller::find(conn, id)? {
        Some(s) if actor.can_see(&s) => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

/// Writes one audit entry. `seller_id` is the org whose data changed; when
/// the actor is not one of its members, the entry says staff acted for it.
pub fn audit(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    seller_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    Ok(audit_query(
        conn, actor, seller_id, action, entity, entity_id, details,
    )?)
}

/// [`audit`] for transactions whose error type is diesel's own (so that a
/// unique violation can still be told apart).
pub fn audit_query(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    seller_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    details: serde_json::Value,
) -> diesel::QueryResult<()> {
    let on_behalf = match (actor, seller_id) {
        (Some(a), Some(s)) => a.seller_id != Some(s),
        _ => false,
    };
    crate::db::models::AuditEntry::insert(
        conn,
        &NewAuditEntry {
            at: now(),
            actor_user_id: actor.map(|a| a.user_id),
            actor_role: actor.map(|a| a.role.as_str()).unwrap_or("system"),
            seller_id,
            on_behalf,
            action,
            entity,
            entity_id,
            details: details.to_string(),
        },
    )?;
    Ok(())
}
