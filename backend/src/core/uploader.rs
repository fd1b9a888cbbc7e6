//! Who sends an upload, and one entry point per step of the upload protocol for
//! every kind of sender: a user, into their own tree or through a mount into a
//! folder shared with them, and the holder of a file-request link, into the
//! link's folder.
//!
//! A link holder's upload is held to the link: it must be a file request, it lands
//! in the shared folder under a path relative to it, it skips no chunk the owner
//! already stores, it never replaces a file (a taken name gets a conflicted-copy
//! name), and its answers tell nothing of what the folder holds, the owner's free
//! space included.

use super::access::View;
use super::shares::LinkAccess;
use super::uploads::DedupScope;
use super::{Core, InitRequest, UploadState};
use crate::domain::{
    relative_to, CommitOutcome, ConflictPolicy, Error, FileId, RelPath, UploadId, UploadSession,
    User, LINK_DEVICE,
};
use bytes::Bytes;
use futures::Stream;
use wasm_chunker::ChunkId;

/// Who is sending an upload.
#[derive(Debug, Clone)]
pub enum Uploader {
    /// A logged-in user; paths are of their tree as they see it (`/Shared with
    /// me/…` included).
    User(User),
    /// The holder of a link; paths are relative to its shared folder.
    Link(Box<LinkAccess>),
}

/// What a committed upload answers.
#[derive(Debug, Clone)]
pub enum Committed {
    /// A user's upload: what the commit did, and the path as the user sees it.
    Own {
        /// The commit's outcome.
        outcome: CommitOutcome,
        /// The upload's path.
        path: RelPath,
    },
    /// A link holder's upload: only what they sent.
    Link(LinkReceipt),
}

/// What the sender of a file through a file request learns of it: only what they
/// sent, so that the answer is the same whatever the folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkReceipt {
    /// The path the file was sent to, relative to the shared folder.
    pub path: RelPath,
    /// Its size in bytes.
    pub size: u64,
    /// When it was received, Unix milliseconds.
    pub received_at: i64,
}

impl Core {
    /// Starts an upload; answers the session and which announced chunks must be
    /// sent. Through a link, every chunk must be sent: the answer reveals nothing of
    /// what the owner stores.
    pub async fn upload_init(
        &self,
        uploader: &Uploader,
        request: InitRequest,
    ) -> Result<(UploadSession, Vec<u64>), Error> {
        match uploader {
            Uploader::User(user) => self.upload_init_of_user(user, request).await,
            Uploader::Link(access) => self.link_upload_init(access, request).await,
        }
    }

    /// Announces further chunks; answers which of all announced chunks must be sent.
    pub async fn upload_announce(
        &self,
        uploader: &Uploader,
        id: &UploadId,
        chunks: Vec<(u64, ChunkId, u64)>,
    ) -> Result<Vec<u64>, Error> {
        let (sender, scope) = self.sender_of(uploader, id).await?;
        self.upload_announce_in(sender, id, chunks, scope).await
    }

    /// Stores announced chunks sent in one body, concatenated in the order of
    /// `indexes`; each is verified and stored on its own, and the first that fails
    /// is the answer. `declared` is the body's announced length, if any.
    pub async fn upload_put_chunks<B>(
        &self,
        uploader: &Uploader,
        id: &UploadId,
        indexes: &[u64],
        declared: Option<u64>,
        body: B,
    ) -> Result<Vec<u64>, Error>
    where
        B: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
    {
        let (sender, _) = self.sender_of(uploader, id).await?;
        self.upload_put_chunks_in(sender, id, indexes, declared, body)
            .await
    }

    /// Gives up an unfinished upload: the session goes, and the chunks only it
    /// held are collected once their grace period has passed.
    pub async fn upload_cancel(&self, uploader: &Uploader, id: &UploadId) -> Result<(), Error> {
        match uploader {
            Uploader::User(user) => {
                let (acting, upload, _) = self.place_of_upload(user, id, Some(&[])).await?;
                self.drop_upload(&acting, &upload.id).await
            }
            Uploader::Link(access) => {
                self.link_upload_session(access, id).await?;
                self.drop_upload(&access.owner, id).await
            }
        }
    }

    /// Where an upload stands, for resuming it; through a link, its path is relative
    /// to the shared folder.
    pub async fn upload_status(
        &self,
        uploader: &Uploader,
        id: &UploadId,
    ) -> Result<UploadState, Error> {
        let (sender, scope) = self.sender_of(uploader, id).await?;
        let mut state = self.upload_status_in(sender, id, scope).await?;
        if let Uploader::Link(access) = uploader {
            state.session.path = RelPath::parse(&state.session.path)
                .ok()
                .and_then(|full| relative_to(&access.root_path, &full))
                .map(|sub| sub.to_string())
                .unwrap_or_default();
        }
        Ok(state)
    }

