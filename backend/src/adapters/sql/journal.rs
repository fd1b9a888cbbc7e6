//! The change journal: every change to a namespace appended in the transaction that
//! makes it, and read back in order by sync.

use super::entities::{files, journal};
use super::{backend, to_u64, SqlMetadataStore};
use crate::domain::{Change, ChangeAction, FileId, RelPath, UserId};
use crate::ports::{JournalStore, StoreError};
use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

/// Appends one change to the owner's journal, inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn journal<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    entry: &files::Model,
    action: ChangeAction,
    path: &RelPath,
    old_path: Option<&RelPath>,
    device: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let entry = journal_entry(owner, entry, action, path, old_path, device, now);
    db.execute(db.get_database_backend().build(&entry))
        .await
        .map_err(backend)?;
    Ok(())
}

/// The journal row of a change, as a statement.
pub(super) fn journal_entry(
    owner: &UserId,
    entry: &files::Model,
    action: ChangeAction,
    path: &RelPath,
    old_path: Option<&RelPath>,
    device: Option<&str>,
    now: i64,
) -> sea_orm::sea_query::InsertStatement {
    journal::Entity::insert(journal::ActiveModel {
        owner_id: Set(owner.to_string()),
        file_id: Set(entry.id.clone()),
        action: Set(action.as_str().to_string()),
        path: Set(path.to_string()),
        old_path: Set(old_path.map(RelPath::to_string)),
        is_folder: Set(entry.is_folder),
        rev: Set(entry.current_rev),
        size: Set(entry.size),
        actor: Set(owner.to_string()),
        device: Set(device.map(str::to_string)),
        created_at: Set(now),
        ..Default::default()
    })
    .into_query()
}

async fn changes_since(
    db: &DatabaseConnection,
    owner: &UserId,
    after: i64,
    limit: u64,
) -> Result<Vec<Change>, StoreError> {
    let rows = journal::Entity::find()
        .filter(journal::Column::OwnerId.eq(owner.as_str()))
        .filter(journal::Column::Seq.gt(after))
        .order_by_asc(journal::Column::Seq)
        .limit(limit)
        .all(db)
        .await
        .map_err(backend)?;
    rows.into_iter()
        .map(|row| {
            Ok(Change {
                seq: row.seq,
                file_id: FileId::from_string(row.file_id),
                action: ChangeAction::parse(&row.action).ok_or_else(|| {
                    StoreError::Backend(format!("unknown journal action {:?}", row.action))
                })?,
                path: row.path,
                old_path: row.old_path,
                is_folder: row.is_folder,
                rev: to_u64(row.rev),
                size: to_u64(row.size),
                actor: UserId::from_string(row.actor),
                device: row.device,
                at: row.created_at,
            })
        })
        .collect()
}

async fn latest_change(db: &DatabaseConnection, owner: &UserId) -> Result<i64, StoreError> {
    let latest: Option<Option<i64>> = journal::Entity::find()
        .select_only()
        .column_as(journal::Column::Seq.max(), "latest")
        .filter(journal::Column::OwnerId.eq(owner.as_str()))
        .into_tuple()
        .one(db)
        .await
        .map_err(backend)?;
    Ok(latest.flatten().unwrap_or(0))
}

/// Whether more than `count` entries follow `after`: looks for the one past `count`
/// on the (owner, seq) index, without reading the others.
async fn changes_exceed(
    db: &DatabaseConnection,
    owner: &UserId,
    after: i64,
    count: u64,
) -> Result<bool, StoreError> {
    let beyond: Option<i64> = journal::Entity::find()
        .select_only()
        .column(journal::Column::Seq)
        .filter(journal::Column::OwnerId.eq(owner.as_str()))
        .filter(journal::Column::Seq.gt(after))
        .order_by_asc(journal::Column::Seq)
        .offset(count)
        .into_tuple()
        .one(db)
        .await
        .map_err(backend)?;
    Ok(beyond.is_some())
}

#[async_trait]
impl JournalStore for SqlMetadataStore {
    async fn changes_since(
        &self,
        owner: &UserId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Change>, StoreError> {
        changes_since(&self.db, owner, after, limit).await
    }

    async fn latest_change(&self, owner: &UserId) -> Result<i64, StoreError> {
        latest_change(&self.db, owner).await
    }

    async fn changes_exceed(
        &self,
        owner: &UserId,
        after: i64,
        count: u64,
    ) -> Result<bool, StoreError> {
        changes_exceed(&self.db, owner, after, count).await
    }
}
