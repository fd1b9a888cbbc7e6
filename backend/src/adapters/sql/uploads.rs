//! Upload sessions: starting one within the owner's caps, announcing and receiving its
//! chunks, and closing it; the commit itself is in `commit`.

use super::entities::{chunks, upload_chunks, uploads, version_chunks};
use super::locking::{lock_namespace_root, open_uploads, refusal};
use super::{
    access, backend, chunk_id, commit, gc, to_i64, to_u64, unique_hex, SqlMetadataStore, BATCH_ROWS,
};
use crate::domain::{
    admit_upload, Commit, CommitOutcome, FileId, UploadChunk, UploadId, UploadSession, UserId,
};
use crate::ports::{StoreError, UploadAdmission, UploadStore};
use async_trait::async_trait;
use bytes::Bytes;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use wasm_chunker::ChunkId;

/// Adds the records of newly stored chunks (unreferenced, so collectable after
/// the grace period unless a version takes them), with the bytes of those in
/// `inline`; chunks already recorded stay as they are.
pub(super) async fn record_chunks<C: ConnectionTrait>(
    db: &C,
    chunks: &[UploadChunk],
    inline: &[(ChunkId, Bytes)],
    now: i64,
    grace_ms: i64,
) -> Result<(), StoreError> {
    let inline: HashMap<&ChunkId, &Bytes> = inline.iter().map(|(id, b)| (id, b)).collect();
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<chunks::ActiveModel> = chunks
        .iter()
        .filter(|chunk| seen.insert(chunk.id))
        .map(|chunk| chunks::ActiveModel {
            hash: Set(chunk.id.to_hex()),
            size: Set(to_i64(chunk.size)),
            refcount: Set(0),
            delete_after: Set(Some(now + grace_ms)),
            created_at: Set(now),
            inline_data: Set(inline.get(&chunk.id).map(|bytes| bytes.to_vec())),
            collecting_since: Set(None),
        })
        .collect();
    for batch in rows.chunks(BATCH_ROWS) {
        chunks::Entity::insert_many(batch.to_vec())
            .on_conflict(
                OnConflict::column(chunks::Column::Hash)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

async fn insert_upload_chunks<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    upload: &UploadId,
    chunks: &[UploadChunk],
) -> Result<(), StoreError> {
    let rows: Vec<upload_chunks::ActiveModel> = chunks
        .iter()
        .map(|chunk| upload_chunks::ActiveModel {
            upload_id: Set(upload.to_string()),
            idx: Set(to_i64(chunk.index)),
            owner_id: Set(owner.to_string()),
            chunk_hash: Set(chunk.id.to_hex()),
            size: Set(to_i64(chunk.size)),
            received: Set(chunk.received),
        })
        .collect();
    for batch in rows.chunks(BATCH_ROWS) {
        upload_chunks::Entity::insert_many(batch.to_vec())
            .on_conflict(
                OnConflict::columns([upload_chunks::Column::UploadId, upload_chunks::Column::Idx])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// The statements that delete `owner`'s upload session `upload` with its chunk list
/// (nothing when the session is another user's).
pub(super) fn upload_deletes(
    owner: &UserId,
    upload: &UploadId,
) -> [sea_orm::sea_query::DeleteStatement; 2] {
    [
        upload_chunks::Entity::delete_many()
            .filter(upload_chunks::Column::UploadId.eq(upload.as_str()))
            .filter(upload_chunks::Column::OwnerId.eq(owner.as_str()))
            .into_query(),
        uploads::Entity::delete_many()
            .filter(uploads::Column::Id.eq(upload.as_str()))
            .filter(uploads::Column::OwnerId.eq(owner.as_str()))
            .into_query(),
    ]
}

/// Deletes `owner`'s upload session `upload` with its chunk list; whether there was one.
pub(super) async fn delete_upload<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    upload: &UploadId,
) -> Result<bool, StoreError> {
    let kind = db.get_database_backend();
    let [chunk_list, session] = upload_deletes(owner, upload);
    db.execute(kind.build(&chunk_list)).await.map_err(backend)?;
    let deleted = db.execute(kind.build(&session)).await.map_err(backend)?;
    Ok(deleted.rows_affected() > 0)
}

#[async_trait]
impl UploadStore for SqlMetadataStore {
    async fn create_upload(
        &self,
        upload: &UploadSession,
        admission: &UploadAdmission,
        now: i64,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        // The owner's row locked first, so that uploads starting side by side cannot
        // pass the caps together.
        let (_, usage) = lock_namespace_root(&txn, &upload.owner).await?;
        let holdings = open_uploads(&txn, &upload.owner, &usage, now).await?;
        admit_upload(
            &holdings,
            upload.size,
            admission.replaces,
            admission.starter,
            &admission.limits,
        )
        .map_err(refusal)?;
        uploads::Entity::insert(uploads::ActiveModel {
            id: Set(upload.id.to_string()),
            owner_id: Set(upload.owner.to_string()),
            path: Set(upload.path.clone()),
            size: Set(to_i64(upload.size)),
            parent_rev: Set(upload.parent_rev.map(to_i64)),
            device: Set(upload.device.clone()),
            created_at: Set(upload.created_at),
            expires_at: Set(upload.expires_at),
            base_file_id: Set(upload.base_file.as_ref().map(FileId::to_string)),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        insert_upload_chunks(&txn, &upload.owner, &upload.id, &upload.chunks).await?;
        txn.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn announce_chunks(
        &self,
        owner: &UserId,
        upload: &UploadId,
        chunks: &[UploadChunk],
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        insert_upload_chunks(&txn, owner, upload, chunks).await?;
        txn.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn upload(
        &self,
        owner: &UserId,
        upload: &UploadId,
        only: Option<&[u64]>,
    ) -> Result<Option<UploadSession>, StoreError> {
        let Some(row) = uploads::Entity::find_by_id(upload.as_str())
            .filter(uploads::Column::OwnerId.eq(owner.as_str()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let chunk_rows = match only {
            None => upload_chunks::Entity::find()
                .filter(upload_chunks::Column::UploadId.eq(upload.as_str()))
                .order_by_asc(upload_chunks::Column::Idx)
                .all(&self.db)
                .await
                .map_err(backend)?,
            Some(indexes) => {
                let mut rows = Vec::with_capacity(indexes.len());
                for batch in indexes.chunks(BATCH_ROWS) {
                    rows.extend(
                        upload_chunks::Entity::find()
                            .filter(upload_chunks::Column::UploadId.eq(upload.as_str()))
                            .filter(
                                upload_chunks::Column::Idx.is_in(batch.iter().map(|&i| to_i64(i))),
                            )
                            .all(&self.db)
                            .await
                            .map_err(backend)?,
                    );
                }
                rows.sort_by_key(|row| row.idx);
                rows
            }
        };
        let mut chunks = Vec::with_capacity(chunk_rows.len());
        for chunk in chunk_rows {
            chunks.push(UploadChunk {
                index: to_u64(chunk.idx),
                id: chunk_id(&chunk.chunk_hash)?,
                size: to_u64(chunk.size),
                received: chunk.received,
            });
        }
        Ok(Some(UploadSession {
            id: UploadId::from_string(row.id),
            owner: UserId::from_string(row.owner_id),
            path: row.path,
            size: to_u64(row.size),
            parent_rev: row.parent_rev.map(to_u64),
            base_file: row.base_file_id.map(FileId::from_string),
            device: row.device,
            created_at: row.created_at,
            expires_at: row.expires_at,
            chunks,
        }))
    }

    async fn known_chunks(
        &self,
        owner: &UserId,
        chunks: &[ChunkId],
    ) -> Result<HashSet<ChunkId>, StoreError> {
        let mut known = HashSet::new();
        let unique = unique_hex(chunks);
        for batch in unique.chunks(BATCH_ROWS) {
            let in_versions: Vec<String> = version_chunks::Entity::find()
                .select_only()
                .column(version_chunks::Column::ChunkHash)
                .distinct()
                .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
                .filter(version_chunks::Column::ChunkHash.is_in(batch.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(backend)?;
            let in_uploads: Vec<String> = upload_chunks::Entity::find()
                .select_only()
                .column(upload_chunks::Column::ChunkHash)
                .distinct()
                .filter(upload_chunks::Column::OwnerId.eq(owner.as_str()))
                .filter(upload_chunks::Column::Received.eq(true))
                .filter(upload_chunks::Column::ChunkHash.is_in(batch.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(backend)?;
            for hash in in_versions.iter().chain(&in_uploads) {
                known.insert(chunk_id(hash)?);
            }
        }
        Ok(known)
    }

    async fn known_chunks_under(
        &self,
        owner: &UserId,
        root: &FileId,
        chunks: &[ChunkId],
    ) -> Result<HashSet<ChunkId>, StoreError> {
        access::known_chunks_under(&self.db, owner, root, chunks).await
    }

    async fn chunks_received(
        &self,
        owner: &UserId,
        upload: &UploadId,
        received: &[UploadChunk],
        inline: &[(ChunkId, Bytes)],
        now: i64,
    ) -> Result<Vec<ChunkId>, StoreError> {
        if received.is_empty() {
            return Ok(Vec::new());
        }
        let txn = self.db.begin().await.map_err(backend)?;
        let hashes = unique_hex(received.iter().map(|c| &c.id));
        let mut present = HashMap::new();
        for batch in hashes.chunks(BATCH_ROWS) {
            let rows: Vec<(String, Option<i64>)> = chunks::Entity::find()
                .select_only()
                .column(chunks::Column::Hash)
                .column(chunks::Column::CollectingSince)
                .filter(chunks::Column::Hash.is_in(batch.iter().cloned()))
                .into_tuple()
                .all(&txn)
                .await
                .map_err(backend)?;
            present.extend(rows);
        }
        let collecting = |c: &&UploadChunk| {
            present
                .get(&c.id.to_hex())
                .is_some_and(|since| since.is_some())
        };
        let accepted: Vec<UploadChunk> = received
            .iter()
            .filter(|c| !collecting(c))
            .copied()
            .collect();
        record_chunks(&txn, &accepted, inline, now, self.limits.chunk_grace_ms).await?;
        upload_chunks::Entity::update_many()
            .col_expr(upload_chunks::Column::Received, Expr::value(true))
            .filter(upload_chunks::Column::UploadId.eq(upload.as_str()))
            .filter(upload_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(upload_chunks::Column::Idx.is_in(accepted.iter().map(|c| to_i64(c.index))))
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)?;
        let mut seen = HashSet::new();
        Ok(received
            .iter()
            .filter(|c| seen.insert(c.id) && collecting(c))
            .map(|c| c.id)
            .collect())
    }

    async fn chunks_lost(
        &self,
        owner: &UserId,
        upload: &UploadId,
        indexes: &[u64],
    ) -> Result<(), StoreError> {
        for batch in indexes.chunks(BATCH_ROWS) {
            upload_chunks::Entity::update_many()
                .col_expr(upload_chunks::Column::Received, Expr::value(false))
                .filter(upload_chunks::Column::UploadId.eq(upload.as_str()))
                .filter(upload_chunks::Column::OwnerId.eq(owner.as_str()))
                .filter(upload_chunks::Column::Idx.is_in(batch.iter().map(|&i| to_i64(i))))
                .exec(&self.db)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn inline_chunk(&self, id: &ChunkId) -> Result<Option<Bytes>, StoreError> {
        let data: Option<Option<Vec<u8>>> = chunks::Entity::find_by_id(id.to_hex())
            .select_only()
            .column(chunks::Column::InlineData)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(backend)?;
        Ok(data.flatten().map(Bytes::from))
    }

    async fn commit_upload(&self, commit: Commit) -> Result<CommitOutcome, StoreError> {
        commit::commit_upload(&self.db, &self.limits, commit).await
    }

    async fn delete_upload(&self, owner: &UserId, upload: &UploadId) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        let deleted = delete_upload(&txn, owner, upload).await?;
        txn.commit().await.map_err(backend)?;
        Ok(deleted)
    }

    async fn expire_uploads(&self, now: i64) -> Result<u64, StoreError> {
        gc::expire_uploads(&self.db, now).await
    }
}
