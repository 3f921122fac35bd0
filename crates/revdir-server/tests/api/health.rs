//! `/_revdir/health` and `/_revdir/ready`: no token, nothing about any org, and readiness
//! that follows the database: its migrations and whether it answers at all.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{send, Answer, TestApp};

crate::on_both_backends!(probes_need_no_token_and_name_no_org, ready_is_503_while_the_migrations_are_not_the_binarys);

/// GETs one of the probe routes, with an `Authorization` value when given.
async fn probe(app: &TestApp, path: &str, authorization: Option<&str>) -> Answer {
    let mut req = app.raw.get(format!("{}{path}", app.addr));
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    send(req).await
}

/// Asserts a DevRev-shaped 503 whose detail contains `reason`.
#[track_caller]
fn assert_not_ready(a: &Answer, reason: &str) {
    assert_eq!(a.status, 503, "{:#}", a.body);
    assert_eq!(a.body["type"], "service_unavailable", "{:#}", a.body);
    let detail = a.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(reason), "the detail names the reason '{reason}': {:#}", a.body);
}

async fn probes_need_no_token_and_name_no_org(app: TestApp) {
    let org = app.post("/dev-orgs.get", json!({})).await.body["dev_org"]["id"].as_str().unwrap().to_owned();
    for auth in [None, Some("Bearer not-a-token"), Some(app.token.as_str())] {
        let health = probe(&app, "/_revdir/health", auth).await;
        assert_eq!((health.status, &health.body), (200, &json!({"status": "ok"})), "{auth:?}");
        let ready = probe(&app, "/_revdir/ready", auth).await;
        assert_eq!((ready.status, &ready.body), (200, &json!({"status": "ready"})), "{auth:?}");
        assert!(!ready.body.to_string().contains(&org));
    }
    // Only GET (and HEAD) are served.
    let post = send(app.raw.post(format!("{}/_revdir/ready", app.addr)).json(&json!({}))).await;
    assert_eq!(post.status, 404);
}

/// Runs `sql` with `binds` on the test's own database, beside the server.
async fn exec(app: &TestApp, sql: &str, binds: &[Bind<'_>]) {
    let url = app.config.db.expose();
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let mut q = sqlx::query(sql);
        for b in binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Bytes(v) => q.bind(v.to_vec()),
            };
        }
        q.execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        let mut q = sqlx::query(sql);
        for b in binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Bytes(v) => q.bind(v.to_vec()),
            };
        }
        q.execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// A value bound to a statement of [`exec`].
enum Bind<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

/// The latest applied migration's version and checksum.
async fn latest_migration(app: &TestApp) -> (i64, Vec<u8>) {
    let sql = "SELECT version, checksum FROM _sqlx_migrations ORDER BY version DESC LIMIT 1";
    let url = app.config.db.expose();
    if app.config.db.is_postgres() {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    }
}

async fn ready_is_503_while_the_migrations_are_not_the_binarys(app: TestApp) {
    assert_eq!(probe(&app, "/_revdir/ready", None).await.status, 200);

    // A newer revdir migrated the database: this binary does not know the migration.
    let newer = 99_991_231_000_000_i64;
    exec(
        &app,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from a newer revdir', TRUE, $2, 0)",
        &[Bind::Int(newer), Bind::Bytes(&[0, 1, 2])],
    )
    .await;
    let a = probe(&app, "/_revdir/ready", None).await;
    assert_not_ready(&a, &format!("migration {newer}"));
    assert!(a.body["detail"].as_str().unwrap().contains("does not know"), "{:#}", a.body);
    assert_eq!(probe(&app, "/_revdir/health", None).await.status, 200, "health does not look at the database");
    exec(&app, "DELETE FROM _sqlx_migrations WHERE version = $1", &[Bind::Int(newer)]).await;
    assert_eq!(probe(&app, "/_revdir/ready", None).await.status, 200);

    // The latest migration was applied from a different file than this binary's.
    let (version, checksum) = latest_migration(&app).await;
    exec(
        &app,
        "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2",
        &[Bind::Bytes(b"other"), Bind::Int(version)],
    )
    .await;
    assert_not_ready(
        &probe(&app, "/_revdir/ready", None).await,
        &format!("migration {version} in the database differs"),
    );

    // Not applied at all.
    exec(&app, "DELETE FROM _sqlx_migrations WHERE version = $1", &[Bind::Int(version)]).await;
    assert_not_ready(
        &probe(&app, "/_revdir/ready", None).await,
        &format!("migration {version} of this binary is not applied"),
    );

    exec(
        &app,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'restored', TRUE, $2, 0)",
        &[Bind::Int(version), Bind::Bytes(&checksum)],
    )
    .await;
    assert_eq!(probe(&app, "/_revdir/ready", None).await.status, 200);
}

/// A hung database: another session holds an exclusive lock on the migrations table, so the
/// readiness query waits. `ready` answers 503 within its timeout instead of hanging, and 200
/// once the lock is gone. PostgreSQL only: a SQLite database in WAL mode never blocks a
/// reader, so no lock a test can take makes it hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_within_its_timeout_while_postgres_hangs() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await;
    assert_eq!(probe(&app, "/_revdir/ready", None).await.status, 200);
    let pool = sqlx::PgPool::connect(app.config.db.expose()).await.unwrap();
    let mut locker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE _sqlx_migrations IN ACCESS EXCLUSIVE MODE").execute(&mut *locker).await.unwrap();

    let started = Instant::now();
    let a = probe(&app, "/_revdir/ready", None).await;
    let took = started.elapsed();
    assert_not_ready(&a, "did not answer within");
    let limit = revdir_server::routes::READY_TIMEOUT + Duration::from_secs(2);
    assert!(took >= revdir_server::routes::READY_TIMEOUT && took < limit, "answered in {took:?}");
    assert_eq!(probe(&app, "/_revdir/health", None).await.status, 200);

    locker.rollback().await.unwrap();
    // Back to ready once the database answers; bounded polling, since the connection the
    // timed-out check left behind is cleaned up in the background.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = probe(&app, "/_revdir/ready", None).await;
        if a.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still not ready 10 s after the lock was released: {:#}", a.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
}
