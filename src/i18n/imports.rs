//! Texts of the bulk import page, its reports and its refusals, in
//! Vietnamese and English; the command line prints the same sentences.

use crate::i18n::Lang;
use crate::services::imports::{FileRefusal, ImportKind, ImportReport, RowProblem, RowReason};
use crate::sheets::ReadError;

/// Every text of the import page and reports. Placeholders in braces are
/// filled in by the functions below.
pub struct ImportTexts {
    pub title: &'static str,
    pub intro: &'static str,
    /// The link on the staff console.
    pub console_link: &'static str,
    pub back: &'static str,
    pub kind_legend: &'static str,
    pub kind_sellers: &'static str,
    pub kind_products: &'static str,
    pub sellers_key_hint: &'static str,
    pub products_key_hint: &'static str,
    pub template_title: &'static str,
    pub template_hint: &'static str,
    pub template_sellers: &'static str,
    pub template_products: &'static str,
    pub columns_title: &'static str,
    pub col_header: &'static str,
    pub col_english: &'static str,
    pub col_required: &'static str,
    pub required_yes: &'static str,
    pub choices_title: &'static str,
    pub upload_title: &'static str,
    pub file_label: &'static str,
    pub file_hint: &'static str,
    pub dry_run_label: &'static str,
    pub dry_run_hint: &'static str,
    pub submit: &'static str,
    pub result_title: &'static str,
    /// `{rows}`, `{created}`, `{updated}`.
    pub done: &'static str,
    /// `{rows}`, `{created}`, `{updated}`.
    pub dry_run_done: &'static str,
    /// `{problems}`, `{rows}`.
    pub rejected: &'static str,
    /// `{shown}`.
    pub shown_first: &'static str,
    pub th_row: &'static str,
    pub th_column: &'static str,
    pub th_reason: &'static str,
    /// "Dòng {row}, cột “{column}”: {reason}".
    pub problem_line: &'static str,
    pub missing_column: &'static str,
    pub unknown_column: &'static str,
    pub duplicate_column: &'static str,
    pub yes_no: &'static str,
    /// `{row}` in each of the three.
    pub duplicate_tax_code: &'static str,
    pub duplicate_reg_no: &'static str,
    pub duplicate_sku: &'static str,
    pub sku_required: &'static str,
    pub not_yours: &'static str,
    pub unknown_seller: &'static str,
    pub ambiguous_seller: &'static str,
    pub choices_kind: &'static str,
    pub choices_seller_status: &'static str,
    pub choices_group: &'static str,
    pub choices_subgroup: &'static str,
    pub choices_unit: &'static str,
    pub choices_product_status: &'static str,
    /// `{max}` megabytes.
    pub too_large: &'static str,
    /// `{max}` rows.
    pub too_many_rows: &'static str,
    pub unknown_extension: &'static str,
    pub not_xlsx: &'static str,
    pub not_csv: &'static str,
    /// `{line}`.
    pub not_utf8: &'static str,
    pub empty: &'static str,
    pub no_rows: &'static str,
    pub damaged: &'static str,
    /// `{max}` megabytes.
    pub unpacks_too_large: &'static str,
    /// `{max}` cells.
    pub too_many_cells: &'static str,
    /// `{max}` texts.
    pub too_many_texts: &'static str,
    /// `{max}` megabytes.
    pub too_much_text: &'static str,
    /// `{max}` characters.
    pub cell_too_long: &'static str,
    /// `{seconds}`.
    pub too_slow: &'static str,
    pub no_file: &'static str,
    pub conflict: &'static str,
}

