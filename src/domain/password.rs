//! Passwords chosen by users.

use std::fmt;

use super::reason::Reason;

/// Fewest characters accepted in a new password.
const MIN_CHARS: usize = 10;
/// Most characters accepted; bounds the cost of hashing.
const MAX_CHARS: usize = 128;

/// A new password that satisfies the length policy, before hashing.
///
/// Not trimmed: spaces are legitimate password characters. `Debug` never
/// prints the secret, and there is deliberately no `Display`.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Accepts 10 to 128 characters (not bytes, so each Vietnamese letter
    /// counts once); an empty value is [`Reason::Required`].
    pub fn parse(value: &str) -> Result<NewPassword, Reason> {
        let chars = value.chars().count();
        if chars == 0 {
            Err(Reason::Required)
        } else if chars < MIN_CHARS {
            Err(Reason::TooShort { min: MIN_CHARS })
        } else if chars > MAX_CHARS {
            Err(Reason::TooLong { max: MAX_CHARS })
        } else {
            Ok(NewPassword(value.to_owned()))
        }
    }

    /// The secret, for hashing only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        // 9 characters but 20+ bytes.
        assert_eq!(
            NewPassword::parse("mậtongrừn").err(),
            Some(Reason::TooShort { min: 10 })
        );
        assert_eq!(
            NewPassword::parse("mậtongrừng").unwrap().as_str(),
            "mậtongrừng"
        );
        assert!(NewPassword::parse(&"ự".repeat(128)).is_ok());
        assert_eq!(
            NewPassword::parse(&"ự".repeat(129)).err(),
            Some(Reason::TooLong { max: 128 })
        );
    }

    #[test]
    fn keeps_spaces_and_hides_secret() {
        let password = NewPassword::parse("  secret words  ").unwrap();
        assert_eq!(password.as_str(), "  secret words  ");
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
        assert_eq!(NewPassword::parse("").err(), Some(Reason::Required));
    }
}
