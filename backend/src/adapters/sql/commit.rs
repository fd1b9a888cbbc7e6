//! Committing a finished upload: what it does at its path is the domain's decision
//! ([`decide_commit`]), taken here with the owner's row locked; then the version,
//! its chunk references, the usage and the journal entry are written in one round
//! trip of the same transaction.

use super::entities::{chunks, file_versions, files, users, version_chunks};
use super::gc;
use super::journal::journal_entry;
use super::locking::{lock_and_find, lock_namespace_root, open_uploads, refusal, Found, Usage};
use super::lookup::{free_name, live_child, mkdirs_under, new_file};
use super::uploads::{delete_upload, upload_deletes};
use super::{backend, entry_from, to_i64, to_u64, unique_hex, StoreLimits, WriteBatch, BATCH_ROWS};
use crate::domain::{
    admit_bytes, clash_names, decide_commit, stored_inline, utc_date, AtPath, ChangeAction, Clash,
    Commit, CommitDecision, CommitOutcome, CopyOf, FileId, Lineage, RelPath, UploadChunk, UserId,
};
use crate::ports::StoreError;
use bytes::Bytes;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryTrait, TransactionTrait,
};
use std::collections::HashMap;

/// Where a commit goes: the folder (made if missing), the live entry at the path,
/// and the owner's usage, all read with the owner's row locked.
struct Place {
    parent: FileId,
    at_path: Option<files::Model>,
    usage: Usage,
    /// Folders made on the way, each a new entry.
    folders_made: u64,
}

async fn find_place<C: ConnectionTrait>(
    txn: &C,
    owner: &UserId,
    path: &RelPath,
    parent_path: &RelPath,
    name: &str,
    now: i64,
) -> Result<Place, StoreError> {
    let found = lock_and_find(txn, owner, path).await?;
    if let Some(Found {
        parent: Some(parent),
        entry,
        usage,
        ..
    }) = found
    {
        return Ok(Place {
            parent,
            at_path: entry,
            usage,
            folders_made: 0,
        });
    }
    // Folders to create, a file in the way, or a very deep path.
    let (root, usage) = match found {
        Some(found) => (found.root, found.usage),
        None => lock_namespace_root(txn, owner).await?,
    };
    let mut folders_made = 0;
    let parent = mkdirs_under(txn, owner, root, parent_path, now, &mut folders_made).await?;
    let at_path = live_child(txn, owner, &parent, name).await?;
    Ok(Place {
        parent,
        at_path,
        usage,
        folders_made,
    })
}

