//! A QR Code Model 2 encoder specialised for stamp URLs.
//!
//! Why not a general-purpose crate: a stamp run encodes thousands of URLs of
//! the same length, so everything that depends only on the version (function
//! patterns, the module placement order, the eight mask patterns, the
//! Reed-Solomon generator) is computed once in [`QrEncoder::new`] and reused.
//! Per stamp only the payload, its error correction and the mask choice are
//! computed, in buffers that are kept between stamps. Byte mode and error
//! correction level M are fixed.
//!
//! The mask is chosen by the penalty rules of ISO/IEC 18004 (N1 to N4), scored
//! on the whole symbol including the format information, exactly as Project
//! Nayuki's reference implementation `qrcodegen` does; the unit tests compare
//! whole symbols with `qrcodegen` module by module. (`fast_qr` was measured
//! too: it is fast, but its scoring skips function modules and picks a
//! different mask than the standard rules for almost half of the stamp URLs.)

use std::cell::RefCell;

use super::png;

/// Error correction codewords per block at level M, by version (index 0 unused).
const EC_M_PER_BLOCK: [u8; 41] = [
    0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];

/// Error correction blocks at level M, by version (index 0 unused).
const EC_M_BLOCKS: [u8; 41] = [
    0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23,
    25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];

/// Format information level bits for level M (L = 01, M = 00, Q = 11, H = 10).
const EC_M_FORMAT: u32 = 0b00;

/// The quiet zone the standard asks for around the symbol, in modules.
pub const QUIET_ZONE: usize = 4;

/// The longest payload a QR code holds in byte mode at level M (version 40).
pub const MAX_PAYLOAD: usize = 2331;

/// Why a payload could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The payload is longer than the encoder's fixed version holds.
    #[error("QR payload of {len} bytes does not fit version {version}-M ({capacity} bytes)")]
    TooLong {
        /// Payload length in bytes.
        len: usize,
        /// The encoder's version.
        version: u8,
        /// Bytes that version holds at level M.
        capacity: usize,
    },
    /// The payload is longer than any QR code holds at level M.
    #[error(
        "QR payload of {len} bytes is longer than any QR code holds at level M ({MAX_PAYLOAD})"
    )]
    TooLongForQr {
        /// Payload length in bytes.
        len: usize,
    },
}

/// Modules per side of a symbol of `version` (1..=40).
pub const fn symbol_size(version: u8) -> usize {
    version as usize * 4 + 17
}

fn raw_data_modules(version: u8) -> usize {
    let v = version as usize;
    let mut n = (16 * v + 128) * v + 64;
    if v >= 2 {
        let align = v / 7 + 2;
        n -= (25 * align - 10) * align - 55;
        if v >= 7 {
            n -= 36;
        }
    }
    n
}

fn data_codewords(version: u8) -> usize {
    let v = usize::from(version);
    raw_data_modules(version) / 8 - usize::from(EC_M_PER_BLOCK[v]) * usize::from(EC_M_BLOCKS[v])
}

fn count_bits(version: u8) -> usize {
    if version < 10 { 8 } else { 16 }
}

/// Bytes a symbol of `version` (1..=40) holds in byte mode at level M.
pub fn byte_capacity(version: u8) -> usize {
    if !(1..=40).contains(&version) {
        return 0;
    }
    (data_codewords(version) * 8 - 4 - count_bits(version)) / 8
}

/// The smallest version whose byte-mode capacity at level M is at least
/// `len`, or `None` when no QR code holds that much.
pub fn version_for_len(len: usize) -> Option<u8> {
    (1..=40u8).find(|&v| byte_capacity(v) >= len)
}

/// A finished symbol: `size` × `size` modules, row by row, 1 = dark.
/// It does not include the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    modules: Vec<u8>,
}

impl QrMatrix {
    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module in column `x`, row `y` is dark (false outside).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.modules[y * self.size + x] != 0
    }

    /// One row of modules, 1 = dark.
    pub fn row(&self, y: usize) -> &[u8] {
        &self.modules[y * self.size..(y + 1) * self.size]
    }

    /// Horizontal runs of dark modules in row `y` as `(first column, length)`:
    /// vector outputs draw one rectangle per run instead of one per module.
    pub fn dark_runs(&self, y: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let row = self.row(y);
        let mut x = 0;
        std::iter::from_fn(move || {
            while x < row.len() && row[x] == 0 {
                x += 1;
            }
            if x >= row.len() {
                return None;
            }
            let start = x;
            while x < row.len() && row[x] != 0 {
                x += 1;
            }
            Some((start, x - start))
        })
    }
}

