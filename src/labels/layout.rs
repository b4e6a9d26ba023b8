//! Label layouts: page, grid, label geometry and which fields print.
//!
//! Layouts are JSON files in the top-level `labels/` folder, compiled into
//! the binary so that it runs from any folder. All lengths are millimetres
//! from the top-left corner (y grows downwards); font sizes are points.

use serde::{Deserialize, Serialize};

/// The layouts shipped in `labels/`, as (file name, JSON).
const BUILT_IN: [(&str, &str); 3] = [
    ("a4-40.json", include_str!("../../labels/a4-40.json")),
    ("a4-21.json", include_str!("../../labels/a4-21.json")),
    (
        "roll-40x30.json",
        include_str!("../../labels/roll-40x30.json"),
    ),
];

/// Millimetres per PostScript point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// Line height as a multiple of the font size: room for Vietnamese letters
/// with two stacked marks (Ể, Ỗ) above and descenders below.
pub const LINE_HEIGHT: f32 = 1.22;

/// A layout file that does not parse or does not fit together.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The JSON does not match the layout schema.
    #[error("layout {name}: {source}")]
    Json {
        /// File or layout name.
        name: String,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// The geometry is impossible (labels off the page, QR outside its label...).
    #[error("layout {name}: {problem}")]
    Geometry {
        /// Layout name.
        name: String,
        /// What does not fit.
        problem: String,
    },
}

/// Width and height in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SizeMm {
    /// Width.
    pub width_mm: f32,
    /// Height.
    pub height_mm: f32,
}

/// Labels per sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Labels across.
    pub columns: u32,
    /// Labels down.
    pub rows: u32,
}

/// Distance from the page's top-left corner to the first label.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Margin {
    /// Left margin.
    pub left_mm: f32,
    /// Top margin.
    pub top_mm: f32,
}

/// Space between neighbouring labels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Gap {
    /// Between columns.
    pub column_mm: f32,
    /// Between rows.
    pub row_mm: f32,
}

/// Where the QR code sits in a label. `size_mm` is the square including
/// the quiet zone of four modules, so the quiet zone is guaranteed free of
/// text; the printed symbol is `size × modules / (modules + 8)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QrBox {
    /// Side of the square, quiet zone included.
    pub size_mm: f32,
    /// From the label's left edge.
    pub left_mm: f32,
    /// From the label's top edge; absent means centred vertically in the
    /// space above the bottom fields.
    #[serde(default)]
    pub top_mm: Option<f32>,
}

/// A printable line of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The product's Vietnamese name (may wrap to `max_lines`, then "…").
    ProductName,
    /// "OCOP" and the stars, only while a certificate is valid.
    Stars,
    /// The seller's short name.
    SellerName,
    /// "Lô: " and the lot code, when the stamp is bound to a lot.
    LotCode,
    /// The stamp code in groups of four, never shortened (shrinks instead).
    Code,
    /// The fixed line "Quét mã để truy xuất nguồn gốc" (shrinks to fit).
    ScanHint,
}

/// Where a field prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The column right of the QR code, top down.
    #[default]
    Side,
    /// Full label width under the QR code, stacked up from the bottom edge.
    Bottom,
}

/// Horizontal alignment in the field's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Flush left.
    #[default]
    Left,
    /// Centred.
    Center,
}

/// One printed field and its typography.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Which field.
    pub field: Field,
    /// Font size in points.
    pub size_pt: f32,
    /// Noto Sans Bold instead of Regular.
    #[serde(default)]
    pub bold: bool,
    /// Lines the field may take before it is cut with "…" (product name).
    #[serde(default = "one")]
    pub max_lines: u32,
    /// Where it prints.
    #[serde(default)]
    pub area: Area,
    /// How it is aligned.
    #[serde(default)]
    pub align: Align,
}

fn one() -> u32 {
    1
}

