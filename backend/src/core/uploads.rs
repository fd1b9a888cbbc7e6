//! The resumable, deduplicating upload protocol (DESIGN §5): init, announce, status,
//! cancel and complete, as each step works in the tree of the user it acts as (the
//! chunk PUTs are in `chunk_puts.rs`, the one-request upload in `small_uploads.rs`).
//! `uploader.rs` holds the entry points, which say who sends and check a link's
//! rights first.

use super::access::{Need, View};
use super::{now_ms, Core};
use crate::domain::{
    chunks_needed, device_name, max_chunks, stored_inline, Commit, CommitOutcome, ConflictPolicy,
    Error, FileId, RelPath, Starter, UploadChunk, UploadId, UploadSession, User,
};
use crate::ports::UploadAdmission;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use wasm_chunker::ChunkId;

/// Whose stored chunks an upload may skip sending (DESIGN §5, dedup scope): never
/// one the sender could not read, so that announcing a hash without its bytes
/// reveals nothing and reaches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DedupScope {
    /// Chunks the requesting user can read: those of their own files and open
    /// uploads, and for an upload into a folder shared with them, those of the files
    /// in that folder's tree (not the rest of the owner's).
    Reader,
    /// Only chunks received in this upload: for uploads through a link, whose sender
    /// must learn nothing of what the owner stores.
    ThisUpload,
}

