//! Stamp output throughput and memory, on one thread.
//!
//! Run with `cargo bench --bench stamps`. Measures:
//! (a) stamp codes -> QR -> PNG per second, next to the straightforward
//!     `qrcode` + `image` path in the same process;
//! (b) PDF sheets (a4-40): labels and pages per second, bytes per page;
//! (c) peak memory (VmHWM) of PDF runs of 1,000 and 100,000 labels;
//! (d) 300 dpi thermal label PNGs (roll-40x30) per second.
//!
//! A sample of every output is decoded back with `rqrr` (outside the timed
//! loops) so that speed is never bought with unreadable codes.

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::time::Instant;

use ocop::labels::{LabelData, Layout, QrEncoder, render_label_png, render_pdf, stamp_png};

const STAMPS: usize = 10_000;
const MODULE_PX: u32 = 4;
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// xorshift64: codes need to look random, not be secure, here.
fn random_codes(n: usize, mut seed: u64) -> Vec<String> {
    (0..n)
        .map(|_| {
            (0..16)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(ALPHABET[(seed % 32) as usize])
                })
                .collect()
        })
        .collect()
}

fn url(code: &str) -> String {
    format!("https://ocop.example.vn/s/{code}")
}

fn decodes_to(png: &[u8], expected: &str) -> bool {
    let Ok(img) = image::load_from_memory(png) else {
        return false;
    };
    let img = img.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32)[0],
    );
    let grids = prepared.detect_grids();
    grids.len() == 1
        && grids[0]
            .decode()
            .map(|(_, s)| s == expected)
            .unwrap_or(false)
}

/// A `/proc/self/status` figure in KiB: "VmRSS" (now) or "VmHWM" (peak).
fn status_kib(key: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux 4.0+), so that each run's own
/// peak can be read.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[derive(Default)]
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn labels(codes: &[String]) -> impl Iterator<Item = LabelData> + '_ {
    codes.iter().enumerate().map(|(i, code)| LabelData {
        url: url(code),
        code: code.clone(),
        product_name: if i % 2 == 0 {
            "Mật ong rừng Pù Luông".to_owned()
        } else {
            "Chè Shan tuyết cổ thụ Pù Luông sấy lạnh đóng hộp quà tặng".to_owned()
        },
        stars: (i % 3 != 0).then_some(4),
        seller_name: "HTX Nông sản Quan Hóa".to_owned(),
        lot_code: Some(format!("L2025-{:03}", i % 50)),
    })
}

/// Labels as an endless stream without holding them: for the memory runs.
fn label_stream(n: usize) -> impl Iterator<Item = LabelData> {
    let mut seed = 0xFEED_F00D_u64;
    (0..n).map(move |i| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let code = random_codes(1, seed | 1).remove(0);
        LabelData {
            url: url(&code),
            code,
            product_name: "Mật ong rừng Pù Luông".to_owned(),
            stars: Some(4),
            seller_name: "HTX Nông sản Quan Hóa".to_owned(),
            lot_code: Some(format!("L2025-{:03}", i % 50)),
        }
    })
}

