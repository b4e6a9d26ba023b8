//! Reading imports: an uploaded XLSX or CSV file becomes a [`Table`] of
//! trimmed strings, after checking that the bytes really are what the name
//! says and that they stay within the import limits.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Largest upload accepted, checked before any parsing.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// Most data rows (header excluded, blank rows not counted) one import holds.
pub const MAX_IMPORT_ROWS: usize = 50_000;

/// Memory the read table may take (cell strings plus their text). A 20 MB
/// XLSX can unpack to far more than 20 MB (one long shared string repeated
/// in every row, a cell placed in column XFD); this keeps such a file from
/// taking the server's memory while leaving room for any honest import.
const MAX_TABLE_BYTES: usize = 128 * 1024 * 1024;

/// Excel's limit on the text of one cell, in characters.
const MAX_CELL_CHARS: usize = 32_767;

/// The budgets of one reading. Nothing in a file (a declared count, a
/// dimension, a ZIP entry's announced size) sizes anything; these are
/// checked while the bytes arrive, so a hostile file costs at most these
/// amounts of memory and time before it is refused. Each is far above what
/// an honest 50,000-row import needs.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    /// Bytes one ZIP entry may unpack to.
    pub entry_bytes: u64,
    /// Bytes all ZIP entries together may unpack to.
    pub total_bytes: u64,
    /// Cells of the sheet, empty ones included (in a CSV file, fields).
    pub cells: u64,
    /// Shared strings of a workbook.
    pub shared_strings: usize,
    /// Bytes of text of all shared strings.
    pub shared_bytes: usize,
    /// Characters of one cell or one shared string.
    pub cell_chars: usize,
    /// Bytes of one XML token (a text, a tag, a comment) while it is read:
    /// bounds the parser's buffer whatever the file holds.
    pub token_bytes: u64,
    /// XML nesting depth.
    pub depth: usize,
    /// Entries of the ZIP archive and relationships of the workbook.
    pub zip_entries: usize,
    /// Cell styles and number formats of the workbook.
    pub styles: usize,
    /// Time one reading may take, checked as data arrives.
    pub time: Duration,
}

impl Limits {
    /// The limits of an import.
    pub(super) const IMPORT: Limits = Limits {
        entry_bytes: 256 * 1024 * 1024,
        total_bytes: 384 * 1024 * 1024,
        // 80 per data row at the row limit.
        cells: 4_000_000,
        shared_strings: 1_000_000,
        shared_bytes: 48 * 1024 * 1024,
        cell_chars: MAX_CELL_CHARS,
        // 32,767 characters of four bytes, every one written as an entity,
        // would not reach this.
        token_bytes: 1024 * 1024,
        depth: 64,
        zip_entries: 10_000,
        styles: 65_536,
        time: Duration::from_secs(10),
    };
}

/// One data row of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number a person sees in Excel: the header is row 1 (or lower
    /// down, if blank rows precede it), so the first data row is usually 2.
    /// Blank rows are skipped but still counted.
    pub number: usize,
    /// The row's cells, trimmed; trailing empty cells are dropped, so read
    /// them through [`Table::cell`].
    pub cells: Vec<String>,
}

/// An imported sheet: the header row and the non-blank data rows below it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header row's cells, trimmed; trailing empty cells are dropped.
    pub headers: Vec<String>,
    /// The data rows, in file order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The cell in `column` (0-based) of `row`, one of this table's rows, or
    /// `""` when the row is shorter.
    ///
    /// The text is borrowed from the table, not from `row`, so it outlives a
    /// row reference taken in a loop or a closure. The row is found by its
    /// number (rows are in increasing order), so a clone of one of this
    /// table's rows works too; a row the table does not have reads as empty.
    pub fn cell(&self, row: &Row, column: usize) -> &str {
        self.rows
            .binary_search_by_key(&row.number, |r| r.number)
            .ok()
            .and_then(|index| self.rows.get(index))
            .and_then(|own| own.cells.get(column))
            .map_or("", String::as_str)
    }
}

