//! `/artifacts.*` (§8.4) and the two token-less endpoints their URLs point at:
//! `POST /_revdir/artifacts/upload` (an S3-style presigned multipart POST) and
//! `GET /_revdir/artifacts/download?ticket=…`.

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use object_store::ObjectStoreExt as _;
use revdir_api::artifacts::{
    ArtifactsGetRequest, ArtifactsGetResponse, ArtifactsHardDeleteVersionRequest, ArtifactsListRequest,
    ArtifactsListResponse, ArtifactsLocateRequest, ArtifactsLocateResponse, ArtifactsPrepareRequest,
    ArtifactsPrepareResponse, ArtifactsVersionsPrepareRequest, ArtifactsVersionsPrepareResponse, FormData,
};
use revdir_api::common::Empty;
use revdir_core::artifacts::{
    parse_version, ArtifactDraft, ArtifactView, BlobLocation, ParentRef, Upload, UploadOutcome,
};
use revdir_core::ids::{don, parse_any_id, parse_id, ObjectKind};
use revdir_core::time::Timestamp;
use revdir_core::DevOrgScope;
use revdir_core::ValidationError;
use serde::Deserialize;

use crate::artifacts::{
    Artifacts, BlobBackend, Ticket, TicketPurpose, DOWNLOAD_PATH, DOWNLOAD_TICKET_SECS, UPLOAD_PATH, UPLOAD_TICKET_SECS,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::auth::{org_now, Scope};
use crate::extract::nul::nul_error;
use crate::extract::{ApiInput, ApiJson};
use crate::state::AppState;

/// The family's routes, including the token-less upload and download endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/artifacts.prepare", post(artifacts_prepare))
        .route("/artifacts.get", get(artifacts_get).post(artifacts_get))
        .route("/artifacts.list", get(artifacts_list).post(artifacts_list))
        .route("/artifacts.locate", get(artifacts_locate).post(artifacts_locate))
        .route("/artifacts.versions.prepare", post(artifacts_versions_prepare))
        .route("/artifacts.versions.delete", post(artifacts_versions_delete))
        // The upload handler enforces the configured limit itself while streaming.
        .route(UPLOAD_PATH, post(upload).layer(DefaultBodyLimit::disable()))
        .route(DOWNLOAD_PATH, get(download))
}

/// The presigned form for one version: the ticket is the whole authorisation.
fn upload_form(
    app: &AppState,
    headers: &HeaderMap,
    scope: &DevOrgScope,
    view: &ArtifactView,
) -> (String, Vec<FormData>) {
    let org = scope.dev_org.as_str();
    let a = &app.artifacts;
    let ticket = Ticket {
        org: org.to_owned(),
        artifact: view.record.id,
        version: view.version.version,
        exp: scope.now.seconds() + UPLOAD_TICKET_SECS,
        purpose: TicketPurpose::Upload,
    };
    let mut form = vec![
        FormData {
            key: "key".into(),
            value: format!("{}/{}", don(ObjectKind::Artifact, org, view.record.id), view.version.version),
        },
        FormData { key: "ticket".into(), value: a.sign(&ticket) },
    ];
    if let Some(t) = view.record.file_type.clone() {
        form.push(FormData { key: "Content-Type".into(), value: t });
    }
    (format!("{}{UPLOAD_PATH}", a.base_url(headers)), form)
}

async fn artifacts_prepare(
    Scope(scope): Scope,
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ArtifactsPrepareRequest>,
) -> ApiResult<Json<ArtifactsPrepareResponse>> {
    let draft = ArtifactDraft::try_from(&req)?;
    let view = app.store.prepare_artifact(&scope, draft, scope.now).await?;
    let (url, form_data) = upload_form(&app, &headers, &scope, &view);
    Ok(Json(ArtifactsPrepareResponse { id: don(ObjectKind::Artifact, &scope.dev_org, view.record.id), url, form_data }))
}

async fn artifacts_versions_prepare(
    Scope(scope): Scope,
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ArtifactsVersionsPrepareRequest>,
) -> ApiResult<Json<ArtifactsVersionsPrepareResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Artifact)?;
    let view = app.store.prepare_artifact_version(&scope, &id, scope.now).await?;
    let (url, form_data) = upload_form(&app, &headers, &scope, &view);
    Ok(Json(ArtifactsVersionsPrepareResponse { url, form_data }))
}

