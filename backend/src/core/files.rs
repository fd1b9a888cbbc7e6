//! Browsing and reading files: listings, metadata, content, new folders.

use super::access::{Need, PathPlace};
use super::{now_ms, Core};
use crate::domain::{
    search_query, stored_inline, Change, Error, FileEntry, FileId, RelPath, TrashedEntry, User,
    VersionChunk, VersionInfo,
};
use crate::ports::StoreError;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use std::sync::Arc;

/// A file version's bytes, ready to stream chunk by chunk.
pub struct FileContent {
    /// The file.
    pub entry: FileEntry,
    /// Its chunks, in order.
    pub chunks: Vec<VersionChunk>,
}

impl Core {
    /// A folder, its path as stored (names are found in any case, and shown in the
    /// case they were made with), and its live entries, each with its path.
    pub async fn list_folder(
        &self,
        user: &User,
        path: &RelPath,
    ) -> Result<(FileEntry, RelPath, Vec<(FileEntry, RelPath)>), Error> {
        let (acting, at, view) = match self.place_of_path(user, path, Need::Read).await? {
            PathPlace::Tree { acting, path, view } => (acting, path, view),
            PathPlace::SharedFolder(mounts) => {
                let entries = mounts
                    .into_iter()
                    .map(|mount| {
                        let path = mount.path();
                        let mut root = mount.grant.root;
                        root.name = mount.name;
                        (root, path)
                    })
                    .collect();
                let shown = RelPath::root().join(crate::domain::SHARED_FOLDER)?;
                return Ok((Self::shared_folder_entry(user), shown, entries));
            }
        };
        let mut folder = self
            .meta
            .entry_by_path(&acting.id, &at)
            .await?
            .ok_or_else(|| Error::NotFound(format!("folder {path}")))?;
        if !folder.is_folder {
            return Err(Error::NotAFolder(path.to_string()));
        }
        let at = if at.is_root() {
            at
        } else {
            self.meta.entry_path(&acting.id, &folder.id).await?
        };
        let shown = view.show(&at);
        if let Some(name) = shown.name() {
            // A mount shows under its name in /Shared with me.
            folder.name = name.to_string();
        }
        let children = self.meta.list_children(&acting.id, &folder.id).await?;
        let mut res = Vec::with_capacity(children.len() + 1);
        if path.is_root() && !self.mounts(user).await?.is_empty() {
            let shared = Self::shared_folder_entry(user);
            res.push((shared, RelPath::root().join(crate::domain::SHARED_FOLDER)?));
        }
        for child in children {
            let child_path = view.show(&at.join(&child.name)?);
            res.push((child, child_path));
        }
        Ok((folder, shown, res))
    }

    /// A live entry and its path.
    pub async fn file_meta(&self, user: &User, id: &FileId) -> Result<(FileEntry, RelPath), Error> {
        let (place, entry) = self.place_of_id(user, id, Need::Read).await?;
        let path = self.meta.entry_path(&place.acting.id, id).await?;
        Ok((entry, place.view.show(&path)))
    }

    /// Creates a folder and any missing parents.
    pub async fn create_folder(&self, user: &User, path: &RelPath) -> Result<FileEntry, Error> {
        if path.is_root() {
            return Err(Error::AlreadyExists("/ (the root folder)".into()));
        }
        path.check_new()?;
        let (acting, at, _) = self.tree_of_path(user, path, Need::WriteEntry).await?;
        if let Some(existing) = self.meta.entry_by_path(&acting.id, &at).await? {
            return Err(if existing.is_folder {
                Error::AlreadyExists(format!("folder {path}"))
            } else {
                Error::AlreadyExists(format!("file {path}"))
            });
        }
        let folder = self.meta.create_folders(&acting.id, &at, now_ms()).await?;
        self.announce(&acting.id).await;
        Ok(folder)
    }

    /// What `GET /files/{id}/content` sends: a file's chunks, or a folder's tree.
    pub async fn download(&self, user: &User, id: &FileId) -> Result<Download, Error> {
        let (place, entry) = self.place_of_id(user, id, Need::Read).await?;
        let user = &place.acting;
        if !entry.is_folder {
            let chunks = self
                .meta
                .version_chunks(&user.id, &entry.id, entry.rev)
                .await?;
            return Ok(Download::File(FileContent { entry, chunks }));
        }
        let top = if entry.parent.is_none() {
            "Cairn".to_string()
        } else {
            entry.name.clone()
        };
        let mut items = Vec::new();
        let mut pending = vec![(entry, format!("{top}/"))];
        while let Some((folder, prefix)) = pending.pop() {
            items.push(ZipItem {
                path: prefix.clone(),
                entry: folder.clone(),
            });
            let children = self.meta.list_children(&user.id, &folder.id).await?;
            for child in children.into_iter().rev() {
                if child.is_folder {
                    let path = format!("{prefix}{}/", child.name);
                    pending.push((child, path));
                } else {
                    items.push(ZipItem {
                        path: format!("{prefix}{}", child.name),
                        entry: child,
                    });
                }
            }
        }
        Ok(Download::Folder { name: top, items })
    }

