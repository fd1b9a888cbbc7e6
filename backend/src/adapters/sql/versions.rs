//! A file's versions: listing them, the chunks of one, and making an old one current
//! again.

use super::entities::{file_versions, files, users, version_chunks};
use super::journal::journal;
use super::locking::{add_to_user, lock_namespace_root};
use super::lookup::path_of;
use super::tree::{copy_chunk_list, live_entry};
use super::{backend, chunk_id, entry_from, to_i64, to_u64, StoreLimits};
use crate::domain::{ChangeAction, FileEntry, FileId, UserId, VersionChunk, VersionInfo};
use crate::ports::StoreError;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

pub async fn list_versions(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
) -> Result<Vec<VersionInfo>, StoreError> {
    let entry = live_entry(db, owner, id).await?;
    if entry.is_folder {
        return Err(StoreError::Invalid(format!(
            "{} is a folder; folders have no versions",
            entry.name
        )));
    }
    Ok(file_versions::Entity::find()
        .filter(file_versions::Column::FileId.eq(entry.id.as_str()))
        .order_by_desc(file_versions::Column::Rev)
        .all(db)
        .await
        .map_err(backend)?
        .into_iter()
        .map(|v| VersionInfo {
            rev: to_u64(v.rev),
            size: to_u64(v.size),
            content_hash: v.content_hash,
            created_at: v.created_at,
            device: v.device,
        })
        .collect())
}

/// Makes revision `rev` of a file its current version again, as a new version; the
/// one it replaces becomes history, kept within `limits`.
pub async fn restore_version(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    rev: u64,
    now: i64,
    limits: &StoreLimits,
) -> Result<FileEntry, StoreError> {
    let txn = db.begin().await.map_err(backend)?;
    let (_, usage) = lock_namespace_root(&txn, owner).await?;
    let entry = live_entry(&txn, owner, id).await?;
    let old = file_versions::Entity::find_by_id((entry.id.clone(), to_i64(rev)))
        .one(&txn)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("revision {rev} of {}", entry.name)))?;
    if old.rev == entry.current_rev {
        return Ok(entry_from(entry));
    }
    usage.admit(old.size, entry.size)?;
    let entry_size = entry.size;
    let new_rev = entry.current_rev + 1;
    file_versions::Entity::insert(file_versions::ActiveModel {
        file_id: Set(entry.id.clone()),
        rev: Set(new_rev),
        size: Set(old.size),
        content_hash: Set(old.content_hash.clone()),
        created_at: Set(now),
        created_by: Set(owner.to_string()),
        device: Set(None),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(backend)?;
    copy_chunk_list(&txn, owner, &entry.id, old.rev, &entry.id, new_rev).await?;
    add_to_user(&txn, owner, users::Column::UsedBytes, old.size - entry.size).await?;
    add_to_user(&txn, owner, users::Column::HistoryBytes, entry.size).await?;
    files::Entity::update(files::ActiveModel {
        id: Set(entry.id.clone()),
        size: Set(old.size),
        content_hash: Set(Some(old.content_hash.clone())),
        current_rev: Set(new_rev),
        modified_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(backend)?;
    let restored = files::Model {
        size: old.size,
        content_hash: Some(old.content_hash),
        current_rev: new_rev,
        modified_at: now,
        ..entry
    };
    super::gc::prune_history(
        &txn,
        owner,
        &restored,
        usage.history + entry_size,
        usage.quota,
        limits,
        now,
    )
    .await?;
    let path = path_of(&txn, owner, &restored.id).await?;
    journal(
        &txn,
        owner,
        &restored,
        ChangeAction::Modified,
        &path,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await.map_err(backend)?;
    Ok(entry_from(restored))
}

/// The chunks of revision `rev` of a file, in order.
pub async fn version_chunks(
    db: &DatabaseConnection,
    owner: &UserId,
    file: &FileId,
    rev: u64,
) -> Result<Vec<VersionChunk>, StoreError> {
    let rows = version_chunks::Entity::find()
        .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
        .filter(version_chunks::Column::FileId.eq(file.as_str()))
        .filter(version_chunks::Column::Rev.eq(to_i64(rev)))
        .order_by_asc(version_chunks::Column::Idx)
        .all(db)
        .await
        .map_err(backend)?;
    rows.into_iter()
        .map(|row| {
            Ok(VersionChunk {
                id: chunk_id(&row.chunk_hash)?,
                offset: to_u64(row.offset),
                size: to_u64(row.size),
            })
        })
        .collect()
}
