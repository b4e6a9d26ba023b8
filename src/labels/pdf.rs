//! Label sheets as PDF, streamed page by page.
//!
//! Each page's content stream and page object are written to the output as
//! soon as the page is full; only their byte offsets stay in memory (for the
//! cross-reference table), plus the set of glyphs used (bounded by the font).
//! The fonts, the page tree and the catalog come last: by then the used
//! glyphs are known, so each font is embedded once, subset to them, with
//! widths and a ToUnicode map for exactly those glyphs.
//!
//! QR codes are vector: per row, one rectangle per run of dark modules, all
//! filled as one path (no hairline seams between rectangles). Text uses a
//! Type0 font with a CIDFontType2 descendant, Identity-H encoding and
//! CIDToGIDMap Identity, so character codes are glyph ids.

use std::collections::BTreeMap;
use std::io::{self, Write};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::writers::{Catalog, DocumentInfo};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref, Settings, Str, TextStr};

use super::LabelData;
use super::compose::{Item, compose, star_points};
use super::font::{Font, Fonts, fonts};
use super::layout::{Layout, MM_PER_PT};
use super::qr::{QUIET_ZONE, QrEncoder, QrError, version_for_len};
use super::subset::subset;

/// What [`render_pdf`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PdfStats {
    /// Pages (sheets, or roll labels).
    pub pages: usize,
    /// Labels printed.
    pub labels: usize,
    /// Bytes written to the output.
    pub bytes: u64,
}

const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
/// First of the five objects of each font: Type0, CIDFont, descriptor,
/// font file, ToUnicode.
const FONT_BASE: [i32; 2] = [4, 9];
const FONT_NAMES: [&[u8]; 2] = [b"F1", b"F2"];
const FIRST_PAGE_ID: i32 = 14;

/// Compression level for content streams: 1 keeps throughput high and
/// costs a few per cent of size on QR data, which hardly compresses anyway.
const CONTENT_LEVEL: u8 = 1;

fn compact() -> Chunk {
    Chunk::with_settings(Settings { pretty: false })
}

/// Writes `labels` as PDF sheets in `layout` to `out`, page by page.
///
/// Memory does not grow with the number of labels (beyond 16 bytes of
/// offsets per page), so a caller can pass an iterator that fetches stamps
/// from the database in batches and a writer that goes to a file or an HTTP
/// response. An empty iterator gives one blank page (a PDF needs one).
///
/// Errors: the writer's; `InvalidInput` when the layout is invalid or a URL
/// does not fit any QR code (the output is then incomplete); `Other` if the
/// embedded fonts cannot be read.
pub fn render_pdf<W: Write>(
    labels: impl Iterator<Item = LabelData>,
    layout: &Layout,
    out: W,
) -> io::Result<PdfStats> {
    layout
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let fonts = fonts().ok_or_else(|| io::Error::other("the embedded fonts cannot be read"))?;
    let mut w = PdfWriter {
        out,
        pos: 0,
        offsets: Vec::new(),
    };
    w.write_raw(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;

    let mut used: [BTreeMap<u16, char>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut qr = QrCache::default();
    let page_w = layout.page.width_mm / MM_PER_PT;
    let page_h = layout.page.height_mm / MM_PER_PT;
    let per_page = layout.per_page();
    let mut labels = labels.peekable();
    let mut stats = PdfStats::default();

    while labels.peek().is_some() || stats.pages == 0 {
        let mut content = Content::new();
        for slot in 0..per_page {
            let Some(label) = labels.next() else { break };
            let origin = layout.slot_origin(slot);
            draw_label(
                &mut content,
                &label,
                layout,
                fonts,
                origin,
                page_h,
                &mut qr,
                &mut used,
            )?;
            stats.labels += 1;
        }
        let compressed =
            miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), CONTENT_LEVEL);

        let page_ref = Ref::new(FIRST_PAGE_ID + 2 * stats.pages as i32);
        let content_ref = page_ref.next();
        let mut chunk = compact();
        chunk
            .stream(content_ref, &compressed)
            .filter(Filter::FlateDecode);
        w.write_object(content_ref, &chunk)?;

        let mut chunk = compact();
        let mut page = chunk.page(page_ref);
        page.parent(PAGE_TREE)
            .media_box(Rect::new(0.0, 0.0, page_w, page_h))
            .contents(content_ref);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (name, base) in FONT_NAMES.iter().zip(FONT_BASE) {
            font_dict.pair(Name(name), Ref::new(base));
        }
        font_dict.finish();
        resources.finish();
        page.finish();
        w.write_object(page_ref, &chunk)?;
        stats.pages += 1;
    }

    for (i, font) in [&fonts.regular, &fonts.bold].into_iter().enumerate() {
        write_font(&mut w, font, FONT_BASE[i], &used[i])?;
    }

    let mut chunk = compact();
    let page_refs = (0..stats.pages).map(|p| Ref::new(FIRST_PAGE_ID + 2 * p as i32));
    chunk
        .pages(PAGE_TREE)
        .kids(page_refs)
        .count(stats.pages as i32);
    w.write_object(PAGE_TREE, &chunk)?;

    let mut chunk = compact();
    chunk
        .indirect(CATALOG)
        .start::<Catalog>()
        .pages(PAGE_TREE)
        .lang(TextStr("vi"));
    w.write_object(CATALOG, &chunk)?;

    let mut chunk = compact();
    chunk
        .indirect(INFO)
        .start::<DocumentInfo>()
        .producer(TextStr("ocop labels"))
        .title(TextStr(&format!("Tem truy xuất – {}", layout.name)));
    w.write_object(INFO, &chunk)?;

    w.write_trailer()?;
    stats.bytes = w.pos;
    Ok(stats)
}

