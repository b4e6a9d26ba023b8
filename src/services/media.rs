//! Uploads: checking, re-encoding and storing product photos, certificate
//! scans and trace-event attachments. Knows nothing of HTTP or the database:
//! it takes bytes and a data directory.
//!
//! Every accepted image is decoded and re-encoded, never stored as sent. That
//! is what strips EXIF (GPS position of a seller's home, phone serials) and
//! what makes a crafted file harmless to the browsers that later display it.
//! Stored names are derived from the content, so a name can be validated by
//! its shape alone and the same upload never takes space twice.

use std::fmt;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits, Rgb,
    RgbImage,
};

/// Why an upload was refused; each maps to a message for the user elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("file is empty")]
    Empty,
    /// The content is not a JPEG, PNG or WebP, whatever the name or the
    /// declared type said.
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("not a PDF or image")]
    NotAPdfOrImage,
    /// Cut short (a dropped mobile connection) or otherwise undecodable.
    #[error("file is truncated or damaged")]
    Truncated,
    /// `megapixels` is rounded up, so "41 megapixels; at most 40" never
    /// reads as "40; at most 40".
    #[error("image is {megapixels} megapixels; at most {max}")]
    TooManyPixels { megapixels: u64, max: u64 },
    /// Under [`MIN_SIDE`] pixels on either side.
    #[error("image is too small")]
    TooSmall,
    /// An I/O or encoder failure: the server's fault, not the uploader's.
    #[error("storage: {0}")]
    Storage(String),
    /// The disk is full: nothing was kept, the upload may be tried again.
    #[error("disk full: {0}")]
    DiskFull(String),
}

/// Largest accepted upload, photo or document.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest accepted image area, checked from the header before decoding.
pub const MAX_MEGAPIXELS: u64 = 40;
/// Width of the thumbnail rendition (catalogue lists, slow connections).
pub const PHOTO_SMALL_WIDTH: u32 = 320;
/// Width of the full rendition (product page, marketplace exports).
pub const PHOTO_LARGE_WIDTH: u32 = 1024;
/// Images narrower or lower than this are refused: nothing useful to show.
pub const MIN_SIDE: u32 = 64;
/// Widest a re-encoded document image may be; enough to read a certificate.
pub const DOCUMENT_MAX_WIDTH: u32 = 1600;

/// Scratch the triangle resize may use (it keeps a float RGBA copy of
/// `source width x target height`); past it the box-averaging thumbnail,
/// which allocates only its output, shrinks the image instead.
const RESIZE_SCRATCH_MAX: u64 = 64 * 1024 * 1024;
/// Allocations outside the pixel buffers (decoder tables, row buffers,
/// encoder state), added to every estimate.
const ESTIMATE_SLACK: u64 = 8 * 1024 * 1024;
/// Good enough for product photos and about a third the size of quality 95.
const JPEG_QUALITY: u8 = 82;
/// Hex characters of the SHA-256 kept in names: 128 bits, collision-free in
/// practice and short enough for URLs.
const KEY_HEX_LEN: usize = 32;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_IEND: &[u8] = b"\0\0\0\0IEND\xae\x42\x60\x82";

/// A photo ready to store: two JPEG renditions without any metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// First 32 hex characters of the SHA-256 of `large`.
    pub key: String,
    /// Size of the large rendition.
    pub width: u32,
    pub height: u32,
    /// At most [`PHOTO_SMALL_WIDTH`] wide.
    pub small: Vec<u8>,
    /// At most [`PHOTO_LARGE_WIDTH`] wide.
    pub large: Vec<u8>,
}

// By hand so that logging a photo prints sizes, not a megabyte of numbers.
impl fmt::Debug for ProcessedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("key", &self.key)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("small_len", &self.small.len())
            .field("large_len", &self.large.len())
            .finish()
    }
}

/// A stored document (certificate scan or trace-event attachment).
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedDocument {
    /// 32 hex characters of the SHA-256 of `bytes`, then ".pdf" or ".jpg".
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// "application/pdf" or "image/jpeg".
    pub content_type: &'static str,
}

impl fmt::Debug for ProcessedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedDocument")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Checks and re-encodes a photo into two metadata-free JPEG renditions,
/// [`PHOTO_LARGE_WIDTH`] and [`PHOTO_SMALL_WIDTH`] wide (never upscaled).
///
/// The type is sniffed from the bytes only. Checks run cheapest first:
/// size, magic bytes, structural completeness (truncated uploads), header
/// dimensions (decompression bombs are refused before any pixel is
/// decoded), then a decode under memory limits. EXIF orientation is applied
/// and transparency is flattened onto white.
pub fn process_photo(bytes: &[u8]) -> Result<ProcessedPhoto, MediaError> {
    let image = check_and_decode(bytes, MediaError::NotAnImage, PHOTO_LARGE_WIDTH)?;
    let large = fit_width(image, PHOTO_LARGE_WIDTH);
    // From the large rendition rather than the original: a fraction of the
    // work, and indistinguishable at 320 px.
    let small = shrink_to_width(&large, PHOTO_SMALL_WIDTH).unwrap_or_else(|| large.clone());
    let large_jpeg = encode_jpeg(&large)?;
    let small_jpeg = encode_jpeg(&small)?;
    Ok(ProcessedPhoto {
        key: content_key(&large_jpeg),
        width: large.width(),
        height: large.height(),
        small: small_jpeg,
        large: large_jpeg,
    })
}

