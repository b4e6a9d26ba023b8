//! Output tests: every QR code is decoded back with an independent decoder
//! (`rqrr`), PDFs are checked structurally and, when poppler-utils is
//! installed, rasterised and read back with its tools.

use std::path::Path;
use std::process::Command;

use super::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_code(seed: &mut u64) -> String {
    (0..16)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            char::from(ALPHABET[(*seed % 32) as usize])
        })
        .collect()
}

fn sample_label(i: usize, seed: &mut u64) -> LabelData {
    let code = random_code(seed);
    LabelData {
        url: format!("https://ocop.example.vn/s/{code}"),
        code,
        product_name: match i % 3 {
            0 => "Mật ong rừng".to_owned(),
            1 => "Chè Shan tuyết cổ thụ Pù Luông sấy lạnh đóng hộp quà tặng đặc biệt".to_owned(),
            _ => "Măng đắng & <ớt> \"đặc sản\"".to_owned(),
        },
        stars: [Some(3), None, Some(5), Some(4)][i % 4],
        seller_name: "HTX Nông sản Quan Hóa".to_owned(),
        lot_code: i
            .is_multiple_of(2)
            .then(|| format!("L2025-{:03}", i % 1000)),
    }
}

fn labels(n: usize, seed: u64) -> Vec<LabelData> {
    let mut seed = seed;
    (0..n).map(|i| sample_label(i, &mut seed)).collect()
}

/// Every QR code rqrr finds in a grey image, decoded.
fn decode_all(img: &image::GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32)[0],
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

fn decode_png(png: &[u8]) -> (image::GrayImage, Vec<String>) {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let found = decode_all(&img);
    (img, found)
}

#[test]
fn stamp_pngs_decode_back_to_their_urls() {
    let mut seed = 7;
    let mut encoder = QrEncoder::for_len(42).unwrap();
    assert_eq!(encoder.version(), 3);
    for i in 0..200 {
        let url = format!("https://ocop.example.vn/s/{}", random_code(&mut seed));
        let module_px = 1 + (i % 6) as u32;
        let png = encoder.png(url.as_bytes(), module_px).unwrap();
        let (img, found) = decode_png(&png);
        assert_eq!(img.width(), (29 + 8) * module_px);
        assert_eq!(found, vec![url.clone()], "module_px {module_px}");
        // The convenience function gives the same bytes.
        assert_eq!(stamp_png(&url, module_px), png);
    }
    // A 40-byte base URL: version 4.
    let base = "https://truyxuat.ocop.thanhhoa.gov.vn/ab";
    assert_eq!(base.len(), 40);
    let url = format!("{base}/s/{}", random_code(&mut seed));
    let mut encoder = QrEncoder::for_len(url.len()).unwrap();
    assert_eq!(encoder.version(), 4);
    let (_, found) = decode_png(&encoder.png(url.as_bytes(), 3).unwrap());
    assert_eq!(found, vec![url]);
}

/// 15 mm at 300 dpi is about 177 px for symbol and quiet zone: at whole
/// pixels per module (what the label PNG does) and with uneven modules
/// from nearest-neighbour scaling.
#[test]
fn qr_at_15mm_and_300dpi_decodes() {
    let mut seed = 99;
    let px = (15.0f32 * 300.0 / 25.4).round() as u32;
    assert_eq!(px, 177);
    for _ in 0..50 {
        let url = format!("https://ocop.example.vn/s/{}", random_code(&mut seed));
        let mut encoder = QrEncoder::for_len(59).unwrap(); // version 4: the worst case
        let matrix = encoder.encode(url.as_bytes()).unwrap().clone();
        let modules = matrix.size() + 2 * QUIET_ZONE;
        let img = image::GrayImage::from_fn(px, px, |x, y| {
            let mx = (x as usize * modules / px as usize) as isize - QUIET_ZONE as isize;
            let my = (y as usize * modules / px as usize) as isize - QUIET_ZONE as isize;
            let dark = mx >= 0 && my >= 0 && matrix.is_dark(mx as usize, my as usize);
            image::Luma([if dark { 0 } else { 255 }])
        });
        assert_eq!(decode_all(&img), vec![url.clone()]);
        let whole = encoder.png(url.as_bytes(), px / modules as u32).unwrap();
        assert_eq!(decode_png(&whole).1, vec![url]);
    }
}

