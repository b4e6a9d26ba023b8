//! Small closed enumerations stored and submitted as lowercase strings.

use std::fmt;

use super::reason::Reason;

/// Defines an enum with a stable string form for storage and forms.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order (e.g. for select options).
            pub const ALL: [Self; [$($text),+].len()] = [$(Self::$variant),+];

            /// The stable string form, as stored and submitted.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// Parses the string form (surrounding whitespace is ignored);
            /// anything else is [`Reason::InvalidChoice`].
            pub fn parse(value: &str) -> Result<Self, Reason> {
                match value.trim() {
                    $( $text => Ok(Self::$variant), )+
                    _ => Err(Reason::InvalidChoice),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The legal form of a seller.
    SellerKind {
        /// A cooperative (hợp tác xã).
        Htx => "htx",
        /// A household business (hộ kinh doanh).
        Household => "household",
        /// An enterprise (doanh nghiệp).
        Enterprise => "enterprise",
    }
}

string_enum! {
    /// What a user account may do.
    Role {
        /// Manages the whole service.
        Admin => "admin",
        /// Staff (e.g. of a post office) acting on behalf of sellers.
        Staff => "staff",
        /// Manages its own seller profile and products.
        Seller => "seller",
    }
}

string_enum! {
    /// Lifecycle of a seller profile.
    SellerStatus {
        /// Being filled in; not public yet.
        Draft => "draft",
        /// Public.
        Active => "active",
        /// Hidden by an administrator.
        Suspended => "suspended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for kind in SellerKind::ALL {
            assert_eq!(SellerKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for status in SellerStatus::ALL {
            assert_eq!(SellerStatus::parse(status.as_str()), Ok(status));
        }
        assert_eq!(SellerKind::Htx.as_str(), "htx");
        assert_eq!(Role::ALL, [Role::Admin, Role::Staff, Role::Seller]);
        assert_eq!(SellerStatus::Suspended.to_string(), "suspended");
    }

    #[test]
    fn refuses_unknown_values() {
        assert_eq!(SellerKind::parse("HTX"), Err(Reason::InvalidChoice));
        assert_eq!(Role::parse(""), Err(Reason::InvalidChoice));
        assert_eq!(SellerStatus::parse("deleted"), Err(Reason::InvalidChoice));
        assert_eq!(Role::parse(" admin "), Ok(Role::Admin));
    }
}