pub(super) async fn commit_upload(
    db: &DatabaseConnection,
    limits: &StoreLimits,
    commit: Commit,
) -> Result<CommitOutcome, StoreError> {
    let upload = &commit.upload;
    let owner = &upload.owner;
    let path = RelPath::parse(&upload.path).map_err(|e| StoreError::Backend(e.to_string()))?;
    let (Some(parent_path), Some(name)) = (path.parent(), path.name()) else {
        return Err(StoreError::AlreadyExists("/ (the root folder)".into()));
    };
    let txn = db.begin().await.map_err(backend)?;
    let place = find_place(&txn, owner, &path, &parent_path, name, commit.now).await?;
    let at_path = place.at_path.as_ref().map(|entry| AtPath {
        id: &entry.id,
        name: &entry.name,
        is_folder: entry.is_folder,
        rev: to_u64(entry.current_rev),
        content_hash: entry.content_hash.as_deref(),
    });
    let lineage = Lineage {
        content_hash: &commit.content_hash,
        parent_rev: upload.parent_rev,
        base_file: upload.base_file.as_ref().map(FileId::as_str),
    };
    let decision = decide_commit(at_path.as_ref(), &lineage, commit.on_conflict);
    let (target, is_conflict_copy) = match (decision, place.at_path) {
        (CommitDecision::FolderInTheWay, _) => {
            return Err(StoreError::AlreadyExists(format!("folder {path}")));
        }
        (CommitDecision::Unchanged, Some(current)) => {
            if commit.session_stored {
                delete_upload(&txn, owner, &upload.id).await?;
            }
            txn.commit().await.map_err(backend)?;
            return Ok(CommitOutcome::Unchanged(entry_from(current)));
        }
        (CommitDecision::Conflict, Some(current)) => {
            return Ok(CommitOutcome::Conflict {
                current: entry_from(current),
            });
        }
        (CommitDecision::NewVersion, Some(current)) => (current, false),
        (CommitDecision::ConflictCopy { named_after }, current) => {
            let device = upload.device.as_deref().unwrap_or("another device");
            let date = utc_date(commit.now);
            let named_after = match (named_after, &current) {
                (CopyOf::Entry, Some(current)) => current.name.as_str(),
                _ => name,
            };
            let clash = Clash::ConflictedCopy {
                device,
                date: &date,
            };
            let copy_name =
                free_name(&txn, owner, &place.parent, clash_names(named_after, clash)).await?;
            (new_file(owner, &place.parent, copy_name, commit.now), true)
        }
        // Only a new file is decided with nothing at the path.
        (CommitDecision::NewFile, _) | (_, None) => (
            new_file(owner, &place.parent, name.to_string(), commit.now),
            false,
        ),
    };
    if !commit.session_stored {
        // A file sent whole wrote its chunks itself, without an upload session
        // announcing them: one that a collector marked meanwhile loses its bytes.
        let blob_chunks = unique_hex(
            upload
                .chunks
                .iter()
                .filter(|c| !stored_inline(c.size))
                .map(|c| &c.id),
        );
        if let Some(hash) = gc::being_collected(&txn, &blob_chunks).await?.pop() {
            return Err(StoreError::ChunkBusy(hash));
        }
    }
    // A file sent whole finds the room that open uploads hold taken; an upload
    // session was given its room when it started.
    let usage = place.usage;
    let held = if commit.session_stored {
        to_u64(usage.used)
    } else {
        let holdings = open_uploads(&txn, owner, &usage, commit.now).await?;
        holdings.used.saturating_add(holdings.open_bytes)
    };
    let is_new = target.current_rev == 0;
    let old_size = if is_new { 0 } else { target.size };
    let size = to_i64(upload.size);
    // Checked with the owner's row locked, so uploads committing side by side
    // cannot pass the quota together.
    admit_bytes(held, to_u64(usage.quota), upload.size, to_u64(old_size)).map_err(refusal)?;
    let entries_made = place.folders_made + u64::from(is_new);
    usage.admit_entries(entries_made, limits.entry_cap)?;

    let updated = files::Model {
        size,
        content_hash: Some(commit.content_hash.clone()),
        current_rev: target.current_rev + 1,
        modified_at: commit.now,
        ..target
    };
    let mut writes = WriteBatch::new(txn.get_database_backend());
    write_version(&mut writes, &commit, &updated, is_new);
    writes.push(
        users::Entity::update_many()
            .col_expr(
                users::Column::UsedBytes,
                Expr::col(users::Column::UsedBytes).add(size - old_size),
            )
            .col_expr(
                users::Column::EntryCount,
                Expr::col(users::Column::EntryCount).add(to_i64(entries_made)),
            )
            // The version replaced is history now.
            .col_expr(
                users::Column::HistoryBytes,
                Expr::col(users::Column::HistoryBytes).add(old_size),
            )
            .filter(users::Column::Id.eq(owner.as_str()))
            .into_query(),
    );
    let file_path = parent_path
        .join(&updated.name)
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    let action = if is_new {
        ChangeAction::Added
    } else {
        ChangeAction::Modified
    };
    writes.push(journal_entry(
        owner,
        &updated,
        action,
        &file_path,
        None,
        upload.device.as_deref(),
        commit.now,
    ));
    if commit.session_stored {
        for delete in upload_deletes(owner, &upload.id) {
            writes.push(delete);
        }
    }
    // Every write of the commit in one round trip.
    writes.run(&txn).await?;
    if !is_new {
        gc::prune_history(
            &txn,
            owner,
            &updated,
            usage.history + old_size,
            usage.quota,
            limits,
            commit.now,
        )
        .await?;
    }
    txn.commit().await.map_err(backend)?;

    let entry = entry_from(updated);
    Ok(if is_conflict_copy {
        CommitOutcome::ConflictCopy(entry)
    } else {
        CommitOutcome::Committed(entry)
    })
}

