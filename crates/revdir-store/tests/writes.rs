//! The store's writes through its own API, over a real SQLite file and a real PostgreSQL
//! schema: two updates of one object stamped with the same `now` (two requests in one
//! millisecond, or a clock that stepped back) still move its `modified_date` forward
//! (docs/API-CONVENTIONS.md entry 16). Over HTTP two requests rarely share a millisecond,
//! so only a test that chooses `now` itself can catch a plain `modified_date = now`.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a failed step aborts the test")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use revdir_core::custom::FragmentSet;
use revdir_core::dev_users::DevUserPatch;
use revdir_core::ids::ParsedId;
use revdir_core::orgs::{AccountDraft, AccountPatch, RevOrgPatch};
use revdir_core::scope::SignedCaller;
use revdir_core::store::{Store, TokenRecord};
use revdir_core::tags::{TagDraft, TagPatch};
use revdir_core::time::Timestamp;
use revdir_core::users::{RevUserDraft, RevUserPatch, SysUserPatch};
use revdir_core::DevOrgScope;
use revdir_store::{DatabaseUrl, StoreOptions};

/// The `now` of a test's creations: 2025-01-10T09:15:00.000Z.
fn now() -> Timestamp {
    Timestamp::from_millis(1_736_500_500_000)
}

/// The PostgreSQL server tests use (as the server's own tests do).
fn pg_base_url() -> String {
    std::env::var("REVDIR_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A test's PostgreSQL schema, dropped when the test ends, even when it fails. It must
/// outlive the test's runtime: the store's connections close with that runtime, and until
/// they have, one of them may still hold a lock the drop waits for.
struct PgSchema(String);

impl PgSchema {
    fn create() -> Self {
        let nanos = revdir_core::clock::system_now().millis();
        let name = format!("revdir_st_{}_{}_{nanos}", std::process::id(), SCHEMA_SEQ.fetch_add(1, Ordering::Relaxed));
        run_on_pg(&format!("CREATE SCHEMA {name}"));
        Self(name)
    }

    /// The database URL that selects the schema.
    fn url(&self) -> String {
        let base = pg_base_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}options[search_path]={}", self.0)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        run_on_pg(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0));
    }
}

static SCHEMA_SEQ: AtomicU64 = AtomicU64::new(0);

/// Runs one statement on the test PostgreSQL, outside any test's runtime.
fn run_on_pg(sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&pg_base_url()).await.expect("PostgreSQL reachable at REVDIR_TEST_PG");
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    });
}

/// Which storage engine a test runs on.
#[derive(Debug, Clone, Copy)]
enum Engine {
    Sqlite,
    Postgres,
}

/// A migrated store with a bootstrapped dev org, and the admin's scope in it.
struct Opened {
    store: Arc<dyn Store>,
    scope: DevOrgScope,
}

/// Runs `test` on a fresh store of `engine`: a SQLite file in a temporary directory, or a
/// fresh schema of the test PostgreSQL.
fn run<F: std::future::Future<Output = ()>>(engine: Engine, test: fn(Opened) -> F) {
    // Declared before the runtime, so dropped after it (see `PgSchema`).
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = matches!(engine, Engine::Postgres).then(PgSchema::create);
    let url = match &schema {
        Some(schema) => schema.url(),
        None => dir.path().join("writes.db").display().to_string(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let options = StoreOptions { max_connections: 4, ..StoreOptions::default() };
        let store = revdir_store::connect(&DatabaseUrl::new(url), options).await.expect("store opens");
        let org = store.bootstrap(now()).await.expect("bootstrap").expect("a fresh store bootstraps");
        let scope = DevOrgScope {
            dev_org: org.org.id,
            actor: org.admin,
            actor_summary: None,
            token_id: "test".to_owned(),
            context: Default::default(),
            now: now(),
        };
        test(Opened { store, scope }).await;
    });
}

/// A display id's parsed form: the local id in the caller's org.
fn local(id: impl ToString) -> ParsedId {
    ParsedId { org: None, local: id.to_string() }
}

/// Asserts that each stamp is later than the one before: the creation's, then each update's.
#[track_caller]
fn assert_moves_forward(what: &str, stamps: &[Timestamp]) {
    for pair in stamps.windows(2) {
        assert!(pair[1] > pair[0], "{what}: modified_date went from {pair:?}, not forward (all: {stamps:?})");
    }
}

/// The `now`s of the updates each test makes: twice the creation's millisecond, then one
/// from a clock that stepped back a second.
fn update_nows() -> [Timestamp; 3] {
    [now(), now(), Timestamp::from_millis(now().millis() - 1000)]
}

macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::run(super::Engine::Sqlite, super::$name);
                }
                #[test]
                fn postgres() {
                    super::run(super::Engine::Postgres, super::$name);
                }
            }
        )*
    };
}

