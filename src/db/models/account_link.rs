//! One-time links mailed to people: invitations to join a seller org and
//! password resets. Only a hash of each token is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::account_links;

pub const PURPOSE_INVITATION: &str = "invitation";
pub const PURPOSE_PASSWORD_RESET: &str = "password_reset";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_links)]
pub struct AccountLink {
    pub id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub email: String,
    pub name: String,
    pub seller_id: Option<i64>,
    pub user_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = account_links)]
pub struct NewAccountLink<'a> {
    pub purpose: &'a str,
    pub token_hash: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub seller_id: Option<i64>,
    pub user_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl AccountLink {
    pub fn insert(conn: &mut DbConn, new: &NewAccountLink<'_>) -> QueryResult<AccountLink> {
        diesel::insert_into(account_links::table)
            .values(new)
            .returning(account_links::all_columns)
            .get_result(conn)
    }

    pub fn find_by_hash(
        conn: &mut DbConn,
        purpose: &str,
        hash: &str,
    ) -> QueryResult<Option<AccountLink>> {
        account_links::table
            .filter(account_links::purpose.eq(purpose))
            .filter(account_links::token_hash.eq(hash))
            .select(AccountLink::as_select())
            .first(conn)
            .optional()
    }

    /// Marks the link used; returns false when another request used it first,
    /// which is what makes a link single-use even under a race.
    pub fn consume(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        let n = diesel::update(
            account_links::table
                .find(id)
                .filter(account_links::used_at.is_null()),
        )
        .set(account_links::used_at.eq(at))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Ends every unused password-reset link of a user (a newer link was
    /// issued, one was used, or the password changed).
    pub fn end_password_resets(
        conn: &mut DbConn,
        user_id: i64,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            account_links::table
                .filter(account_links::purpose.eq(PURPOSE_PASSWORD_RESET))
                .filter(account_links::user_id.eq(user_id))
                .filter(account_links::used_at.is_null()),
        )
        .set(account_links::used_at.eq(at))
        .execute(conn)
    }

    /// Invitations of one seller org, newest first.
    pub fn invitations_of(conn: &mut DbConn, seller_id: i64) -> QueryResult<Vec<AccountLink>> {
        account_links::table
            .filter(account_links::purpose.eq(PURPOSE_INVITATION))
            .filter(account_links::seller_id.eq(seller_id))
            .order(account_links::id.desc())
            .select(AccountLink::as_select())
            .load(conn)
    }
}