/// The writes of `updated`'s new version: the file's row (new or changed), the
/// version's row, its chunk list and its references to the chunks.
fn write_version(writes: &mut WriteBatch, commit: &Commit, updated: &files::Model, is_new: bool) {
    let upload = &commit.upload;
    let owner = &upload.owner;
    let rev = updated.current_rev;
    if is_new {
        writes.push(files::Entity::insert(files::ActiveModel::from(updated.clone())).into_query());
    } else {
        writes.push(
            files::Entity::update_many()
                .col_expr(files::Column::Size, Expr::value(updated.size))
                .col_expr(
                    files::Column::ContentHash,
                    Expr::value(updated.content_hash.clone()),
                )
                .col_expr(files::Column::CurrentRev, Expr::value(updated.current_rev))
                .col_expr(files::Column::ModifiedAt, Expr::value(updated.modified_at))
                .filter(files::Column::Id.eq(updated.id.as_str()))
                .into_query(),
        );
    }
    writes.push(
        file_versions::Entity::insert(file_versions::ActiveModel {
            file_id: Set(updated.id.clone()),
            rev: Set(rev),
            size: Set(updated.size),
            content_hash: Set(commit.content_hash.clone()),
            created_at: Set(commit.now),
            created_by: Set(owner.to_string()),
            device: Set(upload.device.clone()),
        })
        .into_query(),
    );
    let mut offset = 0i64;
    let mut rows = Vec::with_capacity(upload.chunks.len());
    let mut references: HashMap<String, i64> = HashMap::new();
    for chunk in &upload.chunks {
        let hash = chunk.id.to_hex();
        *references.entry(hash.clone()).or_default() += 1;
        rows.push(version_chunks::ActiveModel {
            file_id: Set(updated.id.clone()),
            rev: Set(rev),
            idx: Set(to_i64(chunk.index)),
            owner_id: Set(owner.to_string()),
            chunk_hash: Set(hash),
            offset: Set(offset),
            size: Set(to_i64(chunk.size)),
        });
        offset += to_i64(chunk.size);
    }
    for batch in rows.chunks(BATCH_ROWS) {
        writes.push(version_chunks::Entity::insert_many(batch.to_vec()).into_query());
    }
    reference_new_version_chunks(writes, &upload.chunks, references, commit);
}

/// Adds a new version's references to its chunks, one statement per batch: an
/// upsert that bumps the count of recorded chunks (clearing any pending
/// collection) and records the others, with the bytes of those in the commit's
/// `inline` (a file sent whole has no session that recorded its chunks).
fn reference_new_version_chunks(
    writes: &mut WriteBatch,
    chunks: &[UploadChunk],
    references: HashMap<String, i64>,
    commit: &Commit,
) {
    let inline: HashMap<String, &Bytes> = commit
        .inline
        .iter()
        .map(|(id, bytes)| (id.to_hex(), bytes))
        .collect();
    let sizes: HashMap<String, u64> = chunks.iter().map(|c| (c.id.to_hex(), c.size)).collect();
    let rows: Vec<chunks::ActiveModel> = references
        .into_iter()
        .map(|(hash, count)| chunks::ActiveModel {
            size: Set(to_i64(sizes.get(&hash).copied().unwrap_or_default())),
            refcount: Set(count),
            delete_after: Set(None),
            created_at: Set(commit.now),
            inline_data: Set(inline.get(&hash).map(|bytes| bytes.to_vec())),
            collecting_since: Set(None),
            hash: Set(hash),
        })
        .collect();
    let excluded = sea_orm::sea_query::Alias::new("excluded");
    for batch in rows.chunks(BATCH_ROWS) {
        writes.push(
            chunks::Entity::insert_many(batch.to_vec())
                .on_conflict(
                    OnConflict::column(chunks::Column::Hash)
                        .value(
                            chunks::Column::Refcount,
                            Expr::col((chunks::Entity, chunks::Column::Refcount))
                                .add(Expr::col((excluded.clone(), chunks::Column::Refcount))),
                        )
                        .value(
                            chunks::Column::DeleteAfter,
                            Expr::value(Option::<i64>::None),
                        )
                        // Only a small chunk, whose bytes are in its record, can
                        // be taken back from a collector (see `gc`); the commit
                        // refused a large one that is being collected.
                        .value(
                            chunks::Column::CollectingSince,
                            Expr::value(Option::<i64>::None),
                        )
                        .to_owned(),
                )
                .into_query(),
        );
    }
}
