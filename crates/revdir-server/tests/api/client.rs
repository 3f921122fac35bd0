//! The typed client against a real server: requests and answers round-trip through the
//! shared wire types, and errors decode into DevRev's error body.

use revdir_api::rev_users::{RevUsersCreateRequest, RevUsersGetRequest, RevUsersUpdateRequest};
use revdir_api::ErrorKind;
use revdir_client::Error;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(typed_client_round_trips);

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
