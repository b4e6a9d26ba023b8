//! Minimal PNG writer for 1-bit grayscale images.
//!
//! Why by hand: a stamp PNG is a few kilobytes, and a general encoder spends
//! most of its time setting up compressor state (zeroing hash tables of
//! hundreds of kilobytes) rather than compressing. A QR image is made of
//! rows that repeat `module_px` times, so [`qr_png`] writes a fixed-Huffman
//! deflate stream by hand in which every repeated row is one back-reference
//! to the row above, in a few microseconds. Larger label images go through
//! `miniz_oxide`.

use super::qr::QrMatrix;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Largest module size `qr_png` accepts; larger values are clamped.
pub const MAX_MODULE_PX: u32 = 64;

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn header(out: &mut Vec<u8>, width: u32, height: u32, dpi: Option<u32>) {
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[0..4].copy_from_slice(&width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&height.to_be_bytes());
    ihdr[8] = 1; // bit depth
    ihdr[9] = 0; // grayscale
    // compression, filter and interlace methods: all 0
    chunk(out, b"IHDR", &ihdr);
    if let Some(dpi) = dpi {
        // Pixels per metre, so that printing software sizes the label right.
        let ppm = ((f64::from(dpi) / 0.0254).round() as u32).to_be_bytes();
        let mut phys = [0u8; 9];
        phys[0..4].copy_from_slice(&ppm);
        phys[4..8].copy_from_slice(&ppm);
        phys[8] = 1; // unit: metre
        chunk(out, b"pHYs", &phys);
    }
}

