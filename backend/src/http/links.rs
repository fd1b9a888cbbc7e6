//! The link API (`/api/v1/s/{token}/…`): what a link shows, entering its password,
//! downloads, and a small file sent whole to a file request (the resumable uploads
//! through a link are in `uploads.rs`).
//!
//! A link's token is its credential. A password-protected link also needs the
//! `cairn_link` cookie that entering the password sets, scoped to that link's paths.
//! Every path a link holder names is parsed relative to the share's root and refused
//! when it could climb out of it.

use super::content::{serve_content, show_inline, zip_response};
use super::convert::{link_committed, server_config};
use super::cookies::{link_grant, set_grant};
use super::doc_rows::{
    ChunkBusyOnStore, LinkExpired, LinkNotFound, LinkPasswordRequired, LinkTokenParam,
    NotAFileRequest, NotModified, RecipientFull, ServerBusy,
};
use super::error::ApiError;
use super::extract::{open_link, ApiJson, ApiMultipart, ApiPath, ApiQuery, ClientAddr};
use super::link_view::share_page;
use super::state::AppState;
use super::upload_wire::read_file_field;
use super::wire_schemas::Binary;
use crate::core::Download;
use crate::domain::{share_subpath, Error, RelPath};
use axum::extract::{FromRequest, OriginalUri, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{ErrorBody, LinkPassword, ServerConfig, SharePage, UploadCommitted};

type ApiResult<T> = Result<T, ApiError>;

#[derive(serde::Deserialize)]
pub struct LinkPageQuery {
    #[serde(default)]
    path: Option<String>,
}

/// `GET /s/{token}` (API): what a link shows.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}",
    tag = "links",
    summary = "What a link shows",
    description = "Public: the token is the credential; a password-protected link also needs the `cairn_link` cookie from `POST /api/v1/s/{token}/unlock`, and without it answers only `needs_password: true`. A file request never lists what its folder holds.",
    params(
        LinkTokenParam,
        ("path" = Option<String>, Query, nullable = false, max_length = 4095, pattern = r#"^/?(?:(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*(?:/(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*)*)?/?$"#, description = "A path inside the shared folder, such as `/photos`; `/` (the default) is the shared entry. Names without control characters or backslashes, not `.` or `..`, at most 255 bytes of UTF-8 each."),
    ),
    responses(
        (status = 200, description = "The shared file, or the folder's entries at `path`.", body = SharePage),
        (status = 400, description = "`invalid-path` or `bad-request`: the path is malformed or tries to leave the shared folder (`..`, backslashes, empty segments).", body = ErrorBody),
        (status = 403, description = "`forbidden`: a file request shows nothing below its folder.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked), or the shared entry is gone; `not-found`: nothing at that path in the shared folder.", body = ErrorBody),
        (status = 410, response = inline(LinkExpired)),
    ),
)]
pub async fn link_show(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<LinkPageQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<SharePage>> {
    let grant = link_grant(&headers);
    let path = query.path.unwrap_or_default();
    Ok(Json(
        share_page(&state.core, grant.as_deref(), &token, &path).await?,
    ))
}

/// `POST /s/{token}/unlock`.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/unlock",
    tag = "links",
    summary = "Enter a link's password",
    description = "Public. On success sets the `cairn_link` cookie (HttpOnly, SameSite=Lax, scoped to this link's pages and API paths), which later requests of this link must carry. Wrong passwords are limited per link and per client: after 5 wrong ones for a link (20 for a client over all links) within a minute, the answer is 429 until the window has passed.",
    params(
        LinkTokenParam,
    ),
    request_body = LinkPassword,
    responses(
        (status = 204, description = "Unlocked.", headers(("Set-Cookie" = String, description = "The `cairn_link` grant, for `/s/{token}` and `/api/v1/s/{token}`."))),
        (status = 400, description = "`bad-request`: the body is not the JSON this endpoint takes. `password-too-long`: more than 1024 bytes.", body = ErrorBody),
        (status = 401, description = "`wrong-link-password`: the password is wrong.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked).", body = ErrorBody),
        (status = 410, response = inline(LinkExpired)),
        (status = 429, description = "`too-many-attempts`: too many wrong passwords lately; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, response = inline(ServerBusy)),
    ),
)]
pub async fn link_unlock(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    request: Request,
) -> ApiResult<Response> {
    let ClientAddr(client) = ClientAddr::of_request(&request, &state);
    let ApiJson(body) = ApiJson::<LinkPassword>::from_request(request, &state).await?;
    let (_, grant) = state
        .core
        .unlock_link(&token, &body.password, &client)
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_grant(&mut response, &token, &grant);
    Ok(response)
}

