//! A typed async client for DevRev's identity API, as served by revdir (or by DevRev).
//!
//! Every operation is one method taking the request type of `revdir-api` and returning its
//! response type; failures decode DevRev's error body into [`Error::Api`].
//!
//! # Examples
//! ```no_run
//! # async fn demo() -> Result<(), revdir_client::Error> {
//! use revdir_api::rev_users::RevUsersUpdateRequest;
//! let client = revdir_client::Client::new("http://127.0.0.1:8080", "<token>");
//! let updated = client
//!     .rev_users_update(&RevUsersUpdateRequest { id: "REVU-1".into(), display_name: Some("Ada".into()), ..Default::default() })
//!     .await?;
//! println!("{}", updated.rev_user.id);
//! # Ok(()) }
//! ```

use revdir_api::accounts::*;
use revdir_api::common::Empty;
use revdir_api::dev_orgs::{DevOrgsGetRequest, DevOrgsGetResponse};
use revdir_api::dev_users::{DevUsersSelfRequest, DevUsersSelfResponse};
use revdir_api::rev_orgs::*;
use revdir_api::rev_users::*;
use revdir_api::sys_users::*;
use revdir_api::tags::*;
use revdir_api::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a DevRev error body.
    #[error("HTTP {status}: {body:?}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The decoded error.
        body: Box<ErrorBody>,
    },
    /// The request could not be sent or the answer not decoded.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    /// The answer was not the expected JSON.
    #[error("unexpected response (HTTP {status}): {text}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The raw body.
        text: String,
    },
}

/// A client bound to one server and token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).field("token", &"[redacted]").finish()
    }
}

macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident: $path:literal, $req:ty => $resp:ty;)*) => {
        impl Client {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                /// [`Error::Api`] with the server's error body, or a transport failure.
                pub async fn $name(&self, request: &$req) -> Result<$resp, Error> {
                    self.call($path, request).await
                }
            )*
        }
    };
}

impl Client {
    /// A client for the server at `base` (such as `http://127.0.0.1:8080`) using `token`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { http: reqwest::Client::new(), base: base.into().trim_end_matches('/').to_owned(), token: token.into() }
    }

    /// POSTs `request` as JSON to `/path` and decodes the answer.
    ///
    /// # Errors
    /// [`Error::Api`] with the server's error body, or a transport failure.
    pub async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Resp, Error> {
        let response =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(request).send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|_| Error::Unexpected { status, text });
        }
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => Err(Error::Api { status, body: Box::new(body) }),
            Err(_) => Err(Error::Unexpected { status, text }),
        }
    }
}

operations! {
    /// `dev-orgs.get`.
    dev_orgs_get: "/dev-orgs.get", DevOrgsGetRequest => DevOrgsGetResponse;
    /// `dev-users.self`.
    dev_users_self: "/dev-users.self", DevUsersSelfRequest => DevUsersSelfResponse;
    /// `rev-users.create`.
    rev_users_create: "/rev-users.create", RevUsersCreateRequest => RevUsersCreateResponse;
    /// `rev-users.get`.
    rev_users_get: "/rev-users.get", RevUsersGetRequest => RevUsersGetResponse;
    /// `rev-users.list`.
    rev_users_list: "/rev-users.list", RevUsersListRequest => RevUsersListResponse;
    /// `rev-users.update`.
    rev_users_update: "/rev-users.update", RevUsersUpdateRequest => RevUsersUpdateResponse;
    /// `rev-users.delete`.
    rev_users_delete: "/rev-users.delete", RevUsersDeleteRequest => Empty;
    /// `sys-users.list`.
    sys_users_list: "/sys-users.list", SysUsersListRequest => SysUsersListResponse;
    /// `sys-users.update`.
    sys_users_update: "/sys-users.update", SysUsersUpdateRequest => SysUsersUpdateResponse;
    /// `accounts.create`.
    accounts_create: "/accounts.create", AccountsCreateRequest => AccountsCreateResponse;
    /// `accounts.get`.
    accounts_get: "/accounts.get", AccountsGetRequest => AccountsGetResponse;
    /// `accounts.list`.
    accounts_list: "/accounts.list", AccountsListRequest => AccountsListResponse;
    /// `accounts.update`.
    accounts_update: "/accounts.update", AccountsUpdateRequest => AccountsUpdateResponse;
    /// `accounts.delete`.
    accounts_delete: "/accounts.delete", AccountsDeleteRequest => Empty;
    /// `rev-orgs.create`.
    rev_orgs_create: "/rev-orgs.create", RevOrgsCreateRequest => RevOrgsCreateResponse;
    /// `rev-orgs.get`.
    rev_orgs_get: "/rev-orgs.get", RevOrgsGetRequest => RevOrgsGetResponse;
    /// `rev-orgs.list`.
    rev_orgs_list: "/rev-orgs.list", RevOrgsListRequest => RevOrgsListResponse;
    /// `rev-orgs.update`.
    rev_orgs_update: "/rev-orgs.update", RevOrgsUpdateRequest => RevOrgsUpdateResponse;
    /// `rev-orgs.delete`.
    rev_orgs_delete: "/rev-orgs.delete", RevOrgsDeleteRequest => Empty;
    /// `tags.create`.
    tags_create: "/tags.create", TagsCreateRequest => TagsCreateResponse;
    /// `tags.get`.
    tags_get: "/tags.get", TagsGetRequest => TagsGetResponse;
    /// `tags.list`.
    tags_list: "/tags.list", TagsListRequest => TagsListResponse;
    /// `tags.update`.
    tags_update: "/tags.update", TagsUpdateRequest => TagsUpdateResponse;
    /// `tags.delete`.
    tags_delete: "/tags.delete", TagsDeleteRequest => Empty;
}
