//! Writing exports: one sheet of rows as XLSX (rust_xlsxwriter, constant
//! memory) or CSV (UTF-8 with BOM, CRLF), both streamed row by row.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// Excel refuses cell text longer than this many UTF-16 code units.
const EXCEL_MAX_CELL_CHARS: usize = 32_767;

/// The file format of an export, as chosen by the person downloading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// An Excel workbook (`.xlsx`).
    Xlsx,
    /// Comma-separated values, UTF-8 with a BOM (`.csv`).
    Csv,
}

impl SheetFormat {
    /// Parses `"xlsx"` or `"csv"`, ignoring case and surrounding whitespace.
    pub fn parse(s: &str) -> Option<SheetFormat> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("xlsx") {
            Some(SheetFormat::Xlsx)
        } else if s.eq_ignore_ascii_case("csv") {
            Some(SheetFormat::Csv)
        } else {
            None
        }
    }

    /// The name [`SheetFormat::parse`] accepts: `"xlsx"` or `"csv"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SheetFormat::Xlsx => "xlsx",
            SheetFormat::Csv => "csv",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The `Content-Type` header value for a download.
    pub fn content_type(self) -> &'static str {
        match self {
            SheetFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            SheetFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as a string (never as a formula) after [`neutralise`].
    Text(String),
    /// A whole number, written as a number.
    Int(i64),
    /// A number, written as a number; NaN and infinities are left blank.
    Number(f64),
    /// Nothing.
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Self {
        text.map_or(Cell::Empty, Cell::Text)
    }
}

/// Defends against formula injection (OWASP "CSV injection"): text that a
/// spreadsheet would take for a formula gets a leading apostrophe.
///
/// Applies to text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return; anything else comes back borrowed and unchanged.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if starts_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text as it was before [`neutralise`]: a file we exported can be
/// imported again without its cells gaining apostrophes.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

fn starts_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Opens a sheet of `format` at `path`. In XLSX, `text_columns` keep the
/// text format (codes with leading zeros) and `widths` are in characters.
pub fn create(
    path: &std::path::Path,
    format: SheetFormat,
    sheet_name: &str,
    text_columns: &[usize],
    widths: &[f64],
) -> io::Result<Box<dyn SheetWriter>> {
    Ok(match format {
        SheetFormat::Csv => Box::new(CsvSheet::new(io::BufWriter::new(std::fs::File::create(
            path,
        )?))?),
        SheetFormat::Xlsx => Box::new(XlsxSheet::create(path, sheet_name, text_columns, widths)?),
    })
}

/// A sheet being written row by row; the same code exports XLSX or CSV.
pub trait SheetWriter {
    /// Appends one row. The first row written is the header.
    fn write_row(&mut self, cells: &[Cell]) -> io::Result<()>;

    /// Completes the file and returns its size in bytes.
    fn finish(self: Box<Self>) -> io::Result<u64>;
}

/// Writes a number the way a person would type it: no exponent, and no
/// trailing ".0" on whole numbers (Rust's `Display` for `f64` does both).
fn plain_number(n: f64) -> String {
    if n.is_finite() {
        n.to_string()
    } else {
        String::new()
    }
}

/// A CSV export: UTF-8 with a BOM, comma separated, RFC 4180 quoting, CRLF
/// line ends. Rows go straight to the writer through a fixed-size buffer.
pub struct CsvSheet<W: Write> {
    csv: csv::Writer<CountingWriter<W>>,
}

impl<W: Write> CsvSheet<W> {
    /// Starts a CSV file on `out`, writing the BOM at once: without it Excel
    /// reads the UTF-8 as the local code page and garbles Vietnamese.
    pub fn new(out: W) -> io::Result<Self> {
        let mut out = CountingWriter {
            inner: out,
            bytes: 0,
        };
        out.write_all(b"\xEF\xBB\xBF")?;
        let csv = csv::WriterBuilder::new()
            .delimiter(b',')
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(out);
        Ok(CsvSheet { csv })
    }

    /// Flushes and returns the underlying writer, for callers that write
    /// into a buffer and want it back.
    pub fn into_inner(self) -> io::Result<W> {
        let out = self
            .csv
            .into_inner()
            .map_err(|e| io::Error::new(e.error().kind(), e.error().to_string()))?;
        Ok(out.inner)
    }
}

