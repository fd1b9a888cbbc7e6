//! Answers that carry a file's bytes: one version's content (whole, one `Range`,
//! `If-None-Match`), a folder or a selection streamed as a ZIP archive, and their
//! `Content-Disposition`. A leaf: it names no handler module.

use super::error::ApiError;
use super::range::{parse_range, ByteRange};
use super::state::AppState;
use crate::core::ZipItem;
use crate::domain::Error;
use crate::zip::ZipWriter;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use frontend::format::percent_encode;
use futures::TryStreamExt;

/// `Content-Disposition: attachment` with the name in RFC 5987 form.
pub fn attachment(name: &str) -> String {
    disposition("attachment", name)
}

/// A `Content-Disposition` of `kind` (`attachment` or `inline`): the name as ASCII
/// for old clients, and whole in RFC 5987 form.
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encode(name);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Makes a content answer for `name` one the browser shows, when it is an image it
/// can show: its media type, and `Content-Disposition: inline`.
pub fn show_inline(response: &mut Response, name: &str) {
    if let Some(media_type) = image_type(name) {
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        if let Ok(value) = HeaderValue::from_str(&disposition("inline", name)) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
}

/// Whether a name looks like an image the browser can show, and its media type.
pub fn image_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        _ => return None,
    })
}

/// Streams a folder as a ZIP archive, one chunk at a time: a task writes the
/// archive into a small channel that the response body drains, so memory stays flat
/// whatever the folder's size, and the task stops when the client goes away. The
/// task holds `slot`, the archive's place among those its user or link may stream.
pub fn zip_response(
    state: &AppState,
    name: &str,
    items: Vec<ZipItem>,
    slot: crate::core::Slot,
) -> Response {
    use futures::{SinkExt, StreamExt};
    let (mut sender, receiver) =
        futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let core = state.core.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let mut zip = ZipWriter::new();
        for item in items {
            let header = match zip.begin(&item.path, item.entry.is_folder, item.entry.modified_at) {
                Ok(header) => header,
                Err(error) => {
                    tracing::error!(%error, path = %item.path, "folder download failed");
                    let _ = sender.send(Err(std::io::Error::other(error))).await;
                    return;
                }
            };
            if sender.send(Ok(Bytes::from(header))).await.is_err() {
                return;
            }
            if !item.entry.is_folder {
                let chunks = match core.chunks_of(&item.entry).await {
                    Ok(chunks) => chunks,
                    Err(error) => {
                        tracing::error!(%error, "folder download failed");
                        let _ = sender
                            .send(Err(std::io::Error::other(error.to_string())))
                            .await;
                        return;
                    }
                };
                let mut pieces = core.stream_range(chunks, 0, item.entry.size);
                while let Some(piece) = pieces.next().await {
                    match piece {
                        Ok(bytes) => {
                            zip.data(&bytes);
                            if sender.send(Ok(bytes)).await.is_err() {
                                return;
                            }
                        }
                        Err(error) => {
                            tracing::error!(%error, "folder download failed");
                            let _ = sender
                                .send(Err(std::io::Error::other(error.to_string())))
                                .await;
                            return;
                        }
                    }
                }
            }
            if sender.send(Ok(Bytes::from(zip.end()))).await.is_err() {
                return;
            }
        }
        let _ = sender.send(Ok(Bytes::from(zip.finish()))).await;
    });
    let mut response = Response::new(Body::from_stream(receiver));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&attachment(&format!("{name}.zip"))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// Answers a content request: whole or one `Range`, `If-None-Match` against the
/// content hash, `Content-Disposition: attachment`.
pub fn serve_content(
    state: &AppState,
    headers: &HeaderMap,
    chunks: Vec<crate::domain::VersionChunk>,
    name: &str,
    size: u64,
    content_hash: &str,
) -> Response {
    let etag = format!("\"{content_hash}\"");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let range = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if range == ByteRange::Unsatisfiable {
        let mut response = ApiError(Error::RangeNotSatisfiable { size }).into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        response
    } else {
        let (status, start, end) = match range {
            ByteRange::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
            _ => (StatusCode::OK, 0, size),
        };
        let stream = state
            .core
            .stream_range(chunks, start, end)
            .map_err(|e| std::io::Error::other(e.to_string()));
        let mut response = Response::new(Body::from_stream(stream));
        *response.status_mut() = status;
        let response_headers = response.headers_mut();
        response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
        response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if status == StatusCode::PARTIAL_CONTENT {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
                response_headers.insert(header::CONTENT_RANGE, value);
            }
        }
        response_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        if let Ok(value) = HeaderValue::from_str(&attachment(name)) {
            response_headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}
