//! Local TLS: a certificate authority made once in the data directory, a server certificate
//! for `localhost`, `127.0.0.1` and `::1` signed by it, and a listener that serves HTTPS
//! (HTTP/2 or HTTP/1.1, by ALPN) through rustls with the `ring` provider.
//!
//! Files, under `<data dir>/tls/`: `ca.pem` (the CA certificate, what clients trust),
//! `ca-key.pem`, `server.pem` and `server-key.pem`. Keys are written `0600`. The CA is made
//! once and kept; the server certificate is re-issued by it when missing or within 30 days of
//! expiry. The CA may sign only names under `localhost`, `127.0.0.0/8` and `::1` (X.509 name
//! constraints), so trusting it cannot expose any other site.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SerialNumber,
};
use revdir_store::DatabaseUrl;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// How long the CA is valid.
const CA_DAYS: i64 = 3650;
/// How long a server certificate is valid (within what browsers accept).
const SERVER_DAYS: i64 = 397;
/// A server certificate closer than this to expiry is re-issued at start-up.
const RENEW_BEFORE_DAYS: i64 = 30;
/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the TLS files live inside a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsPaths {
    dir: PathBuf,
}

impl TlsPaths {
    /// The files under `<data_dir>/tls/`.
    pub fn new(data_dir: &Path) -> Self {
        Self { dir: data_dir.join("tls") }
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (PEM): what clients are told to trust.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The CA's private key (PEM, `0600`).
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca-key.pem")
    }

    /// The server certificate (PEM).
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    /// The server's private key (PEM, `0600`).
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server-key.pem")
    }

    /// Whether the CA certificate exists.
    pub fn has_ca(&self) -> bool {
        self.ca_cert().is_file()
    }
}

/// The default data directory for a database: the SQLite file's directory, or the current
/// directory for PostgreSQL and in-memory SQLite.
pub fn default_data_dir(db: &DatabaseUrl) -> PathBuf {
    let here = PathBuf::from(".");
    if db.is_postgres() {
        return here;
    }
    let url = db.expose();
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return here;
    }
    match Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => here,
    }
}

/// Makes the CA (when missing) and a server certificate (when missing or near expiry).
///
/// # Errors
/// When a file cannot be read or written, or a certificate cannot be made.
// Certificates are valid in real time, whatever an emulated org's clock says.
#[allow(clippy::disallowed_methods)]
pub fn ensure_certificates(paths: &TlsPaths) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    create_private_dir(paths.dir())?;
    let mut ca_created = false;
    if !paths.has_ca() {
        let key = KeyPair::generate().context("generating the CA key")?;
        let cert = ca_params(now)?.self_signed(&key).context("signing the CA certificate")?;
        write_file(&paths.ca_key(), key.serialize_pem().as_bytes(), true)?;
        write_file(&paths.ca_cert(), cert.pem().as_bytes(), false)?;
        tracing::info!(ca = %paths.ca_cert().display(), "created a local certificate authority");
        ca_created = true;
    }
    if ca_created || server_cert_needs_renewal(paths, now) {
        issue_server_certificate(paths, now)?;
        tracing::info!(cert = %paths.server_cert().display(), "issued a server certificate for localhost");
    }
    Ok(())
}

fn ca_params(now: OffsetDateTime) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    // A distinct name per CA, so that two revdir CAs trusted side by side never collide.
    let tag = uuid::Uuid::new_v4().simple().to_string();
    dn.push(DnType::CommonName, format!("revdir local CA {}", tag.get(..8).unwrap_or(&tag)));
    dn.push(DnType::OrganizationName, "revdir (local development)");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName("localhost".to_owned()),
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix([127, 0, 0, 0], 8)),
            GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(std::net::Ipv6Addr::LOCALHOST.octets(), 128)),
        ],
        excluded_subtrees: Vec::new(),
    });
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(CA_DAYS);
    params.serial_number = Some(random_serial());
    Ok(params)
}