    /// Commits an upload whose chunks are all stored. A user's `on_conflict` says
    /// what to do when the file changed since the revision they edited; a link
    /// holder's upload is always saved beside a taken name, and its receipt tells
    /// only what was sent.
    pub async fn upload_complete(
        &self,
        uploader: &Uploader,
        id: &UploadId,
        content_hash: &str,
        on_conflict: ConflictPolicy,
    ) -> Result<Committed, Error> {
        let (sender, scope) = self.sender_of(uploader, id).await?;
        match uploader {
            Uploader::User(_) => {
                let (outcome, path) = self
                    .upload_complete_in(sender, id, content_hash, on_conflict, scope)
                    .await?;
                Ok(Committed::Own { outcome, path })
            }
            Uploader::Link(access) => {
                let (outcome, sent_to) = self
                    .upload_complete_in(sender, id, content_hash, ConflictPolicy::Beside, scope)
                    .await
                    .map_err(hide_free_space)?;
                Ok(Committed::Link(receipt(access, &sent_to, &outcome)))
            }
        }
    }

    /// Stores a small file sent whole through a file-request link (the form that
    /// works without JavaScript) into the shared folder, as `name`; a taken name gets
    /// a conflicted-copy name, never a new version.
    pub async fn link_upload_small(
        &self,
        access: &LinkAccess,
        name: &str,
        bytes: Bytes,
    ) -> Result<LinkReceipt, Error> {
        Self::check_can_upload(access)?;
        let path = access.root_path.join(name)?;
        let (outcome, sent_to) = self
            .upload_small_as_new(&access.owner, path, bytes, Some(LINK_DEVICE.to_string()))
            .await
            .map_err(hide_free_space)?;
        Ok(receipt(access, &sent_to, &outcome))
    }

    /// The user an upload step acts as, and what their uploads may skip: a user
    /// skips the chunks they can read already; a link holder acts as the owner,
    /// on an upload started through this link, and skips none.
    async fn sender_of<'a>(
        &self,
        uploader: &'a Uploader,
        id: &UploadId,
    ) -> Result<(&'a User, DedupScope), Error> {
        match uploader {
            Uploader::User(user) => Ok((user, DedupScope::Reader)),
            Uploader::Link(access) => {
                self.link_upload_session(access, id).await?;
                Ok((&access.owner, DedupScope::ThisUpload))
            }
        }
    }

    /// Starts an upload through a file-request link: `request.path` is relative to
    /// the shared folder. The upload never replaces a file: one whose name is taken
    /// when it commits is saved beside it under a conflicted-copy name.
    async fn link_upload_init(
        &self,
        access: &LinkAccess,
        request: InitRequest,
    ) -> Result<(UploadSession, Vec<u64>), Error> {
        Self::check_can_upload(access)?;
        let path = Self::link_path(access, &request.path)?;
        if request.path.is_root() {
            return Err(Error::BadRequest(
                "give the file's name, such as /notes.txt, for where it goes in the shared folder"
                    .into(),
            ));
        }
        let request = InitRequest {
            path,
            // A file id that matches no file: whatever holds the name at commit is
            // "another file", so the upload becomes a copy beside it.
            base_file: Some(FileId::generate()),
            parent_rev: None,
            device: Some(LINK_DEVICE.to_string()),
            ..request
        };
        self.upload_init_in(
            &access.owner,
            (&access.owner, &View::Own),
            request,
            DedupScope::ThisUpload,
        )
        .await
        .map_err(hide_free_space)
    }

    /// Checks that upload `id` was started through this link (its path lies inside
    /// the root) and that the link still takes uploads.
    async fn link_upload_session(&self, access: &LinkAccess, id: &UploadId) -> Result<(), Error> {
        Self::check_can_upload(access)?;
        let session = self
            .meta
            .upload(&access.owner.id, id, Some(&[]))
            .await?
            .ok_or_else(|| Error::UploadNotFound(id.to_string()))?;
        let path = RelPath::parse(&session.path)?;
        let inside = relative_to(&access.root_path, &path).is_some_and(|sub| !sub.is_root());
        if !inside || session.device.as_deref() != Some(LINK_DEVICE) {
            return Err(Error::UploadNotFound(id.to_string()));
        }
        Ok(())
    }
}

/// What a link upload's sender is told: the path they sent to, relative to the
/// link's root, and what they sent, never where it landed.
fn receipt(access: &LinkAccess, sent_to: &RelPath, outcome: &CommitOutcome) -> LinkReceipt {
    let entry = match outcome {
        CommitOutcome::Committed(entry)
        | CommitOutcome::Unchanged(entry)
        | CommitOutcome::ConflictCopy(entry)
        | CommitOutcome::Conflict { current: entry } => entry,
    };
    LinkReceipt {
        path: relative_to(&access.root_path, sent_to).unwrap_or_else(RelPath::root),
        size: entry.size,
        received_at: entry.modified_at,
    }
}

/// A full quota or entry cap, told to a link holder without the owner's numbers.
fn hide_free_space(error: Error) -> Error {
    match error {
        Error::QuotaExceeded { .. } | Error::TooManyEntries { .. } => Error::RecipientFull,
        other => other,
    }
}