/// A label layout, as read from `labels/*.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Identifier used by the API and the CLI, e.g. "a4-40".
    pub name: String,
    /// For people choosing a layout.
    #[serde(default)]
    pub description: String,
    /// Page (sheet, or one roll label) size.
    pub page: SizeMm,
    /// One label's size.
    pub label: SizeMm,
    /// Labels per page.
    pub grid: Grid,
    /// Offset of the first label.
    #[serde(default)]
    pub margin: Margin,
    /// Space between labels.
    #[serde(default)]
    pub gap: Gap,
    /// Blank border inside each label, for text (the QR box has its own).
    pub padding_mm: f32,
    /// The QR code's box.
    pub qr: QrBox,
    /// Printed fields, in order.
    pub fields: Vec<FieldSpec>,
}

impl Layout {
    /// Parses and checks a layout from JSON.
    pub fn from_json(json: &str) -> Result<Layout, LayoutError> {
        let layout: Layout = serde_json::from_str(json).map_err(|source| LayoutError::Json {
            name: "layout".into(),
            source,
        })?;
        layout.validate()?;
        Ok(layout)
    }

    /// Every layout shipped in `labels/`, in a fixed order.
    pub fn load_all() -> Result<Vec<Layout>, LayoutError> {
        BUILT_IN
            .iter()
            .map(|(file, json)| {
                Layout::from_json(json).map_err(|e| match e {
                    LayoutError::Json { source, .. } => LayoutError::Json {
                        name: (*file).to_owned(),
                        source,
                    },
                    other => other,
                })
            })
            .collect()
    }

    /// The shipped layout called `name` ("a4-40", "a4-21", "roll-40x30").
    pub fn by_name(name: &str) -> Option<Layout> {
        Layout::load_all()
            .ok()?
            .into_iter()
            .find(|layout| layout.name == name)
    }

    /// The names of the shipped layouts.
    pub fn names() -> Vec<String> {
        Layout::load_all()
            .map(|all| all.into_iter().map(|l| l.name).collect())
            .unwrap_or_default()
    }

    /// Labels on one page.
    pub fn per_page(&self) -> usize {
        self.grid.columns as usize * self.grid.rows as usize
    }

    /// Top-left corner (mm) of the label in slot `index` (row by row).
    pub fn slot_origin(&self, index: usize) -> (f32, f32) {
        let columns = self.grid.columns.max(1) as usize;
        let (row, col) = (index / columns, index % columns);
        (
            self.margin.left_mm + col as f32 * (self.label.width_mm + self.gap.column_mm),
            self.margin.top_mm + row as f32 * (self.label.height_mm + self.gap.row_mm),
        )
    }

    /// Height (mm) of the fields printed in `area`, assuming each uses all
    /// its lines.
    pub(crate) fn area_height(&self, area: Area) -> f32 {
        self.fields
            .iter()
            .filter(|f| f.area == area)
            .map(|f| f.size_pt * MM_PER_PT * LINE_HEIGHT * f.max_lines.max(1) as f32)
            .sum()
    }

    /// Top edge (mm, in the label) of the QR box.
    pub(crate) fn qr_top(&self) -> f32 {
        self.qr.top_mm.unwrap_or_else(|| {
            let free = self.label.height_mm - self.bottom_reserved();
            ((free - self.qr.size_mm) / 2.0).max(0.0)
        })
    }

    /// Space the bottom area takes from the label's bottom edge, padding
    /// included (0 without bottom fields).
    fn bottom_reserved(&self) -> f32 {
        let h = self.area_height(Area::Bottom);
        if h > 0.0 { h + self.padding_mm } else { 0.0 }
    }

    /// The side column: (left, top, width) in mm.
    pub(crate) fn side_column(&self) -> (f32, f32, f32) {
        let left = self.qr.left_mm + self.qr.size_mm;
        (
            left,
            self.padding_mm,
            self.label.width_mm - self.padding_mm - left,
        )
    }