pub static VI: ImportTexts = ImportTexts {
    title: "Nhập hàng loạt từ Excel/CSV",
    intro: "Nhập nhiều người bán hoặc sản phẩm một lần từ tệp Excel (.xlsx) hoặc CSV theo mẫu. Mọi dòng được kiểm tra trước: chỉ cần một dòng lỗi là không ghi gì cả.",
    console_link: "Nhập từ Excel/CSV",
    back: "← Danh sách người bán",
    kind_legend: "Nhập gì?",
    kind_sellers: "Người bán",
    kind_products: "Sản phẩm",
    sellers_key_hint: "Mỗi người bán nhận biết theo mã số thuế (hoặc số đăng ký kinh doanh nếu chưa có mã số thuế): nhập lại cùng tệp sẽ cập nhật, không tạo trùng.",
    products_key_hint: "Mỗi sản phẩm nhận biết theo mã số thuế người bán và SKU: nhập lại cùng tệp sẽ cập nhật, không tạo trùng. Hãy nhập người bán trước.",
    template_title: "1. Tải tệp mẫu",
    template_hint: "Tệp mẫu có dòng tiêu đề và một dòng ví dụ; hãy thay dòng ví dụ bằng dữ liệu thật.",
    template_sellers: "Mẫu người bán",
    template_products: "Mẫu sản phẩm",
    columns_title: "Các cột của mẫu",
    col_header: "Cột",
    col_english: "Tên tiếng Anh",
    col_required: "Bắt buộc",
    required_yes: "bắt buộc",
    choices_title: "Giá trị được chấp nhận",
    upload_title: "2. Tải tệp lên",
    file_label: "Tệp .xlsx hoặc .csv",
    file_hint: "Tối đa 20 MB và 50.000 dòng. CSV phải lưu dạng UTF-8 (trong Excel: “CSV UTF-8”).",
    dry_run_label: "Chỉ kiểm tra, chưa ghi",
    dry_run_hint: "Xem tệp có lỗi gì mà không thay đổi dữ liệu.",
    submit: "Kiểm tra và nhập",
    result_title: "Kết quả",
    done: "Đã nhập {rows} dòng: {created} mới, {updated} cập nhật.",
    dry_run_done: "Tệp hợp lệ: {rows} dòng ({created} sẽ thêm mới, {updated} sẽ cập nhật). Chưa ghi gì.",
    rejected: "Tệp có {problems} lỗi ở {rows} dòng nên chưa ghi gì. Hãy sửa rồi tải lên lại.",
    shown_first: "Chỉ hiện {shown} lỗi đầu tiên.",
    th_row: "Dòng",
    th_column: "Cột",
    th_reason: "Lý do",
    problem_line: "Dòng {row}, cột “{column}”: {reason}",
    missing_column: "Thiếu cột bắt buộc này. Hãy dùng tệp mẫu.",
    unknown_column: "Cột này không có trong mẫu: hãy xóa cột hoặc sửa lại tên cột.",
    duplicate_column: "Cột này xuất hiện hai lần.",
    yes_no: "Hãy ghi “có” hoặc “không”.",
    duplicate_tax_code: "Mã số thuế trùng với dòng {row}.",
    duplicate_reg_no: "Số đăng ký kinh doanh trùng với dòng {row}.",
    duplicate_sku: "SKU trùng với dòng {row} (cùng người bán).",
    sku_required: "Cần SKU: đó là mã để lần nhập sau cập nhật đúng sản phẩm.",
    not_yours: "Mã số này thuộc một người bán bạn không quản lý nên không thể nhập đè. Hãy liên hệ quản trị viên.",
    unknown_seller: "Không có người bán nào bạn quản lý có mã số này. Hãy nhập người bán trước.",
    ambiguous_seller: "Nhiều người bán có cùng số đăng ký kinh doanh này: hãy dùng mã số thuế.",
    choices_kind: "hợp tác xã hoặc htx, hộ kinh doanh, doanh nghiệp",
    choices_seller_status: "đang hoạt động, nháp, tạm ngừng",
    choices_group: "thực phẩm, đồ uống, thảo dược, thủ công mỹ nghệ, sinh vật cảnh, du lịch",
    choices_subgroup: "mã hoặc tên phân nhóm, ví dụ “honey” hoặc “Mật ong và sản phẩm từ mật ong”",
    choices_unit: "g, kg, ml, l, cái, chiếc",
    choices_product_status: "nháp, đang bán, ngừng bán",
    too_large: "Tệp quá lớn: tối đa {max} MB mỗi lần nhập. Hãy chia thành nhiều tệp.",
    too_many_rows: "Tệp có quá nhiều dòng: tối đa {max} dòng mỗi lần nhập. Hãy chia thành nhiều tệp.",
    unknown_extension: "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).",
    not_xlsx: "Tệp có đuôi .xlsx nhưng không phải tệp Excel (XLSX): có thể là tệp khác bị đổi tên, tệp .xls cũ hoặc tệp có mật khẩu. Hãy mở trong Excel và lưu lại dạng .xlsx.",
    not_csv: "Tệp có đuôi .csv nhưng không phải văn bản CSV (có thể là tệp Excel bị đổi tên). Hãy lưu lại dạng CSV UTF-8 hoặc tải lên tệp .xlsx.",
    not_utf8: "Dòng {line} của tệp CSV không phải mã UTF-8, nên tiếng Việt sẽ bị lỗi. Trong Excel hãy chọn Lưu thành “CSV UTF-8”.",
    empty: "Tệp trống: không có dòng tiêu đề.",
    no_rows: "Tệp chỉ có dòng tiêu đề, chưa có dòng dữ liệu nào.",
    damaged: "Tệp bị hỏng hoặc không đọc được. Hãy mở lại trong Excel, lưu lại rồi tải lên.",
    unpacks_too_large: "Tệp Excel khi giải nén ra hơn {max} MB dữ liệu, vượt giới hạn của một lần nhập. Tệp có thể bị hỏng hoặc chứa quá nhiều dữ liệu thừa; hãy chép phần cần nhập sang một tệp mới hoặc chia thành nhiều tệp.",
    too_many_cells: "Trang tính có hơn {max} ô (kể cả ô trống), vượt giới hạn của một lần nhập. Hãy xoá các hàng, cột thừa hoặc chép phần cần nhập sang một tệp mới.",
    too_many_texts: "Tệp Excel chứa (hoặc tự khai là chứa) hơn {max} đoạn chữ khác nhau, vượt giới hạn của một lần nhập. Tệp có thể bị hỏng; hãy chép phần cần nhập sang một tệp mới hoặc chia thành nhiều tệp.",
    too_much_text: "Chữ trong tệp Excel cộng lại hơn {max} MB, vượt giới hạn của một lần nhập. Hãy chia thành nhiều tệp.",
    cell_too_long: "Có ô chứa hơn {max} ký tự, quá giới hạn của Excel. Tệp có thể bị hỏng; hãy rút ngắn ô đó rồi tải lên lại.",
    too_slow: "Đọc tệp mất hơn {seconds} giây nên đã dừng. Tệp có thể bị hỏng hoặc quá phức tạp; hãy chép phần cần nhập sang một tệp mới hoặc chia thành nhiều tệp.",
    no_file: "Hãy chọn một tệp để tải lên.",
    conflict: "Trong lúc nhập, người khác đã thay đổi cùng dữ liệu nên chưa ghi gì. Hãy tải tệp lên lại.",
};

