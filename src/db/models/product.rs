//! Products, their OCOP certificates and photos.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{certificates, photos, products, sellers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i64,
    pub seller_id: i64,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub slug: String,
    pub ocop_group: String,
    pub ocop_subgroup: Option<String>,
    pub description: String,
    pub story: Option<String>,
    pub ingredients: Option<String>,
    pub unit: String,
    pub net_quantity: f64,
    pub pack_type: Option<String>,
    pub packed_weight_g: Option<i32>,
    pub length_cm: Option<f64>,
    pub width_cm: Option<f64>,
    pub height_cm: Option<f64>,
    pub price_vnd: i64,
    pub stock: i32,
    pub gtin: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub storage: Option<String>,
    pub planting_area_code: Option<String>,
    pub status: String,
    pub search_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The seller's own stock-keeping code, unique within the seller; the
    /// key a spreadsheet re-import updates by.
    pub sku: Option<String>,
}

/// The fields a person enters; shared by create and edit.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = products, treat_none_as_null = true)]
pub struct ProductChanges {
    pub name_vi: String,
    pub name_en: Option<String>,
    pub ocop_group: String,
    pub ocop_subgroup: Option<String>,
    pub description: String,
    pub story: Option<String>,
    pub ingredients: Option<String>,
    pub unit: String,
    pub net_quantity: f64,
    pub pack_type: Option<String>,
    pub packed_weight_g: Option<i32>,
    pub length_cm: Option<f64>,
    pub width_cm: Option<f64>,
    pub height_cm: Option<f64>,
    pub price_vnd: i64,
    pub stock: i32,
    pub gtin: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub storage: Option<String>,
    pub planting_area_code: Option<String>,
    pub status: String,
    pub search_text: String,
    pub updated_at: NaiveDateTime,
    pub sku: Option<String>,
}

/// Which products a public listing may show, and how to narrow them.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    /// Accent-folded words to find in names.
    pub folded_query: String,
    pub group: Option<String>,
    /// At least this many stars on a certificate valid on `today`.
    pub min_stars: Option<i32>,
    pub commune_code: Option<i32>,
    pub seller_id: Option<i64>,
    pub today: Option<NaiveDate>,
}

impl Product {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Product>> {
        products::table
            .find(id)
            .select(Product::as_select())
            .first(conn)
            .optional()
    }

    /// The products with these ids, in id order.
    pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Product>> {
        products::table
            .filter(products::id.eq_any(ids))
            .order(products::id.asc())
            .select(Product::as_select())
            .load(conn)
    }

    /// (id, seller, SKU) of the products of these sellers that have a SKU.
    pub fn skus_of_sellers(
        conn: &mut DbConn,
        seller_ids: &[i64],
    ) -> QueryResult<Vec<(i64, i64, Option<String>)>> {
        products::table
            .filter(products::seller_id.eq_any(seller_ids))
            .filter(products::sku.is_not_null())
            .select((products::id, products::seller_id, products::sku))
            .load(conn)
    }

    /// Every slug in use, so a bulk import can pick new ones without a
    /// query per product.
    pub fn all_slugs(conn: &mut DbConn) -> QueryResult<Vec<String>> {
        products::table.select(products::slug).load(conn)
    }

    /// Saves edited fields without reading the row back.
    pub fn update_fields(
        conn: &mut DbConn,
        id: i64,
        fields: &ProductChanges,
    ) -> QueryResult<usize> {
        diesel::update(products::table.find(id))
            .set(fields)
            .execute(conn)
    }

