//! Stamp codes: 16 Crockford base32 characters, 60 random bits then a
//! 20-bit keyed check. The check is computed elsewhere (it needs the
//! instance secret); this module only knows the shape, so a typed code can
//! be normalised and a made-up one refused without any lookup.

use std::fmt;

use super::reason::Reason;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of characters in a code.
pub const CODE_LEN: usize = 16;
/// Bits of randomness in a code.
pub const RANDOM_BITS: u32 = 60;
/// Bits of the keyed check.
pub const CHECK_BITS: u32 = 20;

/// A well-formed stamp code (its check not yet verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StampCode(String);

impl StampCode {
    /// Builds the code for `random` (low 60 bits used) and `check` (low 20).
    pub fn from_parts(random: u64, check: u32) -> StampCode {
        let value: u128 = (u128::from(random & ((1 << RANDOM_BITS) - 1)) << CHECK_BITS)
            | u128::from(check & ((1 << CHECK_BITS) - 1));
        let mut s = String::with_capacity(CODE_LEN);
        for i in (0..CODE_LEN).rev() {
            s.push(ALPHABET[((value >> (5 * i)) & 31) as usize] as char);
        }
        StampCode(s)
    }

    /// Parses what a buyer typed or a QR carried: case, spaces and dashes do
    /// not matter, and the letters people confuse with digits (O, I, L) are
    /// read as 0 and 1, as Crockford's alphabet intends.
    pub fn parse(value: &str) -> Result<StampCode, Reason> {
        let mut s = String::with_capacity(CODE_LEN);
        for c in value.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(Reason::Invalid),
            };
            s.push(c);
            if s.len() > CODE_LEN {
                return Err(Reason::Invalid);
            }
        }
        if s.len() != CODE_LEN {
            return Err(Reason::Invalid);
        }
        Ok(StampCode(s))
    }

    fn value(&self) -> u128 {
        self.0.bytes().fold(0u128, |acc, b| {
            let digit = ALPHABET.iter().position(|a| *a == b).unwrap_or(0) as u128;
            (acc << 5) | digit
        })
    }

    /// The random part.
    pub fn random(&self) -> u64 {
        (self.value() >> CHECK_BITS) as u64
    }

    /// The check part.
    pub fn check(&self) -> u32 {
        (self.value() & ((1 << CHECK_BITS) - 1)) as u32
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "7K3M 9QXH 2B4T R8WD": how it is printed under the QR.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(CODE_LEN + 3);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Display for StampCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip() {
        let c = StampCode::from_parts(0x0ABC_DEF0_1234_5678, 0xF_1234);
        assert_eq!(c.as_str().len(), 16);
        assert_eq!(c.random(), 0x0ABC_DEF0_1234_5678);
        assert_eq!(c.check(), 0xF_1234);
        assert_eq!(StampCode::parse(&c.grouped().to_lowercase()), Ok(c.clone()));
    }

    #[test]
    fn confusable_letters_are_read_as_digits() {
        let c = StampCode::parse("O1IL-0000 0000 0000").expect("code");
        assert_eq!(c.as_str(), "0111000000000000");
        assert!(StampCode::parse("U000000000000000").is_err());
        assert!(StampCode::parse("000").is_err());
        assert!(StampCode::parse("00000000000000000").is_err());
        assert!(StampCode::parse("Mật ong").is_err());
    }
}