on_both_engines!(
    rev_user_row_updates,
    rev_user_row_updates_checking_the_token,
    rev_user_read_modify_write_updates,
    sys_user_updates_on_both_paths,
    dev_user_updates,
    tag_updates,
    account_and_rev_org_updates,
    token_hint_updates,
    fragment_in_place_changes,
);

fn rev_user_draft(display_name: &str) -> RevUserDraft {
    RevUserDraft {
        display_name: Some(display_name.to_owned()),
        description: None,
        email: None,
        phone_numbers: Vec::new(),
        external_ref: None,
        external_refs: None,
        rev_org: None,
        account: None,
        tags: Vec::new(),
        display_picture: None,
        artifacts: Vec::new(),
        custom: None,
    }
}

/// Stores the record of a token of the admin's with id `jti`, as issuing one does; answers `jti`.
async fn admin_token_record(o: &Opened, jti: &str) -> String {
    let record = TokenRecord {
        jti: jti.to_owned(),
        dev_org: o.scope.dev_org.clone(),
        subject: o.scope.actor,
        token_type: "pat".to_owned(),
        issued_at: now(),
        expires_at: None,
        revoked: false,
    };
    o.store.insert_token(&record).await.unwrap();
    jti.to_owned()
}

/// A patch of the row alone: `update_rev_user` runs it as one UPDATE statement.
async fn rev_user_row_updates(o: Opened) {
    let u = o.store.create_rev_user(&o.scope, rev_user_draft("Ada"), now()).await.unwrap();
    let id = local(u.record.user.id);
    let mut stamps = vec![u.record.modified_date];
    for (i, now) in update_nows().into_iter().enumerate() {
        let patch = RevUserPatch { display_name: Some(format!("Ada {i}")), ..RevUserPatch::default() };
        let v = o.store.update_rev_user(&o.scope, &id, patch, now).await.unwrap();
        assert_eq!(v.record.display_name.as_deref(), Some(format!("Ada {i}").as_str()));
        stamps.push(v.record.modified_date);
    }
    assert_moves_forward("rev user, one statement", &stamps);
}

/// The one-statement update that checks the caller's token record itself.
async fn rev_user_row_updates_checking_the_token(o: Opened) {
    let jti = admin_token_record(&o, "writesjti1").await;
    let caller =
        SignedCaller { dev_org: o.scope.dev_org.clone(), actor: o.scope.actor, jti, context: Default::default() };
    let u = o.store.create_rev_user(&o.scope, rev_user_draft("Grace"), now()).await.unwrap();
    let id = local(u.record.user.id);
    let mut stamps = vec![u.record.modified_date];
    for (i, now) in update_nows().into_iter().enumerate() {
        let patch = RevUserPatch { description: Some(Some(format!("take {i}"))), ..RevUserPatch::default() };
        let v = o.store.update_rev_user_row_as(&caller, &id, &patch, now).await.unwrap();
        stamps.push(v.expect("the token's record lets the caller write").record.modified_date);
    }
    assert_moves_forward("rev user, one statement checking the token", &stamps);
}

/// Patches beyond the row (external refs, picture) take the read-modify-write path.
async fn rev_user_read_modify_write_updates(o: Opened) {
    let u = o.store.create_rev_user(&o.scope, rev_user_draft("Ada"), now()).await.unwrap();
    let id = local(u.record.user.id);
    let mut stamps = vec![u.record.modified_date];
    let patches = [
        RevUserPatch { external_ref: Some("crm-1".to_owned()), ..RevUserPatch::default() },
        RevUserPatch { external_refs: Some(vec!["crm-2".to_owned()]), ..RevUserPatch::default() },
        RevUserPatch { display_picture: Some(None), ..RevUserPatch::default() },
    ];
    for (patch, now) in patches.into_iter().zip(update_nows()) {
        stamps.push(o.store.update_rev_user(&o.scope, &id, patch, now).await.unwrap().record.modified_date);
    }
    assert_moves_forward("rev user, read-modify-write", &stamps);
}

/// The org's sys user, `SYSU-1`, created by the bootstrap at `now()`.
async fn sys_user_updates_on_both_paths(o: Opened) {
    let bot = local(1);
    let mut stamps = vec![now()];
    for now in update_nows() {
        // Clearing the picture takes the read-modify-write path; a name alone, one statement.
        let patches = [
            SysUserPatch { display_picture: Some(None), ..SysUserPatch::default() },
            SysUserPatch { full_name: Some(Some("DevRev Bot".to_owned())), ..SysUserPatch::default() },
        ];
        for patch in patches {
            stamps.push(o.store.update_sys_user(&o.scope, &bot, patch, now).await.unwrap().record.modified_date);
        }
    }
    assert_moves_forward("sys user", &stamps);
}

