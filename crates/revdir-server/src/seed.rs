//! Seed files (issue 16): a YAML or JSON document of tags, schema fragments, accounts, rev
//! orgs, contacts and webhooks, loaded into one dev org through the same wire types, parsers
//! and store calls as the API, so every validation applies.
//!
//! Each entry is the body its `*.create` operation takes (`schemas.custom.set` for schemas)
//! plus an optional `ref`. Wherever a body takes an id of a tag, schema fragment, account or
//! rev org, it may instead name a `ref` of the document (a tag also by its `name`).
//!
//! All or nothing: [`load`] first parses every entry with the refs standing for well-formed
//! placeholder ids, so a bad value anywhere is found before anything is written, and answers
//! one 400 naming the value's document path (`rev_users[3].phone_numbers[0]`). Only what the
//! stored data can reveal (a 409 on an external ref another object holds, a custom field
//! breaking its schema) fails while writing; then the objects already created are deleted
//! again, newest first (API-CONVENTIONS entry 126 says what that leaves behind).

use std::collections::{BTreeMap, HashMap, HashSet};

use revdir_api::accounts::AccountsCreateRequest;
use revdir_api::rev_orgs::RevOrgsCreateRequest;
use revdir_api::rev_users::RevUsersCreateRequest;
use revdir_api::schemas::CustomSchemaFragmentsSetRequest;
use revdir_api::tags::TagsCreateRequest;
use revdir_api::webhooks::WebhooksCreateRequest;
use revdir_api::ErrorKind;
use revdir_core::custom::{parse_fragment_id, FragmentSet};
use revdir_core::ids::{don, parse_id, ObjectKind, ParsedId};
use revdir_core::orgs::{AccountDraft, RevOrgDraft};
use revdir_core::refs::UserRef;
use revdir_core::store::Store;
use revdir_core::tags::TagDraft;
use revdir_core::time::Timestamp;
use revdir_core::users::RevUserDraft;
use revdir_core::webhooks::WebhookDraft;
use revdir_core::{DevOrgScope, StoreError, ValidationError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::extract::decode_error;
use crate::outbound::UrlPolicy;

/// The document's sections, in the order they load: each only names kinds loaded before it.
const SECTIONS: [&str; 6] = ["tags", "schemas", "accounts", "rev_orgs", "rev_users", "webhooks"];

/// Most entries a document may hold.
const MAX_ENTRIES: usize = 10_000;

/// What a ref or an id field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Tag,
    Schema,
    Account,
    RevOrg,
    /// Contacts and webhooks: nothing in a document names them, but they may carry a ref,
    /// which the report maps to their ids.
    Other,
}

impl Target {
    fn of_section(section: &str) -> Self {
        match section {
            "tags" => Self::Tag,
            "schemas" => Self::Schema,
            "accounts" => Self::Account,
            "rev_orgs" => Self::RevOrg,
            _ => Self::Other,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Schema => "schema fragment",
            Self::Account => "account",
            Self::RevOrg => "rev org",
            Self::Other => "contact or webhook",
        }
    }

    /// Whether `value` is a well-formed id of this kind.
    fn is_id(self, value: &str) -> bool {
        match self {
            Self::Tag => parse_id("id", value, ObjectKind::Tag).is_ok(),
            Self::Schema => parse_fragment_id("id", value).is_ok(),
            Self::Account => parse_id("id", value, ObjectKind::Account).is_ok(),
            Self::RevOrg => parse_id("id", value, ObjectKind::RevOrg).is_ok(),
            Self::Other => false,
        }
    }

    /// A well-formed id of this kind in `org` that stands for the `n`th ref while the
    /// document is checked, before anything exists; distinct refs get distinct ids, so a
    /// rule against naming one object twice still applies.
    fn placeholder(self, org: &str, n: usize) -> String {
        match self {
            Self::Tag => don(ObjectKind::Tag, org, n),
            Self::Schema => format!("don:core:{}:devo/{org}:tenant_fragment/{n}", revdir_core::ids::REGION),
            Self::Account => don(ObjectKind::Account, org, n),
            Self::RevOrg | Self::Other => don(ObjectKind::RevOrg, org, format!("seed{n}")),
        }
    }
}

