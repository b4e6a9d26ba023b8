//! Post offices (bưu điện) whose staff onboard sellers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::post_offices;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = post_offices)]
pub struct PostOffice {
    pub id: i64,
    pub name: String,
    pub commune_code: i32,
    pub address: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = post_offices)]
pub struct NewPostOffice<'a> {
    pub name: &'a str,
    pub commune_code: i32,
    pub address: &'a str,
    pub created_at: NaiveDateTime,
}

impl PostOffice {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<PostOffice>> {
        post_offices::table
            .find(id)
            .select(PostOffice::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<PostOffice>> {
        post_offices::table
            .filter(post_offices::name.eq(name))
            .select(PostOffice::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut DbConn, new: &NewPostOffice<'_>) -> QueryResult<PostOffice> {
        diesel::insert_into(post_offices::table)
            .values(new)
            .returning(post_offices::all_columns)
            .get_result(conn)
    }
}
