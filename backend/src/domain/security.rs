//! Rules that keep browsers and guessers in check: where a state-changing request may
//! come from, which client a request is counted against behind a proxy, and how long
//! a password may be. Plain functions over strings and addresses; no HTTP types.

use std::net::IpAddr;

/// The longest password accepted, in bytes (UTF-8). Longer ones are refused before
/// any hashing, so a huge password cannot make Argon2 read megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Whether a password is short enough to be hashed.
pub fn password_within_limit(password: &str) -> bool {
    password.len() <= MAX_PASSWORD_BYTES
}

/// What a state-changing request presents about where it comes from.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOrigin<'a> {
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub fetch_site: Option<&'a str>,
    /// The `Host` header (or the HTTP/2 authority).
    pub host: Option<&'a str>,
    /// A session cookie is present.
    pub session_cookie: bool,
    /// An `Authorization: Bearer` token is present.
    pub bearer: bool,
}

/// Why a state-changing request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignRequest {
    /// Its `Origin` is another site's.
    OtherOrigin(String),
    /// The browser says another site sent it (`Sec-Fetch-Site`).
    OtherSite(String),
    /// It carries the session cookie but says nothing of where it comes from.
    Unknown,
}

impl ForeignRequest {
    /// The error to answer with; `own` is Cairn's origin as the request should
    /// have named it.
    pub fn into_error(self, own: &str) -> super::Error {
        let what_to_do = format!(
            "Cairn accepts changes only from its own pages at {own}: open Cairn there and \
             try again, or from a script send an API token (Authorization: Bearer) instead \
             of the session cookie"
        );
        super::Error::CrossOrigin(match self {
            ForeignRequest::OtherOrigin(origin) => {
                format!("this request was sent by another site ({origin}); {what_to_do}")
            }
            ForeignRequest::OtherSite(site) => format!(
                "the browser says another site sent this request (Sec-Fetch-Site: {site}); {what_to_do}"
            ),
            ForeignRequest::Unknown => format!(
                "this request carries the session cookie but no Origin header, so it may come from another site; {what_to_do}"
            ),
        })
    }
}

/// Decides whether a state-changing request (POST, PUT, PATCH, DELETE) may go on.
///
/// A browser names the page that sent a request in `Origin` (and `Sec-Fetch-Site`),
/// and another site cannot forge either. So: a request with a bearer token and no
/// session cookie is a script's, and goes on; one whose `Origin` is Cairn's own, or
/// that the browser marks `same-origin`, goes on; one from another origin or site is
/// refused, whether logged in or not (so no page elsewhere can log a visitor into an
/// account of its choosing); one that carries the session cookie but neither header
/// is refused, and one with neither cookie nor headers (curl, scripts) goes on.
///
/// `public_origin` is Cairn's origin when it is configured (`scheme://host[:port]`);
/// otherwise the request's `Host` is Cairn's, over http or https.
pub fn check_origin(
    request: &RequestOrigin<'_>,
    public_origin: Option<&str>,
) -> Result<(), ForeignRequest> {
    if request.bearer && !request.session_cookie {
        return Ok(());
    }
    if request
        .fetch_site
        .is_some_and(|site| site.trim().eq_ignore_ascii_case("same-origin"))
    {
        return Ok(());
    }
    if let Some(origin) = request.origin {
        return if is_own_origin(origin, request.host, public_origin) {
            Ok(())
        } else {
            Err(ForeignRequest::OtherOrigin(origin.to_string()))
        };
    }
    match request.fetch_site.map(str::trim) {
        // A request the user made themselves (typed address, bookmark).
        Some(site) if site.eq_ignore_ascii_case("none") => Ok(()),
        Some(site) => Err(ForeignRequest::OtherSite(site.to_string())),
        None if request.session_cookie => Err(ForeignRequest::Unknown),
        None => Ok(()),
    }
}

/// Whether `origin` (an `Origin` header) is Cairn's own origin.
pub fn is_own_origin(origin: &str, host: Option<&str>, public_origin: Option<&str>) -> bool {
    let Some((scheme, authority)) = split_origin(origin) else {
        return false;
    };
    match public_origin {
        Some(public) => split_origin(public).is_some_and(|(public_scheme, public_authority)| {
            public_scheme == scheme
                && normalize_authority(&public_authority, &public_scheme)
                    == normalize_authority(&authority, &scheme)
        }),
        None => host.is_some_and(|host| {
            normalize_authority(&host.trim().to_ascii_lowercase(), &scheme)
                == normalize_authority(&authority, &scheme)
        }),
    }
}

/// `("https", "example.org:8443")` of `https://Example.org:8443`; `None` for
/// anything but an http or https origin (`null` included).
fn split_origin(origin: &str) -> Option<(String, String)> {
    let origin = origin.trim().to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    Some((scheme.to_string(), authority.to_string()))
}

