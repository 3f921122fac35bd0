//! Organisations: the dev org (tenant), accounts and rev orgs (workspaces) (§8.1).

use revdir_api::common::{AccountSummary, SetTagWithValue};
use revdir_api::{accounts, dev_orgs, rev_orgs};

use crate::custom::{
    parse_custom_field_filter, parse_filters, CustomFilter, CustomInput, CustomState, CustomView, LeafType,
};
use crate::error::ValidationError;
use crate::ids::{display_id, don, parse_any_id, parse_id, ObjectKind, ParsedId};
use crate::refs::{TimeRange, UserRef, UserSummaryData};
use crate::tags::{parse_assignments, parse_tag_filters_in, render_links, TagAssignment, TagFilterEntry, TagLinkData};
use crate::time::Timestamp;
use crate::users::ACTOR_KINDS;
use crate::values;

/// A stored dev org.
#[derive(Debug, Clone, PartialEq)]
pub struct DevOrgRecord {
    /// Local id, the `<org>` of `devo/<org>`.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Unique slug.
    pub slug: String,
    /// Creation time.
    pub created_date: Timestamp,
}

impl DevOrgRecord {
    /// Renders the wire `dev-org`.
    pub fn render(&self) -> dev_orgs::DevOrg {
        dev_orgs::DevOrg {
            id: don(ObjectKind::DevOrg, &self.id, ""),
            display_id: display_id(ObjectKind::DevOrg, &self.id),
            created_by: None,
            created_date: Some(self.created_date.to_rfc3339()),
            modified_by: None,
            modified_date: Some(self.created_date.to_rfc3339()),
            display_name: Some(self.display_name.clone()),
            dev_slug: self.slug.clone(),
        }
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    /// Local id (`ACC-<id>`).
    pub id: i64,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Domains.
    pub domains: Vec<String>,
    /// External refs; each unique in the dev org.
    pub external_refs: Vec<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Websites.
    pub websites: Vec<String>,
    /// Creator.
    pub created_by: Option<UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last modifier.
    pub modified_by: Option<UserRef>,
    /// Last change time.
    pub modified_date: Timestamp,
    /// Subtype, fragment references and custom field values, as stored (§6).
    pub custom: CustomState,
}

/// An account with what it references.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    /// The account.
    pub record: AccountRecord,
    /// Creator.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier.
    pub modified_by: Option<UserSummaryData>,
    /// Owners, in order.
    pub owned_by: Vec<UserSummaryData>,
    /// Tags.
    pub tags: Vec<TagLinkData>,
    /// The custom part, presented against the current fragment versions (§6.4).
    pub custom: CustomView,
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl AccountView {
    /// Renders the wire `account`.
    pub fn render(&self, org: &str) -> accounts::Account {
        let r = &self.record;
        let custom = self.custom.render(org, LeafType::Account);
        accounts::Account {
            id: don(ObjectKind::Account, org, r.id),
            display_id: display_id(ObjectKind::Account, r.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            display_name: Some(r.display_name.clone()),
            artifacts: None,
            custom_fields: custom.custom_fields,
            custom_schema_fragments: custom.custom_schema_fragments,
            description: r.description.clone(),
            domains: non_empty(&r.domains),
            external_refs: non_empty(&r.external_refs),
            owned_by: self.owned_by.iter().map(|u| u.render(org)).collect(),
            primary_account: None,
            stock_schema_fragment: Some(custom.stock_schema_fragment),
            subtype: custom.subtype,
            tags: (!self.tags.is_empty()).then(|| render_links(org, &self.tags)),
            tier: r.tier.clone(),
            websites: non_empty(&r.websites),
        }
    }
}

/// A stored rev org.
#[derive(Debug, Clone, PartialEq)]
pub struct RevOrgRecord {
    /// Local id (`REV-<id>`).
    pub id: String,
    /// Owning account.
    pub account: i64,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// External ref; unique in the dev org.
    pub external_ref: Option<String>,
    /// Tier (accepted on write; the rev-org object has no such field).
    pub tier: Option<String>,
    /// Environment (accepted on write; the rev-org object has no such field).
    pub environment: Option<String>,
    /// Creator.
    pub created_by: Option<UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last modifier.
    pub modified_by: Option<UserRef>,
    /// Last change time.
    pub modified_date: Timestamp,
    /// Subtype, fragment references and custom field values, as stored (§6).
    pub custom: CustomState,
}

/// A rev org with what it references.
#[derive(Debug, Clone, PartialEq)]
pub struct RevOrgView {
    /// The workspace.
    pub record: RevOrgRecord,
    /// Its account's display name.
    pub account_name: Option<String>,
    /// Creator.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier.
    pub modified_by: Option<UserSummaryData>,
    /// Tags.
    pub tags: Vec<TagLinkData>,
    /// The custom part, presented against the current fragment versions (§6.4).
    pub custom: CustomView,
}

impl RevOrgView {
    /// Renders the wire `rev-org`.
    pub fn render(&self, org: &str) -> rev_orgs::RevOrg {
        let r = &self.record;
        let custom = self.custom.render(org, LeafType::RevOrg);
        rev_orgs::RevOrg {
            id: don(ObjectKind::RevOrg, org, &r.id),
            display_id: display_id(ObjectKind::RevOrg, &r.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            display_name: Some(r.display_name.clone()),
            account: Some(AccountSummary {
                id: don(ObjectKind::Account, org, r.account),
                display_id: display_id(ObjectKind::Account, r.account),
                display_name: self.account_name.clone(),
            }),
            artifacts: None,
            custom_fields: custom.custom_fields,
            custom_schema_fragments: custom.custom_schema_fragments,
            description: r.description.clone(),
            domain: r.domain.clone(),
            external_ref: r.external_ref.clone(),
            primary_rev_org: None,
            stock_schema_fragment: Some(custom.stock_schema_fragment),
            subtype: custom.subtype,
            tags: (!self.tags.is_empty()).then(|| render_links(org, &self.tags)),
        }
    }
}

fn unsupported(present: &[(&str, bool)]) -> Result<(), ValidationError> {
    match present.iter().find(|(_, p)| *p) {
        Some((field, _)) => Err(ValidationError::unsupported(field)),
        None => Ok(()),
    }
}

fn opt_text(field: &str, v: Option<&str>) -> Result<Option<String>, ValidationError> {
    v.map(|s| values::text(field, s)).transpose()
}

fn text_list(field: &str, v: Option<&[String]>) -> Result<Option<Vec<String>>, ValidationError> {
    v.map(|l| l.iter().map(|s| values::non_blank(field, s)).collect()).transpose()
}

fn tags(v: Option<&[SetTagWithValue]>) -> Result<Option<Vec<TagAssignment>>, ValidationError> {
    v.map(parse_assignments).transpose()
}

fn owners(v: Option<&[String]>) -> Result<Option<Vec<ParsedId>>, ValidationError> {
    v.map(|ids| ids.iter().map(|id| parse_id("owned_by", id, ObjectKind::DevUser)).collect()).transpose()
}

/// A new account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountDraft {
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Domains.
    pub domains: Vec<String>,
    /// External refs; `[account DON]` when absent (§8.1).
    pub external_refs: Option<Vec<String>>,
    /// Owners; the caller when absent.
    pub owned_by: Option<Vec<ParsedId>>,
    /// Tags.
    pub tags: Vec<TagAssignment>,
    /// Tier.
    pub tier: Option<String>,
    /// Websites.
    pub websites: Vec<String>,
    /// Custom fields, schema spec and fragment ids (§6.3).
    pub custom: Option<CustomInput>,
}

impl TryFrom<&accounts::AccountsCreateRequest> for AccountDraft {
    type Error = ValidationError;
    fn try_from(r: &accounts::AccountsCreateRequest) -> Result<Self, Self::Error> {
        unsupported(&[("artifacts", r.artifacts.is_some())])?;
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.schema_fragment_ids.as_deref(),
                "schema_fragment_ids",
            )?,
            display_name: values::non_blank("display_name", &r.display_name)?,
            description: opt_text("description", r.description.as_deref())?,
            domains: text_list("domains", r.domains.as_deref())?.unwrap_or_default(),
            external_refs: r.external_refs.as_deref().map(|e| values::external_refs("external_refs", e)).transpose()?,
            owned_by: owners(r.owned_by.as_deref())?,
            tags: tags(r.tags.as_deref())?.unwrap_or_default(),
            tier: opt_text("tier", r.tier.as_deref())?,
            websites: text_list("websites", r.websites.as_deref())?.unwrap_or_default(),
        })
    }
}