pub static EN: ImportTexts = ImportTexts {
    title: "Bulk import from Excel/CSV",
    intro: "Import many sellers or products at once from an Excel (.xlsx) or CSV file in the template's layout. Every row is checked first: a single bad row means nothing is written.",
    console_link: "Import from Excel/CSV",
    back: "← Sellers",
    kind_legend: "What to import?",
    kind_sellers: "Sellers",
    kind_products: "Products",
    sellers_key_hint: "A seller is recognised by its tax code (or business registration number when it has no tax code): importing the same file again updates, it creates no duplicates.",
    products_key_hint: "A product is recognised by its seller's tax code and its SKU: importing the same file again updates, it creates no duplicates. Import the sellers first.",
    template_title: "1. Download a template",
    template_hint: "A template has the header row and one example row; replace the example with real data.",
    template_sellers: "Sellers template",
    template_products: "Products template",
    columns_title: "The template's columns",
    col_header: "Column",
    col_english: "English name",
    col_required: "Required",
    required_yes: "required",
    choices_title: "Accepted values",
    upload_title: "2. Upload the file",
    file_label: ".xlsx or .csv file",
    file_hint: "At most 20 MB and 50,000 rows. A CSV must be saved as UTF-8 (in Excel: \"CSV UTF-8\").",
    dry_run_label: "Only check, write nothing",
    dry_run_hint: "See what is wrong with the file without changing any data.",
    submit: "Check and import",
    result_title: "Result",
    done: "Imported {rows} rows: {created} created, {updated} updated.",
    dry_run_done: "The file is valid: {rows} rows ({created} would be created, {updated} updated). Nothing was written.",
    rejected: "The file has {problems} problems in {rows} rows, so nothing was written. Please fix them and upload it again.",
    shown_first: "Only the first {shown} problems are shown.",
    th_row: "Row",
    th_column: "Column",
    th_reason: "Reason",
    problem_line: "row {row}, column \"{column}\": {reason}",
    missing_column: "This required column is missing. Please use the template.",
    unknown_column: "The template has no such column: delete the column or correct its name.",
    duplicate_column: "This column appears twice.",
    yes_no: "Please write \"có\" (yes) or \"không\" (no).",
    duplicate_tax_code: "The same tax code as row {row}.",
    duplicate_reg_no: "The same business registration number as row {row}.",
    duplicate_sku: "The same SKU as row {row} (same seller).",
    sku_required: "A SKU is needed: it is how the next import finds this product again.",
    not_yours: "This code belongs to a seller you do not manage, so it cannot be overwritten. Please contact an administrator.",
    unknown_seller: "No seller you manage has this code. Import the sellers first.",
    ambiguous_seller: "Several sellers share this business registration number: use the tax code.",
    choices_kind: "htx, household, enterprise",
    choices_seller_status: "active, draft, suspended",
    choices_group: "food, drinks, herbal, handicrafts, ornamental, tourism",
    choices_subgroup: "a subgroup code or name, e.g. \"honey\"",
    choices_unit: "g, kg, ml, l, item",
    choices_product_status: "draft, listed, unlisted",
    too_large: "The file is too large: at most {max} MB per import. Please split it into several files.",
    too_many_rows: "The file has too many rows: at most {max} rows per import. Please split it into several files.",
    unknown_extension: "Only Excel (.xlsx) and CSV (.csv) files can be imported.",
    not_xlsx: "The file is named .xlsx but is not an Excel workbook (XLSX): it may be another file renamed, an old .xls file or a password-protected one. Open it in Excel and save it as .xlsx.",
    not_csv: "The file is named .csv but is not CSV text (it may be an Excel file renamed). Save it as CSV UTF-8 or upload the .xlsx file.",
    not_utf8: "Line {line} of the CSV file is not UTF-8, so Vietnamese letters would be garbled. In Excel, save it as \"CSV UTF-8\".",
    empty: "The file is empty: it has no header row.",
    no_rows: "The file has only the header row and no data rows.",
    damaged: "The file is damaged or cannot be read. Open it in Excel again, save it and upload it.",
    unpacks_too_large: "The Excel file unpacks to more than {max} MB of data, over the limit of one import. It may be damaged or hold a lot of unneeded data; copy what you want to import into a new file, or split it into several files.",
    too_many_cells: "The sheet has more than {max} cells (empty cells included), over the limit of one import. Delete the unneeded rows and columns, or copy what you want to import into a new file.",
    too_many_texts: "The Excel file holds (or claims to hold) more than {max} different texts, over the limit of one import. It may be damaged; copy what you want to import into a new file, or split it into several files.",
    too_much_text: "The texts of the Excel file add up to more than {max} MB, over the limit of one import. Please split it into several files.",
    cell_too_long: "A cell holds more than {max} characters, Excel's own limit. The file may be damaged; shorten that cell and upload it again.",
    too_slow: "Reading the file took more than {seconds} seconds, so it was stopped. It may be damaged or too complex; copy what you want to import into a new file, or split it into several files.",
    no_file: "Please choose a file to upload.",
    conflict: "Someone else changed the same data during the import, so nothing was written. Please upload the file again.",
};

