//! Which URLs revdir may send requests to (webhooks): a guard against server-side request
//! forgery. A URL is resolved and judged by every address it resolves to; link-local,
//! cloud-metadata, unspecified, multicast, broadcast and reserved addresses are always
//! refused, private and loopback ones unless the policy allows them. The delivery worker
//! connects only to the addresses [`UrlPolicy::vetted_addrs`] returned, so a name that
//! resolves differently a moment later (DNS rebinding) cannot slip past the check.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use revdir_core::ValidationError;
use url::{Host, Url};

/// What kind of destination an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrClass {
    /// Reachable on the internet.
    Public,
    /// A private network: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7 and the
    /// deprecated site-local fec0::/10.
    Private,
    /// This host: 127/8, ::1.
    Loopback,
    /// Link-local: 169.254/16, fe80::/10.
    LinkLocal,
    /// A cloud provider's instance metadata service.
    Metadata,
    /// 0.0.0.0/8 or ::.
    Unspecified,
    /// 224/4 or ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
    /// 240/4: reserved, not routable.
    Reserved,
}

impl AddrClass {
    /// Whether no policy may allow this destination.
    pub fn always_refused(self) -> bool {
        !matches!(self, Self::Public | Self::Private | Self::Loopback)
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Public => "a public address",
            Self::Private => "a private address",
            Self::Loopback => "a loopback address",
            Self::LinkLocal => "a link-local address",
            Self::Metadata => "a cloud metadata address",
            Self::Unspecified => "an unspecified address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Reserved => "a reserved address",
        }
    }
}

/// Longest a host name may take to resolve: a resolver that hangs must not hold a request
/// (or a delivery) for the whole request timeout.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Cloud metadata services that sit outside the link-local range (Alibaba Cloud's, in CGNAT).
const METADATA_V4: [Ipv4Addr; 2] = [Ipv4Addr::new(169, 254, 169, 254), Ipv4Addr::new(100, 100, 100, 200)];
/// AWS's IPv6 instance metadata service (in the private fc00::/7).
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    let [a, b, ..] = ip.octets();
    if METADATA_V4.contains(&ip) {
        AddrClass::Metadata
    } else if a == 0 {
        AddrClass::Unspecified
    } else if ip.is_broadcast() {
        AddrClass::Broadcast
    } else if ip.is_link_local() {
        AddrClass::LinkLocal
    } else if ip.is_multicast() {
        AddrClass::Multicast
    } else if a >= 240 {
        AddrClass::Reserved
    } else if ip.is_loopback() {
        AddrClass::Loopback
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddrClass::Private
    } else {
        AddrClass::Public
    }
}

/// The IPv4 address an IPv6 address carries and is routed to: IPv4-mapped (::ffff:a.b.c.d)
/// and the NAT64 well-known prefix (64:ff9b::/96).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
        let [.., a, b, c, d] = ip.octets();
        Ipv4Addr::new(a, b, c, d)
    })
}

/// Classifies an address; IPv6 addresses carrying an IPv4 address are judged as that.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return classify_v4(v4);
            }
            let first = v6.segments()[0];
            if v6 == METADATA_V6 {
                AddrClass::Metadata
            } else if v6.is_unspecified() {
                AddrClass::Unspecified
            } else if v6.is_loopback() {
                AddrClass::Loopback
            } else if first & 0xffc0 == 0xfe80 {
                AddrClass::LinkLocal
            } else if v6.is_multicast() {
                AddrClass::Multicast
            } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
                AddrClass::Private
            } else {
                AddrClass::Public
            }
        }
    }
}

/// Why a URL was refused. The text never holds the URL itself, which may carry secrets in
/// its query or path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlRefusal(pub String);

impl UrlRefusal {
    /// The 400 `bad_request` naming `field`.
    pub fn into_validation(self, field: &str) -> ValidationError {
        ValidationError::bad_request(format!("{field}: {}", self.0))
    }
}

impl From<UrlRefusal> for ValidationError {
    fn from(r: UrlRefusal) -> Self {
        r.into_validation("url")
    }
}

/// Where webhooks may point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Allow private and loopback destinations: on when the server itself listens on
    /// loopback (a developer's machine) or with `--webhook-allow-private`.
    pub allow_private: bool,
}

