//! Turns one label's data and a layout into positioned drawing items, the
//! common ground of the PDF, PNG and SVG outputs (so all three place and
//! shorten text the same way).

use super::font::Fonts;
use super::layout::{Align, Area, Field, FieldSpec, LINE_HEIGHT, Layout, MM_PER_PT};
use super::{LabelData, SCAN_HINT, group_code};

/// Baseline below the top of a line, in ems.
const BASELINE: f32 = 0.95;

/// Something to draw, in millimetres from the label's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The QR code's box, quiet zone included.
    Qr {
        /// Left edge.
        left: f32,
        /// Top edge.
        top: f32,
        /// Side of the box.
        size: f32,
    },
    /// One line of text.
    Text {
        /// Left end of the baseline.
        left: f32,
        /// Baseline.
        baseline: f32,
        /// Font size in points.
        size_pt: f32,
        /// Bold font.
        bold: bool,
        /// NFC text, already shortened to fit.
        text: String,
    },
    /// A filled five-pointed star.
    Star {
        /// Centre x.
        cx: f32,
        /// Centre y.
        cy: f32,
        /// Outer radius.
        radius: f32,
    },
}

/// The drawing items of `label` in `layout`. Without fonts only the QR box
/// is returned.
pub fn compose(label: &LabelData, layout: &Layout, fonts: Option<&Fonts>) -> Vec<Item> {
    let mut items = vec![Item::Qr {
        left: layout.qr.left_mm,
        top: layout.qr_top(),
        size: layout.qr.size_mm,
    }];
    let Some(fonts) = fonts else {
        return items;
    };

    // Each area is laid out twice: once to measure its height (optional
    // fields may be absent, names may take one line or two), once to place.
    let measure = |specs: &[&FieldSpec], left: f32, width: f32| {
        let mut scratch = Vec::new();
        specs.iter().fold(0.0, |y, spec| {
            place_field(&mut scratch, label, spec, fonts, left, width, y)
        })
    };
    let place = |items: &mut Vec<Item>, specs: &[&FieldSpec], left: f32, width: f32, top: f32| {
        specs.iter().fold(top, |y, spec| {
            place_field(items, label, spec, fonts, left, width, y)
        });
    };

    // The bottom area stacks up from the bottom edge, full width.
    let bottom: Vec<&FieldSpec> = layout
        .fields
        .iter()
        .filter(|f| f.area == Area::Bottom)
        .collect();
    let mut free_bottom = layout.label.height_mm - layout.padding_mm;
    if !bottom.is_empty() {
        let left = layout.padding_mm;
        let width = layout.label.width_mm - 2.0 * layout.padding_mm;
        let height = measure(&bottom, left, width);
        free_bottom -= height;
        place(&mut items, &bottom, left, width, free_bottom);
    }

    // The side column is centred on the QR code where there is room, so a
    // short text block does not hang at the top of a tall label.
    let side: Vec<&FieldSpec> = layout
        .fields
        .iter()
        .filter(|f| f.area == Area::Side)
        .collect();
    if !side.is_empty() {
        let (left, min_top, width) = layout.side_column();
        let height = measure(&side, left, width);
        let qr_middle = layout.qr_top() + layout.qr.size_mm / 2.0;
        let top = (qr_middle - height / 2.0)
            .min(free_bottom - height)
            .max(min_top);
        place(&mut items, &side, left, width, top);
    }
    items
}

/// Places one field's lines from `top` down in a column; returns the new
/// top. Absent optional fields take no space.
fn place_field(
    items: &mut Vec<Item>,
    label: &LabelData,
    spec: &FieldSpec,
    fonts: &Fonts,
    left: f32,
    width: f32,
    top: f32,
) -> f32 {
    let font = fonts.get(spec.bold);
    let size_mm = spec.size_pt * MM_PER_PT;
    let max_lines = spec.max_lines.max(1) as usize;
    let (lines, size_pt) = match spec.field {
        Field::ProductName => (
            font.wrap(&label.product_name, size_mm, width, max_lines),
            spec.size_pt,
        ),
        Field::SellerName => (
            font.wrap(&label.seller_name, size_mm, width, max_lines),
            spec.size_pt,
        ),
        Field::LotCode => match label.lot_code.as_deref().map(str::trim) {
            Some(lot) if !lot.is_empty() => (
                font.wrap(&format!("Lô: {lot}"), size_mm, width, max_lines),
                spec.size_pt,
            ),
            _ => (Vec::new(), spec.size_pt),
        },
        Field::Code | Field::ScanHint => {
            let text = if spec.field == Field::Code {
                group_code(&label.code)
            } else {
                SCAN_HINT.to_owned()
            };
            // Never shortened: a buyer types the code, and the hint is fixed.
            let size = font.shrink_to_fit(&text, size_mm, width) / MM_PER_PT;
            (vec![text], size)
        }
        Field::Stars => {
            return match label.stars {
                Some(n) if n > 0 => place_stars(items, n.min(5), spec, fonts, left, width, top),
                _ => top,
            };
        }
    };
    let size_mm = size_pt * MM_PER_PT;
    let mut y = top;
    for text in lines {
        let x = match spec.align {
            Align::Left => left,
            Align::Center => left + (width - font.width(&text, size_mm)).max(0.0) / 2.0,
        };
        items.push(Item::Text {
            left: x,
            baseline: y + BASELINE * size_mm,
            size_pt,
            bold: spec.bold,
            text,
        });
        y += LINE_HEIGHT * size_mm;
    }
    y
}

/// "OCOP" followed by `n` stars (fonts rarely have ★; drawing them also
/// keeps the text layer plain).
fn place_stars(
    items: &mut Vec<Item>,
    n: u8,
    spec: &FieldSpec,
    fonts: &Fonts,
    left: f32,
    width: f32,
    top: f32,
) -> f32 {
    let font = fonts.get(spec.bold);
    let size_mm = spec.size_pt * MM_PER_PT;
    let prefix = "OCOP";
    let gap = 0.3 * size_mm;
    let step = 0.95 * size_mm;
    let total = font.width(prefix, size_mm) + gap + step * f32::from(n);
    let x = match spec.align {
        Align::Left => left,
        Align::Center => left + (width - total).max(0.0) / 2.0,
    };
    let baseline = top + BASELINE * size_mm;
    items.push(Item::Text {
        left: x,
        baseline,
        size_pt: spec.size_pt,
        bold: spec.bold,
        text: prefix.to_owned(),
    });
    let first = x + font.width(prefix, size_mm) + gap + step / 2.0;
    for i in 0..n {
        items.push(Item::Star {
            cx: first + step * f32::from(i),
            cy: baseline - 0.36 * size_mm,
            radius: 0.45 * size_mm,
        });
    }
    top + LINE_HEIGHT * size_mm
}

/// The ten corners of a five-pointed star, point up, as (x, y) with y down.
pub fn star_points(cx: f32, cy: f32, radius: f32) -> [(f32, f32); 10] {
    std::array::from_fn(|i| {
        let r = if i % 2 == 0 { radius } else { radius * 0.382 };
        let angle = std::f32::consts::PI * (i as f32 / 5.0 - 0.5);
        (cx + r * angle.cos(), cy + r * angle.sin())
    })
}
