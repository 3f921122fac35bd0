//! Tags: commands, views and the rules for applying them to objects (§8.3).

use revdir_api::common::{SetTagWithValue, TagStyle, TagSummary, TagWithValue};
use revdir_api::tags as wire;

use crate::error::ValidationError;
use crate::ids::{display_id, don, parse_id, ObjectKind, ParsedId};
use crate::refs::UserSummaryData;
use crate::time::Timestamp;
use crate::values;

/// A stored tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRecord {
    /// Local id (`TAG-<id>`).
    pub id: i64,
    /// Unique name in the dev org.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Values an application may carry; empty means none may be given.
    pub allowed_values: Vec<String>,
    /// `#RRGGBB` colour.
    pub color: Option<String>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last change time.
    pub modified_date: Timestamp,
}

/// A tag with the users it references, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct TagView {
    /// The tag.
    pub tag: TagRecord,
    /// Creator.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier.
    pub modified_by: Option<UserSummaryData>,
}

/// A new tag.
#[derive(Debug, Clone, PartialEq)]
pub struct TagDraft {
    /// Unique name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Allowed values.
    pub allowed_values: Vec<String>,
    /// Colour.
    pub color: Option<String>,
}

/// Changes to a tag; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct TagPatch {
    /// Which tag.
    pub id: ParsedId,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New allowed values.
    pub allowed_values: Option<Vec<String>>,
    /// New colour.
    pub color: Option<String>,
}

/// Fields `tags.list` can sort by.
pub const SORTABLE: &[&str] = &["name", "created_date", "modified_date", "display_id"];

fn color(style: Option<&TagStyle>) -> Result<Option<String>, ValidationError> {
    match style.and_then(|s| s.color.as_deref()) {
        None => Ok(None),
        Some(c) if c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(c.to_owned()))
        }
        Some(c) => Err(ValidationError::not_permitted("style_new.color", format!("'{c}' is not #RRGGBB"))),
    }
}

fn allowed(values: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = values::non_blank("allowed_values", v)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

impl TryFrom<&wire::TagsCreateRequest> for TagDraft {
    type Error = ValidationError;
    fn try_from(r: &wire::TagsCreateRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            name: values::non_blank("name", &r.name)?,
            description: r.description.as_deref().map(|d| values::text("description", d)).transpose()?,
            allowed_values: allowed(r.allowed_values.as_deref().unwrap_or_default())?,
            color: color(r.style_new.as_ref())?,
        })
    }
}

impl TryFrom<&wire::TagsUpdateRequest> for TagPatch {
    type Error = ValidationError;
    fn try_from(r: &wire::TagsUpdateRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            id: parse_id("id", &r.id, ObjectKind::Tag)?,
            name: r.name.as_deref().map(|n| values::non_blank("name", n)).transpose()?,
            description: r.description.as_deref().map(|d| values::text("description", d)).transpose()?,
            allowed_values: r.allowed_values.as_ref().map(|a| allowed(&a.set)).transpose()?,
            color: color(r.style_new.as_ref())?,
        })
    }
}

/// A tag to apply to an object, as requested (`tags[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct TagAssignment {
    /// The tag.
    pub id: ParsedId,
    /// The requested value.
    pub value: Option<String>,
}

/// Parses a `tags` request list; the same tag twice is refused.
///
/// # Errors
/// `invalid_id`/`unexpected_id_type` for a bad tag id; `value_not_permitted` for a repeat.
pub fn parse_assignments(input: &[SetTagWithValue]) -> Result<Vec<TagAssignment>, ValidationError> {
    let mut out: Vec<TagAssignment> = Vec::with_capacity(input.len());
    for (i, t) in input.iter().enumerate() {
        let id = parse_id(&format!("tags[{i}].id"), &t.id, ObjectKind::Tag)?;
        if out.iter().any(|o| o.id.local == id.local) {
            return Err(ValidationError::not_permitted(&format!("tags[{i}].id"), "the same tag is given twice"));
        }
        out.push(TagAssignment { id, value: t.value.clone() });
    }
    Ok(out)
}

/// Checks an assignment's value against its stored tag: a value must be one of the tag's
/// allowed values, and a tag without allowed values takes none (§8.3).
///
/// # Errors
/// `value_not_permitted` naming `tags[i].value`.
pub fn check_value(index: usize, value: Option<&str>, tag: &TagRecord) -> Result<(), ValidationError> {
    let field = format!("tags[{index}].value");
    match value {
        None => Ok(()),
        Some(_) if tag.allowed_values.is_empty() => Err(ValidationError::not_in(
            &field,
            format!("tag {} has no allowed values, so it takes no value", tag.name),
            Vec::new(),
        )),
        Some(v) if tag.allowed_values.iter().any(|a| a == v) => Ok(()),
        Some(v) => Err(ValidationError::not_in(
            &field,
            format!("'{v}' is not an allowed value of tag {}", tag.name),
            tag.allowed_values.clone(),
        )),
    }
}

/// A tag applied to an object, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct TagLinkData {
    /// Tag id.
    pub tag_id: i64,
    /// Tag name.
    pub name: String,
    /// Tag colour.
    pub color: Option<String>,
    /// Applied value.
    pub value: Option<String>,
}

/// Renders tag links.
pub fn render_links(org: &str, links: &[TagLinkData]) -> Vec<TagWithValue> {
    links
        .iter()
        .map(|l| TagWithValue {
            tag: TagSummary {
                id: don(ObjectKind::Tag, org, l.tag_id),
                display_id: display_id(ObjectKind::Tag, l.tag_id),
                name: l.name.clone(),
                style_new: l.color.clone().map(|c| TagStyle { color: Some(c) }),
            },
            value: l.value.clone(),
        })
        .collect()
}

impl TagView {
    /// Renders the wire `tag`.
    pub fn render(&self, org: &str) -> wire::Tag {
        let t = &self.tag;
        wire::Tag {
            id: don(ObjectKind::Tag, org, t.id),
            display_id: display_id(ObjectKind::Tag, t.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(t.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(t.modified_date.to_rfc3339()),
            allowed_values: (!t.allowed_values.is_empty()).then(|| t.allowed_values.clone()),
            description: t.description.clone(),
            name: t.name.clone(),
            style_new: t.color.clone().map(|c| TagStyle { color: Some(c) }),
        }
    }
}

/// A tag filter: the tag's local id (`None` when it is another org's) and a required value.
pub type TagFilterEntry = (Option<i64>, Option<String>);

/// Parses `tags` filter entries (`TAG-1` or `TAG-1=value`) resolved in dev org `org`;
/// a tag of another org resolves to `None` and matches nothing.
///
/// # Errors
/// `invalid_id`/`unexpected_id_type` for a bad tag id.
pub fn parse_tag_filters_in(org: &str, input: &[String]) -> Result<Vec<TagFilterEntry>, ValidationError> {
    input
        .iter()
        .map(|t| {
            let (id, value) = match t.split_once('=') {
                Some((id, v)) => (id, Some(v.to_owned())),
                None => (t.as_str(), None),
            };
            Ok((parse_id("tags", id, ObjectKind::Tag)?.number_in(org), value))
        })
        .collect()
}
