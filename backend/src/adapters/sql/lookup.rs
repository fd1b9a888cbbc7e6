//! Finding entries in a namespace's tree by path or id, making missing folders, and
//! the tree's port, whose writes live in `tree`, `versions` and `gc`.

use super::entities::{files, users};
use super::journal::journal;
use super::locking::{add_to_user, lock_namespace_root};
use super::{backend, entry_from, gc, to_i64, tree, versions, SqlMetadataStore};
use crate::domain::{
    name_key, ChangeAction, FileEntry, FileId, RelPath, TrashedEntry, UserId, VersionChunk,
    VersionInfo,
};
use crate::ports::{StoreError, TreeStore};
use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

/// The id of `owner`'s root folder.
pub(super) async fn root_of<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
) -> Result<FileId, StoreError> {
    let user = users::Entity::find_by_id(owner.as_str())
        .one(db)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("user {owner}")))?;
    Ok(FileId::from_string(user.root_id))
}

/// The live entry in `parent` whose name is `name` by [`name_key`] (which folds
/// what names that are the same differ in).
pub(super) async fn live_child<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    parent: &FileId,
    name: &str,
) -> Result<Option<files::Model>, StoreError> {
    files::Entity::find()
        .filter(files::Column::OwnerId.eq(owner.as_str()))
        .filter(files::Column::ParentId.eq(parent.as_str()))
        .filter(files::Column::NameKey.eq(name_key(name)))
        .filter(files::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(backend)
}

/// The entry at `path`, walking down from the root one query per level (`None`
/// when a level is missing or a file).
pub(super) async fn resolve<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    path: &RelPath,
) -> Result<Option<files::Model>, StoreError> {
    let root = root_of(db, owner).await?;
    let mut current = files::Entity::find_by_id(root.as_str())
        .one(db)
        .await
        .map_err(backend)?;
    for segment in path.segments() {
        let Some(folder) = current else {
            return Ok(None);
        };
        if !folder.is_folder {
            return Ok(None);
        }
        current = live_child(db, owner, &FileId::from_string(folder.id), segment).await?;
    }
    Ok(current)
}

/// The folder at `path`, creating what is missing of it (each new folder
/// journaled, and counted in `created`).
pub(super) async fn mkdirs<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    path: &RelPath,
    now: i64,
    created: &mut u64,
) -> Result<files::Model, StoreError> {
    let id = mkdirs_id(db, owner, path, now, created).await?;
    files::Entity::find_by_id(id.as_str())
        .one(db)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::Backend(format!("folder {path} of {owner} is missing")))
}

/// The id of the folder at `path`, creating what is missing of it, with one
/// query per level.
pub(super) async fn mkdirs_id<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    path: &RelPath,
    now: i64,
    created: &mut u64,
) -> Result<FileId, StoreError> {
    let root = root_of(db, owner).await?;
    mkdirs_under(db, owner, root, path, now, created).await
}

/// [`Self::mkdirs_id`] from the user's root folder, already known.
pub(super) async fn mkdirs_under<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    root: FileId,
    path: &RelPath,
    now: i64,
    created: &mut u64,
) -> Result<FileId, StoreError> {
    let mut current = root;
    let mut so_far = RelPath::root();
    for segment in path.segments() {
        so_far = so_far
            .join(segment)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let parent = current;
        current = match live_child(db, owner, &parent, segment).await? {
            Some(existing) if existing.is_folder => FileId::from_string(existing.id),
            Some(_) => return Err(StoreError::NotAFolder(so_far.to_string())),
            None => {
                let folder = files::Model {
                    id: FileId::generate().to_string(),
                    owner_id: owner.to_string(),
                    parent_id: Some(parent.to_string()),
                    name: segment.clone(),
                    name_key: name_key(segment),
                    is_folder: true,
                    size: 0,
                    content_hash: None,
                    current_rev: 0,
                    created_at: now,
                    modified_at: now,
                    deleted_at: None,
                };
                files::Entity::insert(files::ActiveModel::from(folder.clone()))
                    .exec_without_returning(db)
                    .await
                    .map_err(backend)?;
                *created += 1;
                journal(
                    db,
                    owner,
                    &folder,
                    ChangeAction::Added,
                    &so_far,
                    None,
                    None,
                    now,
                )
                .await?;
                FileId::from_string(folder.id)
            }
        };
    }
    Ok(current)
}

/// Whether every folder above `entry` is live, so the entry is reachable from the
/// root; an entry inside a trashed folder is in the trash with it.
pub(super) async fn ancestors_live<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    entry: &files::Model,
) -> Result<bool, StoreError> {
    let mut parent = entry.parent_id.clone();
    while let Some(id) = parent {
        let Some(folder) = files::Entity::find_by_id(id.as_str())
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .one(db)
            .await
            .map_err(backend)?
        else {
            return Ok(false);
        };
        if folder.deleted_at.is_some() {
            return Ok(false);
        }
        parent = folder.parent_id;
    }
    Ok(true)
}

