//! Seller orgs: cooperatives (HTX), household businesses and enterprises.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sellers;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sellers)]
pub struct Seller {
    pub id: i64,
    pub kind: String,
    pub legal_name: String,
    pub short_name: String,
    /// For a household business this is the representative's personal
    /// identification number: never show it publicly or log it.
    pub tax_code: Option<String>,
    pub business_reg_no: Option<String>,
    pub representative: String,
    pub phone: String,
    pub zalo_phone: Option<String>,
    pub email: Option<String>,
    pub commune_code: i32,
    pub village: Option<String>,
    pub former_district: Option<String>,
    pub gln: Option<String>,
    pub bank_account: Option<String>,
    pub onboarded_by: Option<i64>,
    pub post_office_id: Option<i64>,
    pub consent_at: Option<NaiveDateTime>,
    pub status: String,
    /// Accent-folded names for search ("mat ong" finds "Mật ong").
    pub search_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a person enters; shared by create and edit.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = sellers, treat_none_as_null = true)]
pub struct SellerChanges {
    pub kind: String,
    pub legal_name: String,
    pub short_name: String,
    pub tax_code: Option<String>,
    pub business_reg_no: Option<String>,
    pub representative: String,
    pub phone: String,
    pub zalo_phone: Option<String>,
    pub email: Option<String>,
    pub commune_code: i32,
    pub village: Option<String>,
    pub former_district: Option<String>,
    pub gln: Option<String>,
    pub bank_account: Option<String>,
    pub consent_at: Option<NaiveDateTime>,
    pub status: String,
    pub search_text: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sellers)]
pub struct NewSeller {
    pub kind: String,
    pub legal_name: String,
    pub short_name: String,
    pub tax_code: Option<String>,
    pub business_reg_no: Option<String>,
    pub representative: String,
    pub phone: String,
    pub zalo_phone: Option<String>,
    pub email: Option<String>,
    pub commune_code: i32,
    pub village: Option<String>,
    pub former_district: Option<String>,
    pub gln: Option<String>,
    pub bank_account: Option<String>,
    pub onboarded_by: Option<i64>,
    pub post_office_id: Option<i64>,
    pub consent_at: Option<NaiveDateTime>,
    pub status: String,
    pub search_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewSeller {
    /// The row to insert for `fields`, onboarded by `staff` at `post_office`.
    pub fn from_changes(
        fields: SellerChanges,
        onboarded_by: Option<i64>,
        post_office_id: Option<i64>,
    ) -> NewSeller {
        NewSeller {
            kind: fields.kind,
            legal_name: fields.legal_name,
            short_name: fields.short_name,
            tax_code: fields.tax_code,
            business_reg_no: fields.business_reg_no,
            representative: fields.representative,
            phone: fields.phone,
            zalo_phone: fields.zalo_phone,
            email: fields.email,
            commune_code: fields.commune_code,
            village: fields.village,
            former_district: fields.former_district,
            gln: fields.gln,
            bank_account: fields.bank_account,
            onboarded_by,
            post_office_id,
            consent_at: fields.consent_at,
            status: fields.status,
            search_text: fields.search_text,
            created_at: fields.updated_at,
            updated_at: fields.updated_at,
        }
    }
}

/// Which sellers a query may return: the tenancy rule applied in SQL.
#[derive(Debug, Clone, Copy)]
pub enum SellerScope {
    All,
    OnboardedBy(i64),
    Only(i64),
}

impl Seller {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Seller>> {
        sellers::table
            .find(id)
            .select(Seller::as_select())
            .first(conn)
            .optional()
    }

    /// Sellers with any of these tax codes.
    pub fn with_tax_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<Seller>> {
        sellers::table
            .filter(sellers::tax_code.eq_any(codes))
            .select(Seller::as_select())
            .load(conn)
    }

    /// Sellers without a tax code whose business registration number is one
    /// of these, oldest first.
    pub fn with_reg_nos(conn: &mut DbConn, numbers: &[String]) -> QueryResult<Vec<Seller>> {
        sellers::table
            .filter(sellers::business_reg_no.eq_any(numbers))
            .filter(sellers::tax_code.is_null())
            .order(sellers::id.asc())
            .select(Seller::as_select())
            .load(conn)
    }

    pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Seller>> {
        sellers::table
            .filter(sellers::id.eq_any(ids))
            .select(Seller::as_select())
            .load(conn)
    }

    pub fn find_by_tax_code(conn: &mut DbConn, tax_code: &str) -> QueryResult<Option<Seller>> {
        sellers::table
            .filter(sellers::tax_code.eq(tax_code))
            .select(Seller::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut DbConn, new: &NewSeller) -> QueryResult<Seller> {
        diesel::insert_into(sellers::table)
            .values(new)
            .returning(sellers::all_columns)
            .get_result(conn)
    }

    pub fn update(conn: &mut DbConn, id: i64, changes: &SellerChanges) -> QueryResult<Seller> {
        diesel::update(sellers::table.find(id))
            .set(changes)
            .returning(sellers::all_columns)
            .get_result(conn)
    }

    /// One page of sellers in `scope` whose folded names contain every word of
    /// `folded_query`,
    /// newest first, with the total count for paging.
    pub fn search(
        conn: &mut DbConn,
        scope: SellerScope,
        folded_query: &str,
        limit: i64,
        offset: i64,
    ) -> QueryResult<(Vec<Seller>, i64)> {
        let filtered = || {
            let mut q = sellers::table.into_boxed();
            match scope {
                SellerScope::All => {}
                SellerScope::OnboardedBy(staff) => q = q.filter(sellers::onboarded_by.eq(staff)),
                SellerScope::Only(id) => q = q.filter(sellers::id.eq(id)),
            }
            for word in folded_query.split_whitespace() {
                q = q.filter(
                    sellers::search_text
                        .like(format!("%{}%", escape_like(word)))
                        .escape('\\'),
                );
            }
            q
        };
        let total = filtered().count().get_result(conn)?;
        let rows = filtered()
            .order(sellers::id.desc())
            .limit(limit)
            .offset(offset)
            .select(Seller::as_select())
            .load(conn)?;
        Ok((rows, total))
    }
}

/// Escapes LIKE wildcards so a search for "50%" means the text "50%".
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
