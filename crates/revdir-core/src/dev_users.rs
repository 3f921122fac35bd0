//! Dev users (§8.2): the dev-user-only fields, commands, list filters, and the pure rules of
//! state changes and merges.
//!
//! A dev user is a row of the shared users table (see [`crate::users`]); what only dev users
//! have (manager, job history, external identities, the user it was merged into) travels
//! beside the shared [`UserView`] in a [`DevUserView`].

use revdir_api::common::{DateTimeFilter, UserState};
use revdir_api::dev_users::{
    DateFilter, DateFilterType, DateTimePresetType, DevUser, DevUsersCreateRequest, DevUsersIdentitiesLinkRequest,
    DevUsersIdentitiesUnlinkRequest, DevUsersListRequest, DevUsersMergeRequest, DevUsersSelfUpdateRequest,
    DevUsersUpdateJobHistoryItem, DevUsersUpdateRequest, ExternalIdentity, JobHistoryItem,
};
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::ids::{parse_id, ObjectKind, ParsedId};
use crate::refs::{TimeRange, UserSummaryData};
use crate::scope::Actor;
use crate::time::Timestamp;
use crate::users::UserView;
use crate::values::{self, Email};

/// Fields `dev-users.list` can sort by.
pub const DEV_USER_SORTABLE: &[&str] = &["created_date", "modified_date", "display_name", "display_id", "email"];

/// A dev user's identity in another system; one per issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentityData {
    /// The issuing system.
    pub issuer: String,
    /// The user's id there; an `(issuer, id)` pair belongs to one dev user of the org.
    pub id: String,
    /// The user's name there.
    pub display_name: Option<String>,
    /// Whether the identity was verified (revdir verifies nothing, so always false).
    pub is_verified: bool,
}

/// One position of a dev user's job history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobHistoryEntry {
    /// Start of the position.
    pub start_date: Option<Timestamp>,
    /// End of the position.
    pub end_date: Option<Timestamp>,
    /// Whether it is the current position.
    pub is_current: Option<bool>,
    /// Where it was held.
    pub location: Option<String>,
    /// Job title.
    pub title: Option<String>,
}

/// The stored (JSON) form of a job history entry: timestamps in milliseconds.
#[derive(Serialize, Deserialize)]
struct StoredJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

impl JobHistoryEntry {
    /// Encodes a job history for its JSON column.
    pub fn encode(entries: &[Self]) -> String {
        let stored: Vec<StoredJob> = entries
            .iter()
            .map(|e| StoredJob {
                start: e.start_date.map(Timestamp::millis),
                end: e.end_date.map(Timestamp::millis),
                current: e.is_current,
                location: e.location.clone(),
                title: e.title.clone(),
            })
            .collect();
        serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
    }

    /// Decodes a job history from its JSON column; unreadable text reads as empty.
    pub fn decode(text: &str) -> Vec<Self> {
        serde_json::from_str::<Vec<StoredJob>>(text)
            .unwrap_or_default()
            .into_iter()
            .map(|s| Self {
                start_date: s.start.map(Timestamp::from_millis),
                end_date: s.end.map(Timestamp::from_millis),
                is_current: s.current,
                location: s.location,
                title: s.title,
            })
            .collect()
    }

    fn render(&self) -> JobHistoryItem {
        JobHistoryItem {
            employment_status: None,
            end_date: self.end_date.map(Timestamp::to_rfc3339),
            is_current: self.is_current,
            location: self.location.clone(),
            start_date: self.start_date.map(Timestamp::to_rfc3339),
            title: self.title.clone(),
        }
    }
}

/// What only dev users have, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DevUserExtra {
    /// The manager (a dev user's local id).
    pub reports_to: Option<i64>,
    /// Start of professional experience.
    pub experience_start_date: Option<Timestamp>,
    /// Positions held.
    pub job_history: Vec<JobHistoryEntry>,
    /// Job title (accepted and kept; the dev-user object has no field to show it).
    pub job_title: Option<String>,
    /// The dev user this one was merged into.
    pub primary_identity: Option<i64>,
    /// Identities in other systems, by issuer.
    pub external_identities: Vec<ExternalIdentityData>,
}

/// A dev user with everything it references, read in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DevUserView {
    /// The fields every user has.
    pub user: UserView,
    /// The dev-user-only fields.
    pub extra: DevUserExtra,
    /// The manager's summary.
    pub reports_to: Option<UserSummaryData>,
    /// Summary of the user this one was merged into.
    pub primary_identity: Option<UserSummaryData>,
}

