//! The audit log: who changed what, and whether staff acted for a seller.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_role: String,
    pub seller_id: Option<i64>,
    /// True when staff (or an admin) changed a seller's data for it.
    pub on_behalf: bool,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    /// JSON object with the changed fields (never a password or token).
    pub details: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_role: &'a str,
    pub seller_id: Option<i64>,
    pub on_behalf: bool,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub details: String,
}

impl AuditEntry {
    pub fn insert(conn: &mut DbConn, new: &NewAuditEntry<'_>) -> QueryResult<usize> {
        diesel::insert_into(audit_log::table)
            .values(new)
            .execute(conn)
    }

    /// The newest entries about one seller.
    pub fn for_seller(
        conn: &mut DbConn,
        seller_id: i64,
        limit: i64,
    ) -> QueryResult<Vec<AuditEntry>> {
        audit_log::table
            .filter(audit_log::seller_id.eq(seller_id))
            .order(audit_log::id.desc())
            .limit(limit)
            .select(AuditEntry::as_select())
            .load(conn)
    }
}