    /// Inserts many new products in multi-row statements: one round trip per
    /// few hundred products, which keeps a 10,000-row import quick on
    /// PostgreSQL. Each item is (seller, slug, fields).
    pub fn insert_many(
        conn: &mut DbConn,
        items: &[(i64, String, ProductChanges)],
        created_at: NaiveDateTime,
    ) -> QueryResult<usize> {
        // 500 rows of 28 columns stay within both backends' limits on bind
        // parameters (SQLite 32,766, PostgreSQL 65,535).
        const PER_STATEMENT: usize = 500;
        let mut inserted = 0;
        for chunk in items.chunks(PER_STATEMENT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(seller_id, slug, fields)| {
                    (
                        products::seller_id.eq(*seller_id),
                        products::slug.eq(slug.as_str()),
                        fields,
                        products::created_at.eq(created_at),
                    )
                })
                .collect();
            inserted += crate::on_backend!(conn, c => diesel::insert_into(products::table).values(rows).execute(c))?;
        }
        Ok(inserted)
    }

    pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Product>> {
        // PostgreSQL refuses a NUL in a query parameter; no slug holds one.
        if slug.contains('\0') {
            return Ok(None);
        }
        products::table
            .filter(products::slug.eq(slug))
            .select(Product::as_select())
            .first(conn)
            .optional()
    }

    pub fn slug_taken(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
        let n: i64 = products::table
            .filter(products::slug.eq(slug))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    pub fn insert(
        conn: &mut DbConn,
        seller_id: i64,
        slug: &str,
        fields: &ProductChanges,
        created_at: NaiveDateTime,
    ) -> QueryResult<Product> {
        diesel::insert_into(products::table)
            .values((
                products::seller_id.eq(seller_id),
                products::slug.eq(slug),
                fields,
                products::created_at.eq(created_at),
            ))
            .returning(products::all_columns)
            .get_result(conn)
    }

    pub fn update(conn: &mut DbConn, id: i64, fields: &ProductChanges) -> QueryResult<Product> {
        diesel::update(products::table.find(id))
            .set(fields)
            .returning(products::all_columns)
            .get_result(conn)
    }

    /// Every product of a seller, drafts included, newest first.
    pub fn of_seller(conn: &mut DbConn, seller_id: i64) -> QueryResult<Vec<Product>> {
        products::table
            .filter(products::seller_id.eq(seller_id))
            .order(products::id.desc())
            .select(Product::as_select())
            .load(conn)
    }

    /// One page of listed products of active sellers matching `filter`,
    /// with the total for paging.
    pub fn catalog(
        conn: &mut DbConn,
        filter: &CatalogFilter,
        limit: i64,
        offset: i64,
    ) -> QueryResult<(Vec<Product>, i64)> {
        let build = || {
            let mut q = products::table
                .inner_join(sellers::table)
                .filter(products::status.eq("listed"))
                .filter(sellers::status.eq("active"))
                .into_boxed();
            // Every word must appear, in any order: "mat ong pu luong" finds
            // "Mật ong rừng Pù Luông".
            for word in filter.folded_query.split_whitespace() {
                q = q.filter(
                    products::search_text
                        .like(format!("%{}%", super::seller::escape_like(word)))
                        .escape('\\'),
                );
            }
            if let Some(g) = &filter.group {
                q = q.filter(products::ocop_group.eq(g.clone()));
            }
            if let Some(c) = filter.commune_code {
                q = q.filter(sellers::commune_code.eq(c));
            }
            if let Some(s) = filter.seller_id {
                q = q.filter(products::seller_id.eq(s));
            }
            if let (Some(min), Some(today)) = (filter.min_stars, filter.today) {
                q = q.filter(diesel::dsl::exists(
                    certificates::table
                        .filter(certificates::product_id.eq(products::id))
                        .filter(certificates::stars.ge(min))
                        .filter(certificates::issued_on.le(today))
                        .filter(certificates::valid_until.ge(today)),
                ));
            }
            q
        };
        let total = build().count().get_result(conn)?;
        let rows = build()
            .order(products::id.desc())
            .limit(limit)
            .offset(offset)
            .select(Product::as_select())
            .load(conn)?;
        Ok((rows, total))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: i64,
    pub product_id: i64,
    pub stars: i32,
    pub score: Option<i32>,
    pub decision_no: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    /// Name of the decision scan under `files/`.
    pub document_file: Option<String>,
    pub notified_60_at: Option<NaiveDateTime>,
    pub notified_14_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = certificates)]
