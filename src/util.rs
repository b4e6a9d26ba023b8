//! Small helpers with no better home: hex encoding, random tokens, hashing.

use rand::Rng;
use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
/// A stored (UTC) time as Vietnamese people read it: DD/MM/YYYY HH:MM,
/// UTC+7 (Vietnam has no daylight saving).
pub fn vn_time(t: chrono::NaiveDateTime) -> String {
    (t + chrono::Duration::hours(crate::db::models::scan_stats::VN_OFFSET_HOURS))
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// `n` bytes from the operating system's CSPRNG, as hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of `data` as hex; used to store one-time tokens so that a copy of
/// the database does not hand out working links.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Percent-encodes `s` for a query-string value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The name-value pairs of an `application/x-www-form-urlencoded` body, in
/// order and with repeated names kept (a list of checkboxes), which
/// `web::Form` cannot express. Bad escapes are kept as typed.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let name = decode(it.next().unwrap_or_default());
            let value = decode(it.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

/// Whether every name and value of an `application/x-www-form-urlencoded`
/// body decodes to UTF-8 (`serde_urlencoded` would quietly turn bad bytes
/// into U+FFFD).
pub fn form_is_utf8(body: &[u8]) -> bool {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match (body[i], hex(body.get(i + 1)), hex(body.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// True for a same-site path such as `/staff?q=x`: safe to redirect to after
/// login, unlike `//evil.example` or `https://...`. No control character
/// either: browsers drop tabs and line breaks from a URL ("/\t/evil.example"
/// is "//evil.example"), and a NUL cannot go in a Location header.
pub fn is_local_path(s: &str) -> bool {
    s.starts_with('/')
        && !s.starts_with("//")
        && !s.starts_with("/\\")
        && !s.chars().any(char::is_control)
}

/// Free bytes for an unprivileged writer on the filesystem holding `path`.
pub fn free_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `st` is written
    // by statvfs before it is read, only when the call succeeds.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it filled `st`.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_and_hash() {
        assert_eq!(super::hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::random_hex(16).len(), 32);
    }

    #[test]
    fn form_bodies_must_decode_to_utf8() {
        assert!(super::form_is_utf8(b"q=M%E1%BA%ADt+ong&bad=%zz&end=%4"));
        assert!(!super::form_is_utf8(b"q=M%E1%BA"));
        assert!(!super::form_is_utf8(b"q=%FF%FE"));
        assert!(!super::form_is_utf8(b"q=\xff"));
    }

    #[test]
    fn form_pairs_keep_repeats_and_decode() {
        let pairs = super::form_pairs(b"product=1&product=22&q=M%E1%BA%ADt+ong&bad=%zz&end=%4");
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("product", "1"),
                ("product", "22"),
                ("q", "Mật ong"),
                ("bad", "%zz"),
                ("end", "%4")
            ]
        );
    }
}
