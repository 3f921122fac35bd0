//! Webhooks (§8.7): commands, views and the pure rules of `webhooks.*`. Delivering events is
//! the delivery worker's job; this module decides what a webhook is and when it must prove
//! its endpoint again (the verify handshake).

use revdir_api::webhooks as wire;
pub use revdir_api::webhooks::WebhookEventType;

use crate::error::ValidationError;
use crate::ids::{don, parse_any_id, parse_id, ObjectKind, ParsedId};
use crate::refs::UserSummaryData;
use crate::time::Timestamp;
use crate::values;

/// Most headers a webhook may carry (§8.7).
pub const MAX_HEADERS: usize = 8;
/// Fewest bytes of a given secret.
pub const MIN_SECRET: usize = 8;
/// Most bytes of a given secret.
pub const MAX_SECRET: usize = 32;
/// Length of a generated secret (alphanumerics, so bytes and characters agree).
pub const GENERATED_SECRET_LEN: usize = 32;
/// Longest URL accepted.
pub const MAX_URL: usize = 2048;

/// Header names the delivery sets itself, or that would break the request's framing or its
/// signature, so a webhook may not carry them (docs/API-CONVENTIONS.md entry 80).
pub const RESERVED_HEADERS: &[&str] =
    &["connection", "content-length", "content-type", "host", "transfer-encoding", "x-devrev-signature"];

/// The kinds of object `webhooks.fetch` can deliver.
pub const FETCHABLE: &[ObjectKind] =
    &[ObjectKind::RevUser, ObjectKind::Account, ObjectKind::RevOrg, ObjectKind::DevUser, ObjectKind::Tag];

/// Whether a webhook receives events (`webhook-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Verified; receives events.
    Active,
    /// Turned off by its owner.
    Inactive,
    /// Waiting for its endpoint to answer a verify challenge.
    Unverified,
}

impl WebhookStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Unverified => "unverified",
        }
    }

    /// The status a stored name stands for; an unknown name reads as `unverified`, which
    /// sends nothing until the endpoint proves itself.
    pub fn from_stored(name: &str) -> Self {
        match name {
            "active" => Self::Active,
            "inactive" => Self::Inactive,
            _ => Self::Unverified,
        }
    }

    fn render(self) -> wire::WebhookStatus {
        match self {
            Self::Active => wire::WebhookStatus::Active,
            Self::Inactive => wire::WebhookStatus::Inactive,
            Self::Unverified => wire::WebhookStatus::Unverified,
        }
    }
}

/// A header sent with every invocation, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// Name: ASCII alphanumerics, `-` and `_`.
    pub name: String,
    /// Value: no control characters.
    pub value: String,
}

/// A stored webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    /// Local id (`…:webhook/<id>`).
    pub id: i64,
    /// Where invocations are POSTed.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// Whether it receives events.
    pub status: WebhookStatus,
    /// Subscribed event types, without repeats, in the order they were added.
    pub event_types: Vec<WebhookEventType>,
    /// Headers, names unique regardless of case.
    pub headers: Vec<Header>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last change time.
    pub modified_date: Timestamp,
}

/// A webhook with the users it references, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookView {
    /// The webhook.
    pub webhook: WebhookRecord,
    /// Creator.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier.
    pub modified_by: Option<UserSummaryData>,
}

impl WebhookView {
    /// Renders the wire `webhook`, secret included: the spec requires it, and only callers
    /// who may manage the webhook can read it.
    pub fn render(&self, org: &str) -> wire::Webhook {
        let w = &self.webhook;
        wire::Webhook {
            id: don(ObjectKind::Webhook, org, w.id),
            display_id: None,
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(w.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(w.modified_date.to_rfc3339()),
            event_types: Some(w.event_types.clone()),
            headers: Some(
                w.headers
                    .iter()
                    .map(|h| wire::WebhookHeader { name: h.name.clone(), value: h.value.clone() })
                    .collect(),
            ),
            secret: w.secret.clone(),
            status: w.status.render(),
            url: w.url.clone(),
        }
    }
}

/// A secret as requested: a value, or one to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretInput {
    /// Use this secret (8 to 32 bytes).
    Given(String),
    /// Generate a new one.
    Generate,
}

