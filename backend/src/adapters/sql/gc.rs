//! Purging trashed entries, expiring abandoned uploads, and finding chunks nothing
//! references any more.
//!
//! A chunk's record carries a reference count (file versions using it) and, once the
//! count is zero, a `delete_after` time. It is collectable only when that time has
//! passed and no upload session announces it. Collecting it takes three steps:
//! `begin_collecting` re-checks all of that and marks the record in one transaction;
//! the collector deletes the bytes; `forget_chunk` deletes the marked record. While
//! the mark is there, an upload cannot mark the chunk received nor a commit
//! reference it (they answer "send it again"), so no reference can outlive the
//! bytes. A mark older than [`ABANDONED_MS`] belongs to a collector that died, and
//! the next one takes the chunk over.

use super::entities::{
    chunks, file_versions, files, upload_chunks, uploads, users, version_chunks,
};
use super::locking::{add_to_user, lock_namespace};
use super::{backend, to_u64, SqlMetadataStore, StoreLimits, BATCH_ROWS};
use crate::domain::{history_to_forget, versions_over_cap, FileId, UserId};
use crate::ports::{ChunkCollector, StoreError};
use async_trait::async_trait;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use std::collections::HashMap;
use wasm_chunker::ChunkId;

/// No upload session announces the chunk.
fn unannounced() -> Condition {
    let announced = Query::select()
        .expr(Expr::val(1))
        .from(upload_chunks::Entity)
        .and_where(
            Expr::col((upload_chunks::Entity, upload_chunks::Column::ChunkHash))
                .equals((chunks::Entity, chunks::Column::Hash)),
        )
        .to_owned();
    Condition::all().add(Expr::exists(announced).not())
}

/// How long a collector may take between marking a chunk and forgetting it before
/// the mark counts as abandoned (its collector died) and another one takes over.
pub const ABANDONED_MS: i64 = 10 * 60 * 1000;

/// Unreferenced, past its grace period, announced by no upload, and not being
/// collected (or abandoned by a collector that died).
fn collectable(now: i64) -> Condition {
    let unmarked = Condition::all()
        .add(chunks::Column::CollectingSince.is_null())
        .add(chunks::Column::Refcount.lte(0))
        .add(chunks::Column::DeleteAfter.is_not_null())
        .add(chunks::Column::DeleteAfter.lte(now))
        .add(unannounced());
    // A marked chunk took no reference since (nothing may while it is marked).
    let abandoned = Condition::all()
        .add(chunks::Column::CollectingSince.lt(now - ABANDONED_MS))
        .add(chunks::Column::Refcount.lte(0));
    Condition::any().add(unmarked).add(abandoned)
}

