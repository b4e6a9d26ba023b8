//! Bulk import of sellers and products from XLSX or CSV files, in templates
//! this module also writes. Every row is checked before anything is written,
//! and a file is imported whole, in one transaction, or not at all. Rows
//! update what they match by key (a seller's tax code; a product's SKU within
//! its seller), so importing the same file again creates no duplicates.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::Path;

use diesel::prelude::*;
use serde::Serialize;

use crate::cpu::{CpuError, CpuPool};
use crate::db::models::{NewSeller, Product, ProductChanges, Seller, SellerChanges, now};
use crate::db::{DbConn, Pool};
use crate::domain::catalog::SUBGROUPS;
use crate::domain::{BusinessRegNo, FieldErrors, Reason, TaxCode, text};
use crate::error::AppError;
use crate::services::catalog::{ProductInput, validate_product};
use crate::services::sellers::{SellerInput, mask_tax_code, validate};
use crate::services::{Actor, audit_query, db_step};
use crate::sheets::{Cell, ReadError, Row, SheetFormat, Table, read_table, unneutralise};

/// At most this many problems are listed in a report (all are counted): a
/// file with a wrong column in 50,000 rows needs one fix, not a huge page.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// SQL `IN (...)` lists are cut to this many values: SQLite and PostgreSQL
/// both limit the bind parameters of one statement.
const IN_CHUNK: usize = 500;

/// What an import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    Sellers,
    Products,
}

impl ImportKind {
    /// `"sellers"` or `"products"`.
    pub fn parse(value: &str) -> Option<ImportKind> {
        match value.trim().to_ascii_lowercase().as_str() {
            "sellers" => Some(ImportKind::Sellers),
            "products" => Some(ImportKind::Products),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Sellers => "sellers",
            ImportKind::Products => "products",
        }
    }

    /// The template's columns, in order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Sellers => SELLER_COLUMNS,
            ImportKind::Products => PRODUCT_COLUMNS,
        }
    }

    /// The template's download name, Vietnamese in ASCII:
    /// `mau-nhap-nguoi-ban.xlsx`, `mau-nhap-san-pham.csv`.
    pub fn template_file_name(self, format: SheetFormat) -> String {
        let stem = match self {
            ImportKind::Sellers => "mau-nhap-nguoi-ban",
            ImportKind::Products => "mau-nhap-san-pham",
        };
        format!("{stem}.{}", format.extension())
    }

    fn sheet_name(self) -> &'static str {
        match self {
            ImportKind::Sellers => "Người bán",
            ImportKind::Products => "Sản phẩm",
        }
    }
}

/// One column of an import template.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header in the template (Vietnamese).
    pub header: &'static str,
    /// The English name, also accepted as a header.
    pub english: &'static str,
    /// The input field it fills (`legal_name`, `price_vnd`...), also
    /// accepted as a header.
    pub field: &'static str,
    /// The column must be in the file.
    pub required: bool,
    /// Codes whose leading zeros matter (tax codes, phones, SKUs, GTINs):
    /// formatted as text in the XLSX template so Excel keeps them.
    pub text: bool,
    /// Width in the XLSX template, in characters.
    pub width: f64,
}

const fn col(
    header: &'static str,
    english: &'static str,
    field: &'static str,
    required: bool,
    text: bool,
    width: f64,
) -> Column {
    Column {
        header,
        english,
        field,
        required,
        text,
        width,
    }
}

/// The sellers template. A row is keyed by its tax code, or by its business
/// registration number when it has no tax code (so the tax code column must
/// be there, but may be empty).
pub const SELLER_COLUMNS: &[Column] = &[
    col("Loại hình", "Kind", "kind", true, false, 16.0),
    col("Tên đầy đủ", "Legal name", "legal_name", true, false, 40.0),
    col(
        "Tên viết tắt",
        "Short name",
        "short_name",
        true,
        false,
        22.0,
    ),
    col("Mã số thuế", "Tax code", "tax_code", true, true, 16.0),
    col(
        "Số đăng ký kinh doanh",
        "Business registration number",
        "business_reg_no",
        false,
        true,
        20.0,
    ),
    col(
        "Người đại diện",
        "Representative",
        "representative",
        true,
        false,
        24.0,
    ),
    col("Số điện thoại", "Phone", "phone", true, true, 16.0),
    col("Số Zalo", "Zalo phone", "zalo_phone", false, true, 16.0),
    col("Email", "Email", "email", false, false, 28.0),
    col(
        "Mã xã (2025)",
        "Commune code (2025)",
        "commune_code",
        true,
        false,
        12.0,
    ),
    col("Thôn/bản", "Village", "village", false, false, 18.0),
    col(
        "Huyện cũ",
        "Former district",
        "former_district",
        false,
        false,
        18.0,
    ),
    col("GLN", "GLN", "gln", false, true, 16.0),
    col(
        "Tài khoản ngân hàng",
        "Bank account",
        "bank_account",
        false,
        true,
        28.0,
    ),
    col("Trạng thái", "Status", "status", false, false, 16.0),
    col(
        "Đồng ý công khai (có/không)",
        "Consent (yes/no)",
        "consent",
        true,
        false,
        14.0,
    ),
];

/// The field of the products template that names the seller.
pub const SELLER_KEY_FIELD: &str = "seller_tax_code";

/// The products template. A row is keyed by its seller and its SKU.
pub const PRODUCT_COLUMNS: &[Column] = &[
    col(
        "Mã số thuế người bán",
        "Seller tax code",
        SELLER_KEY_FIELD,
        true,
        true,
        18.0,
    ),
    col("SKU", "SKU", "sku", true, true, 16.0),
    col("Tên sản phẩm", "Product name", "name_vi", true, false, 36.0),
    col(
        "Tên tiếng Anh",
        "English name",
        "name_en",
        false,
        false,
        30.0,
    ),
    col("Nhóm OCOP", "OCOP group", "ocop_group", true, false, 16.0),
    col("Phân nhóm", "Subgroup", "ocop_subgroup", false, false, 24.0),
    col("Mô tả", "Description", "description", true, false, 48.0),
    col("Câu chuyện sản phẩm", "Story", "story", false, false, 40.0),
    col(
        "Thành phần",
        "Ingredients",
        "ingredients",
        false,
        false,
        30.0,
    ),
    col("Đơn vị", "Unit", "unit", true, false, 10.0),
    col(
        "Khối lượng/thể tích tịnh",
        "Net quantity",
        "net_quantity",
        true,
        false,
        14.0,
    ),
    col(
        "Quy cách đóng gói",
        "Pack type",
        "pack_type",
        false,
        false,
        20.0,
    ),
    col(
        "Khối lượng đóng gói (g)",
        "Packed weight (g)",
        "packed_weight_g",
        false,
        false,
        14.0,
    ),
    col("Dài (cm)", "Length (cm)", "length_cm", false, false, 10.0),
    col("Rộng (cm)", "Width (cm)", "width_cm", false, false, 10.0),
    col("Cao (cm)", "Height (cm)", "height_cm", false, false, 10.0),
    col(
        "Giá bán (VND)",
        "Price (VND)",
        "price_vnd",
        true,
        false,
        14.0,
    ),
    col("Tồn kho", "Stock", "stock", false, false, 10.0),
    col("Mã vạch GTIN", "GTIN", "gtin", false, true, 16.0),
    col(
        "Hạn sử dụng (ngày)",
        "Shelf life (days)",
        "shelf_life_days",
        false,
        false,
        12.0,
    ),
    col("Bảo quản", "Storage", "storage", false, false, 24.0),
    col(
        "Mã vùng trồng",
        "Planting area code",
        "planting_area_code",
        false,
        true,
        18.0,
    ),
    col("Trạng thái", "Status", "status", false, false, 14.0),
];