/// Why an uploaded file cannot be imported. Each variant names something the
/// person can act on; the texts here are English, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The upload exceeds [`MAX_IMPORT_BYTES`].
    #[error("the file is larger than {max_mb} MB")]
    TooLarge {
        /// The limit in megabytes.
        max_mb: usize,
    },
    /// The file has more data rows than [`MAX_IMPORT_ROWS`].
    #[error("the file has more than {max} data rows")]
    TooManyRows {
        /// The limit in data rows.
        max: usize,
    },
    /// The file name ends in neither `.xlsx` nor `.csv`.
    #[error("only .xlsx and .csv files can be imported")]
    UnknownExtension,
    /// Named `.xlsx` but not an XLSX workbook (a renamed CSV or image, an
    /// old `.xls`, a password-protected workbook, another kind of ZIP).
    #[error("the file is named .xlsx but is not an Excel workbook (.xlsx)")]
    NotXlsx,
    /// Named `.csv` but binary: a workbook, PDF or image renamed.
    #[error("the file is named .csv but is not a text CSV file")]
    NotCsv,
    /// A CSV file in another encoding than UTF-8 (typically Windows-1258
    /// or Latin-1 from "CSV (Comma delimited)").
    #[error("line {line} of the CSV file is not UTF-8; save it as \"CSV UTF-8\"")]
    NotUtf8 {
        /// The first line (1-based, as in a text editor) with a bad byte.
        line: usize,
    },
    /// The file has no header row: nothing but blank rows.
    #[error("the file is empty: it has no header row")]
    Empty,
    /// The file is of the right kind but cannot be read.
    #[error("the file is damaged: {0}")]
    Damaged(String),
    /// The workbook unpacks (its ZIP inflates) to more than an import may.
    #[error("the workbook unpacks to more than {max_mb} MB")]
    UnpacksTooLarge {
        /// The limit in megabytes.
        max_mb: usize,
    },
    /// The sheet has more cells than an import may, empty ones included.
    #[error("the sheet has more than {max} cells, empty cells included")]
    TooManyCells {
        /// The limit in cells.
        max: u64,
    },
    /// The workbook holds more distinct texts (shared strings) than an
    /// import may, or declares that it does.
    #[error("the workbook holds more than {max} different texts")]
    TooManyTexts {
        /// The limit in texts.
        max: usize,
    },
    /// The workbook's distinct texts add up to more than an import may.
    #[error("the workbook's texts add up to more than {max_mb} MB")]
    TooMuchText {
        /// The limit in megabytes.
        max_mb: usize,
    },
    /// One cell holds more characters than Excel allows.
    #[error("a cell holds more than {max} characters")]
    CellTooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Reading the file took longer than an import may.
    #[error("reading the file took more than {seconds} seconds")]
    TooSlow {
        /// The limit in seconds.
        seconds: u64,
    },
}

/// Reads an uploaded spreadsheet into a [`Table`].
///
/// The format comes from `file_name`'s extension (`.xlsx` or `.csv`, any
/// case) and the bytes must then prove to be that format. The size limit is
/// checked before anything else and the row limit while reading, so an
/// oversized file is refused without being read to the end. XLSX files are
/// read from their first worksheet; CSV files may be separated by `,` or
/// `;` and may start with a BOM.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, ReadError> {
    read_table_within(file_name, bytes, &Limits::IMPORT)
}

/// [`read_table`] within `limits`, so tests can show each budget at work
/// on small files.
pub(super) fn read_table_within(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Table, ReadError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ReadError::TooLarge {
            max_mb: MAX_IMPORT_BYTES / (1024 * 1024),
        });
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.trim());
    let read: fn(&[u8], &Limits) -> Result<Table, ReadError> = match extension {
        Some(e) if e.eq_ignore_ascii_case("xlsx") => super::xlsx::read_xlsx,
        Some(e) if e.eq_ignore_ascii_case("csv") => read_csv,
        _ => return Err(ReadError::UnknownExtension),
    };
    guarded(|| read(bytes, limits))
}

/// Runs a parser, turning a panic (a bug in a parser, found by some
/// unforeseen file) into a refusal of the file rather than a failed
/// request. Nothing the parser touched outlives it, so unwinding cannot
/// leave shared state half-changed.
fn guarded(parse: impl FnOnce() -> Result<Table, ReadError>) -> Result<Table, ReadError> {
    catch_unwind(AssertUnwindSafe(parse)).unwrap_or_else(|_| {
        tracing::error!("a spreadsheet parser panicked; the file is refused");
        Err(ReadError::Damaged(
            "the file could not be read by the spreadsheet reader".to_owned(),
        ))
    })
}

