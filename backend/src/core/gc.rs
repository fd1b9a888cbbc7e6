//! Purging the trash and collecting garbage: expired upload sessions, and chunks that
//! nothing references once their grace period has passed.

use super::{now_ms, Core};
use crate::domain::{Error, FileId, User};

/// What one garbage collection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GcReport {
    /// Upload sessions deleted because they expired.
    pub expired_uploads: u64,
    /// Chunks whose bytes were deleted.
    pub chunks_removed: u64,
}

/// Chunks handled per round of collection.
const GC_BATCH: u64 = 500;

impl Core {
    /// Deletes a trashed entry (and all under it) for good.
    pub async fn purge(&self, user: &User, id: &FileId) -> Result<(), Error> {
        Ok(self.meta.purge_entry(&user.id, id, now_ms()).await?)
    }

    /// Deletes everything in the trash for good; returns how many entries.
    pub async fn empty_trash(&self, user: &User) -> Result<u64, Error> {
        let trashed = self.meta.list_trash(&user.id).await?;
        let mut purged = 0;
        for item in trashed {
            // An entry inside a trashed folder goes with that folder.
            match self
                .meta
                .purge_entry(&user.id, &item.entry.id, now_ms())
                .await
            {
                Ok(()) => purged += 1,
                Err(crate::ports::StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(purged)
    }

    /// Expires abandoned uploads and deletes the bytes of chunks nothing references.
    /// A chunk's record is first marked as being collected (re-checking, in one
    /// transaction, that it is still unreferenced), then its bytes are deleted, then
    /// the record. While it is marked, an upload that sends the same chunk is told
    /// to send it again, so no file can come to reference bytes about to go; a crash
    /// in between leaves a marked record, which the next collection finishes.
    pub async fn collect_garbage(&self) -> Result<GcReport, Error> {
        self.collect_garbage_at(now_ms()).await
    }

    /// [`Core::collect_garbage`] as if the time were `now` (Unix milliseconds).
    pub async fn collect_garbage_at(&self, now: i64) -> Result<GcReport, Error> {
        let mut report = GcReport {
            expired_uploads: self.meta.expire_uploads(now).await?,
            chunks_removed: 0,
        };
        loop {
            let batch = self.meta.collectable_chunks(now, GC_BATCH).await?;
            for id in &batch {
                if self.meta.begin_collecting(id, now).await? {
                    self.blobs.delete(id).await?;
                    self.meta.forget_chunk(id).await?;
                    report.chunks_removed += 1;
                }
            }
            if (batch.len() as u64) < GC_BATCH {
                break;
            }
        }
        Ok(report)
    }
}

impl Core {
    /// Whether a chunk's bytes are stored, in the metadata store (small chunks) or
    /// the blob store (for checks and diagnostics).
    pub async fn chunk_stored(&self, id: &wasm_chunker::ChunkId) -> Result<bool, Error> {
        Ok(self.meta.inline_chunk(id).await?.is_some() || self.blobs.contains(id).await?)
    }

    /// Whether the blob store holds a chunk's bytes.
    pub async fn chunk_in_blob_store(&self, id: &wasm_chunker::ChunkId) -> Result<bool, Error> {
        Ok(self.blobs.contains(id).await?)
    }
}
