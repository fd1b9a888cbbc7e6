//! The one-request upload of a small file (`POST /api/v1/files`, and a file
//! request's form): the server chunks the bytes itself, stores the chunks the sender
//! does not have yet, and commits in one transaction, without an upload session.

use super::access::{Need, View};
use super::{now_ms, Core};
use crate::domain::{
    device_name, stored_inline, Commit, CommitOutcome, ConflictPolicy, Error, RelPath, UploadChunk,
    UploadId, UploadSession, User,
};
use crate::ports::StoreError;
use bytes::Bytes;
use futures::StreamExt;
use std::collections::HashSet;
use wasm_chunker::{ChunkId, ChunkRef};

/// How often a file sent whole is committed again when a collector was deleting
/// one of its chunks.
const SMALL_COMMIT_ATTEMPTS: u32 = 10;

impl Core {
    /// Checks that `size` bytes at `path` fit in the user's quota, with the usage
    /// `user` carries (a new version replaces the current one's size): an early
    /// refusal, before the commit's transaction enforces the quota exactly.
    async fn check_quota_with(&self, user: &User, path: &RelPath, size: u64) -> Result<(), Error> {
        let mut available = user.quota_bytes.saturating_sub(user.used_bytes);
        if size <= available {
            return Ok(());
        }
        if let Some(current) = self.meta.entry_by_path(&user.id, path).await? {
            if !current.is_folder {
                available += current.size;
            }
        }
        if size > available {
            return Err(Error::QuotaExceeded {
                needed: size,
                available,
            });
        }
        Ok(())
    }

    /// Stores a whole file sent in one request (`POST /api/v1/files`): chunks it
    /// here, stores the chunks the user does not have yet, and commits in one
    /// transaction, without the round trips of an upload session.
    pub async fn upload_small(
        &self,
        user: &User,
        path: RelPath,
        bytes: Bytes,
        device: Option<String>,
    ) -> Result<(CommitOutcome, RelPath), Error> {
        let shown = path.clone();
        let (acting, path, view) = self.tree_of_path(user, &path, Need::Write).await?;
        let sender = Some((user, &view));
        let (outcome, _) = self
            .upload_small_at(&acting, sender, path, bytes, device, ConflictPolicy::Copy)
            .await?;
        Ok((outcome, shown))
    }

    /// [`Core::upload_small`] for a new file only, by a link holder: whatever is at
    /// `path` stays as it is and the upload is saved beside it under a
    /// conflicted-copy name.
    pub(super) async fn upload_small_as_new(
        &self,
        user: &User,
        path: RelPath,
        bytes: Bytes,
        device: Option<String>,
    ) -> Result<(CommitOutcome, RelPath), Error> {
        self.upload_small_at(user, None, path, bytes, device, ConflictPolicy::Beside)
            .await
    }

    /// Stores a whole file in `user`'s tree. `sender` is who sent it and how they see
    /// that tree; `None` for a link holder, for whom no stored chunk is skipped.
    async fn upload_small_at(
        &self,
        user: &User,
        sender: Option<(&User, &View)>,
        path: RelPath,
        bytes: Bytes,
        device: Option<String>,
        on_conflict: ConflictPolicy,
    ) -> Result<(CommitOutcome, RelPath), Error> {
        if path.is_root() {
            return Err(Error::BadRequest(
                "cannot upload to /; give a file path such as /notes.txt".into(),
            ));
        }
        path.check_new()?;
        let device = device_name(device)?;
        let size = bytes.len() as u64;
        // An early refusal with the usage known when the user authenticated (it may
        // be seconds old); the commit's transaction enforces the quota exactly.
        self.check_quota_with(user, &path, size).await?;
        let params = self.limits.chunking;
        let chunk = move |data: &[u8]| {
            wasm_chunker::chunk_all(params, data)
                .map_err(|e| Error::Internal(format!("server chunk parameters: {e}")))
        };
        // Chunking a few hundred KiB takes less time than a hop to a blocking thread.
        let (chunks, content_hash) = if bytes.len() <= 256 * 1024 {
            chunk(&bytes)?
        } else {
            let data = bytes.clone();
            tokio::task::spawn_blocking(move || chunk(&data))
                .await
                .map_err(|e| Error::Internal(format!("chunking task failed: {e}")))??
        };
        let bytes_of = |c: &ChunkRef| {
            let start = c.offset as usize;
            (c.id, bytes.slice(start..start + c.len as usize))
        };
        // Small chunks go in with the commit; the others the user lacks are
        // written to the blob store first.
        let mut inline = Vec::new();
        let mut large = Vec::new();
        let mut seen = HashSet::new();
        for c in chunks.iter().filter(|c| seen.insert(c.id)) {
            if stored_inline(u64::from(c.len)) {
                inline.push(bytes_of(c));
            } else {
                large.push(*c);
            }
        }
        let ids: Vec<ChunkId> = large.iter().map(|c| c.id).collect();
        let known = match sender {
            Some((requester, view)) => self.readable_chunks(requester, (user, view), &ids).await?,
            None => HashSet::new(),
        };
        let fresh: Vec<(ChunkId, Bytes)> = large
            .iter()
            .filter(|c| !known.contains(&c.id))
            .map(bytes_of)
            .collect();
        let now = now_ms();
        let upload = UploadSession {
            id: UploadId::generate(),
            owner: user.id.clone(),
            path: path.to_string(),
            size,
            parent_rev: None,
            base_file: None,
            device,
            created_at: now,
            expires_at: now,
            chunks: chunks
                .iter()
                .enumerate()
                .map(|(index, c)| UploadChunk {
                    index: index as u64,
                    id: c.id,
                    size: u64::from(c.len),
                    received: true,
                })
                .collect(),
        };
        // A collector deleting one of these chunks right now makes the commit refuse
        // (their bytes may be gone): they are written again once it is done.
        let mut attempt = 0;
        let outcome = loop {
            self.put_blobs(&fresh).await?;
            let commit = Commit {
                upload: upload.clone(),
                content_hash: hex::encode(content_hash),
                on_conflict,
                now: now_ms(),
                session_stored: false,
                inline: inline.clone(),
            };
            match self.meta.commit_upload(commit).await {
                Err(StoreError::ChunkBusy(_)) if attempt < SMALL_COMMIT_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                result => break result?,
            }
        };
        // A collector that finished between the writes and the commit took bytes the
        // file now references; the file holds them now, so writing them again is safe.
        for (id, data) in &fresh {
            if !self.blobs.contains(id).await? {
                self.blobs.put(id, data.clone()).await?;
            }
        }
        self.announce_commit(user, &outcome).await;
        Ok((outcome, path))
    }

    /// Writes chunks to the blob store, a few at a time.
    async fn put_blobs(&self, chunks: &[(ChunkId, Bytes)]) -> Result<(), Error> {
        let blobs = std::sync::Arc::clone(&self.blobs);
        let mut puts = futures::stream::iter(chunks.to_vec())
            .map(move |(id, data)| {
                let blobs = std::sync::Arc::clone(&blobs);
                async move { blobs.put(&id, data).await }
            })
            .buffer_unordered(4);
        while let Some(put) = puts.next().await {
            put?;
        }
        Ok(())
    }
}