impl DevUserView {
    /// Renders the wire `dev-user`.
    pub fn render(&self, org: &str) -> DevUser {
        let mut out = self.user.render_dev_user(org);
        let x = &self.extra;
        out.reports_to = self.reports_to.as_ref().map(|u| u.render(org));
        out.primary_identity = self.primary_identity.as_ref().map(|u| u.render(org));
        out.experience_start_date = x.experience_start_date.map(Timestamp::to_rfc3339);
        out.job_history =
            (!x.job_history.is_empty()).then(|| x.job_history.iter().map(JobHistoryEntry::render).collect());
        out.external_identities = (!x.external_identities.is_empty()).then(|| {
            x.external_identities
                .iter()
                .map(|i| ExternalIdentity {
                    display_name: i.display_name.clone(),
                    id: Some(i.id.clone()),
                    is_verified: Some(i.is_verified),
                    issuer: Some(i.issuer.clone()),
                })
                .collect()
        });
        out
    }
}

/// A new (shadow) dev user.
#[derive(Debug, Clone, PartialEq)]
pub struct DevUserDraft {
    /// Email; unique among the org's dev users, ignoring case.
    pub email: Email,
    /// Display name: the email's local part.
    pub display_name: String,
    /// Full name.
    pub full_name: Option<String>,
    /// Manager.
    pub reports_to: Option<ParsedId>,
}

fn refuse_custom(custom_fields: bool, custom_schema_spec: bool) -> Result<(), ValidationError> {
    if custom_fields {
        return Err(ValidationError::unsupported("custom_fields"));
    }
    if custom_schema_spec {
        return Err(ValidationError::unsupported("custom_schema_spec"));
    }
    Ok(())
}

fn parse_manager(v: Option<&str>) -> Result<Option<ParsedId>, ValidationError> {
    v.map(|id| parse_id("reports_to", id, ObjectKind::DevUser)).transpose()
}

impl TryFrom<&DevUsersCreateRequest> for DevUserDraft {
    type Error = ValidationError;
    fn try_from(r: &DevUsersCreateRequest) -> Result<Self, Self::Error> {
        refuse_custom(r.custom_fields.is_some(), r.custom_schema_spec.is_some())?;
        let email = Email::parse("email", &r.email)?;
        let local = r.email.rsplit_once('@').map_or(r.email.as_str(), |(l, _)| l);
        Ok(Self {
            display_name: values::non_blank("email", local)?,
            email,
            full_name: r
                .full_name
                .as_deref()
                .filter(|f| !f.is_empty())
                .map(|f| values::text("full_name", f))
                .transpose()?,
            reports_to: parse_manager(r.reports_to.as_deref())?,
        })
    }
}

/// Changes to a dev user: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DevUserPatch {
    /// Display name.
    pub display_name: Option<String>,
    /// Full name; `Some(None)` clears it.
    pub full_name: Option<Option<String>>,
    /// Start of professional experience.
    pub experience_start_date: Option<Timestamp>,
    /// Replaces the job history.
    pub job_history: Option<Vec<JobHistoryEntry>>,
    /// Job title.
    pub job_title: Option<String>,
    /// Manager.
    pub reports_to: Option<ParsedId>,
}

/// The fields `dev-users.update` and `dev-users.self.update` share.
struct UpdateFields<'a> {
    custom_fields: bool,
    custom_schema_spec: bool,
    display_name: Option<&'a str>,
    experience_start_date: Option<&'a str>,
    full_name: Option<&'a str>,
    job_history: Option<&'a [DevUsersUpdateJobHistoryItem]>,
    job_title: Option<revdir_api::dev_users::DevUserJobTitle>,
    reports_to: Option<&'a str>,
}

fn job_history(items: &[DevUsersUpdateJobHistoryItem]) -> Result<Vec<JobHistoryEntry>, ValidationError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| format!("job_history[{i}].{name}");
            if item.employment_status.is_some() {
                // The object shows employment_status as an enum value with a label, which an
                // update's bare number does not give; refused rather than shown wrong.
                return Err(ValidationError::unsupported(&field("employment_status")));
            }
            let date =
                |name: &str, v: &Option<String>| v.as_deref().map(|s| Timestamp::parse(&field(name), s)).transpose();
            Ok(JobHistoryEntry {
                start_date: date("start_date", &item.start_date)?,
                end_date: date("end_date", &item.end_date)?,
                is_current: item.is_current,
                location: item.location.as_deref().map(|l| values::text(&field("location"), l)).transpose()?,
                title: item.title.as_deref().map(|t| values::text(&field("title"), t)).transpose()?,
            })
        })
        .collect()
}

