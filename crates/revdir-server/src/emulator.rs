//! The emulator's background duty (issue 16): throwaway orgs are deleted, with everything in
//! them, once their own clock passes their time-to-live. Until then (the reaper looks every
//! second) their tokens already answer 401, because authentication checks the expiry too.

use std::time::Duration;

use crate::state::AppState;

/// How often expired orgs are looked for.
const REAP_INTERVAL: Duration = Duration::from_secs(1);

/// Deletes expired orgs until the process ends.
pub async fn reap_expired_orgs(app: AppState) {
    loop {
        reap_once(&app).await;
        tokio::time::sleep(REAP_INTERVAL).await;
    }
}

/// One look: deletes every org whose clock has passed its expiry.
pub async fn reap_once(app: &AppState) {
    let system = app.system_now();
    let orgs = match app.store.list_dev_orgs().await {
        Ok(orgs) => orgs,
        Err(e) => {
            tracing::warn!(error = %e, "listing orgs for expiry failed");
            return;
        }
    };
    for (org, time) in orgs {
        if time.expired(time.clock.now(system)) {
            match app.store.delete_dev_org(&org.id).await {
                Ok(_) => tracing::info!(dev_org = %org.id, "deleted an expired dev org"),
                Err(e) => tracing::warn!(dev_org = %org.id, error = %e, "deleting an expired dev org failed"),
            }
        }
    }
}
