//! Official administrative units after the 2025 reorganisation: 34
//! province-level units and 3,321 commune-level units (xã, phường, đặc khu).
//!
//! The list is embedded at compile time and parsed once on first use. All
//! names are slices of the embedded text, hence `&'static str` without
//! leaking any allocation.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::LazyLock;

use super::reason::Reason;
use super::text::fold;

/// `province_code,province_name,province_type,commune_code,commune_name,commune_type`,
/// UTF-8, CRLF line endings, no quoted fields (names contain no commas).
const DATA: &str = include_str!("vn-admin-units-2025.csv");

/// Expected header of [`DATA`]; checked so a reordered file fails loudly.
const HEADER: &str =
    "province_code,province_name,province_type,commune_code,commune_name,commune_type";

/// Prefixes of commune names (folded) that people usually leave out when
/// searching ("Nam Xuân" rather than "Xã Nam Xuân").
const FOLDED_PREFIXES: [&str; 3] = ["xa ", "phuong ", "dac khu "];

/// A province-level unit (tỉnh or thành phố trung ương).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Province {
    /// Official code, e.g. 38 for Thanh Hóa.
    pub code: u32,
    /// Official name, e.g. "Thanh Hóa" or "Thành phố Hà Nội".
    pub name: &'static str,
    /// Kind as written officially: "tỉnh" or "thành phố trung ương".
    pub kind: &'static str,
}

/// A commune-level unit (xã, phường or đặc khu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Commune {
    /// Official code, e.g. 14902 for Xã Nam Xuân.
    pub code: u32,
    /// Official name including its kind, e.g. "Xã Nam Xuân".
    pub name: &'static str,
    /// Kind as written officially: "xã", "phường" or "đặc khu".
    pub kind: &'static str,
    /// Code of the province the commune belongs to.
    pub province_code: u32,
    /// Name of that province, e.g. "Thanh Hóa".
    pub province_name: &'static str,
}

/// The parsed list with the indexes needed for lookups.
struct Registry {
    /// Sorted by folded name.
    provinces: Vec<Province>,
    province_index: HashMap<u32, usize>,
    /// Grouped by province; sorted by folded name within a province.
    communes: Vec<Commune>,
    /// Slice of `communes` belonging to each province code.
    province_ranges: HashMap<u32, Range<usize>>,
    commune_index: HashMap<u32, usize>,
    /// Parallel to `communes`: (folded name, folded name without prefix).
    folded: Vec<(String, String)>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::parse(DATA));

impl Registry {
    /// Parses the embedded list. Panics on malformed data: the file is fixed
    /// at compile time and a unit test proves it parses.
    fn parse(data: &'static str) -> Registry {
        let mut lines = data.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some(HEADER), "unexpected admin-units header");

        let mut provinces: Vec<Province> = Vec::new();
        let mut communes: Vec<Commune> = Vec::new();
        for line in lines.filter(|line| !line.trim().is_empty()) {
            assert!(
                !line.contains('"'),
                "quoted CSV field not supported: {line}"
            );
            let fields: Vec<&'static str> = line.split(',').map(str::trim).collect();
            let [
                province_code,
                province_name,
                province_kind,
                code,
                name,
                kind,
            ] = fields[..]
            else {
                panic!("expected 6 fields: {line}");
            };
            let province_code: u32 = province_code
                .parse()
                .unwrap_or_else(|_| panic!("bad province code: {line}"));
            let province = Province {
                code: province_code,
                name: province_name,
                kind: province_kind,
            };
            match provinces.iter().find(|p| p.code == province_code) {
                Some(known) => assert_eq!(*known, province, "inconsistent province: {line}"),
                None => provinces.push(province),
            }
            communes.push(Commune {
                code: code
                    .parse()
                    .unwrap_or_else(|_| panic!("bad commune code: {line}")),
                name,
                kind,
                province_code,
                province_name,
            });
        }

        provinces.sort_by_cached_key(|p| (fold(p.name), p.code));
        let province_index: HashMap<u32, usize> = provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code, i))
            .collect();

        // Group by province in province display order, then by name.
        communes.sort_by_cached_key(|c| (province_index[&c.province_code], fold(c.name), c.code));
        let mut province_ranges: HashMap<u32, Range<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            province_ranges
                .entry(c.province_code)
                .and_modify(|range| range.end = i + 1)
                .or_insert(i..i + 1);
        }
        let mut commune_index = HashMap::with_capacity(communes.len());
        for (i, c) in communes.iter().enumerate() {
            let previous = commune_index.insert(c.code, i);
            assert!(previous.is_none(), "duplicate commune code {}", c.code);
        }
        let folded = communes
            .iter()
            .map(|c| {
                let full = fold(c.name);
                let bare = strip_kind_prefix(&full).to_owned();
                (full, bare)
            })
            .collect();

        Registry {
            provinces,
            province_index,
            communes,
            province_ranges,
            commune_index,
            folded,
        }
    }
}

