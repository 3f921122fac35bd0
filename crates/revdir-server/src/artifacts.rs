//! Artifact plumbing shared by the artifact routes: where bytes live ([`BlobBackend`]), the
//! signed upload/download tickets that replace a token on those two URLs (§8.4), and how
//! absolute URLs are built.

use std::sync::Arc;

use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use revdir_core::time::Timestamp;
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;

/// Default largest upload, in bytes (25 MiB).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;
/// How long an upload ticket from `artifacts.prepare` stays valid, in seconds.
pub const UPLOAD_TICKET_SECS: i64 = 3600;
/// How long a download URL from `artifacts.locate` stays valid, in seconds.
pub const DOWNLOAD_TICKET_SECS: i64 = 900;
/// Path of the token-less upload endpoint.
pub const UPLOAD_PATH: &str = "/_revdir/artifacts/upload";
/// Path of the token-less download endpoint.
pub const DOWNLOAD_PATH: &str = "/_revdir/artifacts/download";

/// How artifacts are configured.
#[derive(Debug, Clone, Default)]
pub struct ArtifactsConfig {
    /// An object store URL (`file:///dir`, `s3://bucket/prefix`) for the bytes; `None` keeps
    /// them in the database, next to their records.
    pub blob_store: Option<String>,
    /// The base URL clients reach this server at, for absolute upload/download URLs; when
    /// absent it is taken from the request's `Host` header.
    pub public_url: Option<String>,
    /// Largest upload accepted; [`DEFAULT_MAX_UPLOAD_BYTES`] when `None`.
    pub max_upload_bytes: Option<usize>,
}

/// Where uploaded bytes live.
#[derive(Clone)]
pub enum BlobBackend {
    /// In the database, written in the same transaction as the version record.
    Database,
    /// In an object store; the record commits only after the object is written.
    ObjectStore {
        /// The store.
        store: Arc<dyn ObjectStore>,
        /// Key prefix inside it.
        prefix: ObjectPath,
    },
}

impl std::fmt::Debug for BlobBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database => f.write_str("Database"),
            Self::ObjectStore { prefix, .. } => write!(f, "ObjectStore({prefix})"),
        }
    }
}

impl BlobBackend {
    /// Builds the backend a configuration names.
    ///
    /// # Errors
    /// When the URL is not an object store URL this build supports.
    pub fn from_config(url: Option<&str>) -> anyhow::Result<Self> {
        let Some(url) = url else { return Ok(Self::Database) };
        // object_store's HTTP client uses rustls without a built-in provider; ring it is.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("blob store URL: {e}"))?;
        let aws = std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).map(|(k, v)| (k.to_ascii_lowercase(), v));
        let (store, prefix) = object_store::parse_url_opts(&parsed, aws)?;
        Ok(Self::ObjectStore { store: Arc::from(store), prefix })
    }
}

/// Artifact settings and helpers every artifact route shares.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// Where bytes live.
    pub blobs: BlobBackend,
    /// Configured public base URL.
    pub public_url: Option<String>,
    /// Scheme of URLs derived from `Host`: `https` when serving TLS.
    pub scheme: &'static str,
    /// Largest upload accepted.
    pub max_upload_bytes: usize,
    ticket_key: SecretSlice<u8>,
}

/// What a ticket allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketPurpose {
    /// Upload one version's bytes.
    Upload,
    /// Download one version's bytes.
    Download,
}

/// A signed permission to upload or download one artifact version until `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Dev org.
    #[serde(rename = "o")]
    pub org: String,
    /// Artifact local id.
    #[serde(rename = "a")]
    pub artifact: i64,
    /// Version.
    #[serde(rename = "v")]
    pub version: i64,
    /// Expiry, epoch seconds.
    #[serde(rename = "e")]
    pub exp: i64,
    /// Upload or download.
    #[serde(rename = "p")]
    pub purpose: TicketPurpose,
}

impl Artifacts {
    /// Assembles the settings; the ticket key is derived from the token signing key, so every
    /// node verifies every other node's tickets.
    pub fn new(config: &ArtifactsConfig, blobs: BlobBackend, signing_key: &[u8], tls: bool) -> Self {
        let mut mac = hmac(signing_key);
        mac.update(b"revdir artifact tickets v1");
        Self {
            blobs,
            public_url: config.public_url.as_ref().map(|u| u.trim_end_matches('/').to_owned()),
            scheme: if tls { "https" } else { "http" },
            max_upload_bytes: config.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
            ticket_key: SecretSlice::from(mac.finalize().into_bytes().to_vec()),
        }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = hmac(self.ticket_key.expose_secret());
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }

    /// Deletes objects whose records are gone; a failure leaves garbage, never a dangling record.
    pub async fn remove_objects(&self, keys: Vec<String>) {
        if let BlobBackend::ObjectStore { store, .. } = &self.blobs {
            for key in keys {
                if let Err(e) = store.delete(&object_store::path::Path::from(key.as_str())).await {
                    tracing::warn!(error = %e, "could not delete an orphaned artifact object");
                }
            }
        }
    }

    /// Signs a ticket into an opaque string.
    pub fn sign(&self, ticket: &Ticket) -> String {
        let payload = serde_json::to_vec(ticket).unwrap_or_default();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(self.mac(&payload)))
    }

    /// Checks a ticket's signature, purpose and expiry.
    ///
    /// # Errors
    /// 403 `forbidden` for a forged, altered, misused or expired ticket.
    pub fn verify(&self, raw: &str, purpose: TicketPurpose, now: Timestamp) -> Result<Ticket, ApiError> {
        let ticket = self.verify_signature(raw, purpose)?;
        Self::check_fresh(&ticket, now)?;
        Ok(ticket)
    }

    /// Checks a ticket's expiry against `now` (its org's time).
    ///
    /// # Errors
    /// 403 when it has expired.
    pub fn check_fresh(ticket: &Ticket, now: Timestamp) -> Result<(), ApiError> {
        if ticket.exp <= now.seconds() {
            return Err(ApiError::Forbidden("the ticket has expired; ask for a new URL".into()));
        }
        Ok(())
    }

    /// Checks a ticket's signature and purpose, not its expiry: the expiry is on the ticket's
    /// org's clock, which only the ticket names.
    ///
    /// # Errors
    /// 403 when the ticket is forged or for another purpose.
    pub fn verify_signature(&self, raw: &str, purpose: TicketPurpose) -> Result<Ticket, ApiError> {
        let forged = || ApiError::Forbidden("the ticket is not valid".into());
        let (payload, sig) = raw.trim().split_once('.').ok_or_else(forged)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| forged())?;
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| forged())?;
        let mut mac = hmac(self.ticket_key.expose_secret());
        mac.update(&payload);
        mac.verify_slice(&sig).map_err(|_| forged())?;
        let ticket: Ticket = serde_json::from_slice(&payload).map_err(|_| forged())?;
        if ticket.purpose != purpose {
            return Err(forged());
        }
        Ok(ticket)
    }

    /// The absolute base URL for links handed to clients.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(u) = &self.public_url {
            return u.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or("127.0.0.1");
        format!("{}://{host}", self.scheme)
    }

    /// The object key of one version's bytes in an object store.
    pub fn object_key(prefix: &ObjectPath, org: &str, artifact: i64, version: i64) -> ObjectPath {
        let name = format!("{org}/{artifact}/{version}-{}", uuid::Uuid::new_v4().simple());
        if prefix.as_ref().is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{prefix}/{name}"))
        }
    }
}

/// An HMAC-SHA256 keyed with `key`. HMAC takes keys of any length, so the fallback (a
/// zero key) is never used; it only spares a panic path.
fn hmac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifacts() -> Artifacts {
        Artifacts::new(&ArtifactsConfig::default(), BlobBackend::Database, b"test signing key", false)
    }

    #[test]
    fn tickets_round_trip_and_resist_tampering() {
        let a = artifacts();
        let now = Timestamp::from_millis(1_000_000);
        let t = Ticket {
            org: "o".into(),
            artifact: 3,
            version: 1,
            exp: now.seconds() + 60,
            purpose: TicketPurpose::Upload,
        };
        let raw = a.sign(&t);
        assert_eq!(a.verify(&raw, TicketPurpose::Upload, now).unwrap(), t);
        assert!(a.verify(&raw, TicketPurpose::Download, now).is_err(), "purpose is bound");
        let later = Timestamp::from_millis((t.exp + 1) * 1000);
        assert!(a.verify(&raw, TicketPurpose::Upload, later).is_err(), "expiry is enforced");
        let other = Ticket { artifact: 4, ..t.clone() };
        let forged = format!("{}.{}", a.sign(&other).split('.').next().unwrap(), raw.split('.').nth(1).unwrap());
        assert!(a.verify(&forged, TicketPurpose::Upload, now).is_err(), "the signature covers the payload");
        let stranger = Artifacts::new(&ArtifactsConfig::default(), BlobBackend::Database, b"another key", false);
        assert!(stranger.verify(&raw, TicketPurpose::Upload, now).is_err());
    }
}