impl SecretInput {
    /// The secret to store, calling `fresh` when one must be generated.
    pub fn resolve(&self, fresh: impl FnOnce() -> String) -> String {
        match self {
            Self::Given(s) => s.clone(),
            Self::Generate => fresh(),
        }
    }
}

/// A new webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDraft {
    /// Endpoint URL (the server's URL policy checks it before the store sees it).
    pub url: String,
    /// Secret.
    pub secret: SecretInput,
    /// Event types, without repeats.
    pub event_types: Vec<WebhookEventType>,
    /// Headers.
    pub headers: Vec<Header>,
}

/// A change of the event types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypesChange {
    /// Replace them.
    Set(Vec<WebhookEventType>),
    /// Add these (present ones are no-ops), then remove those (absent ones are no-ops).
    Edit {
        /// To add.
        add: Vec<WebhookEventType>,
        /// To remove.
        remove: Vec<WebhookEventType>,
    },
}

/// A change of the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadersChange {
    /// Replace them.
    Set(Vec<Header>),
    /// Remove these names (absent ones are no-ops), then add these (replacing same names).
    Edit {
        /// To add or replace.
        add: Vec<Header>,
        /// Names to remove.
        remove: Vec<String>,
    },
}

/// `webhooks.update {action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Turn on: `active` once verified.
    Activate,
    /// Turn off.
    Deactivate,
}

/// Changes to a webhook; `None` leaves a part as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookPatch {
    /// Which webhook.
    pub id: ParsedId,
    /// New URL (checked by the server's URL policy).
    pub url: Option<String>,
    /// New secret.
    pub secret: Option<SecretInput>,
    /// New event types.
    pub event_types: Option<EventTypesChange>,
    /// New headers.
    pub headers: Option<HeadersChange>,
    /// Turn on or off.
    pub action: Option<StatusAction>,
}

/// What an applied patch asks of the store besides saving the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Send a new verify challenge (superseding any pending one).
    pub verify: bool,
    /// Cancel pending verify challenges: an inactive webhook must not turn active because
    /// an old challenge was answered.
    pub cancel_verify: bool,
    /// The event types changed, so the subscriptions must be rewritten.
    pub event_types_changed: bool,
}

/// `webhooks.fetch`: deliver an object to a webhook as if it had just been updated.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookFetch {
    /// The webhook.
    pub webhook: ParsedId,
    /// The object's kind, one of [`FETCHABLE`].
    pub kind: ObjectKind,
    /// The object.
    pub object: ParsedId,
}

/// The event type and payload key a fetched object of `kind` is delivered under: the
/// family's `_updated` event without an old copy (docs/API-CONVENTIONS.md entry 81).
pub fn fetched_event(kind: ObjectKind) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::RevUser => ("rev_user_updated", "rev_user"),
        ObjectKind::Account => ("account_updated", "account"),
        ObjectKind::RevOrg => ("rev_org_updated", "rev_org"),
        ObjectKind::DevUser => ("dev_user_updated", "dev_user"),
        _ => ("tag_updated", "tag"),
    }
}

fn url(field: &str, input: &str) -> Result<String, ValidationError> {
    let url = values::non_blank(field, input.trim())?;
    if url.len() > MAX_URL {
        return Err(ValidationError::not_permitted(field, format!("longer than {MAX_URL} bytes")));
    }
    Ok(url)
}

/// An empty secret means "generate one"; any other must be 8 to 32 bytes.
fn secret(input: Option<&str>) -> Result<SecretInput, ValidationError> {
    match input {
        None | Some("") => Ok(SecretInput::Generate),
        Some(s) if (MIN_SECRET..=MAX_SECRET).contains(&s.len()) => Ok(SecretInput::Given(s.to_owned())),
        // The length only: a secret is never echoed.
        Some(s) => Err(ValidationError::not_permitted(
            "secret",
            format!("must be between {MIN_SECRET} and {MAX_SECRET} bytes; it has {}", s.len()),
        )),
    }
}