/// Encodes payloads at one fixed version and level M, keeping every buffer
/// between calls. Build one per run (or per thread) and reuse it: building
/// costs about as much as encoding a few stamps.
#[derive(Debug, Clone)]
pub struct QrEncoder {
    version: u8,
    size: usize,
    capacity: usize,
    data_len: usize,
    blocks: usize,
    short_blocks: usize,
    short_block_len: usize,
    ec_len: usize,
    /// Generator polynomial coefficients (without the leading 1) as logs.
    divisor_log: Vec<u8>,
    /// Function patterns drawn, data area light, format area light.
    template: Vec<u8>,
    /// Module indices in the order the codeword bits are placed.
    placement: Vec<u16>,
    /// Per mask: 1 where the mask inverts a module (data area only).
    masks: [Vec<u8>; 8],
    /// Module indices of both copies of the 15 format bits, bit i first.
    format_cells: [(u16, u16); 15],
    /// Bit-parallel tables for symbols of up to 64 modules (versions 1-11),
    /// where scoring the eight masks is most of the work.
    bits: Option<Box<BitTables>>,
    // Scratch buffers, reused between stamps.
    codewords: Vec<u8>,
    ecc: Vec<u8>,
    interleaved: Vec<u8>,
    unmasked: Vec<u8>,
    candidate: QrMatrix,
    best: QrMatrix,
    png_raw: Vec<u8>,
}

impl QrEncoder {
    /// An encoder for payloads of up to `max_len` bytes, at the smallest
    /// version that holds them.
    pub fn for_len(max_len: usize) -> Result<Self, QrError> {
        let version = version_for_len(max_len).ok_or(QrError::TooLongForQr { len: max_len })?;
        Ok(Self::new(version))
    }

    /// An encoder for a fixed `version` (clamped to 1..=40).
    pub fn new(version: u8) -> Self {
        let version = version.clamp(1, 40);
        let v = usize::from(version);
        let size = symbol_size(version);
        let raw_codewords = raw_data_modules(version) / 8;
        let blocks = usize::from(EC_M_BLOCKS[v]);
        let ec_len = usize::from(EC_M_PER_BLOCK[v]);
        let short_blocks = blocks - raw_codewords % blocks;
        let short_block_len = raw_codewords / blocks;

        let mut template = vec![0u8; size * size];
        let mut function = vec![false; size * size];
        draw_function_patterns(version, size, &mut template, &mut function);

        let placement = placement_order(size, &function);
        let masks = std::array::from_fn(|k| {
            let mut m = vec![0u8; size * size];
            for y in 0..size {
                for x in 0..size {
                    let i = y * size + x;
                    m[i] = u8::from(!function[i] && mask_inverts(k, x, y));
                }
            }
            m
        });
        let format_cells = format_cells(size);
        let bits =
            (size <= 64).then(|| Box::new(BitTables::new(size, &template, &masks, &format_cells)));
        let empty = QrMatrix {
            size,
            modules: vec![0; size * size],
        };
        QrEncoder {
            version,
            size,
            capacity: byte_capacity(version),
            data_len: data_codewords(version),
            blocks,
            short_blocks,
            short_block_len,
            ec_len,
            divisor_log: rs_divisor_log(ec_len),
            template,
            placement,
            masks,
            format_cells,
            bits,
            codewords: Vec::with_capacity(raw_codewords),
            ecc: vec![0; ec_len],
            interleaved: Vec::with_capacity(raw_codewords),
            unmasked: vec![0; size * size],
            candidate: empty.clone(),
            best: empty,
            png_raw: Vec::new(),
        }
    }