/// The texts in `lang`. Takes `&Lang` too, as templates pass their
/// arguments by reference.
pub fn texts(lang: impl std::borrow::Borrow<Lang>) -> &'static ImportTexts {
    match lang.borrow() {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// `n` with thousands separators as each language writes them: 50.000 in
/// Vietnamese, 50,000 in English.
pub fn number(lang: Lang, n: usize) -> String {
    let separator = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(d);
    }
    out
}

/// Why the whole file was refused.
pub fn refusal(lang: Lang, refusal: &FileRefusal) -> String {
    let t = texts(lang);
    match refusal {
        FileRefusal::Unreadable(e) => match e {
            ReadError::TooLarge { max_mb } => t.too_large.replace("{max}", &number(lang, *max_mb)),
            ReadError::TooManyRows { max } => t.too_many_rows.replace("{max}", &number(lang, *max)),
            ReadError::UnknownExtension => t.unknown_extension.to_owned(),
            ReadError::NotXlsx => t.not_xlsx.to_owned(),
            ReadError::NotCsv => t.not_csv.to_owned(),
            ReadError::NotUtf8 { line } => t.not_utf8.replace("{line}", &line.to_string()),
            ReadError::Empty => t.empty.to_owned(),
            ReadError::Damaged(_) => t.damaged.to_owned(),
            ReadError::UnpacksTooLarge { max_mb } => {
                t.unpacks_too_large.replace("{max}", &number(lang, *max_mb))
            }
            ReadError::TooManyCells { max } => t.too_many_cells.replace(
                "{max}",
                &number(lang, usize::try_from(*max).unwrap_or(usize::MAX)),
            ),
            ReadError::TooManyTexts { max } => {
                t.too_many_texts.replace("{max}", &number(lang, *max))
            }
            ReadError::TooMuchText { max_mb } => {
                t.too_much_text.replace("{max}", &number(lang, *max_mb))
            }
            ReadError::CellTooLong { max } => t.cell_too_long.replace("{max}", &number(lang, *max)),
            ReadError::TooSlow { seconds } => t.too_slow.replace("{seconds}", &seconds.to_string()),
        },
        FileRefusal::NoFile => t.no_file.to_owned(),
        FileRefusal::NoRows => t.no_rows.to_owned(),
        FileRefusal::Conflict => t.conflict.to_owned(),
    }
}

