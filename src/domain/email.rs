//! E-mail addresses.

use std::fmt;

use super::reason::Reason;

/// Characters refused in the local part; they are legal only in quoted forms
/// nobody types in a sign-up form, and they break naive mail tooling.
const LOCAL_FORBIDDEN: &str = "<>()[]\\,;:\"";

/// A plausible e-mail address, stored trimmed and lowercased.
///
/// Deliberately stricter than RFC 5321 (no quoted local parts, no IP
/// literals, ASCII domains only): the address is used for sign-in and
/// notifications, so anything exotic is more likely a typo than intended.
/// Whether it really receives mail can only be proven by sending to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address; see the type documentation for what is accepted.
    pub fn parse(value: &str) -> Result<Email, Reason> {
        let email = value.trim().to_lowercase();
        if email.is_empty() {
            return Err(Reason::Required);
        }
        if email.len() <= 254
            && let Some((local, domain)) = email.split_once('@')
            && local_ok(local)
            && domain_ok(domain)
        {
            Ok(Email(email))
        } else {
            Err(Reason::InvalidEmail)
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn local_ok(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || LOCAL_FORBIDDEN.contains(c))
}

fn domain_ok(domain: &str) -> bool {
    // A second '@' ends up here and fails the label check.
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_lowercase())
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses() {
        for (typed, stored) in [
            (" Nguyen.Van.A@Gmail.com ", "nguyen.van.a@gmail.com"),
            (
                "htx+ocop@nam-xuan.thanhhoa.gov.vn",
                "htx+ocop@nam-xuan.thanhhoa.gov.vn",
            ),
            ("a@b.co", "a@b.co"),
            ("x1@xn--mt-ong-xxa.vn", "x1@xn--mt-ong-xxa.vn"),
        ] {
            let email = Email::parse(typed).unwrap();
            assert_eq!(email.as_str(), stored);
            assert_eq!(email.to_string(), stored);
        }
    }

    #[test]
    fn bad_addresses() {
        assert_eq!(Email::parse("   "), Err(Reason::Required));
        for bad in [
            "plainaddress",
            "@example.com",
            "a@@example.com",
            "a@b@example.com",
            "a@example",
            "a@example.c",
            "a@example.c0m",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            "a@example..com",
            "a@.example.com",
            "a b@example.com",
            "a<b>@example.com",
            "a,b@example.com",
            "a\"b@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@ví-dụ.vn",
        ] {
            assert_eq!(Email::parse(bad), Err(Reason::InvalidEmail), "{bad}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(Reason::InvalidEmail));
        let long_total = format!("a@{}.com", "b.".repeat(126));
        assert_eq!(Email::parse(&long_total), Err(Reason::InvalidEmail));
    }
}
