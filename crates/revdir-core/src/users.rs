//! Users of every kind (dev, rev, sys): records, views, commands and rendering (§4, §5, §7).
//!
//! All kinds share one record shape; fields a kind does not have stay empty.

use revdir_api::common::UserState;
use revdir_api::{dev_users, rev_users, sys_users};

use crate::artifacts::{parse_artifact_ids, ArtifactSummaryData};
use crate::custom::{parse_filters, CustomFilter, CustomInput, CustomState, CustomView, LeafType};
use crate::error::ValidationError;
use crate::ids::{display_id, don, parse_any_id, parse_id, ObjectKind, ParsedId};
use crate::refs::{OrgSummaryData, TimeRange, UserRef, UserSummaryData};
use crate::tags::{parse_assignments, parse_tag_filters_in, render_links, TagAssignment, TagFilterEntry, TagLinkData};
use crate::time::Timestamp;
use crate::values::{self, Email, PhoneNumber};

/// Stored name of a user state.
pub fn state_name(state: UserState) -> &'static str {
    match state {
        UserState::Active => "active",
        UserState::Deactivated => "deactivated",
        UserState::Deleted => "deleted",
        UserState::Locked => "locked",
        UserState::Shadow => "shadow",
        UserState::Unassigned => "unassigned",
    }
}

/// Parses a stored user state; unknown text reads as `active`.
pub fn parse_state(s: &str) -> UserState {
    match s {
        "deactivated" => UserState::Deactivated,
        "deleted" => UserState::Deleted,
        "locked" => UserState::Locked,
        "shadow" => UserState::Shadow,
        "unassigned" => UserState::Unassigned,
        _ => UserState::Active,
    }
}

/// A stored user of any kind.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// Kind and local id.
    pub user: UserRef,
    /// Display name.
    pub display_name: Option<String>,
    /// Full name.
    pub full_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone numbers, E.164.
    pub phone_numbers: Vec<String>,
    /// Lifecycle state.
    pub state: UserState,
    /// Rev users: description.
    pub description: Option<String>,
    /// Rev users: primary external ref.
    pub external_ref: Option<String>,
    /// Rev users: all external refs.
    pub external_refs: Vec<String>,
    /// Rev users: verified flag.
    pub is_verified: bool,
    /// Rev users: workspace local id.
    pub rev_org: Option<String>,
    /// The artifact used as picture.
    pub display_picture: Option<i64>,
    /// Rev users: attached artifacts, in order.
    pub artifacts: Vec<i64>,
    /// Creator, when not created by the platform itself.
    pub created_by: Option<UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last modifier.
    pub modified_by: Option<UserRef>,
    /// Last change time.
    pub modified_date: Timestamp,
    /// Rev users: subtype, fragment references and custom field values, as stored (§6).
    pub custom: CustomState,
}

