//! Parsed values of the catalogue: OCOP subgroups, GTINs, prices, whole and
//! decimal quantities, dates and stars.

use super::kinds::OcopGroup;
use super::reason::Reason;

/// A subgroup code, its group, and its names in Vietnamese and English.
pub struct Subgroup {
    pub code: &'static str,
    pub group: OcopGroup,
    pub vi: &'static str,
    pub en: &'static str,
}

/// The subgroups used for catalogue filters and marketplace categories.
pub const SUBGROUPS: &[Subgroup] = &[
    Subgroup {
        code: "fresh",
        group: OcopGroup::Food,
        vi: "Nông sản, thủy sản tươi sống",
        en: "Fresh produce and fish",
    },
    Subgroup {
        code: "preliminary",
        group: OcopGroup::Food,
        vi: "Nông sản, thủy sản sơ chế",
        en: "Dried and preliminarily processed produce",
    },
    Subgroup {
        code: "processed",
        group: OcopGroup::Food,
        vi: "Thực phẩm chế biến",
        en: "Processed food",
    },
    Subgroup {
        code: "condiments",
        group: OcopGroup::Food,
        vi: "Gia vị, nước chấm",
        en: "Spices and sauces",
    },
    Subgroup {
        code: "tea",
        group: OcopGroup::Food,
        vi: "Chè và sản phẩm từ chè",
        en: "Tea",
    },
    Subgroup {
        code: "honey",
        group: OcopGroup::Food,
        vi: "Mật ong và sản phẩm từ mật ong",
        en: "Honey",
    },
    Subgroup {
        code: "alcoholic",
        group: OcopGroup::Drinks,
        vi: "Đồ uống có cồn",
        en: "Alcoholic drinks",
    },
    Subgroup {
        code: "non_alcoholic",
        group: OcopGroup::Drinks,
        vi: "Đồ uống không cồn",
        en: "Soft drinks",
    },
    Subgroup {
        code: "medicinal",
        group: OcopGroup::Herbal,
        vi: "Thực phẩm chức năng, dược liệu",
        en: "Herbal supplements and medicinal herbs",
    },
    Subgroup {
        code: "cosmetics",
        group: OcopGroup::Herbal,
        vi: "Mỹ phẩm từ thảo dược",
        en: "Herbal cosmetics",
    },
    Subgroup {
        code: "essential_oils",
        group: OcopGroup::Herbal,
        vi: "Tinh dầu, thảo dược khác",
        en: "Essential oils and other herbs",
    },
    Subgroup {
        code: "textiles",
        group: OcopGroup::Handicrafts,
        vi: "Vải, thổ cẩm, may mặc",
        en: "Textiles and brocade",
    },
    Subgroup {
        code: "crafts",
        group: OcopGroup::Handicrafts,
        vi: "Thủ công mỹ nghệ, đồ gia dụng",
        en: "Crafts and household goods",
    },
    Subgroup {
        code: "plants",
        group: OcopGroup::Ornamental,
        vi: "Hoa, cây cảnh",
        en: "Flowers and ornamental plants",
    },
    Subgroup {
        code: "animals",
        group: OcopGroup::Ornamental,
        vi: "Động vật cảnh",
        en: "Ornamental animals",
    },
    Subgroup {
        code: "community_tourism",
        group: OcopGroup::Tourism,
        vi: "Du lịch cộng đồng, sinh thái, điểm du lịch",
        en: "Community and eco-tourism",
    },
];

/// The subgroup of `code`, which must belong to `group`.
pub fn subgroup(group: OcopGroup, code: &str) -> Result<&'static Subgroup, Reason> {
    match SUBGROUPS.iter().find(|s| s.code == code.trim()) {
        Some(s) if s.group == group => Ok(s),
        Some(_) => Err(Reason::SubgroupMismatch),
        None => Err(Reason::InvalidChoice),
    }
}

/// A GS1 trade item number (GTIN-8, -12, -13 or -14) with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gtin(String);

impl Gtin {
    /// Parses digits, ignoring spaces; the check digit must match.
    pub fn parse(value: &str) -> Result<Gtin, Reason> {
        let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(Reason::Required);
        }
        if !matches!(digits.len(), 8 | 12 | 13 | 14) || !gs1_check_digit_ok(&digits) {
            return Err(Reason::InvalidGtin);
        }
        Ok(Gtin(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 14-digit form used in GS1 Digital Link URLs.
    pub fn to_gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }
}

/// True when the last digit of `digits` is the GS1 mod-10 check digit of
/// the others (GTINs, GLNs and SSCCs all use it).
pub fn gs1_check_digit_ok(digits: &str) -> bool {
    let values: Option<Vec<u32>> = digits.chars().map(|c| c.to_digit(10)).collect();
    let Some(values) = values else {
        return false;
    };
    let Some((check, body)) = values.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| if i % 2 == 0 { v * 3 } else { *v })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// Parses a whole number in `min..=max`. Thousands separators (`.` `,` and
/// spaces, as in "150.000") are accepted, because that is how prices are
/// written in Vietnam.
pub fn whole_number(value: &str, min: i64, max: i64) -> Result<i64, Reason> {
    let cleaned: String = value
        .trim()
        .trim_end_matches(['đ', '₫'])
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Err(Reason::Required);
    }
    let n: i64 = cleaned.parse().map_err(|_| Reason::InvalidNumber)?;
    if n < min || n > max {
        return Err(Reason::OutOfRange { min, max });
    }
    Ok(n)
}

