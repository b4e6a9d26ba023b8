//! Typed database ids, so a seller id cannot be passed where a user id is
//! expected.

use std::fmt;
use std::str::FromStr;

use super::reason::Reason;

/// Defines a positive `i64` id type.
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        /// Prints the bare number, as used in URLs.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        /// Parses a path or form segment; database ids are always positive,
        /// so anything else is [`Reason::Invalid`].
        impl FromStr for $name {
            type Err = Reason;

            fn from_str(s: &str) -> Result<Self, Reason> {
                match s.parse::<i64>() {
                    Ok(id) if id > 0 => Ok(Self(id)),
                    _ => Err(Reason::Invalid),
                }
            }
        }
    };
}

typed_id!(
    /// Id of a seller (cooperative, household business or enterprise).
    SellerId
);
typed_id!(
    /// Id of a user account.
    UserId
);
typed_id!(
    /// Id of a post office.
    PostOfficeId
);
typed_id!(
    /// Id of an invitation to create an account.
    InvitationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let id: SellerId = "42".parse().unwrap();
        assert_eq!(id, SellerId(42));
        assert_eq!(id.to_string(), "42");
        assert_eq!("7".parse::<UserId>(), Ok(UserId(7)));
        assert_eq!("1".parse::<PostOfficeId>(), Ok(PostOfficeId(1)));
        assert_eq!("9".parse::<InvitationId>(), Ok(InvitationId(9)));
        assert!(SellerId(1) < SellerId(2));
    }

    #[test]
    fn refuses_non_positive_and_garbage() {
        for bad in ["0", "-1", "", " 1", "1.0", "abc", "99999999999999999999"] {
            assert_eq!(bad.parse::<SellerId>(), Err(Reason::Invalid), "{bad}");
        }
    }
}
