//! The resumable, deduplicating upload protocol (DESIGN §5): init, announce, chunk
//! PUTs (single or packed), status, complete.

use super::{now_ms, Core};
use crate::domain::{
    chunks_needed, Commit, CommitOutcome, ConflictPolicy, Error, RelPath, UploadChunk, UploadId,
    UploadSession, User,
};
use bytes::Bytes;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use wasm_chunker::ChunkId;

/// A new upload, as parsed from the request.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// Target path.
    pub path: RelPath,
    /// Total size in bytes.
    pub size: u64,
    /// The revision the client edited, if any.
    pub parent_rev: Option<u64>,
    /// The device's name, for conflicted copies.
    pub device: Option<String>,
    /// The first chunks, in file order from index 0.
    pub chunks: Vec<(ChunkId, u64)>,
}

/// Where an upload stands.
#[derive(Debug, Clone)]
pub struct UploadState {
    /// The session.
    pub session: UploadSession,
    /// Indexes whose bytes the server has (received here or already in the user's scope).
    pub received: Vec<u64>,
    /// Indexes still to send.
    pub missing: Vec<u64>,
}

impl Core {
    fn check_chunk_size(&self, index: u64, size: u64) -> Result<(), Error> {
        let max = u64::from(self.limits.chunking.max_size);
        if size == 0 || size > max {
            return Err(Error::BadRequest(format!(
                "chunk {index} is {size} bytes; chunks must be 1 to {max} bytes, cut with the parameters of GET /api/v1/config"
            )));
        }
        Ok(())
    }

    async fn open_upload(&self, user: &User, id: &UploadId) -> Result<UploadSession, Error> {
        self.open_upload_at(user, id, None).await
    }

    /// An open upload session with all its chunks, or only those at `only`.
    async fn open_upload_at(
        &self,
        user: &User,
        id: &UploadId,
        only: Option<&[u64]>,
    ) -> Result<UploadSession, Error> {
        let upload = self
            .meta
            .upload(&user.id, id, only)
            .await?
            .ok_or_else(|| Error::UploadNotFound(id.to_string()))?;
        if upload.expires_at <= now_ms() {
            return Err(Error::UploadExpired(id.to_string()));
        }
        Ok(upload)
    }

    async fn needed_of(&self, user: &User, chunks: &[UploadChunk]) -> Result<Vec<u64>, Error> {
        let pending: Vec<(u64, ChunkId)> = chunks
            .iter()
            .filter(|c| !c.received)
            .map(|c| (c.index, c.id))
            .collect();
        let ids: Vec<ChunkId> = pending.iter().map(|(_, id)| *id).collect();
        let known = self.meta.known_chunks(&user.id, &ids).await?;
        Ok(chunks_needed(&pending, &known))
    }

    /// Starts an upload; answers which announced chunks must be sent.
    pub async fn upload_init(
        &self,
        user: &User,
        request: InitRequest,
    ) -> Result<(UploadSession, Vec<u64>), Error> {
        if request.path.is_root() {
            return Err(Error::BadRequest(
                "cannot upload to /; give a file path such as /notes.txt".into(),
            ));
        }
        let mut announced = 0u64;
        for (index, (_, size)) in request.chunks.iter().enumerate() {
            self.check_chunk_size(index as u64, *size)?;
            announced += size;
        }
        if announced > request.size {
            return Err(Error::BadRequest(format!(
                "the announced chunks hold {announced} bytes, more than the file's size of {}",
                request.size
            )));
        }
        let available = user.quota_bytes.saturating_sub(user.used_bytes);
        if request.size > available {
            return Err(Error::QuotaExceeded {
                needed: request.size,
                available,
            });
        }
        if let Some(existing) = self.meta.entry_by_path(&user.id, &request.path).await? {
            if existing.is_folder {
                return Err(Error::AlreadyExists(format!("folder {}", request.path)));
            }
        }
        let now = now_ms();
        let session = UploadSession {
            id: UploadId::generate(),
            owner: user.id.clone(),
            path: request.path.to_string(),
            size: request.size,
            parent_rev: request.parent_rev,
            device: request.device,
            created_at: now,
            expires_at: now + self.limits.upload_ttl_ms,
            chunks: request
                .chunks
                .iter()
                .enumerate()
                .map(|(index, (id, size))| UploadChunk {
                    index: index as u64,
                    id: *id,
                    size: *size,
                    received: false,
                })
                .collect(),
        };
        let needed = self.needed_of(user, &session.chunks).await?;
        self.meta.create_upload(&session).await?;
        Ok((session, needed))
    }

