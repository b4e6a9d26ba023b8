//! Accounts: admins, post-office staff and seller members.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::now;
use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: String,
    pub seller_id: Option<i64>,
    pub post_office_id: Option<i64>,
    pub password_hash: String,
    /// Bumped to revoke every token issued before (logout, password change).
    pub token_version: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub role: &'a str,
    pub seller_id: Option<i64>,
    pub post_office_id: Option<i64>,
    pub password_hash: &'a str,
    pub token_version: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
        // PostgreSQL refuses a NUL in a query parameter; no email holds one.
        if email.contains('\0') {
            return Ok(None);
        }
        users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// The oldest active admin, who acts for command-line operations.
    pub fn first_admin(conn: &mut DbConn) -> QueryResult<Option<User>> {
        users::table
            .filter(users::role.eq("admin"))
            .filter(users::active.eq(true))
            .order(users::id.asc())
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(users::all_columns)
            .get_result(conn)
    }

    /// Members of one seller org, oldest first.
    pub fn members_of(conn: &mut DbConn, seller_id: i64) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::seller_id.eq(seller_id))
            .order(users::id.asc())
            .select(User::as_select())
            .load(conn)
    }

    /// Replaces the password and revokes every earlier token in one write.
    pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::token_version.eq(users::token_version + 1),
                users::updated_at.eq(now()),
            ))
            .execute(conn)
    }

    /// Revokes every token issued so far.
    pub fn bump_token_version(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::token_version.eq(users::token_version + 1))
            .execute(conn)
    }
}
