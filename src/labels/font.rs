//! The embedded Noto Sans fonts: glyph lookup, widths, and fitting text
//! into a width (wrap, "…", or shrink).
//!
//! Noto Sans (SIL OFL 1.1, `static/fonts/OFL.txt`) has precomposed glyphs
//! for every Vietnamese letter, so text is normalised to NFC and mapped
//! character by character through the font's cmap; no shaping engine is
//! needed. Kerning is not applied (small labels, and the PDF, PNG and SVG
//! outputs stay identical in width).

use std::borrow::Cow;
use std::sync::LazyLock;

use ttf_parser::{Face, GlyphId};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

static REGULAR_TTF: &[u8] = include_bytes!("../../static/fonts/NotoSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../static/fonts/NotoSans-Bold.ttf");

/// The ellipsis that marks shortened text.
pub const ELLIPSIS: char = '…';

/// Characters below this have their glyph and advance looked up once, at
/// load: Latin, Vietnamese (U+1EA0..U+1EF9) and general punctuation cover
/// nearly every label, and cmap lookups were a third of PDF time.
const CACHED: usize = 0x2100;

/// `text` in NFC, borrowed when it already is (the usual case).
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// One embedded font, parsed once.
pub struct Font {
    /// The TrueType file.
    pub data: &'static [u8],
    /// Parsed tables.
    pub face: Face<'static>,
    /// The same font for rasterising.
    pub raster: ab_glyph::FontRef<'static>,
    /// PostScript name, e.g. "NotoSans-Regular".
    pub ps_name: String,
    /// Units per em as a float.
    pub upem: f32,
    fallback: GlyphId,
    /// Glyph id and advance (font units) of every char below [`CACHED`].
    cache: Vec<(u16, u16)>,
}

impl Font {
    fn parse(data: &'static [u8], default_name: &str) -> Option<Font> {
        let face = Face::parse(data, 0).ok()?;
        let raster = ab_glyph::FontRef::try_from_slice(data).ok()?;
        let ps_name = face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .unwrap_or_else(|| default_name.to_owned());
        let fallback = face.glyph_index('?').unwrap_or(GlyphId(0));
        let cache = (0..CACHED as u32)
            .map(|u| {
                let glyph = char::from_u32(u)
                    .and_then(|c| face.glyph_index(c))
                    .unwrap_or(fallback);
                (glyph.0, face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .collect();
        Some(Font {
            data,
            upem: f32::from(face.units_per_em()),
            face,
            raster,
            ps_name,
            fallback,
            cache,
        })
    }

    /// The glyph for `c`, or "?" when the font lacks it.
    pub fn glyph(&self, c: char) -> GlyphId {
        match self.cache.get(c as usize) {
            Some(&(g, _)) => GlyphId(g),
            None => self.face.glyph_index(c).unwrap_or(self.fallback),
        }
    }

    /// Advance width of `glyph` in ems.
    pub fn advance_em(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.upem
    }

    /// Advance width of the glyph for `c` in ems.
    fn char_em(&self, c: char) -> f32 {
        match self.cache.get(c as usize) {
            Some(&(_, advance)) => f32::from(advance) / self.upem,
            None => self.advance_em(self.glyph(c)),
        }
    }

    /// Glyphs of `text` (NFC-normalised) with the character each stands
    /// for; a character the font lacks prints, and copies, as "?".
    pub fn glyphs(&self, text: &str) -> Vec<(GlyphId, char)> {
        nfc(text)
            .chars()
            .map(|c| {
                let glyph = self.glyph(c);
                if glyph == self.fallback && c != '?' {
                    (glyph, '?')
                } else {
                    (glyph, c)
                }
            })
            .collect()
    }

    /// Width of `text` at `size` (any unit: the result is in the same unit).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        nfc(text).chars().map(|c| self.char_em(c)).sum::<f32>() * size
    }

    /// `text` cut at the end with "…" so that it fits `width`.
    pub fn ellipsize(&self, text: &str, size: f32, width: f32) -> String {
        let text = nfc(text);
        if self.width(&text, size) <= width {
            return text.into_owned();
        }
        let ellipsis = self.char_em(ELLIPSIS) * size;
        let mut used = 0.0;
        let mut end = 0;
        for (i, c) in text.char_indices() {
            let w = self.char_em(c) * size;
            if used + w + ellipsis > width {
                break;
            }
            used += w;
            end = i + c.len_utf8();
        }
        let mut out = text[..end].trim_end().to_owned();
        out.push(ELLIPSIS);
        out
    }

    /// Word-wraps `text` into at most `max_lines` lines of `width`; what
    /// does not fit ends the last line with "…". Words longer than a line
    /// are cut.
    pub fn wrap(&self, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let text = nfc(text);
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut lines: Vec<String> = Vec::new();
        let mut i = 0;
        while i < words.len() && lines.len() < max_lines.max(1) {
            let last = lines.len() + 1 == max_lines.max(1);
            if last {
                lines.push(self.ellipsize(&words[i..].join(" "), size, width));
                break;
            }
            let mut line = words[i].to_owned();
            i += 1;
            while i < words.len() {
                let candidate = format!("{line} {}", words[i]);
                if self.width(&candidate, size) > width {
                    break;
                }
                line = candidate;
                i += 1;
            }
            lines.push(self.ellipsize(&line, size, width));
        }
        lines
    }

    /// The size (at most `size`) at which `text` fits `width`.
    pub fn shrink_to_fit(&self, text: &str, size: f32, width: f32) -> f32 {
        let w = self.width(text, size);
        if w <= width || w <= 0.0 {
            size
        } else {
            size * width / w
        }
    }
}

/// Regular and bold.
pub struct Fonts {
    /// Noto Sans Regular.
    pub regular: Font,
    /// Noto Sans Bold.
    pub bold: Font,
}

impl Fonts {
    /// Regular or bold.
    pub fn get(&self, bold: bool) -> &Font {
        if bold { &self.bold } else { &self.regular }
    }
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Font::parse(REGULAR_TTF, "NotoSans-Regular")?,
        bold: Font::parse(BOLD_TTF, "NotoSans-Bold")?,
    })
});