fn main() {
    let codes = random_codes(STAMPS, 0x5EED_1234_ABCD_0001);
    let urls: Vec<String> = codes.iter().map(|c| url(c)).collect();

    // (a) QR PNG stamps.
    let mut encoder = QrEncoder::for_len(urls[0].len()).expect("stamp URLs fit a QR code");
    let mut out = Vec::new();
    let mut bytes = 0usize;
    let start = Instant::now();
    for u in &urls {
        encoder
            .png_into(u.as_bytes(), MODULE_PX, &mut out)
            .expect("same-length URLs fit");
        bytes += out.len();
        black_box(&out);
    }
    let ours = STAMPS as f64 / start.elapsed().as_secs_f64();

    let start = Instant::now();
    for u in &urls {
        black_box(stamp_png(u, MODULE_PX));
    }
    let convenience = STAMPS as f64 / start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut reference_bytes = 0usize;
    for u in &urls {
        let code = qrcode::QrCode::with_error_correction_level(u.as_bytes(), qrcode::EcLevel::M)
            .expect("fits");
        let img = code
            .render::<image::Luma<u8>>()
            .module_dimensions(MODULE_PX, MODULE_PX)
            .build();
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("in memory");
        reference_bytes += png.len();
        black_box(png);
    }
    let reference = STAMPS as f64 / start.elapsed().as_secs_f64();

    let checked: Vec<usize> = (0..STAMPS).step_by(97).collect();
    let decoded = checked
        .iter()
        .filter(|&&i| decodes_to(&stamp_png(&urls[i], MODULE_PX), &urls[i]))
        .count();

    // (b) PDF sheets.
    let layout = Layout::by_name("a4-40").expect("a4-40 ships");
    let mut sink = Counting::default();
    let start = Instant::now();
    let stats = render_pdf(labels(&codes), &layout, &mut sink).expect("renders");
    let pdf_secs = start.elapsed().as_secs_f64();

    // (c) Memory: each run's own peak, to a counting writer.
    let mut peaks = Vec::new();
    for n in [1_000usize, 100_000] {
        reset_peak();
        let before = status_kib("VmRSS");
        let start = Instant::now();
        let s = render_pdf(label_stream(n), &layout, Counting::default()).expect("renders");
        peaks.push((
            n,
            before,
            status_kib("VmHWM"),
            s,
            start.elapsed().as_secs_f64(),
        ));
    }

    // (d) Thermal label PNGs.
    const LABEL_PNGS: usize = 1_000;
    let roll = Layout::by_name("roll-40x30").expect("roll-40x30 ships");
    let start = Instant::now();
    let mut label_bytes = 0;
    for label in labels(&codes[..LABEL_PNGS]) {
        let png = render_label_png(&label, &roll);
        label_bytes += png.len();
        black_box(png);
    }
    let label_pngs = LABEL_PNGS as f64 / start.elapsed().as_secs_f64();

    println!();
    println!("stamps benchmark (one thread, {STAMPS} random 16-character codes)");
    println!("{:-<72}", "");
    println!(
        "(a) QR -> PNG, {MODULE_PX} px/module, version {}-M, {} px square",
        encoder.version(),
        (encoder.size() + 8) * MODULE_PX as usize
    );
    println!(
        "    QrEncoder::png_into          {ours:>10.0} stamps/s   {:>5} B/PNG",
        bytes / STAMPS
    );
    println!("    stamp_png (thread-local)     {convenience:>10.0} stamps/s");
    println!(
        "    qrcode + image (reference)   {reference:>10.0} stamps/s   {:>5} B/PNG",
        reference_bytes / STAMPS
    );
    println!(
        "    speed-up over reference      {:>10.1}x",
        ours / reference
    );
    println!(
        "    decoded back with rqrr       {decoded:>10} / {}",
        checked.len()
    );
    println!(
        "(b) PDF a4-40, {} labels        {:>10.0} labels/s  {:>8.1} pages/s",
        stats.labels,
        stats.labels as f64 / pdf_secs,
        stats.pages as f64 / pdf_secs
    );
    println!(
        "    {} pages, {:.1} MB, {:.0} KB/page",
        stats.pages,
        stats.bytes as f64 / 1e6,
        stats.bytes as f64 / stats.pages as f64 / 1e3
    );
    println!("(c) PDF a4-40 to a counting writer: RSS before -> peak RSS (VmHWM) during");
    for (n, before, after, s, secs) in &peaks {
        println!(
            "    {n:>7} labels, {:>5} pages: {before:>7} KiB -> {after:>7} KiB ({:+} KiB), {:.1} MB out, {secs:.1} s",
            s.pages,
            after - before,
            s.bytes as f64 / 1e6
        );
    }
    println!(
        "(d) label PNG 300 dpi roll-40x30   {label_pngs:>10.0} labels/s  {:>5} B/PNG",
        label_bytes / LABEL_PNGS
    );
    println!("{:-<72}", "");
    if ours < 7_500.0 || decoded != checked.len() {
        println!("FAIL: need >= 7,500 PNG stamps/s, all decoding");
        std::process::exit(1);
    }
}