impl<W: Write> SheetWriter for CsvSheet<W> {
    fn write_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        for cell in cells {
            let written = match cell {
                Cell::Text(text) => self.csv.write_field(neutralise(text).as_bytes()),
                Cell::Int(n) => self.csv.write_field(n.to_string()),
                Cell::Number(n) => self.csv.write_field(plain_number(*n)),
                Cell::Empty => self.csv.write_field(""),
            };
            written.map_err(csv_to_io)?;
        }
        // An empty record ends the row begun by the fields above.
        self.csv.write_record(None::<&[u8]>).map_err(csv_to_io)
    }

    fn finish(mut self: Box<Self>) -> io::Result<u64> {
        self.csv.flush()?;
        Ok(self.csv.get_ref().bytes)
    }
}

fn csv_to_io(error: csv::Error) -> io::Error {
    if error.is_io_error() {
        match error.into_kind() {
            csv::ErrorKind::Io(e) => e,
            other => io::Error::other(format!("CSV export: {other:?}")),
        }
    } else {
        io::Error::other(format!("CSV export: {error}"))
    }
}

/// Counts the bytes that reach the destination, so `finish` can report the
/// file's size without the caller seeking or stat-ing.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An XLSX export of one worksheet, in rust_xlsxwriter's constant-memory
/// mode: each finished row goes to a temporary file in the system temp dir,
/// so a 10,000-row export does not sit in memory. Rows must come in order,
/// which [`SheetWriter`] guarantees.
pub struct XlsxSheet {
    workbook: Workbook,
    path: PathBuf,
    next_row: u32,
    header: Format,
    text: Format,
    text_columns: Vec<u16>,
}

impl XlsxSheet {
    /// Prepares a workbook with one worksheet named `sheet_name`, to be saved
    /// at `path` by `finish`.
    ///
    /// `text_columns` (0-based) are formatted as text ("@") for the whole
    /// column, so that someone filling in a template keeps the leading zero
    /// of a tax code or phone number. `column_widths[i]` is the width of
    /// column `i` in characters; missing or non-positive widths keep Excel's
    /// default.
    pub fn create(
        path: &Path,
        sheet_name: &str,
        text_columns: &[usize],
        column_widths: &[f64],
    ) -> io::Result<Self> {
        let text = Format::new().set_num_format("@");
        let mut workbook = Workbook::new();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_to_io)?;
        sheet.set_name(sheet_name).map_err(xlsx_to_io)?;
        let mut text_column_numbers = Vec::with_capacity(text_columns.len());
        for &column in text_columns {
            let column = column_number(column)?;
            sheet.set_column_format(column, &text).map_err(xlsx_to_io)?;
            text_column_numbers.push(column);
        }
        for (column, &width) in column_widths.iter().enumerate() {
            if width.is_finite() && width > 0.0 {
                sheet
                    .set_column_width(column_number(column)?, width)
                    .map_err(xlsx_to_io)?;
            }
        }
        Ok(XlsxSheet {
            workbook,
            path: path.to_path_buf(),
            next_row: 0,
            header: Format::new().set_bold(),
            text,
            text_columns: text_column_numbers,
        })
    }
}

impl SheetWriter for XlsxSheet {
    fn write_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_to_io)?;
        for (column, cell) in cells.iter().enumerate() {
            let column = column_number(column)?;
            // A cell written without a format gets Excel's General format even
            // in a text column, and editing it later would drop leading zeros
            // again; so data cells in text columns carry the text format.
            let format = if row == 0 {
                Some(&self.header)
            } else if self.text_columns.contains(&column) {
                Some(&self.text)
            } else {
                None
            };
            match cell {
                Cell::Text(value) => {
                    let value = neutralise(value);
                    let value = truncate_for_excel(&value);
                    match format {
                        Some(format) => sheet.write_string_with_format(row, column, value, format),
                        None => sheet.write_string(row, column, value),
                    }
                }
                Cell::Int(n) => write_number(sheet, row, column, *n as f64, format),
                Cell::Number(n) if n.is_finite() => write_number(sheet, row, column, *n, format),
                Cell::Number(_) | Cell::Empty => continue,
            }
            .map_err(xlsx_to_io)?;
        }
        self.next_row = row
            .checked_add(1)
            .ok_or_else(|| io::Error::other("XLSX export: too many rows"))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<u64> {
        self.workbook.save(&self.path).map_err(xlsx_to_io)?;
        Ok(std::fs::metadata(&self.path)?.len())
    }
}

fn write_number<'a>(
    sheet: &'a mut Worksheet,
    row: u32,
    column: u16,
    n: f64,
    format: Option<&Format>,
) -> Result<&'a mut Worksheet, XlsxError> {
    match format {
        Some(format) => sheet.write_number_with_format(row, column, n, format),
        None => sheet.write_number(row, column, n),
    }
}

