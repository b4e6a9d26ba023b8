//! Vietnamese tax codes (mã số thuế) and business registration numbers.

use std::fmt;

use super::reason::Reason;

/// Weights of the first nine digits in the tax-code check digit.
const CHECK_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// Province prefixes of 12-digit citizen identification numbers.
const PERSONAL_ID_PROVINCES: [&str; 63] = [
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
    "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
    "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
    "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
    "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
];

/// Character replacing hidden digits of a personal identification number.
const MASK: char = '•';

/// A validated tax code.
///
/// Three forms are accepted:
/// * 10 digits with a valid check digit (an enterprise or cooperative);
/// * a branch code, 10 digits, `-`, 3 digits (`0102595740-001`), always stored
///   with the dash;
/// * a 12-digit personal identification number, which household businesses
///   use as their tax code since 1 July 2025.
///
/// A personal identification number is personal data: it must never be shown
/// publicly or logged. `Display` and `Debug` therefore print
/// [`TaxCode::masked`]; use [`TaxCode::as_str`] where the full value is
/// really needed (storage, the owner's own profile).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaxCode(String);

impl TaxCode {
    /// Parses a tax code as typed, ignoring surrounding whitespace and any
    /// spaces or dots used to group digits.
    pub fn parse(value: &str) -> Result<TaxCode, Reason> {
        let code: String = value
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        if code.is_empty() {
            return Err(Reason::Required);
        }
        // Only ASCII digits and dashes from here on, so byte slicing is safe.
        if !code.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(Reason::InvalidTaxCode);
        }
        let (main, branch) = match code.split_once('-') {
            Some((main, branch)) if main.len() == 10 && branch.len() == 3 => (main, Some(branch)),
            Some(_) => return Err(Reason::InvalidTaxCode),
            None if code.len() == 13 => (&code[..10], Some(&code[10..])),
            None => (code.as_str(), None),
        };
        // A second dash may hide inside the branch part ("0102595740-0-1").
        if branch.is_some_and(|b| b.contains('-')) {
            return Err(Reason::InvalidTaxCode);
        }
        match (main.len(), branch) {
            (10, branch) => {
                if !check_digit_ok(main) {
                    return Err(Reason::TaxCodeChecksum);
                }
                match branch {
                    // Branch numbers start at 001; 000 would be the parent itself.
                    Some("000") => Err(Reason::InvalidTaxCode),
                    Some(branch) => Ok(TaxCode(format!("{main}-{branch}"))),
                    None => Ok(TaxCode(main.to_owned())),
                }
            }
            (12, None) => {
                if PERSONAL_ID_PROVINCES.contains(&&main[..3]) {
                    Ok(TaxCode(main.to_owned()))
                } else {
                    Err(Reason::InvalidPersonalId)
                }
            }
            _ => Err(Reason::InvalidTaxCode),
        }
    }

    /// The full, unmasked value. Never log it or show it publicly: it may be
    /// a personal identification number (see [`TaxCode::is_personal_id`]).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the 12-digit personal identification number form, which is
    /// personal data that must never be shown publicly or logged.
    pub fn is_personal_id(&self) -> bool {
        self.0.len() == 12
    }

    /// A form safe to display or log: for personal identification numbers
    /// all but the last 3 digits are replaced by `•`; other codes are public
    /// business identifiers and are returned unchanged.
    pub fn masked(&self) -> String {
        if self.is_personal_id() {
            let visible = &self.0[self.0.len() - 3..];
            let mut out: String = std::iter::repeat_n(MASK, self.0.len() - 3).collect();
            out.push_str(visible);
            out
        } else {
            self.0.clone()
        }
    }
}

/// Prints [`TaxCode::masked`], so formatting by accident never leaks a
/// personal identification number.
impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Masked like `Display`, because `{:?}` ends up in logs too.
impl fmt::Debug for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaxCode").field(&self.masked()).finish()
    }
}

/// Whether the tenth digit of `digits` (10 ASCII digits) matches the first nine.
fn check_digit_ok(digits: &str) -> bool {
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = CHECK_WEIGHTS
        .iter()
        .zip(&values)
        .map(|(weight, digit)| weight * digit)
        .sum();
    // A result of 10 can never equal a single digit, so such codes are invalid.
    let check = 10 - (sum % 11);
    values.get(9) == Some(&check)
}

/// A business registration number (số đăng ký kinh doanh), stored uppercase.
///
/// Formats vary a lot between issuing offices and eras (e.g. `27A8001234`,
/// `0102595740`, `01/2019/GCN`), so only the general shape is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BusinessRegNo(String);