/// One entry of a document.
#[derive(Debug, Clone)]
struct Entry {
    /// Its section (`rev_users`).
    section: &'static str,
    /// Its path in the document (`rev_users[3]`).
    path: String,
    /// Its `ref`, if it has one.
    reference: Option<String>,
    /// The operation's body: the entry without `ref`.
    body: Map<String, Value>,
}

/// A parsed seed document, its entries in load order; see the module's documentation.
#[derive(Debug, Clone, Default)]
pub struct SeedDocument {
    entries: Vec<Entry>,
}

/// What a load created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    /// Tags created.
    pub tags: usize,
    /// Schema fragments set.
    pub schemas: usize,
    /// Accounts created.
    pub accounts: usize,
    /// Rev orgs created.
    pub rev_orgs: usize,
    /// Contacts created.
    pub rev_users: usize,
    /// Webhooks created.
    pub webhooks: usize,
    /// The id (DON) each `ref` of the document now names.
    pub refs: BTreeMap<String, String>,
}

/// A 400 naming `field`.
fn bad(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::BadRequest(ValidationError::not_permitted(field, reason))
}

impl SeedDocument {
    /// Parses a YAML or JSON document (JSON is YAML).
    ///
    /// # Errors
    /// 400 `parse_error` when the text is neither; as [`SeedDocument::from_value`] otherwise.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let value: Value = yaml_serde::from_str(text).map_err(|e| {
            ApiError::BadRequest(ValidationError {
                kind: ErrorKind::ParseError,
                message: format!("the seed document is not valid YAML or JSON: {e}"),
            })
        })?;
        Self::from_value(value)
    }

    /// Checks a document's shape: an object of the known sections, each a list of objects
    /// whose `ref`s (and tags' names) are unique.
    ///
    /// # Errors
    /// 400 naming the offending path.
    pub fn from_value(value: Value) -> Result<Self, ApiError> {
        let Value::Object(mut top) = value else {
            return Err(ApiError::bad_request("a seed document must be an object of sections"));
        };
        if let Some(unknown) = top.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
            return Err(ApiError::BadRequest(ValidationError::invalid_field(
                unknown,
                format!("'{unknown}' is not a seed section; the sections are {}", SECTIONS.join(", ")),
            )));
        }
        let mut entries = Vec::new();
        let mut refs: HashMap<String, String> = HashMap::new();
        for section in SECTIONS {
            let items = match top.remove(section) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(items)) => items,
                Some(_) => return Err(bad(section, "must be a list of entries")),
            };
            for (i, item) in items.into_iter().enumerate() {
                let path = format!("{section}[{i}]");
                let Value::Object(mut body) = item else { return Err(bad(&path, "must be an object")) };
                let reference = match body.remove("ref") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(r)) if !r.trim().is_empty() => Some(r),
                    Some(_) => return Err(bad(&format!("{path}.ref"), "must be a non-blank string")),
                };
                let mut names = vec![reference.clone().map(|r| (r, format!("{path}.ref")))];
                if section == "tags" {
                    if let Some(Value::String(name)) = body.get("name") {
                        names.push(Some((name.clone(), format!("{path}.name"))));
                    }
                }
                for (name, at) in names.into_iter().flatten() {
                    if let Some(first) = refs.insert(name.clone(), at.clone()) {
                        // A tag's ref may repeat its own name.
                        if !first.starts_with(&format!("{path}.")) {
                            return Err(bad(&at, format!("'{name}' already names {first}")));
                        }
                    }
                }
                entries.push(Entry { section, path, reference, body });
            }
        }
        if entries.len() > MAX_ENTRIES {
            return Err(ApiError::bad_request(format!("a seed document holds at most {MAX_ENTRIES} entries")));
        }
        Ok(Self { entries })
    }

    /// Whether the document has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The command an entry stands for, parsed as its operation parses it.
enum Command {
    Tag(TagDraft),
    Schema(FragmentSet),
    Account(AccountDraft),
    RevOrg(RevOrgDraft),
    RevUser(RevUserDraft),
    Webhook(WebhookDraft),
}

/// Decodes a body into an operation's request type, as `ApiJson` does.
fn decode<T: DeserializeOwned>(body: Value) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(body).map_err(|e| decode_error(&e.path().to_string(), &e.inner().to_string()))
}