/// Changes to an account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPatch {
    /// Which account.
    pub id: ParsedId,
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Domains.
    pub domains: Option<Vec<String>>,
    /// External refs.
    pub external_refs: Option<Vec<String>>,
    /// Owners.
    pub owned_by: Option<Vec<ParsedId>>,
    /// Tags.
    pub tags: Option<Vec<TagAssignment>>,
    /// Tier; `Some(None)` clears it.
    pub tier: Option<Option<String>>,
    /// Websites.
    pub websites: Option<Vec<String>>,
    /// Custom fields (merged per key), schema spec and fragment ids (§6.3).
    pub custom: Option<CustomInput>,
}

impl TryFrom<&accounts::AccountsUpdateRequest> for AccountPatch {
    type Error = ValidationError;
    fn try_from(r: &accounts::AccountsUpdateRequest) -> Result<Self, Self::Error> {
        unsupported(&[("artifacts", r.artifacts.is_some())])?;
        let owned_by = owners(r.owned_by.as_deref())?;
        if owned_by.as_ref().is_some_and(Vec::is_empty) {
            return Err(ValidationError::not_permitted("owned_by", "an account needs at least one owner"));
        }
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.schema_fragment_ids.as_deref(),
                "schema_fragment_ids",
            )?,
            id: parse_id("id", &r.id, ObjectKind::Account)?,
            display_name: r.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?,
            description: opt_text("description", r.description.as_deref())?,
            domains: text_list("domains", r.domains.as_deref())?,
            external_refs: r.external_refs.as_deref().map(|e| values::external_refs("external_refs", e)).transpose()?,
            owned_by,
            tags: tags(r.tags.as_deref())?,
            tier: r.tier.as_ref().map(|t| opt_text("tier", t.as_deref())).transpose()?,
            websites: text_list("websites", r.websites.as_ref().map(|w| w.set.as_slice()))?,
        })
    }
}

