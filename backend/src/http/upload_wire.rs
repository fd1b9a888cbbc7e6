//! The upload protocol's wire parsing: chunk hashes and indexes from JSON bodies,
//! paths and queries, the body of a chunk PUT as a stream, and the multipart forms
//! of the one-request uploads. A leaf: it names no handler module.

use crate::domain::Error;
use axum::body::Body;
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use frontend::api::types::{AnnounceChunks, UploadInit};
use futures::TryStreamExt;
use serde::Deserialize;
use wasm_chunker::ChunkId;

/// A chunk's hash, as SHA-256 in hex.
pub fn parse_chunk_id(index: u64, hash: &str) -> Result<ChunkId, Error> {
    ChunkId::from_hex(hash).ok_or_else(|| {
        Error::BadRequest(format!(
            "chunk {index} hash {hash:?} is not 64 hex digits of SHA-256"
        ))
    })
}

/// The chunks an upload's `init` announces, as (id, size) in file order.
pub fn init_chunks(request: &UploadInit) -> Result<Vec<(ChunkId, u64)>, Error> {
    request
        .chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| Ok((parse_chunk_id(index as u64, &chunk.hash)?, chunk.size)))
        .collect()
}

/// The chunks a later announcement adds, as (index, id, size).
pub fn announced_chunks(request: &AnnounceChunks) -> Result<Vec<(u64, ChunkId, u64)>, Error> {
    request
        .chunks
        .iter()
        .map(|chunk| {
            Ok((
                chunk.index,
                parse_chunk_id(chunk.index, &chunk.hash)?,
                chunk.size,
            ))
        })
        .collect()
}

/// A chunk index from a request path.
pub fn chunk_index(index: &str) -> Result<u64, Error> {
    index.parse().map_err(|_| {
        Error::BadRequest(format!(
            "chunk index {index:?} is not a non-negative integer"
        ))
    })
}

/// The body's declared `Content-Length`, if any.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A request body as the stream of byte frames the upload code reads.
pub fn body_stream(
    body: Body,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
    body.into_data_stream().map_err(std::io::Error::other)
}

#[derive(Deserialize)]
pub struct PackedQuery {
    pub indexes: String,
}

impl PackedQuery {
    /// The chunk indexes the body carries, in order.
    pub fn indexes(&self) -> Result<Vec<u64>, Error> {
        self.indexes
            .split(',')
            .map(|part| {
                part.trim().parse::<u64>().map_err(|_| {
                    Error::BadRequest(format!(
                        "indexes={:?} must be comma-separated chunk indexes such as 3,4,7",
                        self.indexes
                    ))
                })
            })
            .collect()
    }
}

/// What the form of `POST /api/v1/files` carries: the `path` and `device` fields
/// when given, and the `file` field's file name and bytes.
pub struct SmallForm {
    /// Where the file goes.
    pub path: Option<String>,
    /// The sending device's name.
    pub device: Option<String>,
    /// The file field's file name.
    pub file_name: Option<String>,
    /// The file's bytes.
    pub bytes: Bytes,
}

/// Reads the form of `POST /api/v1/files` (a `path` field, optionally a `device`
/// field, then a `file` field).
pub async fn read_small_form(mut form: axum::extract::Multipart) -> Result<SmallForm, Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Error::BadRequest(format!(
            "could not read the form: {}; send multipart/form-data with a path field, then a file field",
            e.body_text()
        ))
    };
    let mut path = None;
    let mut device = None;
    let mut content = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("path") => path = Some(field.text().await.map_err(bad)?),
            Some("device") => device = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let file_name = field.file_name().map(str::to_string);
                content = Some((file_name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = content else {
        return Err(Error::BadRequest(
            "the form has no file field; add one with the file's bytes".into(),
        ));
    };
    Ok(SmallForm {
        path,
        device,
        file_name,
        bytes,
    })
}

/// Reads a small-file form: the `file` field's name and bytes.
pub async fn read_file_field(
    mut form: axum::extract::Multipart,
) -> Result<(String, bytes::Bytes), Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Error::BadRequest(format!(
            "could not read the form: {}; send multipart/form-data with a file field (at most the size the page states)",
            e.body_text()
        ))
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field
                .file_name()
                .map(str::to_string)
                .filter(|name| !name.is_empty())
                .ok_or_else(|| {
                    Error::BadRequest("choose a file to send before pressing the button".into())
                })?;
            // Browsers send only the last component, some older ones the whole path.
            let name = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_string();
            return Ok((name, field.bytes().await.map_err(bad)?));
        }
    }
    Err(Error::BadRequest(
        "the form has no file field; choose a file to send".into(),
    ))
}