/// The headline of a refused import: why the file was refused, or how many
/// problems its rows have.
pub fn rejected(lang: Lang, report: &ImportReport) -> String {
    match &report.refusal {
        Some(r) => refusal(lang, r),
        None => texts(lang)
            .rejected
            .replace("{problems}", &number(lang, report.problems_total))
            .replace("{rows}", &number(lang, report.rows_with_problems)),
    }
}

/// What an accepted import did (or, in a dry run, would do).
pub fn summary(lang: Lang, report: &ImportReport) -> String {
    let t = texts(lang);
    let template = if report.dry_run {
        t.dry_run_done
    } else {
        t.done
    };
    template
        .replace("{rows}", &number(lang, report.rows))
        .replace("{created}", &number(lang, report.created))
        .replace("{updated}", &number(lang, report.updated))
}

/// The values a coded column accepts, to follow "not one of the choices".
fn choices(t: &ImportTexts, kind: ImportKind, field: &str) -> Option<&'static str> {
    match (kind, field) {
        (_, "kind") => Some(t.choices_kind),
        (ImportKind::Sellers, "status") => Some(t.choices_seller_status),
        (ImportKind::Products, "status") => Some(t.choices_product_status),
        (_, "ocop_group") => Some(t.choices_group),
        (_, "ocop_subgroup") => Some(t.choices_subgroup),
        (_, "unit") => Some(t.choices_unit),
        _ => None,
    }
}

/// Why one row was refused, in `lang`.
pub fn problem(lang: Lang, kind: ImportKind, p: &RowProblem) -> String {
    use crate::domain::Reason;
    let t = texts(lang);
    match &p.reason {
        RowReason::Field(Reason::Required) if p.field == "sku" => t.sku_required.to_owned(),
        RowReason::Field(Reason::InvalidChoice) => {
            let base = crate::i18n::reason(lang, &Reason::InvalidChoice);
            match choices(t, kind, p.field) {
                Some(c) => format!("{} ({c}).", base.trim_end_matches('.')),
                None => base,
            }
        }
        RowReason::Field(reason) => crate::i18n::reason(lang, reason),
        RowReason::MissingColumn => t.missing_column.to_owned(),
        RowReason::UnknownColumn => t.unknown_column.to_owned(),
        RowReason::DuplicateColumn => t.duplicate_column.to_owned(),
        RowReason::YesNo => t.yes_no.to_owned(),
        RowReason::DuplicateKey { other_row } => {
            let template = match p.field {
                "sku" => t.duplicate_sku,
                "business_reg_no" => t.duplicate_reg_no,
                _ => t.duplicate_tax_code,
            };
            template.replace("{row}", &other_row.to_string())
        }
        RowReason::NotYours => t.not_yours.to_owned(),
        RowReason::UnknownSeller => t.unknown_seller.to_owned(),
        RowReason::AmbiguousSeller => t.ambiguous_seller.to_owned(),
    }
}

