//! Webhook deliveries end to end (§8.7, §9) on both engines, to a receiver that really
//! listens: the verify handshake, signed events of every family validated against the spec's
//! `webhook-event-request`, retries on a shortened schedule, degraded and recovered
//! endpoints, resend and recover, echo suppression, deactivate, delete and fetch.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{send, Answer, TestApp};
use crate::on_both_backends_configured;
use crate::receiver::{Received, Receiver};

/// A schedule short enough for tests: retries after 300 ms and 600 ms, probes every 300 ms.
fn quick(c: &mut revdir_server::startup::ServerConfig) {
    c.deliveries.retry_delays_ms = vec![300, 600];
    c.deliveries.probe_delay_ms = 300;
}

on_both_backends_configured!(
    super::quick;
    the_handshake_then_signed_events_of_every_family,
    a_failed_attempt_is_retried_with_the_same_event_id,
    a_redirect_is_not_followed_and_counts_as_a_failure,
    a_failing_endpoint_degrades_and_recovers_by_itself,
    resend_recover_and_echo_suppression,
    inactive_and_deleted_webhooks_get_nothing,
    fetch_delivers_the_object,
    the_emulators_controls_are_not_served_without_it,
);

/// Deliveries and journal entries kept only a moment; a failed attempt waits a minute for its
/// retry, so a failing delivery stays pending through the test.
fn quick_pruning(c: &mut revdir_server::startup::ServerConfig) {
    c.deliveries.retry_delays_ms = vec![60_000];
    c.deliveries.retention = Some(Duration::from_millis(1));
    c.deliveries.prune_every = Duration::from_millis(50);
}

on_both_backends_configured!(
    super::quick_pruning;
    pruning_spares_what_is_still_to_be_delivered,
);

/// The quick schedule, in emulator mode.
fn quick_emulator(c: &mut revdir_server::startup::ServerConfig) {
    quick(c);
    c.emulator = true;
}

on_both_backends_configured!(
    super::quick_emulator;
    the_emulator_verifies_without_the_handshake_and_forces_failures,
);

const WAIT: Duration = Duration::from_secs(15);

async fn lab(app: &TestApp, op: &str, body: Value) -> Answer {
    send(app.raw.post(format!("{}/_revdir/{op}", app.addr)).bearer_auth(&app.token).json(&body)).await
}

/// Creates a webhook to `receiver` for `types`, waits for its handshake, and answers the
/// webhook (now active) and the verify request.
async fn verified_webhook(app: &TestApp, receiver: &Receiver, types: &[&str]) -> (Value, Received) {
    let a = app.post("/webhooks.create", json!({"url": receiver.url, "event_types": types})).await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    let hook = a.body["webhook"].clone();
    assert_eq!(hook["status"], "unverified");
    let verify = receiver
        .wait_for("verify", 1, WAIT, |r| r.body["type"] == "verify" && r.body["webhook_id"] == hook["id"])
        .await
        .remove(0);
    let done = lab(app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["verify"]})).await;
    assert_eq!(done.body["complete"], true, "{:#}", done.body);
    let hook = app.post("/webhooks.get", json!({"id": hook["id"]})).await.body["webhook"].clone();
    assert_eq!(hook["status"], "active", "the echoed challenge verifies the webhook");
    (hook, verify)
}

/// Checks what every delivery must be: signed with the secret, shaped as the spec's
/// `webhook-event-request`, for this webhook.
fn check_delivery(r: &Received, hook: &Value) {
    assert!(r.signed_with(hook["secret"].as_str().unwrap()), "bad signature on {:#}", r.body);
    revdir_spec_check::validate_request("/webhooks.event", "POST", &r.body).unwrap();
    assert_eq!(r.body["webhook_id"], hook["id"]);
    assert!(r.body["id"].as_str().unwrap().starts_with(&format!("{}:event/", hook["id"].as_str().unwrap())));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

fn of_type<'a>(all: &'a [Received], t: &str) -> Vec<&'a Received> {
    all.iter().filter(|r| r.body["type"] == t).collect()
}