    /// Checks that the geometry fits together and stays within sane bounds
    /// (pages up to 2 m, labels up to 50 cm, fonts up to 72 pt), so that a
    /// custom layout cannot make the renderers allocate without limit.
    /// [`Layout::from_json`] calls it; the renderers call it again because
    /// the fields are public.
    pub fn validate(&self) -> Result<(), LayoutError> {
        let fail = |problem: String| {
            Err(LayoutError::Geometry {
                name: self.name.clone(),
                problem,
            })
        };
        let positive = [
            self.page.width_mm,
            self.page.height_mm,
            self.label.width_mm,
            self.label.height_mm,
            self.qr.size_mm,
        ];
        if positive.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return fail("page, label and QR sizes must be positive".into());
        }
        if self.page.width_mm.max(self.page.height_mm) > 2000.0
            || self.label.width_mm.max(self.label.height_mm) > 500.0
        {
            return fail("pages are at most 2000 mm and labels 500 mm on a side".into());
        }
        let non_negative = [
            self.margin.left_mm,
            self.margin.top_mm,
            self.gap.column_mm,
            self.gap.row_mm,
            self.padding_mm,
            self.qr.left_mm,
            self.qr.top_mm.unwrap_or(0.0),
        ];
        if non_negative.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return fail("margins, gaps, padding and offsets must not be negative".into());
        }
        if self
            .fields
            .iter()
            .any(|f| !(f.size_pt.is_finite() && f.size_pt > 0.0))
        {
            return fail("font sizes must be positive".into());
        }
        if self.grid.columns == 0 || self.grid.rows == 0 || self.per_page() > 1000 {
            return fail("the grid needs 1 to 1000 labels".into());
        }
        // 0.05 mm of slack for decimal sizes such as 10 × 29.7 mm.
        const SLACK: f32 = 0.05;
        let (right, bottom) = self.slot_origin(self.per_page() - 1);
        if right + self.label.width_mm > self.page.width_mm + SLACK
            || bottom + self.label.height_mm > self.page.height_mm + SLACK
        {
            return fail("the grid of labels does not fit on the page".into());
        }
        let qr_top = self.qr_top();
        if self.qr.left_mm + self.qr.size_mm > self.label.width_mm + SLACK
            || qr_top + self.qr.size_mm > self.label.height_mm + SLACK
        {
            return fail("the QR code does not fit in the label".into());
        }
        let (_, top, width) = self.side_column();
        let side = self.area_height(Area::Side);
        if side > 0.0
            && (width < 5.0 || top + side > self.label.height_mm - self.bottom_reserved() + SLACK)
        {
            return fail("the fields beside the QR code do not fit".into());
        }
        if self.bottom_reserved() > 0.0
            && qr_top + self.qr.size_mm > self.label.height_mm - self.bottom_reserved() + SLACK
        {
            return fail("the fields under the QR code overlap it".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_layouts_load_and_fit() {
        let all = Layout::load_all().unwrap();
        let names: Vec<_> = all.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["a4-40", "a4-21", "roll-40x30"]);
        let a4_40 = Layout::by_name("a4-40").unwrap();
        assert_eq!(a4_40.per_page(), 40);
        assert_eq!((a4_40.label.width_mm, a4_40.label.height_mm), (52.5, 29.7));
        assert_eq!(Layout::by_name("a4-21").unwrap().per_page(), 21);
        let roll = Layout::by_name("roll-40x30").unwrap();
        assert_eq!((roll.page.width_mm, roll.page.height_mm), (40.0, 30.0));
        assert_eq!(roll.per_page(), 1);
        assert!(Layout::by_name("a3-99").is_none());
        // Every shipped QR symbol is at least 15 mm at version 4 (33 modules).
        for layout in &all {
            let symbol = layout.qr.size_mm * 33.0 / 41.0;
            assert!(symbol >= 15.0, "{}: {symbol} mm", layout.name);
        }
    }

    #[test]
    fn impossible_layouts_are_rejected() {
        let json = include_str!("../../labels/a4-40.json");
        let too_many = json.replace("\"rows\": 10", "\"rows\": 11");
        assert!(matches!(
            Layout::from_json(&too_many),
            Err(LayoutError::Geometry { .. })
        ));
        let big_qr = json.replace("\"size_mm\": 22.0", "\"size_mm\": 40.0");
        assert!(Layout::from_json(&big_qr).is_err());
        let huge_font = json.replace("\"size_pt\": 7.5", "\"size_pt\": 1000");
        assert!(Layout::from_json(&huge_font).is_err());
        let mut huge = Layout::by_name("roll-40x30").unwrap();
        huge.label.width_mm = 1e6;
        assert!(huge.validate().is_err());
        assert!(matches!(
            Layout::from_json("{\"name\": 1}"),
            Err(LayoutError::Json { .. })
        ));
    }
}
