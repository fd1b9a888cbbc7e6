//! Browsing and reading files: listings, metadata, content, new folders.

use super::{now_ms, Core};
use crate::domain::{Error, FileEntry, FileId, RelPath, User, VersionChunk};
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
    /// A folder and its live entries, each with its path.
    pub async fn list_folder(
        &self,
        user: &User,
        path: &RelPath,
    ) -> Result<(FileEntry, Vec<(FileEntry, RelPath)>), Error> {
        let folder = self
            .meta
            .entry_by_path(&user.id, path)
            .await?
            .ok_or_else(|| Error::NotFound(format!("folder {path}")))?;
        if !folder.is_folder {
            return Err(Error::NotAFolder(path.to_string()));
        }
        let children = self.meta.list_children(&user.id, &folder.id).await?;
        let mut res = Vec::with_capacity(children.len());
        for child in children {
            let child_path = path.join(&child.name)?;
            res.push((child, child_path));
        }
        Ok((folder, res))
    }

    /// A live entry and its path.
    pub async fn file_meta(&self, user: &User, id: &FileId) -> Result<(FileEntry, RelPath), Error> {
        let entry = self
            .meta
            .entry_by_id(&user.id, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("file {id}")))?;
        let path = self.meta.entry_path(&user.id, id).await?;
        Ok((entry, path))
    }

    /// Creates a folder and any missing parents.
    pub async fn create_folder(&self, user: &User, path: &RelPath) -> Result<FileEntry, Error> {
        if path.is_root() {
            return Err(Error::AlreadyExists("/ (the root folder)".into()));
        }
        if let Some(existing) = self.meta.entry_by_path(&user.id, path).await? {
            return Err(if existing.is_folder {
                Error::AlreadyExists(format!("folder {path}"))
            } else {
                Error::AlreadyExists(format!("file {path}"))
            });
        }
        Ok(self.meta.create_folders(&user.id, path, now_ms()).await?)
    }

    /// The current version of a file, as its chunk list.
    pub async fn file_content(&self, user: &User, id: &FileId) -> Result<FileContent, Error> {
        let entry = self
            .meta
            .entry_by_id(&user.id, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("file {id}")))?;
        if entry.is_folder {
            return Err(Error::IsAFolder(entry.name));
        }
        let chunks = self
            .meta
            .version_chunks(&user.id, &entry.id, entry.rev)
            .await?;
        Ok(FileContent { entry, chunks })
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
                    let bytes = core.blobs.get(&chunk.id).await?;
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