/// A new rev org.
#[derive(Debug, Clone, PartialEq)]
pub struct RevOrgDraft {
    /// Owning account.
    pub account: ParsedId,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// External ref.
    pub external_ref: Option<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Environment.
    pub environment: Option<String>,
    /// Tags.
    pub tags: Vec<TagAssignment>,
    /// Custom fields, schema spec and fragment ids (§6.3).
    pub custom: Option<CustomInput>,
}

fn environment(e: Option<rev_orgs::OrgEnvironment>) -> Option<String> {
    e.map(|e| {
        match e {
            rev_orgs::OrgEnvironment::Production => "production",
            rev_orgs::OrgEnvironment::Staging => "staging",
            rev_orgs::OrgEnvironment::Test => "test",
        }
        .to_owned()
    })
}

impl TryFrom<&rev_orgs::RevOrgsCreateRequest> for RevOrgDraft {
    type Error = ValidationError;
    fn try_from(r: &rev_orgs::RevOrgsCreateRequest) -> Result<Self, Self::Error> {
        unsupported(&[("artifacts", r.artifacts.is_some())])?;
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.custom_schema_fragments.as_deref(),
                "custom_schema_fragments",
            )?,
            account: parse_id("account", &r.account, ObjectKind::Account)?,
            display_name: values::non_blank("display_name", &r.display_name)?,
            description: opt_text("description", r.description.as_deref())?,
            domain: opt_text("domain", r.domain.as_deref())?,
            external_ref: r.external_ref.as_deref().map(|e| values::non_blank("external_ref", e)).transpose()?,
            tier: opt_text("tier", r.tier.as_deref())?,
            environment: environment(r.environment),
            tags: tags(r.tags.as_deref())?.unwrap_or_default(),
        })
    }
}