/// Decodes `%XX` escapes; `None` when an escape is malformed (a `%` not followed
/// by two hex digits) or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let well_formed = bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'%')
        .all(|(i, _)| {
            bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        });
    if !well_formed {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// The path inside a share that a download URL names after `/content`, checked
/// before decoding: an encoded `/` or `\` would hide a separator inside a name.
fn download_subpath(uri: &axum::http::Uri, token: &str) -> Result<RelPath, Error> {
    let prefix = format!("/api/v1/s/{token}/content");
    let raw = uri.path().strip_prefix(&prefix).unwrap_or("");
    // A '/' between names may come encoded, as clients encode path parameters; the
    // decoded path's every name is then checked like any other.
    if raw.to_ascii_lowercase().contains("%5c") {
        return Err(Error::BadRequest(
            "the path holds an encoded '\\'; names cannot hold one, and folders are \
             separated by '/'"
                .into(),
        ));
    }
    let decoded = percent_decode(raw).ok_or_else(|| {
        Error::BadRequest("the path has a malformed %-escape or is not UTF-8".into())
    })?;
    share_subpath(&decoded)
}

#[derive(serde::Deserialize)]
pub struct ContentQuery {
    #[serde(default)]
    inline: Option<String>,
}

async fn link_content(
    state: AppState,
    headers: HeaderMap,
    uri: axum::http::Uri,
    token: String,
    inline: bool,
) -> ApiResult<Response> {
    let access = open_link(&state.core, &headers, &token).await?;
    let sub = download_subpath(&uri, &token)?;
    // A whole download counts, a preview or a later part of a file does not.
    let later_part = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|range| !range.trim().starts_with("bytes=0-"));
    let download = state
        .core
        .link_download(&access, &sub, !inline && !later_part)
        .await?;
    match download {
        Download::File(content) => {
            let etag = content.entry.content_hash.clone().unwrap_or_default();
            let (name, size) = (content.entry.name.clone(), content.entry.size);
            let mut response = serve_content(&state, &headers, content.chunks, &name, size, &etag);
            if inline {
                show_inline(&mut response, &name);
            }
            Ok(response)
        }
        Download::Folder { name, items } => {
            let slot = state.core.zip_slot_of_link(&access.share.id)?;
            Ok(zip_response(&state, &name, items, slot))
        }
    }
}

