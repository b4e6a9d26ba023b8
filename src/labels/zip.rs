//! Many label PNGs in one ZIP, for thermal printer software that prints a
//! folder of images. PNGs are already compressed, so entries are stored;
//! the archive is streamed entry by entry and only the central directory
//! (about 60 bytes per label) stays in memory until the end.

use std::io::{self, Write};

use super::LabelData;
use super::layout::Layout;
use super::raster::render_label_png_with;

/// What [`write_label_pngs_zip`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZipStats {
    /// PNG files (one per label).
    pub files: usize,
    /// Bytes written to the output.
    pub bytes: u64,
}

/// Without ZIP64 a plain archive holds at most this many entries.
pub const MAX_ZIP_ENTRIES: usize = 65_535;

/// 1980-01-01 00:00, the earliest DOS date: the archive does not depend on
/// the clock, so the same labels give the same bytes.
const DOS_DATE: u16 = (1 << 5) | 1;

struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

/// Writes one 300 dpi PNG per label ([`super::render_label_png`]) into a
/// ZIP archive on `out`, named `00001-7K3M9QXH2B4TR8WD.png` and so on in
/// label order.
///
/// Errors: the writer's, and `InvalidInput` beyond 65,535 labels or 4 GiB
/// (no ZIP64; split such runs), for an invalid layout, or when a URL does
/// not fit a QR code.
pub fn write_label_pngs_zip<W: Write>(
    labels: impl Iterator<Item = LabelData>,
    layout: &Layout,
    mut out: W,
) -> io::Result<ZipStats> {
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many labels for one ZIP (65,535 or 4 GiB)",
        )
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut pos: u64 = 0;
    let mut encoder = None;
    for (i, label) in labels.enumerate() {
        if i >= MAX_ZIP_ENTRIES {
            return Err(too_big());
        }
        let png = render_label_png_with(&label, layout, &mut encoder);
        if png.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "label {}: invalid layout, or the URL does not fit a QR code",
                    i + 1
                ),
            ));
        }
        let safe: String = label
            .code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let name = format!("{:05}-{safe}.png", i + 1);
        let entry = Entry {
            crc: crc32fast::hash(&png),
            size: u32::try_from(png.len()).map_err(|_| too_big())?,
            offset: u32::try_from(pos).map_err(|_| too_big())?,
            name,
        };
        let mut header = Vec::with_capacity(30 + entry.name.len());
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        common_fields(&mut header, &entry);
        header.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        header.extend_from_slice(entry.name.as_bytes());
        out.write_all(&header)?;
        out.write_all(&png)?;
        pos += (header.len() + png.len()) as u64;
        entries.push(entry);
    }

    let directory_start = u32::try_from(pos).map_err(|_| too_big())?;
    let mut directory = Vec::new();
    for entry in &entries {
        directory.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        directory.extend_from_slice(&20u16.to_le_bytes()); // version made by
        directory.extend_from_slice(&20u16.to_le_bytes()); // version needed
        common_fields(&mut directory, entry);
        // Extra and comment lengths, disk number, internal and external
        // attributes.
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&entry.offset.to_le_bytes());
        directory.extend_from_slice(entry.name.as_bytes());
    }
    let count = entries.len() as u16;
    let mut end = Vec::with_capacity(22);
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&[0; 4]); // disk numbers
    end.extend_from_slice(&count.to_le_bytes());
    end.extend_from_slice(&count.to_le_bytes());
    end.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    end.extend_from_slice(&directory_start.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out.write_all(&directory)?;
    out.write_all(&end)?;
    out.flush()?;
    Ok(ZipStats {
        files: entries.len(),
        bytes: pos + (directory.len() + end.len()) as u64,
    })
}

/// Flags to name length: the fields local and central headers share.
fn common_fields(out: &mut Vec<u8>, entry: &Entry) {
    out.extend_from_slice(&0x0800u16.to_le_bytes()); // names are UTF-8
    out.extend_from_slice(&0u16.to_le_bytes()); // stored
    out.extend_from_slice(&0u16.to_le_bytes()); // time
    out.extend_from_slice(&DOS_DATE.to_le_bytes());
    out.extend_from_slice(&entry.crc.to_le_bytes());
    out.extend_from_slice(&entry.size.to_le_bytes()); // compressed
    out.extend_from_slice(&entry.size.to_le_bytes()); // uncompressed
    out.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
}