/// Collects rows as they are read, applying the rules shared by both
/// formats: the first non-blank row is the header, blank rows are skipped,
/// and the row and memory limits stop the reading as soon as they are hit.
pub(super) struct TableBuilder {
    headers: Option<Vec<String>>,
    rows: Vec<Row>,
    table_bytes: usize,
}

impl TableBuilder {
    pub(super) fn new() -> Self {
        TableBuilder {
            headers: None,
            rows: Vec::new(),
            table_bytes: 0,
        }
    }

    /// Accounts for a row of `width` cells holding `text` bytes before it
    /// is allocated.
    pub(super) fn reserve(&mut self, width: usize, text: usize) -> Result<(), ReadError> {
        let needed = width
            .saturating_mul(std::mem::size_of::<String>())
            .saturating_add(text);
        self.table_bytes = self.table_bytes.saturating_add(needed);
        if self.table_bytes > MAX_TABLE_BYTES {
            return Err(ReadError::Damaged(
                "the sheet unpacks to far more data than an import can hold".to_owned(),
            ));
        }
        Ok(())
    }

    /// Adds the row numbered `number`; `cells` are already trimmed and carry
    /// no trailing empty cells, so an empty vector is a blank row.
    pub(super) fn push(&mut self, number: usize, cells: Vec<String>) -> Result<(), ReadError> {
        if cells.is_empty() {
            return Ok(());
        }
        if self.headers.is_none() {
            self.headers = Some(cells);
            return Ok(());
        }
        if self.rows.len() >= MAX_IMPORT_ROWS {
            return Err(ReadError::TooManyRows {
                max: MAX_IMPORT_ROWS,
            });
        }
        self.rows.push(Row { number, cells });
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Table, ReadError> {
        let headers = self.headers.ok_or(ReadError::Empty)?;
        Ok(Table {
            headers,
            rows: self.rows,
        })
    }
}

// ---------------------------------------------------------------- CSV

/// Magic numbers of binary files people rename to .csv by mistake.
const BINARY_MAGIC: &[&[u8]] = &[
    b"PK\x03\x04",       // ZIP, hence XLSX, DOCX, ODS
    b"PK\x05\x06",       // empty ZIP
    b"\xD0\xCF\x11\xE0", // OLE: old .xls, password-protected .xlsx
    b"%PDF",             // PDF
    b"\x89PNG",          // PNG
    b"\xFF\xD8\xFF",     // JPEG
    b"GIF8",             // GIF
    b"RIFF",             // WebP
];

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    let deadline = Instant::now() + limits.time;
    // Excel's "Unicode Text" is UTF-16: its ASCII is full of NUL bytes, but
    // the fix the person needs is the encoding, not the file type.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ReadError::NotUtf8 { line: 1 });
    }
    if BINARY_MAGIC.iter().any(|magic| bytes.starts_with(magic)) || bytes.contains(&0) {
        return Err(ReadError::NotCsv);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ReadError::NotUtf8 { line }
    })?;

    let delimiter = sniff_delimiter(text);
    // The csv crate keeps a whole record, field offsets included, before
    // handing it over: 20 MB of commas would be one record of 20 million
    // fields. Counting fields first bounds that, empty fields included.
    if count_fields(text, delimiter) > limits.cells {
        return Err(ReadError::TooManyCells { max: limits.cells });
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());

    // The csv crate silently skips blank lines, which Excel shows as empty
    // rows. A record's Excel row is one plus the line breaks before its
    // first byte, less those inside earlier quoted fields. The csv crate
    // reports where it stood before the record (its line count and byte
    // offset); the skipped blank lines are the run of CR/LF from there.
    let mut table = TableBuilder::new();
    let mut record = csv::StringRecord::new();
    let mut number = 0usize;
    let mut quoted_newlines = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(csv_error(&error)),
        }
        let (line, byte) = record.position().map_or((1, 0), |p| (p.line(), p.byte()));
        let skipped = usize::try_from(byte)
            .ok()
            .and_then(|byte| text.as_bytes().get(byte..))
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count();
        let breaks_before = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX) + skipped;
        // `max` keeps rows apart in files that end lines with a bare CR,
        // which neither counting sees.
        number = (breaks_before.saturating_sub(quoted_newlines) + 1).max(number + 1);
        quoted_newlines += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();

        if number.is_multiple_of(1024) && Instant::now() > deadline {
            return Err(ReadError::TooSlow {
                seconds: limits.time.as_secs(),
            });
        }
        // Bytes bound characters from above: only long fields are counted.
        if record
            .iter()
            .any(|f| f.len() > limits.cell_chars && f.trim().chars().count() > limits.cell_chars)
        {
            return Err(ReadError::CellTooLong {
                max: limits.cell_chars,
            });
        }
        let width = record
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.trim().is_empty())
            .last()
            .map_or(0, |(last, _)| last + 1);
        let text = record.iter().take(width).map(|f| f.trim().len()).sum();
        table.reserve(width, text)?;
        let cells = record
            .iter()
            .take(width)
            .map(|f| f.trim().to_owned())
            .collect();
        table.push(number, cells)?;
    }
    table.finish()
}