// ---------------------------------------------------------------- choices

// Words people type for coded choices, folded (lowercase, no accents).
// Codes themselves are accepted in any case; anything else goes to the
// validator unchanged, which refuses it as "not one of the choices".

const KIND_WORDS: &[(&str, &str)] = &[
    ("hop tac xa", "htx"),
    ("hop tac xa (htx)", "htx"),
    ("ho kinh doanh", "household"),
    ("ho", "household"),
    ("doanh nghiep", "enterprise"),
];

const SELLER_STATUS_WORDS: &[(&str, &str)] = &[
    ("dang hoat dong", "active"),
    ("hoat dong", "active"),
    ("nhap", "draft"),
    ("tam ngung", "suspended"),
];

const GROUP_WORDS: &[(&str, &str)] = &[
    ("thuc pham", "food"),
    ("do uong", "drinks"),
    ("thao duoc", "herbal"),
    ("thu cong my nghe", "handicrafts"),
    ("vai, may mac va thu cong my nghe", "handicrafts"),
    ("sinh vat canh", "ornamental"),
    ("du lich", "tourism"),
    ("du lich cong dong", "tourism"),
];

/// Units: only the five codes, plus the Vietnamese words for them.
const UNIT_WORDS: &[(&str, &str)] = &[
    ("gam", "g"),
    ("lit", "l"),
    ("cai", "item"),
    ("chiec", "item"),
];

const PRODUCT_STATUS_WORDS: &[(&str, &str)] = &[
    ("nhap", "draft"),
    ("dang ban", "listed"),
    ("ngung ban", "unlisted"),
    ("tam an", "unlisted"),
];

const YES_WORDS: &[&str] = &["co", "x", "yes", "y", "1", "true", "dong y"];
const NO_WORDS: &[&str] = &["khong", "no", "n", "0", "false", ""];

/// The code a typed choice stands for: a known word's code, or the folded
/// value itself (codes are lowercase ASCII).
fn choice(value: &str, words: &[(&str, &'static str)]) -> String {
    let folded = text::fold(value);
    match words.iter().find(|(word, _)| *word == folded) {
        Some((_, code)) => (*code).to_owned(),
        None => folded,
    }
}

/// A subgroup given by its code or its Vietnamese or English name.
fn subgroup_choice(value: &str) -> String {
    let folded = text::fold(value);
    SUBGROUPS
        .iter()
        .find(|s| s.code == folded || text::fold(s.vi) == folded || text::fold(s.en) == folded)
        .map_or(folded, |s| s.code.to_owned())
}

/// "có" / "không" (and yes/no, x, 1/0); `None` for anything else.
fn yes_no(value: &str) -> Option<bool> {
    let folded = text::fold(value);
    if YES_WORDS.contains(&folded.as_str()) {
        Some(true)
    } else if NO_WORDS.contains(&folded.as_str()) {
        Some(false)
    } else {
        None
    }
}

// ---------------------------------------------------------------- report

/// Why a whole file was refused before its rows were looked at.
#[derive(Debug, Clone, PartialEq)]
pub enum FileRefusal {
    /// Too large, too many rows, not what its name says, unreadable.
    Unreadable(ReadError),
    /// No file was sent.
    NoFile,
    /// A header row, but no data rows.
    NoRows,
    /// Someone else changed the same sellers or products while the file was
    /// being written; nothing was written, and trying again will work.
    Conflict,
}

/// Why a row (or the header row) was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum RowReason {
    /// The value was refused by the same check as the forms use.
    Field(Reason),
    /// A required column is not in the file.
    MissingColumn,
    /// A column the template does not have.
    UnknownColumn,
    /// The same column appears twice.
    DuplicateColumn,
    /// Not "có" or "không".
    YesNo,
    /// Another row of the file has the same key (tax code, or SKU of the
    /// same seller).
    DuplicateKey { other_row: usize },
    /// The tax code (or registration number) belongs to a seller the actor
    /// does not manage.
    NotYours,
    /// No seller the actor manages has this tax code or registration number.
    UnknownSeller,
    /// Several sellers the actor manages share this registration number.
    AmbiguousSeller,
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    /// The row number as Excel shows it (the header is row 1).
    pub row: usize,
    /// The column's header as written in the file (the template's header
    /// when the column is missing).
    pub column: String,
    /// The input field, empty for a column the template does not have.
    pub field: &'static str,
    pub reason: RowReason,
}

/// What an import did, or would do (dry run), or why it was refused.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file_name: String,
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Nothing was written because only a check was asked for.
    pub dry_run: bool,
    /// Set when the file as a whole was refused.
    pub refusal: Option<FileRefusal>,
    /// The first [`MAX_LISTED_PROBLEMS`] problems, in row order.
    pub problems: Vec<RowProblem>,
    /// Every problem found, listed or not.
    pub problems_total: usize,
    /// Rows with at least one problem.
    pub rows_with_problems: usize,
}

impl ImportReport {
    fn new(kind: ImportKind, file_name: &str, dry_run: bool) -> ImportReport {
        ImportReport {
            kind,
            file_name: file_name.to_owned(),
            rows: 0,
            created: 0,
            updated: 0,
            dry_run,
            refusal: None,
            problems: Vec::new(),
            problems_total: 0,
            rows_with_problems: 0,
        }
    }

    /// True when nothing was (or would be) written because of the file.
    pub fn is_rejected(&self) -> bool {
        self.refusal.is_some() || self.problems_total > 0
    }