/// Whether `name` may name a header: ASCII alphanumerics, `-` and `_` (§8.7).
pub fn valid_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn header(field: &str, h: &wire::WebhookHeader) -> Result<Header, ValidationError> {
    let name_field = format!("{field}.name");
    if !valid_header_name(&h.name) {
        return Err(ValidationError::not_permitted(
            &name_field,
            "a header name takes only ASCII letters, digits, '-' and '_'",
        ));
    }
    if RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(&h.name)) {
        return Err(ValidationError::not_permitted(
            &name_field,
            format!("{} is set by the delivery itself", h.name.to_ascii_lowercase()),
        ));
    }
    let value_field = format!("{field}.value");
    if h.value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ValidationError::not_permitted(&value_field, "a header value may not hold control characters"));
    }
    Ok(Header { name: values::text(&name_field, &h.name)?, value: values::text(&value_field, &h.value)? })
}

fn headers(field: &str, input: &[wire::WebhookHeader]) -> Result<Vec<Header>, ValidationError> {
    input.iter().enumerate().map(|(i, h)| header(&format!("{field}[{i}]"), h)).collect()
}

/// Adds `h`, replacing a header of the same name (names compare regardless of case, as
/// HTTP's do) in its place.
fn put_header(list: &mut Vec<Header>, h: Header) {
    match list.iter_mut().find(|o| o.name.eq_ignore_ascii_case(&h.name)) {
        Some(o) => *o = h,
        None => list.push(h),
    }
}

fn check_header_count(list: &[Header]) -> Result<(), ValidationError> {
    if list.len() > MAX_HEADERS {
        return Err(ValidationError::not_permitted(
            "headers",
            format!("a webhook carries at most {MAX_HEADERS} headers; this would make {}", list.len()),
        ));
    }
    Ok(())
}

fn distinct(types: &[WebhookEventType]) -> Vec<WebhookEventType> {
    let mut out: Vec<WebhookEventType> = Vec::with_capacity(types.len());
    for t in types {
        if !out.contains(t) {
            out.push(*t);
        }
    }
    out
}

fn exclusive(field: &str, has_set: bool, has_edit: bool) -> Result<(), ValidationError> {
    if has_set && has_edit {
        return Err(ValidationError::not_permitted(field, "set cannot be combined with add or remove"));
    }
    Ok(())
}

impl TryFrom<&wire::WebhooksCreateRequest> for WebhookDraft {
    type Error = ValidationError;
    fn try_from(r: &wire::WebhooksCreateRequest) -> Result<Self, Self::Error> {
        let mut list = Vec::new();
        for h in headers("headers", r.headers.as_deref().unwrap_or_default())? {
            put_header(&mut list, h);
        }
        check_header_count(&list)?;
        Ok(Self {
            url: url("url", &r.url)?,
            secret: secret(r.secret.as_deref())?,
            event_types: distinct(r.event_types.as_deref().unwrap_or_default()),
            headers: list,
        })
    }
}

impl TryFrom<&wire::WebhooksUpdateRequest> for WebhookPatch {
    type Error = ValidationError;
    fn try_from(r: &wire::WebhooksUpdateRequest) -> Result<Self, Self::Error> {
        let event_types = match &r.event_types {
            None => None,
            Some(e) => {
                exclusive("event_types", e.set.is_some(), e.add.is_some() || e.remove.is_some())?;
                Some(match &e.set {
                    Some(set) => EventTypesChange::Set(distinct(set)),
                    None => EventTypesChange::Edit {
                        add: distinct(e.add.as_deref().unwrap_or_default()),
                        remove: distinct(e.remove.as_deref().unwrap_or_default()),
                    },
                })
            }
        };
        let headers = match &r.headers {
            None => None,
            Some(h) => {
                exclusive("headers", h.set.is_some(), h.add.is_some() || h.remove.is_some())?;
                Some(match &h.set {
                    Some(set) => {
                        let mut list = Vec::new();
                        for h in headers("headers.set", set)? {
                            put_header(&mut list, h);
                        }
                        check_header_count(&list)?;
                        HeadersChange::Set(list)
                    }
                    None => HeadersChange::Edit {
                        add: headers("headers.add", h.add.as_deref().unwrap_or_default())?,
                        remove: h.remove.clone().unwrap_or_default(),
                    },
                })
            }
        };
        Ok(Self {
            id: parse_id("id", &r.id, ObjectKind::Webhook)?,
            url: r.url.as_deref().map(|u| url("url", u)).transpose()?,
            secret: r.secret.as_deref().map(|s| secret(Some(s))).transpose()?,
            event_types,
            headers,
            action: r.action.map(|a| match a {
                wire::WebhooksUpdateAction::Activate => StatusAction::Activate,
                wire::WebhooksUpdateAction::Deactivate => StatusAction::Deactivate,
            }),
        })
    }
}

