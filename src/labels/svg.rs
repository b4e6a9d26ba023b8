//! One label as SVG: user units are millimetres, the QR code is one path
//! (a rectangle per run of dark modules), text is `<text>` in Noto Sans.

use std::fmt::Write as _;

use super::LabelData;
use super::compose::{Item, compose, star_points};
use super::font::fonts;
use super::layout::{Layout, MM_PER_PT};
use super::qr::{QUIET_ZONE, QrEncoder, version_for_len};

/// Escapes the five XML special characters.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Trims a coordinate to 0.01 mm without trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// One label of `layout` as a standalone SVG document, sized in mm. Text
/// names the font family "Noto Sans" (falling back to sans-serif where it
/// is not installed); its positions and shortening use Noto Sans metrics.
/// Without a QR code (URL longer than any QR holds) the label prints the
/// text alone.
pub fn render_label_svg(label: &LabelData, layout: &Layout) -> String {
    let (w, h) = (layout.label.width_mm, layout.label.height_mm);
    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" \
         viewBox=\"0 0 {w} {h}\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n",
        w = num(w),
        h = num(h)
    );
    for item in compose(label, layout, fonts()) {
        match item {
            Item::Qr { left, top, size } => {
                let Some(version) = version_for_len(label.url.len()) else {
                    continue;
                };
                let mut encoder = QrEncoder::new(version);
                let Ok(matrix) = encoder.encode(label.url.as_bytes()) else {
                    continue;
                };
                let n = matrix.size();
                let module = size / (n + 2 * QUIET_ZONE) as f32;
                let _ = write!(
                    svg,
                    "<path transform=\"translate({} {}) scale({})\" shape-rendering=\"crispEdges\" d=\"",
                    num(left),
                    num(top),
                    module
                );
                for y in 0..n {
                    for (x, len) in matrix.dark_runs(y) {
                        let _ = write!(
                            svg,
                            "M{} {}h{len}v1h-{len}z",
                            x + QUIET_ZONE,
                            y + QUIET_ZONE
                        );
                    }
                }
                svg.push_str("\"/>\n");
            }
            Item::Text {
                left,
                baseline,
                size_pt,
                bold,
                text,
            } => {
                let _ = writeln!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" font-family=\"'Noto Sans', sans-serif\" font-size=\"{}\"{}>{}</text>",
                    num(left),
                    num(baseline),
                    num(size_pt * MM_PER_PT),
                    if bold { " font-weight=\"bold\"" } else { "" },
                    escape_xml(&text)
                );
            }
            Item::Star { cx, cy, radius } => {
                let points: Vec<String> = star_points(cx, cy, radius)
                    .iter()
                    .map(|&(x, y)| format!("{},{}", num(x), num(y)))
                    .collect();
                let _ = writeln!(svg, "<polygon points=\"{}\"/>", points.join(" "));
            }
        }
    }
    svg.push_str("</svg>\n");
    svg
}