/// Changes to a rev org.
#[derive(Debug, Clone, PartialEq)]
pub struct RevOrgPatch {
    /// Which workspace.
    pub id: ParsedId,
    /// Move to another account.
    pub account: Option<ParsedId>,
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// External ref.
    pub external_ref: Option<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Environment.
    pub environment: Option<String>,
    /// Tags.
    pub tags: Option<Vec<TagAssignment>>,
    /// Custom fields (merged per key), schema spec and fragment ids (§6.3).
    pub custom: Option<CustomInput>,
}

impl TryFrom<&rev_orgs::RevOrgsUpdateRequest> for RevOrgPatch {
    type Error = ValidationError;
    fn try_from(r: &rev_orgs::RevOrgsUpdateRequest) -> Result<Self, Self::Error> {
        unsupported(&[("artifacts", r.artifacts.is_some())])?;
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.custom_schema_fragments.as_deref(),
                "custom_schema_fragments",
            )?,
            id: parse_id("id", &r.id, ObjectKind::RevOrg)?,
            account: r.account.as_deref().map(|a| parse_id("account", a, ObjectKind::Account)).transpose()?,
            display_name: r.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?,
            description: opt_text("description", r.description.as_deref())?,
            domain: opt_text("domain", r.domain.as_deref())?,
            external_ref: r.external_ref.as_deref().map(|e| values::non_blank("external_ref", e)).transpose()?,
            tier: opt_text("tier", r.tier.as_deref())?,
            environment: environment(r.environment),
            tags: tags(r.tags.as_deref())?,
        })
    }
}

/// Filters of `accounts.list`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountFilter {
    /// Creators.
    pub created_by: Option<Vec<UserRef>>,
    /// Creation range.
    pub created_date: Option<TimeRange>,
    /// Modification range.
    pub modified_date: Option<TimeRange>,
    /// Display names.
    pub display_name: Option<Vec<String>>,
    /// Domains.
    pub domains: Option<Vec<String>>,
    /// External refs.
    pub external_refs: Option<Vec<String>>,
    /// Owners.
    pub owned_by: Option<Vec<i64>>,
    /// Tiers.
    pub tier: Option<Vec<String>>,
    /// Websites.
    pub websites: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<Vec<TagFilterEntry>>,
    /// Subtypes.
    pub subtype: Option<Vec<String>>,
    /// Custom field filters, checked against the fragments by the store.
    pub custom_fields: Option<Vec<CustomFilter>>,
    /// Stages were asked for: accounts have none, so nothing matches.
    pub match_nothing: bool,
}

/// Fields `accounts.list` and `rev-orgs.list` can sort by.
pub const ORG_SORTABLE: &[&str] = &["created_date", "modified_date", "display_name", "display_id"];

fn created_by(org: &str, ids: Option<&[String]>) -> Result<Option<Vec<UserRef>>, ValidationError> {
    ids.map(|ids| {
        let mut refs = Vec::new();
        for id in ids {
            let (kind, p) = parse_any_id("created_by", id, ACTOR_KINDS)?;
            refs.extend(p.number_in(org).map(|n| UserRef { kind, id: n }));
        }
        Ok(refs)
    })
    .transpose()
}