async fn artifacts_get(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<ArtifactsGetRequest>,
) -> ApiResult<Json<ArtifactsGetResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Artifact)?;
    let version = parse_version(req.version.as_deref())?;
    let view = app.store.get_artifact(&scope, &id, version).await?;
    Ok(Json(ArtifactsGetResponse {
        artifact: view.render(&scope.dev_org),
        version: view.render_version(&scope.dev_org),
    }))
}

/// The kinds of object that can hold artifacts.
const PARENT_KINDS: &[ObjectKind] =
    &[ObjectKind::RevUser, ObjectKind::SysUser, ObjectKind::DevUser, ObjectKind::Account, ObjectKind::RevOrg];

async fn artifacts_list(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiInput(req): ApiInput<ArtifactsListRequest>,
) -> ApiResult<Json<ArtifactsListResponse>> {
    let raw = req.parent_id.ok_or_else(|| ValidationError::missing("parent_id"))?;
    let (kind, parsed) = parse_any_id("parent_id", &raw, PARENT_KINDS)?;
    let Some(local) = parsed.local_in(&scope.dev_org) else {
        // Another org's object holds nothing visible here.
        return Ok(Json(ArtifactsListResponse { artifacts: Vec::new() }));
    };
    let views = app.store.list_artifacts(&scope, &ParentRef { kind, id: local.to_owned() }).await?;
    Ok(Json(ArtifactsListResponse { artifacts: views.iter().map(|v| v.render(&scope.dev_org)).collect() }))
}

async fn artifacts_locate(
    Scope(scope): Scope,
    State(app): State<AppState>,
    headers: HeaderMap,
    ApiInput(req): ApiInput<ArtifactsLocateRequest>,
) -> ApiResult<Json<ArtifactsLocateResponse>> {
    let id = parse_id("id", &req.id, ObjectKind::Artifact)?;
    let version = parse_version(req.version.as_deref())?;
    let view = app.store.get_artifact(&scope, &id, version).await?;
    if !view.version.uploaded {
        return Err(ApiError::NotFound(format!("artifact {} has no uploaded content yet", req.id)));
    }
    let exp = scope.now.seconds() + DOWNLOAD_TICKET_SECS;
    let ticket = Ticket {
        org: scope.dev_org.clone(),
        artifact: view.record.id,
        version: view.version.version,
        exp,
        purpose: TicketPurpose::Download,
    };
    let a = &app.artifacts;
    Ok(Json(ArtifactsLocateResponse {
        url: format!("{}{DOWNLOAD_PATH}?ticket={}", a.base_url(&headers), a.sign(&ticket)),
        expires_at: Some(Timestamp::from_millis(exp * 1000).to_rfc3339()),
    }))
}

async fn artifacts_versions_delete(
    Scope(scope): Scope,
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ArtifactsHardDeleteVersionRequest>,
) -> ApiResult<Json<Empty>> {
    let id = parse_id("id", &req.id, ObjectKind::Artifact)?;
    let version = parse_version(req.version.as_deref())?;
    let external = app.store.delete_artifact_version(&scope, &id, version).await?;
    app.artifacts.remove_objects(external).await;
    Ok(Json(Empty {}))
}