fn column_number(column: usize) -> io::Result<u16> {
    u16::try_from(column).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("XLSX export: column {column} is beyond Excel's limit"),
        )
    })
}

/// Cuts text to Excel's cell limit, counted in UTF-16 units as Excel counts,
/// at a character boundary: a long description is better cut than an
/// export that fails.
fn truncate_for_excel(text: &str) -> &str {
    let mut units = 0;
    for (index, c) in text.char_indices() {
        units += c.len_utf16();
        if units > EXCEL_MAX_CELL_CHARS {
            return &text[..index];
        }
    }
    text
}

fn xlsx_to_io(error: XlsxError) -> io::Error {
    match error {
        XlsxError::IoError(e) => e,
        XlsxError::TempFileError(_, e) => io::Error::new(
            e.kind(),
            format!("XLSX export: cannot create a temporary file: {e}"),
        ),
        XlsxError::SheetnameCannotBeBlank(_)
        | XlsxError::SheetnameLengthExceeded(_)
        | XlsxError::SheetnameContainsInvalidCharacter(_)
        | XlsxError::SheetnameStartsOrEndsWithApostrophe(_)
        | XlsxError::RowColumnLimitError => {
            io::Error::new(io::ErrorKind::InvalidInput, format!("XLSX export: {error}"))
        }
        other => io::Error::other(format!("XLSX export: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_prefixes_only_what_a_spreadsheet_would_evaluate() {
        for risky in ["=1+1", "+84912", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for safe in ["Mật ong", "", "1-2", " =1", "'=1"] {
            assert!(
                matches!(neutralise(safe), Cow::Borrowed(s) if s == safe),
                "{safe:?}"
            );
        }
    }

    #[test]
    fn sheet_format_is_parsed_from_a_query_value() {
        assert_eq!(SheetFormat::parse(" XLSX "), Some(SheetFormat::Xlsx));
        assert_eq!(SheetFormat::parse("Csv"), Some(SheetFormat::Csv));
        assert_eq!(SheetFormat::parse("xls"), None);
        assert_eq!(SheetFormat::Xlsx.extension(), "xlsx");
        assert_eq!(SheetFormat::Csv.as_str(), "csv");
        assert_eq!(SheetFormat::Csv.content_type(), "text/csv; charset=utf-8");
        assert_eq!(
            SheetFormat::Xlsx.content_type(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
    }

    #[test]
    fn cells_convert_from_what_callers_hold() {
        assert_eq!(Cell::from("a"), Cell::Text("a".to_owned()));
        assert_eq!(Cell::from(String::from("b")), Cell::Text("b".to_owned()));
        assert_eq!(Cell::from(7_i64), Cell::Int(7));
        assert_eq!(Cell::from(None::<String>), Cell::Empty);
        assert_eq!(Cell::from(Some("c".to_owned())), Cell::Text("c".to_owned()));
    }

    #[test]
    fn csv_export_is_excel_flavoured_with_plain_numbers() {
        let mut out = Vec::new();
        let mut sheet = CsvSheet::new(&mut out).unwrap();
        sheet
            .write_row(&["Tên".into(), "Giá".into(), "Ghi chú".into()])
            .unwrap();
        sheet
            .write_row(&[
                "Mắm \"Cát Hải\", loại 1".into(),
                Cell::Number(150_000.0),
                Cell::Empty,
                Cell::Number(1e-7),
                Cell::Number(1e21),
                Cell::Number(f64::NAN),
                Cell::Int(i64::MIN),
            ])
            .unwrap();
        let size = Box::new(sheet).finish().unwrap();

        let expected = "\u{FEFF}Tên,Giá,Ghi chú\r\n\
            \"Mắm \"\"Cát Hải\"\", loại 1\",150000,,0.0000001,1000000000000000000000,,-9223372036854775808\r\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        assert_eq!(size, expected.len() as u64);
    }

    #[test]
    fn truncation_respects_character_boundaries_and_utf16_units() {
        let short = "Mật ong";
        assert_eq!(truncate_for_excel(short), short);
        // "𝄞" takes two UTF-16 units, so only 16,383 of them fit.
        let clefs = "𝄞".repeat(20_000);
        assert_eq!(truncate_for_excel(&clefs).chars().count(), 16_383);
    }

    #[test]
    fn invalid_sheet_name_is_an_input_error() {
        let path = std::env::temp_dir().join("ocop-sheets-never-written.xlsx");
        let error = XlsxSheet::create(&path, "a/b", &[], &[]).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().starts_with("XLSX export:"), "{error}");
    }
}
