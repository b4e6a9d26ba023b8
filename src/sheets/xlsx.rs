//! A small streaming XLSX reader for imports, on the `zip` and `quick-xml`
//! crates, that trusts nothing the file declares.
//!
//! A workbook is a ZIP of XML parts; a few kilobytes can declare a trillion
//! shared strings or unpack to gigabytes of cells. So no count, size or
//! dimension from the file sizes anything here: every part is inflated and
//! parsed a buffer at a time, and the budgets in [`Limits`] (bytes unpacked
//! per part and in all, cells, shared strings, the length of one text, the
//! size of one XML token, nesting depth, time) are checked as the bytes
//! arrive, so a hostile file is refused after a bounded amount of work.

use std::borrow::Cow;
use std::cell::Cell as StdCell;
use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;
use std::time::Instant;

use quick_xml::Reader as XmlReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use super::read::{Limits, ReadError, Table, TableBuilder};

/// Excel's grid: 1,048,576 rows by 16,384 columns.
const EXCEL_MAX_ROWS: u32 = 1_048_576;
const EXCEL_MAX_COLUMNS: u32 = 16_384;

/// Parts are inflated into a buffer of this size, and the budgets and the
/// deadline are checked at each refill.
const CHUNK: usize = 64 * 1024;

/// Which budget a part's reader ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trip {
    /// This part unpacked to more than `Limits::entry_bytes`.
    Entry,
    /// All parts together unpacked to more than `Limits::total_bytes`.
    Total,
    /// One XML token (a text, a tag, a comment) grew past
    /// `Limits::token_bytes` before it ended.
    Token,
    /// The deadline passed.
    Time,
}

/// Wraps a part's inflating reader and counts what comes out of it.
struct Meter<R> {
    inner: R,
    entry_bytes: u64,
    /// Unpacked since the XML reader last returned an event.
    token_bytes: u64,
    budget: Budget,
    tripped: Option<Trip>,
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let limits = &self.budget.limits;
        let trip = if Instant::now() > self.budget.deadline {
            Some(Trip::Time)
        } else if self.entry_bytes > limits.entry_bytes {
            Some(Trip::Entry)
        } else if self.budget.total.get() > limits.total_bytes {
            Some(Trip::Total)
        } else if self.token_bytes > limits.token_bytes {
            Some(Trip::Token)
        } else {
            None
        };
        if let Some(trip) = trip {
            self.tripped = Some(trip);
            return Err(std::io::Error::other("import budget exceeded"));
        }
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        self.entry_bytes += n64;
        self.token_bytes += n64;
        self.budget.total.set(self.budget.total.get() + n64);
        Ok(n)
    }
}

type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;
type PartReader<'z, 'a> = XmlReader<BufReader<Meter<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>>;

/// The budgets of one reading, shared by its parts: the limits, the
/// deadline and the bytes unpacked so far by all parts.
#[derive(Clone)]
struct Budget {
    limits: Limits,
    deadline: Instant,
    total: Rc<StdCell<u64>>,
}

/// One XML part being read, with its nesting depth.
struct Part<'z, 'a> {
    xml: PartReader<'z, 'a>,
    depth: usize,
    /// Whether the reader is inside a text element, so that a token that
    /// grows too long is reported as an overlong cell rather than as
    /// malformed markup.
    in_text: bool,
}

impl Part<'_, '_> {
    /// The next event, or the budget that stopped the reading.
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, ReadError> {
        buf.clear();
        self.xml.get_mut().get_mut().token_bytes = 0;
        let event = match self.xml.read_event_into(buf) {
            Ok(event) => event,
            Err(error) => {
                let meter = self.xml.get_mut().get_mut();
                return Err(match meter.tripped {
                    Some(trip) => trip_error(trip, &meter.budget.limits, self.in_text),
                    None => xml_error(&error),
                });
            }
        };
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                let limit = self.xml.get_ref().get_ref().budget.limits.depth;
                if self.depth > limit {
                    return Err(ReadError::Damaged(
                        "the workbook's XML is nested too deeply".to_owned(),
                    ));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(event)
    }
}

fn trip_error(trip: Trip, limits: &Limits, in_text: bool) -> ReadError {
    match trip {
        Trip::Entry => ReadError::UnpacksTooLarge {
            max_mb: mb(limits.entry_bytes),
        },
        Trip::Total => ReadError::UnpacksTooLarge {
            max_mb: mb(limits.total_bytes),
        },
        Trip::Token if in_text => ReadError::CellTooLong {
            max: limits.cell_chars,
        },
        Trip::Token => {
            ReadError::Damaged("the workbook's XML holds an overlong piece of markup".to_owned())
        }
        Trip::Time => ReadError::TooSlow {
            seconds: limits.time.as_secs(),
        },
    }
}

fn mb(bytes: u64) -> usize {
    usize::try_from(bytes / (1024 * 1024)).unwrap_or(usize::MAX)
}

fn xml_error(_error: &quick_xml::Error) -> ReadError {
    // quick-xml's text names byte positions and internal tag names, which
    // mean nothing to the person; an inflate error surfaces here too.
    ReadError::Damaged("the workbook's XML is malformed or incomplete".to_owned())
}

fn zip_damaged() -> ReadError {
    ReadError::Damaged("the file is incomplete or its ZIP container is damaged".to_owned())
}

fn has(zip: &Zip<'_>, name: &str) -> bool {
    zip.index_for_name(name).is_some()
}

/// Opens the part `name` for streaming, or `None` when the ZIP has no such
/// entry.
fn open<'z, 'a>(
    zip: &'z mut Zip<'a>,
    budget: &Budget,
    name: &str,
) -> Result<Option<Part<'z, 'a>>, ReadError> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(ZipError::UnsupportedArchive(_)) => return Err(ReadError::NotXlsx),
        Err(_) => return Err(zip_damaged()),
    };
    let meter = Meter {
        inner: file,
        entry_bytes: 0,
        token_bytes: 0,
        budget: budget.clone(),
        tripped: None,
    };
    let mut xml = XmlReader::from_reader(BufReader::with_capacity(CHUNK, meter));
    let config = xml.config_mut();
    config.trim_text(false);
    config.expand_empty_elements = false;
    Ok(Some(Part {
        xml,
        depth: 0,
        in_text: false,
    }))
}