/// A new upload, as parsed from the request.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// Target path.
    pub path: RelPath,
    /// Total size in bytes.
    pub size: u64,
    /// The revision the client edited, if any.
    pub parent_rev: Option<u64>,
    /// The file the client edited, if it said.
    pub base_file: Option<FileId>,
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

    async fn open_upload(
        &self,
        user: &User,
        id: &UploadId,
    ) -> Result<(User, UploadSession, View), Error> {
        self.open_upload_at(user, id, None).await
    }

    /// An open upload session with all its chunks, or only those at `only`.
    pub(super) async fn open_upload_at(
        &self,
        user: &User,
        id: &UploadId,
        only: Option<&[u64]>,
    ) -> Result<(User, UploadSession, View), Error> {
        let (acting, upload, view) = self.place_of_upload(user, id, only).await?;
        if upload.expires_at <= now_ms() {
            return Err(Error::UploadExpired(id.to_string()));
        }
        Ok((acting, upload, view))
    }

    /// Which of an upload's chunks must still be sent: those not received in it and
    /// not in `scope`. `requester` sends the upload into `acting`'s tree, seen
    /// through `view`.
    async fn needed_of(
        &self,
        requester: &User,
        (acting, view): (&User, &View),
        chunks: &[UploadChunk],
        scope: DedupScope,
    ) -> Result<Vec<u64>, Error> {
        let pending: Vec<(u64, ChunkId)> = chunks
            .iter()
            .filter(|c| !c.received)
            .map(|c| (c.index, c.id))
            .collect();
        if scope == DedupScope::ThisUpload {
            return Ok(pending.iter().map(|(index, _)| *index).collect());
        }
        let ids: Vec<ChunkId> = pending.iter().map(|(_, id)| *id).collect();
        let known = self
            .readable_chunks(requester, (acting, view), &ids)
            .await?;
        Ok(chunks_needed(&pending, &known))
    }

    /// Of `ids`, the chunks `requester` can already read, uploading into `acting`'s
    /// tree through `view`: in their own tree (files and open uploads), and through
    /// a share, in the shared folder's tree.
    pub(super) async fn readable_chunks(
        &self,
        requester: &User,
        (acting, view): (&User, &View),
        ids: &[ChunkId],
    ) -> Result<HashSet<ChunkId>, Error> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let View::Shared { mount, .. } = view else {
            return Ok(self.meta.known_chunks(&acting.id, ids).await?);
        };
        let mut known = self.meta.known_chunks(&requester.id, ids).await?;
        let rest: Vec<ChunkId> = ids
            .iter()
            .filter(|id| !known.contains(*id))
            .copied()
            .collect();
        if !rest.is_empty() {
            known.extend(
                self.meta
                    .known_chunks_under(&acting.id, &mount.grant.root.id, &rest)
                    .await?,
            );
        }
        Ok(known)
    }

    /// Starts an upload by `user` into their tree as they see it; answers which
    /// announced chunks must be sent.
    pub(super) async fn upload_init_of_user(
        &self,
        user: &User,
        mut request: InitRequest,
    ) -> Result<(UploadSession, Vec<u64>), Error> {
        let (acting, at, view) = self.tree_of_path(user, &request.path, Need::Write).await?;
        request.path = at;
        if let Some(existing) = self.meta.entry_by_path(&acting.id, &request.path).await? {
            if existing.is_folder {
                return Err(Error::AlreadyExists(format!(
                    "folder {}",
                    view.show(&request.path)
                )));
            }
        }
        self.upload_init_in(user, (&acting, &view), request, DedupScope::Reader)
            .await
    }

    /// The most chunks an upload of `size` bytes can be cut into with the server's
    /// parameters; more would be a flood of records, not a file.
    fn check_chunk_count(&self, size: u64, index: u64) -> Result<(), Error> {
        let most = max_chunks(size, u64::from(self.limits.chunking.min_size));
        if index >= most {
            return Err(Error::BadRequest(format!(
                "chunk {index} is one too many: a file of {size} bytes has at most {most} chunks with the parameters of GET /api/v1/config"
            )));
        }
        Ok(())
    }

    /// Starts an upload by `requester` in `acting`'s tree, seen through `view`
    /// (`request.path` is a path of that tree).
    pub(super) async fn upload_init_in(
        &self,
        requester: &User,
        (user, view): (&User, &View),
        request: InitRequest,
        scope: DedupScope,
    ) -> Result<(UploadSession, Vec<u64>), Error> {
        if request.path.is_root() {
            return Err(Error::BadRequest(
                "cannot upload to /; give a file path such as /notes.txt".into(),
            ));
        }
        request.path.check_new()?;
        let mut announced = 0u64;
        for (index, (_, size)) in request.chunks.iter().enumerate() {
            self.check_chunk_size(index as u64, *size)?;
            self.check_chunk_count(request.size, index as u64)?;
            announced += size;
        }
        if announced > request.size {
            return Err(Error::BadRequest(format!(
                "the announced chunks hold {announced} bytes, more than the file's size of {}",
                request.size
            )));
        }
        let replaces = match self.meta.entry_by_path(&user.id, &request.path).await? {
            Some(current) if !current.is_folder => current.size,
            _ => 0,
        };
        let admission = UploadAdmission {
            replaces,
            starter: if scope == DedupScope::ThisUpload {
                Starter::Link
            } else {
                Starter::Account
            },
            limits: self.limits.open_uploads,
        };
        let now = now_ms();
        let session = UploadSession {
            id: UploadId::generate(),
            owner: user.id.clone(),
            path: request.path.to_string(),
            size: request.size,
            parent_rev: request.parent_rev,
            base_file: request.base_file,
            device: device_name(request.device)?,
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
        let needed = self
            .needed_of(requester, (user, view), &session.chunks, scope)
            .await?;
        self.meta.create_upload(&session, &admission, now).await?;
        Ok((session, needed))
    }

    /// Announces further chunks of `user`'s upload `id`; answers which of all its
    /// chunks must be sent.
    pub(super) async fn upload_announce_in(
        &self,
        user: &User,
        id: &UploadId,
        chunks: Vec<(u64, ChunkId, u64)>,
        scope: DedupScope,
    ) -> Result<Vec<u64>, Error> {
        let (acting, upload, view) = self.open_upload(user, id).await?;
        let requester = user;
        let user = &acting;
        let existing: HashMap<u64, &UploadChunk> =
            upload.chunks.iter().map(|c| (c.index, c)).collect();
        let mut total: u64 = upload.chunks.iter().map(|c| c.size).sum();
        let mut fresh = Vec::new();
        let mut seen = HashSet::new();
        for (index, chunk_id, size) in chunks {
            self.check_chunk_size(index, size)?;
            self.check_chunk_count(upload.size, index)?;
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
        self.needed_of(requester, (user, &view), &all, scope).await
    }

    /// Deletes `owner`'s upload session `id`; not found when it is already gone.
    pub(super) async fn drop_upload(&self, owner: &User, id: &UploadId) -> Result<(), Error> {
        if self.meta.delete_upload(&owner.id, id).await? {
            Ok(())
        } else {
            Err(Error::UploadNotFound(id.to_string()))
        }
    }

    /// Where `user`'s upload `id` stands, for resuming it.
    pub(super) async fn upload_status_in(
        &self,
        user: &User,
        id: &UploadId,
        scope: DedupScope,
    ) -> Result<UploadState, Error> {
        let (acting, mut session, view) = self.open_upload(user, id).await?;
        let missing = self
            .needed_of(user, (&acting, &view), &session.chunks, scope)
            .await?;
        session.path = view.show(&RelPath::parse(&session.path)?).to_string();
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
        let received: Vec<(u64, ChunkId, u64)> = upload
            .chunks
            .iter()
            .filter(|c| c.received)
            .map(|c| (c.index, c.id, c.size))
            .collect();
        let checks = stream::iter(received)
            .map(|(index, id, size)| async move {
                if stored_inline(size) {
                    if let Some(_bytes) = self.meta.inline_chunk(&id).await? {
                        return Ok::<_, Error>((index, true));
                    }
                }
                Ok((index, self.blobs.contains(&id).await?))
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let mut missing = Vec::new();
        for check in checks {
            let (index, present) = check?;
            if !present {
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

    /// Commits `user`'s upload `id` once its chunks are all stored; answers what
    /// happened and the upload's path.
    pub(super) async fn upload_complete_in(
        &self,
        user: &User,
        id: &UploadId,
        content_hash: &str,
        on_conflict: ConflictPolicy,
        scope: DedupScope,
    ) -> Result<(CommitOutcome, RelPath), Error> {
        let (acting, upload, view) = self.open_upload(user, id).await?;
        let requester = user;
        let user = &acting;
        let path = RelPath::parse(&upload.path)?;
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
        let missing = self
            .needed_of(requester, (user, &view), &upload.chunks, scope)
            .await?;
        if let Some(&first) = missing.first() {
            return Err(Error::ChunksMissing {
                missing: missing.len(),
                first,
            });
        }
        self.check_blobs_present(&upload).await?;
        // The quota is checked by the commit itself, in its transaction.
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
                session_stored: true,
                inline: Vec::new(),
            })
            .await?;
        self.announce_commit(user, &outcome).await;
        Ok((outcome, view.show(&path)))
    }

    /// Announces a commit that wrote to the journal (all but a refused one).
    pub(super) async fn announce_commit(&self, user: &User, outcome: &CommitOutcome) {
        if !matches!(outcome, CommitOutcome::Conflict { .. }) {
            self.announce(&user.id).await;
        }
    }
}