impl UrlPolicy {
    /// Checks a webhook URL as [`UrlPolicy::vetted_addrs`] does.
    ///
    /// # Errors
    /// 400 `bad_request` whose message names `url` and says why.
    pub async fn check(&self, url: &str) -> Result<(), ValidationError> {
        self.vetted_addrs(url).await.map(drop).map_err(ValidationError::from)
    }

    /// The addresses a request to `url` may connect to: every address its host resolves to,
    /// once all of them passed the policy. A URL is refused when it is not `http`/`https`,
    /// carries user credentials, has no host, does not resolve, or when ANY address it
    /// resolves to is refused.
    ///
    /// # Errors
    /// [`UrlRefusal`] saying why.
    pub async fn vetted_addrs(&self, url: &str) -> Result<Vec<SocketAddr>, UrlRefusal> {
        let parsed = Url::parse(url).map_err(|e| UrlRefusal(format!("not a valid absolute URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UrlRefusal(format!("the scheme must be http or https, not {}", parsed.scheme())));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(UrlRefusal("a webhook URL may not carry user credentials".into()));
        }
        let port = parsed.port_or_known_default().ok_or_else(|| UrlRefusal("the URL has no port".into()))?;
        let addrs: Vec<SocketAddr> = match parsed.host() {
            None => return Err(UrlRefusal("the URL has no host".into())),
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(name)) => tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| UrlRefusal(format!("the host {name} did not resolve within {RESOLVE_TIMEOUT:?}")))?
                .map_err(|_| UrlRefusal(format!("the host {name} does not resolve")))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(UrlRefusal("the host resolves to no address".into()));
        }
        for addr in &addrs {
            let class = classify(addr.ip());
            if class.always_refused() {
                return Err(UrlRefusal(format!(
                    "the host resolves to {} ({}), which webhooks may never target",
                    class.noun(),
                    addr.ip()
                )));
            }
            if !self.allow_private && class != AddrClass::Public {
                return Err(UrlRefusal(format!(
                    "the host resolves to {} ({}); this server refuses private and loopback targets \
                     (see --webhook-allow-private)",
                    class.noun(),
                    addr.ip()
                )));
            }
        }
        Ok(addrs)
    }
}