/// `folded` without a leading "xa "/"phuong "/"dac khu ".
fn strip_kind_prefix(folded: &str) -> &str {
    FOLDED_PREFIXES
        .iter()
        .find_map(|prefix| folded.strip_prefix(prefix))
        .unwrap_or(folded)
}

/// All provinces, sorted by name ignoring diacritics.
pub fn provinces() -> &'static [Province] {
    &REGISTRY.provinces
}

/// The province with this official code.
pub fn province(code: u32) -> Option<&'static Province> {
    let registry = &*REGISTRY;
    registry
        .province_index
        .get(&code)
        .map(|&i| &registry.provinces[i])
}

/// The communes of a province, sorted by name ignoring diacritics; empty for
/// an unknown province code.
pub fn communes_of(province_code: u32) -> &'static [Commune] {
    let registry = &*REGISTRY;
    match registry.province_ranges.get(&province_code) {
        Some(range) => &registry.communes[range.clone()],
        None => &[],
    }
}

/// The commune with this official code.
pub fn commune(code: u32) -> Option<&'static Commune> {
    let registry = &*REGISTRY;
    registry
        .commune_index
        .get(&code)
        .map(|&i| &registry.communes[i])
}

/// Communes whose name contains `query`, ignoring case and diacritics, at
/// most `limit` of them.
///
/// Exact name matches come first (with or without the "Xã"/"Phường"/"Đặc
/// khu" prefix), then names starting with the query, then other matches;
/// ties are ordered by name. "nam xuan" finds "Xã Nam Xuân".
pub fn search_communes(query: &str, limit: usize) -> Vec<&'static Commune> {
    let query = fold(query);
    if query.is_empty() || limit == 0 {
        return Vec::new();
    }
    let registry = &*REGISTRY;
    let mut hits: Vec<(u8, &str, usize)> = registry
        .folded
        .iter()
        .enumerate()
        .filter_map(|(i, (full, bare))| {
            let rank = if *full == query || *bare == query {
                0
            } else if full.starts_with(&query) || bare.starts_with(&query) {
                1
            } else if full.contains(&query) {
                2
            } else {
                return None;
            };
            Some((rank, bare.as_str(), i))
        })
        .collect();
    hits.sort_unstable();
    hits.into_iter()
        .take(limit)
        .map(|(_, _, i)| &registry.communes[i])
        .collect()
}

/// The name with its province, e.g. "Xã Nam Xuân, Thanh Hóa".
pub fn full_name(commune: &Commune) -> String {
    format!("{}, {}", commune.name, commune.province_name)
}

/// The code of a known commune, as submitted by a form.
///
/// Only codes present in the official list can be constructed, so
/// [`CommuneCode::commune`] always succeeds.
#[derive(Clone, Copy)]
pub struct CommuneCode(&'static Commune);

impl CommuneCode {
    /// Parses a commune code; empty is [`Reason::Required`], anything that is
    /// not a known code is [`Reason::UnknownCommune`].
    pub fn parse(value: &str) -> Result<CommuneCode, Reason> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Reason::Required);
        }
        value
            .parse()
            .ok()
            .and_then(CommuneCode::new)
            .ok_or(Reason::UnknownCommune)
    }

    /// The code, if it belongs to a known commune (e.g. when read back from
    /// storage, where a stale code must not be trusted blindly).
    pub fn new(code: u32) -> Option<CommuneCode> {
        commune(code).map(CommuneCode)
    }

    /// The numeric code.
    pub fn value(self) -> u32 {
        self.0.code
    }

    /// The commune this code designates.
    pub fn commune(self) -> &'static Commune {
        self.0
    }
}

impl PartialEq for CommuneCode {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Eq for CommuneCode {}

impl Hash for CommuneCode {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value().hash(state);
    }
}

impl fmt::Debug for CommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CommuneCode").field(&self.value()).finish()
    }
}