/// Writes the QR symbol `m` as a 1-bit grayscale PNG into `out` (cleared
/// first), `module_px` pixels per module (clamped to 1..=64) and `quiet`
/// light modules around it. `raw` is scratch space kept by the caller.
pub fn qr_png(m: &QrMatrix, quiet: usize, module_px: u32, raw: &mut Vec<u8>, out: &mut Vec<u8>) {
    let px = module_px.clamp(1, MAX_MODULE_PX) as usize;
    let modules = m.size() + 2 * quiet;
    let width = modules * px;
    let row_bytes = width.div_ceil(8);
    let stride = row_bytes + 1;

    // One packed row per module row (filter byte 0, 1 = white), then
    // copies for the other pixel rows of that module row.
    raw.clear();
    raw.resize(stride * width, 0);
    for my in 0..modules {
        let start = my * px * stride;
        let row = &mut raw[start..start + stride];
        row[0] = 0;
        pack_module_row(m, my as isize - quiet as isize, quiet, px, &mut row[1..]);
        for copy in 1..px {
            raw.copy_within(start..start + stride, start + copy * stride);
        }
    }

    out.clear();
    out.reserve(64 + raw.len() / 3);
    header(out, width as u32, width as u32, None);
    let len_pos = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(b"IDAT");
    deflate_rows(raw, stride, out);
    let data_len = out.len() - len_pos - 8;
    out[len_pos..len_pos + 4].copy_from_slice(&(data_len as u32).to_be_bytes());
    let crc = crc32fast::hash(&out[len_pos + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    chunk(out, b"IEND", &[]);
}

/// Packs one pixel row of module row `y` (may be in the quiet zone) into
/// `dst`, most significant bit first, 1 = white.
fn pack_module_row(m: &QrMatrix, y: isize, quiet: usize, px: usize, dst: &mut [u8]) {
    dst.fill(0xFF);
    if y < 0 || y as usize >= m.size() {
        return;
    }
    let row = m.row(y as usize);
    for (x, &dark) in row.iter().enumerate() {
        if dark == 0 {
            continue;
        }
        let first = (x + quiet) * px;
        for p in first..first + px {
            dst[p >> 3] &= !(0x80 >> (p & 7));
        }
    }
}

/// Writes a 1-bit grayscale PNG of `width` × `height` from `rows`, packed
/// rows of `width.div_ceil(8)` bytes each, 1 = white. `dpi` goes into a
/// pHYs chunk. Uses `miniz_oxide` at `level` (0..=10).
pub fn gray1_png(width: u32, height: u32, rows: &[u8], dpi: Option<u32>, level: u8) -> Vec<u8> {
    let row_bytes = (width as usize).div_ceil(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * height as usize);
    for row in rows.chunks_exact(row_bytes).take(height as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let idat = miniz_oxide::deflate::compress_to_vec_zlib(&raw, level);
    let mut out = Vec::with_capacity(idat.len() + 128);
    header(&mut out, width, height, dpi);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

// --- A tiny deflate encoder: literals, and whole-row back-references ----

/// Appends a zlib stream of `raw` (rows of `stride` bytes) to `out`. A row
/// equal to the one above becomes part of one match at distance `stride`;
/// other rows are coded as literals with the fixed Huffman code (RFC 1951
/// 3.2.6), so no tables are built or sent.
fn deflate_rows(raw: &[u8], stride: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x78, 0x01]); // zlib: deflate, 32 KiB window, fastest
    let mut bits = BitWriter { out, acc: 0, n: 0 };
    bits.put(0b011, 3); // final block, fixed Huffman codes
    let mut pending = 0usize;
    for (i, row) in raw.chunks_exact(stride).enumerate() {
        if i > 0 && row == &raw[(i - 1) * stride..i * stride] {
            pending += stride;
            continue;
        }
        bits.copy(pending, stride);
        pending = 0;
        for &b in row {
            let (code, len) = LITERALS[usize::from(b)];
            bits.put(u64::from(code), len);
        }
    }
    bits.copy(pending, stride);
    bits.put(0, 7); // end of block (code 256)
    bits.flush();
    out.extend_from_slice(&adler32(raw).to_be_bytes());
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter<'_> {
    /// Appends the low `len` bits of `value`, least significant first.
    fn put(&mut self, value: u64, len: u32) {
        self.acc |= value << self.n;
        self.n += len;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    fn flush(&mut self) {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
    }

    /// Emits back-references of `total` bytes at `distance`, split into
    /// matches of at most 258 bytes (none shorter than 3).
    fn copy(&mut self, mut total: usize, distance: usize) {
        while total > 0 {
            let len = if total > 258 {
                if total - 258 < 3 { total - 3 } else { 258 }
            } else {
                total
            };
            total -= len;
            self.length(len);
            self.distance(distance);
        }
    }

    fn length(&mut self, len: usize) {
        let (code, base, extra) = if len == 258 {
            (285u32, 258usize, 0u32)
        } else {
            let mut i = LENGTH_BASE.len() - 1;
            while LENGTH_BASE[i].0 > len {
                i -= 1;
            }
            (
                257 + i as u32,
                LENGTH_BASE[i].0,
                u32::from(LENGTH_BASE[i].1),
            )
        };
        // Codes 256..=279 are 7 bits from 0, 280..=287 are 8 bits from 0xC0.
        let (huff, hlen) = if code < 280 {
            (code - 256, 7)
        } else {
            (code - 280 + 0xC0, 8)
        };
        self.put(u64::from(reverse(huff, hlen)), hlen);
        self.put((len - base) as u64, extra);
    }

    fn distance(&mut self, dist: usize) {
        let mut i = DIST_BASE.len() - 1;
        while DIST_BASE[i].0 > dist {
            i -= 1;
        }
        self.put(u64::from(reverse(i as u32, 5)), 5);
        self.put((dist - DIST_BASE[i].0) as u64, u32::from(DIST_BASE[i].1));
    }
}

/// (base length, extra bits) for length codes 257..=284.
const LENGTH_BASE: [(usize, u8); 28] = [
    (3, 0),
    (4, 0),
    (5, 0),
    (6, 0),
    (7, 0),
    (8, 0),
    (9, 0),
    (10, 0),
    (11, 1),
    (13, 1),
    (15, 1),
    (17, 1),
    (19, 2),
    (23, 2),
    (27, 2),
    (31, 2),
    (35, 3),
    (43, 3),
    (51, 3),
    (59, 3),
    (67, 4),
    (83, 4),
    (99, 4),
    (115, 4),
    (131, 5),
    (163, 5),
    (195, 5),
    (227, 5),
];

/// (base distance, extra bits) for distance codes 0..=29.
const DIST_BASE: [(usize, u8); 30] = [
    (1, 0),
    (2, 0),
    (3, 0),
    (4, 0),
    (5, 1),
    (7, 1),
    (9, 2),
    (13, 2),
    (17, 3),
    (25, 3),
    (33, 4),
    (49, 4),
    (65, 5),
    (97, 5),
    (129, 6),
    (193, 6),
    (257, 7),
    (385, 7),
    (513, 8),
    (769, 8),
    (1025, 9),
    (1537, 9),
    (2049, 10),
    (3073, 10),
    (4097, 11),
    (6145, 11),
    (8193, 12),
    (12289, 12),
    (16385, 13),
    (24577, 13),
];

const fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// Fixed Huffman codes of the 256 literal bytes, bit-reversed for an
/// LSB-first writer, with their lengths.
const LITERALS: [(u16, u32); 256] = {
    let mut t = [(0u16, 0u32); 256];
    let mut b = 0;
    while b < 256 {
        t[b] = if b < 144 {
            (reverse(0x30 + b as u32, 8) as u16, 8)
        } else {
            (reverse(0x190 + (b as u32 - 144), 9) as u16, 9)
        };
        b += 1;
    }
    t
};

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest block for which the sums cannot overflow u32.
    for block in data.chunks(5552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_known_value() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn row_deflate_round_trips_through_miniz() {
        // Rows with repeats, long repeats (several 258-byte matches) and
        // every byte value as a literal.
        let stride = 23;
        let mut raw = Vec::new();
        for r in 0..200usize {
            let seed = if (40..120).contains(&r) { 40 } else { r / 3 };
            raw.extend((0..stride).map(|i| ((seed * 31 + i * 7) % 256) as u8));
        }
        let mut out = Vec::new();
        deflate_rows(&raw, stride, &mut out);
        let back = miniz_oxide::inflate::decompress_to_vec_zlib(&out).unwrap();
        assert_eq!(back, raw);
        assert!(out.len() < raw.len() / 2);
    }
}