    /// The import refused: nothing was written.
    pub fn refused(
        kind: ImportKind,
        file_name: &str,
        dry_run: bool,
        refusal: FileRefusal,
    ) -> AppError {
        let mut report = ImportReport::new(kind, file_name, dry_run);
        report.refusal = Some(refusal);
        AppError::ImportRejected(Box::new(report))
    }
}

/// Problems as they are found: all counted, the first ones kept.
#[derive(Default)]
struct Problems {
    list: Vec<RowProblem>,
    total: usize,
    rows: HashSet<usize>,
}

impl Problems {
    fn push(&mut self, row: usize, column: &str, field: &'static str, reason: RowReason) {
        self.total += 1;
        self.rows.insert(row);
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(RowProblem {
                row,
                column: column.to_owned(),
                field,
                reason,
            });
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }
}

// ---------------------------------------------------------------- headers

/// How a header compares: folded, without spaces, `_` or `*`, so
/// "MÃ SỐ THUẾ", "ma so thue" and "tax_code" all find their column.
fn header_key(header: &str) -> String {
    text::fold(header)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '*'))
        .collect()
}

/// The header without its "(...)" note: "Mã xã (2025)" is also "Mã xã".
fn without_note(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every spelling of each column's header, mapped to the column.
fn header_aliases(columns: &[Column]) -> HashMap<String, usize> {
    let mut aliases = HashMap::new();
    for (i, c) in columns.iter().enumerate() {
        for name in [
            c.header.to_owned(),
            without_note(c.header),
            c.english.to_owned(),
            without_note(c.english),
            c.field.to_owned(),
        ] {
            let key = header_key(&name);
            if !key.is_empty() {
                aliases.entry(key).or_insert(i);
            }
        }
    }
    aliases
}

/// Excel's letter for a 0-based column: A, B, ... Z, AA...
fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// Where each template column is in the file.
struct Layout {
    columns: &'static [Column],
    /// The file column of each template column.
    source: Vec<Option<usize>>,
    /// The header of each template column as the file writes it.
    label: Vec<String>,
}

impl Layout {
    /// Matches the file's headers to the template's columns. Unknown and
    /// repeated columns are problems; a missing required column is one
    /// problem, and then the rows are not checked (each would fail).
    fn resolve(
        columns: &'static [Column],
        table: &Table,
        problems: &mut Problems,
    ) -> Option<Layout> {
        // The header is the first row Excel shows in a normal template.
        const HEADER_ROW: usize = 1;
        let aliases = header_aliases(columns);
        let mut source = vec![None; columns.len()];
        let mut label: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
        for (i, header) in table.headers.iter().enumerate() {
            if header.is_empty() {
                // An unnamed column is harmless while it stays empty.
                if table.rows.iter().any(|r| !table.cell(r, i).is_empty()) {
                    problems.push(HEADER_ROW, &column_letter(i), "", RowReason::UnknownColumn);
                }
                continue;
            }
            match aliases.get(&header_key(header)) {
                Some(&c) if source[c].is_none() => {
                    source[c] = Some(i);
                    label[c] = header.clone();
                }
                Some(&c) => problems.push(
                    HEADER_ROW,
                    header,
                    columns[c].field,
                    RowReason::DuplicateColumn,
                ),
                None => problems.push(HEADER_ROW, header, "", RowReason::UnknownColumn),
            }
        }
        let mut complete = true;
        for (c, column) in columns.iter().enumerate() {
            if column.required && source[c].is_none() {
                problems.push(
                    HEADER_ROW,
                    column.header,
                    column.field,
                    RowReason::MissingColumn,
                );
                complete = false;
            }
        }
        complete.then_some(Layout {
            columns,
            source,
            label,
        })
    }

    /// The header of `field`'s column, as the person will find it.
    fn label<'a>(&'a self, field: &'a str) -> &'a str {
        self.columns
            .iter()
            .position(|c| c.field == field)
            .and_then(|i| self.label.get(i))
            .map_or(field, String::as_str)
    }

    /// Each template column's field with the row's value (empty when the
    /// column is not in the file).
    fn values<'a>(
        &'a self,
        table: &'a Table,
        row: &'a Row,
    ) -> impl Iterator<Item = (&'static str, &'a str)> + 'a {
        self.columns.iter().zip(&self.source).map(move |(c, s)| {
            let value = s.map_or("", |i| unneutralise(table.cell(row, i)));
            (c.field, value)
        })
    }
}

/// Records each refused field of a row against its column.
fn push_field_errors(problems: &mut Problems, layout: &Layout, row: usize, errors: &FieldErrors) {
    for e in errors {
        problems.push(
            row,
            layout.label(e.field),
            e.field,
            RowReason::Field(e.reason.clone()),
        );
    }
}

// ---------------------------------------------------------------- import

/// Imports a spreadsheet of sellers or products, acting as `actor` (staff
/// or admin), on one connection: for the `ocop import` command. Requests
/// use [`import_upload`], which holds no connection while it parses. Every
/// row is checked first, keys against the database included; on any
/// problem nothing is written and the report comes back as
/// [`AppError::ImportRejected`]. Otherwise all rows are written in one
/// transaction, unless `dry_run`, which writes nothing.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    if !actor.is_staff_or_admin() {
        return Err(AppError::Forbidden);
    }
    let parsed = parse(kind, file_name, bytes, dry_run)?;
    let known = KnownSellers::load(conn, parsed.seller_keys().iter())?;
    let checked = check(parsed, &known, actor);
    let stored = stored_skus(conn, &checked.seller_ids())?;
    let (plan, report) = checked.finish(&stored)?;
    write(conn, actor, &plan, report)
}

/// [`import`] for a request: the file is read and its rows checked on the
/// heavy-work pool under a memory reservation, and connections are borrowed
/// only for the few lookups of stored keys and for the final transaction.
pub fn import_upload(
    db: &Pool,
    cpu: &CpuPool,
    actor: &Actor,
    kind: ImportKind,
    file_name: String,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    if !actor.is_staff_or_admin() {
        return Err(AppError::Forbidden);
    }
    let estimate = parse_memory(&file_name, bytes.len());
    let name = file_name.clone();
    let parsed = cpu
        .run(estimate, move || parse(kind, &name, &bytes, dry_run))
        .map_err(|e| job_error(e, kind, &file_name, dry_run))??;
    let keys = parsed.seller_keys();
    let known = db_step(db, |conn| KnownSellers::load(conn, keys.iter()))?;
    let who = actor.clone();
    let checked = cpu
        .run(estimate, move || check(parsed, &known, &who))
        .map_err(|e| job_error(e, kind, &file_name, dry_run))?;
    let seller_ids = checked.seller_ids();
    let stored = db_step(db, |conn| Ok(stored_skus(conn, &seller_ids)?))?;
    let (plan, report) = checked.finish(&stored)?;
    db_step(db, |conn| write(conn, actor, &plan, report))
}