/// Counts bytes and records where each object starts.
struct PdfWriter<W: Write> {
    out: W,
    pos: u64,
    /// Offset of object i at index i (0 = not written).
    offsets: Vec<u64>,
}

impl<W: Write> PdfWriter<W> {
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes a chunk holding the single object `id`.
    fn write_object(&mut self, id: Ref, chunk: &Chunk) -> io::Result<()> {
        let index = id.get() as usize;
        if self.offsets.len() <= index {
            self.offsets.resize(index + 1, 0);
        }
        self.offsets[index] = self.pos;
        self.write_raw(chunk.as_bytes())?;
        self.write_raw(b"\n")
    }

    fn write_trailer(&mut self) -> io::Result<()> {
        let xref = self.pos;
        let offsets = std::mem::take(&mut self.offsets);
        let size = offsets.len().max(1);
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for &offset in offsets.iter().skip(1) {
            if offset == 0 {
                table.push_str("0000000000 65535 f\r\n");
            } else {
                table.push_str(&format!("{offset:010} 00000 n\r\n"));
            }
            // Flush now and then: 20 bytes per object add up on long runs.
            if table.len() > 64 * 1024 {
                self.write_raw(table.as_bytes())?;
                table.clear();
            }
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            CATALOG.get(),
            INFO.get()
        ));
        self.write_raw(table.as_bytes())?;
        self.out.flush()
    }
}

/// One encoder for the run's URL length, chosen from the first label; a
/// longer URL later gets its own encoder rather than failing.
#[derive(Default)]
struct QrCache {
    main: Option<QrEncoder>,
    other: Option<QrEncoder>,
}