    /// What `GET /zip?ids=` sends: several entries as one archive, each at its top
    /// level (a folder with its tree under its name).
    pub async fn download_many(&self, user: &User, ids: &[FileId]) -> Result<Vec<ZipItem>, Error> {
        let mut items = Vec::new();
        for id in ids {
            match self.download(user, id).await? {
                Download::File(content) => items.push(ZipItem {
                    path: content.entry.name.clone(),
                    entry: content.entry,
                }),
                Download::Folder { items: tree, .. } => items.extend(tree),
            }
        }
        Ok(items)
    }

    /// The chunks of a file's current version.
    pub async fn chunks_of(&self, entry: &FileEntry) -> Result<Vec<VersionChunk>, Error> {
        // Whoever reads it was given the entry by an authorised call; its chunks
        // are in its owner's namespace.
        Ok(self
            .meta
            .version_chunks(&entry.owner, &entry.id, entry.rev)
            .await?)
    }

    /// Streams bytes `start..end` of a file made of `chunks`, reading only the chunks
    /// that overlap the range, one chunk ahead.
    pub fn stream_range(
        self: &Arc<Self>,
        chunks: Vec<VersionChunk>,
        start: u64,
        end: u64,
    ) -> BoxStream<'static, Result<Bytes, StoreError>> {
        let core = Arc::clone(self);
        let pieces: Vec<(VersionChunk, usize, usize)> = chunks
            .into_iter()
            .filter(|c| c.offset < end && c.offset + c.size > start)
            .map(|c| {
                let from = start.saturating_sub(c.offset) as usize;
                let to = (end - c.offset).min(c.size) as usize;
                (c, from, to)
            })
            .collect();
        stream::iter(pieces)
            .map(move |(chunk, from, to)| {
                let core = Arc::clone(&core);
                async move {
                    let inline = if stored_inline(chunk.size) {
                        core.meta.inline_chunk(&chunk.id).await?
                    } else {
                        None
                    };
                    let bytes = match inline {
                        Some(bytes) => bytes,
                        None => core.blobs.get(&chunk.id).await?,
                    };
                    if bytes.len() as u64 != chunk.size {
                        return Err(StoreError::Backend(format!(
                            "chunk {} holds {} bytes, {} expected",
                            chunk.id,
                            bytes.len(),
                            chunk.size
                        )));
                    }
                    Ok(bytes.slice(from..to))
                }
            })
            .buffered(2)
            .boxed()
    }
}

/// One entry of a folder download, with its path inside the archive.
#[derive(Debug, Clone)]
pub struct ZipItem {
    /// `Folder/sub/file.txt`, folders ending in `/`.
    pub path: String,
    /// The entry.
    pub entry: FileEntry,
}

/// What a download sends.
pub enum Download {
    /// A file's bytes.
    File(FileContent),
    /// A folder as an archive: the folder and everything in it, folders first in
    /// each level.
    Folder {
        /// The archive's name, without `.zip`: the folder's (`Cairn` for the root).
        name: String,
        /// The folder and its tree, depth first, under a top folder of that name.
        items: Vec<ZipItem>,
    },
}

/// A page of the change journal.
#[derive(Debug, Clone)]
pub struct DeltaPage {
    /// Changes after the cursor, oldest first.
    pub changes: Vec<Change>,
    /// The position to continue from.
    pub cursor: i64,
    /// Whether more changes follow.
    pub has_more: bool,
    /// Whether the given cursor was unusable, so the client must re-list.
    pub reset: bool,
}

/// The most results a search returns.
const SEARCH_LIMIT: u64 = 200;
/// The most changes one delta page holds.
const DELTA_PAGE: u64 = 1000;

impl Core {
    /// Moves a file or folder to the trash.
    pub async fn delete(&self, user: &User, id: &FileId) -> Result<TrashedEntry, Error> {
        let (place, _) = self.place_of_id(user, id, Need::WriteEntry).await?;
        let mut trashed = self
            .meta
            .trash_entry(&place.acting.id, id, now_ms())
            .await?;
        self.announce(&place.acting.id).await;
        if !place.view.is_own() {
            // It went to the owner's trash; the user sees where it was in their tree.
            trashed.path = place.view.show(&RelPath::parse(&trashed.path)?).to_string();
        }
        Ok(trashed)
    }

    /// The trash.
    pub async fn trash(&self, user: &User) -> Result<Vec<TrashedEntry>, Error> {
        Ok(self.meta.list_trash(&user.id).await?)
    }

    /// Restores a trashed entry.
    pub async fn restore_trashed(
        &self,
        user: &User,
        id: &FileId,
    ) -> Result<(FileEntry, RelPath), Error> {
        let restored = self.meta.restore_entry(&user.id, id, now_ms()).await?;
        self.announce(&user.id).await;
        Ok(restored)
    }