async fn the_handshake_then_signed_events_of_every_family(app: TestApp) {
    let receiver = Receiver::start().await;
    let types = [
        "rev_user_created",
        "rev_user_updated",
        "rev_user_deleted",
        "account_created",
        "account_updated",
        "account_deleted",
        "rev_org_created",
        "rev_org_updated",
        "rev_org_deleted",
        "dev_user_updated",
        "tag_created",
        "tag_updated",
        "tag_deleted",
        "webhook_updated",
    ];
    let (hook, verify) = verified_webhook(&app, &receiver, &types).await;
    check_delivery(&verify, &hook);
    assert!(verify.body["verify"]["challenge"].as_str().is_some_and(|c| !c.is_empty()));

    let contact = app.create_rev_user(json!({"display_name": "Ada", "email": "ada@example.com"})).await;
    app.post("/rev-users.update", json!({"id": contact["id"], "display_name": "Ada L."})).await;
    app.post("/rev-users.delete", json!({"id": contact["id"]})).await;
    let acct = app.post("/accounts.create", json!({"display_name": "Acme"})).await.body;
    let account = acct["account"]["id"].clone();
    let workspace = acct["default_rev_org"]["id"].clone();
    app.post("/accounts.update", json!({"id": account, "tier": "gold"})).await;
    app.post("/rev-orgs.update", json!({"id": workspace, "description": "HQ"})).await;
    app.post("/accounts.delete", json!({"id": account})).await;
    let tag = app.post("/tags.create", json!({"name": "vip"})).await.body["tag"]["id"].clone();
    app.post("/tags.update", json!({"id": tag, "name": "vvip"})).await;
    app.post("/tags.delete", json!({"id": tag})).await;
    let me = app.post("/dev-users.self", json!({})).await.body["dev_user"]["id"].clone();
    app.post("/dev-users.update", json!({"id": me, "display_name": "Boss"})).await;
    app.post("/sys-users.update", json!({"id": "SYSU-1", "full_name": "Automation"})).await;
    app.post("/webhooks.update", json!({"id": hook["id"], "event_types": {"add": ["dev_user_created"]}})).await;

    let all = receiver.wait_for("one event of each write", 14, WAIT, |r| r.body["type"] != "verify").await;
    for r in &all {
        check_delivery(r, &hook);
        assert!(r.header("x-revdir-actor").is_some_and(|a| a.contains(":devu/1")), "{:?}", r.headers);
    }
    let created = of_type(&all, "rev_user_created");
    assert_eq!(created[0].body["rev_user_created"]["rev_user"]["id"], contact["id"]);
    let updated = &of_type(&all, "rev_user_updated")[0].body["rev_user_updated"];
    assert_eq!(updated["rev_user"]["display_name"], "Ada L.");
    assert_eq!(updated["old_rev_user"]["display_name"], "Ada", "the old object is rebuilt from the change");
    assert_eq!(updated["old_rev_user"]["email"], "ada@example.com");
    let deleted = &of_type(&all, "rev_user_deleted")[0].body["rev_user_deleted"];
    assert_eq!(deleted["id"], contact["id"]);
    assert_eq!(deleted["old_rev_user"]["display_name"], "Ada L.");
    assert_eq!(of_type(&all, "account_created")[0].body["account_created"]["account"]["id"], account);
    assert_eq!(of_type(&all, "account_updated")[0].body["account_updated"]["old_account"]["tier"], Value::Null);
    assert_eq!(of_type(&all, "account_deleted")[0].body["account_deleted"]["id"], account);
    assert_eq!(of_type(&all, "rev_org_created")[0].body["rev_org_created"]["rev_org"]["id"], workspace);
    assert_eq!(of_type(&all, "rev_org_updated")[0].body["rev_org_updated"]["rev_org"]["description"], "HQ");
    assert_eq!(of_type(&all, "rev_org_deleted")[0].body["rev_org_deleted"]["id"], workspace);
    assert_eq!(of_type(&all, "tag_updated")[0].body["tag_updated"]["old_tag"]["name"], "vip");
    assert_eq!(of_type(&all, "tag_deleted")[0].body["tag_deleted"]["id"], tag);
    assert_eq!(of_type(&all, "dev_user_updated")[0].body["dev_user_updated"]["dev_user"]["display_name"], "Boss");
    let hook_updated = &of_type(&all, "webhook_updated")[0].body["webhook_updated"];
    assert_eq!(hook_updated["webhook"]["secret"], "", "events never carry a webhook's secret");
    assert!(hook_updated.get("old_webhook").is_none(), "webhook_updated carries no old copy (§8.7)");
    // Sys users emit no events: nothing about SYSU-1 ever arrives.
    assert!(all.iter().all(|r| !r.body.to_string().contains("Automation")));
    // Each event id is delivered once.
    let mut ids: Vec<&str> = all.iter().map(|r| r.body["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
}

async fn a_failed_attempt_is_retried_with_the_same_event_id(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &["tag_created"]).await;
    receiver.fail_next(2);
    app.post("/tags.create", json!({"name": "retried"})).await;
    let tries = receiver.wait_for("three attempts", 3, WAIT, |r| r.body["type"] == "tag_created").await;
    assert_eq!(tries.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 200]);
    for r in &tries {
        check_delivery(r, &hook);
        assert_eq!(r.body["id"], tries[0].body["id"], "every attempt carries the same event id");
    }
    assert_ne!(tries[0].body["timestamp"], tries[1].body["timestamp"], "each attempt is stamped anew");
    assert!(tries[1].at - tries[0].at >= Duration::from_millis(250), "the first retry waits its delay");
    assert!(tries[2].at - tries[1].at >= Duration::from_millis(550), "the second waits longer");
    // The receiver may see the last attempt before the server has recorded its outcome.
    let log =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["tag_created"]})).await;
    assert_eq!(log.body["complete"], true, "{:#}", log.body);
    let d = &log.body["deliveries"][0];
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"], 3);
    let statuses: Vec<&Value> = d["attempt_log"].as_array().unwrap().iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
    assert_eq!(d["attempt_log"][0]["error_class"], "status");
    assert!(d["attempt_log"][0]["response_body"].as_str().unwrap().contains("on purpose"));
    let sent = d["attempt_log"][2]["request_body"].as_str().unwrap();
    assert_eq!(sent.as_bytes(), &tries[2].raw[..], "the log keeps the exact bytes sent");
}