impl DevUserPatch {
    fn parse(f: UpdateFields<'_>) -> Result<Self, ValidationError> {
        refuse_custom(f.custom_fields, f.custom_schema_spec)?;
        Ok(Self {
            display_name: f.display_name.map(|n| values::non_blank("display_name", n)).transpose()?,
            // An empty string clears an optional text field (docs/API-CONVENTIONS.md, entry 5).
            full_name: f
                .full_name
                .map(|s| if s.is_empty() { Ok(None) } else { values::text("full_name", s).map(Some) })
                .transpose()?,
            experience_start_date: f
                .experience_start_date
                .map(|s| Timestamp::parse("experience_start_date", s))
                .transpose()?,
            job_history: f.job_history.map(job_history).transpose()?,
            job_title: f
                .job_title
                .and_then(|t| serde_json::to_value(t).ok())
                .and_then(|v| v.as_str().map(str::to_owned)),
            reports_to: parse_manager(f.reports_to)?,
        })
    }
}

impl TryFrom<&DevUsersUpdateRequest> for DevUserPatch {
    type Error = ValidationError;
    fn try_from(r: &DevUsersUpdateRequest) -> Result<Self, Self::Error> {
        Self::parse(UpdateFields {
            custom_fields: r.custom_fields.is_some(),
            custom_schema_spec: r.custom_schema_spec.is_some(),
            display_name: r.display_name.as_deref(),
            experience_start_date: r.experience_start_date.as_deref(),
            full_name: r.full_name.as_deref(),
            job_history: r.job_history.as_deref(),
            job_title: r.job_title,
            reports_to: r.reports_to.as_deref(),
        })
    }
}

impl TryFrom<&DevUsersSelfUpdateRequest> for DevUserPatch {
    type Error = ValidationError;
    fn try_from(r: &DevUsersSelfUpdateRequest) -> Result<Self, Self::Error> {
        Self::parse(UpdateFields {
            custom_fields: r.custom_fields.is_some(),
            custom_schema_spec: r.custom_schema_spec.is_some(),
            display_name: r.display_name.as_deref(),
            experience_start_date: r.experience_start_date.as_deref(),
            full_name: r.full_name.as_deref(),
            job_history: r.job_history.as_deref(),
            job_title: r.job_title,
            reports_to: r.reports_to.as_deref(),
        })
    }
}

/// `dev-users.identities.link`: an identity to give a dev user.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityLink {
    /// The dev user.
    pub dev_user: ParsedId,
    /// The identity; it replaces any the user has of the same issuer.
    pub identity: ExternalIdentityData,
}

impl TryFrom<&DevUsersIdentitiesLinkRequest> for IdentityLink {
    type Error = ValidationError;
    fn try_from(r: &DevUsersIdentitiesLinkRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            dev_user: parse_id("dev_user", &r.dev_user, ObjectKind::DevUser)?,
            identity: ExternalIdentityData {
                issuer: values::non_blank("issuer", &r.issuer)?,
                id: values::non_blank("id", &r.id)?,
                display_name: r
                    .display_name
                    .as_deref()
                    .filter(|d| !d.is_empty())
                    .map(|d| values::text("display_name", d))
                    .transpose()?,
                is_verified: false,
            },
        })
    }
}

/// `dev-users.identities.unlink`: the issuer whose identity to remove.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityUnlink {
    /// The dev user.
    pub dev_user: ParsedId,
    /// The issuer.
    pub issuer: String,
}

impl TryFrom<&DevUsersIdentitiesUnlinkRequest> for IdentityUnlink {
    type Error = ValidationError;
    fn try_from(r: &DevUsersIdentitiesUnlinkRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            dev_user: parse_id("dev_user", &r.dev_user, ObjectKind::DevUser)?,
            issuer: values::non_blank("issuer", &r.issuer)?,
        })
    }
}

/// `dev-users.merge`: which user stays and which is merged into it.
#[derive(Debug, Clone, PartialEq)]
pub struct DevUserMerge {
    /// The user that remains.
    pub primary: ParsedId,
    /// The user whose belongings move to the primary and who is deactivated.
    pub secondary: ParsedId,
}

impl TryFrom<&DevUsersMergeRequest> for DevUserMerge {
    type Error = ValidationError;
    fn try_from(r: &DevUsersMergeRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            primary: parse_id("primary_user", &r.primary_user, ObjectKind::DevUser)?,
            secondary: parse_id("secondary_user", &r.secondary_user, ObjectKind::DevUser)?,
        })
    }
}

/// `dev-users.activate` or `dev-users.deactivate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// To `active`.
    Activate,
    /// To `deactivated`.
    Deactivate,
}