/// Parses an entry's body (its refs already replaced by ids).
fn command(section: &str, body: Value) -> Result<Command, ValidationError> {
    Ok(match section {
        "tags" => Command::Tag(TagDraft::try_from(&decode::<TagsCreateRequest>(body)?)?),
        "schemas" => Command::Schema(FragmentSet::try_from(&decode::<CustomSchemaFragmentsSetRequest>(body)?)?),
        "accounts" => Command::Account(AccountDraft::try_from(&decode::<AccountsCreateRequest>(body)?)?),
        "rev_orgs" => Command::RevOrg(RevOrgDraft::try_from(&decode::<RevOrgsCreateRequest>(body)?)?),
        "rev_users" => Command::RevUser(RevUserDraft::try_from(&decode::<RevUsersCreateRequest>(body)?)?),
        _ => Command::Webhook(WebhookDraft::try_from(&decode::<WebhooksCreateRequest>(body)?)?),
    })
}

/// The field an error names, if its kind names one.
fn field_name(kind: &mut ErrorKind) -> Option<&mut String> {
    match kind {
        ErrorKind::InvalidEnumValue { field_name, .. }
        | ErrorKind::InvalidField { field_name }
        | ErrorKind::InvalidId { field_name }
        | ErrorKind::MissingRequiredField { field_name }
        | ErrorKind::UnexpectedIdType { field_name }
        | ErrorKind::UnexpectedJsonType { field_name, .. }
        | ErrorKind::ValueNotPermitted { field_name, .. } => Some(field_name),
        ErrorKind::CustomizationValidationError { field_name, .. } => field_name.as_mut(),
        _ => None,
    }
}

/// Rewrites an error about an entry's body to name the document path: `rev_users[3].` before
/// the field, and the item's index when the field is a list and the message quotes one of
/// its values (`phone_numbers` → `phone_numbers[0]`).
fn at_path(entry: &Entry, mut e: ValidationError) -> ValidationError {
    let quoted = |s: &str| e.message.contains(&format!("'{s}'"));
    let mut renamed = None;
    if let Some(field) = field_name(&mut e.kind) {
        let mut local = field.clone();
        // A custom field's error names the field alone; the document nests it.
        if entry.body.get("custom_fields").and_then(|c| c.get(field.as_str())).is_some() {
            local = format!("custom_fields.{field}");
        }
        if let Some(Value::Array(items)) = entry.body.get(field.as_str()) {
            if let Some(i) = items.iter().position(|v| v.as_str().is_some_and(&quoted)) {
                local = format!("{local}[{i}]");
            }
        }
        renamed = Some((field.clone(), format!("{}.{local}", entry.path)));
    }
    match renamed {
        Some((old, new)) => {
            if let Some(field) = field_name(&mut e.kind) {
                field.clone_from(&new);
            }
            e.message = match e.message.strip_prefix(&old) {
                Some(rest) => format!("{new}{rest}"),
                None => format!("{new}: {}", e.message),
            };
        }
        None => e.message = format!("{}: {}", entry.path, e.message),
    }
    e
}

/// A store failure while loading `entry`, as the one error of the load.
fn store_error(entry: &Entry, e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(v) => ApiError::BadRequest(at_path(entry, v)),
        StoreError::Conflict(m) => ApiError::Conflict(format!("{}: {m}", entry.path)),
        // An id the entry names that does not exist here.
        StoreError::NotFound(m) => ApiError::BadRequest(ValidationError::not_permitted(&entry.path, m)),
        other => other.into(),
    }
}

/// How ref fields are filled in: with placeholders while checking, with real ids while
/// loading.
struct Names {
    /// Each ref (and tag name), what kind it names, and its id: a placeholder until the
    /// object is created.
    known: HashMap<String, (Target, String)>,
}

impl Names {
    /// The id `value` stands for in a field of `target` at `field`.
    fn resolve(&self, field: &str, target: Target, value: &Value) -> Result<Value, ValidationError> {
        let Some(text) = value.as_str() else { return Ok(value.clone()) };
        match self.known.get(text) {
            Some((t, id)) if *t == target => Ok(Value::String(id.clone())),
            Some((t, _)) => Err(ValidationError::not_permitted(
                field,
                format!("'{text}' names a {} of the document, not a {}", t.noun(), target.noun()),
            )),
            None if target.is_id(text) => Ok(value.clone()),
            None => Err(ValidationError::not_permitted(
                field,
                format!("'{text}' is neither a ref of the document nor a {} id", target.noun()),
            )),
        }
    }