/// The most memory [`process_photo`] will use on `bytes`, from the header
/// alone (no pixel is decoded): the decoded buffer at its real depth
/// (16-bit channels count twice), the decoder's own working buffers, the
/// 8-bit copy, and the resizing buffers. The same checks run as in
/// [`process_photo`], so a file refused there is refused here, cheaply.
pub fn photo_memory(bytes: &[u8]) -> Result<u64, MediaError> {
    Ok(inspect(bytes, MediaError::NotAnImage, PHOTO_LARGE_WIDTH)?.estimate)
}

/// Like [`photo_memory`] for [`process_document`]: a PDF costs a copy of
/// itself, an image what decoding and shrinking it costs.
pub fn document_memory(bytes: &[u8]) -> Result<u64, MediaError> {
    check_size(bytes)?;
    if bytes.starts_with(b"%PDF-") {
        return Ok(bytes.len() as u64 + ESTIMATE_SLACK);
    }
    Ok(inspect(bytes, MediaError::NotAPdfOrImage, DOCUMENT_MAX_WIDTH)?.estimate)
}

/// Files a store call created (not those already there), so that they can
/// be removed again when the database refuses the row that names them.
#[derive(Debug, Default)]
#[must_use = "remove the files when the row naming them is not saved"]
pub struct StoredFiles(Vec<PathBuf>);

impl StoredFiles {
    /// Removes the files, best effort: a leftover is harmless (content
    /// addressed, never listed) but is logged.
    pub fn remove(self) {
        for path in self.0 {
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), cause = %e, "cannot remove an unsaved upload");
            }
        }
    }
}

/// Writes both renditions under `{data_dir}/media/` as `{key}-320.jpg` and
/// `{key}-1024.jpg`, crash-safely; a rendition already there is kept.
pub fn store_photo(data_dir: &Path, photo: &ProcessedPhoto) -> Result<StoredFiles, MediaError> {
    if !is_key(&photo.key) {
        return Err(MediaError::Storage(format!(
            "refusing to store photo under malformed key {:?}",
            photo.key
        )));
    }
    let dir = data_dir.join("media");
    let mut created = StoredFiles::default();
    created.0.extend(write_once(
        &dir,
        &format!("{}-{PHOTO_SMALL_WIDTH}.jpg", photo.key),
        &photo.small,
    )?);
    match write_once(
        &dir,
        &format!("{}-{PHOTO_LARGE_WIDTH}.jpg", photo.key),
        &photo.large,
    ) {
        Ok(large) => {
            created.0.extend(large);
            Ok(created)
        }
        Err(e) => {
            created.remove();
            Err(e)
        }
    }
}

/// Checks a document. A PDF (starting with `%PDF-` and with `%%EOF` in its
/// last 1024 bytes) is kept byte for byte; a JPEG, PNG or WebP goes through
/// the photo checks and becomes one metadata-free JPEG at most
/// [`DOCUMENT_MAX_WIDTH`] wide. Anything else is refused.
pub fn process_document(bytes: &[u8]) -> Result<ProcessedDocument, MediaError> {
    check_size(bytes)?;
    if bytes.starts_with(b"%PDF-") {
        // A PDF's cross-reference table is at the end, so one cut short is
        // unreadable; `%%EOF` may be followed by a little padding.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if !contains(tail, b"%%EOF") {
            return Err(MediaError::Truncated);
        }
        return Ok(ProcessedDocument {
            file_name: format!("{}.pdf", content_key(bytes)),
            bytes: bytes.to_vec(),
            content_type: "application/pdf",
        });
    }
    let image = check_and_decode(bytes, MediaError::NotAPdfOrImage, DOCUMENT_MAX_WIDTH)?;
    let jpeg = encode_jpeg(&fit_width(image, DOCUMENT_MAX_WIDTH))?;
    Ok(ProcessedDocument {
        file_name: format!("{}.jpg", content_key(&jpeg)),
        bytes: jpeg,
        content_type: "image/jpeg",
    })
}

/// Writes a document under `{data_dir}/files/{file_name}`, crash-safely; a
/// file already there is kept.
pub fn store_document(data_dir: &Path, doc: &ProcessedDocument) -> Result<StoredFiles, MediaError> {
    if !is_file_name(&doc.file_name) {
        return Err(MediaError::Storage(format!(
            "refusing to store document under malformed name {:?}",
            doc.file_name
        )));
    }
    let created = write_once(&data_dir.join("files"), &doc.file_name, &doc.bytes)?;
    Ok(StoredFiles(created.into_iter().collect()))
}

/// Path of a stored photo rendition, for serving. `None` unless `name` is
/// exactly one this module produces (32 lowercase hex + `-320.jpg` or
/// `-1024.jpg`), which rules out path traversal.
pub fn media_path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    is_media_name(name).then(|| data_dir.join("media").join(name))
}

/// Path of a stored document, for serving. `None` unless `name` is exactly
/// one this module produces (32 lowercase hex + `.pdf` or `.jpg`).
pub fn file_path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    is_file_name(name).then(|| data_dir.join("files").join(name))
}