/// A heavy-work pool at capacity is a 503; a reader that panics on a
/// crafted file refuses the file, it does not fail the server.
fn job_error(e: CpuError, kind: ImportKind, file_name: &str, dry_run: bool) -> AppError {
    match e {
        CpuError::Busy { retry_after } => AppError::Busy { retry_after },
        CpuError::Panicked(cause) => {
            tracing::warn!(%cause, file_name, "import reader panicked");
            ImportReport::refused(
                kind,
                file_name,
                dry_run,
                FileRefusal::Unreadable(ReadError::Damaged("the file could not be read".into())),
            )
        }
    }
}

/// What reading and checking a file may cost in memory: the table of
/// cells, the rows as inputs and their checked values, a few copies of the
/// text each. An XLSX is compressed, so it counts more per byte.
fn parse_memory(file_name: &str, len: usize) -> u64 {
    const MB: u64 = 1024 * 1024;
    let per_byte = if file_name.to_ascii_lowercase().ends_with(".csv") {
        12
    } else {
        24
    };
    (len as u64 * per_byte).clamp(16 * MB, 512 * MB)
}

/// A file read, its columns matched and its rows turned into inputs: all
/// that needs no database.
struct Parsed {
    rows: ParsedRows,
    layout: Option<Layout>,
    problems: Problems,
    report: ImportReport,
}

/// The rows of a file as the forms would have them.
enum ParsedRows {
    Sellers(Vec<(usize, SellerInput, bool)>),
    /// Row number, the seller cell, the product.
    Products(Vec<(usize, String, ProductInput)>),
}

