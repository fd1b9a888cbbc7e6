//! `FsBlobStore`: chunks as files under a directory, named by their SHA-256
//! (`ab/cd/abcd…`).
//!
//! Writes are crash-safe: the bytes go to a temporary file, which is fsynced, renamed
//! into place, and the directory fsynced; a crash leaves either the whole chunk or
//! nothing under its name (and at worst a stray temporary file). A chunk stored
//! again is written again, so every write takes the same time.

use crate::ports::{BlobStore, StoreError};
use async_trait::async_trait;
use bytes::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasm_chunker::ChunkId;

/// Chunks stored as files under `root`.
pub struct FsBlobStore {
    root: PathBuf,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{what} {}: {e}", path.display()))
}

impl FsBlobStore {
    /// Opens (and creates) the chunk directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<FsBlobStore, StoreError> {
        let root = root.into();
        let tmp = root.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| io_error("cannot create", &tmp, e))?;
        Ok(FsBlobStore { root })
    }

    fn path_of(&self, id: &ChunkId) -> PathBuf {
        let hex = id.to_hex();
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }
}

fn write_durably(tmp_dir: &Path, target: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = target
        .parent()
        .ok_or_else(|| StoreError::Backend(format!("no parent for {}", target.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?;
    let tmp_path = tmp_dir.join(format!("{}.tmp", hex::encode(rand::random::<[u8; 8]>())));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp_path)
            .map_err(|e| io_error("cannot create", &tmp_path, e))?;
        file.write_all(bytes)
            .map_err(|e| io_error("cannot write", &tmp_path, e))?;
        file.sync_all()
            .map_err(|e| io_error("cannot sync", &tmp_path, e))?;
        std::fs::rename(&tmp_path, target)
            .map_err(|e| io_error("cannot rename into", target, e))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("cannot sync directory", dir, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Backend(format!("blob task failed: {e}")))?
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, id: &ChunkId, bytes: Bytes) -> Result<(), StoreError> {
        let target = self.path_of(id);
        let tmp_dir = self.root.join("tmp");
        // Written even when the chunk is there already (the same bytes replace it):
        // storing a chunk that another user stores takes as long as storing a new
        // one, so the time of an answer tells nobody what others store.
        blocking(move || write_durably(&tmp_dir, &target, &bytes)).await
    }

    async fn get(&self, id: &ChunkId) -> Result<Bytes, StoreError> {
        let path = self.path_of(id);
        let id = *id;
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(format!("chunk {id}")))
            }
            Err(e) => Err(io_error("cannot read", &path, e)),
        })
        .await
    }

    async fn contains(&self, id: &ChunkId) -> Result<bool, StoreError> {
        let path = self.path_of(id);
        blocking(move || Ok(path.exists())).await
    }

    async fn delete(&self, id: &ChunkId) -> Result<(), StoreError> {
        let path = self.path_of(id);
        blocking(move || match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("cannot delete", &path, e)),
        })
        .await
    }
}