/// Reads the first worksheet of an XLSX workbook into a table.
pub(super) fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    let started = Instant::now();
    // Checked before the ZIP reader so that a renamed CSV or image gets a
    // clear answer rather than a ZIP parser's complaint.
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ReadError::NotXlsx);
    }
    // The ZIP reader keeps a record per entry of the central directory; a
    // workbook has a few dozen, so an archive of a hundred thousand empty
    // entries is refused before they are read.
    if central_entries(bytes) > limits.zip_entries {
        return Err(ReadError::Damaged(
            "the file holds far more parts than a workbook has".to_owned(),
        ));
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| zip_damaged())?;
    let budget = Budget {
        limits: limits.clone(),
        deadline: started + limits.time,
        total: Rc::new(StdCell::new(0)),
    };
    if !has(&zip, "xl/workbook.xml") || !has(&zip, "xl/_rels/workbook.xml.rels") {
        // A ZIP without the workbook parts: a .docx, a zip of photos, ...
        return Err(ReadError::NotXlsx);
    }
    let (sheet_id, date1904) = read_workbook(&mut zip, &budget)?;
    let rels = read_rels(&mut zip, &budget)?;
    let sheet_path = rels
        .iter()
        .find(|rel| rel.id == sheet_id)
        .map(|rel| part_path(&zip, &rel.target))
        .ok_or_else(|| ReadError::Damaged("the first worksheet is missing".to_owned()))?;
    let by_type = |suffix: &str, default: &str| {
        rels.iter()
            .find(|rel| rel.kind.ends_with(suffix))
            .map_or_else(|| default.to_owned(), |rel| part_path(&zip, &rel.target))
    };
    let styles_path = by_type("/styles", "xl/styles.xml");
    let strings_path = by_type("/sharedStrings", "xl/sharedStrings.xml");

    let formats = read_styles(&mut zip, &budget, &styles_path)?;
    let strings = read_shared_strings(&mut zip, &budget, &strings_path)?;
    let context = CellContext {
        strings: &strings,
        formats: &formats,
        date1904,
    };
    read_sheet(&mut zip, &budget, &sheet_path, &context)
}

/// How many central-directory records the file holds, counted by their
/// signature: an upper bound that costs one pass over the bytes.
fn central_entries(bytes: &[u8]) -> usize {
    bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count()
}

/// Where a relationship's target lives in the ZIP: relative to `xl/`,
/// unless it starts with `/`.
fn part_path(zip: &Zip<'_>, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_owned();
    }
    let relative = format!("xl/{target}");
    if !has(zip, &relative) && has(zip, target) {
        return target.to_owned();
    }
    relative
}

fn attr<'e>(element: &'e BytesStart<'_>, name: &str) -> Option<Cow<'e, str>> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .unwrap_or(a.value)
        })
}