/// Reads the file and its header; refuses a file that cannot be read or
/// has no rows.
fn parse(
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Parsed, AppError> {
    let refuse = |refusal| ImportReport::refused(kind, file_name, dry_run, refusal);
    let table = read_table(file_name, bytes).map_err(|e| {
        if let ReadError::Damaged(detail) = &e {
            tracing::info!(file_name, %detail, "import file unreadable");
        }
        refuse(FileRefusal::Unreadable(e))
    })?;
    if table.rows.is_empty() {
        return Err(refuse(FileRefusal::NoRows));
    }
    let mut report = ImportReport::new(kind, file_name, dry_run);
    report.rows = table.rows.len();
    let mut problems = Problems::default();
    let layout = Layout::resolve(kind.columns(), &table, &mut problems);
    let rows = match (&layout, kind) {
        (None, _) => ParsedRows::Sellers(Vec::new()),
        (Some(layout), ImportKind::Sellers) => ParsedRows::Sellers(
            table
                .rows
                .iter()
                .map(|row| {
                    let (input, consent_ok) = seller_input(layout.values(&table, row));
                    (row.number, input, consent_ok)
                })
                .collect(),
        ),
        (Some(layout), ImportKind::Products) => {
            let seller_column = layout
                .columns
                .iter()
                .position(|c| c.field == SELLER_KEY_FIELD)
                .and_then(|i| layout.source[i]);
            ParsedRows::Products(
                table
                    .rows
                    .iter()
                    .map(|row| {
                        let cell = seller_column.map_or("", |i| unneutralise(table.cell(row, i)));
                        (
                            row.number,
                            cell.to_owned(),
                            product_input(layout.values(&table, row)),
                        )
                    })
                    .collect(),
            )
        }
    };
    Ok(Parsed {
        rows,
        layout,
        problems,
        report,
    })
}

impl Parsed {
    /// Every stored key the rows may refer to: a seller's tax code or
    /// registration number (a products row's seller cell may be either).
    fn seller_keys(&self) -> Vec<SellerKey> {
        match &self.rows {
            ParsedRows::Sellers(rows) => rows
                .iter()
                .filter_map(|(_, input, _)| seller_key(input))
                .collect(),
            ParsedRows::Products(rows) => {
                let mut keys = Vec::new();
                for (_, cell, _) in rows {
                    if let Ok(t) = TaxCode::parse(cell) {
                        keys.push(SellerKey::TaxCode(t.as_str().to_owned()));
                    }
                    if let Ok(r) = BusinessRegNo::parse(cell) {
                        keys.push(SellerKey::RegNo(r.as_str().to_owned()));
                    }
                }
                keys
            }
        }
    }
}

/// Rows checked against the stored sellers; products still lack the
/// stored SKUs they update.
struct Checked {
    plan: Plan,
    problems: Problems,
    report: ImportReport,
}

/// Checks every row against its fields, the file's other rows and the
/// stored sellers: no database needed.
fn check(parsed: Parsed, known: &KnownSellers, actor: &Actor) -> Checked {
    let Parsed {
        rows,
        layout,
        mut problems,
        report,
    } = parsed;
    let plan = match (&layout, rows) {
        (Some(layout), ParsedRows::Sellers(rows)) => {
            Plan::Sellers(check_sellers(actor, rows, known, layout, &mut problems))
        }
        (Some(layout), ParsedRows::Products(rows)) => {
            Plan::Products(check_products(actor, rows, known, layout, &mut problems))
        }
        (None, _) => Plan::Sellers(Vec::new()),
    };
    Checked {
        plan,
        problems,
        report,
    }
}

impl Checked {
    /// The sellers whose stored SKUs the products rows may update.
    fn seller_ids(&self) -> Vec<i64> {
        let Plan::Products(rows) = &self.plan else {
            return Vec::new();
        };
        let mut ids: Vec<i64> = rows.iter().map(|r| r.seller_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The plan to write, or the refusal listing every problem.
    fn finish(
        self,
        stored: &HashMap<(i64, String), i64>,
    ) -> Result<(Plan, ImportReport), AppError> {
        let Checked {
            mut plan,
            problems,
            mut report,
        } = self;
        if !problems.is_empty() {
            report.problems = problems.list;
            report.problems_total = problems.total;
            report.rows_with_problems = problems.rows.len();
            return Err(AppError::ImportRejected(Box::new(report)));
        }
        if let Plan::Products(rows) = &mut plan {
            for row in rows {
                if let Some(sku) = &row.changes.sku {
                    row.existing = stored.get(&(row.seller_id, sku.clone())).copied();
                }
            }
        }
        let (created, updated) = plan.counts();
        report.created = created;
        report.updated = updated;
        Ok((plan, report))
    }
}

/// Writes a checked plan in one transaction, unless the report is a dry
/// run. A key taken meanwhile by another import refuses the whole file.
fn write(
    conn: &mut DbConn,
    actor: &Actor,
    plan: &Plan,
    report: ImportReport,
) -> Result<ImportReport, AppError> {
    if report.dry_run {
        return Ok(report);
    }
    let written = conn.transaction(|conn| match plan {
        Plan::Sellers(rows) => write_sellers(conn, actor, rows, &report),
        Plan::Products(rows) => write_products(conn, actor, rows, &report),
    });
    match written {
        Ok(()) => Ok(report),
        Err(e) if crate::db::is_unique_violation(&e) => Err(ImportReport::refused(
            report.kind,
            &report.file_name,
            report.dry_run,
            FileRefusal::Conflict,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The products already stored under these sellers' SKUs: one query per
/// few hundred sellers, whatever the number of rows.
fn stored_skus(conn: &mut DbConn, seller_ids: &[i64]) -> QueryResult<HashMap<(i64, String), i64>> {
    let mut stored = HashMap::new();
    for chunk in seller_ids.chunks(IN_CHUNK) {
        for (id, seller_id, sku) in Product::skus_of_sellers(conn, chunk)? {
            if let Some(sku) = sku {
                stored.insert((seller_id, sku), id);
            }
        }
    }
    Ok(stored)
}

/// What a checked file will write.
enum Plan {
    Sellers(Vec<SellerRow>),
    Products(Vec<ProductRow>),
}

impl Plan {
    /// (rows to create, rows to update).
    fn counts(&self) -> (usize, usize) {
        let (total, updates) = match self {
            Plan::Sellers(rows) => (
                rows.len(),
                rows.iter().filter(|r| r.existing.is_some()).count(),
            ),
            Plan::Products(rows) => (
                rows.len(),
                rows.iter().filter(|r| r.existing.is_some()).count(),
            ),
        };
        (total - updates, updates)
    }
}

// ---------------------------------------------------------------- sellers

/// What identifies a seller across imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SellerKey {
    TaxCode(String),
    /// Only for a seller without a tax code.
    RegNo(String),
}

/// A checked sellers row.
struct SellerRow {
    existing: Option<Seller>,
    changes: SellerChanges,
}

/// The key of a sellers row: its tax code, or its registration number when
/// the tax code is empty. Invalid values have no key (the validator says why).
fn seller_key(input: &SellerInput) -> Option<SellerKey> {
    if !input.tax_code.trim().is_empty() {
        return TaxCode::parse(&input.tax_code)
            .ok()
            .map(|t| SellerKey::TaxCode(t.as_str().to_owned()));
    }
    BusinessRegNo::parse(&input.business_reg_no)
        .ok()
        .map(|b| SellerKey::RegNo(b.as_str().to_owned()))
}

/// A sellers row as the onboarding form would have it, plus a problem when
/// the consent cell is not yes or no.
fn seller_input<'a>(values: impl Iterator<Item = (&'static str, &'a str)>) -> (SellerInput, bool) {
    let mut input = SellerInput::default();
    let mut consent_ok = true;
    for (field, value) in values {
        let v = value.to_owned();
        match field {
            "kind" => input.kind = choice(value, KIND_WORDS),
            "legal_name" => input.legal_name = v,
            "short_name" => input.short_name = v,
            "tax_code" => input.tax_code = v,
            "business_reg_no" => input.business_reg_no = v,
            "representative" => input.representative = v,
            "phone" => input.phone = v,
            "zalo_phone" => input.zalo_phone = v,
            "email" => input.email = v,
            "commune_code" => input.commune_code = v,
            "village" => input.village = v,
            "former_district" => input.former_district = v,
            "gln" => input.gln = v,
            "bank_account" => input.bank_account = v,
            "status" if !value.is_empty() => input.status = choice(value, SELLER_STATUS_WORDS),
            "consent" => match yes_no(value) {
                Some(yes) => input.consent = yes,
                None => consent_ok = false,
            },
            _ => {}
        }
    }
    (input, consent_ok)
}

/// Checks every sellers row: fields, keys repeated in the file, and keys
/// that belong to a seller the actor does not manage.
fn check_sellers(
    actor: &Actor,
    rows: Vec<(usize, SellerInput, bool)>,
    known: &KnownSellers,
    layout: &Layout,
    problems: &mut Problems,
) -> Vec<SellerRow> {
    let keys: Vec<Option<SellerKey>> = rows.iter().map(|(_, input, _)| seller_key(input)).collect();
    let mut first_row: HashMap<&SellerKey, usize> = HashMap::new();
    let mut checked = Vec::with_capacity(rows.len());
    for ((number, input, consent_ok), key) in rows.iter().zip(&keys) {
        let (number, consent_ok) = (*number, *consent_ok);
        let key_field = match key {
            Some(SellerKey::RegNo(_)) => "business_reg_no",
            _ => "tax_code",
        };
        let mut existing = None;
        let mut row_ok = true;
        if let Some(key) = key {
            if let Some(&other_row) = first_row.get(key) {
                problems.push(
                    number,
                    layout.label(key_field),
                    key_field,
                    RowReason::DuplicateKey { other_row },
                );
                row_ok = false;
            } else {
                first_row.insert(key, number);
            }
            match known.by_key(key) {
                Found::None => {}
                Found::One(seller) if actor.can_see(seller) => existing = Some(seller.clone()),
                Found::One(_) => {
                    problems.push(
                        number,
                        layout.label(key_field),
                        key_field,
                        RowReason::NotYours,
                    );
                    row_ok = false;
                }
                Found::Several => {
                    problems.push(
                        number,
                        layout.label(key_field),
                        key_field,
                        RowReason::AmbiguousSeller,
                    );
                    row_ok = false;
                }
            }
        }
        if !consent_ok {
            problems.push(number, layout.label("consent"), "consent", RowReason::YesNo);
            row_ok = false;
        }
        let consent_at = existing.as_ref().and_then(|s: &Seller| s.consent_at);
        match validate(input, consent_at) {
            Ok(changes) if row_ok => checked.push(SellerRow { existing, changes }),
            Ok(_) => {}
            Err(errors) => {
                // A consent cell that is neither yes nor no was reported above.
                let errors = FieldErrors(
                    errors
                        .0
                        .into_iter()
                        .filter(|e| consent_ok || e.field != "consent")
                        .collect(),
                );
                push_field_errors(problems, layout, number, &errors);
            }
        }
    }
    checked
}

/// What a key finds among the sellers already stored.
enum Found<'a> {
    None,
    One(&'a Seller),
    Several,
}

/// Sellers whose tax code or registration number appears in a file, loaded
/// with a few queries for the whole file rather than one per row.
struct KnownSellers {
    by_tax_code: HashMap<String, Seller>,
    /// Sellers without a tax code, by registration number (not unique).
    by_reg_no: HashMap<String, Vec<Seller>>,
}

impl KnownSellers {
    fn load<'a>(
        conn: &mut DbConn,
        keys: impl Iterator<Item = &'a SellerKey>,
    ) -> Result<KnownSellers, AppError> {
        let mut tax_codes = HashSet::new();
        let mut reg_nos = HashSet::new();
        for key in keys {
            match key {
                SellerKey::TaxCode(t) => tax_codes.insert(t.clone()),
                SellerKey::RegNo(r) => reg_nos.insert(r.clone()),
            };
        }
        let tax_codes: Vec<String> = tax_codes.into_iter().collect();
        let reg_nos: Vec<String> = reg_nos.into_iter().collect();
        let mut known = KnownSellers {
            by_tax_code: HashMap::new(),
            by_reg_no: HashMap::new(),
        };
        for chunk in tax_codes.chunks(IN_CHUNK) {
            let found = Seller::with_tax_codes(conn, chunk)?;
            for s in found {
                if let Some(code) = s.tax_code.clone() {
                    known.by_tax_code.insert(code, s);
                }
            }
        }
        for chunk in reg_nos.chunks(IN_CHUNK) {
            let found = Seller::with_reg_nos(conn, chunk)?;
            for s in found {
                if let Some(no) = s.business_reg_no.clone() {
                    known.by_reg_no.entry(no).or_default().push(s);
                }
            }
        }
        Ok(known)
    }

    /// The stored seller a sellers-file key matches. Registration numbers
    /// are not unique, so several matches cannot be updated safely.
    fn by_key(&self, key: &SellerKey) -> Found<'_> {
        match key {
            SellerKey::TaxCode(t) => self.by_tax_code.get(t).map_or(Found::None, Found::One),
            SellerKey::RegNo(r) => match self.by_reg_no.get(r).map(Vec::as_slice) {
                None | Some([]) => Found::None,
                Some([one]) => Found::One(one),
                Some(_) => Found::Several,
            },
        }
    }

    /// The seller a products file names, among those `actor` manages: by
    /// tax code, else by registration number of a seller without one.
    fn managed_by(&self, actor: &Actor, cell: &str) -> Found<'_> {
        if let Ok(t) = TaxCode::parse(cell)
            && let Some(seller) = self.by_tax_code.get(t.as_str())
        {
            // Another staff member's seller is "unknown", not "someone
            // else's": a products file must not confirm who exists.
            return if actor.can_see(seller) {
                Found::One(seller)
            } else {
                Found::None
            };
        }
        let Ok(r) = BusinessRegNo::parse(cell) else {
            return Found::None;
        };
        let visible: Vec<&Seller> = self
            .by_reg_no
            .get(r.as_str())
            .map(|all| all.iter().filter(|s| actor.can_see(s)).collect())
            .unwrap_or_default();
        match visible.as_slice() {
            [] => Found::None,
            [one] => Found::One(one),
            _ => Found::Several,
        }
    }
}

/// Creates and updates the checked sellers; new ones are onboarded by the
/// actor at the actor's post office.
fn write_sellers(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[SellerRow],
    report: &ImportReport,
) -> QueryResult<()> {
    for row in rows {
        let (seller, action) = match &row.existing {
            Some(existing) => (
                Seller::update(conn, existing.id, &row.changes)?,
                "seller_updated",
            ),
            None => (
                Seller::insert(
                    conn,
                    &NewSeller::from_changes(
                        row.changes.clone(),
                        Some(actor.user_id),
                        actor.post_office_id,
                    ),
                )?,
                "seller_created",
            ),
        };
        audit_query(
            conn,
            Some(actor),
            Some(seller.id),
            action,
            "seller",
            Some(seller.id),
            serde_json::json!({
                "via": "import",
                "file": report.file_name,
                "legal_name": seller.legal_name,
                "tax_code": seller.tax_code.as_deref().map(mask_tax_code),
                "status": seller.status,
            }),
        )?;
    }
    audit_summary(conn, actor, "sellers_imported", report)
}

/// The one entry that records the import as a whole.
fn audit_summary(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    report: &ImportReport,
) -> QueryResult<()> {
    audit_query(
        conn,
        Some(actor),
        None,
        action,
        "import",
        None,
        serde_json::json!({
            "file": report.file_name,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
        }),
    )
}

// ---------------------------------------------------------------- products

/// A checked products row.
struct ProductRow {
    seller_id: i64,
    /// The stored product with this seller's SKU, if any.
    existing: Option<i64>,
    changes: ProductChanges,
}

/// A products row as the product form would have it.
fn product_input<'a>(values: impl Iterator<Item = (&'static str, &'a str)>) -> ProductInput {
    let mut input = ProductInput::default();
    for (field, value) in values {
        let v = value.to_owned();
        match field {
            "sku" => input.sku = v,
            "name_vi" => input.name_vi = v,
            "name_en" => input.name_en = v,
            "ocop_group" => input.ocop_group = choice(value, GROUP_WORDS),
            "ocop_subgroup" if !value.is_empty() => input.ocop_subgroup = subgroup_choice(value),
            "description" => input.description = v,
            "story" => input.story = v,
            "ingredients" => input.ingredients = v,
            "unit" => input.unit = choice(value, UNIT_WORDS),
            "net_quantity" => input.net_quantity = v,
            "pack_type" => input.pack_type = v,
            "packed_weight_g" => input.packed_weight_g = v,
            "length_cm" => input.length_cm = v,
            "width_cm" => input.width_cm = v,
            "height_cm" => input.height_cm = v,
            "price_vnd" => input.price_vnd = v,
            "stock" => input.stock = v,
            "gtin" => input.gtin = v,
            "shelf_life_days" => input.shelf_life_days = v,
            "storage" => input.storage = v,
            "planting_area_code" => input.planting_area_code = v,
            "status" if !value.is_empty() => input.status = choice(value, PRODUCT_STATUS_WORDS),
            _ => {}
        }
    }
    input
}

/// Checks every products row: fields, the seller (one the actor manages),
/// a SKU (the key, so required here) and SKUs repeated in the file.
fn check_products(
    actor: &Actor,
    rows: Vec<(usize, String, ProductInput)>,
    known: &KnownSellers,
    layout: &Layout,
    problems: &mut Problems,
) -> Vec<ProductRow> {
    let seller_label = layout.label(SELLER_KEY_FIELD).to_owned();
    let mut checked: Vec<ProductRow> = Vec::with_capacity(rows.len());
    let mut first_row: HashMap<(i64, String), usize> = HashMap::new();
    for (number, cell, input) in rows {
        let seller_id = if cell.is_empty() {
            problems.push(
                number,
                &seller_label,
                SELLER_KEY_FIELD,
                RowReason::Field(Reason::Required),
            );
            None
        } else {
            match known.managed_by(actor, &cell) {
                Found::One(seller) => Some(seller.id),
                Found::Several => {
                    problems.push(
                        number,
                        &seller_label,
                        SELLER_KEY_FIELD,
                        RowReason::AmbiguousSeller,
                    );
                    None
                }
                Found::None => {
                    problems.push(
                        number,
                        &seller_label,
                        SELLER_KEY_FIELD,
                        RowReason::UnknownSeller,
                    );
                    None
                }
            }
        };
        let sku_given = !input.sku.trim().is_empty();
        if !sku_given {
            problems.push(
                number,
                layout.label("sku"),
                "sku",
                RowReason::Field(Reason::Required),
            );
        }
        match validate_product(&input) {
            Ok(changes) => {
                let (Some(seller_id), Some(sku)) = (seller_id, changes.sku.clone()) else {
                    continue;
                };
                if let Some(&other_row) = first_row.get(&(seller_id, sku.clone())) {
                    problems.push(
                        number,
                        layout.label("sku"),
                        "sku",
                        RowReason::DuplicateKey { other_row },
                    );
                    continue;
                }
                first_row.insert((seller_id, sku), number);
                checked.push(ProductRow {
                    seller_id,
                    existing: None,
                    changes,
                });
            }
            Err(errors) => push_field_errors(problems, layout, number, &errors),
        }
    }
    checked
}

/// Slugs for new products without a query per product: every slug in use
/// is loaded once, and each name's next free number is remembered.
struct Slugs {
    taken: HashSet<String>,
    next: HashMap<String, u32>,
}

impl Slugs {
    fn load(conn: &mut DbConn) -> QueryResult<Slugs> {
        let taken = Product::all_slugs(conn)?.into_iter().collect();
        Ok(Slugs {
            taken,
            next: HashMap::new(),
        })
    }

    /// The folded name, then `-2`, `-3`...: the same slugs as products
    /// created one by one get.
    fn claim(&mut self, name: &str) -> String {
        let base = crate::services::catalog::slug_base(name);
        let mut candidate = base.clone();
        let n = self.next.entry(base.clone()).or_insert(2);
        while self.taken.contains(&candidate) {
            candidate = format!("{base}-{n}");
            *n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

/// Creates and updates the checked products; one audit entry per seller
/// and one for the import.
fn write_products(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[ProductRow],
    report: &ImportReport,
) -> QueryResult<()> {
    let mut slugs = Slugs::load(conn)?;
    let at = now();
    // seller -> (created, updated), in first-seen order for a stable log.
    let mut per_seller: Vec<(i64, usize, usize)> = Vec::new();
    let mut new_rows = Vec::new();
    for row in rows {
        let created = match row.existing {
            Some(id) => {
                Product::update_fields(conn, id, &row.changes)?;
                false
            }
            None => {
                new_rows.push((
                    row.seller_id,
                    slugs.claim(&row.changes.name_vi),
                    row.changes.clone(),
                ));
                true
            }
        };
        match per_seller.iter_mut().find(|(s, _, _)| *s == row.seller_id) {
            Some(entry) if created => entry.1 += 1,
            Some(entry) => entry.2 += 1,
            None => per_seller.push((row.seller_id, usize::from(created), usize::from(!created))),
        }
    }
    Product::insert_many(conn, &new_rows, at)?;
    for (seller_id, created, updated) in per_seller {
        audit_query(
            conn,
            Some(actor),
            Some(seller_id),
            "products_imported",
            "seller",
            Some(seller_id),
            serde_json::json!({ "file": report.file_name, "created": created, "updated": updated }),
        )?;
    }
    audit_summary(conn, actor, "products_imported", report)
}

// ---------------------------------------------------------------- templates

/// The template's two rows: the headers, and one example filled in the way
/// a Quan Hóa producer would be.
fn template_rows(kind: ImportKind) -> [Vec<Cell>; 2] {
    let headers = kind
        .columns()
        .iter()
        .map(|c| Cell::from(c.header))
        .collect();
    let t = |s: &str| Cell::from(s);
    let example = match kind {
        ImportKind::Sellers => vec![
            t("Hợp tác xã"),
            t("Hợp tác xã Nông nghiệp Nam Xuân"),
            t("HTX Nam Xuân"),
            t("0102595740"),
            Cell::Empty,
            t("Hà Văn Thắng"),
            t("0912 345 678"),
            t("0912345678"),
            t("htx.namxuan@example.vn"),
            Cell::Int(14902),
            t("Bản Khạn"),
            t("huyện Quan Hóa"),
            Cell::Empty,
            t("Agribank Quan Hóa 3500205123456"),
            t("Đang hoạt động"),
            t("có"),
        ],
        ImportKind::Products => vec![
            t("0102595740"),
            t("MO-NX-500"),
            t("Mật ong rừng Nam Xuân"),
            t("Nam Xuan wild forest honey"),
            t("Thực phẩm"),
            t("Mật ong và sản phẩm từ mật ong"),
            t("Mật ong hoa rừng thu hoạch ở bản Khạn, xã Nam Xuân."),
            t("Người Thái ở bản Khạn lấy mật ong rừng mỗi mùa hoa."),
            t("100% mật ong rừng"),
            t("ml"),
            Cell::Int(500),
            t("hũ thủy tinh"),
            Cell::Int(750),
            Cell::Int(8),
            Cell::Int(8),
            Cell::Int(12),
            Cell::Int(250_000),
            Cell::Int(40),
            Cell::Empty,
            Cell::Int(730),
            t("Nơi khô ráo, thoáng mát"),
            Cell::Empty,
            t("Nháp"),
        ],
    };
    [headers, example]
}

/// A sheet laid out like the template of `kind` (no rows yet): in XLSX the
/// code columns are text and the widths fit the headers.
pub fn create_sheet(
    kind: ImportKind,
    format: SheetFormat,
    path: &Path,
) -> io::Result<Box<dyn crate::sheets::SheetWriter>> {
    let columns = kind.columns();
    let text: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.text)
        .map(|(i, _)| i)
        .collect();
    let widths: Vec<f64> = columns.iter().map(|c| c.width).collect();
    crate::sheets::create(path, format, kind.sheet_name(), &text, &widths)
}

/// Writes the import template of `kind` to `path`: the header row and one
/// example row. In XLSX the code columns are text, so Excel keeps the
/// leading zero of a tax code or phone number. Returns the file's size.
pub fn write_template(kind: ImportKind, format: SheetFormat, path: &Path) -> io::Result<u64> {
    let mut sheet = create_sheet(kind, format, path)?;
    for row in template_rows(kind) {
        sheet.write_row(&row)?;
    }
    sheet.finish()
}

/// The template as bytes, for a download; the XLSX writer needs a file,
/// which is made in `tmp_dir` and removed.
pub fn template_bytes(
    kind: ImportKind,
    format: SheetFormat,
    tmp_dir: &Path,
) -> Result<Vec<u8>, AppError> {
    std::fs::create_dir_all(tmp_dir).map_err(AppError::internal)?;
    let path = tmp_dir.join(format!(
        "template-{}.{}",
        crate::util::random_hex(8),
        format.extension()
    ));
    let written = write_template(kind, format, &path).and_then(|_| std::fs::read(&path));
    let _ = std::fs::remove_file(&path);
    written.map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_spelling_finds_one_column() {
        for kind in [ImportKind::Sellers, ImportKind::Products] {
            let columns = kind.columns();
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, c) in columns.iter().enumerate() {
                for name in [
                    c.header.to_owned(),
                    without_note(c.header),
                    c.english.to_owned(),
                    c.field.to_owned(),
                ] {
                    let key = header_key(&name);
                    if let Some(other) = seen.insert(key.clone(), i) {
                        assert_eq!(other, i, "{key} names two columns of {kind:?}");
                    }
                }
            }
            let aliases = header_aliases(columns);
            assert_eq!(
                aliases.get(&header_key("MÃ SỐ THUẾ")),
                columns
                    .iter()
                    .position(|c| c.header == "Mã số thuế")
                    .as_ref()
            );
        }
        let sellers = header_aliases(SELLER_COLUMNS);
        for typed in [
            "ma xa",
            "Mã xã (2025)",
            "commune_code",
            "Commune code",
            " mã  XÃ ",
        ] {
            assert_eq!(sellers.get(&header_key(typed)), Some(&9), "{typed}");
        }
    }

    #[test]
    fn vietnamese_words_stand_for_codes() {
        assert_eq!(choice("Hộ kinh doanh", KIND_WORDS), "household");
        assert_eq!(choice("HỘ", KIND_WORDS), "household");
        assert_eq!(choice("HTX", KIND_WORDS), "htx");
        assert_eq!(choice("Doanh Nghiệp", KIND_WORDS), "enterprise");
        assert_eq!(choice("Thực phẩm", GROUP_WORDS), "food");
        assert_eq!(choice("cái", UNIT_WORDS), "item");
        assert_eq!(choice("Chiếc", UNIT_WORDS), "item");
        assert_eq!(choice("KG", UNIT_WORDS), "kg");
        // Not a unit: passed on, so the validator refuses it.
        assert_eq!(choice("hũ", UNIT_WORDS), "hu");
        assert_eq!(choice("Đang bán", PRODUCT_STATUS_WORDS), "listed");
        assert_eq!(choice("ngừng bán", PRODUCT_STATUS_WORDS), "unlisted");
        assert_eq!(choice("Nháp", PRODUCT_STATUS_WORDS), "draft");
        assert_eq!(subgroup_choice("Mật ong và sản phẩm từ mật ong"), "honey");
        assert_eq!(subgroup_choice("honey"), "honey");
        assert_eq!(yes_no("Có"), Some(true));
        assert_eq!(yes_no("KHÔNG"), Some(false));
        assert_eq!(yes_no("có lẽ"), None);
    }

    #[test]
    fn exported_formula_guard_is_read_back() {
        assert_eq!(unneutralise("'-5 độ"), "-5 độ");
        assert_eq!(unneutralise("'+84 912 345 678"), "+84 912 345 678");
        assert_eq!(unneutralise("'bản"), "'bản");
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn template_example_rows_are_valid() {
        let rows = template_rows(ImportKind::Sellers);
        assert_eq!(rows[0].len(), SELLER_COLUMNS.len());
        assert_eq!(rows[1].len(), SELLER_COLUMNS.len());
        let cells: Vec<String> = rows[1].iter().map(cell_text).collect();
        let (input, consent_ok) = seller_input(
            SELLER_COLUMNS
                .iter()
                .map(|c| c.field)
                .zip(cells.iter().map(String::as_str)),
        );
        assert!(consent_ok);
        let s = validate(&input, None).expect("example seller is valid");
        assert_eq!(s.kind, "htx");
        assert_eq!(s.status, "active");

        let rows = template_rows(ImportKind::Products);
        assert_eq!(rows[0].len(), PRODUCT_COLUMNS.len());
        assert_eq!(rows[1].len(), PRODUCT_COLUMNS.len());
        let cells: Vec<String> = rows[1].iter().map(cell_text).collect();
        let input = product_input(
            PRODUCT_COLUMNS
                .iter()
                .map(|c| c.field)
                .zip(cells.iter().map(String::as_str)),
        );
        let p = validate_product(&input).expect("example product is valid");
        assert_eq!(p.ocop_subgroup.as_deref(), Some("honey"));
        assert_eq!(p.sku.as_deref(), Some("MO-NX-500"));
        assert_eq!(p.price_vnd, 250_000);
    }

    fn cell_text(c: &Cell) -> String {
        match c {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }

    #[test]
    fn slugs_continue_after_taken_ones() {
        let mut slugs = Slugs {
            taken: ["mat-ong".to_owned(), "mat-ong-2".to_owned()]
                .into_iter()
                .collect(),
            next: HashMap::new(),
        };
        assert_eq!(slugs.claim("Mật ong"), "mat-ong-3");
        assert_eq!(slugs.claim("Mật ong"), "mat-ong-4");
        assert_eq!(slugs.claim("Chè"), "che");
        assert_eq!(slugs.claim("!!!"), "san-pham");
    }

    #[test]
    fn template_file_names_are_ascii() {
        assert_eq!(
            ImportKind::Products.template_file_name(SheetFormat::Xlsx),
            "mau-nhap-san-pham.xlsx"
        );
        assert_eq!(
            ImportKind::Sellers.template_file_name(SheetFormat::Csv),
            "mau-nhap-nguoi-ban.csv"
        );
        assert_eq!(ImportKind::parse(" Products "), Some(ImportKind::Products));
        assert_eq!(ImportKind::parse("lots"), None);
    }
}