/// Whether a listen address (`127.0.0.1:8080`, `[::1]:0`, `localhost:8080`) is on the
/// loopback interface, where private webhook targets are allowed by default.
pub fn listens_on_loopback(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<SocketAddr>() {
        return addr.ip().is_loopback();
    }
    let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h);
    host.eq_ignore_ascii_case("localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> AddrClass {
        classify(s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn classifies_ipv4() {
        for (ip, want) in [
            ("93.184.216.34", AddrClass::Public),
            ("8.8.8.8", AddrClass::Public),
            ("100.63.255.255", AddrClass::Public),
            ("100.128.0.1", AddrClass::Public),
            ("172.15.255.255", AddrClass::Public),
            ("172.32.0.1", AddrClass::Public),
            ("10.0.0.1", AddrClass::Private),
            ("10.255.255.255", AddrClass::Private),
            ("172.16.0.1", AddrClass::Private),
            ("172.31.255.255", AddrClass::Private),
            ("192.168.1.1", AddrClass::Private),
            ("100.64.0.1", AddrClass::Private),
            ("100.127.255.254", AddrClass::Private),
            ("127.0.0.1", AddrClass::Loopback),
            ("127.255.255.254", AddrClass::Loopback),
            ("169.254.0.1", AddrClass::LinkLocal),
            ("169.254.169.254", AddrClass::Metadata),
            ("100.100.100.200", AddrClass::Metadata),
            ("0.0.0.0", AddrClass::Unspecified),
            ("0.1.2.3", AddrClass::Unspecified),
            ("224.0.0.1", AddrClass::Multicast),
            ("239.255.255.250", AddrClass::Multicast),
            ("255.255.255.255", AddrClass::Broadcast),
            ("240.0.0.1", AddrClass::Reserved),
        ] {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn classifies_ipv6() {
        for (ip, want) in [
            ("2606:4700::1111", AddrClass::Public),
            ("::1", AddrClass::Loopback),
            ("::", AddrClass::Unspecified),
            ("fe80::1", AddrClass::LinkLocal),
            ("febf:ffff::1", AddrClass::LinkLocal),
            ("fc00::1", AddrClass::Private),
            ("fd12:3456::1", AddrClass::Private),
            ("fec0::1", AddrClass::Private),
            ("fd00:ec2::254", AddrClass::Metadata),
            ("ff02::1", AddrClass::Multicast),
            ("fe00::1", AddrClass::Public),
        ] {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn judges_embedded_ipv4_as_ipv4() {
        assert_eq!(class("::ffff:169.254.169.254"), AddrClass::Metadata);
        assert_eq!(class("::ffff:127.0.0.1"), AddrClass::Loopback);
        assert_eq!(class("::ffff:10.1.2.3"), AddrClass::Private);
        assert_eq!(class("::ffff:8.8.8.8"), AddrClass::Public);
        assert_eq!(class("64:ff9b::a9fe:a9fe"), AddrClass::Metadata, "NAT64 of 169.254.169.254");
        assert_eq!(class("64:ff9b::808:808"), AddrClass::Public);
    }

    #[test]
    fn which_classes_no_policy_allows() {
        for c in [AddrClass::Public, AddrClass::Private, AddrClass::Loopback] {
            assert!(!c.always_refused(), "{c:?}");
        }
        for c in [
            AddrClass::LinkLocal,
            AddrClass::Metadata,
            AddrClass::Unspecified,
            AddrClass::Multicast,
            AddrClass::Broadcast,
            AddrClass::Reserved,
        ] {
            assert!(c.always_refused(), "{c:?}");
        }
    }

    const OPEN: UrlPolicy = UrlPolicy { allow_private: true };
    const STRICT: UrlPolicy = UrlPolicy { allow_private: false };

    async fn refused(policy: UrlPolicy, url: &str) -> String {
        policy.vetted_addrs(url).await.expect_err(url).0
    }

    #[tokio::test]
    async fn refuses_what_is_never_a_webhook() {
        for url in ["file:///etc/passwd", "gopher://a.example/", "ftp://1.2.3.4/", "not a url", "/relative"] {
            refused(OPEN, url).await;
        }
        assert!(refused(OPEN, "file:///etc/passwd").await.contains("scheme"));
        let creds = refused(OPEN, "http://user:hunter2@8.8.8.8/").await;
        assert!(creds.contains("credentials") && !creds.contains("hunter2"), "{creds}");
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://[fe80::1]/",
            "http://0.0.0.0:8080/",
            "http://[::]/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::ffff:169.254.169.254]/",
        ] {
            assert!(refused(OPEN, url).await.contains("never"), "{url}");
        }
    }

    #[tokio::test]
    async fn private_and_loopback_only_when_allowed() {
        for url in [
            "http://10.0.0.1/",
            "http://127.0.0.1:9/hook",
            "http://[::1]/",
            "https://192.168.0.10/",
            "http://100.64.1.1/",
        ] {
            assert!(refused(STRICT, url).await.contains("--webhook-allow-private"), "{url}");
            assert!(OPEN.vetted_addrs(url).await.is_ok(), "{url}");
        }
        let addrs = STRICT.vetted_addrs("https://8.8.8.8/hook?x=1").await.unwrap();
        assert_eq!(addrs, vec!["8.8.8.8:443".parse().unwrap()]);
        let addrs = OPEN.vetted_addrs("http://127.0.0.1:9/hook").await.unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:9".parse().unwrap()]);
    }

    #[tokio::test]
    async fn names_are_judged_by_every_address() {
        // `localhost` resolves to loopback addresses only.
        assert!(refused(STRICT, "http://localhost:9/").await.contains("loopback"));
        let addrs = OPEN.vetted_addrs("http://localhost:9/").await.unwrap();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 9), "{addrs:?}");
        assert!(refused(OPEN, "http://no-such-host.invalid/").await.contains("does not resolve"));
    }

    #[test]
    fn loopback_listen_addresses() {
        for l in ["127.0.0.1:8080", "[::1]:0", "localhost:8080", "127.1.2.3:1"] {
            assert!(listens_on_loopback(l), "{l}");
        }
        for l in ["0.0.0.0:8080", "[::]:80", "10.0.0.11:8080", "example.com:80"] {
            assert!(!listens_on_loopback(l), "{l}");
        }
    }
}