/// What a dev user is, for the rules below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevUserFacts {
    /// Local id.
    pub id: i64,
    /// Current state.
    pub state: UserState,
    /// The user it was merged into, if it was.
    pub merged_into: Option<i64>,
}

/// The state a dev user takes on `change`.
///
/// # Errors
/// `value_not_permitted` on `id` when a user would deactivate itself (which would lock it
/// out) or when a merged user would be activated again.
pub fn state_change(actor: &Actor, target: DevUserFacts, change: StateChange) -> Result<UserState, ValidationError> {
    match change {
        StateChange::Deactivate => {
            if actor.kind == ObjectKind::DevUser && actor.id == target.id {
                return Err(ValidationError::not_permitted("id", "a dev user cannot deactivate itself"));
            }
            Ok(UserState::Deactivated)
        }
        StateChange::Activate => match target.merged_into {
            Some(p) => Err(ValidationError::not_permitted("id", format!("the dev user was merged into DEVU-{p}"))),
            None => Ok(UserState::Active),
        },
    }
}

/// Checks that `secondary` may be merged into `primary`.
///
/// # Errors
/// `value_not_permitted` naming the field: the same user twice, a user already merged, or
/// the caller merging itself away (which would lock it out).
pub fn check_merge(actor: &Actor, primary: DevUserFacts, secondary: DevUserFacts) -> Result<(), ValidationError> {
    if primary.id == secondary.id {
        return Err(ValidationError::not_permitted("secondary_user", "a dev user cannot be merged into itself"));
    }
    if let Some(p) = primary.merged_into {
        return Err(ValidationError::not_permitted("primary_user", format!("the dev user was merged into DEVU-{p}")));
    }
    if let Some(p) = secondary.merged_into {
        return Err(ValidationError::not_permitted("secondary_user", format!("the dev user was merged into DEVU-{p}")));
    }
    if actor.kind == ObjectKind::DevUser && actor.id == secondary.id {
        return Err(ValidationError::not_permitted("secondary_user", "the calling dev user cannot be merged away"));
    }
    Ok(())
}