    /// The entry's body with every ref replaced by the id it names.
    fn body_of(&self, entry: &Entry) -> Result<Value, ValidationError> {
        let mut body = entry.body.clone();
        let at = |name: &str| format!("{}.{name}", entry.path);
        for (name, target) in [("account", Target::Account), ("rev_org", Target::RevOrg)] {
            if entry.section == "rev_users" || (entry.section == "rev_orgs" && name == "account") {
                if let Some(v) = body.get_mut(name) {
                    *v = self.resolve(&at(name), target, v)?;
                }
            }
        }
        for name in ["custom_schema_fragments", "schema_fragment_ids"] {
            if let Some(Value::Array(items)) = body.get_mut(name) {
                for (i, v) in items.iter_mut().enumerate() {
                    *v = self.resolve(&at(&format!("{name}[{i}]")), Target::Schema, v)?;
                }
            }
        }
        if entry.section != "tags" {
            if let Some(Value::Array(tags)) = body.get_mut("tags") {
                for (i, t) in tags.iter_mut().enumerate() {
                    if let Some(v) = t.get_mut("id") {
                        *v = self.resolve(&at(&format!("tags[{i}].id")), Target::Tag, v)?;
                    }
                }
            }
        }
        Ok(Value::Object(body))
    }
}

/// The external refs an entry claims, with their paths, keyed by the namespace they share.
fn claimed_refs(entry: &Entry) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let ns = match entry.section {
        "accounts" => "accounts",
        "rev_orgs" => "rev_orgs",
        "rev_users" => "rev_users",
        _ => return out,
    };
    if let Some(Value::String(r)) = entry.body.get("external_ref") {
        out.push((ns, r.clone(), format!("{}.external_ref", entry.path)));
    }
    if let Some(Value::Array(items)) = entry.body.get("external_refs") {
        for (i, v) in items.iter().enumerate() {
            if let Some(r) = v.as_str() {
                out.push((ns, r.to_owned(), format!("{}.external_refs[{i}]", entry.path)));
            }
        }
    }
    out
}

/// Loads `doc` into the caller's org, as `scope`'s actor, all or nothing (see the module's
/// documentation). Webhook URLs are checked against `urls`, as `webhooks.create` does.
///
/// # Errors
/// One error, naming the document path of the bad value; nothing stays loaded.
pub async fn load(
    store: &dyn Store,
    scope: &DevOrgScope,
    doc: &SeedDocument,
    urls: &UrlPolicy,
    now: Timestamp,
) -> Result<SeedReport, ApiError> {
    let org = scope.dev_org.as_str();
    let mut names = Names { known: HashMap::new() };
    for (n, entry) in doc.entries.iter().enumerate() {
        let target = Target::of_section(entry.section);
        let placeholder = target.placeholder(org, n + 1);
        if let Some(r) = &entry.reference {
            names.known.insert(r.clone(), (target, placeholder.clone()));
        }
        if entry.section == "tags" {
            if let Some(Value::String(name)) = entry.body.get("name") {
                names.known.insert(name.clone(), (target, placeholder));
            }
        }
    }
    // Check everything before writing anything.
    let mut claimed: HashMap<(&str, String), String> = HashMap::new();
    let mut tag_names = HashSet::new();
    for entry in &doc.entries {
        if let Some(p) = crate::extract::nul::json_nul_path(&Value::Object(entry.body.clone())) {
            return Err(crate::extract::nul::nul_error(&format!("{}.{p}", entry.path)));
        }
        let body = names.body_of(entry).map_err(ApiError::BadRequest)?;
        let cmd = command(entry.section, body).map_err(|e| ApiError::BadRequest(at_path(entry, e)))?;
        if let Command::Webhook(w) = &cmd {
            urls.check(&w.url).await.map_err(|e| ApiError::BadRequest(at_path(entry, e)))?;
        }
        if let Command::Tag(t) = &cmd {
            if !tag_names.insert(t.name.to_lowercase()) {
                return Err(bad(&format!("{}.name", entry.path), "another tag of the document has this name"));
            }
        }
        for (ns, value, at) in claimed_refs(entry) {
            if let Some(first) = claimed.insert((ns, value.clone()), at.clone()) {
                return Err(bad(&at, format!("external ref '{value}' is also claimed by {first}")));
            }
        }
    }
    let mut created: Vec<(ObjectKind, String)> = Vec::new();
    let mut report = SeedReport::default();
    for entry in &doc.entries {
        match load_entry(store, scope, &names, entry, now, &mut report).await {
            Ok((kind, id)) => {
                if let Some(kind) = kind {
                    created.push((kind, id.clone()));
                }
                if let Some(r) = &entry.reference {
                    report.refs.insert(r.clone(), id.clone());
                }
                let target = Target::of_section(entry.section);
                if let Some(r) = &entry.reference {
                    names.known.insert(r.clone(), (target, id.clone()));
                }
                if entry.section == "tags" {
                    if let Some(Value::String(name)) = entry.body.get("name") {
                        names.known.insert(name.clone(), (target, id));
                    }
                }
            }
            Err(e) => {
                undo(store, scope, &created, now).await;
                return Err(e);
            }
        }
    }
    Ok(report)
}

