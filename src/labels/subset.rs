//! A TrueType subsetter that keeps glyph ids.
//!
//! Why: the PDF is written page by page, so the content streams already
//! hold glyph ids by the time the set of used glyphs is known. Keeping the
//! ids (unused glyphs become empty, CIDToGIDMap stays Identity) lets the
//! font be subset at the end of the file. A 40-label sheet then carries
//! about 20 KB of font instead of 2 × 500 KB. Composite glyphs (most
//! Vietnamese letters are a base plus marks) pull in their components.

use std::collections::BTreeSet;

/// Tables a PDF TrueType font program needs (ISO 32000 9.9), plus `OS/2`,
/// `name` (copyright and licence) and a glyph-name-free `post`.
const KEEP: [&[u8; 4]; 12] = [
    b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name",
    b"post", b"prep",
];

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// The font file `data` with every glyph not in `used` (nor a component of
/// one, nor .notdef) emptied. `None` if the font is not a glyf-based
/// TrueType file this code understands; embed the whole font then.
pub fn subset(data: &[u8], used: &BTreeSet<u16>) -> Option<Vec<u8>> {
    if u32_at(data, 0)? != 0x0001_0000 {
        return None;
    }
    let num_tables = usize::from(u16_at(data, 4)?);
    let mut tables: Vec<([u8; 4], &[u8])> = Vec::with_capacity(num_tables);
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
        let offset = u32_at(data, rec + 8)? as usize;
        let len = u32_at(data, rec + 12)? as usize;
        tables.push((tag, data.get(offset..offset.checked_add(len)?)?));
    }
    let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
    let head = table(b"head")?;
    let glyf = table(b"glyf")?;
    let loca = table(b"loca")?;
    let num_glyphs = usize::from(u16_at(table(b"maxp")?, 4)?);
    let long_loca = u16_at(head, 50)? != 0;
    let offset = |g: usize| -> Option<usize> {
        if long_loca {
            Some(u32_at(loca, g * 4)? as usize)
        } else {
            Some(usize::from(u16_at(loca, g * 2)?) * 2)
        }
    };
    let glyph = |g: usize| -> Option<&[u8]> {
        let (start, end) = (offset(g)?, offset(g + 1)?);
        glyf.get(start..end.max(start))
    };

    // Close the set over composite components.
    let mut keep = vec![false; num_glyphs];
    let mut stack: Vec<usize> = std::iter::once(0)
        .chain(used.iter().map(|&g| usize::from(g)))
        .filter(|&g| g < num_glyphs)
        .collect();
    while let Some(g) = stack.pop() {
        if std::mem::replace(&mut keep[g], true) {
            continue;
        }
        let data = glyph(g)?;
        if data.len() >= 10 && (u16_at(data, 0)? as i16) < 0 {
            stack.extend(components(data)?.into_iter().filter(|&c| c < num_glyphs));
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((num_glyphs + 1) * 4);
    for (g, &k) in keep.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if k {
            new_glyf.extend_from_slice(glyph(g)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());

    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.fill(0); // checkSumAdjustment, set below
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes()); // long loca
    let new_post = table(b"post").map(|post| {
        // Version 3: same metrics, no glyph names.
        let mut p = post.get(..32).unwrap_or(post).to_vec();
        if p.len() >= 4 {
            p[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        }
        p
    });

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for tag in KEEP {
        let body = match tag {
            b"glyf" => Some(std::mem::take(&mut new_glyf)),
            b"loca" => Some(std::mem::take(&mut new_loca)),
            b"head" => Some(std::mem::take(&mut new_head)),
            b"post" => new_post.clone(),
            _ => table(tag).map(<[u8]>::to_vec),
        };
        if let Some(body) = body {
            out_tables.push((*tag, body));
        }
    }
    Some(write_sfnt(out_tables))
}

/// Glyph ids of a composite glyph's components.
fn components(data: &[u8]) -> Option<Vec<usize>> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_2X2: u16 = 0x0080;
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(data, at)?;
        out.push(usize::from(u16_at(data, at + 2)?));
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_2X2 != 0 {
            8
        } else {
            0
        };
        if flags & MORE == 0 {
            return Some(out);
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Serialises tables (sorted by tag, 4-byte aligned) with a table
/// directory, and sets head.checkSumAdjustment.
fn write_sfnt(mut tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tables.sort_by_key(|(tag, _)| *tag);
    let n = tables.len() as u16;
    let entry_selector = 15 - n.max(1).leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, search_range, entry_selector, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, body) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += body.len().next_multiple_of(4);
    }
    for (_, body) in &tables {
        out.extend_from_slice(body);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::font::fonts;

    #[test]
    fn subset_keeps_ids_outlines_and_components() {
        let font = &fonts().unwrap().regular;
        let text = "Mật ong rừng ặ ỗ ữ ể Quét mã";
        let used: BTreeSet<u16> = font.glyphs(text).iter().map(|(g, _)| g.0).collect();
        let small = subset(font.data, &used).unwrap();
        assert!(small.len() < font.data.len() / 4, "{} bytes", small.len());
        let face = ttf_parser::Face::parse(&small, 0).unwrap();
        assert_eq!(face.number_of_glyphs(), font.face.number_of_glyphs());
        struct Count(usize);
        impl ttf_parser::OutlineBuilder for Count {
            fn move_to(&mut self, _: f32, _: f32) {
                self.0 += 1;
            }
            fn line_to(&mut self, _: f32, _: f32) {}
            fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
            fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
            fn close(&mut self) {}
        }
        for &g in &used {
            let (mut a, mut b) = (Count(0), Count(0));
            font.face.outline_glyph(ttf_parser::GlyphId(g), &mut a);
            face.outline_glyph(ttf_parser::GlyphId(g), &mut b);
            assert_eq!(a.0, b.0, "glyph {g}");
        }
        // A glyph that was not used is empty.
        let unused = font.glyph('Z').0;
        let mut c = Count(0);
        face.outline_glyph(ttf_parser::GlyphId(unused), &mut c);
        assert_eq!(c.0, 0);
        assert_eq!(checksum(&small), 0xB1B0_AFBA);
    }
}
