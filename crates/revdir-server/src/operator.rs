//! Operators: the key that guards revdir's own admin routes, and creating dev orgs on a
//! running server (`revdir org create`, `POST /_revdir/orgs.create`).

use std::fmt;

use revdir_core::orgs::DevOrgRecord;
use revdir_core::store::Store;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::tokens::{TokenKeys, DEFAULT_PAT_DAYS};

/// The server setting holding the operator key the emulator generated.
pub const STORED_KEY_SETTING: &str = "emulator_operator_key";

/// Shortest operator key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The operator key from configuration; its `Debug` is redacted.
#[derive(Clone)]
pub struct OperatorKey(SecretString);

impl fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OperatorKey([redacted])")
    }
}

impl OperatorKey {
    /// Wraps a configured key.
    ///
    /// # Errors
    /// When the key is shorter than [`MIN_KEY_BYTES`].
    pub fn new(key: SecretString) -> anyhow::Result<Self> {
        anyhow::ensure!(
            key.expose_secret().trim().len() >= MIN_KEY_BYTES,
            "the operator key must be at least {MIN_KEY_BYTES} bytes long"
        );
        Ok(Self(key))
    }

    /// Whether `given` is the key. Both sides are hashed first, so the comparison takes
    /// the same time whatever the length or content of `given`.
    pub fn matches(&self, given: &str) -> bool {
        let expected = Sha256::digest(self.0.expose_secret().trim().as_bytes());
        let given = Sha256::digest(given.trim().as_bytes());
        expected.ct_eq(&given).into()
    }
}

/// Creates a dev org (with its admin `DEVU-1` and `devrev-bot`) and mints its admin's token.
///
/// It needs only the store and the signing keys, not a whole `AppState`, so the CLI and any
/// other control plane can call it without a rate limiter, artifact store or operator key.
///
/// # Errors
/// When the store fails.
pub async fn create_org(
    store: &dyn Store,
    keys: &TokenKeys,
    display_name: Option<String>,
) -> anyhow::Result<(DevOrgRecord, SecretString)> {
    create_org_with(store, keys, display_name, false, None).await
}

/// [`create_org`], with an admin token that never expires when `forever` (the emulator's,
/// API-CONVENTIONS entry 131), and ids drawn from `id_seed` (entry 133).
///
/// # Errors
/// When the store fails.
pub async fn create_org_with(
    store: &dyn Store,
    keys: &TokenKeys,
    display_name: Option<String>,
    forever: bool,
    id_seed: Option<&str>,
) -> anyhow::Result<(DevOrgRecord, SecretString)> {
    let now = revdir_core::clock::system_now();
    let created =
        store.create_dev_org(display_name, now).await.map_err(|e| anyhow::anyhow!("creating a dev org: {e}"))?;
    if let Some(seed) = id_seed {
        // Before the admin's token, whose id is the seed's first draw.
        store.set_id_seed(&created.org.id, seed).await.map_err(|e| anyhow::anyhow!("seeding ids: {e}"))?;
    }
    let token = if forever {
        keys.mint_pat_forever(store, &created.org.id, created.admin, now).await?
    } else {
        keys.mint_pat(store, &created.org.id, created.admin, now, DEFAULT_PAT_DAYS).await?
    };
    Ok((created.org, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_exactly_and_hide_in_debug() {
        let key = OperatorKey::new(SecretString::from("correct horse battery staple")).unwrap();
        assert!(key.matches("correct horse battery staple"));
        assert!(!key.matches("correct horse battery stapler"));
        assert!(!key.matches(""));
        assert!(!format!("{key:?}").contains("horse"));
        assert!(OperatorKey::new(SecretString::from("short")).is_err());
    }
}