async fn a_failing_endpoint_degrades_and_recovers_by_itself(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &["tag_created"]).await;
    receiver.fail_next(3);
    receiver.echo_wrong_challenge(true);
    app.post("/tags.create", json!({"name": "lost-1"})).await;
    receiver.wait_for("three failed attempts", 3, WAIT, |r| r.answered == 500).await;
    // Degraded: a probe (a verify request) runs while the endpoint is failing, and a new
    // event fails at once, without an attempt, recorded so it can be recovered.
    receiver
        .wait_for("a probe", 1, WAIT, |r| {
            r.body["type"] == "verify" && r.body["id"].as_str().unwrap().contains("probe-")
        })
        .await;
    app.post("/tags.create", json!({"name": "lost-2"})).await;
    let failed = lab(
        &app,
        "webhooks.deliveries.wait",
        json!({"webhook": hook["id"], "event_type": ["tag_created"], "state": ["failed"], "count": 2}),
    )
    .await;
    assert_eq!(failed.body["complete"], true, "{:#}", failed.body);
    let skipped = &failed.body["deliveries"][1];
    assert_eq!(skipped["attempts"], 0);
    assert!(skipped["last_error"].as_str().unwrap().contains("degraded"), "{skipped:#}");
    // The endpoint answers probes again: it recovers without anyone's help.
    receiver.echo_wrong_challenge(false);
    let probes_ok =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["verify"], "count": 2}))
            .await;
    assert_eq!(probes_ok.body["complete"], true, "{:#}", probes_ok.body);
    let tag = app.post("/tags.create", json!({"name": "after"})).await.body["tag"]["id"].clone();
    receiver.wait_for("an event after recovery", 1, WAIT, |r| r.body["tag_created"]["tag"]["id"] == tag).await;
    // And the failed events can be recovered, with their ids.
    let a = lab(&app, "webhooks.deliveries.recover", json!({"webhook": hook["id"]})).await;
    assert_eq!(a.body["recovered"], 2, "{:#}", a.body);
    let lost_ids: Vec<Value> =
        failed.body["deliveries"].as_array().unwrap().iter().map(|d| d["event_id"].clone()).collect();
    let again = receiver
        .wait_for("the recovered events", 2, WAIT, |r| r.answered == 200 && lost_ids.contains(&r.body["id"]))
        .await;
    for r in &again {
        check_delivery(r, &hook);
    }
}