/// Parses a decimal number in `min..=max`, with `.` or `,` as the decimal
/// mark ("1,5" kg is how it is written on Vietnamese packs).
pub fn decimal(value: &str, min: f64, max: f64) -> Result<f64, Reason> {
    let cleaned = value.trim().replace(',', ".");
    if cleaned.is_empty() {
        return Err(Reason::Required);
    }
    let n: f64 = cleaned.parse().map_err(|_| Reason::InvalidNumber)?;
    if !n.is_finite() {
        return Err(Reason::InvalidNumber);
    }
    if n < min || n > max {
        return Err(Reason::OutOfRange {
            min: min.ceil() as i64,
            max: max.floor() as i64,
        });
    }
    Ok(n)
}

/// A calendar date: `YYYY-MM-DD` (what `<input type=date>` sends) or
/// `DD/MM/YYYY` (what people type), between 1990 and 2100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(value: &str) -> Result<Date, Reason> {
        let v = value.trim();
        if v.is_empty() {
            return Err(Reason::Required);
        }
        let parts: Vec<&str> = if v.contains('/') {
            let p: Vec<&str> = v.split('/').collect();
            if p.len() != 3 {
                return Err(Reason::InvalidDate);
            }
            vec![p[2], p[1], p[0]]
        } else {
            v.split('-').collect()
        };
        let [y, m, d] = parts.as_slice() else {
            return Err(Reason::InvalidDate);
        };
        let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>())
        else {
            return Err(Reason::InvalidDate);
        };
        if !(1990..=2100).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(Reason::InvalidDate);
        }
        Ok(Date { year, month, day })
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// OCOP stars: 3, 4 or 5.
pub fn stars(value: &str) -> Result<i32, Reason> {
    whole_number(value, 3, 5)
        .map(|n| n as i32)
        .map_err(|e| match e {
            Reason::OutOfRange { .. } | Reason::InvalidNumber => {
                Reason::OutOfRange { min: 3, max: 5 }
            }
            other => other,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digit() {
        assert!(Gtin::parse("8934567000000").is_ok());
        assert!(Gtin::parse("8 934567 000000").is_ok());
        assert_eq!(Gtin::parse("8934567000007"), Err(Reason::InvalidGtin));
        assert_eq!(Gtin::parse("12345"), Err(Reason::InvalidGtin));
        assert_eq!(
            Gtin::parse("8934567000000").map(|g| g.to_gtin14()),
            Ok("08934567000000".into())
        );
    }

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(whole_number("150.000", 0, 1_000_000_000), Ok(150_000));
        assert_eq!(whole_number("150.000đ", 0, 1_000_000_000), Ok(150_000));
        assert_eq!(
            whole_number("-1", 0, 10),
            Err(Reason::OutOfRange { min: 0, max: 10 })
        );
        assert_eq!(whole_number("abc", 0, 10), Err(Reason::InvalidNumber));
        assert_eq!(decimal("1,5", 0.0, 100.0), Ok(1.5));
        assert_eq!(decimal("NaN", 0.0, 100.0), Err(Reason::InvalidNumber));
        assert_eq!(stars("6"), Err(Reason::OutOfRange { min: 3, max: 5 }));
    }

    #[test]
    fn dates_in_both_spellings() {
        let d = Date {
            year: 2025,
            month: 7,
            day: 1,
        };
        assert_eq!(Date::parse("2025-07-01"), Ok(d));
        assert_eq!(Date::parse("01/07/2025"), Ok(d));
        assert_eq!(Date::parse("2025-02-29"), Err(Reason::InvalidDate));
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Ok(29));
        assert_eq!(Date::parse("1800-01-01"), Err(Reason::InvalidDate));
    }

    #[test]
    fn subgroup_must_belong_to_its_group() {
        assert!(subgroup(OcopGroup::Food, "honey").is_ok());
        assert_eq!(
            subgroup(OcopGroup::Drinks, "honey").err(),
            Some(Reason::SubgroupMismatch)
        );
        assert_eq!(
            subgroup(OcopGroup::Food, "nope").err(),
            Some(Reason::InvalidChoice)
        );
    }
}