/// Creates one entry's object; answers its kind (`None` for a schema fragment, which cannot
/// be deleted again) and id.
async fn load_entry(
    store: &dyn Store,
    scope: &DevOrgScope,
    names: &Names,
    entry: &Entry,
    now: Timestamp,
    report: &mut SeedReport,
) -> Result<(Option<ObjectKind>, String), ApiError> {
    let org = scope.dev_org.as_str();
    let body = names.body_of(entry).map_err(ApiError::BadRequest)?;
    let cmd = command(entry.section, body).map_err(|e| ApiError::BadRequest(at_path(entry, e)))?;
    let failed = |e| store_error(entry, e);
    Ok(match cmd {
        Command::Tag(d) => {
            report.tags += 1;
            (Some(ObjectKind::Tag), store.create_tag(scope, d, now).await.map_err(failed)?.render(org).id)
        }
        Command::Schema(s) => {
            report.schemas += 1;
            (None, store.set_fragment(scope, s, now).await.map_err(failed)?.don(org))
        }
        Command::Account(d) => {
            report.accounts += 1;
            (Some(ObjectKind::Account), store.create_account(scope, d, now).await.map_err(failed)?.0.render(org).id)
        }
        Command::RevOrg(d) => {
            report.rev_orgs += 1;
            (Some(ObjectKind::RevOrg), store.create_rev_org(scope, d, now).await.map_err(failed)?.render(org).id)
        }
        Command::RevUser(d) => {
            report.rev_users += 1;
            let view = store.create_rev_user(scope, d, now).await.map_err(failed)?;
            (Some(ObjectKind::RevUser), view.render_rev_user(org).id)
        }
        Command::Webhook(d) => {
            report.webhooks += 1;
            (Some(ObjectKind::Webhook), store.create_webhook(scope, d, now).await.map_err(failed)?.render(org).id)
        }
    })
}

/// Deletes what a failed load created, newest first. A failure here is logged: the load's
/// own error is the one to answer.
async fn undo(store: &dyn Store, scope: &DevOrgScope, created: &[(ObjectKind, String)], now: Timestamp) {
    for (kind, id) in created.iter().rev() {
        let Ok(parsed) = parse_id("id", id, *kind) else { continue };
        let parsed: ParsedId = parsed;
        let done = match kind {
            ObjectKind::RevUser => store.delete_rev_user(scope, &parsed, now).await,
            ObjectKind::RevOrg => store.delete_rev_org(scope, &parsed, now).await,
            ObjectKind::Account => store.delete_account(scope, &parsed, now).await,
            ObjectKind::Tag => store.delete_tag(scope, &parsed, now).await,
            ObjectKind::Webhook => store.delete_webhook(scope, &parsed, now).await,
            _ => Ok(()),
        };
        if let Err(e) = done {
            // A rev org deleted with its account is already gone.
            if !matches!(e, StoreError::NotFound(_)) {
                tracing::warn!(%id, error = %e, "seed: could not undo a created object");
            }
        }
    }
}

/// The scope a seed loads with outside a request (start-up, the CLI): the org's `admin`,
/// with no token.
pub fn admin_scope(dev_org: String, admin: UserRef) -> DevOrgScope {
    DevOrgScope {
        dev_org,
        actor: admin,
        actor_summary: None,
        token_id: "revdir-seed".to_owned(),
        context: revdir_core::scope::ChangeContext::default(),
        now: revdir_core::clock::system_now(),
    }
}