    /// The QR version (1..=40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The longest payload this encoder takes, in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Encodes `payload` in byte mode and returns the finished symbol, which
    /// stays valid until the next call.
    pub fn encode(&mut self, payload: &[u8]) -> Result<&QrMatrix, QrError> {
        if payload.len() > self.capacity {
            return Err(QrError::TooLong {
                len: payload.len(),
                version: self.version,
                capacity: self.capacity,
            });
        }
        self.build_codewords(payload);
        self.add_ecc_and_interleave();
        self.place_data();
        match self.bits.as_deref_mut() {
            Some(tables) => {
                let mask = tables.choose_mask(&self.unmasked);
                self.apply_mask(mask);
            }
            None => self.choose_mask(),
        }
        Ok(&self.best)
    }

    /// Encodes `payload` and writes it as a 1-bit grayscale PNG with
    /// `module_px` pixels per module (clamped to 1..=64) and a quiet zone of
    /// four modules, replacing the contents of `out`.
    pub fn png_into(
        &mut self,
        payload: &[u8],
        module_px: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), QrError> {
        self.encode(payload)?;
        let mut raw = std::mem::take(&mut self.png_raw);
        png::qr_png(&self.best, QUIET_ZONE, module_px, &mut raw, out);
        self.png_raw = raw;
        Ok(())
    }

    /// Like [`QrEncoder::png_into`], into a new vector.
    pub fn png(&mut self, payload: &[u8], module_px: u32) -> Result<Vec<u8>, QrError> {
        let mut out = Vec::new();
        self.png_into(payload, module_px, &mut out)?;
        Ok(out)
    }

    fn build_codewords(&mut self, payload: &[u8]) {
        let mut bits = BitBuffer::new(&mut self.codewords);
        bits.push(0b0100, 4); // byte mode
        bits.push(payload.len() as u32, count_bits(self.version));
        for &b in payload {
            bits.push(u32::from(b), 8);
        }
        let capacity_bits = self.data_len * 8;
        // Terminator of up to four zero bits, then zero bits to a byte edge.
        let terminator = (capacity_bits - bits.len()).min(4);
        bits.push(0, terminator);
        let pad = (8 - bits.len() % 8) % 8;
        bits.push(0, pad);
        for &b in [0xEC, 0x11].iter().cycle() {
            if self.codewords.len() >= self.data_len {
                break;
            }
            self.codewords.push(b);
        }
    }

    fn add_ecc_and_interleave(&mut self) {
        // Blocks are consecutive slices of the data codewords; the long
        // blocks (after the short ones) carry one more data codeword.
        let short_data = self.short_block_len - self.ec_len;
        self.interleaved.clear();
        // Data codewords, column by column across the blocks.
        for i in 0..=short_data {
            for b in 0..self.blocks {
                if i == short_data && b < self.short_blocks {
                    continue;
                }
                let start = block_start(b, short_data, self.short_blocks);
                self.interleaved.push(self.codewords[start + i]);
            }
        }
        // Error correction codewords, column by column too; compute each
        // block's remainder once and scatter it.
        let ec_base = self.interleaved.len();
        self.interleaved
            .resize(ec_base + self.blocks * self.ec_len, 0);
        for b in 0..self.blocks {
            let start = block_start(b, short_data, self.short_blocks);
            let len = short_data + usize::from(b >= self.short_blocks);
            rs_remainder(
                &self.codewords[start..start + len],
                &self.divisor_log,
                &mut self.ecc,
            );
            for (i, &e) in self.ecc.iter().enumerate() {
                self.interleaved[ec_base + i * self.blocks + b] = e;
            }
        }
    }

    fn place_data(&mut self) {
        self.unmasked.copy_from_slice(&self.template);
        // Remainder bits (placement longer than the codewords) stay light.
        for (i, &cell) in self.placement.iter().enumerate() {
            let Some(&byte) = self.interleaved.get(i >> 3) else {
                break;
            };
            self.unmasked[usize::from(cell)] = (byte >> (7 - (i & 7))) & 1;
        }
    }

    fn apply_mask(&mut self, k: usize) {
        for ((b, &u), &m) in self
            .best
            .modules
            .iter_mut()
            .zip(&self.unmasked)
            .zip(&self.masks[k])
        {
            *b = u ^ m;
        }
        write_format(&mut self.best.modules, &self.format_cells, k);
    }