/// A user with everything it references, read in one transaction, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct UserView {
    /// The user.
    pub record: UserRecord,
    /// Creator's summary.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier's summary.
    pub modified_by: Option<UserSummaryData>,
    /// Rev users: the workspace's summary.
    pub rev_org: Option<OrgSummaryData>,
    /// Rev users: applied tags in order.
    pub tags: Vec<TagLinkData>,
    /// The picture's summary.
    pub display_picture: Option<ArtifactSummaryData>,
    /// Rev users: attached artifacts' summaries, in order.
    pub artifacts: Vec<ArtifactSummaryData>,
    /// Rev users: the custom part, presented against the current fragment versions (§6.4).
    pub custom: CustomView,
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl UserView {
    /// Renders a `rev-user`.
    pub fn render_rev_user(&self, org: &str) -> rev_users::RevUser {
        let r = &self.record;
        let custom = self.custom.render(org, LeafType::RevUser);
        rev_users::RevUser {
            id: don(ObjectKind::RevUser, org, r.user.id),
            display_id: display_id(ObjectKind::RevUser, r.user.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            display_name: r.display_name.clone(),
            display_picture: self.display_picture.as_ref().map(|a| a.render(org)),
            email: r.email.clone(),
            full_name: r.full_name.clone(),
            phone_numbers: non_empty(&r.phone_numbers),
            primary_identity: None,
            state: Some(r.state),
            artifacts: (!self.artifacts.is_empty()).then(|| self.artifacts.iter().map(|a| a.render(org)).collect()),
            custom_fields: custom.custom_fields,
            custom_schema_fragments: custom.custom_schema_fragments,
            description: r.description.clone(),
            external_ref: r.external_ref.clone(),
            external_refs: non_empty(&r.external_refs),
            is_verified: Some(r.is_verified),
            rev_org: self.rev_org.as_ref().map(|o| o.render(org)),
            stock_schema_fragment: Some(custom.stock_schema_fragment),
            subtype: custom.subtype,
            tags: (!self.tags.is_empty()).then(|| render_links(org, &self.tags)),
        }
    }

    /// Renders a `sys-user`.
    pub fn render_sys_user(&self, org: &str) -> sys_users::SysUser {
        let r = &self.record;
        sys_users::SysUser {
            id: don(ObjectKind::SysUser, org, r.user.id),
            display_id: display_id(ObjectKind::SysUser, r.user.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            display_name: r.display_name.clone(),
            display_picture: self.display_picture.as_ref().map(|a| a.render(org)),
            email: r.email.clone(),
            full_name: r.full_name.clone(),
            phone_numbers: non_empty(&r.phone_numbers),
            primary_identity: None,
            state: Some(r.state),
        }
    }

    /// Renders a `dev-user`.
    pub fn render_dev_user(&self, org: &str) -> dev_users::DevUser {
        let r = &self.record;
        dev_users::DevUser {
            id: don(ObjectKind::DevUser, org, r.user.id),
            display_id: display_id(ObjectKind::DevUser, r.user.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            display_name: r.display_name.clone(),
            display_picture: self.display_picture.as_ref().map(|a| a.render(org)),
            email: r.email.clone(),
            full_name: r.full_name.clone(),
            phone_numbers: non_empty(&r.phone_numbers),
            state: Some(r.state),
            // The dev-user-only fields come from `dev_users::DevUserView::render`.
            ..Default::default()
        }
    }
}

/// A new rev user.
#[derive(Debug, Clone, PartialEq)]
pub struct RevUserDraft {
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Email.
    pub email: Option<Email>,
    /// Phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// External ref; the display id when absent (§7).
    pub external_ref: Option<String>,
    /// External refs; `[external_ref]` when absent.
    pub external_refs: Option<Vec<String>>,
    /// Workspace.
    pub rev_org: Option<ParsedId>,
    /// Account (its default workspace is used when `rev_org` is absent).
    pub account: Option<ParsedId>,
    /// Tags.
    pub tags: Vec<TagAssignment>,
    /// Picture.
    pub display_picture: Option<ParsedId>,
    /// Attached artifacts.
    pub artifacts: Vec<ParsedId>,
    /// Custom fields, schema spec and fragment ids (§6.3).
    pub custom: Option<CustomInput>,
}

/// Changes to a rev user: `None` leaves a field as it is (§5.1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RevUserPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// Description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// Email; `Some(None)` clears it.
    pub email: Option<Option<Email>>,
    /// Replaces the phone numbers.
    pub phone_numbers: Option<Vec<PhoneNumber>>,
    /// New external ref.
    pub external_ref: Option<String>,
    /// Replaces the external refs.
    pub external_refs: Option<Vec<String>>,
    /// Replaces the tags.
    pub tags: Option<Vec<TagAssignment>>,
    /// Picture: `Some(None)` clears it.
    pub display_picture: Option<Option<ParsedId>>,
    /// Replaces the attached artifacts.
    pub artifacts: Option<Vec<ParsedId>>,
    /// Custom fields (merged per key), schema spec and fragment ids (§5.1, §6.3).
    pub custom: Option<CustomInput>,
}

fn optional_text(field: &str, v: Option<&str>) -> Result<Option<Option<String>>, ValidationError> {
    // An empty string clears an optional text field (docs/API-CONVENTIONS.md).
    v.map(|s| if s.is_empty() { Ok(None) } else { values::text(field, s).map(Some) }).transpose()
}

fn optional_email(v: Option<&str>) -> Result<Option<Option<Email>>, ValidationError> {
    v.map(|s| if s.is_empty() { Ok(None) } else { Email::parse("email", s).map(Some) }).transpose()
}

impl TryFrom<&rev_users::RevUsersCreateRequest> for RevUserDraft {
    type Error = ValidationError;
    fn try_from(r: &rev_users::RevUsersCreateRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.custom_schema_fragments.as_deref(),
                "custom_schema_fragments",
            )?,
            display_name: r.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?,
            description: optional_text("description", r.description.as_deref())?.flatten(),
            email: optional_email(r.email.as_deref())?.flatten(),
            phone_numbers: values::phone_numbers("phone_numbers", r.phone_numbers.as_deref().unwrap_or_default())?,
            external_ref: r.external_ref.as_deref().map(|e| values::non_blank("external_ref", e)).transpose()?,
            external_refs: r.external_refs.as_deref().map(|e| values::external_refs("external_refs", e)).transpose()?,
            rev_org: r.rev_org.as_deref().map(|id| parse_id("rev_org", id, ObjectKind::RevOrg)).transpose()?,
            account: r.account.as_deref().map(|id| parse_id("account", id, ObjectKind::Account)).transpose()?,
            tags: parse_assignments(r.tags.as_deref().unwrap_or_default())?,
            display_picture: r
                .display_picture
                .as_deref()
                .map(|id| parse_id("display_picture", id, ObjectKind::Artifact))
                .transpose()?,
            artifacts: parse_artifact_ids("artifacts", r.artifacts.as_deref().unwrap_or_default())?,
        })
    }
}