/// Prints the numeric code, as used in forms and storage.
impl fmt::Display for CommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_parses_with_expected_counts() {
        assert_eq!(provinces().len(), 34);
        let total: usize = provinces().iter().map(|p| communes_of(p.code).len()).sum();
        assert_eq!(total, 3321);
        assert_eq!(REGISTRY.communes.len(), 3321);
        assert_eq!(REGISTRY.commune_index.len(), 3321);
        for p in provinces() {
            assert_eq!(province(p.code), Some(p));
            assert!(!communes_of(p.code).is_empty(), "{}", p.name);
            for c in communes_of(p.code) {
                assert_eq!(c.province_code, p.code);
                assert_eq!(c.province_name, p.name);
                assert_eq!(commune(c.code), Some(c));
                assert!(c.name.starts_with(['X', 'P', 'Đ']), "{}", c.name);
                assert!(!c.name.ends_with('\r'));
            }
        }
        let kinds: Vec<&str> = REGISTRY.communes.iter().map(|c| c.kind).collect();
        assert_eq!(kinds.iter().filter(|&&k| k == "xã").count(), 2621);
        assert_eq!(kinds.iter().filter(|&&k| k == "phường").count(), 687);
        assert_eq!(kinds.iter().filter(|&&k| k == "đặc khu").count(), 13);
    }

    #[test]
    fn provinces_and_communes_are_sorted_by_folded_name() {
        let names: Vec<String> = provinces().iter().map(|p| fold(p.name)).collect();
        assert!(names.is_sorted());
        let thanh_hoa: Vec<String> = communes_of(38).iter().map(|c| fold(c.name)).collect();
        assert!(thanh_hoa.is_sorted());
        assert!(communes_of(999).is_empty());
        assert_eq!(province(999), None);
    }

    #[test]
    fn nam_xuan_lookup() {
        let c = commune(14902).unwrap();
        assert_eq!(c.name, "Xã Nam Xuân");
        assert_eq!(c.kind, "xã");
        assert_eq!(c.province_code, 38);
        assert_eq!(c.province_name, "Thanh Hóa");
        assert_eq!(full_name(c), "Xã Nam Xuân, Thanh Hóa");
        let p = province(38).unwrap();
        assert_eq!((p.name, p.kind), ("Thanh Hóa", "tỉnh"));
        assert_eq!(commune(1), None);
    }

    #[test]
    fn search_is_accent_insensitive() {
        let first = |q: &str| search_communes(q, 10).first().map(|c| (c.code, c.name));
        assert_eq!(first("nam xuan"), Some((14902, "Xã Nam Xuân")));
        assert_eq!(first("Nam Xuân"), Some((14902, "Xã Nam Xuân")));
        assert_eq!(first("xa nam xuan"), Some((14902, "Xã Nam Xuân")));
        assert_eq!(first("phu le"), Some((14878, "Xã Phú Lệ")));
        assert_eq!(first("hoi xuan"), Some((14869, "Xã Hồi Xuân")));
        assert_eq!(first("thien phu"), Some((14908, "Xã Thiên Phủ")));
        assert_eq!(first("ea m'droh").map(|c| c.1), Some("Xã Ea M’Droh"));
    }

    #[test]
    fn search_ranks_and_limits() {
        let hits = search_communes("xuan", 500);
        assert!(hits.len() > 10);
        assert!(hits.iter().all(|c| fold(c.name).contains("xuan")));
        // Names starting with the query come before names merely containing it.
        let first_inner = hits
            .iter()
            .position(|c| !strip_kind_prefix(&fold(c.name)).starts_with("xuan"))
            .unwrap();
        assert!(
            hits[first_inner..]
                .iter()
                .all(|c| !strip_kind_prefix(&fold(c.name)).starts_with("xuan"))
        );
        assert_eq!(search_communes("xuan", 3).len(), 3);
        assert!(search_communes("xuan", 0).is_empty());
        assert!(search_communes("   ", 10).is_empty());
        assert!(search_communes("zzzz", 10).is_empty());
    }

    #[test]
    fn commune_code() {
        let code = CommuneCode::parse(" 14902 ").unwrap();
        assert_eq!(code.value(), 14902);
        assert_eq!(code.commune().name, "Xã Nam Xuân");
        assert_eq!(code.to_string(), "14902");
        assert_eq!(format!("{code:?}"), "CommuneCode(14902)");
        assert_eq!(CommuneCode::new(14902), Some(code));
        assert_eq!(CommuneCode::new(1), None);
        assert_eq!(CommuneCode::parse(""), Err(Reason::Required));
        assert_eq!(CommuneCode::parse("abc"), Err(Reason::UnknownCommune));
        assert_eq!(CommuneCode::parse("-5"), Err(Reason::UnknownCommune));
        assert_eq!(CommuneCode::parse("99999"), Err(Reason::UnknownCommune));
    }
}