/// Takes the references that `hashes` (one per version chunk row going away) hold
/// off their chunks; a chunk left unreferenced becomes collectable `grace_ms` after
/// `now`.
async fn release_references<C: ConnectionTrait>(
    db: &C,
    hashes: Vec<String>,
    now: i64,
    grace_ms: i64,
) -> Result<(), StoreError> {
    let mut counts: HashMap<String, i64> = HashMap::new();
    for hash in hashes {
        *counts.entry(hash).or_default() += 1;
    }
    for (hash, count) in counts {
        chunks::Entity::update_many()
            .col_expr(
                chunks::Column::Refcount,
                Expr::col(chunks::Column::Refcount).sub(count),
            )
            .filter(chunks::Column::Hash.eq(hash.as_str()))
            .exec(db)
            .await
            .map_err(backend)?;
        chunks::Entity::update_many()
            .col_expr(chunks::Column::DeleteAfter, Expr::value(now + grace_ms))
            .filter(chunks::Column::Hash.eq(hash.as_str()))
            .filter(chunks::Column::Refcount.lte(0))
            .exec(db)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Old versions kept beyond what they may be, after `file` (as it now is) got its
/// new current version: the file's oldest past `limits.versions_per_file`, then
/// the owner's oldest old versions (of any file) while the `history` bytes they hold
/// pass `quota`. Each is forgotten with its chunk references, in the caller's
/// transaction, with the owner's row locked.
pub(super) async fn prune_history<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    file: &files::Model,
    history: i64,
    quota: i64,
    limits: &StoreLimits,
    now: i64,
) -> Result<(), StoreError> {
    // A file keeps at most its revisions 1 to its current one: one that has had no
    // more than its cap needs no look at its versions.
    let revs: Vec<(i64, i64)> = if to_u64(file.current_rev) <= limits.versions_per_file {
        Vec::new()
    } else {
        file_versions::Entity::find()
            .select_only()
            .column(file_versions::Column::Rev)
            .column(file_versions::Column::Size)
            .filter(file_versions::Column::FileId.eq(file.id.as_str()))
            .order_by_asc(file_versions::Column::Rev)
            .into_tuple()
            .all(db)
            .await
            .map_err(backend)?
    };
    let over = usize::try_from(versions_over_cap(
        u64::try_from(revs.len()).unwrap_or(u64::MAX),
        limits.versions_per_file,
    ))
    .unwrap_or(usize::MAX);
    let mut victims: Vec<(String, i64, i64)> = revs
        .iter()
        .take(over)
        .map(|&(rev, size)| (file.id.clone(), rev, size))
        .collect();
    let mut left = history - victims.iter().map(|v| v.2).sum::<i64>();
    // The account's oldest old versions, a page at a time, until what is left fits.
    let mut skip = 0u64;
    while left > quota {
        let page = oldest_old_versions(db, owner, skip).await?;
        if page.is_empty() {
            break;
        }
        skip += u64::try_from(page.len()).unwrap_or(u64::MAX);
        let fresh: Vec<_> = page
            .into_iter()
            .filter(|(f, rev, _)| !victims.iter().any(|v| &v.0 == f && v.1 == *rev))
            .collect();
        let forget = history_to_forget(
            to_u64(left),
            to_u64(quota),
            fresh.iter().map(|v| to_u64(v.2)),
        );
        for victim in fresh.into_iter().take(forget) {
            left -= victim.2;
            victims.push(victim);
        }
    }
    if victims.is_empty() {
        return Ok(());
    }
    for (file, rev, _) in &victims {
        let references: Vec<String> = version_chunks::Entity::find()
            .select_only()
            .column(version_chunks::Column::ChunkHash)
            .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(version_chunks::Column::FileId.eq(file.as_str()))
            .filter(version_chunks::Column::Rev.eq(*rev))
            .into_tuple()
            .all(db)
            .await
            .map_err(backend)?;
        release_references(db, references, now, limits.chunk_grace_ms).await?;
        version_chunks::Entity::delete_many()
            .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(version_chunks::Column::FileId.eq(file.as_str()))
            .filter(version_chunks::Column::Rev.eq(*rev))
            .exec(db)
            .await
            .map_err(backend)?;
        file_versions::Entity::delete_many()
            .filter(file_versions::Column::FileId.eq(file.as_str()))
            .filter(file_versions::Column::Rev.eq(*rev))
            .exec(db)
            .await
            .map_err(backend)?;
    }
    let forgotten: i64 = victims.iter().map(|v| v.2).sum();
    add_to_user(db, owner, users::Column::HistoryBytes, -forgotten).await
}

/// Rows of old versions [`prune_history`] reads at a time.
const HISTORY_PAGE: u64 = 200;

/// A page of `owner`'s versions older than their files' current ones, oldest first:
/// (file, rev, size).
async fn oldest_old_versions<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    skip: u64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let kind = db.get_database_backend();
    let owner_param = match kind {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let rows = db
        .query_all(Statement::from_sql_and_values(
            kind,
            format!(
                "SELECT v.file_id AS file_id, v.rev AS rev, v.size AS size \
                 FROM file_versions v JOIN files f ON f.id = v.file_id \
                 WHERE f.owner_id = {owner_param} AND v.rev < f.current_rev \
                 ORDER BY v.created_at, v.file_id, v.rev LIMIT {HISTORY_PAGE} OFFSET {skip}"
            ),
            [owner.as_str().into()],
        ))
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", "file_id").map_err(backend)?,
                row.try_get("", "rev").map_err(backend)?,
                row.try_get("", "size").map_err(backend)?,
            ))
        })
        .collect()
}

