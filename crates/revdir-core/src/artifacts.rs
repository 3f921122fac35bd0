//! Artifacts: uploaded files with versions, held by at most one parent object (§8.4).

use revdir_api::artifacts as wire;
use revdir_api::common::{ArtifactFileSummary, ArtifactSummary};

use crate::error::ValidationError;
use crate::ids::{display_id, don, ObjectKind};
use crate::refs::{UserRef, UserSummaryData};
use crate::time::Timestamp;
use crate::values;

/// Largest file name accepted, in bytes.
const MAX_FILE_NAME: usize = 1024;

/// The object holding an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParentRef {
    /// Kind of the holder.
    pub kind: ObjectKind,
    /// Local id of the holder.
    pub id: String,
}

impl ParentRef {
    /// The holder's DON in dev org `org`.
    pub fn don(&self, org: &str) -> String {
        don(self.kind, org, &self.id)
    }
}

/// A stored artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRecord {
    /// Local id (`ARTIFACT-<id>`).
    pub id: i64,
    /// File name given at prepare.
    pub file_name: String,
    /// Media type given at prepare.
    pub file_type: Option<String>,
    /// Configuration set given at prepare.
    pub configuration_set: Option<String>,
    /// The object holding the artifact, if any.
    pub parent: Option<ParentRef>,
    /// Creator.
    pub created_by: Option<UserRef>,
    /// Creation time.
    pub created_date: Timestamp,
    /// Last modifier.
    pub modified_by: Option<UserRef>,
    /// Last change time.
    pub modified_date: Timestamp,
}

/// One version of an artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// Version number, from 1.
    pub version: i64,
    /// Bytes uploaded, once uploaded.
    pub size: Option<i64>,
    /// Media type of the uploaded bytes.
    pub content_type: Option<String>,
    /// Whether bytes have been uploaded.
    pub uploaded: bool,
    /// When the version was prepared.
    pub created_date: Timestamp,
    /// Who prepared it.
    pub modified_by: Option<UserRef>,
}

/// An artifact with the version to show and the users it references.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactView {
    /// The artifact.
    pub record: ArtifactRecord,
    /// The version described: the one asked for, else the latest uploaded, else the latest.
    pub version: VersionRecord,
    /// Creator.
    pub created_by: Option<UserSummaryData>,
    /// Last modifier.
    pub modified_by: Option<UserSummaryData>,
    /// Who prepared the version.
    pub version_by: Option<UserSummaryData>,
}

impl ArtifactView {
    fn file(&self) -> (Option<String>, Option<i32>) {
        let file_type = self.version.content_type.clone().or_else(|| self.record.file_type.clone());
        let size = self.version.size.and_then(|s| i32::try_from(s).ok());
        (file_type, size)
    }

    /// Renders the wire `artifact`.
    pub fn render(&self, org: &str) -> wire::Artifact {
        let r = &self.record;
        let (file_type, size) = self.file();
        wire::Artifact {
            id: don(ObjectKind::Artifact, org, r.id),
            display_id: display_id(ObjectKind::Artifact, r.id),
            created_by: self.created_by.as_ref().map(|u| u.render(org)),
            created_date: Some(r.created_date.to_rfc3339()),
            modified_by: self.modified_by.as_ref().map(|u| u.render(org)),
            modified_date: Some(r.modified_date.to_rfc3339()),
            file: Some(wire::ArtifactFile { file_type, name: Some(r.file_name.clone()), size }),
        }
    }

    /// Renders the wire `artifact-version`.
    pub fn render_version(&self, org: &str) -> wire::ArtifactVersion {
        wire::ArtifactVersion {
            version: self.version.version.to_string(),
            timestamp: self.version.created_date.to_rfc3339(),
            modified_by: self.version_by.as_ref().map(|u| u.render(org)),
        }
    }

    /// Renders an `artifact-summary`.
    pub fn summary(&self, org: &str) -> ArtifactSummary {
        let (file_type, size) = self.file();
        ArtifactSummary {
            id: don(ObjectKind::Artifact, org, self.record.id),
            display_id: display_id(ObjectKind::Artifact, self.record.id),
            file: Some(ArtifactFileSummary { file_type, name: Some(self.record.file_name.clone()), size }),
        }
    }
}

/// A new artifact, from `artifacts.prepare`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactDraft {
    /// File name.
    pub file_name: String,
    /// Media type.
    pub file_type: Option<String>,
    /// Configuration set.
    pub configuration_set: Option<String>,
}

impl TryFrom<&wire::ArtifactsPrepareRequest> for ArtifactDraft {
    type Error = ValidationError;
    fn try_from(r: &wire::ArtifactsPrepareRequest) -> Result<Self, Self::Error> {
        let file_name = values::non_blank("file_name", &r.file_name)?;
        if file_name.len() > MAX_FILE_NAME {
            return Err(ValidationError::not_permitted("file_name", format!("longer than {MAX_FILE_NAME} bytes")));
        }
        let file_type =
            r.file_type.as_deref().filter(|t| !t.is_empty()).map(|t| values::text("file_type", t)).transpose()?;
        Ok(Self { file_name, file_type, configuration_set: r.configuration_set.map(|c| c.as_str().to_owned()) })
    }
}

/// Parses a `version` request field.
///
/// # Errors
/// `value_not_permitted` when it is not a positive integer.
pub fn parse_version(v: Option<&str>) -> Result<Option<i64>, ValidationError> {
    v.map(|s| {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ValidationError::not_permitted("version", format!("'{s}' is not a version number")))
    })
    .transpose()
}

/// Where an uploaded version's bytes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// In the database, next to the record.
    Inline(Vec<u8>),
    /// In an external object store, under this key.
    External(String),
}

/// Uploaded content for a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Where the bytes are (or go).
    pub location: BlobLocation,
    /// Byte count.
    pub size: i64,
    /// Media type.
    pub content_type: Option<String>,
}

/// What became of an upload: a version's bytes are written once (API-CONVENTIONS entry 75).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadOutcome {
    /// The bytes are the version's now.
    Stored,
    /// The version had its bytes already; nothing was written.
    AlreadyUploaded,
}

/// What an artifact summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactSummaryData {
    /// Local id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// Media type: the uploaded one, else the one given at prepare.
    pub file_type: Option<String>,
    /// Size of the current version.
    pub size: Option<i64>,
}

impl ArtifactSummaryData {
    /// Renders an `artifact-summary`.
    pub fn render(&self, org: &str) -> ArtifactSummary {
        ArtifactSummary {
            id: don(ObjectKind::Artifact, org, self.id),
            display_id: display_id(ObjectKind::Artifact, self.id),
            file: Some(ArtifactFileSummary {
                file_type: self.file_type.clone(),
                name: Some(self.file_name.clone()),
                size: self.size.and_then(|s| i32::try_from(s).ok()),
            }),
        }
    }
}

/// Parses artifact ids of a request field (`display_picture`, `artifacts`).
///
/// # Errors
/// `invalid_id`/`unexpected_id_type` naming the field; `value_not_permitted` for a repeat.
pub fn parse_artifact_ids(field: &str, ids: &[String]) -> Result<Vec<crate::ids::ParsedId>, ValidationError> {
    let mut out: Vec<crate::ids::ParsedId> = Vec::with_capacity(ids.len());
    for id in ids {
        let p = crate::ids::parse_id(field, id, ObjectKind::Artifact)?;
        if out.iter().any(|o| o.local == p.local) {
            return Err(ValidationError::not_permitted(field, format!("{id} is given twice")));
        }
        out.push(p);
    }
    Ok(out)
}