impl TryFrom<&rev_users::RevUsersUpdateRequest> for RevUserPatch {
    type Error = ValidationError;
    fn try_from(r: &rev_users::RevUsersUpdateRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            custom: CustomInput::parse(
                r.custom_fields.as_ref(),
                r.custom_schema_spec.as_ref(),
                r.custom_schema_fragments.as_ref().map(|f| f.set.as_slice()),
                "custom_schema_fragments",
            )?,
            display_name: r.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?,
            description: optional_text("description", r.description.as_deref())?,
            email: optional_email(r.email.as_deref())?,
            phone_numbers: r.phone_numbers.as_deref().map(|p| values::phone_numbers("phone_numbers", p)).transpose()?,
            external_ref: r.external_ref.as_deref().map(|e| values::non_blank("external_ref", e)).transpose()?,
            external_refs: r.external_refs.as_deref().map(|e| values::external_refs("external_refs", e)).transpose()?,
            tags: r.tags.as_deref().map(parse_assignments).transpose()?,
            display_picture: parse_picture(r.display_picture.as_ref())?,
            artifacts: r.artifacts.as_ref().map(|a| parse_artifact_ids("artifacts", &a.set)).transpose()?,
        })
    }
}

/// Parses a nullable `display_picture`: absent, `null` (clear) or an artifact id (§0.5).
fn parse_picture(v: Option<&Option<String>>) -> Result<Option<Option<ParsedId>>, ValidationError> {
    v.map(|p| p.as_deref().map(|id| parse_id("display_picture", id, ObjectKind::Artifact)).transpose()).transpose()
}

/// Changes to a sys user (§5.2).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SysUserPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// Full name; `Some(None)` clears it.
    pub full_name: Option<Option<String>>,
    /// Picture: `Some(None)` clears it.
    pub display_picture: Option<Option<ParsedId>>,
}

impl TryFrom<&sys_users::SysUsersUpdateRequest> for SysUserPatch {
    type Error = ValidationError;
    fn try_from(r: &sys_users::SysUsersUpdateRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            display_name: r.display_name.as_deref().map(|n| values::non_blank("display_name", n)).transpose()?,
            full_name: optional_text("full_name", r.full_name.as_deref())?,
            display_picture: parse_picture(r.display_picture.as_ref())?,
        })
    }
}

/// Filters of `rev-users.list`: AND across fields, OR within one field.
///
/// An id filter whose ids all belong to other dev orgs is kept as an empty list, which
/// matches nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RevUserFilter {
    /// Emails (case-insensitive).
    pub email: Option<Vec<String>>,
    /// External refs.
    pub external_ref: Option<Vec<String>>,
    /// Values among external refs.
    pub external_refs: Option<Vec<String>>,
    /// Phone numbers.
    pub phone_numbers: Option<Vec<String>>,
    /// Workspaces (local ids in the caller's org).
    pub rev_org: Option<Vec<String>>,
    /// Accounts and rev orgs the users are associated with (kind, local id in the caller's org).
    pub associations: Option<Vec<(ObjectKind, String)>>,
    /// Creators.
    pub created_by: Option<Vec<UserRef>>,
    /// Creation range.
    pub created_date: Option<TimeRange>,
    /// Modification range.
    pub modified_date: Option<TimeRange>,
    /// Verified flag.
    pub is_verified: Option<bool>,
    /// Tags (resolved in the caller's org; foreign ones match nothing).
    pub tags: Option<Vec<TagFilterEntry>>,
    /// Custom field filters, checked against the fragments by the store.
    pub custom_fields: Option<Vec<CustomFilter>>,
}