impl WebhookPatch {
    /// Applies the patch to `w` (calling `fresh_secret` when a secret must be generated)
    /// and says what else the store must do (docs/API-CONVENTIONS.md entries 77–79):
    /// - a new URL or secret takes an `active` webhook back to `unverified` and sends a
    ///   new challenge; an `inactive` one stays `inactive`;
    /// - `deactivate` makes any webhook `inactive` and cancels pending challenges;
    /// - `activate` leaves an `active` webhook whose endpoint did not change as it is, and
    ///   otherwise makes it `unverified` with a new challenge: it becomes `active` when its
    ///   endpoint answers.
    ///
    /// # Errors
    /// `value_not_permitted` on `headers` when the webhook would carry more than
    /// [`MAX_HEADERS`] headers.
    pub fn apply(
        &self,
        w: &mut WebhookRecord,
        fresh_secret: impl FnOnce() -> String,
    ) -> Result<Applied, ValidationError> {
        let mut applied = Applied::default();
        let mut endpoint_changed = false;
        if let Some(u) = &self.url {
            endpoint_changed |= *u != w.url;
            w.url = u.clone();
        }
        if let Some(s) = &self.secret {
            let s = s.resolve(fresh_secret);
            endpoint_changed |= s != w.secret;
            w.secret = s;
        }
        if let Some(change) = &self.event_types {
            let before = w.event_types.clone();
            match change {
                EventTypesChange::Set(set) => w.event_types = set.clone(),
                EventTypesChange::Edit { add, remove } => {
                    for t in add {
                        if !w.event_types.contains(t) {
                            w.event_types.push(*t);
                        }
                    }
                    w.event_types.retain(|t| !remove.contains(t));
                }
            }
            applied.event_types_changed = w.event_types != before;
        }
        if let Some(change) = &self.headers {
            match change {
                HeadersChange::Set(set) => w.headers = set.clone(),
                HeadersChange::Edit { add, remove } => {
                    w.headers.retain(|h| !remove.iter().any(|r| r.eq_ignore_ascii_case(&h.name)));
                    for h in add {
                        put_header(&mut w.headers, h.clone());
                    }
                }
            }
            check_header_count(&w.headers)?;
        }
        let before = w.status;
        w.status = match (self.action, before) {
            (Some(StatusAction::Deactivate), _) | (None, WebhookStatus::Inactive) => WebhookStatus::Inactive,
            (Some(StatusAction::Activate), WebhookStatus::Active) if !endpoint_changed => WebhookStatus::Active,
            (Some(StatusAction::Activate), _) => WebhookStatus::Unverified,
            (None, _) if endpoint_changed => WebhookStatus::Unverified,
            (None, s) => s,
        };
        applied.verify =
            w.status == WebhookStatus::Unverified && (endpoint_changed || self.action == Some(StatusAction::Activate));
        applied.cancel_verify = w.status == WebhookStatus::Inactive;
        Ok(applied)
    }
}

