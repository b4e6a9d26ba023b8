//! Printing a stamp run: its stamps are read from the database a page at a
//! time and streamed into a PDF sheet, a ZIP of 300 dpi PNGs, or one SVG, so
//! a 100,000-stamp run renders in constant memory.

use std::collections::HashMap;
use std::io::Write;

use crate::db::DbConn;
use crate::db::models::{Certificate, Lot, Product, Seller, Stamp, StampRun, current_certificate};
use crate::domain::Reason;
use crate::error::AppError;
use crate::labels::{LabelData, Layout};
use crate::services::Actor;
use crate::services::catalog::today_vn;
use crate::services::stamps::managed_run;

/// Stamps read per query while rendering.
const PAGE: i64 = 1_000;

/// The output formats of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Vector PDF sheets in the layout's grid.
    Pdf,
    /// A ZIP of one 300 dpi PNG per label (thermal printers), or one PNG
    /// when a single serial is asked for.
    Png,
    /// One SVG label.
    Svg,
}

impl SheetFormat {
    pub fn parse(s: &str) -> Result<SheetFormat, Reason> {
        match s.trim() {
            "pdf" | "" => Ok(SheetFormat::Pdf),
            "png" => Ok(SheetFormat::Png),
            "svg" => Ok(SheetFormat::Svg),
            _ => Err(Reason::InvalidChoice),
        }
    }
}

/// What is printed on every label of a run, fixed before streaming.
struct RunContext {
    base_url: String,
    product_name: String,
    seller_name: String,
    stars: Option<u8>,
    lots: HashMap<i64, String>,
}

impl RunContext {
    fn label(&self, stamp: &PrintedStamp) -> LabelData {
        LabelData {
            url: format!("{}/s/{}", self.base_url, stamp.code),
            code: stamp.code.clone(),
            product_name: self.product_name.clone(),
            stars: self.stars,
            seller_name: self.seller_name.clone(),
            lot_code: stamp.lot_id.and_then(|id| self.lots.get(&id).cloned()),
        }
    }
}

/// What a label prints of one stamp.
#[derive(Debug, Clone)]
pub struct PrintedStamp {
    pub serial: i32,
    pub code: String,
    pub lot_id: Option<i64>,
}

/// Where a render reads its stamps from, a page at a time: a connection of
/// its own (the command line), or the pool, borrowing a connection for each
/// page only, so a long render never holds one.
pub trait StampSource {
    /// Up to `limit` stamps of `run_id` after serial `after`, in order.
    fn page(&mut self, run_id: i64, after: i32, limit: i64) -> Result<Vec<PrintedStamp>, AppError>;
}

impl StampSource for &mut DbConn {
    fn page(&mut self, run_id: i64, after: i32, limit: i64) -> Result<Vec<PrintedStamp>, AppError> {
        read_page(self, run_id, after, limit)
    }
}

/// One page of a run's stamps as printed.
pub fn read_page(
    conn: &mut DbConn,
    run_id: i64,
    after: i32,
    limit: i64,
) -> Result<Vec<PrintedStamp>, AppError> {
    Ok(Stamp::print_page_of_run(conn, run_id, after, limit)?
        .into_iter()
        .map(|(serial, code, lot_id)| PrintedStamp {
            serial,
            code,
            lot_id,
        })
        .collect())
}

/// A run's stamps as labels, fetched `PAGE` at a time.
struct Labels<'a> {
    source: &'a mut dyn StampSource,
    ctx: &'a RunContext,
    run_id: i64,
    after: i32,
    last: i32,
    buffer: std::vec::IntoIter<PrintedStamp>,
    error: Option<AppError>,
}

impl Iterator for Labels<'_> {
    type Item = LabelData;

    fn next(&mut self) -> Option<LabelData> {
        loop {
            if let Some(stamp) = self.buffer.next() {
                self.after = stamp.serial;
                return Some(self.ctx.label(&stamp));
            }
            if self.after >= self.last || self.error.is_some() {
                return None;
            }
            match self.source.page(self.run_id, self.after, PAGE) {
                Ok(rows) if rows.is_empty() => return None,
                Ok(rows) => {
                    let rows: Vec<PrintedStamp> =
                        rows.into_iter().filter(|s| s.serial <= self.last).collect();
                    if rows.is_empty() {
                        return None;
                    }
                    self.buffer = rows.into_iter();
                }
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
            }
        }
    }
}

/// A run ready to print.
pub struct PrintJob {
    pub run: StampRun,
    pub layout: Layout,
    pub format: SheetFormat,
    /// Only this serial (PNG and SVG of one label).
    pub serial: Option<i32>,
}

/// Checks that the actor may print the run and that layout and format exist.
pub fn prepare(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i64,
    layout: &str,
    format: &str,
    serial: Option<i32>,
) -> Result<PrintJob, AppError> {
    let run = managed_run(conn, actor, run_id)?;
    job_for(run, layout, format, serial)
}

/// The same without an actor, for the command line (the operator).
pub fn prepare_as_operator(
    conn: &mut DbConn,
    run_id: i64,
    layout: &str,
    format: &str,
    serial: Option<i32>,
) -> Result<PrintJob, AppError> {
    let run = StampRun::find(conn, run_id)?.ok_or(AppError::NotFound)?;
    job_for(run, layout, format, serial)
}