/// Fields `rev-users.list` can sort by.
pub const REV_USER_SORTABLE: &[&str] =
    &["created_date", "modified_date", "display_name", "display_id", "email", "external_ref"];

/// Fields `sys-users.list` can sort by.
pub const SYS_USER_SORTABLE: &[&str] = &["created_date", "modified_date", "display_name", "display_id"];

/// The user kinds a `created_by` filter may name.
pub const ACTOR_KINDS: &[ObjectKind] =
    &[ObjectKind::DevUser, ObjectKind::SysUser, ObjectKind::RevUser, ObjectKind::ServiceAccount];

impl RevUserFilter {
    /// Parses the filters of a `rev-users.list` request for dev org `org`.
    ///
    /// # Errors
    /// A 400 for a malformed id, time or unsupported filter.
    pub fn parse(org: &str, r: &rev_users::RevUsersListRequest) -> Result<Self, ValidationError> {
        let mut rev_org = None;
        if let Some(ids) = &r.rev_org {
            let mut locals = Vec::new();
            for id in ids {
                let p = parse_id("rev_org", id, ObjectKind::RevOrg)?;
                locals.extend(p.local_in(org).map(str::to_owned));
            }
            rev_org = Some(locals);
        }
        let associations = r
            .associations
            .as_ref()
            .map(|ids| {
                let mut out = Vec::new();
                for id in ids {
                    let (kind, p) = parse_any_id("associations", id, &[ObjectKind::RevOrg, ObjectKind::Account])?;
                    out.extend(p.local_in(org).map(|l| (kind, l.to_owned())));
                }
                Ok::<_, ValidationError>(out)
            })
            .transpose()?;
        let created_by = r
            .created_by
            .as_ref()
            .map(|ids| {
                let mut refs = Vec::new();
                for id in ids {
                    let (kind, p) = parse_any_id("created_by", id, ACTOR_KINDS)?;
                    refs.extend(p.number_in(org).map(|n| UserRef { kind, id: n }));
                }
                Ok::<_, ValidationError>(refs)
            })
            .transpose()?;
        let tags = r.tags.as_deref().map(|t| parse_tag_filters_in(org, t)).transpose()?;
        Ok(Self {
            email: r.email.clone(),
            external_ref: r.external_ref.clone(),
            external_refs: r.external_refs.clone(),
            phone_numbers: r.phone_numbers.clone(),
            rev_org,
            associations,
            created_by,
            created_date: TimeRange::parse("created_date", r.created_date.as_ref())?,
            modified_date: TimeRange::parse("modified_date", r.modified_date.as_ref())?,
            is_verified: r.is_verified,
            tags,
            custom_fields: r.custom_fields.as_ref().map(parse_filters),
        })
    }

    /// Parses the filters of a `rev-users.scan` request: the list's filters, read by the
    /// list's parser, so the two operations cannot drift apart.
    ///
    /// # Errors
    /// As [`RevUserFilter::parse`].
    pub fn parse_scan(org: &str, r: &rev_users::RevUsersScanRequest) -> Result<Self, ValidationError> {
        // Every field named, no `..Default::default()`: a filter added to the list request
        // stops this from compiling until the other request carries it too.
        let list = rev_users::RevUsersListRequest {
            associations: r.associations.clone(),
            created_by: r.created_by.clone(),
            created_date: r.created_date.clone(),
            custom_fields: r.custom_fields.clone(),
            email: r.email.clone(),
            external_ref: r.external_ref.clone(),
            external_refs: r.external_refs.clone(),
            is_verified: r.is_verified,
            modified_date: r.modified_date.clone(),
            phone_numbers: r.phone_numbers.clone(),
            rev_org: r.rev_org.clone(),
            tags: r.tags.clone(),
            cursor: None,
            limit: None,
            mode: None,
            sort_by: None,
        };
        Self::parse(org, &list)
    }
}
