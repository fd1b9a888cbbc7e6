//! What a share's recipient needs from the store: the shares made with them, whose
//! namespace an entry or upload is in (the core checks that a share covers it), and
//! which chunks they can already read inside a shared folder.

use super::entities::{files, shares, uploads, users};
use super::lookup::{ancestors_live, live_by_id};
use super::{backend, chunk_id, entry_from, unique_hex, BATCH_ROWS};
use crate::domain::{FileId, Grant, UploadId, UserId};
use crate::ports::StoreError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};
use std::collections::HashSet;
use wasm_chunker::ChunkId;

pub(super) async fn entry_owner(
    db: &DatabaseConnection,
    id: &FileId,
) -> Result<Option<UserId>, StoreError> {
    let Some(entry) = files::Entity::find_by_id(id.as_str())
        .filter(files::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(backend)?
    else {
        return Ok(None);
    };
    let owner = UserId::from_string(entry.owner_id.clone());
    // Inside a trashed folder counts as trashed.
    Ok(ancestors_live(db, &owner, &entry).await?.then_some(owner))
}

pub(super) async fn upload_owner(
    db: &DatabaseConnection,
    id: &UploadId,
) -> Result<Option<UserId>, StoreError> {
    Ok(uploads::Entity::find_by_id(id.as_str())
        .one(db)
        .await
        .map_err(backend)?
        .map(|upload| UserId::from_string(upload.owner_id)))
}

pub(super) async fn received_grants(
    db: &DatabaseConnection,
    recipient: &UserId,
    now: i64,
) -> Result<Vec<Grant>, StoreError> {
    let rows = shares::Entity::find()
        .filter(shares::Column::Kind.eq("user"))
        .filter(shares::Column::RecipientId.eq(recipient.as_str()))
        .filter(
            Condition::any()
                .add(shares::Column::ExpiresAt.is_null())
                .add(Expr::col(shares::Column::ExpiresAt).gt(now)),
        )
        .order_by_asc(shares::Column::CreatedAt)
        .order_by_asc(shares::Column::Id)
        .all(db)
        .await
        .map_err(backend)?;
    let mut grants = Vec::with_capacity(rows.len());
    for row in rows {
        let owner = UserId::from_string(row.owner_id);
        let Some(root) = live_by_id(db, &owner, &FileId::from_string(row.file_id)).await? else {
            // The shared entry is in the owner's trash: the share rests until it is
            // restored.
            continue;
        };
        let Some(owner_row) = users::Entity::find_by_id(owner.as_str())
            .one(db)
            .await
            .map_err(backend)?
        else {
            continue;
        };
        grants.push(Grant {
            share_id: row.id,
            owner,
            owner_name: owner_row.username,
            root: entry_from(root),
            can_edit: row.permission == "editor",
        });
    }
    Ok(grants)
}

pub(super) async fn share_recipients(
    db: &DatabaseConnection,
    owner: &UserId,
) -> Result<Vec<UserId>, StoreError> {
    let mut recipients: Vec<UserId> = shares::Entity::find()
        .filter(shares::Column::Kind.eq("user"))
        .filter(shares::Column::OwnerId.eq(owner.as_str()))
        .all(db)
        .await
        .map_err(backend)?
        .into_iter()
        .filter_map(|row| row.recipient_id.map(UserId::from_string))
        .collect();
    recipients.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    recipients.dedup();
    Ok(recipients)
}

/// Of `chunks`, those referenced by a version of a live file in the tree under `root`
/// (the entry itself when it is a file), in `owner`'s namespace.
pub(super) async fn known_chunks_under(
    db: &DatabaseConnection,
    owner: &UserId,
    root: &FileId,
    chunks: &[ChunkId],
) -> Result<HashSet<ChunkId>, StoreError> {
    let kind = db.get_database_backend();
    let unique = unique_hex(chunks);
    let mut known = HashSet::new();
    for batch in unique.chunks(BATCH_ROWS) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(batch.len() + 2);
        let mut bind = |value: sea_orm::Value| {
            values.push(value);
            match kind {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_string(),
            }
        };
        // Bound once per use: SQLite's `?` takes the next value each time.
        let root_id = bind(root.as_str().into());
        let owner_top = bind(owner.as_str().into());
        let owner_walk = bind(owner.as_str().into());
        let owner_versions = bind(owner.as_str().into());
        let hashes: Vec<String> = batch
            .iter()
            .map(|hash| bind(hash.as_str().into()))
            .collect();
        // Only live entries are walked, so nothing under a trashed folder counts.
        let sql = format!(
            "WITH RECURSIVE tree(id) AS ( \
               SELECT id FROM files WHERE id = {root_id} AND owner_id = {owner_top} \
               AND deleted_at IS NULL \
               UNION ALL \
               SELECT f.id FROM files f JOIN tree t ON f.parent_id = t.id \
               WHERE f.owner_id = {owner_walk} AND f.deleted_at IS NULL) \
             SELECT DISTINCT vc.chunk_hash AS chunk_hash FROM version_chunks vc \
             JOIN tree ON vc.file_id = tree.id \
             WHERE vc.owner_id = {owner_versions} AND vc.chunk_hash IN ({})",
            hashes.join(", ")
        );
        let rows = db
            .query_all(Statement::from_sql_and_values(kind, sql, values))
            .await
            .map_err(backend)?;
        for row in rows {
            let hash: String = row.try_get("", "chunk_hash").map_err(backend)?;
            known.insert(chunk_id(&hash)?);
        }
    }
    Ok(known)
}