async fn resend_recover_and_echo_suppression(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &["rev_user_created", "rev_user_updated"]).await;
    let contact = app.create_rev_user(json!({"display_name": "Echo"})).await;
    let first = receiver.wait_for("the create", 1, WAIT, |r| r.body["type"] == "rev_user_created").await.remove(0);
    let listed = lab(&app, "webhooks.deliveries.list", json!({"webhook": hook["id"], "object": contact["id"]})).await;
    let delivery = listed.body["deliveries"][0]["id"].clone();
    let resent = lab(&app, "webhooks.deliveries.resend", json!({"id": delivery})).await;
    assert_eq!(resent.status, 200, "{:#}", resent.body);
    let both = receiver.wait_for("the resend", 2, WAIT, |r| r.body["id"] == first.body["id"]).await;
    assert_ne!(both[0].body["timestamp"], both[1].body["timestamp"]);

    let a =
        lab(&app, "webhooks.exclude-origins.set", json!({"webhook": hook["id"], "exclude_origins": ["sync-A"]})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let mine = app
        .raw
        .post(format!("{}/rev-users.update", app.addr))
        .bearer_auth(&app.token)
        .header("x-devrev-origin", "sync-A")
        .json(&json!({"id": contact["id"], "display_name": "From A"}));
    assert_eq!(send(mine).await.status, 200);
    let theirs = app
        .raw
        .post(format!("{}/rev-users.update", app.addr))
        .bearer_auth(&app.token)
        .header("idempotency-key", "sync-B-1")
        .json(&json!({"id": contact["id"], "display_name": "From B"}));
    assert_eq!(send(theirs).await.status, 200);
    let got = receiver.wait_for("the other origin's change", 1, WAIT, |r| r.body["type"] == "rev_user_updated").await;
    assert_eq!(got[0].header("x-revdir-origin"), Some("sync-B-1"));
    assert_eq!(got[0].body["rev_user_updated"]["rev_user"]["display_name"], "From B");
    let suppressed =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "state": ["suppressed"], "count": 1}))
            .await;
    assert_eq!(suppressed.body["complete"], true, "{:#}", suppressed.body);
    assert!(receiver.all().iter().all(|r| r.body["rev_user_updated"]["rev_user"]["display_name"] != "From A"));
    // Bad lab input: an unknown delivery, a malformed id.
    assert_eq!(lab(&app, "webhooks.deliveries.resend", json!({"id": "999999"})).await.status, 404);
    assert_eq!(lab(&app, "webhooks.deliveries.resend", json!({"id": "x"})).await.status, 400);
}

async fn inactive_and_deleted_webhooks_get_nothing(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &["tag_created"]).await;
    app.post("/webhooks.update", json!({"id": hook["id"], "action": "deactivate"})).await;
    app.post("/tags.create", json!({"name": "unseen"})).await;
    // Events are queued in the write's own transaction, so the log is final once it answered.
    let log =
        lab(&app, "webhooks.deliveries.list", json!({"webhook": hook["id"], "event_type": ["tag_created"]})).await;
    assert_eq!(log.body["deliveries"], json!([]), "an inactive webhook is queued nothing");
    app.post("/webhooks.update", json!({"id": hook["id"], "action": "activate"})).await;
    // Activating asks for the handshake again; until it is answered nothing is queued.
    let verified =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["verify"], "count": 2}))
            .await;
    assert_eq!(verified.body["complete"], true, "{:#}", verified.body);
    let a = app.post("/webhooks.delete", json!({"id": hook["id"]})).await;
    assert_eq!(a.status, 200);
    app.post("/tags.create", json!({"name": "after-delete"})).await;
    let log =
        lab(&app, "webhooks.deliveries.list", json!({"webhook": hook["id"], "event_type": ["tag_created"]})).await;
    assert_eq!(log.body["deliveries"], json!([]));
    assert!(receiver.all().iter().all(|r| r.body["type"] == "verify"));
}

async fn fetch_delivers_the_object(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &[]).await;
    let contact = app.create_rev_user(json!({"display_name": "Fetched"})).await;
    let a = app.post("/webhooks.fetch", json!({"id": hook["id"], "object": contact["id"]})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let got = receiver.wait_for("the fetched object", 1, WAIT, |r| r.body["type"] == "rev_user_updated").await;
    check_delivery(&got[0], &hook);
    assert_eq!(got[0].body["rev_user_updated"]["rev_user"]["display_name"], "Fetched");
}