    /// The mask choice module by module; used for symbols too wide for
    /// [`BitTables`].
    fn choose_mask(&mut self) {
        let mut best_score = u32::MAX;
        for k in 0..8 {
            for ((c, &u), &m) in self
                .candidate
                .modules
                .iter_mut()
                .zip(&self.unmasked)
                .zip(&self.masks[k])
            {
                *c = u ^ m;
            }
            write_format(&mut self.candidate.modules, &self.format_cells, k);
            let score = penalty(&self.candidate.modules, self.size, best_score);
            if score < best_score {
                best_score = score;
                std::mem::swap(&mut self.best, &mut self.candidate);
            }
        }
    }
}

fn block_start(block: usize, short_data: usize, short_blocks: usize) -> usize {
    block * short_data + block.saturating_sub(short_blocks)
}

/// Appends bits most significant first to a byte vector.
struct BitBuffer<'a> {
    out: &'a mut Vec<u8>,
    acc: u32,
    n: usize,
    total: usize,
}

impl<'a> BitBuffer<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.clear();
        BitBuffer {
            out,
            acc: 0,
            n: 0,
            total: 0,
        }
    }

    fn len(&self) -> usize {
        self.total
    }

    fn push(&mut self, value: u32, bits: usize) {
        for i in (0..bits).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
        self.total += bits;
    }
}

// --- Galois field GF(2^8) with the QR polynomial 0x11D -------------------

struct Gf {
    exp: [u8; 512],
    log: [u8; 256],
}

const GF: Gf = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u32 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    // Doubled so that exp[a + b] needs no modulo.
    while i < 512 {
        exp[i] = exp[i - 255];
        i += 1;
    }
    Gf { exp, log }
};

fn gf_mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        GF.exp[usize::from(GF.log[usize::from(a)]) + usize::from(GF.log[usize::from(b)])]
    }
}

/// The generator polynomial prod(x - 2^i, i < degree), highest coefficient
/// (always 1) dropped, as logarithms (no coefficient is zero).
fn rs_divisor_log(degree: usize) -> Vec<u8> {
    let mut poly = vec![0u8; degree];
    if let Some(last) = poly.last_mut() {
        *last = 1;
    }
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            poly[j] = gf_mul(poly[j], root);
            if j + 1 < degree {
                poly[j] ^= poly[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    poly.iter().map(|&c| GF.log[usize::from(c)]).collect()
}

fn rs_remainder(data: &[u8], divisor_log: &[u8], out: &mut [u8]) {
    out.fill(0);
    let n = out.len();
    for &b in data {
        let factor = b ^ out[0];
        out.copy_within(1.., 0);
        out[n - 1] = 0;
        if factor != 0 {
            let lf = usize::from(GF.log[usize::from(factor)]);
            for (o, &d) in out.iter_mut().zip(divisor_log) {
                *o ^= GF.exp[lf + usize::from(d)];
            }
        }
    }
}

// --- Function patterns, placement, masks ---------------------------------

fn draw_function_patterns(version: u8, size: usize, modules: &mut [u8], function: &mut [bool]) {
    let mut set = |x: usize, y: usize, dark: bool| {
        modules[y * size + x] = u8::from(dark);
        function[y * size + x] = true;
    };
    for i in 0..size {
        set(6, i, i % 2 == 0);
        set(i, 6, i % 2 == 0);
    }
    // Finder patterns with their separators.
    for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if (0..size as i32).contains(&x) && (0..size as i32).contains(&y) {
                    let dist = dx.abs().max(dy.abs());
                    set(x as usize, y as usize, dist != 2 && dist != 4);
                }
            }
        }
    }
    let align = alignment_positions(version, size);
    let n = align.len();
    for i in 0..n {
        for j in 0..n {
            // The three finder corners have no alignment pattern.
            if [(0, 0), (0, n - 1), (n - 1, 0)].contains(&(i, j)) {
                continue;
            }
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    let x = (align[i] as i32 + dx) as usize;
                    let y = (align[j] as i32 + dy) as usize;
                    set(x, y, dx.abs().max(dy.abs()) != 1);
                }
            }
        }
    }
    // Format areas are function modules, written per mask later; the dark
    // module is always dark.
    for (a, b) in format_cells(size) {
        set(usize::from(a) % size, usize::from(a) / size, false);
        set(usize::from(b) % size, usize::from(b) / size, false);
    }
    set(8, size - 8, true);
    if version >= 7 {
        let mut rem = u32::from(version);
        for _ in 0..12 {
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
        }
        let bits = (u32::from(version) << 12) | rem;
        for i in 0..18 {
            let dark = (bits >> i) & 1 != 0;
            let a = size - 11 + i % 3;
            let b = i / 3;
            set(a, b, dark);
            set(b, a, dark);
        }
    }
}