    /// Announces further chunks; answers which of them must be sent.
    pub async fn upload_announce(
        &self,
        user: &User,
        id: &UploadId,
        chunks: Vec<(u64, ChunkId, u64)>,
    ) -> Result<Vec<u64>, Error> {
        let upload = self.open_upload(user, id).await?;
        let existing: HashMap<u64, &UploadChunk> =
            upload.chunks.iter().map(|c| (c.index, c)).collect();
        let mut total: u64 = upload.chunks.iter().map(|c| c.size).sum();
        let mut fresh = Vec::new();
        let mut seen = HashSet::new();
        for (index, chunk_id, size) in chunks {
            self.check_chunk_size(index, size)?;
            if !seen.insert(index) {
                return Err(Error::BadRequest(format!(
                    "chunk {index} is announced twice"
                )));
            }
            match existing.get(&index) {
                Some(known) if known.id == chunk_id && known.size == size => {}
                Some(_) => {
                    return Err(Error::BadRequest(format!(
                        "chunk {index} was announced before with another hash or size; start a new upload"
                    )))
                }
                None => {
                    total += size;
                    fresh.push(UploadChunk {
                        index,
                        id: chunk_id,
                        size,
                        received: false,
                    });
                }
            }
        }
        if total > upload.size {
            return Err(Error::BadRequest(format!(
                "the announced chunks hold {total} bytes, more than the file's size of {}",
                upload.size
            )));
        }
        self.meta.announce_chunks(&user.id, id, &fresh).await?;
        let mut all: Vec<UploadChunk> = upload.chunks;
        all.extend(fresh);
        self.needed_of(user, &all).await
    }