impl AccountFilter {
    /// Parses an `accounts.list` request's filters.
    ///
    /// # Errors
    /// A 400 for malformed ids or times.
    pub fn parse(org: &str, r: &accounts::AccountsListRequest) -> Result<Self, ValidationError> {
        let owned_by = r
            .owned_by
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|id| parse_id("owned_by", id, ObjectKind::DevUser).map(|p| p.number_in(org)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.into_iter().flatten().collect())
            })
            .transpose()?;
        Ok(Self {
            created_by: created_by(org, r.created_by.as_deref())?,
            created_date: TimeRange::parse("created_date", r.created_date.as_ref())?,
            modified_date: TimeRange::parse("modified_date", r.modified_date.as_ref())?,
            display_name: r.display_name.clone(),
            domains: r.domains.clone(),
            external_refs: r.external_refs.clone(),
            owned_by,
            tier: r.tier.clone(),
            websites: r.websites.clone(),
            tags: r.tags.as_deref().map(|t| parse_tag_filters_in(org, t)).transpose()?,
            subtype: r.subtype.clone().filter(|s| !s.is_empty()),
            custom_fields: r.custom_fields.as_ref().map(parse_filters),
            match_nothing: r.stage.as_ref().is_some_and(|s| !s.is_empty()),
        })
    }

    /// Parses an `accounts.export` request's filters with the list's parser, so the two
    /// operations cannot drift apart.
    ///
    /// # Errors
    /// As [`AccountFilter::parse`].
    pub fn parse_export(org: &str, r: &accounts::AccountsExportRequest) -> Result<Self, ValidationError> {
        // Every field named, no `..Default::default()`: a filter added to the list request
        // stops this from compiling until the other request carries it too.
        let list = accounts::AccountsListRequest {
            created_by: r.created_by.clone(),
            created_date: r.created_date.clone(),
            custom_fields: r.custom_fields.clone(),
            display_name: r.display_name.clone(),
            domains: r.domains.clone(),
            external_refs: r.external_refs.clone(),
            modified_date: r.modified_date.clone(),
            owned_by: r.owned_by.clone(),
            stage: r.stage.clone(),
            subtype: r.subtype.clone(),
            tags: r.tags.clone(),
            tier: r.tier.clone(),
            websites: r.websites.clone(),
            cursor: None,
            limit: None,
            mode: None,
            sort_by: None,
        };
        Self::parse(org, &list)
    }
}

/// Filters of `rev-orgs.list`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RevOrgFilter {
    /// Accounts.
    pub account: Option<Vec<i64>>,
    /// Creators.
    pub created_by: Option<Vec<UserRef>>,
    /// Creation range.
    pub created_date: Option<TimeRange>,
    /// Modification range.
    pub modified_date: Option<TimeRange>,
    /// Display names.
    pub display_name: Option<Vec<String>>,
    /// External refs.
    pub external_ref: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<Vec<TagFilterEntry>>,
    /// Custom field filters (`custom_fields` and `custom_field_filter`), checked against the
    /// fragments by the store.
    pub custom_fields: Option<Vec<CustomFilter>>,
}

impl RevOrgFilter {
    /// Parses a `rev-orgs.list` request's filters.
    ///
    /// # Errors
    /// A 400 for malformed ids or times.
    pub fn parse(org: &str, r: &rev_orgs::RevOrgsListRequest) -> Result<Self, ValidationError> {
        let mut custom = r.custom_fields.as_ref().map(parse_filters);
        if let Some(entries) = &r.custom_field_filter {
            custom.get_or_insert_with(Vec::new).extend(parse_custom_field_filter(entries)?);
        }
        let account = r
            .account
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|id| parse_id("account", id, ObjectKind::Account).map(|p| p.number_in(org)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.into_iter().flatten().collect())
            })
            .transpose()?;
        Ok(Self {
            account,
            created_by: created_by(org, r.created_by.as_deref())?,
            created_date: TimeRange::parse("created_date", r.created_date.as_ref())?,
            modified_date: TimeRange::parse("modified_date", r.modified_date.as_ref())?,
            display_name: r.display_name.clone(),
            external_ref: r.external_ref.clone(),
            tags: r.tags.as_deref().map(|t| parse_tag_filters_in(org, t)).transpose()?,
            custom_fields: custom,
        })
    }
}