#[test]
fn label_pngs_are_300_dpi_and_their_qr_decodes() {
    for layout in Layout::load_all().unwrap() {
        for label in labels(6, 3) {
            let png = render_label_png(&label, &layout);
            let (img, found) = decode_png(&png);
            let expect_w = (layout.label.width_mm * 300.0 / 25.4).round() as u32;
            let expect_h = (layout.label.height_mm * 300.0 / 25.4).round() as u32;
            assert_eq!((img.width(), img.height()), (expect_w, expect_h));
            assert_eq!(found, vec![label.url.clone()], "{}", layout.name);
        }
    }
    let roll = Layout::by_name("roll-40x30").unwrap();
    let png = render_label_png(&labels(1, 5)[0], &roll);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (472, 354));
    // pHYs says 300 dpi (11811 pixels per metre).
    let phys = png.windows(4).position(|w| w == b"pHYs").unwrap();
    assert_eq!(&png[phys + 4..phys + 8], &11811u32.to_be_bytes());
}

#[test]
fn label_text_is_shortened_not_overflowing() {
    let fonts = font::fonts().unwrap();
    for layout in Layout::load_all().unwrap() {
        for label in labels(4, 11) {
            for item in compose::compose(&label, &layout, Some(fonts)) {
                if let compose::Item::Text {
                    left,
                    size_pt,
                    bold,
                    text,
                    ..
                } = item
                {
                    let width = fonts.get(bold).width(&text, size_pt * layout::MM_PER_PT);
                    assert!(
                        left + width <= layout.label.width_mm - layout.padding_mm + 0.01,
                        "{}: {text:?} overflows",
                        layout.name
                    );
                    assert!(left >= 0.0);
                }
            }
        }
    }
}

#[test]
fn svg_has_a_qr_path_and_escaped_text() {
    let layout = Layout::by_name("a4-21").unwrap();
    let label = &labels(3, 17)[2];
    let svg = render_label_svg(label, &layout);
    assert!(
        svg.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"70mm\" height=\"42.3mm\""
        )
    );
    assert_eq!(svg.matches("<path ").count(), 1);
    assert!(svg.contains("&amp; &lt;ớt&gt; &quot;đặc"), "{svg}");
    assert!(svg.contains(&format!(">{SCAN_HINT}</text>")));
    assert!(svg.contains(&format!(">{}</text>", group_code(&label.code))));
    assert_eq!(svg.matches("<polygon ").count(), 5); // five stars
    assert!(!svg.contains("<ớt>"));
    // Rasterise the path ourselves and decode it: the geometry is right.
    let d_start = svg.find(" d=\"").unwrap() + 4;
    let d = &svg[d_start..d_start + svg[d_start..].find('"').unwrap()];
    let scale = 4u32;
    let side = (29 + 8) * scale;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([255]));
    for rect in d.split('z').filter(|r| !r.is_empty()) {
        // M{x} {y}h{len}v1h-{len}
        let rest = rect.trim_start_matches('M');
        let (x, rest) = rest.split_once(' ').unwrap();
        let (y, rest) = rest.split_once('h').unwrap();
        let len = rest.split_once('v').unwrap().0;
        let (x, y, len): (u32, u32, u32) =
            (x.parse().unwrap(), y.parse().unwrap(), len.parse().unwrap());
        for px in x * scale..(x + len) * scale {
            for py in y * scale..(y + 1) * scale {
                img.put_pixel(px, py, image::Luma([0]));
            }
        }
    }
    assert_eq!(decode_all(&img), vec![label.url.clone()]);
}

