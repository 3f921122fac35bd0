//! The typed client against a real server: requests and answers round-trip through the
//! shared wire types, and errors decode into DevRev's error body.

use revdir_api::accounts::{AccountsCreateRequest, AccountsExportRequest};
use revdir_api::rev_users::{RevUsersCreateRequest, RevUsersGetRequest, RevUsersScanRequest, RevUsersUpdateRequest};
use revdir_api::ErrorKind;
use revdir_client::Error;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(typed_client_round_trips, typed_client_scans_and_exports);

async fn typed_client_round_trips(app: TestApp) {
    let created = app
        .client
        .rev_users_create(&RevUsersCreateRequest {
            display_name: Some("Ada".into()),
            phone_numbers: Some(vec!["+14155550100".into()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .rev_user;
    let updated = app
        .client
        .rev_users_update(&RevUsersUpdateRequest {
            id: created.display_id.clone().unwrap(),
            email: Some("ada@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .rev_user;
    assert_eq!(updated.email.as_deref(), Some("ada@example.com"));
    assert_eq!(updated.phone_numbers, created.phone_numbers);
    let read = app.client.rev_users_get(&RevUsersGetRequest { id: created.id.clone() }).await.unwrap().rev_user;
    assert_eq!(read, updated);
    let err = app
        .client
        .rev_users_update(&RevUsersUpdateRequest { id: "REVU-404".into(), ..Default::default() })
        .await
        .unwrap_err();
    match err {
        Error::Api { status, body } => {
            assert_eq!(status, 404);
            assert_eq!(body.kind, ErrorKind::NotFound);
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn typed_client_scans_and_exports(app: TestApp) {
    let made = app
        .client
        .rev_users_create(&RevUsersCreateRequest { email: Some("ada@example.com".into()), ..Default::default() })
        .await
        .unwrap()
        .rev_user;
    let scan = app
        .client
        .rev_users_scan(&RevUsersScanRequest { email: Some(vec!["ada@example.com".into()]), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((scan.rev_users, scan.next_cursor), (vec![made], None));
    let err = app
        .client
        .rev_users_scan(&RevUsersScanRequest { cursor: Some("garbage".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, ref body } if body.kind == ErrorKind::BadRequest), "{err:?}");
    let account = app
        .client
        .accounts_create(&AccountsCreateRequest { display_name: "Acme".into(), ..Default::default() })
        .await
        .unwrap()
        .account;
    let export = app.client.accounts_export(&AccountsExportRequest { first: Some(500), ..Default::default() }).await;
    assert_eq!(export.unwrap().accounts, vec![account]);
}

/// The typed client drives memberships, a merge and its job, and the emulator's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_client_drives_memberships_merges_and_the_clock() {
    use revdir_api::common::Empty;
    use revdir_api::jobs::{JobsWaitRequest, RevUsersMergeRequest};
    use revdir_api::operator::ClockSetRequest;
    use revdir_api::rev_user_associations::{
        CreateAssociation, RevUsersAssociationsAddRequest, RevUsersAssociationsListRequest,
        RevUsersAssociationsRemoveRequest,
    };

    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |c, _| c.emulator = true).await;
    let c = &app.client;
    let account =
        c.accounts_create(&AccountsCreateRequest { display_name: "Acme".into(), ..Default::default() }).await.unwrap();
    let workspace = account.default_rev_org.id;
    let a = c.rev_users_create(&RevUsersCreateRequest::default()).await.unwrap().rev_user;
    let b = c.rev_users_create(&RevUsersCreateRequest::default()).await.unwrap().rev_user;
    let add = RevUsersAssociationsAddRequest {
        rev_user_id: a.id.clone(),
        associations: vec![CreateAssociation { associated_to: Some(workspace.clone()) }],
    };
    c.rev_users_associations_add(&add).await.unwrap();
    let list = RevUsersAssociationsListRequest { rev_user_id: a.id.clone(), cursor: None, limit: None, mode: None };
    assert_eq!(c.rev_users_associations_list(&list).await.unwrap().associations.len(), 2);
    let remove = RevUsersAssociationsRemoveRequest { rev_user_id: a.id.clone(), associations: vec![workspace] };
    c.rev_users_associations_remove(&remove).await.unwrap();
    assert_eq!(c.rev_users_associations_list(&list).await.unwrap().associations.len(), 1);
    let merge = RevUsersMergeRequest { primary_user: a.id.clone(), secondary_user: b.id.clone() };
    c.rev_users_merge(&merge).await.unwrap();
    let jobs = c.revdir_jobs_list(&Default::default()).await.unwrap().jobs;
    let done = c.revdir_jobs_wait(&JobsWaitRequest { id: jobs[0].id.clone(), timeout_ms: Some(20_000) }).await.unwrap();
    assert_eq!(done.job.state, "done");
    let set =
        ClockSetRequest { mode: Some("frozen".into()), at: Some("2030-01-01T00:00:00Z".into()), ..Default::default() };
    assert_eq!(c.revdir_clock_set(&set).await.unwrap().clock.now, "2030-01-01T00:00:00.000Z");
    assert_eq!(c.revdir_clock_get(&Empty {}).await.unwrap().clock.mode, "frozen");
}