/// The multipart upload. Text parts are form fields; the part with a file name (or named
/// `file`) is the file, whatever its name, as with S3.
async fn upload(State(app): State<AppState>, form: Result<Multipart, MultipartRejection>) -> ApiResult<StatusCode> {
    let mut form = form.map_err(|e| ApiError::bad_request(format!("expected a multipart/form-data body: {e}")))?;
    let limit = app.artifacts.max_upload_bytes;
    let too_big = || ApiError::bad_request(format!("the file is larger than the {limit}-byte limit"));
    let mut ticket_text = None;
    let mut form_type = None;
    let mut file: Option<(Vec<u8>, Option<String>)> = None;
    while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e.to_string(), limit))? {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() || name == "file" {
            let part_type = field.content_type().map(str::to_owned);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e.to_string(), limit))? {
                if bytes.len() + chunk.len() > limit {
                    return Err(too_big());
                }
                bytes.extend_from_slice(&chunk);
            }
            file = Some((bytes, part_type));
        } else {
            let mut raw = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e.to_string(), limit))? {
                if raw.len() + chunk.len() > MAX_FORM_FIELD {
                    return Err(ApiError::bad_request(format!(
                        "form field {name} is longer than {MAX_FORM_FIELD} bytes"
                    )));
                }
                raw.extend_from_slice(&chunk);
            }
            let value = String::from_utf8_lossy(&raw).into_owned();
            if value.contains('\0') {
                // The form's text is input like any other: no NUL (entry 74).
                return Err(nul_error(&name));
            }
            match name.as_str() {
                "ticket" => ticket_text = Some(value),
                n if n.eq_ignore_ascii_case("content-type") => form_type = Some(value),
                _ => {}
            }
        }
    }
    let ticket_text = ticket_text.ok_or_else(|| ValidationError::missing("ticket"))?;
    let ticket = app.artifacts.verify_signature(&ticket_text, TicketPurpose::Upload)?;
    let now = org_now(&app, &ticket.org).await?;
    Artifacts::check_fresh(&ticket, now)?;
    let (bytes, part_type) = file.ok_or_else(|| ValidationError::missing("file"))?;
    let content_type =
        form_type.or(part_type).filter(|t| !t.is_empty()).or_else(|| Some("application/octet-stream".to_owned()));
    let size = i64::try_from(bytes.len()).map_err(|_| too_big())?;
    let location = match &app.artifacts.blobs {
        BlobBackend::Database => BlobLocation::Inline(bytes),
        BlobBackend::ObjectStore { store, prefix } => {
            let key = Artifacts::object_key(prefix, &ticket.org, ticket.artifact, ticket.version);
            // The object is durable before the record that names it commits.
            store.put(&key, bytes.into()).await.map_err(|e| ApiError::Unavailable(format!("object store: {e}")))?;
            BlobLocation::External(key.to_string())
        }
    };
    let upload = Upload { location, size, content_type };
    // The object this upload wrote, if any: no record may name it when the store refuses.
    let object = match &upload.location {
        BlobLocation::External(key) => Some(key.clone()),
        BlobLocation::Inline(_) => None,
    };
    match app.store.upload_artifact(&ticket.org, ticket.artifact, ticket.version, upload, now).await? {
        // S3 answers a presigned POST with 204 by default.
        UploadOutcome::Stored => Ok(StatusCode::NO_CONTENT),
        UploadOutcome::AlreadyUploaded => {
            // The refusal committed nothing, so the object is garbage now. (After a store
            // error it stays: the commit's outcome may be unknown, and a record must never
            // name missing bytes.)
            app.artifacts.remove_objects(object.into_iter().collect()).await;
            Err(ApiError::Forbidden(
                "the ticket was used already: a version's bytes are written once; ask artifacts.versions.prepare for \
                 a new version"
                    .into(),
            ))
        }
    }
}

/// Longest text field accepted in an upload form.
const MAX_FORM_FIELD: usize = 64 * 1024;

fn multipart_error(detail: &str, limit: usize) -> ApiError {
    if detail.contains("limit") || detail.contains("too large") {
        ApiError::bad_request(format!("the upload is larger than the {limit}-byte limit"))
    } else {
        ApiError::bad_request(format!("the body is not a valid multipart form: {detail}"))
    }
}

/// Query of a download URL.
#[derive(Debug, Deserialize)]
struct DownloadQuery {
    ticket: Option<String>,
}

async fn download(State(app): State<AppState>, q: Result<Query<DownloadQuery>, QueryRejection>) -> ApiResult<Response> {
    let raw = q.ok().and_then(|Query(q)| q.ticket).ok_or_else(|| ValidationError::missing("ticket"))?;
    let ticket = app.artifacts.verify_signature(&raw, TicketPurpose::Download)?;
    Artifacts::check_fresh(&ticket, org_now(&app, &ticket.org).await?)?;
    let (name, version, location) = app.store.artifact_content(&ticket.org, ticket.artifact, ticket.version).await?;
    let bytes = match location {
        BlobLocation::Inline(bytes) => bytes,
        BlobLocation::External(key) => match &app.artifacts.blobs {
            BlobBackend::ObjectStore { store, .. } => store
                .get(&object_store::path::Path::from(key.as_str()))
                .await
                .map_err(|e| ApiError::Unavailable(format!("object store: {e}")))?
                .bytes()
                .await
                .map_err(|e| ApiError::Unavailable(format!("object store: {e}")))?
                .to_vec(),
            BlobBackend::Database => {
                return Err(ApiError::Unavailable("this artifact lives in an object store this node lacks".into()))
            }
        },
    };
    let content_type = version.content_type.unwrap_or_else(|| "application/octet-stream".into());
    let disposition = format!("inline; filename=\"{}\"", name.replace(['"', '\\', '\r', '\n'], "_"));
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], Body::from(bytes))
        .into_response())
}