/// Makes a believable demo photo without any file: a `w` x `h` PNG with a
/// soft two-colour gradient and a few shapes, all chosen by `seed`.
/// Used by `ocop demo` and by tests. Sides of 0 are taken as 1.
pub fn demo_image_png(seed: u64, w: u32, h: u32) -> Vec<u8> {
    let (w, h) = (w.max(1), h.max(1));
    let mut rng = SplitMix64(seed);
    let top = rng.soft_colour();
    let bottom = rng.soft_colour();
    let shapes: Vec<Shape> = (0..4).map(|_| Shape::random(&mut rng, w, h)).collect();

    let image = RgbImage::from_fn(w, h, |x, y| {
        let t = (x as f32 / w as f32 + y as f32 / h as f32) / 2.0;
        let mut px = mix(top, bottom, t);
        for shape in &shapes {
            if shape.contains(x, y) {
                // Half-transparent so the shapes look like objects in soft
                // light rather than flat stickers.
                px = mix(px, shape.colour, 0.55);
            }
        }
        Rgb(px)
    });
    let mut out = Vec::new();
    // Cannot fail for a non-empty RGB8 buffer written to memory; an empty
    // result would be refused by `process_photo` rather than panic here.
    if PngEncoder::new(&mut out)
        .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .is_err()
    {
        out.clear();
    }
    out
}

// ---------------------------------------------------------------------------
// Checking and decoding

fn check_size(bytes: &[u8]) -> Result<(), MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge {
            max: MAX_UPLOAD_BYTES,
        });
    }
    Ok(())
}

/// Only the magic bytes count: names and declared types are chosen by the
/// client and prove nothing.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// Catches uploads cut short by a flaky connection, which decoders would
/// otherwise often turn into half-grey images without complaint.
fn is_complete(format: ImageFormat, bytes: &[u8]) -> bool {
    // Some phones and editors pad files; zeros or whitespace after the end
    // marker are harmless.
    let trimmed = trim_padding(bytes);
    match format {
        ImageFormat::Jpeg => jpeg_reaches_end(bytes),
        ImageFormat::Png => trimmed.ends_with(PNG_IEND),
        ImageFormat::WebP => bytes
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .is_some_and(|b| u64::from(u32::from_le_bytes(b)) + 8 == bytes.len() as u64),
        _ => false,
    }
}

/// Walks a JPEG's segments and entropy-coded scans up to its end-of-image
/// marker. Whatever follows the marker is ignored: Samsung phones append
/// trailer data and Pixel "motion photos" a whole video there. An end marker
/// inside an EXIF thumbnail does not count, since segments are skipped by
/// their declared lengths.
fn jpeg_reaches_end(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        i += 2;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = bytes
            .get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return false;
        };
        if len < 2 {
            return false;
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs until a marker other than a stuffed
            // zero or a restart marker.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(&0xFF), Some(&next)) if next == 0x00 || (0xD0..=0xD7).contains(&next) => {
                        i += 2
                    }
                    (Some(&0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

fn trim_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// What the header says about an image, and what decoding it will cost.
struct Inspected {
    format: ImageFormat,
    width: u32,
    height: u32,
    /// Bytes of the decoded buffer at the decoder's depth.
    decoded: u64,
    /// Peak bytes of decoding and shrinking, see [`photo_memory`].
    estimate: u64,
}

/// Every check that needs no pixel: size, type, completeness, dimensions;
/// then the memory estimate from the header. `target_width` is the widest
/// rendition that will be made.
fn inspect(
    bytes: &[u8],
    not_image: MediaError,
    target_width: u32,
) -> Result<Inspected, MediaError> {
    check_size(bytes)?;
    let format = sniff(bytes).ok_or(not_image.clone())?;
    if !is_complete(format, bytes) {
        return Err(MediaError::Truncated);
    }

    // Header only: no pixel buffer exists yet, so a 100 000 x 100 000 bomb
    // costs nothing to refuse.
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| decode_error(e, &not_image))?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_MEGAPIXELS * 1_000_000 {
        return Err(MediaError::TooManyPixels {
            megapixels: pixels.div_ceil(1_000_000),
            max: MAX_MEGAPIXELS,
        });
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(MediaError::TooSmall);
    }
    let color = decoder.color_type();
    let decoded = decoder.total_bytes();
    let rotated = decoder
        .orientation()
        .is_ok_and(|o| o != Orientation::NoTransforms);

    // The decoders' own buffers, beyond the output: a progressive JPEG
    // keeps every coefficient (2 bytes a sample, 3 samples a pixel); a WebP
    // decodes into a canvas and a frame of 4 bytes a pixel each; PNG works
    // a row at a time.
    let scratch = match format {
        ImageFormat::Jpeg => pixels * 6,
        ImageFormat::WebP => pixels * 8,
        _ => u64::from(width) * 16,
    };
    // Applying EXIF orientation makes a turned copy of the decoded buffer.
    let turned = if rotated { decoded } else { 0 };
    // The 8-bit RGB copy, and for alpha kinds other than RGBA8/16 an RGBA8
    // step before it.
    let rgb = pixels * 3;
    let rgba_step = match color {
        image::ColorType::Rgba8 | image::ColorType::Rgba16 => 0,
        c if c.has_alpha() => pixels * 4,
        _ => 0,
    };
    let (out_w, out_h) = fitted(width, height, target_width);
    let out_pixels = u64::from(out_w) * u64::from(out_h);
    // The rendition, its smaller sibling and the JPEG being written.
    let outputs = out_pixels * 3 * 2 + out_pixels;
    let decoding = decoded + scratch.max(turned);
    let flattening = decoded + rgba_step + rgb;
    let shrinking = rgb + resize_scratch(width, out_h, target_width) + outputs;
    let estimate = decoding.max(flattening).max(shrinking) + ESTIMATE_SLACK;
    Ok(Inspected {
        format,
        width,
        height,
        decoded,
        estimate,
    })
}

/// Runs every check and decodes to an opaque RGB image with EXIF
/// orientation applied. `not_image` is the error for unrecognised content,
/// which differs between photos and documents.
fn check_and_decode(
    bytes: &[u8],
    not_image: MediaError,
    target_width: u32,
) -> Result<RgbImage, MediaError> {
    let Inspected {
        format,
        width,
        height,
        decoded,
        estimate,
    } = inspect(bytes, not_image.clone(), target_width)?;

    // The limits pin the decoder to the size we just approved, and to the
    // memory reserved for it, so a file whose later data disagrees with
    // its header cannot allocate more.
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(estimate);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| decode_error(e, &not_image))?;
    if decoder.total_bytes() > decoded {
        return Err(MediaError::Truncated);
    }
    // A broken EXIF block should not cost the seller their photo.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(e, &not_image))?;
    image.apply_orientation(orientation);
    Ok(flatten_onto_white(image))
}