fn random_serial() -> SerialNumber {
    use rand::RngCore as _;
    let mut bytes = [0_u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    // Positive, as DER integers for serials must be.
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

fn server_cert_needs_renewal(paths: &TlsPaths, now: OffsetDateTime) -> bool {
    if !paths.server_key().is_file() {
        return true;
    }
    let Ok(pem) = std::fs::read(paths.server_cert()) else {
        return true;
    };
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(&pem) else {
        return true;
    };
    let Ok(cert) = pem.parse_x509() else {
        return true;
    };
    let not_after = cert.validity().not_after.timestamp();
    not_after - now.unix_timestamp() < RENEW_BEFORE_DAYS * 86_400
}

fn issue_server_certificate(paths: &TlsPaths, now: OffsetDateTime) -> anyhow::Result<()> {
    let ca_pem = std::fs::read_to_string(paths.ca_cert()).context("reading the CA certificate")?;
    let ca_key_pem = std::fs::read_to_string(paths.ca_key()).with_context(|| {
        format!("reading the CA key {} (delete {} to start over)", paths.ca_key().display(), paths.dir().display())
    })?;
    let ca_key = KeyPair::from_pem(&ca_key_pem).context("parsing the CA key")?;
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key).context("parsing the CA certificate")?;
    let mut params = CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(SERVER_DAYS);
    params.serial_number = Some(random_serial());
    let key = KeyPair::generate().context("generating the server key")?;
    let cert = params.signed_by(&key, &issuer).context("signing the server certificate")?;
    write_file(&paths.server_key(), key.serialize_pem().as_bytes(), true)?;
    write_file(&paths.server_cert(), cert.pem().as_bytes(), false)?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so that a
/// reader never sees half a file. Secret files are created `0600`.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if secret { 0o600 } else { 0o644 });
    let mut file = options.open(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("creating {}", path.display()))
}

/// The rustls configuration for the server certificate in `paths`: TLS 1.2 and 1.3 with the
/// `ring` provider, ALPN `h2` then `http/1.1`.
///
/// # Errors
/// When the files cannot be read or do not hold a certificate and its key.
pub fn server_config(paths: &TlsPaths) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(paths.server_cert())
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("reading {}", paths.server_cert().display()))?;
    let key = PrivateKeyDer::from_pem_file(paths.server_key())
        .with_context(|| format!("reading {}", paths.server_key().display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("loading the server certificate")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts TCP connections and completes their TLS handshakes in the background, so that a
/// slow or broken client never holds up the others; [`axum::serve`] takes the finished ones.
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` with `config`.
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(64);
        let tls = TlsAcceptor::from(config);
        let acceptor = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off rather than spin.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                let tls = tls.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { incoming, local_addr, acceptor })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(accepted) => accepted,
            // The acceptor task is gone; nothing more will arrive.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_dir_defaults_to_the_sqlite_files_directory() {
        let dir = |u: &str| default_data_dir(&DatabaseUrl::new(u));
        assert_eq!(dir("revdir.db"), PathBuf::from("."));
        assert_eq!(dir("/var/lib/revdir/r.db"), PathBuf::from("/var/lib/revdir"));
        assert_eq!(dir("sqlite:///var/lib/revdir/r.db?mode=rwc"), PathBuf::from("/var/lib/revdir"));
        assert_eq!(dir("sqlite://data/r.db"), PathBuf::from("data"));
        assert_eq!(dir("sqlite::memory:"), PathBuf::from("."));
        assert_eq!(dir("postgres://u@h/db"), PathBuf::from("."));
    }

    #[test]
    fn the_ca_is_made_once_and_the_server_certificate_is_renewed_when_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = TlsPaths::new(tmp.path());
        ensure_certificates(&paths).unwrap();
        let ca = std::fs::read(paths.ca_cert()).unwrap();
        let server = std::fs::read(paths.server_cert()).unwrap();
        ensure_certificates(&paths).unwrap();
        assert_eq!(std::fs::read(paths.ca_cert()).unwrap(), ca, "the CA is kept");
        assert_eq!(std::fs::read(paths.server_cert()).unwrap(), server, "a valid certificate is kept");
        std::fs::remove_file(paths.server_cert()).unwrap();
        ensure_certificates(&paths).unwrap();
        assert_eq!(std::fs::read(paths.ca_cert()).unwrap(), ca, "the CA is still kept");
        assert_ne!(std::fs::read(paths.server_cert()).unwrap(), server, "a new server certificate");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for key in [paths.ca_key(), paths.server_key()] {
                assert_eq!(std::fs::metadata(key).unwrap().permissions().mode() & 0o777, 0o600);
            }
        }
        server_config(&paths).unwrap();
    }
}