/// The org's admin, created by the bootstrap at `now()`.
async fn dev_user_updates(o: Opened) {
    let admin = local(o.scope.actor.id);
    let mut stamps = vec![now()];
    for (i, now) in update_nows().into_iter().enumerate() {
        let patch = DevUserPatch { job_title: Some(format!("title {i}")), ..DevUserPatch::default() };
        stamps.push(o.store.update_dev_user(&o.scope, &admin, patch, now).await.unwrap().user.record.modified_date);
    }
    assert_moves_forward("dev user", &stamps);
}

/// Tags stamp their update after reading the tag under a row lock.
async fn tag_updates(o: Opened) {
    let draft = TagDraft { name: "vip".to_owned(), description: None, allowed_values: Vec::new(), color: None };
    let t = o.store.create_tag(&o.scope, draft, now()).await.unwrap();
    let mut stamps = vec![t.tag.modified_date];
    for (i, now) in update_nows().into_iter().enumerate() {
        let patch = TagPatch {
            id: local(t.tag.id),
            name: None,
            description: Some(format!("take {i}")),
            allowed_values: None,
            color: None,
        };
        stamps.push(o.store.update_tag(&o.scope, patch, now).await.unwrap().tag.modified_date);
    }
    assert_moves_forward("tag", &stamps);
}

/// An account and its default rev org, updated alternately.
async fn account_and_rev_org_updates(o: Opened) {
    let draft = AccountDraft {
        display_name: "Analytical Engines".to_owned(),
        description: None,
        domains: Vec::new(),
        external_refs: None,
        owned_by: None,
        tags: Vec::new(),
        tier: None,
        websites: Vec::new(),
        custom: None,
    };
    let (account, rev_org) = o.store.create_account(&o.scope, draft, now()).await.unwrap();
    let mut accounts = vec![account.record.modified_date];
    let mut rev_orgs = vec![rev_org.record.modified_date];
    for (i, now) in update_nows().into_iter().enumerate() {
        let patch = AccountPatch {
            id: local(account.record.id),
            display_name: None,
            description: Some(format!("take {i}")),
            domains: None,
            external_refs: None,
            owned_by: None,
            tags: None,
            tier: None,
            websites: None,
            custom: None,
        };
        accounts.push(o.store.update_account(&o.scope, patch, now).await.unwrap().record.modified_date);
        let patch = RevOrgPatch {
            id: local(&rev_org.record.id),
            account: None,
            display_name: None,
            description: Some(format!("take {i}")),
            domain: None,
            external_ref: None,
            tier: None,
            environment: None,
            tags: None,
            custom: None,
        };
        rev_orgs.push(o.store.update_rev_org(&o.scope, patch, now).await.unwrap().record.modified_date);
    }
    assert_moves_forward("account", &accounts);
    assert_moves_forward("rev org", &rev_orgs);
}

/// A token's hint: the update stamps the token's record.
async fn token_hint_updates(o: Opened) {
    let jti = local(admin_token_record(&o, "writesjti2").await);
    let mut stamps = Vec::new();
    for (i, now) in update_nows().into_iter().enumerate() {
        let v = o.store.update_token_hint(&o.scope, &jti, Some(format!("hint {i}")), now).await.unwrap();
        stamps.push(v.meta.modified_date.expect("an updated token has a modified_date"));
    }
    assert_moves_forward("auth token", &stamps);
}

/// The in-place changes of a schema fragment (is_deprecated) stamp the fragment.
async fn fragment_in_place_changes(o: Opened) {
    let set = |deprecated: bool| -> FragmentSet {
        let request: revdir_core::api::schemas::CustomSchemaFragmentsSetRequest = serde_json::from_value(
            serde_json::json!({"type": "tenant_fragment", "leaf_type": "rev_user", "description": "tenant fields",
                "fields": [{"name": "tier", "field_type": "text"}], "is_deprecated": deprecated}),
        )
        .unwrap();
        FragmentSet::try_from(&request).unwrap()
    };
    let id = o.store.set_fragment(&o.scope, set(false), now()).await.unwrap();
    let mut stamps = vec![o.store.get_fragment(&o.scope, id).await.unwrap().record.modified_date];
    // Each set flips is_deprecated, which changes the fragment in place (§6.4).
    for (i, now) in update_nows().into_iter().enumerate() {
        let again = o.store.set_fragment(&o.scope, set(i % 2 == 0), now).await.unwrap();
        assert_eq!(again, id, "an in-place change keeps the version");
        stamps.push(o.store.get_fragment(&o.scope, id).await.unwrap().record.modified_date);
    }
    assert_moves_forward("schema fragment", &stamps);
}