/// `GET /s/{token}/content`: the shared file, or the shared folder as a zip.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/content",
    tag = "links",
    summary = "Download what a link shares",
    description = "Public (with the `cairn_link` cookie for a password-protected link). A file honours one `Range`; a folder streams as a ZIP archive. Each whole download adds one to the link's download count.",
    params(
        LinkTokenParam,
        ("inline" = Option<String>, Query, nullable = false, description = "Any value: show an image in the browser (`Content-Disposition: inline`) instead of downloading it; previews are not counted."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range, as for `GET /api/v1/files/{file_id}/content`."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    responses(
        (status = 200, description = "The file's bytes, or the folder as a ZIP archive.", content(
            (Binary = "application/octet-stream"),
            (Binary = "application/zip"),
        )),
        (status = 206, description = "The requested range of the file.", body = Binary, content_type = "application/octet-stream"),
        (status = 304, response = inline(NotModified)),
        (status = 401, response = inline(LinkPasswordRequired)),
        (status = 403, description = "`forbidden`: a file request offers nothing to download.", body = ErrorBody),
        (status = 404, response = inline(LinkNotFound)),
        (status = 410, response = inline(LinkExpired)),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the file.", body = ErrorBody),
        (status = 429, description = "`too-many-at-once`: as many archives (change streams) run for this user or link as may at once; try again after `Retry-After` seconds. `too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_content_root(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<ContentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    link_content(state, headers, uri, token, query.inline.is_some()).await
}

/// `GET /s/{token}/content/{path}`: a file or folder inside a shared folder.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/content/{path}",
    tag = "links",
    summary = "Download a file or folder inside a shared folder",
    description = "Public (with the `cairn_link` cookie for a password-protected link). The path is relative to the shared folder, each name percent-encoded; `..`, backslashes and encoded `/` are refused. A file honours one `Range`; a folder streams as a ZIP archive.",
    params(
        LinkTokenParam,
        ("path" = String, Path, max_length = 4095, pattern = r#"^(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*(?:/(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*)*/?$"#, description = "The path inside the shared folder, such as `photos/a.jpg`: each name percent-encoded, with `/` (plain or as `%2F`) between them; no control characters, backslashes, `.` or `..`."),
        ("inline" = Option<String>, Query, nullable = false, description = "Any value: show an image in the browser instead of downloading it; previews are not counted."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    responses(
        (status = 200, description = "The file's bytes, or the folder as a ZIP archive.", content(
            (Binary = "application/octet-stream"),
            (Binary = "application/zip"),
        )),
        (status = 206, description = "The requested range of the file.", body = Binary, content_type = "application/octet-stream"),
        (status = 304, response = inline(NotModified)),
        (status = 400, description = "`invalid-path` or `bad-request`: the path is malformed or tries to leave the shared folder.", body = ErrorBody),
        (status = 401, response = inline(LinkPasswordRequired)),
        (status = 403, description = "`forbidden`: a file request offers nothing to download.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link, or the shared entry is gone; `not-found`: nothing at that path in the shared folder.", body = ErrorBody),
        (status = 410, response = inline(LinkExpired)),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the file.", body = ErrorBody),
    ),
)]
pub async fn link_content_path(
    State(state): State<AppState>,
    ApiPath((token, _path)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ContentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    link_content(state, headers, uri, token, query.inline.is_some()).await
}

/// `GET /s/{token}/config`: the upload parameters, for the page's uploader.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/config",
    tag = "links",
    summary = "Upload parameters for a file request",
    description = "Public: the same as `GET /api/v1/config`, under the link's path so that uploaders can be pointed at one base address.",
    params(LinkTokenParam),
    responses(
        (status = 200, description = "Chunking parameters and request limits.", body = ServerConfig),
    ),
)]
pub async fn link_config(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<ServerConfig>> {
    crate::domain::check_id("link", &token)?;
    Ok(Json(server_config(state.core.limits())))
}

/// `POST /s/{token}/files`: a small file in one multipart request.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/files",
    tag = "links",
    summary = "Send a small file to a file request in one request",
    description = "A `file` field with the bytes, named by its file name; the whole request must fit in `max_request_bytes` of `GET /api/v1/config`. A taken name gets a conflicted-copy name that only the owner sees; the answer is the same whatever the folder holds.",
    params(LinkTokenParam),
    request_body(content = Binary, content_type = "multipart/form-data", description = "A `file` field."),
    responses(
        (status = 201, description = "Saved.", body = UploadCommitted),
        (status = 400, description = "`bad-request`: no file, an unreadable or too large form; `invalid-path`: the file name is not a valid name.", body = ErrorBody),
        (status = 403, response = inline(NotAFileRequest)),
        (status = 404, description = "`link-not-found`: no such link, or the folder is gone.", body = ErrorBody),
        (status = 410, response = inline(LinkExpired)),
        (status = 507, response = inline(RecipientFull)),
        (status = 401, response = inline(LinkPasswordRequired)),
        (status = 503, response = inline(ChunkBusyOnStore)),
    ),
)]
pub async fn link_upload_small(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    ApiMultipart(form): ApiMultipart,
) -> ApiResult<(StatusCode, Json<UploadCommitted>)> {
    let access = open_link(&state.core, &headers, &token).await?;
    let (name, bytes) = read_file_field(form).await?;
    let receipt = state.core.link_upload_small(&access, &name, bytes).await?;
    Ok((StatusCode::CREATED, Json(link_committed(&receipt))))
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn escapes_decode_and_malformed_ones_are_refused() {
        assert_eq!(percent_decode("a%2Fb%C3%BC c").as_deref(), Some("a/bü c"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        for malformed in ["%zz", "%4", "50%", "%+f", "%FF", "%C3"] {
            assert_eq!(percent_decode(malformed), None, "{malformed}");
        }
    }
}