fn job_for(
    run: StampRun,
    layout: &str,
    format: &str,
    serial: Option<i32>,
) -> Result<PrintJob, AppError> {
    let layout_name = if layout.trim().is_empty() {
        run.layout.as_str()
    } else {
        layout.trim()
    };
    let layout = Layout::by_name(layout_name)
        .ok_or_else(|| AppError::field("layout", Reason::InvalidChoice))?;
    let format = SheetFormat::parse(format).map_err(|r| AppError::field("format", r))?;
    if let Some(s) = serial
        && !(1..=run.count).contains(&s)
    {
        return Err(AppError::field(
            "serial",
            Reason::OutOfRange {
                min: 1,
                max: i64::from(run.count),
            },
        ));
    }
    let serial = match format {
        SheetFormat::Svg => Some(serial.unwrap_or(1)),
        _ => serial,
    };
    // A ZIP without its 64-bit extension holds at most 65,535 files.
    if format == SheetFormat::Png && serial.is_none() && run.count > 65_535 {
        return Err(AppError::field(
            "format",
            Reason::OutOfRange {
                min: 1,
                max: 65_535,
            },
        ));
    }
    Ok(PrintJob {
        run,
        layout,
        format,
        serial,
    })
}

/// The file name and content type a download of `job` gets.
pub fn file_name(job: &PrintJob) -> (String, &'static str) {
    let base = format!("tem-{}-{}", job.run.id, job.layout.name);
    match (job.format, job.serial) {
        (SheetFormat::Pdf, _) => (format!("{base}.pdf"), "application/pdf"),
        (SheetFormat::Png, Some(s)) => (format!("{base}-{s}.png"), "image/png"),
        (SheetFormat::Png, None) => (format!("{base}.zip"), "application/zip"),
        (SheetFormat::Svg, s) => (format!("{base}-{}.svg", s.unwrap_or(1)), "image/svg+xml"),
    }
}

/// Labels a job prints: one when a serial is chosen, else the whole run.
pub fn label_count(job: &PrintJob) -> i32 {
    if job.serial.is_some() {
        1
    } else {
        job.run.count
    }
}

/// A job with everything its labels print but the stamps themselves, read
/// in one short step; the stamps follow page by page while rendering.
pub struct PrintPlan {
    pub job: PrintJob,
    ctx: RunContext,
}

/// Reads what every label of `job` prints: product, seller, stars, lots.
pub fn plan(conn: &mut DbConn, base_url: &str, job: PrintJob) -> Result<PrintPlan, AppError> {
    let run = &job.run;
    let product = Product::find(conn, run.product_id)?.ok_or(AppError::NotFound)?;
    let seller = Seller::find(conn, run.seller_id)?.ok_or(AppError::NotFound)?;
    let certs = Certificate::of_products(conn, &[product.id])?;
    // Stars print only while a certificate is in force on the day of printing.
    let stars = current_certificate(&certs, product.id, today_vn())
        .and_then(|c| u8::try_from(c.stars).ok());
    let lots = Lot::of_product(conn, product.id)?
        .into_iter()
        .map(|l| (l.id, l.code))
        .collect();
    let ctx = RunContext {
        base_url: base_url.to_owned(),
        product_name: product.name_vi,
        seller_name: seller.short_name,
        stars,
        lots,
    };
    Ok(PrintPlan { job, ctx })
}

/// Writes the job's output to `out` on the command line's own connection;
/// returns the number of labels.
pub fn render(
    conn: &mut DbConn,
    base_url: &str,
    job: PrintJob,
    out: impl Write,
) -> Result<usize, AppError> {
    let plan = plan(conn, base_url, job)?;
    let mut source = conn;
    render_plan(&plan, &mut source, out)
}

/// Writes a planned job's output to `out`, reading stamps from `source`;
/// returns the number of labels.
pub fn render_plan(
    plan: &PrintPlan,
    source: &mut dyn StampSource,
    out: impl Write,
) -> Result<usize, AppError> {
    let job = &plan.job;
    let (first, last) = match job.serial {
        Some(s) => (s - 1, s),
        None => (0, job.run.count),
    };
    let mut labels = Labels {
        source,
        ctx: &plan.ctx,
        run_id: job.run.id,
        after: first,
        last,
        buffer: Vec::new().into_iter(),
        error: None,
    };
    let io = |e: std::io::Error| AppError::io("writing labels", e);
    let count = match (job.format, job.serial) {
        (SheetFormat::Pdf, _) => {
            let stats = crate::labels::render_pdf(&mut labels, &job.layout, out).map_err(io)?;
            stats.labels
        }
        (SheetFormat::Png, None) => {
            let stats =
                crate::labels::write_label_pngs_zip(&mut labels, &job.layout, out).map_err(io)?;
            stats.files
        }
        (SheetFormat::Png, Some(_)) => match labels.next() {
            Some(label) => {
                let mut out = out;
                out.write_all(&crate::labels::render_label_png(&label, &job.layout))
                    .map_err(io)?;
                1
            }
            None => 0,
        },
        (SheetFormat::Svg, _) => match labels.next() {
            Some(label) => {
                let mut out = out;
                out.write_all(crate::labels::render_label_svg(&label, &job.layout).as_bytes())
                    .map_err(io)?;
                1
            }
            None => 0,
        },
    };
    if let Some(e) = labels.error.take() {
        return Err(e);
    }
    if count == 0 {
        return Err(AppError::NotFound);
    }
    Ok(count)
}