/// A live entry by id: not trashed, and not inside a trashed folder.
pub(super) async fn live_by_id<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    id: &FileId,
) -> Result<Option<files::Model>, StoreError> {
    let Some(entry) = files::Entity::find_by_id(id.as_str())
        .filter(files::Column::OwnerId.eq(owner.as_str()))
        .filter(files::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(backend)?
    else {
        return Ok(None);
    };
    Ok(if ancestors_live(db, owner, &entry).await? {
        Some(entry)
    } else {
        None
    })
}

/// The path of an entry, walking up its parents (trashed or not).
pub(super) async fn path_of<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    id: &str,
) -> Result<RelPath, StoreError> {
    let mut names = Vec::new();
    let mut current = id.to_string();
    loop {
        let entry = files::Entity::find_by_id(current.as_str())
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .one(db)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(format!("file {current}")))?;
        match entry.parent_id {
            None => break,
            Some(parent) => {
                names.push(entry.name);
                current = parent;
            }
        }
    }
    let mut path = RelPath::root();
    for name in names.iter().rev() {
        path = path
            .join(name)
            .map_err(|e| StoreError::Backend(format!("corrupt name in tree: {e}")))?;
    }
    Ok(path)
}

pub(super) fn new_file(owner: &UserId, parent: &FileId, name: String, now: i64) -> files::Model {
    files::Model {
        id: FileId::generate().to_string(),
        owner_id: owner.to_string(),
        parent_id: Some(parent.to_string()),
        name_key: name_key(&name),
        name,
        is_folder: false,
        size: 0,
        content_hash: None,
        current_rev: 0,
        created_at: now,
        modified_at: now,
        deleted_at: None,
    }
}

/// The first of `candidates` that no live entry in `parent` uses.
pub(super) async fn free_name<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    parent: &FileId,
    candidates: impl IntoIterator<Item = String>,
) -> Result<String, StoreError> {
    for candidate in candidates {
        if live_child(db, owner, parent, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(StoreError::Backend(format!(
        "no free name left in folder {parent}"
    )))
}

#[async_trait]
impl TreeStore for SqlMetadataStore {
    async fn entry_by_path(
        &self,
        owner: &UserId,
        path: &RelPath,
    ) -> Result<Option<FileEntry>, StoreError> {
        Ok(resolve(&self.db, owner, path).await?.map(entry_from))
    }

    async fn entry_by_id(
        &self,
        owner: &UserId,
        id: &FileId,
    ) -> Result<Option<FileEntry>, StoreError> {
        Ok(live_by_id(&self.db, owner, id).await?.map(entry_from))
    }

    async fn entry_path(&self, owner: &UserId, id: &FileId) -> Result<RelPath, StoreError> {
        path_of(&self.db, owner, id.as_str()).await
    }

    async fn list_children(
        &self,
        owner: &UserId,
        folder: &FileId,
    ) -> Result<Vec<FileEntry>, StoreError> {
        Ok(files::Entity::find()
            .filter(files::Column::OwnerId.eq(owner.as_str()))
            .filter(files::Column::ParentId.eq(folder.as_str()))
            .filter(files::Column::DeletedAt.is_null())
            .order_by_desc(files::Column::IsFolder)
            .order_by_asc(files::Column::Name)
            .all(&self.db)
            .await
            .map_err(backend)?
            .into_iter()
            .map(entry_from)
            .collect())
    }

    async fn create_folders(
        &self,
        owner: &UserId,
        path: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        let (_, usage) = lock_namespace_root(&txn, owner).await?;
        let mut made = 0;
        let folder = mkdirs(&txn, owner, path, now, &mut made).await?;
        usage.admit_entries(made, self.limits.entry_cap)?;
        add_to_user(&txn, owner, users::Column::EntryCount, to_i64(made)).await?;
        txn.commit().await.map_err(backend)?;
        Ok(entry_from(folder))
    }

    async fn version_chunks(
        &self,
        owner: &UserId,
        file: &FileId,
        rev: u64,
    ) -> Result<Vec<VersionChunk>, StoreError> {
        versions::version_chunks(&self.db, owner, file, rev).await
    }

    async fn trash_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        now: i64,
    ) -> Result<TrashedEntry, StoreError> {
        tree::trash_entry(&self.db, owner, id, now).await
    }

    async fn list_trash(&self, owner: &UserId) -> Result<Vec<TrashedEntry>, StoreError> {
        tree::list_trash(&self.db, owner).await
    }

    async fn restore_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        now: i64,
    ) -> Result<(FileEntry, RelPath), StoreError> {
        tree::restore_entry(&self.db, owner, id, now).await
    }

    async fn move_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        to: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError> {
        tree::move_entry(&self.db, owner, id, to, now, self.limits.entry_cap).await
    }

    async fn copy_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        to: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError> {
        tree::copy_entry(&self.db, owner, id, to, now, self.limits.entry_cap).await
    }

    async fn list_versions(
        &self,
        owner: &UserId,
        id: &FileId,
    ) -> Result<Vec<VersionInfo>, StoreError> {
        versions::list_versions(&self.db, owner, id).await
    }

    async fn restore_version(
        &self,
        owner: &UserId,
        id: &FileId,
        rev: u64,
        now: i64,
    ) -> Result<FileEntry, StoreError> {
        versions::restore_version(&self.db, owner, id, rev, now, &self.limits).await
    }

    async fn search(
        &self,
        owner: &UserId,
        query: &str,
        limit: u64,
    ) -> Result<Vec<FileEntry>, StoreError> {
        tree::search(&self.db, owner, query, limit).await
    }

    async fn purge_entry(&self, owner: &UserId, id: &FileId, now: i64) -> Result<(), StoreError> {
        gc::purge_entry(&self.db, owner, id, now, self.limits.chunk_grace_ms).await
    }
}