/// An owner list after a merge: the secondary replaced by the primary, without repeats.
pub fn merged_owners(owners: &[i64], secondary: i64, primary: i64) -> Vec<i64> {
    let mut out = Vec::with_capacity(owners.len());
    for &o in owners {
        let o = if o == secondary { primary } else { o };
        if !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

/// The secondary's identities the primary takes over in a merge: those of issuers the
/// primary has none of.
pub fn identities_to_move(
    primary: &[ExternalIdentityData],
    secondary: &[ExternalIdentityData],
) -> Vec<ExternalIdentityData> {
    secondary.iter().filter(|s| !primary.iter().any(|p| p.issuer == s.issuer)).cloned().collect()
}

/// Filters of `dev-users.list`: AND across fields, OR within one field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DevUserFilter {
    /// Emails, lower-cased (matched ignoring case).
    pub email: Option<Vec<String>>,
    /// States.
    pub state: Option<Vec<UserState>>,
    /// `(issuer, id)` pairs; a missing half matches any value.
    pub external_identity: Option<Vec<(Option<String>, Option<String>)>>,
    /// Creation range.
    pub created_date: Option<TimeRange>,
    /// Modification range.
    pub modified_date: Option<TimeRange>,
}

const DAY_MS: i64 = 86_400_000;

/// Parses a `date-filter`: a range, or a preset counted in days from `now`.
///
/// # Errors
/// `value_not_permitted` for a bound that is not RFC 3339; `missing_required_field` for a
/// preset without `preset_type` or `days`.
pub fn date_range(field: &str, f: Option<&DateFilter>, now: Timestamp) -> Result<Option<TimeRange>, ValidationError> {
    let Some(f) = f else { return Ok(None) };
    match f.filter_type.unwrap_or(DateFilterType::Range) {
        DateFilterType::Range => {
            TimeRange::parse(field, Some(&DateTimeFilter { after: f.after.clone(), before: f.before.clone() }))
        }
        DateFilterType::Preset => {
            let preset = f.preset_type.ok_or_else(|| ValidationError::missing(&format!("{field}.preset_type")))?;
            let days = f.days.ok_or_else(|| ValidationError::missing(&format!("{field}.days")))?;
            let span = i64::from(days).saturating_mul(DAY_MS);
            let (after, before) = match preset {
                DateTimePresetType::LastNDays => (now.millis().saturating_sub(span), now.millis()),
                DateTimePresetType::NextNDays => (now.millis(), now.millis().saturating_add(span)),
            };
            Ok(Some(TimeRange {
                after: Some(Timestamp::from_millis(after)),
                before: Some(Timestamp::from_millis(before)),
            }))
        }
    }
}

impl DevUserFilter {
    /// Parses a `dev-users.list` request's filters; presets count from `now`.
    ///
    /// # Errors
    /// A 400 for malformed times or an unsupported filter.
    pub fn parse(r: &DevUsersListRequest, now: Timestamp) -> Result<Self, ValidationError> {
        if r.custom_fields.is_some() {
            return Err(ValidationError::unsupported("custom_fields"));
        }
        Ok(Self {
            email: r.email.as_ref().map(|v| v.iter().map(|e| e.to_lowercase()).collect()),
            state: r.state.clone(),
            external_identity: r.external_identity.as_ref().map(|v| {
                v.iter()
                    .map(|f| (f.issuer.clone().filter(|s| !s.is_empty()), f.id.clone().filter(|s| !s.is_empty())))
                    .collect()
            }),
            created_date: date_range("created_date", r.created_date.as_ref(), now)?,
            modified_date: date_range("modified_date", r.modified_date.as_ref(), now)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refs::UserRef;

    fn facts(id: i64, merged_into: Option<i64>) -> DevUserFacts {
        DevUserFacts { id, state: UserState::Active, merged_into }
    }

    const ME: Actor = UserRef { kind: ObjectKind::DevUser, id: 1 };

    #[test]
    fn state_changes_guard_the_caller_and_merged_users() {
        assert!(state_change(&ME, facts(1, None), StateChange::Deactivate).is_err());
        assert_eq!(state_change(&ME, facts(2, None), StateChange::Deactivate).unwrap(), UserState::Deactivated);
        assert!(state_change(&ME, facts(2, Some(3)), StateChange::Activate).is_err());
        assert_eq!(state_change(&ME, facts(2, None), StateChange::Activate).unwrap(), UserState::Active);
        let bot = UserRef { kind: ObjectKind::SysUser, id: 1 };
        assert!(state_change(&bot, facts(1, None), StateChange::Deactivate).is_ok(), "SYSU-1 is not DEVU-1");
    }

    #[test]
    fn merges_need_two_unmerged_users_and_keep_the_caller() {
        assert!(check_merge(&ME, facts(2, None), facts(2, None)).is_err());
        assert!(check_merge(&ME, facts(2, Some(4)), facts(3, None)).is_err());
        assert!(check_merge(&ME, facts(2, None), facts(3, Some(4))).is_err());
        assert!(check_merge(&ME, facts(2, None), facts(1, None)).is_err());
        assert!(check_merge(&ME, facts(1, None), facts(2, None)).is_ok());
        assert_eq!(merged_owners(&[3, 2, 5], 3, 2), vec![2, 5]);
        assert_eq!(merged_owners(&[3], 3, 2), vec![2]);
        let id = |issuer: &str| ExternalIdentityData {
            issuer: issuer.into(),
            id: "x".into(),
            display_name: None,
            is_verified: false,
        };
        assert_eq!(identities_to_move(&[id("github")], &[id("github"), id("okta")]), vec![id("okta")]);
    }

    #[test]
    fn date_filters_read_ranges_and_presets() {
        let now = Timestamp::from_millis(10 * DAY_MS);
        let preset = DateFilter {
            filter_type: Some(DateFilterType::Preset),
            preset_type: Some(DateTimePresetType::LastNDays),
            days: Some(2),
            ..Default::default()
        };
        let r = date_range("created_date", Some(&preset), now).unwrap().unwrap();
        assert_eq!((r.after.unwrap().millis(), r.before.unwrap().millis()), (8 * DAY_MS, 10 * DAY_MS));
        let untyped = DateFilter { after: Some("1970-01-02T00:00:00Z".into()), ..Default::default() };
        assert_eq!(date_range("d", Some(&untyped), now).unwrap().unwrap().after.unwrap().millis(), DAY_MS);
        let bad = DateFilter { filter_type: Some(DateFilterType::Preset), ..Default::default() };
        assert!(matches!(
            date_range("d", Some(&bad), now).unwrap_err().kind,
            revdir_api::ErrorKind::MissingRequiredField { .. }
        ));
    }

    #[test]
    fn job_history_round_trips_through_its_column() {
        let entries = vec![JobHistoryEntry {
            start_date: Some(Timestamp::from_millis(5)),
            title: Some("Engineer".into()),
            ..Default::default()
        }];
        assert_eq!(JobHistoryEntry::decode(&JobHistoryEntry::encode(&entries)), entries);
        assert!(JobHistoryEntry::decode("not json").is_empty());
    }
}