async fn the_emulator_verifies_without_the_handshake_and_forces_failures(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.echo_wrong_challenge(true);
    let a = app.post("/webhooks.create", json!({"url": receiver.url, "event_types": ["tag_created"]})).await;
    let hook = a.body["webhook"].clone();
    let verified = lab(&app, "webhooks.verify", json!({"webhook": hook["id"]})).await;
    assert_eq!(verified.status, 200, "{:#}", verified.body);
    let got = app.post("/webhooks.get", json!({"id": hook["id"]})).await.body["webhook"].clone();
    assert_eq!(got["status"], "active", "verified without answering the challenge");

    let a = lab(&app, "webhooks.failures.set", json!({"webhook": hook["id"], "fail_next": 1})).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    let tag = app.post("/tags.create", json!({"name": "forced"})).await.body["tag"]["id"].clone();
    let arrived = receiver.wait_for("the retry", 1, WAIT, |r| r.body["tag_created"]["tag"]["id"] == tag).await;
    check_delivery(&arrived[0], &got);
    let log =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["tag_created"]})).await;
    let attempts = &log.body["deliveries"][0]["attempt_log"];
    assert_eq!(attempts[0]["error_class"], "forced", "{attempts:#}");
    assert_eq!(attempts[1]["status"], 200);
    assert_eq!(
        receiver.all().iter().filter(|r| r.body["type"] == "tag_created").count(),
        1,
        "a forced failure sends nothing"
    );

    let a = lab(&app, "webhooks.failures.set", json!({"webhook": hook["id"], "send_twice": true})).await;
    assert_eq!(a.status, 200);
    let twice = app.post("/tags.create", json!({"name": "twice"})).await.body["tag"]["id"].clone();
    let both = receiver.wait_for("the event twice", 2, WAIT, |r| r.body["tag_created"]["tag"]["id"] == twice).await;
    assert_eq!(both[0].raw, both[1].raw, "the same bytes, the same event id");
}

async fn the_emulators_controls_are_not_served_without_it(app: TestApp) {
    let hook = app.post("/webhooks.create", json!({"url": "http://127.0.0.1:9/x"})).await.body["webhook"]["id"].clone();
    for op in ["webhooks.verify", "webhooks.failures.set"] {
        let a = lab(&app, op, json!({"webhook": hook})).await;
        assert_eq!(a.status, 404, "{op}: {:#}", a.body);
        assert_eq!(a.body, json!({"message": "route not found"}));
    }
}

async fn pruning_spares_what_is_still_to_be_delivered(app: TestApp) {
    let receiver = Receiver::start().await;
    let (live, _) = verified_webhook(&app, &receiver, &["rev_user_created"]).await;
    // A second webhook whose endpoint fails every event once verified: its delivery stays
    // pending, waiting for its retry.
    let dead = Receiver::start().await;
    let (stuck, _) = verified_webhook(&app, &dead, &["rev_user_created"]).await;
    dead.fail_next(usize::MAX);
    let contact = app.create_rev_user(json!({"display_name": "Kept"})).await;
    app.post("/sys-users.update", json!({"id": "SYSU-1", "full_name": "Pruned"})).await;
    receiver.wait_for("the live delivery", 1, WAIT, |r| r.body["type"] == "rev_user_created").await;
    // Pruning runs every 50 ms and announces nothing: poll (bounded) until the sys user's
    // entry, which no delivery refers to, and the finished delivery are gone.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let sys = lab(&app, "journal.list", json!({"object_type": ["sys_user"]})).await;
        let done = lab(&app, "webhooks.deliveries.list", json!({"webhook": live["id"], "state": ["delivered"]})).await;
        if sys.body["entries"] == json!([]) && done.body["deliveries"] == json!([]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never pruned: {:#} {:#}", sys.body, done.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kept = lab(&app, "journal.list", json!({"object": [contact["id"]]})).await;
    assert_eq!(kept.body["entries"].as_array().unwrap().len(), 1, "a change still to be delivered is kept");
    let pending =
        lab(&app, "webhooks.deliveries.list", json!({"webhook": stuck["id"], "event_type": ["rev_user_created"]}))
            .await;
    assert_eq!(pending.body["deliveries"][0]["state"], "pending", "{:#}", pending.body);
}

async fn a_redirect_is_not_followed_and_counts_as_a_failure(app: TestApp) {
    let receiver = Receiver::start().await;
    let (hook, _) = verified_webhook(&app, &receiver, &["tag_created"]).await;
    receiver.redirect_next(1);
    app.post("/tags.create", json!({"name": "redirected"})).await;
    let tries = receiver.wait_for("the redirect and the retry", 2, WAIT, |r| r.body["type"] == "tag_created").await;
    assert_eq!(tries.iter().map(|r| r.answered).collect::<Vec<_>>(), [307, 200], "the redirect was not followed");
    let log =
        lab(&app, "webhooks.deliveries.wait", json!({"webhook": hook["id"], "event_type": ["tag_created"]})).await;
    let first = &log.body["deliveries"][0]["attempt_log"][0];
    assert_eq!((first["status"].clone(), first["error_class"].clone()), (json!(307), json!("status")));
}