#[test]
fn zip_holds_one_decodable_png_per_label() {
    let layout = Layout::by_name("roll-40x30").unwrap();
    let input = labels(5, 23);
    let mut zip = Vec::new();
    let stats = write_label_pngs_zip(input.clone().into_iter(), &layout, &mut zip).unwrap();
    assert_eq!(stats.files, 5);
    assert_eq!(stats.bytes, zip.len() as u64);
    // Walk the local headers (stored entries) and decode each PNG.
    let mut at = 0;
    for (i, label) in input.iter().enumerate() {
        assert_eq!(&zip[at..at + 4], &[0x50, 0x4b, 0x03, 0x04]);
        let size = u32::from_le_bytes(zip[at + 18..at + 22].try_into().unwrap()) as usize;
        let name_len = u16::from_le_bytes(zip[at + 26..at + 28].try_into().unwrap()) as usize;
        let name = std::str::from_utf8(&zip[at + 30..at + 30 + name_len]).unwrap();
        assert_eq!(name, format!("{:05}-{}.png", i + 1, label.code));
        let png = &zip[at + 30 + name_len..at + 30 + name_len + size];
        assert_eq!(decode_png(png).1, vec![label.url.clone()]);
        at += 30 + name_len + size;
    }
    assert_eq!(&zip[at..at + 4], &[0x50, 0x4b, 0x01, 0x02]);
    if which("unzip") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.zip");
        std::fs::write(&path, &zip).unwrap();
        let out = Command::new("unzip").arg("-t").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

// --- PDF ----------------------------------------------------------------

fn render(n: usize, layout: &Layout) -> (Vec<LabelData>, Vec<u8>, PdfStats) {
    let input = labels(n, 42);
    let mut pdf = Vec::new();
    let stats = render_pdf(input.clone().into_iter(), layout, &mut pdf).unwrap();
    (input, pdf, stats)
}

#[test]
fn pdf_pages_xref_and_counts_are_consistent() {
    let layout = Layout::by_name("a4-40").unwrap();
    let (_, pdf, stats) = render(85, &layout);
    assert_eq!(
        stats,
        PdfStats {
            pages: 3,
            labels: 85,
            bytes: pdf.len() as u64
        }
    );
    assert!(pdf.starts_with(b"%PDF-1.7\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    // Every xref entry points at its object (the tail of the file is ASCII).
    let tail_at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let tail = std::str::from_utf8(&pdf[tail_at..]).unwrap();
    let start: usize = tail.lines().nth(1).unwrap().parse().unwrap();
    let xref = std::str::from_utf8(&pdf[start..]).unwrap();
    let size: usize = xref
        .lines()
        .nth(1)
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    for (id, line) in xref.lines().skip(3).take(size - 1).enumerate() {
        let offset: usize = line[..10].parse().unwrap();
        assert!(line.ends_with(" n"), "object {} missing", id + 1);
        assert!(
            pdf[offset..].starts_with(format!("{} 0 obj", id + 1).as_bytes()),
            "object {}",
            id + 1
        );
    }
    assert!(pdf.windows(8).any(|w| w == b"/Count 3"));
    // Fonts are subset: far smaller than the two 500 KB files.
    assert!(pdf.len() < 400_000, "{} bytes", pdf.len());

    let (_, empty, stats) = render(0, &layout);
    assert_eq!((stats.pages, stats.labels), (1, 0));
    assert!(empty.ends_with(b"%%EOF\n"));

    let roll = Layout::by_name("roll-40x30").unwrap();
    let (_, _, stats) = render(3, &roll);
    assert_eq!((stats.pages, stats.labels), (3, 3));
}

/// Pages reach the writer while labels are still coming: nothing is held
/// back until the end.
#[test]
fn pdf_streams_page_by_page() {
    use std::cell::Cell;
    use std::rc::Rc;

    struct Shared(Rc<Cell<u64>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + buf.len() as u64);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let layout = Layout::by_name("a4-40").unwrap();
    let written = Rc::new(Cell::new(0u64));
    let seen = Rc::clone(&written);
    let mut at_label = Vec::new();
    let input = labels(200, 5).into_iter().enumerate().map(|(i, label)| {
        if i % 40 == 0 {
            at_label.push(seen.get());
        }
        label
    });
    let stats = render_pdf(input, &layout, Shared(Rc::clone(&written))).unwrap();
    assert_eq!(stats.pages, 5);
    assert_eq!(stats.bytes, written.get());
    // Before label 41, page 1 is out; before label 81, page 2; and so on.
    assert!(
        at_label.windows(2).all(|w| w[1] > w[0] + 10_000),
        "{at_label:?}"
    );
}

#[test]
fn invalid_layouts_are_refused_by_the_renderers() {
    let mut layout = Layout::by_name("roll-40x30").unwrap();
    layout.label.height_mm = f32::NAN;
    let label = labels(1, 1).remove(0);
    assert!(render_label_png(&label, &layout).is_empty());
    let err = render_pdf(std::iter::once(label), &layout, std::io::sink()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn pdf_refuses_a_url_too_long_for_any_qr() {
    let layout = Layout::by_name("a4-40").unwrap();
    let mut label = labels(1, 1).remove(0);
    label.url = format!("https://ocop.example.vn/{}", "x".repeat(3000));
    let err = render_pdf(std::iter::once(label), &layout, std::io::sink()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

fn which(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .output()
        .map(|_| true)
        .unwrap_or(false)
}

fn poppler_available(test: &str) -> bool {
    let ok = ["pdftoppm", "pdffonts", "pdfinfo", "pdftotext"]
        .iter()
        .all(|t| which(t));
    if !ok {
        eprintln!(
            "skipping {test}: poppler-utils (pdftoppm, pdffonts, pdfinfo, pdftotext) not on PATH"
        );
    }
    ok
}

/// Runs a poppler tool on `file` and returns its standard output.
fn run(cmd: &str, args: &[&str], file: &Path) -> String {
    let mut command = Command::new(cmd);
    command.args(args).arg(file);
    if cmd == "pdftotext" {
        command.arg("-"); // to stdout rather than a .txt file
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pdf_reads_back_with_poppler() {
    if !poppler_available("pdf_reads_back_with_poppler") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::by_name("a4-40").unwrap();
    let (input, pdf, _) = render(85, &layout);
    let path = dir.path().join("a4-40.pdf");
    std::fs::write(&path, &pdf).unwrap();

    let info = run("pdfinfo", &[], &path);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");

    let fonts = run("pdffonts", &[], &path);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        // name, type (2 words), encoding, emb, sub, uni, object, id
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[0].contains("+NotoSans-"), "{row}");
        assert_eq!(&cols[1..4], ["CID", "TrueType", "Identity-H"], "{row}");
        assert_eq!(&cols[4..7], ["yes", "yes", "yes"], "emb, sub, uni: {row}");
    }

    let text = run("pdftotext", &["-enc", "UTF-8"], &path);
    assert!(text.contains(SCAN_HINT), "{text}");
    assert!(text.contains("Mật ong rừng"));
    assert!(text.contains("HTX Nông sản Quan Hóa"));
    assert!(text.contains(&group_code(&input[0].code)));
    assert!(text.contains("Lô: L2025-000"));

    // Page 1 at 300 dpi: one QR per label cell, each decoding to its URL.
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args([
            "-r",
            "300",
            "-f",
            "1",
            "-l",
            "1",
            "-gray",
            "-png",
            "-singlefile",
        ])
        .arg(&path)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    for (slot, label) in input.iter().take(layout.per_page()).enumerate() {
        assert_eq!(
            decode_all(&cell(&page, &layout, slot)),
            vec![label.url.clone()],
            "slot {slot}"
        );
    }
}

/// The label cell `slot` of a page rendered at 300 dpi.
fn cell(page: &image::GrayImage, layout: &Layout, slot: usize) -> image::GrayImage {
    let dpmm = 300.0 / 25.4;
    let (x, y) = layout.slot_origin(slot);
    image::imageops::crop_imm(
        page,
        (x * dpmm).round() as u32,
        (y * dpmm).round() as u32,
        (layout.label.width_mm * dpmm).floor() as u32,
        (layout.label.height_mm * dpmm).floor() as u32,
    )
    .to_image()
}

#[test]
fn pdf_other_layouts_rasterise_and_decode() {
    if !poppler_available("pdf_other_layouts_rasterise_and_decode") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["a4-21", "roll-40x30"] {
        let layout = Layout::by_name(name).unwrap();
        let (input, pdf, stats) = render(layout.per_page() + 1, &layout);
        assert_eq!(stats.pages, 2);
        let path = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let prefix = dir.path().join(name);
        let out = Command::new("pdftoppm")
            .args([
                "-r",
                "300",
                "-f",
                "1",
                "-l",
                "1",
                "-gray",
                "-png",
                "-singlefile",
            ])
            .arg(&path)
            .arg(&prefix)
            .output()
            .unwrap();
        assert!(out.status.success());
        let page = image::open(dir.path().join(format!("{name}.png")))
            .unwrap()
            .to_luma8();
        for (slot, label) in input.iter().take(layout.per_page()).enumerate() {
            assert_eq!(
                decode_all(&cell(&page, &layout, slot)),
                vec![label.url.clone()],
                "{name} slot {slot}"
            );
        }
        let text = run("pdftotext", &["-enc", "UTF-8"], &path);
        assert!(text.contains(SCAN_HINT), "{name}: {text}");
    }
}