impl QrCache {
    fn encoder(&mut self, len: usize) -> Result<&mut QrEncoder, QrError> {
        let version = version_for_len(len).ok_or(QrError::TooLongForQr { len })?;
        let main = self.main.get_or_insert_with(|| QrEncoder::new(version));
        if len <= main.capacity() {
            return Ok(main);
        }
        match &mut self.other {
            Some(e) if e.version() == version => {}
            slot => *slot = Some(QrEncoder::new(version)),
        }
        self.other.as_mut().ok_or(QrError::TooLongForQr { len })
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_label(
    content: &mut Content,
    label: &LabelData,
    layout: &Layout,
    fonts: &Fonts,
    (x0, y0): (f32, f32),
    page_h: f32,
    qr: &mut QrCache,
    used: &mut [BTreeMap<u16, char>; 2],
) -> io::Result<()> {
    // Label millimetres (y down) to page points (y up).
    let px = |x: f32| (x0 + x) / MM_PER_PT;
    let py = |y: f32| page_h - (y0 + y) / MM_PER_PT;
    for item in compose(label, layout, Some(fonts)) {
        match item {
            Item::Qr { left, top, size } => {
                let encoder = qr
                    .encoder(label.url.len())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let matrix = encoder
                    .encode(label.url.as_bytes())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let n = matrix.size();
                let module = size / (n + 2 * QUIET_ZONE) as f32;
                let origin = QUIET_ZONE as f32 * module;
                // One unit = one module, y down from the symbol's top-left.
                let m = module / MM_PER_PT;
                content.save_state();
                content.transform([m, 0.0, 0.0, -m, px(left + origin), py(top + origin)]);
                for y in 0..n {
                    for (x, len) in matrix.dark_runs(y) {
                        content.rect(x as f32, y as f32, len as f32, 1.0);
                    }
                }
                content.fill_nonzero();
                content.restore_state();
            }
            Item::Text {
                left,
                baseline,
                size_pt,
                bold,
                text,
            } => {
                let index = usize::from(bold);
                let font = fonts.get(bold);
                let mut codes = Vec::with_capacity(text.len() * 2);
                for (glyph, c) in font.glyphs(&text) {
                    codes.extend_from_slice(&glyph.0.to_be_bytes());
                    used[index].entry(glyph.0).or_insert(c);
                }
                content.begin_text();
                content.set_font(Name(FONT_NAMES[index]), size_pt);
                content.set_text_matrix([1.0, 0.0, 0.0, 1.0, px(left), py(baseline)]);
                content.show(Str(&codes));
                content.end_text();
            }
            Item::Star { cx, cy, radius } => {
                let points = star_points(cx, cy, radius);
                content.move_to(px(points[0].0), py(points[0].1));
                for &(x, y) in &points[1..] {
                    content.line_to(px(x), py(y));
                }
                content.close_path();
                content.fill_nonzero();
            }
        }
    }
    Ok(())
}

/// Writes the five objects of one font, subset to `used`.
fn write_font<W: Write>(
    w: &mut PdfWriter<W>,
    font: &Font,
    base: i32,
    used: &BTreeMap<u16, char>,
) -> io::Result<()> {
    let [type0, cid, descriptor, file, to_unicode] = [0, 1, 2, 3, 4].map(|i| Ref::new(base + i));
    let glyphs: std::collections::BTreeSet<u16> = used.keys().copied().collect();
    let (program, name) = match subset(font.data, &glyphs) {
        Some(program) => (program, format!("{}+{}", subset_tag(&glyphs), font.ps_name)),
        None => (font.data.to_vec(), font.ps_name.clone()),
    };
    let to_units = |v: f32| v * 1000.0 / font.upem;

    let mut chunk = compact();
    chunk
        .type0_font(type0)
        .base_font(Name(format!("{name}-Identity-H").as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);
    w.write_object(type0, &chunk)?;

    let mut chunk = compact();
    let mut cid_font = chunk.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cid_font.widths();
    for &g in used.keys() {
        let advance = f32::from(
            font.face
                .glyph_hor_advance(ttf_parser::GlyphId(g))
                .unwrap_or(0),
        );
        widths.consecutive(g, [to_units(advance).round()]);
    }
    widths.finish();
    cid_font.finish();
    w.write_object(cid, &chunk)?;

    let bbox = font.face.global_bounding_box();
    let mut chunk = compact();
    chunk
        .font_descriptor(descriptor)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            to_units(f32::from(bbox.x_min)),
            to_units(f32::from(bbox.y_min)),
            to_units(f32::from(bbox.x_max)),
            to_units(f32::from(bbox.y_max)),
        ))
        .italic_angle(font.face.italic_angle())
        .ascent(to_units(f32::from(font.face.ascender())))
        .descent(to_units(f32::from(font.face.descender())))
        .cap_height(to_units(f32::from(
            font.face.capital_height().unwrap_or(font.face.ascender()),
        )))
        .stem_v(if font.face.is_bold() { 140.0 } else { 80.0 })
        .font_file2(file);
    w.write_object(descriptor, &chunk)?;

    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 6);
    let mut chunk = compact();
    chunk
        .stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), program.len() as i32);
    w.write_object(file, &chunk)?;

    let mut cmap = UnicodeCmap::new(
        Name(b"Adobe-Identity-UCS"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (&g, &c) in used {
        cmap.pair(g, c);
    }
    let cmap = cmap.finish();
    let mut chunk = compact();
    chunk.cmap(to_unicode, &cmap);
    w.write_object(to_unicode, &chunk)
}

/// Six capital letters naming a subset (ISO 32000 9.6.4), derived from the
/// glyph set so that equal subsets get equal names.
fn subset_tag(glyphs: &std::collections::BTreeSet<u16>) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &g in glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}