fn decode_error(err: ImageError, not_image: &MediaError) -> MediaError {
    match err {
        // The magic bytes matched but the variant is one the decoder cannot
        // read (e.g. an exotic JPEG process): for the user, not an image we
        // take.
        ImageError::Unsupported(_) => not_image.clone(),
        // Past the size checks, hitting a limit means the header lied.
        ImageError::Limits(_)
        | ImageError::Decoding(_)
        | ImageError::IoError(_)
        | ImageError::Parameter(_)
        | ImageError::Encoding(_) => MediaError::Truncated,
    }
}

/// JPEG has no transparency; flattening onto white matches the white
/// product pages, where black (the naive conversion) would not.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    // 16-bit RGBA straight to 8-bit RGB: an 8-bit RGBA copy in between
    // would cost another 4 bytes a pixel at the peak.
    if let DynamicImage::ImageRgba16(rgba) = &image {
        return RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let [r, g, b, a] = rgba.get_pixel(x, y).0;
            let a = u32::from(a);
            let blend = |c: u16| {
                let c = u32::from(c) * a + 65_535 * (65_535 - a);
                // Back to 0..=65535, then to 8 bits, rounding both times.
                let c16 = (c + 32_767) / 65_535;
                ((c16 * 255 + 32_767) / 65_535) as u8
            };
            Rgb([blend(r), blend(g), blend(b)])
        });
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let a = u16::from(a);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        Rgb([blend(r), blend(g), blend(b)])
    })
}

/// The size of `width x height` scaled to at most `max_width` wide,
/// keeping the aspect ratio; never upscaled.
fn fitted(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if width <= max_width {
        return (width, height);
    }
    let new_h =
        (u64::from(height) * u64::from(max_width) + u64::from(width) / 2) / u64::from(width.max(1));
    (max_width, u32::try_from(new_h).unwrap_or(u32::MAX).max(1))
}

/// Scratch of the triangle resize from `width` wide to `target_width x
/// new_height`: a float RGBA copy of `width x new_height`, unless it is over
/// [`RESIZE_SCRATCH_MAX`] and the thumbnail is used instead.
fn resize_scratch(width: u32, new_height: u32, target_width: u32) -> u64 {
    if width <= target_width {
        return 0;
    }
    let triangle = u64::from(width) * u64::from(new_height) * 16;
    if triangle <= RESIZE_SCRATCH_MAX {
        triangle
    } else {
        0
    }
}

/// Scales to `max_width` wide keeping the aspect ratio; narrower images are
/// returned as they are, since upscaling only adds bytes.
fn fit_width(image: RgbImage, max_width: u32) -> RgbImage {
    match shrink_to_width(&image, max_width) {
        Some(smaller) => smaller,
        None => image,
    }
}

/// The image scaled to `max_width` wide, or `None` when it is not wider.
fn shrink_to_width(image: &RgbImage, max_width: u32) -> Option<RgbImage> {
    let (w, h) = image.dimensions();
    if w <= max_width {
        return None;
    }
    let (new_w, new_h) = fitted(w, h, max_width);
    if resize_scratch(w, new_h, max_width) == 0 {
        // A very large or very tall source: box averaging over each output
        // pixel's footprint, allocating only the output.
        return Some(image::imageops::thumbnail(image, new_w, new_h));
    }
    // Triangle averages over the whole footprint when shrinking, so no
    // aliasing, at a fraction of Lanczos3's cost.
    Some(image::imageops::resize(
        image,
        new_w,
        new_h,
        FilterType::Triangle,
    ))
}

