//! Vietnamese phone numbers.

use std::fmt;

use super::reason::Reason;

/// A Vietnamese phone number in national form with a leading `0`:
/// a mobile (`0[35789]` + 8 digits) or a landline (`02` + 9 digits).
///
/// Storing one normalised form makes numbers comparable however they were
/// typed (`+84 912 345 678`, `0912.345.678`, `(0237) 3851 234`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a mobile or landline number.
    ///
    /// Spaces, dots, dashes and parentheses are ignored. An international
    /// prefix (`+84`, `0084`, or a bare `84` followed by 9 or 10 digits) is
    /// replaced by `0`; the `(0)` some people write after `+84` is tolerated.
    pub fn parse(value: &str) -> Result<Phone, Reason> {
        let compact: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
            .collect();
        if compact.is_empty() {
            return Err(Reason::Required);
        }
        let national = match compact
            .strip_prefix("+84")
            .or_else(|| compact.strip_prefix("0084"))
        {
            Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
            None => match compact.strip_prefix("84") {
                Some(rest) if matches!(rest.len(), 9 | 10) => format!("0{rest}"),
                _ => compact,
            },
        };
        if !national.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Reason::InvalidPhone);
        }
        // All ASCII digits, so byte indexing below is safe.
        let bytes = national.as_bytes();
        let mobile = bytes.len() == 10 && bytes[0] == b'0' && b"35789".contains(&bytes[1]);
        let landline = bytes.len() == 11 && bytes.starts_with(b"02");
        if mobile || landline {
            Ok(Phone(national))
        } else {
            Err(Reason::InvalidPhone)
        }
    }

    /// Like [`Phone::parse`], but refuses a valid landline with
    /// [`Reason::NotMobilePhone`]; for services such as Zalo that need a mobile.
    pub fn parse_mobile(value: &str) -> Result<Phone, Reason> {
        let phone = Phone::parse(value)?;
        if phone.is_mobile() {
            Ok(phone)
        } else {
            Err(Reason::NotMobilePhone)
        }
    }

    /// True for a mobile number, false for a landline.
    pub fn is_mobile(&self) -> bool {
        self.0.len() == 10
    }

    /// The national form, e.g. `0912345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms_become_national() {
        for typed in [
            "+84 912 345 678",
            "84912345678",
            "0912.345.678",
            "0912-345-678",
            "+84 (0) 912 345 678",
            "0084912345678",
        ] {
            assert_eq!(
                Phone::parse(typed).unwrap().as_str(),
                "0912345678",
                "{typed}"
            );
        }
        assert_eq!(
            Phone::parse("+84 237 3851 234").unwrap().as_str(),
            "02373851234"
        );
    }

    #[test]
    fn mobile_and_landline() {
        let mobile = Phone::parse("0912345678").unwrap();
        assert!(mobile.is_mobile());
        assert_eq!(mobile.to_string(), "0912345678");
        let landline = Phone::parse("0237 3851 234").unwrap();
        assert_eq!(landline.as_str(), "02373851234");
        assert!(!landline.is_mobile());
        for prefix in ["03", "05", "07", "08", "09"] {
            assert!(
                Phone::parse(&format!("{prefix}12345678")).is_ok(),
                "{prefix}"
            );
        }
    }

    #[test]
    fn invalid_numbers() {
        assert_eq!(Phone::parse("0123456789"), Err(Reason::InvalidPhone));
        assert_eq!(Phone::parse("091234567"), Err(Reason::InvalidPhone));
        assert_eq!(Phone::parse("09123456789"), Err(Reason::InvalidPhone));
        assert_eq!(Phone::parse("0912a45678"), Err(Reason::InvalidPhone));
        assert_eq!(
            Phone::parse("０９１２３４５６７８"),
            Err(Reason::InvalidPhone)
        );
        assert_eq!(Phone::parse("+1 912 345 678"), Err(Reason::InvalidPhone));
        assert_eq!(Phone::parse(" - "), Err(Reason::Required));
    }

    #[test]
    fn parse_mobile_refuses_landline() {
        assert_eq!(
            Phone::parse_mobile("0237 3851 234"),
            Err(Reason::NotMobilePhone)
        );
        assert_eq!(
            Phone::parse_mobile("+84912345678").unwrap().as_str(),
            "0912345678"
        );
        assert_eq!(Phone::parse_mobile("123"), Err(Reason::InvalidPhone));
    }
}
