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