fn alignment_positions(version: u8, size: usize) -> Vec<usize> {
    if version == 1 {
        return Vec::new();
    }
    let v = usize::from(version);
    let n = v / 7 + 2;
    let step = if v == 32 {
        26
    } else {
        (v * 4 + n * 2 + 1) / (n * 2 - 2) * 2
    };
    let mut pos: Vec<usize> = (0..n - 1).map(|i| size - 7 - i * step).collect();
    pos.push(6);
    pos.reverse();
    pos
}

/// Cells of the two copies of format bit i, as module indices.
fn format_cells(size: usize) -> [(u16, u16); 15] {
    let idx = |x: usize, y: usize| (y * size + x) as u16;
    std::array::from_fn(|i| {
        let first = match i {
            0..=5 => idx(8, i),
            6 => idx(8, 7),
            7 => idx(8, 8),
            8 => idx(7, 8),
            _ => idx(14 - i, 8),
        };
        let second = if i < 8 {
            idx(size - 1 - i, 8)
        } else {
            idx(8, size - 15 + i)
        };
        (first, second)
    })
}

fn format_bits(mask: usize) -> u32 {
    let data = (EC_M_FORMAT << 3) | mask as u32;
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    ((data << 10) | rem) ^ 0x5412
}

fn write_format(modules: &mut [u8], cells: &[(u16, u16); 15], mask: usize) {
    let bits = format_bits(mask);
    for (i, &(a, b)) in cells.iter().enumerate() {
        let bit = ((bits >> i) & 1) as u8;
        modules[usize::from(a)] = bit;
        modules[usize::from(b)] = bit;
    }
}

/// The zigzag order in which codeword bits fill the non-function modules.
fn placement_order(size: usize, function: &[bool]) -> Vec<u16> {
    let mut order = Vec::with_capacity(size * size);
    let mut right = size as i32 - 1;
    while right >= 1 {
        if right == 6 {
            right = 5;
        }
        let upward = (right + 1) & 2 == 0;
        for vert in 0..size {
            for j in 0..2 {
                let x = (right - j) as usize;
                let y = if upward { size - 1 - vert } else { vert };
                if !function[y * size + x] {
                    order.push((y * size + x) as u16);
                }
            }
        }
        right -= 2;
    }
    order
}

fn mask_inverts(mask: usize, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (x / 3 + y / 2).is_multiple_of(2),
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + x * y % 3).is_multiple_of(2),
    }
}

// --- Penalty (ISO/IEC 18004 section 7.8.3) -------------------------------

/// The penalty score of a finished symbol; stops early (returning a value
/// at least `bound`) once it cannot beat `bound`.
fn penalty(m: &[u8], size: usize, bound: u32) -> u32 {
    // N4, balance: cheapest, and it often rules a mask out early.
    let dark: usize = m.iter().map(|&b| usize::from(b)).sum();
    let mut score = balance_penalty(dark, size * size);

    // N2, 2x2 blocks of one colour.
    for y in 0..size - 1 {
        let r0 = &m[y * size..(y + 1) * size];
        let r1 = &m[(y + 1) * size..(y + 2) * size];
        let mut blocks = 0u32;
        for x in 0..size - 1 {
            let differ = (r0[x] ^ r0[x + 1]) | (r0[x] ^ r1[x]) | (r0[x] ^ r1[x + 1]);
            blocks += u32::from(differ == 0);
        }
        score += blocks * 3;
    }
    if score >= bound {
        return score;
    }

    // N1 and N3 along rows, then columns.
    let mut line = [0u8; 177];
    for y in 0..size {
        score += line_penalty(&m[y * size..(y + 1) * size]);
    }
    if score >= bound {
        return score;
    }
    for x in 0..size {
        for (y, cell) in line[..size].iter_mut().enumerate() {
            *cell = m[y * size + x];
        }
        score += line_penalty(&line[..size]);
    }
    score
}