/// The embedded fonts; `None` only if the files in `static/fonts` were
/// replaced by something unreadable (a unit test guards against that).
pub fn fonts() -> Option<&'static Fonts> {
    FONTS.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_cover_vietnamese() {
        let fonts = fonts().expect("embedded fonts parse");
        // Every precomposed Vietnamese letter: Latin-1/Extended-A/B ones
        // and the whole Latin Extended Additional block U+1EA0..U+1EF9.
        let mut letters: Vec<char> = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"
            .chars()
            .collect();
        letters.extend((0x1EA0..=0x1EF9).filter_map(char::from_u32));
        letters.extend(['…', '·']);
        for font in [&fonts.regular, &fonts.bold] {
            for &c in &letters {
                assert!(
                    font.face.glyph_index(c).is_some(),
                    "{} lacks {c}",
                    font.ps_name
                );
            }
        }
        assert_eq!(fonts.regular.ps_name, "NotoSans-Regular");
        assert_eq!(fonts.bold.ps_name, "NotoSans-Bold");
    }

    #[test]
    fn decomposed_input_maps_to_precomposed_glyphs() {
        let font = &fonts().unwrap().regular;
        // "ặ" typed as a + combining breve + combining dot below.
        let decomposed = "a\u{0306}\u{0323}";
        assert_eq!(font.glyphs(decomposed), vec![(font.glyph('ặ'), 'ặ')]);
        // No ★ in Noto Sans: it prints as "?", and copies as "?".
        assert_eq!(font.glyphs("★"), vec![(font.glyph('?'), '?')]);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let font = &fonts().unwrap().regular;
        let long = "Mật ong rừng nguyên chất bản Pù Luông huyện Bá Thước";
        let cut = font.ellipsize(long, 7.0, 60.0);
        assert!(
            cut.ends_with(ELLIPSIS) && font.width(&cut, 7.0) <= 60.0,
            "{cut}"
        );
        assert_eq!(font.ellipsize("Mật ong", 7.0, 60.0), "Mật ong");
        let lines = font.wrap(long, 7.0, 60.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("Mật ong") && lines[1].ends_with(ELLIPSIS));
        assert!(lines.iter().all(|l| font.width(l, 7.0) <= 60.0));
        assert_eq!(font.wrap("", 7.0, 60.0, 2), Vec::<String>::new());
        let size = font.shrink_to_fit(long, 7.0, 60.0);
        assert!(size < 7.0 && font.width(long, size) <= 60.01);
    }
}