/// The relationship id of the first sheet and whether dates count from 1904.
fn read_workbook(zip: &mut Zip<'_>, budget: &Budget) -> Result<(String, bool), ReadError> {
    let mut part = open(zip, budget, "xl/workbook.xml")?.ok_or(ReadError::NotXlsx)?;
    let mut buf = Vec::new();
    let mut date1904 = false;
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "workbookPr" => {
                    date1904 = attr(&e, "date1904").is_some_and(|v| v == "1" || v == "true");
                }
                "sheet" => {
                    // The relationship attribute is `r:id` under whatever
                    // prefix the file binds to the relationships namespace.
                    let id = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                        .map(|a| a.value.into_owned());
                    let id = id.ok_or_else(|| {
                        ReadError::Damaged("the first worksheet is missing".to_owned())
                    })?;
                    return Ok((id, date1904));
                }
                _ => {}
            },
            Event::Eof => {
                return Err(ReadError::Damaged(
                    "the workbook has no worksheet".to_owned(),
                ));
            }
            _ => {}
        }
    }
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn read_rels(zip: &mut Zip<'_>, budget: &Budget) -> Result<Vec<Relationship>, ReadError> {
    let mut part = open(zip, budget, "xl/_rels/workbook.xml.rels")?.ok_or(ReadError::NotXlsx)?;
    let mut buf = Vec::new();
    let mut rels = Vec::new();
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                // A workbook has one relationship per sheet, style part and
                // so on; thousands is no workbook.
                if rels.len() >= budget.limits.zip_entries {
                    return Err(ReadError::Damaged(
                        "the workbook lists far more parts than it can have".to_owned(),
                    ));
                }
                let get = |name: &str| attr(&e, name).map(Cow::into_owned).unwrap_or_default();
                rels.push(Relationship {
                    id: get("Id"),
                    kind: get("Type"),
                    target: get("Target"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(rels)
}

/// How a number format shows a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberKind {
    Number,
    DateTime,
    /// `[h]:mm:ss` and the like: shown as the plain number.
    Duration,
}

/// The number kind of each cell style (`cellXfs`), by index.
fn read_styles(
    zip: &mut Zip<'_>,
    budget: &Budget,
    path: &str,
) -> Result<Vec<NumberKind>, ReadError> {
    let Some(mut part) = open(zip, budget, path)? else {
        return Ok(Vec::new());
    };
    let limit = budget.limits.styles;
    let too_many = || ReadError::Damaged("the workbook has far too many cell styles".to_owned());
    let mut buf = Vec::new();
    let mut custom: HashMap<u32, NumberKind> = HashMap::new();
    let mut kinds = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "numFmt" => {
                if custom.len() >= limit {
                    return Err(too_many());
                }
                let id = attr(&e, "numFmtId").and_then(|v| v.trim().parse::<u32>().ok());
                let code = attr(&e, "formatCode").unwrap_or_default();
                if let Some(id) = id {
                    custom.insert(id, custom_format_kind(&code));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = true,
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Start(e) | Event::Empty(e) if in_cell_xfs && e.local_name().as_ref() == "xf" => {
                if kinds.len() >= limit {
                    return Err(too_many());
                }
                let id = attr(&e, "numFmtId").and_then(|v| v.trim().parse::<u32>().ok());
                let kind = id.map_or(NumberKind::Number, |id| {
                    custom
                        .get(&id)
                        .copied()
                        .unwrap_or_else(|| builtin_format_kind(id))
                });
                kinds.push(kind);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(kinds)
}

/// Excel's built-in number formats that show dates and times.
fn builtin_format_kind(id: u32) -> NumberKind {
    match id {
        14..=22 | 27..=36 | 45 | 47 | 50..=58 => NumberKind::DateTime,
        46 => NumberKind::Duration,
        _ => NumberKind::Number,
    }
}

/// Whether a custom format code shows a date: a d, m, y, h or s outside
/// quotes, escapes and brackets, in its first section; `[h]`, `[mm]` or
/// `[ss]` make it a duration. The same rules as calamine and openpyxl.
fn custom_format_kind(format: &str) -> NumberKind {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut am_pm = false;
    for c in format.chars() {
        match (c, escaped, quoted, am_pm, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => {}
            ('"', ..) => quoted = true,
            (';', ..) => return NumberKind::Number,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => am_pm = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::DateTime;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    NumberKind::Number
}

/// The shared strings, packed in one buffer: a string per entry of `ends`,
/// so a million short strings cost 4 bytes each beside their text.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        self.text.get(start..end)
    }
}

/// Gathers the text of a string item (`<si>` or `<is>`): the `<t>`
/// elements, plain or in rich-text runs, but not the phonetic guides
/// (`<rPh>`) that Japanese workbooks add.
struct TextItem {
    in_t: bool,
    phonetic: bool,
    chars: usize,
    max_chars: usize,
}

impl TextItem {
    fn new(max_chars: usize) -> Self {
        TextItem {
            in_t: false,
            phonetic: false,
            chars: 0,
            max_chars,
        }
    }

    /// Handles one event inside the item, appending its text to `out`.
    fn event(&mut self, event: &Event<'_>, out: &mut String) -> Result<(), ReadError> {
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "t" if !self.phonetic => self.in_t = true,
                "rPh" => self.phonetic = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => self.in_t = false,
                "rPh" => self.phonetic = false,
                _ => {}
            },
            Event::Text(t) if self.in_t => self.push(&t.xml10_content(), out)?,
            Event::CData(t) if self.in_t => self.push(&t.xml10_content(), out)?,
            Event::GeneralRef(r) if self.in_t => {
                let mut one = String::new();
                resolve_entity(r, &mut one)?;
                self.push(&one, out)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn push(&mut self, text: &str, out: &mut String) -> Result<(), ReadError> {
        self.chars += text.chars().count();
        if self.chars > self.max_chars {
            return Err(ReadError::CellTooLong {
                max: self.max_chars,
            });
        }
        out.push_str(text);
        Ok(())
    }
}

fn resolve_entity(entity: &BytesRef<'_>, out: &mut String) -> Result<(), ReadError> {
    let text = match entity.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => match entity.resolve_char_ref() {
            Ok(Some(c)) => {
                out.push(c);
                return Ok(());
            }
            _ => {
                return Err(ReadError::Damaged(
                    "the workbook's XML is malformed or incomplete".to_owned(),
                ));
            }
        },
    };
    out.push_str(text);
    Ok(())
}

/// Excel writes characters XML cannot hold (control characters, a lone
/// CR) as `_xHHHH_`.
fn unescape_excel(text: &str) -> Cow<'_, str> {
    if !text.contains("_x") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let escape = tail
            .get(2..6)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| tail.as_bytes().get(6) == Some(&b'_'))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
        match escape {
            Some(code) => {
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn read_shared_strings(
    zip: &mut Zip<'_>,
    budget: &Budget,
    path: &str,
) -> Result<SharedStrings, ReadError> {
    let mut strings = SharedStrings::default();
    let Some(mut part) = open(zip, budget, path)? else {
        return Ok(strings);
    };
    let limits = &budget.limits;
    let too_many = ReadError::TooManyTexts {
        max: limits.shared_strings,
    };
    let mut buf = Vec::new();
    let mut item: Option<TextItem> = None;
    let mut current = String::new();
    loop {
        let event = part.next(&mut buf)?;
        match &event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sst" => {
                // The declared count sizes nothing; it only lets a file that
                // announces more strings than the budget be refused at once.
                if let Some(count) = attr(e, "uniqueCount") {
                    let count = count.trim();
                    let over = match count.parse::<u64>() {
                        Ok(n) => n > limits.shared_strings as u64,
                        Err(_) => !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()),
                    };
                    if over {
                        return Err(too_many);
                    }
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                item = Some(TextItem::new(limits.cell_chars));
                current.clear();
            }
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                push_shared(&mut strings, "", limits)?;
            }
            Event::End(e) if e.local_name().as_ref() == "si" => {
                item = None;
                part.in_text = false;
                let text = unescape_excel(&current);
                push_shared(&mut strings, &text, limits)?;
            }
            Event::Eof => break,
            other => {
                if let Some(item) = item.as_mut() {
                    item.event(other, &mut current)?;
                    part.in_text = item.in_t;
                }
            }
        }
    }
    Ok(strings)
}

fn push_shared(strings: &mut SharedStrings, text: &str, limits: &Limits) -> Result<(), ReadError> {
    if strings.ends.len() >= limits.shared_strings {
        return Err(ReadError::TooManyTexts {
            max: limits.shared_strings,
        });
    }
    if strings.text.len() + text.len() > limits.shared_bytes {
        return Err(ReadError::TooMuchText {
            max_mb: limits.shared_bytes / (1024 * 1024),
        });
    }
    strings.text.push_str(text);
    // Within u32: the budget above is far below 4 GB.
    strings.ends.push(strings.text.len() as u32);
    Ok(())
}

struct CellContext<'s> {
    strings: &'s SharedStrings,
    formats: &'s [NumberKind],
    date1904: bool,
}

/// The cell being read: its place, type, style and raw value.
struct CellState {
    row: u32,
    column: u32,
    kind: String,
    style: Option<usize>,
    value: String,
    in_v: bool,
    inline: Option<TextItem>,
}

fn read_sheet(
    zip: &mut Zip<'_>,
    budget: &Budget,
    path: &str,
    context: &CellContext<'_>,
) -> Result<Table, ReadError> {
    let limits = &budget.limits;
    let mut part = open(zip, budget, path)?
        .ok_or_else(|| ReadError::Damaged("the first worksheet is missing".to_owned()))?;
    let mut buf = Vec::new();
    let mut table = TableBuilder::new();
    let mut cells_seen: u64 = 0;
    // The row the XML is in, and the last cell's place, for cells and rows
    // that leave out their reference.
    let mut xml_row: u32 = 0;
    let mut last: Option<(u32, u32)> = None;
    let mut current_row: Option<u32> = None;
    let mut row_cells: Vec<(usize, String)> = Vec::new();
    let mut cell: Option<CellState> = None;
    let mut in_sheet_data = false;
    loop {
        let event = part.next(&mut buf)?;
        match &event {
            Event::Start(e) if e.local_name().as_ref() == "sheetData" => in_sheet_data = true,
            Event::End(e) if e.local_name().as_ref() == "sheetData" => break,
            Event::Eof => {
                if in_sheet_data {
                    return Err(ReadError::Damaged(
                        "the workbook's XML is malformed or incomplete".to_owned(),
                    ));
                }
                break;
            }
            _ if !in_sheet_data => {}
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                xml_row = match attr(e, "r") {
                    Some(r) => r
                        .trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|r| (1..=EXCEL_MAX_ROWS).contains(r))
                        .ok_or_else(outside_grid)?,
                    None => xml_row + 1,
                };
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "c" => {
                // Empty cells count: a sheet of a hundred million `<c/>` is
                // work even if it holds nothing.
                cells_seen += 1;
                if cells_seen > limits.cells {
                    return Err(ReadError::TooManyCells { max: limits.cells });
                }
                let (row, column) = match attr(e, "r") {
                    Some(reference) => parse_reference(&reference)?,
                    None => match last {
                        Some((row, column)) if row == xml_row.max(1) => (row, column + 1),
                        _ => (xml_row.max(1), 1),
                    },
                };
                if row > EXCEL_MAX_ROWS || column > EXCEL_MAX_COLUMNS {
                    return Err(outside_grid());
                }
                if last.is_some_and(|previous| (row, column) <= previous) {
                    return Err(ReadError::Damaged(
                        "the cells of the sheet are out of order".to_owned(),
                    ));
                }
                last = Some((row, column));
                match current_row {
                    Some(current) if row > current => {
                        flush_row(&mut table, current, &mut row_cells)?;
                        current_row = Some(row);
                    }
                    Some(_) => {}
                    None => current_row = Some(row),
                }
                let state = CellState {
                    row,
                    column,
                    kind: attr(e, "t").map(Cow::into_owned).unwrap_or_default(),
                    style: attr(e, "s").and_then(|s| s.trim().parse().ok()),
                    value: String::new(),
                    in_v: false,
                    inline: None,
                };
                if matches!(event, Event::Start(_)) {
                    cell = Some(state);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "c" => {
                if let Some(state) = cell.take() {
                    part.in_text = false;
                    let text = cell_text(&state, context)?;
                    let text = text.trim();
                    if !text.is_empty() {
                        // Counted per cell: a hostile row may repeat one
                        // long shared string endlessly.
                        table.reserve(1, text.len())?;
                        debug_assert_eq!(Some(state.row), current_row);
                        row_cells.push(((state.column - 1) as usize, text.to_owned()));
                    }
                }
            }
            other => {
                if let Some(state) = cell.as_mut() {
                    cell_event(state, other, limits.cell_chars)?;
                    part.in_text = state.in_v || state.inline.as_ref().is_some_and(|i| i.in_t);
                }
            }
        }
    }
    if let Some(current) = current_row {
        flush_row(&mut table, current, &mut row_cells)?;
    }
    table.finish()
}

fn outside_grid() -> ReadError {
    ReadError::Damaged("a cell lies outside Excel's grid".to_owned())
}

/// Handles an event inside a `<c>` element: its `<v>` value or its inline
/// string; formulas (`<f>`) are skipped, their cached value is what Excel
/// shows.
fn cell_event(state: &mut CellState, event: &Event<'_>, max_chars: usize) -> Result<(), ReadError> {
    if let Some(item) = state.inline.as_mut() {
        if let Event::End(e) = event
            && e.local_name().as_ref() == "is"
        {
            state.value = unescape_excel(&state.value).into_owned();
            state.inline = None;
            // Keep the collected text; a later `<v>` is ignored.
            state.kind = "inlineStr".to_owned();
            return Ok(());
        }
        return item.event(event, &mut state.value);
    }
    match event {
        Event::Start(e) => match e.local_name().as_ref() {
            "v" => {
                state.value.clear();
                state.in_v = true;
            }
            "is" => {
                state.value.clear();
                state.inline = Some(TextItem::new(max_chars));
            }
            _ => {}
        },
        Event::End(e) if e.local_name().as_ref() == "v" => state.in_v = false,
        Event::Text(t) if state.in_v => push_value(state, &t.xml10_content(), max_chars)?,
        Event::CData(t) if state.in_v => push_value(state, &t.xml10_content(), max_chars)?,
        Event::GeneralRef(r) if state.in_v => {
            let mut one = String::new();
            resolve_entity(r, &mut one)?;
            push_value(state, &one, max_chars)?;
        }
        _ => {}
    }
    Ok(())
}

fn push_value(state: &mut CellState, text: &str, max_chars: usize) -> Result<(), ReadError> {
    // Bytes bound chars from above; counting chars is only needed near the
    // limit.
    if state.value.len() + text.len() > max_chars
        && state.value.chars().count() + text.chars().count() > max_chars
    {
        return Err(ReadError::CellTooLong { max: max_chars });
    }
    state.value.push_str(text);
    Ok(())
}

/// A cell's value as the person would read it in Excel.
fn cell_text<'c>(
    state: &'c CellState,
    context: &'c CellContext<'_>,
) -> Result<Cow<'c, str>, ReadError> {
    let value = state.value.as_str();
    let unreadable = || ReadError::Damaged("a cell holds a value that cannot be read".to_owned());
    Ok(match state.kind.as_str() {
        "s" => {
            let index: usize = value.trim().parse().map_err(|_| unreadable())?;
            Cow::Borrowed(context.strings.get(index).ok_or_else(|| {
                ReadError::Damaged("a cell refers to a text the workbook does not have".to_owned())
            })?)
        }
        "inlineStr" | "d" => Cow::Borrowed(value),
        "str" => unescape_excel(value),
        "b" => match value.trim() {
            "1" | "true" => Cow::Borrowed("TRUE"),
            "0" | "false" => Cow::Borrowed("FALSE"),
            "" => Cow::Borrowed(""),
            _ => return Err(unreadable()),
        },
        "e" => Cow::Borrowed(""),
        "n" | "" => {
            let value = value.trim();
            if value.is_empty() {
                return Ok(Cow::Borrowed(""));
            }
            let number: f64 = value.parse().map_err(|_| unreadable())?;
            if !number.is_finite() {
                return Err(unreadable());
            }
            let kind = state
                .style
                .and_then(|s| context.formats.get(s))
                .copied()
                .unwrap_or(NumberKind::Number);
            Cow::Owned(match kind {
                NumberKind::DateTime => date_text(number, context.date1904),
                NumberKind::Number | NumberKind::Duration => number_text(number),
            })
        }
        _ => return Err(unreadable()),
    })
}

/// `A1` as 1-based (row, column).
fn parse_reference(reference: &str) -> Result<(u32, u32), ReadError> {
    let invalid = || ReadError::Damaged("a cell reference is invalid".to_owned());
    let reference = reference.trim();
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let (column_part, row_part) = reference.split_at(letters);
    if column_part.is_empty() || column_part.len() > 3 || row_part.is_empty() {
        return Err(invalid());
    }
    let column = column_part.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row = row_part.parse::<u32>().map_err(|_| invalid())?;
    if row == 0 {
        return Err(invalid());
    }
    Ok((row, column))
}

/// Turns the sparse cells of one sheet row into a row of the table.
fn flush_row(
    table: &mut TableBuilder,
    row: u32,
    row_cells: &mut Vec<(usize, String)>,
) -> Result<(), ReadError> {
    // The text was counted as the cells arrived; the row's width was not.
    let width = row_cells
        .iter()
        .map(|(column, _)| column + 1)
        .max()
        .unwrap_or(0);
    table.reserve(width, 0)?;
    let mut cells = vec![String::new(); width];
    for (column, value) in row_cells.drain(..) {
        cells[column] = value;
    }
    table.push(row as usize, cells)
}

/// Whole numbers without ".0": Excel stores every number as a float, and a
/// price of 150000 must read back as "150000", not "150000.0".
fn number_text(n: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        // Exact: a whole float within ±2^53 converts to i64 without loss.
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// An Excel date serial as `YYYY-MM-DD` (with ` HH:MM:SS` when it has a
/// time), with Excel's 1900 leap-year bug and the 1904 epoch.
fn date_text(serial: f64, date1904: bool) -> String {
    // Outside Excel's date range Excel shows "#####"; rather than invent a
    // date, the number is shown.
    if !(0.0..2_958_466.0).contains(&serial) {
        return number_text(serial);
    }
    let mut days = serial.floor() as i64;
    let day_seconds = serial.fract() * 86_400.0;
    let mut seconds = day_seconds as i64;
    if (day_seconds.fract() * 1000.0).round() >= 1000.0 {
        seconds += 1;
    }
    if seconds >= 86_400 {
        days += 1;
        seconds = 0;
    }
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let date = if date1904 {
        chrono::NaiveDate::from_ymd_opt(1904, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(days as u64)))
    } else if days == 60 {
        // The 29th of February 1900 that Excel believes in.
        return with_time("1900-02-29".to_owned(), hour, minute, second);
    } else if days < 60 {
        chrono::NaiveDate::from_ymd_opt(1899, 12, 31)
            .and_then(|d| d.checked_add_days(chrono::Days::new(days as u64)))
    } else {
        chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(days as u64)))
    };
    match date {
        Some(date) => with_time(date.format("%Y-%m-%d").to_string(), hour, minute, second),
        None => number_text(serial),
    }
}