pub struct NewCertificate {
    pub product_id: i64,
    pub stars: i32,
    pub score: Option<i32>,
    pub decision_no: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub document_file: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Certificate {
    /// True while the certificate is in force on `today`.
    pub fn is_valid_on(&self, today: NaiveDate) -> bool {
        self.issued_on <= today && today <= self.valid_until
    }

    pub fn insert(conn: &mut DbConn, new: &NewCertificate) -> QueryResult<Certificate> {
        diesel::insert_into(certificates::table)
            .values(new)
            .returning(certificates::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Certificate>> {
        certificates::table
            .find(id)
            .select(Certificate::as_select())
            .first(conn)
            .optional()
    }

    /// Certificates of the given products, latest expiry first.
    pub fn of_products(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Certificate>> {
        certificates::table
            .filter(certificates::product_id.eq_any(ids))
            .order(certificates::valid_until.desc())
            .select(Certificate::as_select())
            .load(conn)
    }

    pub fn set_document(conn: &mut DbConn, id: i64, file: &str) -> QueryResult<usize> {
        diesel::update(certificates::table.find(id))
            .set(certificates::document_file.eq(file))
            .execute(conn)
    }

    /// Certificates valid today that expire on or before `until`.
    pub fn expiring(
        conn: &mut DbConn,
        today: NaiveDate,
        until: NaiveDate,
    ) -> QueryResult<Vec<Certificate>> {
        certificates::table
            .filter(certificates::valid_until.ge(today))
            .filter(certificates::valid_until.le(until))
            .order(certificates::id.asc())
            .select(Certificate::as_select())
            .load(conn)
    }

    /// Records that the `days`-day reminder went out; false when another run
    /// recorded it first, so each reminder is sent once.
    pub fn mark_notified(
        conn: &mut DbConn,
        id: i64,
        days: i64,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = if days == 60 {
            diesel::update(
                certificates::table
                    .find(id)
                    .filter(certificates::notified_60_at.is_null()),
            )
            .set(certificates::notified_60_at.eq(at))
            .execute(conn)?
        } else {
            diesel::update(
                certificates::table
                    .find(id)
                    .filter(certificates::notified_14_at.is_null()),
            )
            .set(certificates::notified_14_at.eq(at))
            .execute(conn)?
        };
        Ok(n == 1)
    }
}

/// The certificate in force on `today` with the most stars, if any: stars
/// show only while a certificate is valid.
pub fn current_certificate(
    certs: &[Certificate],
    product_id: i64,
    today: NaiveDate,
) -> Option<&Certificate> {
    certs
        .iter()
        .filter(|c| c.product_id == product_id && c.is_valid_on(today))
        .max_by_key(|c| (c.stars, c.valid_until))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = photos)]
pub struct Photo {
    pub id: i64,
    pub product_id: i64,
    /// 0 is the main photo.
    pub position: i32,
    /// Content-derived name of the renditions under `media/`.
    pub file_key: String,
    pub width: i32,
    pub height: i32,
    pub created_at: NaiveDateTime,
}

impl Photo {
    /// Photos of the given products in display order.
    pub fn of_products(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Photo>> {
        photos::table
            .filter(photos::product_id.eq_any(ids))
            .order((
                photos::product_id.asc(),
                photos::position.asc(),
                photos::id.asc(),
            ))
            .select(Photo::as_select())
            .load(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Photo>> {
        photos::table
            .find(id)
            .select(Photo::as_select())
            .first(conn)
            .optional()
    }

    /// Appends a photo after the product's last one.
    pub fn append(
        conn: &mut DbConn,
        product_id: i64,
        key: &str,
        width: i32,
        height: i32,
        at: NaiveDateTime,
    ) -> QueryResult<Photo> {
        let last: Option<i32> = photos::table
            .filter(photos::product_id.eq(product_id))
            .select(diesel::dsl::max(photos::position))
            .first(conn)?;
        diesel::insert_into(photos::table)
            .values((
                photos::product_id.eq(product_id),
                photos::position.eq(last.map_or(0, |p| p + 1)),
                photos::file_key.eq(key),
                photos::width.eq(width),
                photos::height.eq(height),
                photos::created_at.eq(at),
            ))
            .returning(photos::all_columns)
            .get_result(conn)
    }

    pub fn set_position(conn: &mut DbConn, id: i64, position: i32) -> QueryResult<usize> {
        diesel::update(photos::table.find(id))
            .set(photos::position.eq(position))
            .execute(conn)
    }

    pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
        diesel::delete(photos::table.find(id)).execute(conn)
    }
}
