//! Operations on the file tree: trash and restore, move and rename, copy, and search.
//! Each write runs in one transaction that also appends its changes to the journal.

use super::entities::{chunks, file_versions, files, users, version_chunks};
use super::journal::journal;
use super::locking::{add_to_user, lock_namespace, lock_namespace_root};
use super::lookup::{free_name, live_by_id, live_child, mkdirs_id, path_of, root_of};
use super::{backend, entry_from, to_i64, BATCH_ROWS};
use crate::domain::{
    clash_names, name_key, ChangeAction, Clash, FileEntry, FileId, RelPath, TrashedEntry, UserId,
};
use crate::ports::StoreError;
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use std::collections::HashMap;

fn path_error(e: crate::domain::PathError) -> StoreError {
    StoreError::Backend(format!("corrupt path: {e}"))
}

pub(super) async fn live_entry<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    id: &FileId,
) -> Result<files::Model, StoreError> {
    live_by_id(db, owner, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("file {id}")))
}

/// Whether `id` is a live entry reachable from the root (no trashed ancestor).
async fn reachable<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    id: &str,
) -> Result<bool, StoreError> {
    Ok(live_by_id(db, owner, &FileId::from_string(id.to_string()))
        .await?
        .is_some())
}

pub async fn trash_entry(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    now: i64,
) -> Result<TrashedEntry, StoreError> {
    let txn = db.begin().await.map_err(backend)?;
    lock_namespace(&txn, owner).await?;
    let entry = live_entry(&txn, owner, id).await?;
    if entry.parent_id.is_none() {
        return Err(StoreError::Invalid(
            "the root folder cannot be deleted".into(),
        ));
    }
    let path = path_of(&txn, owner, &entry.id).await?;
    files::Entity::update(files::ActiveModel {
        id: Set(entry.id.clone()),
        deleted_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(backend)?;
    journal(
        &txn,
        owner,
        &entry,
        ChangeAction::Deleted,
        &path,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await.map_err(backend)?;
    Ok(TrashedEntry {
        entry: entry_from(entry),
        path: path.to_string(),
        deleted_at: now,
    })
}

pub async fn list_trash(
    db: &DatabaseConnection,
    owner: &UserId,
) -> Result<Vec<TrashedEntry>, StoreError> {
    let rows = files::Entity::find()
        .filter(files::Column::OwnerId.eq(owner.as_str()))
        .filter(files::Column::DeletedAt.is_not_null())
        .order_by_desc(files::Column::DeletedAt)
        .limit(1000)
        .all(db)
        .await
        .map_err(backend)?;
    let mut res = Vec::with_capacity(rows.len());
    for row in rows {
        let path = path_of(db, owner, &row.id).await?;
        let deleted_at = row.deleted_at.unwrap_or_default();
        res.push(TrashedEntry {
            entry: entry_from(row),
            path: path.to_string(),
            deleted_at,
        });
    }
    Ok(res)
}

pub async fn restore_entry(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    now: i64,
) -> Result<(FileEntry, RelPath), StoreError> {
    let txn = db.begin().await.map_err(backend)?;
    lock_namespace(&txn, owner).await?;
    let entry = files::Entity::find_by_id(id.as_str())
        .filter(files::Column::OwnerId.eq(owner.as_str()))
        .filter(files::Column::DeletedAt.is_not_null())
        .one(&txn)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("trashed file {id}")))?;
    // Back to its folder when that folder is still there, else to the root.
    let parent = match &entry.parent_id {
        Some(parent) if reachable(&txn, owner, parent).await? => {
            FileId::from_string(parent.clone())
        }
        _ => root_of(&txn, owner).await?,
    };
    let own_name = std::iter::once(entry.name.clone());
    let candidates = own_name.chain(clash_names(&entry.name, Clash::Restored));
    let name = free_name(&txn, owner, &parent, candidates).await?;
    files::Entity::update(files::ActiveModel {
        id: Set(entry.id.clone()),
        parent_id: Set(Some(parent.to_string())),
        name: Set(name.clone()),
        name_key: Set(name_key(&name)),
        deleted_at: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(backend)?;
    let restored = files::Model {
        parent_id: Some(parent.to_string()),
        name_key: name_key(&name),
        name,
        deleted_at: None,
        ..entry
    };
    let path = path_of(&txn, owner, &restored.id).await?;
    journal(
        &txn,
        owner,
        &restored,
        ChangeAction::Added,
        &path,
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await.map_err(backend)?;
    Ok((entry_from(restored), path))
}

/// Moves (or renames) an entry to `to`, creating the folders it needs there within
/// the owner's `entry_cap`.
pub async fn move_entry(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    to: &RelPath,
    now: i64,
    entry_cap: u64,
) -> Result<FileEntry, StoreError> {
    let (Some(to_parent), Some(to_name)) = (to.parent(), to.name()) else {
        return Err(StoreError::Invalid(
            "nothing can be moved to / itself; give a path inside a folder".into(),
        ));
    };
    let txn = db.begin().await.map_err(backend)?;
    let (_, usage) = lock_namespace_root(&txn, owner).await?;
    let entry = live_entry(&txn, owner, id).await?;
    if entry.parent_id.is_none() {
        return Err(StoreError::Invalid(
            "the root folder cannot be moved".into(),
        ));
    }
    let old_path = path_of(&txn, owner, &entry.id).await?;
    if &old_path == to {
        return Ok(entry_from(entry));
    }
    // A path that is the folder's own, spelt in another case, renames it in place.
    if entry.is_folder && old_path.holds(to) && to.segments().len() > old_path.segments().len() {
        return Err(StoreError::Invalid(format!(
            "cannot move folder {old_path} into itself ({to})"
        )));
    }
    let mut made = 0;
    let parent_id = mkdirs_id(&txn, owner, &to_parent, now, &mut made).await?;
    if let Some(existing) = live_child(&txn, owner, &parent_id, to_name).await? {
        if existing.id != entry.id {
            return Err(StoreError::AlreadyExists(to.to_string()));
        }
    }
    usage.admit_entries(made, entry_cap)?;
    add_to_user(&txn, owner, users::Column::EntryCount, to_i64(made)).await?;
    files::Entity::update(files::ActiveModel {
        id: Set(entry.id.clone()),
        parent_id: Set(Some(parent_id.to_string())),
        name: Set(to_name.to_string()),
        name_key: Set(name_key(to_name)),
        ..Default::default()
    })
    .exec(&txn)
    .await
    .map_err(backend)?;
    let moved = files::Model {
        parent_id: Some(parent_id.to_string()),
        name: to_name.to_string(),
        name_key: name_key(to_name),
        ..entry
    };
    journal(
        &txn,
        owner,
        &moved,
        ChangeAction::Moved,
        to,
        Some(&old_path),
        None,
        now,
    )
    .await?;
    txn.commit().await.map_err(backend)?;
    Ok(entry_from(moved))
}

/// Adds `count` references to each chunk of the given hashes.
pub(super) async fn reference_chunks<C: ConnectionTrait>(
    db: &C,
    references: HashMap<String, i64>,
) -> Result<(), StoreError> {
    for (hash, count) in references {
        chunks::Entity::update_many()
            .col_expr(
                chunks::Column::Refcount,
                Expr::col(chunks::Column::Refcount).add(count),
            )
            .col_expr(
                chunks::Column::DeleteAfter,
                Expr::value(Option::<i64>::None),
            )
            .filter(chunks::Column::Hash.eq(hash))
            .exec(db)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Gives `to_file` revision `to_rev` the chunk list of `from_file`'s `from_rev`.
pub(super) async fn copy_chunk_list<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    from_file: &str,
    from_rev: i64,
    to_file: &str,
    to_rev: i64,
) -> Result<(), StoreError> {
    let rows = version_chunks::Entity::find()
        .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
        .filter(version_chunks::Column::FileId.eq(from_file))
        .filter(version_chunks::Column::Rev.eq(from_rev))
        .all(db)
        .await
        .map_err(backend)?;
    let mut references: HashMap<String, i64> = HashMap::new();
    let copies: Vec<version_chunks::ActiveModel> = rows
        .into_iter()
        .map(|row| {
            *references.entry(row.chunk_hash.clone()).or_default() += 1;
            version_chunks::ActiveModel {
                file_id: Set(to_file.to_string()),
                rev: Set(to_rev),
                idx: Set(row.idx),
                owner_id: Set(row.owner_id),
                chunk_hash: Set(row.chunk_hash),
                offset: Set(row.offset),
                size: Set(row.size),
            }
        })
        .collect();
    for batch in copies.chunks(BATCH_ROWS) {
        version_chunks::Entity::insert_many(batch.to_vec())
            .exec_without_returning(db)
            .await
            .map_err(backend)?;
    }
    reference_chunks(db, references).await
}

/// Copies an entry (a folder with everything in it) to `to`; the copies count
/// against the owner's quota and `entry_cap` like any others.
pub async fn copy_entry(
    db: &DatabaseConnection,
    owner: &UserId,
    id: &FileId,
    to: &RelPath,
    now: i64,
    entry_cap: u64,
) -> Result<FileEntry, StoreError> {
    let (Some(to_parent), Some(to_name)) = (to.parent(), to.name()) else {
        return Err(StoreError::Invalid(
            "give a path inside a folder to copy to".into(),
        ));
    };
    let txn = db.begin().await.map_err(backend)?;
    let (_, usage) = lock_namespace_root(&txn, owner).await?;
    let source = live_entry(&txn, owner, id).await?;
    let source_path = path_of(&txn, owner, &source.id).await?;
    if source.is_folder && source_path.holds(to) {
        return Err(StoreError::Invalid(format!(
            "cannot copy folder {source_path} into itself ({to})"
        )));
    }
    let mut made = 0;
    let parent_id = mkdirs_id(&txn, owner, &to_parent, now, &mut made).await?;
    if live_child(&txn, owner, &parent_id, to_name)
        .await?
        .is_some()
    {
        return Err(StoreError::AlreadyExists(to.to_string()));
    }

    // Depth-first over the source tree: (source entry, new parent id, new path).
    let mut pending = vec![(source, parent_id.to_string(), to.clone())];
    let mut top = None;
    // Copies count against the quota like any other file, though they share chunks.
    let mut copied_bytes = 0;
    while let Some((original, new_parent, new_path)) = pending.pop() {
        let copy = files::Model {
            id: FileId::generate().to_string(),
            parent_id: Some(new_parent),
            name: new_path.name().unwrap_or_default().to_string(),
            name_key: name_key(new_path.name().unwrap_or_default()),
            current_rev: if original.is_folder { 0 } else { 1 },
            created_at: now,
            modified_at: now,
            deleted_at: None,
            ..original.clone()
        };
        files::Entity::insert(files::ActiveModel::from(copy.clone()))
            .exec_without_returning(&txn)
            .await
            .map_err(backend)?;
        made += 1;
        if original.is_folder {
            let children = files::Entity::find()
                .filter(files::Column::OwnerId.eq(owner.as_str()))
                .filter(files::Column::ParentId.eq(original.id.as_str()))
                .filter(files::Column::DeletedAt.is_null())
                .all(&txn)
                .await
                .map_err(backend)?;
            for child in children {
                let child_path = new_path.join(&child.name).map_err(path_error)?;
                pending.push((child, copy.id.clone(), child_path));
            }
        } else {
            file_versions::Entity::insert(file_versions::ActiveModel {
                file_id: Set(copy.id.clone()),
                rev: Set(1),
                size: Set(copy.size),
                content_hash: Set(copy.content_hash.clone().unwrap_or_default()),
                created_at: Set(now),
                created_by: Set(owner.to_string()),
                device: Set(None),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(backend)?;
            copy_chunk_list(&txn, owner, &original.id, original.current_rev, &copy.id, 1).await?;
            add_to_user(&txn, owner, users::Column::UsedBytes, copy.size).await?;
            copied_bytes += copy.size;
        }
        journal(
            &txn,
            owner,
            &copy,
            ChangeAction::Added,
            &new_path,
            None,
            None,
            now,
        )
        .await?;
        top.get_or_insert(copy);
    }
    usage.admit(copied_bytes, 0)?;
    usage.admit_entries(made, entry_cap)?;
    add_to_user(&txn, owner, users::Column::EntryCount, to_i64(made)).await?;
    txn.commit().await.map_err(backend)?;
    top.map(entry_from)
        .ok_or_else(|| StoreError::Backend("copy created nothing".into()))
}

pub async fn search(
    db: &DatabaseConnection,
    owner: &UserId,
    query: &str,
    limit: u64,
) -> Result<Vec<FileEntry>, StoreError> {
    let mut pattern = String::from("%");
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    let backend_kind = db.get_database_backend();
    let rows = if backend_kind == DbBackend::Sqlite && query.chars().count() >= 3 {
        // The FTS5 trigram index of `files` (see the name-index migrations): a
        // quoted phrase of three or more characters matches names that contain it,
        // in any case.
        let phrase = format!("\"{}\"", query.replace('"', "\"\""));
        files::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT files.* FROM files_name_index \
                 JOIN files ON files.rowid = files_name_index.rowid \
                 WHERE files_name_index MATCH ? AND files.owner_id = ? \
                 AND files.deleted_at IS NULL AND files.parent_id IS NOT NULL \
                 ORDER BY files.name LIMIT ?",
                [phrase.into(), owner.as_str().into(), limit.into()],
            ))
            .all(db)
            .await
            .map_err(backend)?
    } else {
        // PostgreSQL's pg_trgm index on lower(name) serves this LIKE; on SQLite a
        // query shorter than a trigram scans the user's own files.
        files::Entity::find()
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .filter(files::Column::DeletedAt.is_null())
            .filter(files::Column::ParentId.is_not_null())
            .filter(
                Expr::expr(Func::lower(Expr::col(files::Column::Name)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            )
            .order_by_asc(files::Column::Name)
            .limit(limit)
            .all(db)
            .await
            .map_err(backend)?
    };
    // Entries under a trashed folder are not live: keep only reachable ones.
    let mut res = Vec::with_capacity(rows.len());
    for row in rows {
        if reachable(db, owner, &row.id).await? {
            res.push(entry_from(row));
        }
    }
    Ok(res)
}