fn with_time(date: String, hour: i64, minute: i64, second: i64) -> String {
    if (hour, minute, second) == (0, 0, 0) {
        date
    } else {
        format!("{date} {hour:02}:{minute:02}:{second:02}")
    }
}

#[cfg(test)]
mod tests {
    //! Hostile workbooks, built in memory: each must be refused with the
    //! error that names its problem, quickly, because a budget stops the
    //! reading long before the file's declared or unpacked size is reached.

    use std::time::{Duration, Instant};

    use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
    use miniz_oxide::deflate::stream::deflate;
    use miniz_oxide::{MZFlush, MZStatus};

    use super::super::read::{Limits, ReadError, read_table_within};
    use crate::sheets::read_table;

    /// One ZIP entry: deflated bytes, or stored when `method` is 0.
    pub(crate) struct Entry {
        pub name: String,
        pub method: u16,
        pub data: Vec<u8>,
        pub crc: u32,
        pub size: u32,
    }

    impl Entry {
        pub fn deflated(name: &str, content: &[u8]) -> Entry {
            Entry::from_pieces(name, &[(content, 1)])
        }

        /// An entry whose content is each piece repeated its count of
        /// times, deflated piece by piece so that a gigabyte costs only
        /// the compressed size of one piece per repeat.
        pub fn from_pieces(name: &str, pieces: &[(&[u8], usize)]) -> Entry {
            let mut data = Vec::new();
            let mut crc = crc32fast::Hasher::new();
            let mut size = 0u64;
            for (index, (piece, repeats)) in pieces.iter().enumerate() {
                let block = deflate_block(piece, false);
                let mut piece_crc = crc32fast::Hasher::new();
                piece_crc.update(piece);
                for _ in 0..*repeats {
                    data.extend_from_slice(&block);
                    crc.combine(&piece_crc);
                }
                size += piece.len() as u64 * *repeats as u64;
                if index + 1 == pieces.len() {
                    data.extend_from_slice(&deflate_block(b"", true));
                }
            }
            Entry {
                name: name.to_owned(),
                method: 8,
                data,
                crc: crc.finalize(),
                size: u32::try_from(size).expect("under 4 GB"),
            }
        }
    }

