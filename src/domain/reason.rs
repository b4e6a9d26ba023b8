//! Machine-readable reasons for refusing a field value.
//!
//! No user-facing text lives here: the web layer maps each [`Reason`] to a
//! localised message, so the domain stays independent of wording.

/// Why a field value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The value is empty (after trimming) but must be given.
    Required,
    /// The value has more than `max` characters.
    TooLong {
        /// Largest accepted number of characters.
        max: usize,
    },
    /// The value has fewer than `min` characters.
    TooShort {
        /// Smallest accepted number of characters.
        min: usize,
    },
    /// A tax code that does not have any accepted shape.
    InvalidTaxCode,
    /// A 10-digit tax code whose check digit is wrong (likely a typo).
    TaxCodeChecksum,
    /// A 12-digit personal identification number with an unknown province prefix.
    InvalidPersonalId,
    /// A business registration number that does not have an accepted shape.
    InvalidBusinessRegNo,
    /// Not a Vietnamese mobile or landline number.
    InvalidPhone,
    /// A valid phone number, but a landline where a mobile is needed (e.g. Zalo).
    NotMobilePhone,
    /// Not a plausible e-mail address.
    InvalidEmail,
    /// Not the code of a current (2025) commune-level unit.
    UnknownCommune,
    /// Not the code of a current (2025) province-level unit.
    UnknownProvince,
    /// The value is not one of the allowed choices of an enumeration.
    InvalidChoice,
    /// A password and its confirmation do not match.
    PasswordsDiffer,
    /// The value is already in use (e.g. an e-mail address of another account).
    Taken,
    /// Not a number, or not a whole number where one is needed.
    InvalidNumber,
    /// A number outside the accepted range.
    OutOfRange {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// Not a date in the form YYYY-MM-DD (or DD/MM/YYYY).
    InvalidDate,
    /// A date or time earlier than the one it must follow.
    TooEarly,
    /// A GTIN whose length or check digit is wrong.
    InvalidGtin,
    /// A subgroup that does not belong to the chosen group.
    SubgroupMismatch,
    /// An uploaded file that is not an accepted kind (whatever its name says).
    BadFileType,
    /// An uploaded file over the size limit, in megabytes.
    FileTooLarge {
        /// The limit in megabytes.
        max_mb: usize,
    },
    /// An uploaded file that is cut short or damaged.
    FileDamaged,
    /// An image with more pixels than allowed, in megapixels.
    TooManyPixels {
        /// The limit in megapixels.
        max: u64,
    },
    /// An image too small to show.
    ImageTooSmall,
    /// Any other refusal.
    Invalid,
}

/// A refused value together with the form field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Name of the form field, as used in the HTML form.
    pub field: &'static str,
    /// Why the value was refused.
    pub reason: Reason,
}

/// All refusals found while validating one form.
///
/// Collecting instead of failing on the first error lets a form show every
/// problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` was refused for `reason`.
    pub fn push(&mut self, field: &'static str, reason: Reason) {
        self.0.push(FieldError { field, reason });
    }

    /// True when no error has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Unwraps a parse result, recording the error under `field` on failure.
    ///
    /// Returns `None` on failure so callers can keep validating the remaining
    /// fields and decide at the end via [`FieldErrors::into_result`].
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, Reason>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(reason) => {
                self.push(field, reason);
                None
            }
        }
    }

    /// `Ok(())` when empty, otherwise all recorded errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Iterates over the recorded errors in the order they were found.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// The first reason recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&Reason> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| &error.reason)
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_records_errors_and_passes_values() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check("name", Ok::<_, Reason>(5)), Some(5));
        assert!(errors.is_empty());
        assert_eq!(errors.check::<u8>("phone", Err(Reason::InvalidPhone)), None);
        errors.push("email", Reason::Taken);
        errors.push("phone", Reason::Required);
        assert_eq!(errors.get("phone"), Some(&Reason::InvalidPhone));
        assert_eq!(errors.get("email"), Some(&Reason::Taken));
        assert_eq!(errors.get("name"), None);
        assert_eq!(errors.iter().count(), 3);
        let fields: Vec<_> = (&errors).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["phone", "email", "phone"]);
        assert!(errors.into_result().is_err());
    }

    #[test]
    fn empty_collection_is_ok() {
        assert_eq!(FieldErrors::default().into_result(), Ok(()));
    }
}
