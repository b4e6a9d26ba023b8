//! Text helpers: accent folding for search and slugs, and free-text fields.

use unicode_normalization::UnicodeNormalization;

use super::reason::Reason;

/// Maximum length of a slug, in characters (all ASCII).
const SLUG_MAX: usize = 80;

/// Lowercases `s`, strips Vietnamese (and common Latin-1) diacritics to ASCII
/// and collapses whitespace, so "Mật ong  rừng" becomes "mat ong rung".
///
/// Used to compare names the way people type them: many users write without
/// accents, or with a keyboard that produces decomposed characters (a base
/// letter followed by combining marks), so both forms are handled. Typographic
/// apostrophes and dashes become their ASCII forms for the same reason.
/// Characters without an ASCII equivalent are kept (lowercased); control
/// characters separate words like spaces (PostgreSQL refuses a NUL in a
/// search parameter, and no stored text holds one).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Starting "in a space" drops leading whitespace without a final trim pass.
    let mut pending_space = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match fold_char(c) {
            Folded::One(f) => out.push(f),
            Folded::Two(a, b) => {
                out.push(a);
                out.push(b);
            }
        }
    }
    out
}

/// Combining diacritical marks, as found in decomposed (NFD) input.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The ASCII replacement of one lowercase character.
enum Folded {
    One(char),
    Two(char, char),
}

fn fold_char(c: char) -> Folded {
    let one = match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ'
        | 'ẫ' | 'ậ' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' | 'ë' | 'ē' => {
            'e'
        }
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở'
        | 'ỡ' | 'ợ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' | 'û' | 'ü' | 'ū' => {
            'u'
        }
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' | 'ÿ' => 'y',
        'đ' | 'ð' => 'd',
        'ç' => 'c',
        'ñ' => 'n',
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        '\u{2010}'..='\u{2015}' => '-',
        'æ' => return Folded::Two('a', 'e'),
        'œ' => return Folded::Two('o', 'e'),
        'ß' => return Folded::Two('s', 's'),
        'þ' => return Folded::Two('t', 'h'),
        other => other,
    };
    Folded::One(one)
}

/// A URL-friendly ASCII form of `s`: "Mật ong rừng Nam Xuân" becomes
/// "mat-ong-rung-nam-xuan".
///
/// At most 80 characters, cut at a word boundary when there is one so slugs
/// do not end in half a word. May be empty when `s` has no letters or digits;
/// callers needing a slug must supply a fallback.
pub fn slugify(s: &str) -> String {
    let mut slug = String::with_capacity(s.len());
    for c in fold(s).chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    // The slug is pure ASCII, so byte positions are character positions.
    if slug.len() > SLUG_MAX {
        let cut = match slug[..=SLUG_MAX].rfind('-') {
            Some(dash) if dash > 0 => dash,
            _ => SLUG_MAX,
        };
        slug.truncate(cut);
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A trimmed, non-empty free-text value of at most `max_chars` characters.
///
/// Line breaks are normalised to `\n` because browsers submit textarea
/// content with `\r\n`. Other control characters and bidirectional
/// overrides are refused: they are invisible and can disguise what a text
/// (e.g. a product name shown to buyers) really says.
pub fn required_text(value: &str, max_chars: usize) -> Result<String, Reason> {
    optional_text(value, max_chars)?.ok_or(Reason::Required)
}

/// Like [`required_text`], but an empty value is `Ok(None)`. Text comes back
/// in Unicode NFC.
pub fn optional_text(value: &str, max_chars: usize) -> Result<Option<String>, Reason> {
    // Keyboards in "Unicode tổ hợp" mode (and macOS) send decomposed letters:
    // composing them first makes lengths count letters and lets equal names
    // compare equal.
    let text: String = value
        .trim()
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max_chars {
        return Err(Reason::TooLong { max: max_chars });
    }
    if text.chars().any(is_forbidden_char) {
        return Err(Reason::Invalid);
    }
    Ok(Some(text))
}

fn is_forbidden_char(c: char) -> bool {
    let bidi_control = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    (c.is_control() && c != '\n' && c != '\t') || bidi_control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_vietnamese_diacritics() {
        assert_eq!(fold("Mật ong rừng"), "mat ong rung");
        assert_eq!(fold("ĐẶC SẢN Đà Nẵng"), "dac san da nang");
        assert_eq!(fold("Xã Thiên Phủ"), "xa thien phu");
        assert_eq!(
            fold("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"),
            "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
        );
        assert_eq!(
            fold("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"),
            "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
        );
    }

    #[test]
    fn fold_handles_latin1_and_punctuation() {
        assert_eq!(fold("Crème Brûlée Ñandú"), "creme brulee nandu");
        assert_eq!(fold("Straße Æsir"), "strasse aesir");
        assert_eq!(fold("Ea M’Droh"), "ea m'droh");
        assert_eq!(fold("Chân Mây – Lăng Cô"), "chan may - lang co");
    }

    #[test]
    fn fold_handles_decomposed_input() {
        // "Mật ong rừng" with the tones as combining marks.
        let decomposed = "Ma\u{0323}\u{0302}t ong ru\u{031B}\u{0300}ng";
        assert_eq!(fold(decomposed), "mat ong rung");
    }

    #[test]
    fn fold_collapses_whitespace() {
        assert_eq!(fold("  Nam \t\n Xuân\u{00A0} "), "nam xuan");
        assert_eq!(fold("   "), "");
        assert_eq!(fold("Mật\0ong\u{7}"), "mat ong");
    }

    #[test]
    fn slugify_examples() {
        assert_eq!(slugify("Mật ong rừng Nam Xuân"), "mat-ong-rung-nam-xuan");
        assert_eq!(slugify("Chè Shan tuyết"), "che-shan-tuyet");
        assert_eq!(slugify("Đặc sản"), "dac-san");
        assert_eq!(slugify("  --OCOP 4★ (2025)!! "), "ocop-4-2025");
        assert_eq!(slugify("★★★"), "");
    }

    #[test]
    fn slugify_limits_length_at_word_boundary() {
        let long = "mật ong ".repeat(20);
        let slug = slugify(&long);
        assert!(slug.len() <= 80, "{slug}");
        assert!(slug.ends_with("ong"), "{slug}");
        let one_word = "a".repeat(100);
        assert_eq!(slugify(&one_word), "a".repeat(80));
        // A dash exactly at position 80 is a clean boundary.
        let exact = format!("{} tail", "b".repeat(80));
        assert_eq!(slugify(&exact), "b".repeat(80));
    }

    #[test]
    fn required_text_rules() {
        assert_eq!(required_text("  Mật ong  ", 10), Ok("Mật ong".to_owned()));
        assert_eq!(required_text(" \n ", 10), Err(Reason::Required));
        assert_eq!(
            required_text("Mật ong rừng", 11),
            Err(Reason::TooLong { max: 11 })
        );
        assert_eq!(
            required_text("Mật ong rừng", 12),
            Ok("Mật ong rừng".to_owned())
        );
        assert_eq!(required_text("a\u{0}b", 10), Err(Reason::Invalid));
        assert_eq!(required_text("a\u{202E}b", 10), Err(Reason::Invalid));
        assert_eq!(required_text("a\r\nb\tc", 10), Ok("a\nb\tc".to_owned()));
    }

    #[test]
    fn optional_text_rules() {
        assert_eq!(optional_text("   ", 10), Ok(None));
        assert_eq!(optional_text(" x ", 10), Ok(Some("x".to_owned())));
        assert_eq!(optional_text("xyz", 2), Err(Reason::TooLong { max: 2 }));
    }
}