/// N4: 10 points for each full 5% the dark share is away from 50%, i.e.
/// the smallest k with (45 - 5k)% <= dark <= (55 + 5k)%.
fn balance_penalty(dark: usize, total: usize) -> u32 {
    let k = (dark * 20)
        .abs_diff(total * 10)
        .div_ceil(total)
        .saturating_sub(1);
    k as u32 * 10
}

/// N1 (runs of five or more) and N3 (1:1:3:1:1 finder lookalikes with four
/// light modules on one side) for one row or column. Outside the symbol
/// counts as light, as in the reference implementation.
fn line_penalty(line: &[u8]) -> u32 {
    let size = line.len() as u32;
    let mut score = 0;
    let mut history = [0u32; 7];
    let mut run_dark = 0u8;
    let mut run = 0u32;
    for &c in line {
        if c == run_dark {
            run += 1;
            if run == 5 {
                score += 3;
            } else if run > 5 {
                score += 1;
            }
        } else {
            push_history(&mut history, run, size);
            if run_dark == 0 {
                score += finder_patterns(&history) * 40;
            }
            run_dark = c;
            run = 1;
        }
    }
    // Terminate: close a dark run, then add the light border.
    if run_dark != 0 {
        push_history(&mut history, run, size);
        run = 0;
    }
    push_history(&mut history, run + size, size);
    score + finder_patterns(&history) * 40
}

fn push_history(history: &mut [u32; 7], mut run: u32, size: u32) {
    if history[0] == 0 {
        run += size; // light border before the first run
    }
    history.copy_within(0..6, 1);
    history[0] = run;
}

fn finder_patterns(h: &[u32; 7]) -> u32 {
    let n = h[1];
    let core = n > 0 && h[2] == n && h[3] == n * 3 && h[4] == n && h[5] == n;
    u32::from(core && h[0] >= n * 4 && h[6] >= n) + u32::from(core && h[6] >= n * 4 && h[0] >= n)
}

// --- The same scoring, bit-parallel, for symbols of up to 64 modules -----

/// Rows and columns of a symbol as bit sets (bit x of a row is column x,
/// bit y of a column is row y). Masking becomes XOR of words, and each line
/// is scored run by run (found with trailing_zeros) instead of module by
/// module. Only for `size <= 64`.
#[derive(Debug, Clone)]
struct BitTables {
    size: usize,
    /// Per mask: the mask pattern (data area only) with that mask's format
    /// bits, as rows then columns; XOR onto the unmasked symbol whose format
    /// cells are light.
    mask_rows: [Vec<u64>; 8],
    mask_cols: [Vec<u64>; 8],
    rows: Vec<u64>,
    cols: Vec<u64>,
}

impl BitTables {
    fn new(size: usize, template: &[u8], masks: &[Vec<u8>; 8], cells: &[(u16, u16); 15]) -> Self {
        let mut mask_rows: [Vec<u64>; 8] = std::array::from_fn(|_| vec![0; size]);
        let mut mask_cols: [Vec<u64>; 8] = std::array::from_fn(|_| vec![0; size]);
        for k in 0..8 {
            let mut m = masks[k].clone();
            // Format cells are light in the template, so XOR sets them.
            debug_assert!(
                cells
                    .iter()
                    .all(|&(a, b)| template[usize::from(a)] == 0 && template[usize::from(b)] == 0)
            );
            write_format(&mut m, cells, k);
            for y in 0..size {
                for x in 0..size {
                    if m[y * size + x] != 0 {
                        mask_rows[k][y] |= 1 << x;
                        mask_cols[k][x] |= 1 << y;
                    }
                }
            }
        }
        BitTables {
            size,
            mask_rows,
            mask_cols,
            rows: vec![0; size],
            cols: vec![0; size],
        }
    }

    /// The mask with the lowest penalty (the first on ties).
    fn choose_mask(&mut self, unmasked: &[u8]) -> usize {
        let size = self.size;
        self.rows.fill(0);
        self.cols.fill(0);
        for y in 0..size {
            for x in 0..size {
                let bit = u64::from(unmasked[y * size + x]);
                self.rows[y] |= bit << x;
                self.cols[x] |= bit << y;
            }
        }
        let mut best = (u32::MAX, 0);
        for k in 0..8 {
            let score = self.penalty(k, best.0);
            if score < best.0 {
                best = (score, k);
            }
        }
        best.1
    }