/// Baseline JPEG, no EXIF, ICC or comment: image's encoder writes only the
/// JFIF header, which is what makes re-encoding strip metadata.
fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|e| MediaError::Storage(format!("jpeg encoding failed: {e}")))?;
    Ok(out)
}

fn content_key(bytes: &[u8]) -> String {
    let mut hex = crate::util::sha256_hex(bytes);
    hex.truncate(KEY_HEX_LEN);
    hex
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Names and storage

fn is_key(s: &str) -> bool {
    s.len() == KEY_HEX_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn has_key_then(name: &str, suffixes: &[&str]) -> bool {
    name.split_at_checked(KEY_HEX_LEN)
        .is_some_and(|(key, rest)| is_key(key) && suffixes.contains(&rest))
}

fn is_media_name(name: &str) -> bool {
    has_key_then(name, &["-320.jpg", "-1024.jpg"])
}

fn is_file_name(name: &str) -> bool {
    has_key_then(name, &[".pdf", ".jpg"])
}

/// Distinguishes temp files of concurrent writers within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `dir/name` unless it exists. The data goes to a temp
/// file in the same directory, is synced, then renamed into place: rename
/// within a filesystem is atomic, so readers and crashes never see half a
/// file. Names are content hashes, so an existing file already holds these
/// bytes, and two concurrent writers of the same name write the same data.
/// Returns the path when this call created the file.
fn write_once(dir: &Path, name: &str, bytes: &[u8]) -> Result<Option<PathBuf>, MediaError> {
    let path = dir.join(name);
    let storage = |what: &str, p: &Path, e: std::io::Error| {
        let cause = format!("{what} {}: {e}", p.display());
        if crate::error::is_disk_full_io(&e) {
            MediaError::DiskFull(cause)
        } else {
            MediaError::Storage(cause)
        }
    };
    if path
        .try_exists()
        .map_err(|e| storage("checking", &path, e))?
    {
        return Ok(None);
    }
    fs::create_dir_all(dir).map_err(|e| storage("creating", dir, e))?;

    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    // Leading dot and `.tmp`: never a valid served name, so a leftover from
    // a crash can be swept up and is never handed out.
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create_new(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    match result {
        Ok(()) => Ok(Some(path)),
        Err(e) => {
            // Best effort: the error being reported matters more than the leftover.
            let _ = fs::remove_file(&tmp);
            Err(storage("writing", &path, e))
        }
    }
}

// ---------------------------------------------------------------------------
// Demo image helpers

/// Tiny deterministic generator: the demo must look the same for a seed on
/// every run, and needs no cryptographic quality.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be non-zero.
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }

    /// Pastel-ish: every channel in 90..=240, so nothing is garish or dark.
    fn soft_colour(&mut self) -> [u8; 3] {
        [0, 0, 0].map(|_: u8| 90 + self.below(151) as u8)
    }
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t).round() as u8)
}

struct Shape {
    circle: bool,
    cx: i64,
    cy: i64,
    /// Radius for a circle, half-width and half-height for a rectangle.
    rx: i64,
    ry: i64,
    colour: [u8; 3],
}

impl Shape {
    fn random(rng: &mut SplitMix64, w: u32, h: u32) -> Shape {
        let short = w.min(h);
        let r = i64::from(short / 10 + rng.below(short / 4 + 1));
        Shape {
            circle: rng.below(2) == 0,
            cx: i64::from(rng.below(w)),
            cy: i64::from(rng.below(h)),
            rx: r,
            ry: r * i64::from(2 + rng.below(3)) / 3,
            colour: rng.soft_colour().map(|c| c.saturating_sub(60)),
        }
    }