impl BusinessRegNo {
    /// Parses a registration number: 4 to 20 characters of `A-Z`, `0-9`,
    /// `/` or `-`, including at least 4 digits.
    pub fn parse(value: &str) -> Result<BusinessRegNo, Reason> {
        let value = value.trim().to_uppercase();
        if value.is_empty() {
            return Err(Reason::Required);
        }
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '/' || c == '-');
        let digits = value.chars().filter(char::is_ascii_digit).count();
        // `allowed` makes the byte length equal to the character count.
        if allowed && (4..=20).contains(&value.len()) && digits >= 4 {
            Ok(BusinessRegNo(value))
        } else {
            Err(Reason::InvalidBusinessRegNo)
        }
    }

    /// The normalised (uppercase) value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BusinessRegNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ten_digit_codes() {
        for code in ["0102595740", "0100109106", "0300588569"] {
            let parsed = TaxCode::parse(code).unwrap();
            assert_eq!(parsed.as_str(), code);
            assert!(!parsed.is_personal_id());
            assert_eq!(parsed.masked(), code);
            assert_eq!(parsed.to_string(), code);
        }
        assert_eq!(
            TaxCode::parse(" 0102.595.740 ").unwrap().as_str(),
            "0102595740"
        );
    }

    #[test]
    fn bad_check_digit() {
        assert_eq!(TaxCode::parse("0102595741"), Err(Reason::TaxCodeChecksum));
        assert_eq!(
            TaxCode::parse("0102595741-001"),
            Err(Reason::TaxCodeChecksum)
        );
    }

    #[test]
    fn branch_forms() {
        let dashed = TaxCode::parse("0102595740-001").unwrap();
        assert_eq!(dashed.as_str(), "0102595740-001");
        let plain = TaxCode::parse("0102595740001").unwrap();
        assert_eq!(plain, dashed);
        assert!(!plain.is_personal_id());
        assert_eq!(
            TaxCode::parse("0102595740-000"),
            Err(Reason::InvalidTaxCode)
        );
        assert_eq!(TaxCode::parse("0102595740-01"), Err(Reason::InvalidTaxCode));
        assert_eq!(
            TaxCode::parse("0102595740-0a1"),
            Err(Reason::InvalidTaxCode)
        );
    }

    #[test]
    fn personal_id() {
        let id = TaxCode::parse("038 090 012 345").unwrap();
        assert_eq!(id.as_str(), "038090012345");
        assert!(id.is_personal_id());
        assert_eq!(id.masked(), "•••••••••345");
        assert_eq!(id.to_string(), "•••••••••345");
        assert!(!format!("{id:?}").contains("038090"));
        assert_eq!(
            TaxCode::parse("003090012345"),
            Err(Reason::InvalidPersonalId)
        );
        assert_eq!(
            TaxCode::parse("097090012345"),
            Err(Reason::InvalidPersonalId)
        );
    }

    #[test]
    fn other_shapes() {
        assert_eq!(TaxCode::parse("  "), Err(Reason::Required));
        assert_eq!(TaxCode::parse("12345"), Err(Reason::InvalidTaxCode));
        assert_eq!(TaxCode::parse("01025957400"), Err(Reason::InvalidTaxCode));
        assert_eq!(TaxCode::parse("01025A5740"), Err(Reason::InvalidTaxCode));
        assert_eq!(
            TaxCode::parse("０１０２５９５７４０"),
            Err(Reason::InvalidTaxCode)
        );
        assert_eq!(TaxCode::parse("-"), Err(Reason::InvalidTaxCode));
        assert_eq!(TaxCode::parse("ĐĐĐĐĐ-ab"), Err(Reason::InvalidTaxCode));
        assert_eq!(TaxCode::parse("ĐĐĐĐĐ-abc"), Err(Reason::InvalidTaxCode));
        // 13 bytes with a multi-byte character across byte 10.
        assert_eq!(TaxCode::parse("ĐĐĐĐĐĐ1"), Err(Reason::InvalidTaxCode));
        assert_eq!(
            TaxCode::parse("0102595740-0-1"),
            Err(Reason::InvalidTaxCode)
        );
        assert_eq!(
            TaxCode::parse("038-090-012345"),
            Err(Reason::InvalidTaxCode)
        );
    }

    #[test]
    fn business_reg_no() {
        assert_eq!(
            BusinessRegNo::parse(" 27a8001234 ").unwrap().as_str(),
            "27A8001234"
        );
        assert!(BusinessRegNo::parse("01/2019/GCN-1").is_ok());
        assert_eq!(BusinessRegNo::parse(""), Err(Reason::Required));
        assert_eq!(
            BusinessRegNo::parse("ABC1"),
            Err(Reason::InvalidBusinessRegNo)
        );
        assert_eq!(
            BusinessRegNo::parse("12 34"),
            Err(Reason::InvalidBusinessRegNo)
        );
        assert_eq!(
            BusinessRegNo::parse(&"1".repeat(21)),
            Err(Reason::InvalidBusinessRegNo)
        );
        assert_eq!(
            BusinessRegNo::parse("Đ1234"),
            Err(Reason::InvalidBusinessRegNo)
        );
    }
}