    fn penalty(&self, k: usize, bound: u32) -> u32 {
        let size = self.size;
        let total = size * size;
        let mut dark = 0usize;
        let mut score = 0u32;
        let pair_mask = (1u64 << (size - 1)) - 1;
        let mut prev = 0u64;
        for (y, (&r, &m)) in self.rows.iter().zip(&self.mask_rows[k]).enumerate() {
            let row = r ^ m;
            dark += row.count_ones() as usize;
            if y > 0 {
                // N2: modules x and x+1 equal in both rows, and the rows equal at x.
                let same = !(prev ^ (prev >> 1)) & !(row ^ (row >> 1)) & !(prev ^ row);
                score += (same & pair_mask).count_ones() * 3;
            }
            score += line_penalty_bits(row, size as u32);
            prev = row;
        }
        score += balance_penalty(dark, total);
        if score >= bound {
            return score;
        }
        for (&c, &m) in self.cols.iter().zip(&self.mask_cols[k]) {
            score += line_penalty_bits(c ^ m, size as u32);
        }
        score
    }
}

/// N1 and N3 for one line given as bits (bit x = module x is dark), the
/// same rules as [`line_penalty`].
fn line_penalty_bits(line: u64, size: u32) -> u32 {
    let full = if size >= 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    };
    let line = line & full;
    // N1: bit x of `same` says modules x and x+1 match; a run of L >= 5
    // leaves L-4 bits in `five` (five equal modules from x), and costs
    // 3 + (L-5) = popcount + 2 per run.
    let same = !(line ^ (line >> 1)) & (full >> 1);
    let five = same & (same >> 1) & (same >> 2) & (same >> 3);
    let n1 = five.count_ones() + 2 * (five & !(five << 1)).count_ones();
    // N3: a lookalike scaled by n >= 2 needs a dark run of 3n >= 6; lines
    // without one can only hold the unscaled 1011101, matched with masks.
    let six_dark = line & (line >> 1) & (line >> 2) & (line >> 3) & (line >> 4) & (line >> 5);
    let n3 = if six_dark == 0 {
        finder_unscaled(line)
    } else {
        finder_runs(line, size)
    };
    n1 + n3 * 40
}

/// Unscaled finder lookalikes: 0 1011101 0000 and 0000 1011101 0, with the
/// outside of the line light.
fn finder_unscaled(line: u64) -> u32 {
    // Eight light modules of margin before the line; after it the bits
    // are zero anyway.
    let l = u128::from(line) << 8;
    let matches = |pattern: [u8; 12]| {
        let mut hit = u128::MAX;
        for (j, &p) in pattern.iter().enumerate() {
            let s = l >> j;
            hit &= if p == 1 { s } else { !s };
        }
        hit.count_ones()
    };
    matches([0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0]) + matches([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0])
}

/// Finder lookalikes of any scale, run by run (runs found with
/// trailing_zeros), as in [`line_penalty`]. The run history is kept as
/// bytes of one word: runs, borders included, stay below 256 because lines
/// are at most 64 modules.
fn finder_runs(line: u64, size: u32) -> u32 {
    let mut changes = line ^ (line << 1);
    if size < 64 {
        changes &= (1u64 << size) - 1;
    }
    let mut count = 0;
    let mut history = 0u64;
    let mut start = 0u32;
    let mut dark = false;
    let mut first = true;
    while changes != 0 {
        let at = changes.trailing_zeros();
        changes &= changes - 1;
        // The light border before the line belongs to the first run.
        let border = if first { size } else { 0 };
        history = (history << 8) | u64::from(at - start + border);
        first = false;
        if !dark {
            count += finder_patterns_packed(history);
        }
        dark = !dark;
        start = at;
    }
    let len = size - start;
    if dark {
        history = (history << 8) | u64::from(len);
        history = (history << 8) | u64::from(size);
    } else {
        let border = if first { size } else { 0 };
        history = (history << 8) | u64::from(len + size + border);
    }
    count + finder_patterns_packed(history)
}

fn finder_patterns_packed(h: u64) -> u32 {
    let run = |i: u32| ((h >> (8 * i)) & 0xFF) as u32;
    let n = run(1);
    let core = n > 0 && run(2) == n && run(3) == n * 3 && run(4) == n && run(5) == n;
    u32::from(core && run(0) >= n * 4 && run(6) >= n)
        + u32::from(core && run(6) >= n * 4 && run(0) >= n)
}

