//! Stamp labels: QR codes and label sheets as PDF, PNG and SVG.
//!
//! - [`stamp_png`] / [`QrEncoder`]: the QR code alone as a small 1-bit PNG,
//!   fast enough for whole runs (tens of thousands per second per core).
//! - [`render_pdf`]: label sheets with vector QR codes and the embedded Noto
//!   Sans (subset to the glyphs used), streamed page by page to any
//!   [`std::io::Write`], so memory stays flat however many labels a run has.
//! - [`render_label_png`]: one label at 300 dpi, 1-bit, for thermal printers;
//!   [`write_label_pngs_zip`] packs many into one ZIP (one PNG per label).
//! - [`render_label_svg`]: one label as SVG.
//!
//! Layouts ([`Layout`]) are JSON files in `labels/`, embedded at build time.
//! QR codes use error correction level M in byte mode, at the smallest
//! version that holds the URL (version 3 for `https://ocop.example.vn/s/` +
//! 16 characters, version 4 for base URLs up to 40 bytes).

mod compose;
mod font;
mod layout;
#[cfg(test)]
mod output_tests;
mod pdf;
mod png;
mod qr;
mod raster;
mod subset;
mod svg;
mod zip;

pub use layout::{
    Align, Area, Field, FieldSpec, Gap, Grid, Layout, LayoutError, Margin, QrBox, SizeMm,
};
pub use pdf::{PdfStats, render_pdf};
pub use qr::{
    MAX_PAYLOAD, QUIET_ZONE, QrEncoder, QrError, QrMatrix, byte_capacity, stamp_png,
    version_for_len,
};
pub use raster::{LABEL_DPI, render_label_png};
pub use svg::render_label_svg;
pub use zip::{ZipStats, write_label_pngs_zip};

/// The fixed line printed on every label.
pub const SCAN_HINT: &str = "Quét mã để truy xuất nguồn gốc";

/// What one label prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelData {
    /// The URL the QR code encodes, e.g. `https://ocop.example.vn/s/7K3M9QXH2B4TR8WD`.
    pub url: String,
    /// The stamp code, 16 Crockford base32 characters without separators;
    /// printed in groups of four.
    pub code: String,
    /// The product's Vietnamese name; shortened with "…" when too long.
    pub product_name: String,
    /// OCOP stars; pass `Some` only while the product's certificate is valid.
    pub stars: Option<u8>,
    /// The seller's short name.
    pub seller_name: String,
    /// The lot code, when the stamp is bound to a lot.
    pub lot_code: Option<String>,
}

/// The stamp code in groups of four separated by spaces, as printed:
/// "7K3M9QXH2B4TR8WD" becomes "7K3M 9QXH 2B4T R8WD". Existing spaces and
/// hyphens are dropped first.
pub fn group_code(code: &str) -> String {
    let chars: Vec<char> = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_in_groups_of_four() {
        assert_eq!(group_code("7K3M9QXH2B4TR8WD"), "7K3M 9QXH 2B4T R8WD");
        assert_eq!(group_code("7K3M-9QXH 2B4T"), "7K3M 9QXH 2B4T");
        assert_eq!(group_code("ABCDEF"), "ABCD EF");
        assert_eq!(group_code(""), "");
    }
}
