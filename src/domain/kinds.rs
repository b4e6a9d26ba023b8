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

string_enum! {
    /// The six OCOP product groups (Decision 148/QĐ-TTg, 2023).
    OcopGroup {
        /// Thực phẩm.
        Food => "food",
        /// Đồ uống.
        Drinks => "drinks",
        /// Thảo dược.
        Herbal => "herbal",
        /// Vải, may mặc và thủ công mỹ nghệ.
        Handicrafts => "handicrafts",
        /// Sinh vật cảnh.
        Ornamental => "ornamental",
        /// Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch.
        Tourism => "tourism",
    }
}

string_enum! {
    /// The unit a product's net quantity is given in.
    Unit {
        Gram => "g",
        Kilogram => "kg",
        Millilitre => "ml",
        Litre => "l",
        /// Counted pieces (a scarf, a basket, a tour).
        Item => "item",
    }
}

string_enum! {
    /// Whether a product shows in the public catalogue.
    ProductStatus {
        Draft => "draft",
        Listed => "listed",
        Unlisted => "unlisted",
    }
}

string_enum! {
    /// Who issued an OCOP certificate.
    CertificateIssuer {
        /// The provincial People's Committee (3 and 4 stars).
        Province => "province",
        /// The central government (5 stars).
        Central => "central",
    }
}

string_enum! {
    /// A lot's state; held and recalled lots warn every buyer who scans them.
    LotStatus {
        Active => "active",
        Held => "held",
        Recalled => "recalled",
    }
}

string_enum! {
    /// What happened to a lot; maps to EPCIS CBV business steps.
    EventKind {
        Planting => "planting",
        Input => "input",
        Harvest => "harvest",
        Processing => "processing",
        Packing => "packing",
        LabTest => "lab_test",
        Storage => "storage",
        Shipping => "shipping",
        Other => "other",
    }
}

impl EventKind {
    /// The EPCIS 2.0 Core Business Vocabulary step for this kind.
    pub fn cbv_business_step(self) -> &'static str {
        match self {
            EventKind::Planting => "commissioning",
            EventKind::Input => "inspecting",
            EventKind::Harvest => "harvesting",
            EventKind::Processing => "transforming",
            EventKind::Packing => "packing",
            EventKind::LabTest => "inspecting",
            EventKind::Storage => "storing",
            EventKind::Shipping => "shipping",
            EventKind::Other => "other",
        }
    }
}

string_enum! {
    /// Where a stamp stands: issued (printed, not yet tied to a lot),
    /// active (tied to a lot: genuine when scanned) or void.
    StampStatus {
        Issued => "issued",
        Active => "active",
        Void => "void",
    }
}

string_enum! {
    /// What a buyer's scan says about a stamp.
    ScanOutcome {
        Genuine => "genuine",
        NotActivated => "not_activated",
        Void => "void",
        Recalled => "recalled",
        Held => "held",
        CertificateExpired => "certificate_expired",
        PossibleCopy => "possible_copy",
        NotGenuine => "not_genuine",
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