/// An upper bound of the fields (cells) of a CSV text: one per delimiter
/// or line break outside quotes, plus one.
fn count_fields(text: &str, delimiter: u8) -> u64 {
    let mut quoted = false;
    let mut fields = 1u64;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => fields += 1,
            b if b == delimiter && !quoted => fields += 1,
            _ => {}
        }
    }
    fields
}

/// `;` when the header line has more semicolons than commas outside quotes:
/// Excel writes `;` where the locale uses the comma as decimal separator.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn csv_error(error: &csv::Error) -> ReadError {
    let description = match error.position() {
        Some(position) => format!("the CSV text cannot be read near line {}", position.line()),
        None => "the CSV text cannot be read".to_owned(),
    };
    ReadError::Damaged(description)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format, Workbook};

    fn workbook_bytes(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut workbook = Workbook::new();
        fill(workbook.add_worksheet());
        workbook.save_to_buffer().unwrap()
    }

    fn simple_workbook() -> Vec<u8> {
        workbook_bytes(|sheet| {
            sheet.write(0, 0, "Tên").unwrap();
            sheet.write(1, 0, "Mật ong").unwrap();
        })
    }

    fn csv_with_rows(rows: usize) -> Vec<u8> {
        let mut csv = String::from("ten,gia\n");
        for i in 0..rows {
            csv.push_str(&format!("san pham {i},{i}\n"));
        }
        csv.into_bytes()
    }

    /// A stored (uncompressed) ZIP holding one file, as a .docx or a zip of
    /// photos would be: a ZIP, but no workbook inside.
    fn zip_with(name: &str, content: &[u8]) -> Vec<u8> {
        let crc = crc32fast::hash(content);
        let (name_len, size) = (name.len() as u16, content.len() as u32);
        let mut zip = Vec::new();
        zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(name.as_bytes());
        zip.extend_from_slice(content);
        let directory_start = zip.len() as u32;
        zip.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        zip.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        zip.extend_from_slice(name.as_bytes());
        let directory_len = zip.len() as u32 - directory_start;
        zip.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
        zip.extend_from_slice(&directory_len.to_le_bytes());
        zip.extend_from_slice(&directory_start.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip
    }

    #[test]
    fn xlsx_values_read_as_excel_shows_them() {
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let bytes = workbook_bytes(|sheet| {
            // The header sits at B3, below a title and a blank row.
            sheet.write(0, 0, "Danh sách sản phẩm").unwrap();
            for (column, name) in ["Giá", "Tỉ lệ", "Hữu cơ", "Ngày", "Lúc", "Xa"]
                .iter()
                .enumerate()
            {
                sheet.write(2, column as u16 + 1, *name).unwrap();
            }
            sheet.write(3, 1, 150_000.0).unwrap();
            sheet.write(3, 2, 0.1).unwrap();
            sheet.write(3, 3, true).unwrap();
            sheet
                .write_number_with_format(3, 4, 45_943.0, &date)
                .unwrap();
            sheet
                .write_number_with_format(3, 5, 45_943.5, &date_time)
                .unwrap();
            sheet.write(4, 1, 1e20).unwrap();
            sheet.write(4, 2, "  giữa khoảng trắng  ").unwrap();
            sheet.write(4, 3, false).unwrap();
            sheet
                .write_number_with_format(4, 4, 25_569.0, &date)
                .unwrap();
            sheet.write_number_with_format(4, 5, 60.0, &date).unwrap();
        });

        let table = read_table("a.xlsx", &bytes).unwrap();
        assert_eq!(table.headers, ["Danh sách sản phẩm"]);
        let header = &table.rows[0];
        assert_eq!(header.number, 3);
        assert_eq!(
            header.cells,
            ["", "Giá", "Tỉ lệ", "Hữu cơ", "Ngày", "Lúc", "Xa"]
        );
        assert_eq!(table.rows[1].number, 4);
        assert_eq!(
            table.rows[1].cells,
            [
                "",
                "150000",
                "0.1",
                "TRUE",
                "2025-10-13",
                "2025-10-13 12:00:00"
            ]
        );
        // 60 is Excel's phantom 1900-02-29.
        assert_eq!(
            table.rows[2].cells,
            [
                "",
                "100000000000000000000",
                "giữa khoảng trắng",
                "FALSE",
                "1970-01-01",
                "1900-02-29"
            ]
        );
    }

    #[test]
    fn xlsx_header_is_the_first_non_blank_row_and_numbers_match_excel() {
        let bytes = workbook_bytes(|sheet| {
            sheet.write(1, 2, "Tên").unwrap();
            sheet.write(2, 2, "Chè").unwrap();
            sheet.write(3, 2, "   ").unwrap();
            sheet.write(6, 2, "Mắm").unwrap();
        });

        let table = read_table("a.xlsx", &bytes).unwrap();
        assert_eq!(table.headers, ["", "", "Tên"]);
        let numbers: Vec<usize> = table.rows.iter().map(|row| row.number).collect();
        assert_eq!(numbers, [3, 7]);
        assert_eq!(table.cell(&table.rows[1], 2), "Mắm");
        assert_eq!(table.cell(&table.rows[1], 9), "");
    }

    #[test]
    fn csv_blank_rows_are_skipped_but_keep_excel_numbering() {
        let csv = "ten,ghi chu\r\n\r\nChè,\"hai\r\ndòng\"\r\n , \r\n\r\nMắm,x\r\n";

        let table = read_table("a.csv", csv.as_bytes()).unwrap();
        let numbers: Vec<usize> = table.rows.iter().map(|row| row.number).collect();
        // Excel: 1 header, 2 blank, 3 Chè (two lines tall), 4 blanks, 5 blank, 6 Mắm.
        assert_eq!(numbers, [3, 6]);
        assert_eq!(table.rows[0].cells, ["Chè", "hai\r\ndòng"]);
        assert_eq!(table.rows[1].cells, ["Mắm", "x"]);
    }

    #[test]
    fn semicolon_csv_from_a_vietnamese_excel_is_read() {
        let csv = "\u{FEFF}Tên;Giá;Ghi chú\r\nMật ong;150000;\"ngọt; thơm, sánh\"\r\nChè;1,5\r\n";

        let table = read_table("a.csv", csv.as_bytes()).unwrap();
        assert_eq!(table.headers, ["Tên", "Giá", "Ghi chú"]);
        assert_eq!(
            table.rows[0].cells,
            ["Mật ong", "150000", "ngọt; thơm, sánh"]
        );
        assert_eq!(table.rows[1].cells, ["Chè", "1,5"]);
        assert_eq!(table.rows[1].number, 3);
    }

    #[test]
    fn comma_wins_when_the_header_has_as_many_commas() {
        let table = read_table("a.csv", b"a;b,c\n1;2,3\n").unwrap();
        assert_eq!(table.headers, ["a;b", "c"]);
    }

    #[test]
    fn image_or_text_named_xlsx_is_not_a_workbook() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(read_table("a.xlsx", png), Err(ReadError::NotXlsx));
        assert_eq!(
            read_table("a.xlsx", b"ten,gia\nche,1\n"),
            Err(ReadError::NotXlsx)
        );
        let docx_like = zip_with("word/document.xml", b"<w:document/>");
        assert_eq!(read_table("a.xlsx", &docx_like), Err(ReadError::NotXlsx));
    }

    #[test]
    fn workbook_or_image_named_csv_is_not_csv() {
        assert_eq!(
            read_table("a.csv", &simple_workbook()),
            Err(ReadError::NotCsv)
        );
        assert_eq!(read_table("a.csv", b"%PDF-1.7\n"), Err(ReadError::NotCsv));
        assert_eq!(read_table("a.csv", b"ten\0gia\n"), Err(ReadError::NotCsv));
    }

    #[test]
    fn only_xlsx_and_csv_names_are_accepted() {
        assert_eq!(
            read_table("a.txt", b"ten\n"),
            Err(ReadError::UnknownExtension)
        );
        assert_eq!(
            read_table("a.xls", &simple_workbook()),
            Err(ReadError::UnknownExtension)
        );
        assert_eq!(
            read_table("csv", b"ten\n"),
            Err(ReadError::UnknownExtension)
        );
        assert!(read_table("C:\\fakepath\\San Pham.CSV", b"ten\n").is_ok());
    }

    #[test]
    fn oversized_upload_is_refused_before_parsing() {
        let bytes = vec![b'a'; MAX_IMPORT_BYTES + 1];
        // Not a workbook either, but size is what the person must fix first.
        assert_eq!(
            read_table("a.xlsx", &bytes),
            Err(ReadError::TooLarge { max_mb: 20 })
        );
        assert_eq!(
            read_table("a.csv", &bytes),
            Err(ReadError::TooLarge { max_mb: 20 })
        );
    }

    #[test]
    fn row_limit_allows_fifty_thousand_data_rows_and_no_more() {
        let table = read_table("a.csv", &csv_with_rows(MAX_IMPORT_ROWS)).unwrap();
        assert_eq!(table.rows.len(), MAX_IMPORT_ROWS);
        assert_eq!(table.rows[MAX_IMPORT_ROWS - 1].number, MAX_IMPORT_ROWS + 1);

        let too_many = read_table("a.csv", &csv_with_rows(MAX_IMPORT_ROWS + 1));
        assert_eq!(
            too_many,
            Err(ReadError::TooManyRows {
                max: MAX_IMPORT_ROWS
            })
        );
    }

    #[test]
    fn xlsx_row_limit_is_enforced_too() {
        let bytes = workbook_bytes(|sheet| {
            sheet.write(0, 0, "Tên").unwrap();
            for row in 1..=(MAX_IMPORT_ROWS as u32 + 1) {
                sheet.write(row, 0, row).unwrap();
            }
        });
        assert_eq!(
            read_table("a.xlsx", &bytes),
            Err(ReadError::TooManyRows {
                max: MAX_IMPORT_ROWS
            })
        );
    }

    #[test]
    fn latin1_csv_names_the_line_to_fix() {
        assert_eq!(
            read_table("a.csv", b"t\xean,x\n"),
            Err(ReadError::NotUtf8 { line: 1 })
        );
        assert_eq!(
            read_table("a.csv", b"ten,gia\nche,1\nm\xe1m,2\n"),
            Err(ReadError::NotUtf8 { line: 3 })
        );
        // Excel's "Unicode Text" (UTF-16) needs the same advice.
        assert_eq!(
            read_table("a.csv", b"\xFF\xFEt\0e\0n\0"),
            Err(ReadError::NotUtf8 { line: 1 })
        );
    }

    #[test]
    fn truncated_workbook_is_refused_without_panic() {
        let bytes = simple_workbook();
        for cut in (4..bytes.len())
            .step_by(97)
            .chain([bytes.len() / 2, bytes.len() - 1])
        {
            let result = read_table("a.xlsx", &bytes[..cut]);
            assert!(
                matches!(result, Err(ReadError::NotXlsx | ReadError::Damaged(_))),
                "cut at {cut}: {result:?}"
            );
        }
    }

    #[test]
    fn damaged_description_is_fit_for_a_person() {
        let bytes = simple_workbook();
        let Err(ReadError::Damaged(description)) = read_table("a.xlsx", &bytes[..bytes.len() / 2])
        else {
            panic!("a half workbook should be damaged");
        };
        assert!(!description.contains('/'), "{description}");
    }

    #[test]
    fn files_without_a_header_are_empty() {
        assert_eq!(read_table("a.csv", b""), Err(ReadError::Empty));
        assert_eq!(
            read_table("a.csv", b"\xEF\xBB\xBF\r\n , \r\n"),
            Err(ReadError::Empty)
        );
        assert_eq!(
            read_table("a.xlsx", &workbook_bytes(|_| {})),
            Err(ReadError::Empty)
        );
    }

    #[test]
    fn ragged_csv_rows_are_accepted() {
        let table = read_table("a.csv", b"a,b,c\n1\n1,2,3,4\n").unwrap();
        assert_eq!(table.rows[0].cells, ["1"]);
        assert_eq!(table.cell(&table.rows[0], 2), "");
        assert_eq!(table.rows[1].cells, ["1", "2", "3", "4"]);
    }

    #[test]
    fn csv_numbers_count_blank_lines_before_the_header_and_bare_cr_lines() {
        let table = read_table("a.csv", b"\n\nten\nche\n").unwrap();
        assert_eq!(table.headers, ["ten"]);
        assert_eq!(table.rows[0].number, 4);

        let table = read_table("a.csv", b"ten\rche\rmam\r").unwrap();
        let numbers: Vec<usize> = table.rows.iter().map(|row| row.number).collect();
        assert_eq!(numbers, [2, 3]);
    }

    #[test]
    fn a_cloned_row_still_finds_its_cells() {
        let table = read_table("a.csv", b"a,b\n1,2\n3,4\n").unwrap();
        let row = table.rows[1].clone();
        assert_eq!(table.cell(&row, 1), "4");
        let stranger = Row {
            number: 99,
            cells: vec!["x".to_owned()],
        };
        assert_eq!(table.cell(&stranger, 0), "");
    }

    #[test]
    fn repeated_long_text_cannot_take_the_servers_memory() {
        // Shared strings make this workbook tiny on disk, yet read naively
        // it would unpack to 32 KB per row.
        let long = "x".repeat(32_000);
        let bytes = workbook_bytes(|sheet| {
            sheet.write(0, 0, "Mô tả").unwrap();
            for row in 1..=5_000 {
                sheet.write(row, 0, &long).unwrap();
            }
        });
        assert!(bytes.len() < MAX_IMPORT_BYTES);

        let Err(ReadError::Damaged(description)) = read_table("a.xlsx", &bytes) else {
            panic!("the memory budget should refuse this workbook");
        };
        assert!(description.contains("more data"), "{description}");
    }

    #[test]
    fn a_parser_panic_is_a_refused_file() {
        let result = guarded(|| panic!("a bug in a parser"));
        let Err(ReadError::Damaged(description)) = result else {
            panic!("a panic should become a refusal: {result:?}");
        };
        assert!(description.contains("could not be read"), "{description}");
    }

    #[test]
    fn csv_cell_and_field_budgets_hold() {
        // Twenty million empty fields on one line would cost the csv crate
        // their offsets before any check could see the record.
        let mut commas = b"a\n".to_vec();
        commas.resize(MAX_IMPORT_BYTES, b',');
        assert_eq!(
            read_table("a.csv", &commas),
            Err(ReadError::TooManyCells {
                max: Limits::IMPORT.cells
            })
        );
        // Commas inside quotes are text, not fields.
        let quoted = format!("a\n\"{}\"\n", ",".repeat(5_000_000));
        assert_eq!(
            read_table("a.csv", quoted.as_bytes()),
            Err(ReadError::CellTooLong { max: 32_767 })
        );
        let long = format!("a\n{}\n", "ư".repeat(32_767));
        assert_eq!(read_table("a.csv", long.as_bytes()).unwrap().rows.len(), 1);
        let too_long = format!("a\n{}\n", "ư".repeat(32_768));
        assert_eq!(
            read_table("a.csv", too_long.as_bytes()),
            Err(ReadError::CellTooLong { max: 32_767 })
        );
    }
}