impl WebhookFetch {
    /// Parses `webhooks.fetch {id, object}`.
    ///
    /// # Errors
    /// `invalid_id`/`unexpected_id_type` for either id; `object` must name a rev user,
    /// account, rev org, dev user or tag.
    pub fn parse(r: &wire::WebhooksFetchRequest) -> Result<Self, ValidationError> {
        let webhook = parse_id("id", &r.id, ObjectKind::Webhook)?;
        let (kind, object) = parse_any_id("object", &r.object, FETCHABLE)?;
        Ok(Self { webhook, kind, object })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revdir_api::ErrorKind;
    use WebhookEventType as E;

    fn record(status: WebhookStatus) -> WebhookRecord {
        WebhookRecord {
            id: 1,
            url: "https://a.example/hook".into(),
            secret: "s3cret-s3cret".into(),
            status,
            event_types: vec![E::RevUserCreated],
            headers: vec![Header { name: "X-One".into(), value: "1".into() }],
            created_date: Timestamp::from_millis(1),
            modified_date: Timestamp::from_millis(1),
        }
    }

    fn patch(r: wire::WebhooksUpdateRequest) -> Result<WebhookPatch, ValidationError> {
        WebhookPatch::try_from(&wire::WebhooksUpdateRequest {
            id: "don:integration:dvrv-us-1:devo/o:webhook/1".into(),
            ..r
        })
    }

    fn field_of(e: &ValidationError) -> String {
        match &e.kind {
            ErrorKind::ValueNotPermitted { field_name, .. } => field_name.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn secrets_are_8_to_32_bytes_or_generated() {
        assert_eq!(secret(None).unwrap(), SecretInput::Generate);
        assert_eq!(secret(Some("")).unwrap(), SecretInput::Generate);
        assert_eq!(secret(Some("12345678")).unwrap(), SecretInput::Given("12345678".into()));
        assert!(secret(Some(&"x".repeat(32))).is_ok());
        for bad in ["1234567", &"x".repeat(33), "ééé"] {
            let e = secret(Some(bad)).unwrap_err();
            assert_eq!(field_of(&e), "secret");
            assert!(!e.message.contains(bad), "a secret is never echoed");
        }
    }

    #[test]
    fn header_names_and_counts() {
        for ok in ["X-Api-Key", "a_b", "9"] {
            assert!(valid_header_name(ok), "{ok}");
        }
        for bad in ["", "X Api", "X:Y", "é", "a.b"] {
            assert!(!valid_header_name(bad), "{bad}");
        }
        let h = |n: &str| wire::WebhookHeader { name: n.into(), value: "v".into() };
        let create = |hs: Vec<wire::WebhookHeader>| {
            WebhookDraft::try_from(&wire::WebhooksCreateRequest {
                url: "https://a.example".into(),
                headers: Some(hs),
                ..Default::default()
            })
        };
        assert_eq!(field_of(&create(vec![h("ok"), h("no way")]).unwrap_err()), "headers[1].name");
        assert_eq!(field_of(&create(vec![h("Host")]).unwrap_err()), "headers[0].name");
        let bad_value = wire::WebhookHeader { name: "X".into(), value: "a\r\nInjected: 1".into() };
        assert_eq!(field_of(&create(vec![bad_value]).unwrap_err()), "headers[0].value");
        assert_eq!(field_of(&create((0..9).map(|i| h(&format!("h{i}"))).collect()).unwrap_err()), "headers");
        let d = create(vec![h("X-A"), wire::WebhookHeader { name: "x-a".into(), value: "2".into() }]).unwrap();
        assert_eq!(d.headers, vec![Header { name: "x-a".into(), value: "2".into() }], "the same name replaces");
    }

    #[test]
    fn event_types_set_excludes_add_and_remove() {
        let e = patch(wire::WebhooksUpdateRequest {
            event_types: Some(wire::WebhooksUpdateRequestEventTypes {
                set: Some(vec![]),
                add: Some(vec![E::TagCreated]),
                remove: None,
            }),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(field_of(&e), "event_types");
        let mut w = record(WebhookStatus::Active);
        let p = patch(wire::WebhooksUpdateRequest {
            event_types: Some(wire::WebhooksUpdateRequestEventTypes {
                add: Some(vec![E::RevUserCreated, E::TagCreated]),
                remove: Some(vec![E::WorkCreated]),
                set: None,
            }),
            ..Default::default()
        })
        .unwrap();
        let a = p.apply(&mut w, String::new).unwrap();
        assert_eq!(w.event_types, vec![E::RevUserCreated, E::TagCreated]);
        assert!(a.event_types_changed);
        assert_eq!(w.status, WebhookStatus::Active, "event types leave the status alone");
        let a = p.apply(&mut w, String::new).unwrap();
        assert!(!a.event_types_changed, "adding present types and removing absent ones is a no-op");
    }

    #[test]
    fn headers_edit_replaces_removes_and_counts() {
        let mut w = record(WebhookStatus::Active);
        let add = |n: &str, v: &str| wire::WebhookHeader { name: n.into(), value: v.into() };
        let p = patch(wire::WebhooksUpdateRequest {
            headers: Some(wire::WebhooksUpdateRequestHeaders {
                add: Some(vec![add("x-one", "2"), add("X-Two", "t")]),
                remove: Some(vec!["absent".into()]),
                set: None,
            }),
            ..Default::default()
        })
        .unwrap();
        p.apply(&mut w, String::new).unwrap();
        assert_eq!(
            w.headers,
            vec![
                Header { name: "x-one".into(), value: "2".into() },
                Header { name: "X-Two".into(), value: "t".into() }
            ]
        );
        let many = patch(wire::WebhooksUpdateRequest {
            headers: Some(wire::WebhooksUpdateRequestHeaders {
                add: Some((0..7).map(|i| add(&format!("h{i}"), "v")).collect()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(field_of(&many.apply(&mut w.clone(), String::new).unwrap_err()), "headers");
    }

    #[test]
    fn endpoint_changes_and_actions_move_the_status() {
        use StatusAction::*;
        use WebhookStatus::*;
        let run = |status, url: Option<&str>, secret: Option<&str>, action| {
            let mut w = record(status);
            let p = WebhookPatch {
                id: ParsedId { org: None, local: "1".into() },
                url: url.map(str::to_owned),
                secret: secret.map(|s| super::secret(Some(s)).unwrap()),
                event_types: None,
                headers: None,
                action,
            };
            let a = p.apply(&mut w, || "generated-generated".into()).unwrap();
            assert_eq!(w.secret == "generated-generated", secret == Some(""));
            (w.status, a.verify, a.cancel_verify)
        };
        let new_url = Some("https://b.example/hook");
        assert_eq!(run(Active, new_url, None, None), (Unverified, true, false), "a new challenge for the new URL");
        assert_eq!(run(Unverified, new_url, None, None), (Unverified, true, false));
        assert_eq!(run(Inactive, new_url, None, None), (Inactive, false, true), "an inactive webhook stays inactive");
        assert_eq!(run(Active, Some("https://a.example/hook"), None, None), (Active, false, false), "same URL");
        assert_eq!(run(Active, None, Some("s3cret-s3cret"), None), (Active, false, false), "same secret");
        assert_eq!(run(Active, None, Some("another-secret"), None), (Unverified, true, false));
        assert_eq!(run(Active, None, Some(""), None), (Unverified, true, false), "an empty secret regenerates");
        assert_eq!(run(Active, None, None, Some(Deactivate)), (Inactive, false, true));
        assert_eq!(run(Unverified, None, None, Some(Deactivate)), (Inactive, false, true));
        assert_eq!(run(Active, None, None, Some(Activate)), (Active, false, false));
        assert_eq!(run(Inactive, None, None, Some(Activate)), (Unverified, true, false));
        assert_eq!(run(Unverified, None, None, Some(Activate)), (Unverified, true, false));
        assert_eq!(run(Active, new_url, None, Some(Activate)), (Unverified, true, false));
        assert_eq!(run(Active, new_url, None, Some(Deactivate)), (Inactive, false, true));
    }

    #[test]
    fn fetch_takes_the_directory_kinds() {
        let f = |object: &str| {
            WebhookFetch::parse(&wire::WebhooksFetchRequest {
                id: "don:integration:dvrv-us-1:devo/o:webhook/2".into(),
                object: object.into(),
            })
        };
        assert_eq!(f("REVU-3").unwrap().kind, ObjectKind::RevUser);
        assert_eq!(f("ACC-3").unwrap().kind, ObjectKind::Account);
        assert_eq!(f("TAG-3").unwrap().kind, ObjectKind::Tag);
        assert_eq!(f("DEVU-3").unwrap().kind, ObjectKind::DevUser);
        assert!(matches!(f("ARTIFACT-3").unwrap_err().kind, ErrorKind::UnexpectedIdType { .. }));
        assert!(matches!(f("nope").unwrap_err().kind, ErrorKind::InvalidId { .. }));
        assert_eq!(fetched_event(ObjectKind::RevOrg), ("rev_org_updated", "rev_org"));
    }
}