/// One problem as a line of text: "Dòng 17, cột “Mã số thuế”: ...".
pub fn problem_line(lang: Lang, kind: ImportKind, p: &RowProblem) -> String {
    texts(lang)
        .problem_line
        .replace("{row}", &p.row.to_string())
        .replace("{column}", &p.column)
        .replace("{reason}", &problem(lang, kind, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_as_each_language_writes_them() {
        assert_eq!(number(Lang::Vi, 50_000), "50.000");
        assert_eq!(number(Lang::En, 50_000), "50,000");
        assert_eq!(number(Lang::En, 1_000_000), "1,000,000");
        assert_eq!(number(Lang::Vi, 999), "999");
        assert_eq!(number(Lang::Vi, 0), "0");
    }

    #[test]
    fn refusals_name_the_limit() {
        let too_large = FileRefusal::Unreadable(ReadError::TooLarge { max_mb: 20 });
        assert!(refusal(Lang::En, &too_large).contains("20 MB"));
        assert!(refusal(Lang::Vi, &too_large).contains("20 MB"));
        let rows = FileRefusal::Unreadable(ReadError::TooManyRows { max: 50_000 });
        assert!(refusal(Lang::Vi, &rows).contains("50.000 dòng"));
        assert!(refusal(Lang::En, &rows).contains("50,000 rows"));
    }

    #[test]
    fn budget_refusals_name_the_problem_in_both_languages() {
        let cases = [
            (
                ReadError::UnpacksTooLarge { max_mb: 256 },
                "giải nén ra hơn 256 MB",
                "unpacks to more than 256 MB",
            ),
            (
                ReadError::TooManyCells { max: 4_000_000 },
                "hơn 4.000.000 ô",
                "more than 4,000,000 cells",
            ),
            (
                ReadError::TooManyTexts { max: 1_000_000 },
                "hơn 1.000.000 đoạn chữ",
                "more than 1,000,000 different texts",
            ),
            (
                ReadError::TooMuchText { max_mb: 48 },
                "hơn 48 MB",
                "more than 48 MB",
            ),
            (
                ReadError::CellTooLong { max: 32_767 },
                "hơn 32.767 ký tự",
                "more than 32,767 characters",
            ),
            (
                ReadError::TooSlow { seconds: 10 },
                "hơn 10 giây",
                "more than 10 seconds",
            ),
        ];
        for (error, vi, en) in cases {
            let refused = FileRefusal::Unreadable(error);
            assert!(refusal(Lang::Vi, &refused).contains(vi), "{refused:?}");
            assert!(refusal(Lang::En, &refused).contains(en), "{refused:?}");
        }
    }

    #[test]
    fn a_problem_reads_as_a_sentence() {
        let p = RowProblem {
            row: 517,
            column: "Giá bán (VND)".into(),
            field: "price_vnd",
            reason: RowReason::Field(crate::domain::Reason::InvalidNumber),
        };
        let line = problem_line(Lang::Vi, ImportKind::Products, &p);
        assert!(
            line.starts_with("Dòng 517, cột “Giá bán (VND)”: "),
            "{line}"
        );
        let dup = RowProblem {
            row: 9,
            column: "SKU".into(),
            field: "sku",
            reason: RowReason::DuplicateKey { other_row: 5 },
        };
        assert!(problem(Lang::En, ImportKind::Products, &dup).contains("row 5"));
        let unit = RowProblem {
            row: 3,
            column: "Đơn vị".into(),
            field: "unit",
            reason: RowReason::Field(crate::domain::Reason::InvalidChoice),
        };
        assert!(problem(Lang::Vi, ImportKind::Products, &unit).contains("cái"));
    }
}