    /// Renames or moves an entry.
    pub async fn move_to(
        &self,
        user: &User,
        id: &FileId,
        to: &RelPath,
    ) -> Result<(FileEntry, RelPath), Error> {
        to.check_new()?;
        let (acting, at) = self.same_tree(user, id, Need::WriteEntry, to).await?;
        let entry = self.meta.move_entry(&acting.id, id, &at, now_ms()).await?;
        self.announce(&acting.id).await;
        Ok((entry, to.clone()))
    }

    /// Copies an entry; file contents are shared, not duplicated.
    pub async fn copy_to(
        &self,
        user: &User,
        id: &FileId,
        to: &RelPath,
    ) -> Result<(FileEntry, RelPath), Error> {
        to.check_new()?;
        let (acting, at) = self.same_tree(user, id, Need::Read, to).await?;
        let entry = self.meta.copy_entry(&acting.id, id, &at, now_ms()).await?;
        self.announce(&acting.id).await;
        Ok((entry, to.clone()))
    }

    /// The tree of entry `id` (which `need` must be allowed on) and the path `to`
    /// leads to in it, where an entry may be put: a move or copy stays in one tree.
    async fn same_tree(
        &self,
        user: &User,
        id: &FileId,
        need: Need,
        to: &RelPath,
    ) -> Result<(User, RelPath), Error> {
        let (place, entry) = self.place_of_id(user, id, need).await?;
        let (acting, at, _) = self.tree_of_path(user, to, Need::WriteEntry).await?;
        if acting.id != place.acting.id {
            return Err(Error::BadRequest(format!(
                "“{}” and {to} are in different people's files: moving or copying between \
                 your files and a folder shared with you is not possible; download it and \
                 upload it there instead",
                entry.name
            )));
        }
        Ok((acting, at))
    }

    /// A file's history, newest first.
    pub async fn versions(&self, user: &User, id: &FileId) -> Result<Vec<VersionInfo>, Error> {
        let (place, _) = self.place_of_id(user, id, Need::Read).await?;
        Ok(self.meta.list_versions(&place.acting.id, id).await?)
    }

    /// The content of one version, with that version's size and hash.
    pub async fn version_content(
        &self,
        user: &User,
        id: &FileId,
        rev: u64,
    ) -> Result<(FileContent, VersionInfo), Error> {
        let (place, _) = self.place_of_id(user, id, Need::Read).await?;
        let user = &place.acting;
        let versions = self.meta.list_versions(&user.id, id).await?;
        let version = versions
            .into_iter()
            .find(|v| v.rev == rev)
            .ok_or_else(|| Error::NotFound(format!("revision {rev} of file {id}")))?;
        let entry = self
            .meta
            .entry_by_id(&user.id, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("file {id}")))?;
        let chunks = self.meta.version_chunks(&user.id, id, rev).await?;
        Ok((FileContent { entry, chunks }, version))
    }

    /// Makes an old version current again, as a new version.
    pub async fn restore_version(
        &self,
        user: &User,
        id: &FileId,
        rev: u64,
    ) -> Result<(FileEntry, RelPath), Error> {
        let (place, _) = self.place_of_id(user, id, Need::Write).await?;
        let acting = &place.acting;
        let entry = self
            .meta
            .restore_version(&acting.id, id, rev, now_ms())
            .await?;
        self.announce(&acting.id).await;
        let path = self.meta.entry_path(&acting.id, id).await?;
        Ok((entry, place.view.show(&path)))
    }

    /// Live entries whose name contains `query`, ignoring case.
    pub async fn search(
        &self,
        user: &User,
        query: &str,
    ) -> Result<Vec<(FileEntry, RelPath)>, Error> {
        let query = search_query(query)?;
        let found = self.meta.search(&user.id, query, SEARCH_LIMIT).await?;
        let mut res = Vec::with_capacity(found.len());
        for entry in found {
            let path = self.meta.entry_path(&user.id, &entry.id).await?;
            res.push((entry, path));
        }
        Ok(res)
    }

    /// The changes after `cursor` (from the beginning when `None`).
    pub async fn delta(&self, user: &User, cursor: Option<i64>) -> Result<DeltaPage, Error> {
        let latest = self.meta.latest_change(&user.id).await?;
        let after = cursor.unwrap_or(0);
        if after < 0 || after > latest {
            // A cursor from the future, or another server's: start over.
            return Ok(DeltaPage {
                changes: Vec::new(),
                cursor: latest,
                has_more: false,
                reset: true,
            });
        }
        let changes = self.meta.changes_since(&user.id, after, DELTA_PAGE).await?;
        let cursor = changes.last().map_or(after, |c| c.seq);
        Ok(DeltaPage {
            has_more: cursor < latest,
            changes,
            cursor,
            reset: false,
        })
    }
}