pub async fn purge_entry(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    now: i64,
    grace_ms: i64,
) -> Result<(), StoreError> {
    let txn = db.begin().await.map_err(backend)?;
    lock_namespace(&txn, owner).await?;
    let top = files::Entity::find_by_id(id.as_str())
        .filter(files::Column::OwnerId.eq(owner.as_str()))
        .filter(files::Column::DeletedAt.is_not_null())
        .one(&txn)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("trashed file {id}")))?;

    // The whole subtree, whatever its entries' own trash state.
    let mut subtree = vec![top];
    let mut at = 0;
    while at < subtree.len() {
        let parent = subtree[at].id.clone();
        let children = files::Entity::find()
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .filter(files::Column::ParentId.eq(parent))
            .all(&txn)
            .await
            .map_err(backend)?;
        subtree.extend(children);
        at += 1;
    }

    let freed: i64 = subtree
        .iter()
        .filter(|f| !f.is_folder)
        .map(|f| f.size)
        .sum();
    let current_revs: HashMap<&str, i64> = subtree
        .iter()
        .map(|f| (f.id.as_str(), f.current_rev))
        .collect();
    let ids: Vec<String> = subtree.iter().map(|f| f.id.clone()).collect();
    let mut history_freed = 0;
    for batch in ids.chunks(BATCH_ROWS) {
        let versions: Vec<(String, i64, i64)> = file_versions::Entity::find()
            .select_only()
            .column(file_versions::Column::FileId)
            .column(file_versions::Column::Rev)
            .column(file_versions::Column::Size)
            .filter(file_versions::Column::FileId.is_in(batch.iter().cloned()))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(backend)?;
        history_freed += versions
            .iter()
            .filter(|(file, rev, _)| current_revs.get(file.as_str()).is_some_and(|c| rev < c))
            .map(|(_, _, size)| size)
            .sum::<i64>();
        let references: Vec<String> = version_chunks::Entity::find()
            .select_only()
            .column(version_chunks::Column::ChunkHash)
            .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(version_chunks::Column::FileId.is_in(batch.iter().cloned()))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(backend)?;
        release_references(&txn, references, now, grace_ms).await?;
        version_chunks::Entity::delete_many()
            .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(version_chunks::Column::FileId.is_in(batch.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(backend)?;
        file_versions::Entity::delete_many()
            .filter(file_versions::Column::FileId.is_in(batch.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(backend)?;
        files::Entity::delete_many()
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .filter(files::Column::Id.is_in(batch.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(backend)?;
    }
    users::Entity::update_many()
        .col_expr(
            users::Column::UsedBytes,
            Expr::col(users::Column::UsedBytes).sub(freed),
        )
        .col_expr(
            users::Column::EntryCount,
            Expr::col(users::Column::EntryCount).sub(i64::try_from(ids.len()).unwrap_or(i64::MAX)),
        )
        .col_expr(
            users::Column::HistoryBytes,
            Expr::col(users::Column::HistoryBytes).sub(history_freed),
        )
        .filter(users::Column::Id.eq(owner.as_str()))
        .exec(&txn)
        .await
        .map_err(backend)?;
    txn.commit().await.map_err(backend)?;
    Ok(())
}

pub async fn expire_uploads(db: &DatabaseConnection, now: i64) -> Result<u64, StoreError> {
    let expired: Vec<String> = uploads::Entity::find()
        .select_only()
        .column(uploads::Column::Id)
        .filter(uploads::Column::ExpiresAt.lte(now))
        .into_tuple()
        .all(db)
        .await
        .map_err(backend)?;
    for batch in expired.chunks(BATCH_ROWS) {
        let txn = db.begin().await.map_err(backend)?;
        upload_chunks::Entity::delete_many()
            .filter(upload_chunks::Column::UploadId.is_in(batch.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(backend)?;
        uploads::Entity::delete_many()
            .filter(uploads::Column::Id.is_in(batch.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(backend)?;
        txn.commit().await.map_err(backend)?;
    }
    Ok(expired.len() as u64)
}

pub async fn collectable_chunks(
    db: &DatabaseConnection,
    now: i64,
    limit: u64,
) -> Result<Vec<ChunkId>, StoreError> {
    let hashes: Vec<String> = chunks::Entity::find()
        .select_only()
        .column(chunks::Column::Hash)
        .filter(collectable(now))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
        .map_err(backend)?;
    hashes
        .iter()
        .map(|hash| {
            ChunkId::from_hex(hash)
                .ok_or_else(|| StoreError::Backend(format!("corrupt chunk hash {hash:?}")))
        })
        .collect()
}

pub async fn begin_collecting<C: ConnectionTrait>(
    db: &C,
    id: &ChunkId,
    now: i64,
) -> Result<bool, StoreError> {
    let result = chunks::Entity::update_many()
        .col_expr(chunks::Column::CollectingSince, Expr::value(now))
        .filter(chunks::Column::Hash.eq(id.to_hex()))
        .filter(collectable(now))
        .exec(db)
        .await
        .map_err(backend)?;
    Ok(result.rows_affected > 0)
}

pub async fn forget_chunk<C: ConnectionTrait>(db: &C, id: &ChunkId) -> Result<bool, StoreError> {
    // A small chunk's record holds its bytes: a commit of a file sent whole may
    // have taken it back meanwhile (clearing the mark), and then it stays.
    let result = chunks::Entity::delete_many()
        .filter(chunks::Column::Hash.eq(id.to_hex()))
        .filter(chunks::Column::CollectingSince.is_not_null())
        .filter(chunks::Column::Refcount.lte(0))
        .exec(db)
        .await
        .map_err(backend)?;
    Ok(result.rows_affected > 0)
}

/// Of `hashes`, those being collected now.
pub async fn being_collected<C: ConnectionTrait>(
    db: &C,
    hashes: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut marked = Vec::new();
    for batch in hashes.chunks(BATCH_ROWS) {
        let rows: Vec<String> = chunks::Entity::find()
            .select_only()
            .column(chunks::Column::Hash)
            .filter(chunks::Column::Hash.is_in(batch.iter().cloned()))
            .filter(chunks::Column::CollectingSince.is_not_null())
            .into_tuple()
            .all(db)
            .await
            .map_err(backend)?;
        marked.extend(rows);
    }
    Ok(marked)
}

#[async_trait]
impl ChunkCollector for SqlMetadataStore {
    async fn collectable_chunks(&self, now: i64, limit: u64) -> Result<Vec<ChunkId>, StoreError> {
        collectable_chunks(&self.db, now, limit).await
    }

    async fn begin_collecting(&self, id: &ChunkId, now: i64) -> Result<bool, StoreError> {
        begin_collecting(&self.db, id, now).await
    }

    async fn forget_chunk(&self, id: &ChunkId) -> Result<bool, StoreError> {
        forget_chunk(&self.db, id).await
    }
}
