//! Network ranges (`10.0.0.0/8`, `::1/128`, a bare address) as an operator
//! writes them in `OCOP_TRUSTED_PROXIES`, and the client address behind
//! trusted proxies.

use std::net::IpAddr;

/// An address range; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `addr` or `addr/prefix`; host bits left set are ignored.
    pub fn parse(text: &str) -> Option<IpRange> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: IpAddr = addr.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpRange { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(b) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(b) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The loopback ranges: the default proxy list, for a proxy on the same host.
pub fn loopback() -> Vec<IpRange> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|r| IpRange::parse(r))
        .collect()
}

/// The client address of a request that reached us from `peer`, carrying
/// these `X-Forwarded-For` header values (in header order).
///
/// Only a trusted peer's header counts, and only the hops our own proxies
/// appended: walking from the right, every hop added by a trusted proxy is
/// skipped and the first one that is not trusted is the client. Hops further
/// left were written by the client itself and prove nothing. A hop that is
/// not an address ends the walk there: the last trusted hop is taken.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpRange],
) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_for
        .iter()
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let Some(ip) = parse_hop(hop) else {
            return Some(client);
        };
        client = ip;
        if !is_trusted(ip) {
            return Some(ip);
        }
    }
    Some(client)
}

/// One `X-Forwarded-For` hop: an address, possibly with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(a, _)| a.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter()
            .map(|r| IpRange::parse(r).expect("range"))
            .collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let r = IpRange::parse("10.1.0.0/16").expect("v4");
        assert!(r.contains("10.1.200.3".parse().expect("ip")));
        assert!(!r.contains("10.2.0.1".parse().expect("ip")));
        assert!(r.contains("::ffff:10.1.0.9".parse().expect("mapped")));
        let one = IpRange::parse("192.0.2.7").expect("bare");
        assert!(one.contains("192.0.2.7".parse().expect("ip")));
        assert!(!one.contains("192.0.2.8".parse().expect("ip")));
        let v6 = IpRange::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains("2001:db8:1::5".parse().expect("ip")));
        assert!(!v6.contains("10.0.0.1".parse().expect("ip")));
        assert!(IpRange::parse("0.0.0.0/0").is_some());
        for bad in ["", "10.0.0.0/33", "::/129", "host", "10.0.0.0/x"] {
            assert!(IpRange::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = loopback();
        assert_eq!(
            client_address(ip("203.0.113.9"), &["1.2.3.4"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_client_cannot_choose_its_address_through_a_trusted_proxy() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the
        // address it saw.
        let trusted = loopback();
        assert_eq!(
            client_address(ip("127.0.0.1"), &["1.2.3.4, 198.51.100.20"], &trusted),
            ip("198.51.100.20")
        );
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked_from_the_right() {
        let trusted = ranges(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                &["6.6.6.6", "198.51.100.20, 10.0.0.5"],
                &trusted
            ),
            ip("198.51.100.20")
        );
    }

    #[test]
    fn without_a_header_or_with_garbage_the_nearest_known_hop_is_taken() {
        let trusted = ranges(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["unknown, 10.0.0.5"], &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(client_address(None, &["1.2.3.4"], &trusted), None);
    }

    #[test]
    fn hops_with_ports_are_read() {
        let trusted = loopback();
        assert_eq!(
            client_address(ip("::1"), &["[2001:db8::7]:443"], &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.20:5555"], &trusted),
            ip("198.51.100.20")
        );
    }
}