thread_local! {
    static ENCODER: RefCell<Option<QrEncoder>> = const { RefCell::new(None) };
}

/// A PNG of the QR code for `url`: 1-bit grayscale, `module_px` pixels per
/// module (clamped to 1..=64), quiet zone of four modules, level M, the
/// smallest version that holds the URL.
///
/// Reuses a per-thread [`QrEncoder`], so calling this in a loop is fast; a
/// batch with URLs of one length gets one version. Returns an empty vector
/// if the URL is longer than any QR code holds (2,331 bytes).
pub fn stamp_png(url: &str, module_px: u32) -> Vec<u8> {
    let Some(version) = version_for_len(url.len()) else {
        return Vec::new();
    };
    ENCODER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let encoder = match slot.as_mut() {
            Some(e) if e.version() == version => e,
            _ => slot.insert(QrEncoder::new(version)),
        };
        encoder.png(url.as_bytes(), module_px).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_match_the_standard_tables() {
        // ISO/IEC 18004 table 7, byte mode, level M.
        let expected = [
            (1, 14),
            (2, 26),
            (3, 42),
            (4, 62),
            (5, 84),
            (10, 213),
            (40, 2331),
        ];
        for (v, cap) in expected {
            assert_eq!(byte_capacity(v), cap, "version {v}");
        }
        assert_eq!(version_for_len(42), Some(3));
        assert_eq!(version_for_len(43), Some(4));
        assert_eq!(version_for_len(59), Some(4));
        assert_eq!(version_for_len(2332), None);
    }

    /// The bit-parallel and the module-by-module scoring agree on every
    /// mask of many symbols (both paths are also checked against qrcodegen).
    #[test]
    fn bit_parallel_scoring_matches_module_scoring() {
        let mut seed = 0xDEAD_BEEF_1234_5678u64;
        for version in 1..=11u8 {
            let mut enc = QrEncoder::new(version);
            for _ in 0..50 {
                let len = (seed as usize) % (enc.capacity() + 1);
                let payload: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                enc.encode(&payload).unwrap();
                let mut tables = enc.bits.clone().unwrap();
                tables.choose_mask(&enc.unmasked);
                for k in 0..8 {
                    let mut m = enc.unmasked.clone();
                    for (c, &x) in m.iter_mut().zip(&enc.masks[k]) {
                        *c ^= x;
                    }
                    write_format(&mut m, &enc.format_cells, k);
                    assert_eq!(
                        tables.penalty(k, u32::MAX),
                        penalty(&m, enc.size, u32::MAX),
                        "version {version} mask {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        let mut enc = QrEncoder::new(1);
        assert!(matches!(
            enc.encode(&[b'a'; 15]),
            Err(QrError::TooLong { len: 15, .. })
        ));
        assert!(stamp_png(&"x".repeat(3000), 4).is_empty());
    }
}

#[cfg(test)]
mod reference_tests {
    use super::*;
    use qrcodegen::{QrCode, QrCodeEcc, QrSegment, Version};

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// Whole symbols, mask choice included, equal qrcodegen's for random
    /// payloads at every version.
    #[test]
    fn symbols_match_qrcodegen_module_by_module() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for version in 1..=40u8 {
            let mut enc = QrEncoder::new(version);
            let tries = if version <= 10 { 300 } else { 8 };
            for t in 0..tries {
                let cap = enc.capacity();
                let len = match t {
                    0 => cap,
                    1 => 0,
                    _ => (xorshift(&mut seed) as usize) % (cap + 1),
                };
                let payload: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
                let ours = enc.encode(&payload).unwrap();
                let segs = [QrSegment::make_bytes(&payload)];
                let v = Version::new(version);
                let theirs =
                    QrCode::encode_segments_advanced(&segs, QrCodeEcc::Medium, v, v, None, false)
                        .unwrap();
                assert_eq!(theirs.size() as usize, ours.size());
                for y in 0..ours.size() {
                    for x in 0..ours.size() {
                        assert_eq!(
                            ours.is_dark(x, y),
                            theirs.get_module(x as i32, y as i32),
                            "version {version} len {len} at ({x},{y})"
                        );
                    }
                }
            }
        }
    }
}
