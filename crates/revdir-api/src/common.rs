//! Shapes shared by several families: summaries, filters, list modes, empty bodies.

use serde::{Deserialize, Serialize};

/// `user-type`: the discriminator of a user summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    /// A member of the builder organisation.
    DevUser,
    /// A customer contact.
    RevUser,
    /// An application's service account.
    ServiceAccount,
    /// A built-in system user such as `devrev-bot`.
    SysUser,
}

/// `user-state`: the lifecycle state of any user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// Can log in and act.
    Active,
    /// Switched off by an administrator.
    Deactivated,
    /// Removed.
    Deleted,
    /// Temporarily locked.
    Locked,
    /// Known by email but never joined.
    Shadow,
    /// Imported without a usable email.
    Unassigned,
}

/// `user-summary`: a reference to any kind of user, discriminated on `type`.
///
/// The rev-user variant adds `external_ref` and `rev_org`; the others leave them out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    /// Which kind of user this is.
    #[serde(rename = "type")]
    pub user_type: UserType,
    /// The user's DON.
    pub id: String,
    /// Human-readable id, such as `DEVU-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_picture: Option<ArtifactSummary>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Lifecycle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// Rev users only: their external reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Rev users only: the organisation they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_org: Option<OrgSummary>,
}

/// `org-type`: the discriminator of an org summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// A customer company.
    Account,
    /// The builder organisation itself.
    DevOrg,
    /// A workspace inside an account.
    RevOrg,
}

/// `org-summary`: a reference to an account, dev org or rev org.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// Which kind of organisation this is.
    #[serde(rename = "type")]
    pub org_type: OrgType,
    /// The organisation's DON.
    pub id: String,
    /// Human-readable id, such as `REV-AbCdEfGh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Dev orgs only (and then required): the org's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev_slug: Option<String>,
}

/// `account-summary`: a reference to an account (no discriminator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The account's DON.
    pub id: String,
    /// Human-readable id, such as `ACC-12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Name shown in user interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `artifact-summary`: a reference to an uploaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactSummary {
    /// The artifact's DON.
    pub id: String,
    /// Human-readable id, such as `ARTIFACT-12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// What was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<ArtifactFileSummary>,
}

/// `artifact-file-summary`: name, media type and size of an artifact's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactFileSummary {
    /// Media type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
}

/// `tag-style`: how a tag is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagStyle {
    /// Colour as `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// `tag-summary`: a reference to a tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagSummary {
    /// The tag's DON.
    pub id: String,
    /// Human-readable id, such as `TAG-7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// The tag's unique name.
    pub name: String,
    /// How the tag is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_new: Option<TagStyle>,
}

/// `tag-with-value`: a tag applied to an object, with its optional value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagWithValue {
    /// The tag.
    pub tag: TagSummary,
    /// The value chosen from the tag's allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `set-tag-with-value`: a tag to apply, by id, with an optional value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTagWithValue {
    /// The tag's DON or display id.
    pub id: String,
    /// One of the tag's allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `date-time-filter`: an inclusive time range; either end may be open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateTimeFilter {
    /// Earliest time, inclusive (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Latest time, inclusive (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

/// `list-mode`: which way to walk from the cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListMode {
    /// Entries after the cursor, or from the start without one.
    #[default]
    After,
    /// Entries before the cursor, or from the end without one.
    Before,
}

/// `{set: [...]}`: replaces a whole collection.
///
/// Only the object form decodes: a derived `Deserialize` would also take a JSON array as
/// the struct's fields in order, so a plain `["a"]` sent where `{set}` belongs would be
/// misreported as `field[0]` and `[["a"]]` silently accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetList<T> {
    /// The complete new collection.
    pub set: Vec<T>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SetList<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = SetList<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct SetList")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut set = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "set" {
                        set = Some(map.next_value()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(SetList { set: set.unwrap_or_default() })
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// An empty object: the body of deletes and of requests without fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `custom-schema-spec`: which schema fragments a request's custom fields belong to (§6.3).
///
/// Every custom field sent must belong to a fragment named here (or in the request's
/// explicit fragment ids); fragments not named stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaSpec {
    /// Application fragments to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apps: Option<Vec<String>>,
    /// Subtype whose fragment to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Whether to include the tenant fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_fragment: Option<bool>,
    /// Whether required fields are enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_required_fields: Option<bool>,
    /// Fragments to detach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<CustomSchemaSpecDrop>,
}

/// `custom-schema-spec-drop`: fragments a write detaches from the object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchemaSpecDrop {
    /// Applications whose fragments (and values) to detach; none may also be in `apps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apps: Option<Vec<String>>,
    /// Whether to remove the subtype (and its values); `subtype` must then be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<bool>,
}

/// Serde helper for three-state nullable fields: absent, `null`, or a value.
///
/// Use with `#[serde(default, deserialize_with = "nullable::deserialize", skip_serializing_if = "Option::is_none")]`
/// on an `Option<Option<T>>`.
pub mod nullable {
    use serde::{Deserialize, Deserializer};

    /// Decodes a present field: `null` becomes `Some(None)`, a value `Some(Some(v))`.
    ///
    /// # Errors
    /// Whatever `T`'s own deserializer reports.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