/// An authority without the scheme's default port.
fn normalize_authority(authority: &str, scheme: &str) -> String {
    let default = if scheme == "https" { ":443" } else { ":80" };
    authority
        .strip_suffix(default)
        .unwrap_or(authority)
        .to_string()
}

/// An address or a network (`10.0.0.0/8`, `::1/128`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Parses `address` or `address/prefix`.
    pub fn parse(text: &str) -> Result<IpNetwork, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| {
            format!("{text:?} is not an IP address or a network such as 10.0.0.0/8")
        })?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a prefix length that is not 0 to {max}"))?,
        };
        Ok(IpNetwork { address, prefix })
    }

    /// Whether `address` lies in this network.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client a request is counted against: the TCP peer, or, when the peer is one
/// of `trusted` proxies, the last address in `X-Forwarded-For` that is not itself a
/// trusted proxy (each proxy appends the address it heard from, so earlier entries
/// are whatever the client chose to send).
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNetwork]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for
        .iter()
        .rev()
        .flat_map(|header| header.rsplit(','))
    {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // A malformed entry: nothing before it can be trusted either.
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[track_caller]
    fn check(request: RequestOrigin<'_>, public: Option<&str>, expect: Result<(), ForeignRequest>) {
        assert_eq!(check_origin(&request, public), expect, "{request:?}");
    }

    #[test]
    fn state_changing_requests_come_from_cairn_itself() {
        let host = Some("cairn.example:8080");
        let cookie = RequestOrigin {
            host,
            session_cookie: true,
            ..Default::default()
        };
        let origin = |origin| RequestOrigin {
            origin: Some(origin),
            ..cookie
        };
        check(origin("http://cairn.example:8080"), None, Ok(()));
        check(origin("https://CAIRN.example:8080"), None, Ok(()));
        check(
            origin("http://evil.example"),
            None,
            Err(ForeignRequest::OtherOrigin("http://evil.example".into())),
        );
        check(
            origin("null"),
            None,
            Err(ForeignRequest::OtherOrigin("null".into())),
        );
        check(
            origin("http://cairn.example:8080"),
            Some("https://files.example"),
            Err(ForeignRequest::OtherOrigin(
                "http://cairn.example:8080".into(),
            )),
        );
        check(
            origin("https://files.example"),
            Some("https://files.example:443/"),
            Ok(()),
        );
        check(cookie, None, Err(ForeignRequest::Unknown));
        check(
            RequestOrigin {
                fetch_site: Some("same-origin"),
                ..cookie
            },
            None,
            Ok(()),
        );
        check(
            RequestOrigin {
                fetch_site: Some("same-site"),
                ..cookie
            },
            None,
            Err(ForeignRequest::OtherSite("same-site".into())),
        );
        // Scripts: a bearer token alone, or nothing at all.
        let script = RequestOrigin {
            host,
            bearer: true,
            ..Default::default()
        };
        check(script, None, Ok(()));
        check(
            RequestOrigin {
                origin: Some("http://evil.example"),
                ..script
            },
            None,
            Ok(()),
        );
        check(
            RequestOrigin {
                host,
                ..Default::default()
            },
            None,
            Ok(()),
        );
        // Logging in from another site's page.
        check(
            RequestOrigin {
                host,
                fetch_site: Some("cross-site"),
                ..Default::default()
            },
            None,
            Err(ForeignRequest::OtherSite("cross-site".into())),
        );
        check(
            RequestOrigin {
                host,
                origin: Some("http://evil.example"),
                ..Default::default()
            },
            None,
            Err(ForeignRequest::OtherOrigin("http://evil.example".into())),
        );
        check(
            RequestOrigin {
                host: Some("cairn.example"),
                origin: Some("http://cairn.example:80"),
                ..Default::default()
            },
            None,
            Ok(()),
        );
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let trusted = [
            IpNetwork::parse("127.0.0.1").unwrap(),
            IpNetwork::parse("10.0.0.0/8").unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_address(ip("192.0.2.1"), &["198.51.100.9"], &trusted),
            ip("192.0.2.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.9"], &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                &["6.6.6.6, 198.51.100.9, 10.1.2.3"],
                &trusted
            ),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["6.6.6.6", "198.51.100.9"], &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["garbage"], &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["198.51.100.9"], &[]),
            ip("127.0.0.1")
        );
        assert!(IpNetwork::parse("::1/128").unwrap().contains(ip("::1")));
        assert!(IpNetwork::parse("127.0.0.0/8")
            .unwrap()
            .contains(ip("::ffff:127.0.0.2")));
        assert!(IpNetwork::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.5")));
        assert!(IpNetwork::parse("10.0.0.0/33").is_err());
        assert!(IpNetwork::parse("localhost").is_err());
    }
}
