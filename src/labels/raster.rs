//! One label as a 1-bit PNG at 300 dpi, for thermal printers.
//!
//! Thermal heads print dots, not grey, so the image is thresholded to black
//! and white here rather than dithered by a driver. QR modules are whole
//! pixels (the module size is rounded down to an integer and the symbol
//! centred in its box), which keeps every module edge sharp.

use ab_glyph::{Font as _, Glyph, GlyphId, PxScale, point};

use super::LabelData;
use super::compose::{Item, compose, star_points};
use super::font::fonts;
use super::layout::Layout;
use super::png::gray1_png;
use super::qr::{QUIET_ZONE, QrEncoder, version_for_len};

/// Resolution of [`render_label_png`]: the common thermal printer head.
pub const LABEL_DPI: u32 = 300;

/// Coverage buffer, 0 = white, 255 = black.
pub(crate) struct Canvas {
    width: usize,
    height: usize,
    cover: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            cover: vec![0; width * height],
        }
    }

    fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64) {
        let x0 = x.clamp(0, self.width as i64) as usize;
        let x1 = (x + w).clamp(0, self.width as i64) as usize;
        let y0 = y.clamp(0, self.height as i64) as usize;
        let y1 = (y + h).clamp(0, self.height as i64) as usize;
        for row in y0..y1 {
            self.cover[row * self.width + x0..row * self.width + x1].fill(255);
        }
    }

    fn blend(&mut self, x: i64, y: i64, coverage: f32) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let i = y as usize * self.width + x as usize;
        let c = (coverage.clamp(0.0, 1.0) * 255.0) as u8;
        self.cover[i] = self.cover[i].max(c);
    }

    /// Black where coverage is at least half, as packed 1-bit rows
    /// (1 = white).
    fn threshold(&self) -> Vec<u8> {
        let row_bytes = self.width.div_ceil(8);
        let mut out = vec![0xFF; row_bytes * self.height];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.cover[y * self.width + x] >= 128 {
                    out[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        out
    }
}

/// One label of `layout` as a 1-bit grayscale PNG at 300 dpi (40 × 30 mm
/// gives 472 × 354 px), with a pHYs chunk so printing software sizes it
/// right. Returns an empty vector if the layout is invalid
/// ([`Layout::validate`]) or the URL does not fit any QR code.
pub fn render_label_png(label: &LabelData, layout: &Layout) -> Vec<u8> {
    let mut encoder = None;
    render_label_png_with(label, layout, &mut encoder)
}

/// [`render_label_png`] reusing an encoder between labels of one run.
pub(crate) fn render_label_png_with(
    label: &LabelData,
    layout: &Layout,
    encoder: &mut Option<QrEncoder>,
) -> Vec<u8> {
    if layout.validate().is_err() {
        return Vec::new();
    }
    let dpmm = LABEL_DPI as f32 / 25.4;
    let width = (layout.label.width_mm * dpmm).round().max(1.0) as usize;
    let height = (layout.label.height_mm * dpmm).round().max(1.0) as usize;
    let mut canvas = Canvas::new(width, height);
    let fonts = fonts();
    for item in compose(label, layout, fonts) {
        match item {
            Item::Qr { left, top, size } => {
                let Some(version) = version_for_len(label.url.len()) else {
                    return Vec::new();
                };
                if encoder
                    .as_ref()
                    .is_none_or(|e| e.capacity() < label.url.len())
                {
                    *encoder = Some(QrEncoder::new(version));
                }
                let Some(enc) = encoder.as_mut() else {
                    return Vec::new();
                };
                let Ok(matrix) = enc.encode(label.url.as_bytes()) else {
                    return Vec::new();
                };
                let n = matrix.size();
                let box_px = (size * dpmm).floor() as i64;
                let module = (box_px / (n + 2 * QUIET_ZONE) as i64).max(1);
                let offset = (box_px - module * n as i64) / 2;
                let x0 = (left * dpmm).round() as i64 + offset;
                let y0 = (top * dpmm).round() as i64 + offset;
                for y in 0..n {
                    for (x, len) in matrix.dark_runs(y) {
                        canvas.fill_rect(
                            x0 + x as i64 * module,
                            y0 + y as i64 * module,
                            len as i64 * module,
                            module,
                        );
                    }
                }
            }
            Item::Text {
                left,
                baseline,
                size_pt,
                bold,
                text,
            } => {
                let Some(fonts) = fonts else { continue };
                let font = fonts.get(bold);
                let em_px = size_pt * LABEL_DPI as f32 / 72.0;
                // ab_glyph scales by ascent - descent; convert from the em.
                let scale = PxScale::from(em_px * font.raster.height_unscaled() / font.upem);
                let mut x = left * dpmm;
                let y = baseline * dpmm;
                for (glyph, _) in font.glyphs(&text) {
                    let g = Glyph {
                        id: GlyphId(glyph.0),
                        scale,
                        position: point(x, y),
                    };
                    if let Some(outline) = font.raster.outline_glyph(g) {
                        let b = outline.px_bounds();
                        outline.draw(|gx, gy, c| {
                            canvas.blend(
                                b.min.x as i64 + i64::from(gx),
                                b.min.y as i64 + i64::from(gy),
                                c,
                            );
                        });
                    }
                    x += font.advance_em(glyph) * em_px;
                }
            }
            Item::Star { cx, cy, radius } => {
                let points = star_points(cx * dpmm, cy * dpmm, radius * dpmm);
                fill_polygon(&mut canvas, &points);
            }
        }
    }
    gray1_png(
        width as u32,
        height as u32,
        &canvas.threshold(),
        Some(LABEL_DPI),
        6,
    )
}

/// Fills a polygon (even-odd rule) by testing pixel centres.
fn fill_polygon(canvas: &mut Canvas, points: &[(f32, f32)]) {
    let (mut x_min, mut y_min, mut x_max, mut y_max) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    for py in y_min.floor() as i64..=y_max.ceil() as i64 {
        for px in x_min.floor() as i64..=x_max.ceil() as i64 {
            let (x, y) = (px as f32 + 0.5, py as f32 + 0.5);
            let mut inside = false;
            let mut j = points.len() - 1;
            for i in 0..points.len() {
                let (xi, yi) = points[i];
                let (xj, yj) = points[j];
                if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
                j = i;
            }
            if inside {
                canvas.blend(px, py, 1.0);
            }
        }
    }
}