    /// A raw deflate stream of `input` that ends byte-aligned (a sync
    /// flush), so that such blocks can be laid end to end; `last` ends the
    /// stream instead.
    fn deflate_block(input: &[u8], last: bool) -> Vec<u8> {
        let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(6, -15, 0));
        let mut out = vec![0u8; input.len() + input.len() / 8 + 1024];
        let flush = if last { MZFlush::Finish } else { MZFlush::Sync };
        let result = deflate(&mut compressor, input, &mut out, flush);
        assert!(matches!(
            result.status,
            Ok(MZStatus::Ok | MZStatus::StreamEnd)
        ));
        assert_eq!(result.bytes_consumed, input.len());
        out.truncate(result.bytes_written);
        out
    }

    /// A ZIP archive of the entries, written by hand so that tests control
    /// every declared size.
    pub(crate) fn zip(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for entry in entries {
            let offset = out.len() as u32;
            let header = |signature: &[u8], out: &mut Vec<u8>| {
                out.extend_from_slice(signature);
                out.extend_from_slice(&20u16.to_le_bytes()); // version
                out.extend_from_slice(&0u16.to_le_bytes()); // flags
                out.extend_from_slice(&entry.method.to_le_bytes());
                out.extend_from_slice(&[0; 4]); // time, date
                out.extend_from_slice(&entry.crc.to_le_bytes());
                out.extend_from_slice(&(entry.data.len() as u32).to_le_bytes());
                out.extend_from_slice(&entry.size.to_le_bytes());
                out.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
                out.extend_from_slice(&0u16.to_le_bytes()); // extra
            };
            header(b"PK\x03\x04", &mut out);
            out.extend_from_slice(entry.name.as_bytes());
            out.extend_from_slice(&entry.data);
            central.extend_from_slice(b"PK\x01\x02\x14\x00");
            header(b"", &mut central);
            central.extend_from_slice(&[0; 10]); // comment, disk, attributes
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(entry.name.as_bytes());
        }
        let start = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
        let count = (entries.len() as u16).to_le_bytes();
        out.extend_from_slice(&count);
        out.extend_from_slice(&count);
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// The parts every workbook needs, pointing at sheet1.xml and
    /// sharedStrings.xml.
    pub(crate) fn skeleton() -> Vec<Entry> {
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        let rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
        );
        vec![
            Entry::deflated("xl/workbook.xml", workbook.as_bytes()),
            Entry::deflated("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ]
    }

    /// A sheet part around `rows` (the inside of `<sheetData>`).
    pub(crate) fn sheet(rows: &str) -> Vec<u8> {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>"#).into_bytes()
    }

    const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;

    fn workbook(sheet_entry: Entry, strings_entry: Entry) -> Vec<u8> {
        let mut entries = skeleton();
        entries.push(sheet_entry);
        entries.push(strings_entry);
        zip(&entries)
    }

    fn strings_part(head: &str) -> Entry {
        Entry::deflated(
            "xl/sharedStrings.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?>{head}<si><t>Tên</t></si><si><r><t>Mật </t></r><r><rPr><b/></rPr><t xml:space="preserve">ong</t></r><rPh><t>x</t></rPh></si></sst>"#).as_bytes(),
        )
    }

    /// Reads with the import limits and checks it took under a second or
    /// two even in a debug build.
    fn read_quickly(bytes: &[u8]) -> Result<crate::sheets::Table, ReadError> {
        let started = Instant::now();
        let result = read_table("hostile.xlsx", bytes);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "took {took:?}: {result:?}");
        result
    }

    #[test]
    fn a_hand_made_workbook_reads_with_rich_text_entities_and_escapes() {
        let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Giá &amp; &#x111;ơn_x000D_vị</t></is></c></row>
            <row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3"><v>150000</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="str"><f>A1</f><v>x</v></c></row>"#;
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(rows)),
            strings_part(&format!(
                r#"<sst xmlns="{MAIN}" count="2" uniqueCount="2">"#
            )),
        );
        let table = read_quickly(&bytes).unwrap();
        assert_eq!(table.headers, ["Tên", "Giá & đơn\rvị"]);
        assert_eq!(table.rows[0].number, 3);
        assert_eq!(table.rows[0].cells, ["Mật ong", "150000", "TRUE", "", "x"]);
    }

    #[test]
    fn a_declared_trillion_shared_strings_is_refused_without_reserving_them() {
        for declared in [
            "1000000000000",
            "1000000000000000000",
            "99999999999999999999999",
        ] {
            let bytes = workbook(
                Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
                strings_part(&format!(r#"<sst xmlns="{MAIN}" uniqueCount="{declared}">"#)),
            );
            assert!(bytes.len() < 2048, "{} bytes", bytes.len());
            assert_eq!(
                read_quickly(&bytes),
                Err(ReadError::TooManyTexts {
                    max: Limits::IMPORT.shared_strings
                }),
                "{declared}"
            );
        }
        // A count that is not a number is only a wrong hint: ignored.
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
            strings_part(&format!(r#"<sst xmlns="{MAIN}" uniqueCount="1e18">"#)),
        );
        assert_eq!(read_quickly(&bytes).unwrap().headers, ["Tên"]);
    }

    #[test]
    fn a_gigabyte_shared_string_from_a_megabyte_file_is_refused_early() {
        let chunk = vec![b'a'; 1024 * 1024];
        let strings = Entry::from_pieces(
            "xl/sharedStrings.xml",
            &[
                (format!(r#"<sst xmlns="{MAIN}"><si><t>"#).as_bytes(), 1),
                (&chunk, 1024),
                (b"</t></si></sst>", 1),
            ],
        );
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
            strings,
        );
        assert!(bytes.len() < 2 * 1024 * 1024, "{} bytes", bytes.len());
        assert_eq!(
            read_quickly(&bytes),
            Err(ReadError::CellTooLong { max: 32_767 })
        );
    }

    #[test]
    fn a_long_string_split_by_entities_is_counted_too() {
        let text = "&amp;".repeat(40_000);
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
            Entry::deflated(
                "xl/sharedStrings.xml",
                format!(r#"<sst xmlns="{MAIN}"><si><t>{text}</t></si></sst>"#).as_bytes(),
            ),
        );
        assert_eq!(
            read_quickly(&bytes),
            Err(ReadError::CellTooLong { max: 32_767 })
        );
        let long_value = sheet(&format!(
            r#"<row><c t="inlineStr"><is><t>{}</t></is></c></row>"#,
            "ư".repeat(33_000)
        ));
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &long_value),
            strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)),
        );
        assert_eq!(
            read_quickly(&bytes),
            Err(ReadError::CellTooLong { max: 32_767 })
        );
    }

    #[test]
    fn sixteen_million_tiny_shared_strings_stop_at_the_budget() {
        let strings = Entry::from_pieces(
            "xl/sharedStrings.xml",
            &[
                (format!(r#"<sst xmlns="{MAIN}">"#).as_bytes(), 1),
                (&b"<si><t>a</t></si>".repeat(4096), 15_800_000 / 4096),
                (b"</sst>", 1),
            ],
        );
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
            strings,
        );
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        // A twentieth of the import's budget keeps a debug build fast;
        // .ci/hostile_files.sh sends this file to the release server.
        let limits = Limits {
            shared_strings: Limits::IMPORT.shared_strings / 20,
            ..Limits::IMPORT
        };
        let started = Instant::now();
        assert_eq!(
            read_table_within("a.xlsx", &bytes, &limits),
            Err(ReadError::TooManyTexts {
                max: limits.shared_strings
            })
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn gigabytes_of_empty_cells_are_refused_early() {
        // All at B2, as the file of the issue: refused at the second cell.
        let cells = Entry::from_pieces(
            "xl/worksheets/sheet1.xml",
            &[
                (
                    format!(r#"<worksheet xmlns="{MAIN}"><sheetData><row r="2">"#).as_bytes(),
                    1,
                ),
                (&br#"<c r="B2"></c>"#.repeat(65_536), 1536),
                (b"</row></sheetData></worksheet>", 1),
            ],
        );
        let bytes = workbook(cells, strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)));
        assert!(bytes.len() < 4 * 1024 * 1024, "{} bytes", bytes.len());
        let Err(ReadError::Damaged(description)) = read_quickly(&bytes) else {
            panic!("repeated cells should be refused");
        };
        assert!(description.contains("out of order"), "{description}");

        // In order, without references, full rows: the cell budget stops it.
        let row = format!("<row>{}</row>", "<c/>".repeat(16_384));
        let cells = Entry::from_pieces(
            "xl/worksheets/sheet1.xml",
            &[
                (
                    format!(r#"<worksheet xmlns="{MAIN}"><sheetData>"#).as_bytes(),
                    1,
                ),
                (row.as_bytes(), 50_000),
                (b"</sheetData></worksheet>", 1),
            ],
        );
        let bytes = workbook(cells, strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)));
        let limits = Limits {
            cells: Limits::IMPORT.cells / 20,
            ..Limits::IMPORT
        };
        let started = Instant::now();
        assert_eq!(
            read_table_within("a.xlsx", &bytes, &limits),
            Err(ReadError::TooManyCells { max: limits.cells })
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_zip_bomb_entry_is_refused_early() {
        // Two gigabytes of zeros: no XML token may grow that long.
        let bomb = Entry::from_pieces(
            "xl/worksheets/sheet1.xml",
            &[(&vec![0u8; 1024 * 1024], 2047)],
        );
        let bytes = workbook(bomb, strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)));
        assert!(bytes.len() < 4 * 1024 * 1024, "{} bytes", bytes.len());
        assert!(matches!(read_quickly(&bytes), Err(ReadError::Damaged(_))));

        // Valid, endless markup: the unpacked-bytes budget stops it. Small
        // limits keep the test fast; the import's are 64 times larger.
        let limits = Limits {
            entry_bytes: 4 * 1024 * 1024,
            total_bytes: 6 * 1024 * 1024,
            ..Limits::IMPORT
        };
        let comments = |name: &str| {
            Entry::from_pieces(
                name,
                &[
                    (
                        format!(r#"<worksheet xmlns="{MAIN}"><sheetData>"#).as_bytes(),
                        1,
                    ),
                    (&b"<!---->".repeat(4096), 100_000),
                    (b"</sheetData></worksheet>", 1),
                ],
            )
        };
        let bytes = workbook(
            comments("xl/worksheets/sheet1.xml"),
            strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)),
        );
        assert_eq!(
            read_table_within("a.xlsx", &bytes, &limits),
            Err(ReadError::UnpacksTooLarge { max_mb: 4 })
        );
        // Under the per-entry budget each, over the total together.
        let half = |name: &str, pad: &str| {
            Entry::from_pieces(
                name,
                &[
                    (format!(r#"<sst xmlns="{MAIN}">"#).as_bytes(), 1),
                    (pad.as_bytes(), 3 * 1024 * 1024 / pad.len()),
                    (b"</sst>", 1),
                ],
            )
        };
        let mut entries = skeleton();
        entries.push(half("xl/sharedStrings.xml", "<!-- 0123456789abcdef -->"));
        entries.push(Entry::from_pieces(
            "xl/worksheets/sheet1.xml",
            &[
                (
                    format!(r#"<worksheet xmlns="{MAIN}"><sheetData>"#).as_bytes(),
                    1,
                ),
                (&b"<!---->".repeat(4096), 128),
                (b"</sheetData></worksheet>", 1),
            ],
        ));
        assert_eq!(
            read_table_within("a.xlsx", &zip(&entries), &limits),
            Err(ReadError::UnpacksTooLarge { max_mb: 6 })
        );
    }

    #[test]
    fn deeply_nested_or_odd_xml_is_refused() {
        let strings = || strings_part(&format!(r#"<sst xmlns="{MAIN}">"#));
        let nested = sheet(&format!(
            "{}{}",
            "<x>".repeat(100_000),
            "</x>".repeat(100_000)
        ));
        let Err(ReadError::Damaged(description)) = read_quickly(&workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &nested),
            strings(),
        )) else {
            panic!("deep nesting should be refused");
        };
        assert!(description.contains("nested too deeply"), "{description}");

        let laughs = format!(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><worksheet xmlns="{MAIN}"><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>"#
        );
        let odd: [&[u8]; 7] = [
            laughs.as_bytes(),
            b"<worksheet><sheetData><row><c><v>1</v></row></sheetData></worksheet>",
            b"<worksheet><sheetData><row><c r=\"A0\"><v>1</v></c></row></sheetData></worksheet>",
            b"<worksheet><sheetData><row><c r=\"XFE1\"><v>1</v></c></row></sheetData></worksheet>",
            b"<worksheet><sheetData><row r=\"9999999\"><c><v>1</v></c></row></sheetData></worksheet>",
            b"<worksheet><sheetData><row><c t=\"s\"><v>7</v></c></row></sheetData></worksheet>",
            b"<worksheet><sheetData><row><c><v>1</v></c>",
        ];
        for part in odd {
            let result = read_quickly(&workbook(
                Entry::deflated("xl/worksheets/sheet1.xml", part),
                strings(),
            ));
            assert!(
                matches!(result, Err(ReadError::Damaged(_))),
                "{}: {result:?}",
                String::from_utf8_lossy(part)
            );
        }
    }

    #[test]
    fn a_truncated_entry_is_damaged() {
        let rows: String = (1..=2000)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
            .collect();
        let mut entry = Entry::deflated("xl/worksheets/sheet1.xml", &sheet(&rows));
        entry.data.truncate(entry.data.len() / 2);
        let bytes = workbook(entry, strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)));
        let Err(ReadError::Damaged(description)) = read_quickly(&bytes) else {
            panic!("a cut entry should be damaged");
        };
        assert!(description.contains("incomplete"), "{description}");
    }

    #[test]
    fn a_zip_of_countless_entries_is_refused_before_it_is_listed() {
        let entries: Vec<Entry> = (0..20_000)
            .map(|i| Entry::deflated(&format!("{i}"), b""))
            .collect();
        let Err(ReadError::Damaged(description)) = read_quickly(&zip(&entries)) else {
            panic!("too many parts");
        };
        assert!(description.contains("parts"), "{description}");
    }

    #[test]
    fn the_deadline_stops_the_reading() {
        let limits = Limits {
            time: Duration::ZERO,
            ..Limits::IMPORT
        };
        let bytes = workbook(
            Entry::deflated("xl/worksheets/sheet1.xml", &sheet(HEADER_ROW)),
            strings_part(&format!(r#"<sst xmlns="{MAIN}">"#)),
        );
        assert_eq!(
            read_table_within("a.xlsx", &bytes, &limits),
            Err(ReadError::TooSlow { seconds: 0 })
        );
        assert_eq!(
            read_table_within("a.csv", &b"a\n".repeat(5000), &limits),
            Err(ReadError::TooSlow { seconds: 0 })
        );
    }

    #[test]
    fn custom_date_formats_are_recognised_as_excel_does() {
        use super::{NumberKind, custom_format_kind};
        assert_eq!(custom_format_kind("dd/mm/yyyy"), NumberKind::DateTime);
        assert_eq!(custom_format_kind("H:MM:SS;@"), NumberKind::DateTime);
        assert_eq!(custom_format_kind("[h]:mm:ss"), NumberKind::Duration);
        assert_eq!(custom_format_kind("#,##0\\ \"đ\""), NumberKind::Number);
        assert_eq!(custom_format_kind("0.00_);[Red](0.00)"), NumberKind::Number);
        assert_eq!(custom_format_kind("\"Ngày\" 0"), NumberKind::Number);
    }
}