    /// Stores announced chunks sent in one body, concatenated in the order of
    /// `indexes`. Each is verified and stored on its own; a chunk that fails its
    /// check stores nothing and the request answers with that error.
    pub async fn upload_put_chunks(
        &self,
        user: &User,
        id: &UploadId,
        indexes: &[u64],
        body: Bytes,
    ) -> Result<Vec<u64>, Error> {
        if indexes.is_empty() {
            return Err(Error::BadRequest(
                "no chunk indexes given; add ?indexes=0,1,…".into(),
            ));
        }
        // Only the chunks this request carries: a large upload has thousands.
        let upload = self.open_upload_at(user, id, Some(indexes)).await?;
        if indexes.is_empty() {
            return Err(Error::BadRequest(
                "no chunk indexes given; add ?indexes=0,1,…".into(),
            ));
        }
        let by_index: HashMap<u64, &UploadChunk> =
            upload.chunks.iter().map(|c| (c.index, c)).collect();
        let mut expected = Vec::with_capacity(indexes.len());
        for index in indexes {
            let chunk = by_index.get(index).ok_or_else(|| {
                Error::BadRequest(format!(
                    "chunk {index} was not announced; announce it first"
                ))
            })?;
            expected.push(**chunk);
        }
        let total: u64 = expected.iter().map(|c| c.size).sum();
        if total != body.len() as u64 {
            return Err(match expected.as_slice() {
                [single] => Error::ChunkSizeMismatch {
                    index: single.index,
                    expected: single.size,
                    actual: body.len() as u64,
                },
                _ => Error::BadRequest(format!(
                    "the body holds {} bytes but chunks {indexes:?} were announced with {total}; send exactly their bytes, in that order",
                    body.len()
                )),
            });
        }
        let verified = {
            let body = body.clone();
            let expected = expected.clone();
            tokio::task::spawn_blocking(move || {
                let mut offset = 0usize;
                expected
                    .into_iter()
                    .map(|chunk| {
                        let bytes = body.slice(offset..offset + chunk.size as usize);
                        offset += chunk.size as usize;
                        let actual = ChunkId::of(&bytes);
                        (chunk, bytes, actual)
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
        };
        let mut good = Vec::new();
        let mut first_error = None;
        for (chunk, bytes, actual) in verified {
            if actual == chunk.id {
                good.push((chunk, bytes));
            } else {
                first_error.get_or_insert(Error::ChunkHashMismatch {
                    index: chunk.index,
                    expected: chunk.id.to_hex(),
                    actual: actual.to_hex(),
                });
            }
        }
        // The bytes first, durably, a few at once; then one transaction records them.
        let owned: Vec<(ChunkId, Bytes)> = good
            .iter()
            .map(|(chunk, bytes)| (chunk.id, bytes.clone()))
            .collect();
        let store = std::sync::Arc::clone(&self.blobs);
        let puts = futures::stream::iter(owned)
            .map(move |(id, bytes)| {
                let store = std::sync::Arc::clone(&store);
                async move { store.put(&id, bytes).await }
            })
            .buffer_unordered(4)
            .collect::<Vec<_>>()
            .await;
        for put in puts {
            put?;
        }
        let received: Vec<UploadChunk> = good.iter().map(|(chunk, _)| *chunk).collect();
        self.meta
            .chunks_received(&user.id, id, &received, now_ms())
            .await?;
        let stored = received.iter().map(|c| c.index).collect();
        match first_error {
            Some(error) => Err(error),
            None => Ok(stored),
        }
    }

    /// Where an upload stands, for resuming it.
    pub async fn upload_status(&self, user: &User, id: &UploadId) -> Result<UploadState, Error> {
        let session = self.open_upload(user, id).await?;
        let missing = self.needed_of(user, &session.chunks).await?;
        let missing_set: HashSet<u64> = missing.iter().copied().collect();
        let received = session
            .chunks
            .iter()
            .map(|c| c.index)
            .filter(|index| !missing_set.contains(index))
            .collect();
        Ok(UploadState {
            session,
            received,
            missing,
        })
    }

    /// Checks that the bytes of every chunk received in this upload are still stored:
    /// garbage collection may have removed a long-unreferenced chunk just before this
    /// upload announced it. The client then sends those chunks again.
    async fn check_blobs_present(&self, upload: &UploadSession) -> Result<(), Error> {
        use futures::stream;
        let received: Vec<(u64, ChunkId)> = upload
            .chunks
            .iter()
            .filter(|c| c.received)
            .map(|c| (c.index, c.id))
            .collect();
        let checks = stream::iter(received)
            .map(|(index, id)| {
                let blobs = std::sync::Arc::clone(&self.blobs);
                async move { (index, blobs.contains(&id).await) }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let mut missing = Vec::new();
        for (index, present) in checks {
            if !present? {
                missing.push(index);
            }
        }
        missing.sort_unstable();
        match missing.first() {
            Some(&first) => Err(Error::ChunksMissing {
                missing: missing.len(),
                first,
            }),
            None => Ok(()),
        }
    }

    /// Commits an upload whose chunks are all stored.
    pub async fn upload_complete(
        &self,
        user: &User,
        id: &UploadId,
        content_hash: &str,
        on_conflict: ConflictPolicy,
    ) -> Result<CommitOutcome, Error> {
        let upload = self.open_upload(user, id).await?;
        for (position, chunk) in upload.chunks.iter().enumerate() {
            if chunk.index != position as u64 {
                return Err(Error::BadRequest(format!(
                    "chunk {position} was never announced; announce every chunk from 0 on"
                )));
            }
        }
        let announced: u64 = upload.chunks.iter().map(|c| c.size).sum();
        if announced != upload.size {
            return Err(Error::BadRequest(format!(
                "the announced chunks hold {announced} bytes but the file has {}; announce the remaining chunks",
                upload.size
            )));
        }
        let missing = self.needed_of(user, &upload.chunks).await?;
        if let Some(&first) = missing.first() {
            return Err(Error::ChunksMissing {
                missing: missing.len(),
                first,
            });
        }
        self.check_blobs_present(&upload).await?;
        let actual = hex::encode(wasm_chunker::content_hash(
            upload.chunks.iter().map(|c| &c.id),
        ));
        if !actual.eq_ignore_ascii_case(content_hash) {
            return Err(Error::ContentHashMismatch {
                expected: content_hash.to_string(),
                actual,
            });
        }
        let outcome = self
            .meta
            .commit_upload(Commit {
                upload,
                content_hash: actual,
                on_conflict,
                now: now_ms(),
            })
            .await?;
        Ok(outcome)
    }
}

impl Core {
    /// Stores a whole small file sent in one request: chunks it here, stores the
    /// chunks the user does not have yet, and commits, as an upload would.
    pub async fn upload_small(
        &self,
        user: &User,
        path: RelPath,
        bytes: bytes::Bytes,
        device: Option<String>,
    ) -> Result<CommitOutcome, Error> {
        let params = self.limits.chunking;
        let data = bytes.clone();
        let (chunks, content_hash) =
            tokio::task::spawn_blocking(move || wasm_chunker::chunk_all(params, &data))
                .await
                .map_err(|e| Error::Internal(format!("chunking task failed: {e}")))?
                .map_err(|e| Error::Internal(format!("server chunk parameters: {e}")))?;
        let (session, needed) = self
            .upload_init(
                user,
                InitRequest {
                    path,
                    size: bytes.len() as u64,
                    parent_rev: None,
                    device,
                    chunks: chunks.iter().map(|c| (c.id, u64::from(c.len))).collect(),
                },
            )
            .await?;
        if !needed.is_empty() {
            let mut body = Vec::new();
            for &index in &needed {
                let chunk = chunks[index as usize];
                let start = chunk.offset as usize;
                body.extend_from_slice(&bytes[start..start + chunk.len as usize]);
            }
            self.upload_put_chunks(user, &session.id, &needed, bytes::Bytes::from(body))
                .await?;
        }
        self.upload_complete(
            user,
            &session.id,
            &hex::encode(content_hash),
            ConflictPolicy::Copy,
        )
        .await
    }
}