    fn contains(&self, x: u32, y: u32) -> bool {
        let (dx, dy) = (i64::from(x) - self.cx, i64::from(y) - self.cy);
        if self.circle {
            dx * dx + dy * dy <= self.rx * self.rx
        } else {
            dx.abs() <= self.rx && dy.abs() <= self.ry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::webp::WebPEncoder;
    use image::{GenericImageView, RgbaImage};
    use std::time::Instant;

    fn demo_rgb(seed: u64, w: u32, h: u32) -> RgbImage {
        image::load_from_memory(&demo_image_png(seed, w, h))
            .unwrap()
            .into_rgb8()
    }

    fn jpeg_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(image)
            .unwrap();
        out
    }

    fn png_of_rgba(image: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    fn webp_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// A JPEG with a hand-built EXIF APP1 right after SOI: a little-endian
    /// TIFF header, an IFD0 with just an Orientation entry, then a GPS-like
    /// marker string standing in for location data.
    fn jpeg_with_exif(image: &RgbImage, orientation: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"II\x2a\x00");
        tiff.extend_from_slice(&8u32.to_le_bytes()); // IFD0 right after the header
        tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_le_bytes()); // count
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]); // value padding
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        tiff.extend_from_slice(b"GPSLatitude-TEST 21.0285N 105.8542E");

        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        let len = u16::try_from(payload.len() + 2).unwrap();

        let plain = jpeg_of(image);
        let mut out = plain[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap()
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
        !crc
    }

    #[test]
    fn crc32_matches_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn exif_is_stripped_and_wide_photo_is_resized() {
        let input = jpeg_with_exif(&demo_rgb(1, 2000, 1500), 1);
        assert!(contains(&input, b"GPSLatitude-TEST"));
        // Sanity: the decoder really sees our EXIF block.
        let mut dec = ImageReader::with_format(Cursor::new(&input[..]), ImageFormat::Jpeg)
            .into_decoder()
            .unwrap();
        assert!(dec.exif_metadata().unwrap().is_some());

        let photo = process_photo(&input).unwrap();
        for rendition in [&photo.small, &photo.large] {
            assert!(!contains(rendition, b"Exif"));
            assert!(!contains(rendition, b"GPSLatitude-TEST"));
        }
        assert_eq!((photo.width, photo.height), (1024, 768));
        assert_eq!(decode(&photo.large).dimensions(), (1024, 768));
        assert_eq!(decode(&photo.small).dimensions(), (320, 240));
        assert_eq!(photo.key.len(), 32);
        assert_eq!(photo.key, crate::util::sha256_hex(&photo.large)[..32]);
    }

    #[test]
    fn narrow_photo_is_not_upscaled() {
        let input = jpeg_with_exif(&demo_rgb(2, 200, 150), 1);
        let photo = process_photo(&input).unwrap();
        assert_eq!((photo.width, photo.height), (200, 150));
        assert_eq!(decode(&photo.large).dimensions(), (200, 150));
        assert_eq!(decode(&photo.small).dimensions(), (200, 150));
        assert!(!contains(&photo.small, b"GPSLatitude-TEST"));
    }

    #[test]
    fn exif_orientation_is_applied() {
        // 6 = rotate 90° clockwise: a landscape sensor image shot upright.
        let input = jpeg_with_exif(&demo_rgb(3, 400, 200), 6);
        let photo = process_photo(&input).unwrap();
        assert_eq!((photo.width, photo.height), (200, 400));
    }

    #[test]
    fn png_alpha_is_flattened_onto_white() {
        let mut rgba = RgbaImage::from_pixel(100, 80, image::Rgba([0, 0, 0, 0]));
        for x in 50..100 {
            for y in 0..80 {
                rgba.put_pixel(x, y, image::Rgba([255, 0, 0, 128]));
            }
        }
        let photo = process_photo(&png_of_rgba(&rgba)).unwrap();
        let out = decode(&photo.large).into_rgb8();
        assert_eq!(out.dimensions(), (100, 80));
        let [r, g, b] = out.get_pixel(10, 40).0;
        assert!(
            r > 245 && g > 245 && b > 245,
            "transparent became {r},{g},{b}"
        );
        let [r, g, b] = out.get_pixel(80, 40).0;
        assert!(r > 240 && (110..150).contains(&g) && (110..150).contains(&b));
    }

    #[test]
    fn webp_is_accepted() {
        let photo = process_photo(&webp_of(&demo_rgb(4, 300, 200))).unwrap();
        assert_eq!((photo.width, photo.height), (300, 200));
        assert!(decode(&photo.large).dimensions() == (300, 200));
    }

    #[test]
    fn text_named_jpg_is_not_an_image() {
        assert_eq!(process_photo(b"hello"), Err(MediaError::NotAnImage));
        assert_eq!(process_document(b"hello"), Err(MediaError::NotAPdfOrImage));
    }

    #[test]
    fn empty_and_oversized_are_refused() {
        assert_eq!(process_photo(b""), Err(MediaError::Empty));
        assert_eq!(process_document(b""), Err(MediaError::Empty));
        let mut big = jpeg_of(&demo_rgb(5, 100, 100));
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        let too_large = MediaError::TooLarge {
            max: MAX_UPLOAD_BYTES,
        };
        assert_eq!(process_photo(&big).unwrap_err(), too_large);
        assert_eq!(process_document(&big).unwrap_err(), too_large);
    }

    #[test]
    fn truncated_images_are_refused() {
        let image = demo_rgb(6, 300, 200);
        let jpeg = jpeg_of(&image);
        let png = png_of_rgba(&DynamicImage::ImageRgb8(image.clone()).into_rgba8());
        let webp = webp_of(&image);
        for full in [jpeg, png, webp] {
            assert!(process_photo(&full).is_ok());
            let cut = &full[..full.len() - 100];
            assert_eq!(process_photo(cut), Err(MediaError::Truncated));
            assert_eq!(process_document(cut), Err(MediaError::Truncated));
        }
    }

    #[test]
    fn data_after_the_jpeg_end_is_accepted() {
        // Padding, a Samsung-style trailer, or a motion photo's video.
        let mut jpeg = jpeg_of(&demo_rgb(7, 100, 100));
        jpeg.extend_from_slice(b"\0\0\r\n ");
        assert!(process_photo(&jpeg).is_ok());
        jpeg.extend_from_slice(b"SEFHxxxxSEFT trailer and \xff\xd8 more bytes");
        assert!(process_photo(&jpeg).is_ok());
    }

    #[test]
    fn truncated_jpeg_with_an_exif_thumbnail_is_refused() {
        // The thumbnail's own end marker must not pass for the photo's.
        let full = jpeg_with_exif(&demo_rgb(8, 300, 200), 1);
        let thumb = jpeg_of(&demo_rgb(9, 16, 16));
        let mut with_thumb = full[..2].to_vec();
        let payload = [b"Exif\0\0".as_slice(), &thumb].concat();
        with_thumb.extend_from_slice(&[0xFF, 0xE1]);
        with_thumb.extend_from_slice(&u16::try_from(payload.len() + 2).expect("len").to_be_bytes());
        with_thumb.extend_from_slice(&payload);
        with_thumb.extend_from_slice(&full[2..]);
        assert!(process_photo(&with_thumb).is_ok());
        let cut = &with_thumb[..with_thumb.len() - 200];
        assert_eq!(process_photo(cut), Err(MediaError::Truncated));
    }

    #[test]
    fn decompression_bomb_is_refused_from_the_header() {
        let small = RgbaImage::from_pixel(64, 64, image::Rgba([0, 0, 0, 255]));
        let mut png = png_of_rgba(&small);
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());

        let started = Instant::now();
        let result = process_photo(&png);
        assert_eq!(
            result,
            Err(MediaError::TooManyPixels {
                megapixels: 100,
                max: 40
            })
        );
        // Decoding 100 MP would take far longer than this even in release.
        assert!(started.elapsed().as_millis() < 500);
    }

    #[test]
    fn memory_estimate_counts_16_bit_channels_and_the_8_bit_copy() {
        // Not wider than the large rendition, so no resize buffer hides
        // the difference the depth makes.
        let (w, h) = (1000u32, 800u32);
        let pixels = u64::from(w) * u64::from(h);
        let raw: Vec<u16> = (0..pixels * 4).map(|i| (i % 65_521) as u16).collect();
        let bytes: Vec<u8> = raw.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&bytes, w, h, image::ExtendedColorType::Rgba16)
            .unwrap();
        let estimate = photo_memory(&png).unwrap();
        // The 16-bit RGBA buffer (8 bytes a pixel) and the RGB8 copy at once.
        assert!(estimate >= pixels * 8 + pixels * 3, "{estimate}");
        assert!(estimate < pixels * 8 * 4 + ESTIMATE_SLACK, "{estimate}");
        // The decoder's allocation limit is that estimate, and it suffices.
        let photo = process_photo(&png).unwrap();
        assert_eq!((photo.width, photo.height), (1000, 800));

        // The same pixels at 8 bits cost about half.
        let rgba8 = RgbaImage::from_pixel(w, h, image::Rgba([10, 20, 30, 255]));
        let small = photo_memory(&png_of_rgba(&rgba8)).unwrap();
        assert!(small < estimate, "{small} vs {estimate}");
        // A document is estimated the same way; a PDF costs its own size.
        assert!(document_memory(&png).unwrap() >= pixels * 8);
        assert!(document_memory(b"%PDF-1.4\n%%EOF").unwrap() < ESTIMATE_SLACK + 100);
    }

    #[test]
    fn a_tall_image_is_shrunk_without_a_float_copy_of_it() {
        // 1100 x 30000: the triangle filter would keep 1100 x 27927 float
        // RGBA pixels (491 MB); the thumbnail path keeps only its output.
        let (w, h) = (1100u32, 30_000u32);
        let (_, new_h) = fitted(w, h, PHOTO_LARGE_WIDTH);
        assert_eq!(resize_scratch(w, new_h, PHOTO_LARGE_WIDTH), 0);
        let image = RgbImage::from_pixel(w, h, Rgb([200, 100, 50]));
        let shrunk = shrink_to_width(&image, PHOTO_LARGE_WIDTH).unwrap();
        assert_eq!(shrunk.dimensions(), (1024, new_h));
        assert!(shrink_to_width(&shrunk, PHOTO_LARGE_WIDTH).is_none());
    }

    #[test]
    fn tiny_image_is_too_small() {
        let png = png_of_rgba(&RgbaImage::new(200, 63));
        assert_eq!(process_photo(&png), Err(MediaError::TooSmall));
    }

    #[test]
    fn pdf_is_kept_byte_for_byte() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
        let doc = process_document(pdf).unwrap();
        assert_eq!(doc.bytes, pdf);
        assert_eq!(doc.content_type, "application/pdf");
        assert_eq!(
            doc.file_name,
            format!("{}.pdf", &crate::util::sha256_hex(pdf)[..32])
        );
        // A PDF is a document, not a photo.
        assert_eq!(process_photo(pdf), Err(MediaError::NotAnImage));
    }

    #[test]
    fn pdf_without_eof_is_truncated() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.resize(5000, b' ');
        assert_eq!(process_document(&pdf), Err(MediaError::Truncated));
        // `%%EOF` present but too far from the end: the tail was lost.
        let mut early = b"%PDF-1.7\n%%EOF\n".to_vec();
        early.resize(5000, b'x');
        assert_eq!(process_document(&early), Err(MediaError::Truncated));
    }

    #[test]
    fn document_image_is_reencoded_at_most_1600_wide() {
        let input = jpeg_with_exif(&demo_rgb(8, 2000, 1000), 1);
        let doc = process_document(&input).unwrap();
        assert_eq!(doc.content_type, "image/jpeg");
        assert!(!contains(&doc.bytes, b"GPSLatitude-TEST"));
        assert_eq!(decode(&doc.bytes).dimensions(), (1600, 800));
        assert_eq!(
            doc.file_name,
            format!("{}.jpg", &crate::util::sha256_hex(&doc.bytes)[..32])
        );

        let narrow = process_document(&webp_of(&demo_rgb(9, 640, 480))).unwrap();
        assert_eq!(decode(&narrow.bytes).dimensions(), (640, 480));
    }

    #[test]
    fn store_then_path_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let photo = process_photo(&demo_image_png(10, 400, 300)).unwrap();
        let first = store_photo(dir.path(), &photo).unwrap();
        assert_eq!(first.0.len(), 2);
        // Storing again is a no-op, not an error, and creates nothing.
        assert!(store_photo(dir.path(), &photo).unwrap().0.is_empty());
        let small = media_path(dir.path(), &format!("{}-320.jpg", photo.key)).unwrap();
        let large = media_path(dir.path(), &format!("{}-1024.jpg", photo.key)).unwrap();
        assert_eq!(fs::read(small).unwrap(), photo.small);
        assert_eq!(fs::read(large).unwrap(), photo.large);

        let pdf = b"%PDF-1.4\n%%EOF".to_vec();
        let doc = process_document(&pdf).unwrap();
        let _ = store_document(dir.path(), &doc).unwrap();
        let _ = store_document(dir.path(), &doc).unwrap();
        let path = file_path(dir.path(), &doc.file_name).unwrap();
        assert_eq!(fs::read(path).unwrap(), pdf);

        // No temp files left behind.
        for sub in ["media", "files"] {
            for entry in fs::read_dir(dir.path().join(sub)).unwrap() {
                let name = entry.unwrap().file_name();
                assert!(!name.to_string_lossy().ends_with(".tmp"), "{name:?}");
            }
        }
    }

    #[test]
    fn paths_refuse_names_this_module_does_not_make() {
        let dir = Path::new("/data");
        let key = "0123456789abcdef0123456789abcdef";
        assert!(media_path(dir, &format!("{key}-320.jpg")).is_some());
        assert!(media_path(dir, &format!("{key}-1024.jpg")).is_some());
        assert!(file_path(dir, &format!("{key}.pdf")).is_some());
        assert!(file_path(dir, &format!("{key}.jpg")).is_some());
        assert_eq!(
            media_path(dir, &format!("{key}-320.jpg")),
            Some(PathBuf::from(format!("/data/media/{key}-320.jpg")))
        );

        let upper = key.to_uppercase();
        let bad = [
            "../x".to_owned(),
            "abc".to_owned(),
            String::new(),
            format!("{upper}-320.jpg"),
            format!("{upper}.pdf"),
            format!("{key}-640.jpg"),
            format!("{key}.png"),
            format!("{key}.pdf.exe"),
            format!("../{key}.pdf"),
            format!("{}-320.jpg", &key[1..]),
            format!("{key}0-320.jpg"),
            format!("{}/-320.jpg", &key[..31]),
            format!("é{}-320.jpg", &key[2..]),
        ];
        for name in &bad {
            assert_eq!(media_path(dir, name), None, "{name}");
            assert_eq!(file_path(dir, name), None, "{name}");
        }
        // Each kind only in its own folder.
        assert_eq!(media_path(dir, &format!("{key}.jpg")), None);
        assert_eq!(file_path(dir, &format!("{key}-320.jpg")), None);
    }

    #[test]
    fn same_bytes_give_same_key() {
        let input = demo_image_png(11, 500, 400);
        let a = process_photo(&input).unwrap();
        let b = process_photo(&input).unwrap();
        assert_eq!(a.key, b.key);
        assert_eq!(a, b);
        let other = process_photo(&demo_image_png(12, 500, 400)).unwrap();
        assert_ne!(a.key, other.key);
    }

    #[test]
    fn demo_image_is_a_png_of_the_requested_size() {
        let png = demo_image_png(42, 320, 240);
        assert!(png.starts_with(PNG_SIGNATURE));
        assert_eq!(
            image::load_from_memory(&png).unwrap().dimensions(),
            (320, 240)
        );
        assert_eq!(png, demo_image_png(42, 320, 240));
        assert_ne!(png, demo_image_png(43, 320, 240));
        assert!(!demo_image_png(1, 0, 0).is_empty());
    }

    /// Timing for a typical phone photo; run with
    /// `cargo test --release --lib services::media -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn time_a_12_megapixel_jpeg() {
        // Sensor-like noise, so the input is the size a phone JPEG really is
        // (a few MB) and the decoder does realistic work.
        let mut image = demo_rgb(13, 4000, 3000);
        let mut rng = SplitMix64(13);
        for px in image.pixels_mut() {
            let noise = rng.below(41) as i16 - 20;
            px.0 = px.0.map(|c| (i16::from(c) + noise).clamp(0, 255) as u8);
        }
        let input = jpeg_of(&image);
        let started = Instant::now();
        let photo = process_photo(&input).unwrap();
        eprintln!(
            "process_photo 4000x3000 JPEG ({} KB): {:?}; large {} KB, small {} KB",
            input.len() / 1024,
            started.elapsed(),
            photo.large.len() / 1024,
            photo.small.len() / 1024
        );
    }
}
