//! `SqlMetadataStore`: the `MetadataStore` port on SQLite or PostgreSQL via sea-orm.
//!
//! Both databases run the same queries and the same migrations. Every method is one
//! transaction (or one statement) and is scoped to one namespace (`owner_id`).

mod access;
mod entities;
mod gc;
mod shares;
mod tree;

use crate::domain::{
    admit_entries, admit_upload, conflict_copy_name, name_key, stored_inline, utc_date, Change,
    ChangeAction, Commit, CommitOutcome, ConflictPolicy, Error, FileEntry, FileId, Holdings,
    RelPath, Share, SharePermission, ShareRecord, ShareToken, TrashedEntry, UploadChunk, UploadId,
    UploadSession, User, UserId, VersionChunk, VersionInfo, LINK_DEVICE,
};
use crate::ports::{MetadataStore, NewToken, NewUser, StoreError, TokenKind, UploadAdmission};
use async_trait::async_trait;
use bytes::Bytes;
use entities::{
    auth_tokens, chunks, file_versions, files, journal, upload_chunks, uploads, users,
    version_chunks,
};
use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
    TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use wasm_chunker::ChunkId;

/// Rows per multi-row statement, well under SQLite's and PostgreSQL's parameter limits.
pub(super) const BATCH_ROWS: usize = 500;

/// How long the store keeps what nothing needs, and how much of what costs no quota
/// an account may keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// How long a chunk no version references is kept before garbage collection may
    /// remove it, in milliseconds.
    pub chunk_grace_ms: i64,
    /// The most entries one account may keep ([`admit_entries`]).
    pub entry_cap: u64,
    /// The most versions one file keeps, its current one included
    /// ([`versions_over_cap`]).
    pub versions_per_file: u64,
}

/// The metadata store on a SQL database.
pub struct SqlMetadataStore {
    db: DatabaseConnection,
    limits: StoreLimits,
}

fn backend(e: DbErr) -> StoreError {
    let text = e.to_string();
    if text.contains("UNIQUE constraint") || text.contains("duplicate key") {
        StoreError::AlreadyExists(text)
    } else {
        StoreError::Backend(text)
    }
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The hex ids of `chunks`, each once, for `IN (…)` lists.
pub(super) fn unique_hex<'a>(chunks: impl IntoIterator<Item = &'a ChunkId>) -> Vec<String> {
    chunks
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(ChunkId::to_hex)
        .collect()
}

fn chunk_id(hash: &str) -> Result<ChunkId, StoreError> {
    ChunkId::from_hex(hash)
        .ok_or_else(|| StoreError::Backend(format!("corrupt chunk hash {hash:?}")))
}

fn user_from(model: users::Model) -> User {
    User {
        id: UserId::from_string(model.id),
        username: model.username,
        password_hash: model.password_hash,
        root_id: FileId::from_string(model.root_id),
        quota_bytes: to_u64(model.quota_bytes),
        used_bytes: to_u64(model.used_bytes),
        history_bytes: to_u64(model.history_bytes),
    }
}

fn entry_from(model: files::Model) -> FileEntry {
    FileEntry {
        id: FileId::from_string(model.id),
        owner: UserId::from_string(model.owner_id),
        parent: model.parent_id.map(FileId::from_string),
        name: model.name,
        is_folder: model.is_folder,
        size: to_u64(model.size),
        content_hash: model.content_hash,
        rev: to_u64(model.current_rev),
        modified_at: model.modified_at,
    }
}

impl SqlMetadataStore {
    /// Connects to `url` (`sqlite://…?mode=rwc` or `postgres://…`) and runs the
    /// migrations, to keep what `limits` allow.
    pub async fn connect(url: &str, limits: StoreLimits) -> Result<SqlMetadataStore, StoreError> {
        let mut options = ConnectOptions::new(url.to_string());
        options.sqlx_logging(false);
        // The pool already checks every connection when it is given back (a round
        // trip of its own, off the request's path); checking it again when it is
        // taken would add a round trip to every query and transaction of every
        // request. A connection that breaks while idle (the database restarted)
        // fails one request, and the check on its return then drops it.
        options.test_before_acquire(false);
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            // One connection serialises writers: SQLite allows one at a time anyway,
            // and this avoids "database is locked" between concurrent transactions.
            options.max_connections(1).min_connections(1);
        } else {
            options.max_connections(16);
        }
        let db = Database::connect(options).await.map_err(backend)?;
        if sqlite {
            db.execute_unprepared("PRAGMA journal_mode = WAL")
                .await
                .map_err(backend)?;
        }
        Migrator::up(&db, None).await.map_err(backend)?;
        Ok(SqlMetadataStore { db, limits })
    }

    /// Adds the records of newly stored chunks (unreferenced, so collectable after
    /// the grace period unless a version takes them), with the bytes of those in
    /// `inline`; chunks already recorded stay as they are.
    async fn record_chunks<C: ConnectionTrait>(
        &self,
        db: &C,
        chunks: &[UploadChunk],
        inline: &[(ChunkId, Bytes)],
        now: i64,
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
                delete_after: Set(Some(now + self.limits.chunk_grace_ms)),
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

    /// Adds a new version's references to its chunks, one statement per batch: an
    /// upsert that bumps the count of recorded chunks (clearing any pending
    /// collection) and records the others, with the bytes of those in the commit's
    /// `inline` (a file sent whole has no session that recorded its chunks).
    fn reference_new_version_chunks(
        &self,
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

    async fn root_of<C: ConnectionTrait>(db: &C, owner: &UserId) -> Result<FileId, StoreError> {
        let user = users::Entity::find_by_id(owner.as_str())
            .one(db)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(format!("user {owner}")))?;
        Ok(FileId::from_string(user.root_id))
    }

    async fn live_child<C: ConnectionTrait>(
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

    async fn resolve<C: ConnectionTrait>(
        db: &C,
        owner: &UserId,
        path: &RelPath,
    ) -> Result<Option<files::Model>, StoreError> {
        let root = Self::root_of(db, owner).await?;
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
            current = Self::live_child(db, owner, &FileId::from_string(folder.id), segment).await?;
        }
        Ok(current)
    }

    /// The folder at `path`, creating what is missing of it (each new folder
    /// journaled, and counted in `created`).
    async fn mkdirs<C: ConnectionTrait>(
        db: &C,
        owner: &UserId,
        path: &RelPath,
        now: i64,
        created: &mut u64,
    ) -> Result<files::Model, StoreError> {
        let id = Self::mkdirs_id(db, owner, path, now, created).await?;
        files::Entity::find_by_id(id.as_str())
            .one(db)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::Backend(format!("folder {path} of {owner} is missing")))
    }

    /// The id of the folder at `path`, creating what is missing of it, with one
    /// query per level.
    async fn mkdirs_id<C: ConnectionTrait>(
        db: &C,
        owner: &UserId,
        path: &RelPath,
        now: i64,
        created: &mut u64,
    ) -> Result<FileId, StoreError> {
        let root = Self::root_of(db, owner).await?;
        Self::mkdirs_under(db, owner, root, path, now, created).await
    }

    /// [`Self::mkdirs_id`] from the user's root folder, already known.
    async fn mkdirs_under<C: ConnectionTrait>(
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
            current = match Self::live_child(db, owner, &parent, segment).await? {
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
                    Self::journal(
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
    async fn ancestors_live<C: ConnectionTrait>(
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
    async fn live_by_id<C: ConnectionTrait>(
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
        Ok(if Self::ancestors_live(db, owner, &entry).await? {
            Some(entry)
        } else {
            None
        })
    }

    /// The path of an entry, walking up its parents (trashed or not).
    async fn path_of<C: ConnectionTrait>(
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

    /// Appends one change to the owner's journal, inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn journal<C: ConnectionTrait>(
        db: &C,
        owner: &UserId,
        entry: &files::Model,
        action: ChangeAction,
        path: &RelPath,
        old_path: Option<&RelPath>,
        device: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let entry = Self::journal_entry(owner, entry, action, path, old_path, device, now);
        db.execute(db.get_database_backend().build(&entry))
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The journal row of a change, as a statement.
    fn journal_entry(
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

    /// A name for a conflicted copy that no live entry in `parent` uses yet.
    async fn free_conflict_name<C: ConnectionTrait>(
        db: &C,
        owner: &UserId,
        parent: &FileId,
        name: &str,
        device: &str,
        date: &str,
    ) -> Result<String, StoreError> {
        let base = conflict_copy_name(name, device, date);
        let mut candidate = base.clone();
        let mut n = 2;
        while Self::live_child(db, owner, parent, &candidate)
            .await?
            .is_some()
        {
            candidate = conflict_copy_name(name, &format!("{device} {n}"), date);
            n += 1;
        }
        Ok(candidate)
    }
}

/// Makes the transactions of one namespace that append to the journal (or change its
/// usage) take turns on PostgreSQL, by locking the user's row first. Journal positions
/// come from one sequence, taken at insert: without the lock, two transactions of a
/// user could commit out of position order, and a reader who saw the later one would
/// skip the earlier for good. Taken first in each such transaction, it also orders
/// these transactions' other locks the same way. SQLite has one writer at a time.
pub(super) async fn lock_namespace<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
) -> Result<(), StoreError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        [owner.as_str().into()],
    ))
    .await
    .map_err(backend)?;
    Ok(())
}

/// A user's usage and quota as their locked row holds them.
struct Usage {
    used: i64,
    quota: i64,
    /// The entries they keep, their root aside.
    entries: i64,
    /// Bytes of their files' versions older than the current ones.
    history: i64,
}

impl Usage {
    fn from_row(row: &sea_orm::QueryResult) -> Result<Usage, StoreError> {
        Ok(Usage {
            used: row.try_get("", "used_bytes").map_err(backend)?,
            quota: row.try_get("", "quota_bytes").map_err(backend)?,
            entries: row.try_get("", "entry_count").map_err(backend)?,
            history: row.try_get("", "history_bytes").map_err(backend)?,
        })
    }

    /// Refuses `adding` new entries when they would take the user past `cap`.
    fn admit_entries(&self, adding: u64, cap: u64) -> Result<(), StoreError> {
        admit_entries(to_u64(self.entries), adding, cap)
            .map_err(|_| StoreError::TooManyEntries { limit: cap })
    }

    /// Refuses a new version of `size` bytes replacing one of `replaced` bytes when
    /// it would take the user past their quota (a smaller version always passes).
    fn admit(&self, size: i64, replaced: i64) -> Result<(), StoreError> {
        let available = self.quota - self.used + replaced;
        if size > replaced && size > available {
            return Err(StoreError::QuotaExceeded {
                needed: to_u64(size),
                available: to_u64(available.max(0)),
            });
        }
        Ok(())
    }
}

/// Adds `delta` (negative: takes it away) to one of `owner`'s counts: bytes used,
/// entries kept, bytes of history.
pub(super) async fn add_to_user<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    count: users::Column,
    delta: i64,
) -> Result<(), StoreError> {
    if delta == 0 {
        return Ok(());
    }
    users::Entity::update_many()
        .col_expr(count, Expr::col(count).add(delta))
        .filter(users::Column::Id.eq(owner.as_str()))
        .exec(db)
        .await
        .map_err(backend)?;
    Ok(())
}

/// What `owner` holds with `usage`: that and their uploads open at `now`.
async fn open_uploads<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    usage: Usage,
    now: i64,
) -> Result<Holdings, StoreError> {
    let kind = db.get_database_backend();
    let (a, b, c) = match kind {
        DbBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?", "?", "?"),
    };
    let row = db
        .query_one(Statement::from_sql_and_values(
            kind,
            format!(
                "SELECT COUNT(*) AS open, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS open_bytes, \
                 CAST(COALESCE(SUM(CASE WHEN device = {a} THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 AS through_links FROM uploads WHERE owner_id = {b} AND expires_at > {c}"
            ),
            [LINK_DEVICE.into(), owner.as_str().into(), now.into()],
        ))
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::Backend("no answer to a count".into()))?;
    let count = |column: &str| -> Result<u64, StoreError> {
        Ok(to_u64(row.try_get::<i64>("", column).map_err(backend)?))
    };
    let through_links = count("through_links")?;
    Ok(Holdings {
        used: to_u64(usage.used),
        quota: to_u64(usage.quota),
        open_bytes: count("open_bytes")?,
        open_uploads: count("open")?.saturating_sub(through_links),
        open_link_uploads: through_links,
    })
}

/// [`lock_namespace`], answering the user's root folder and usage in the same query.
async fn lock_namespace_root<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
) -> Result<(FileId, Usage), StoreError> {
    let mut select = sea_orm::sea_query::Query::select()
        .columns([
            users::Column::RootId,
            users::Column::UsedBytes,
            users::Column::QuotaBytes,
            users::Column::EntryCount,
            users::Column::HistoryBytes,
        ])
        .from(users::Entity)
        .and_where(users::Column::Id.eq(owner.as_str()))
        .to_owned();
    let backend_kind = db.get_database_backend();
    if backend_kind == DbBackend::Postgres {
        select.lock(sea_orm::sea_query::LockType::Update);
    }
    let row = db
        .query_one(backend_kind.build(&select))
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("user {owner}")))?;
    let root: String = row.try_get("", "root_id").map_err(backend)?;
    Ok((FileId::from_string(root), Usage::from_row(&row)?))
}

/// The deepest path [`lock_and_find`] looks up in one query; deeper paths take a
/// query per level.
const JOINED_LEVELS: usize = 16;

/// What [`lock_and_find`] found along a path.
struct Found {
    /// The owner's root folder.
    root: FileId,
    /// The folder the path's entry goes in, when every folder above it exists.
    parent: Option<FileId>,
    /// The live entry at the path (only looked for when `parent` is known).
    entry: Option<files::Model>,
    /// The owner's usage and quota.
    usage: Usage,
}

/// [`lock_namespace_root`] and, in the same query, every level of `path` (a LEFT JOIN
/// per segment): a commit to an existing folder takes one round trip before its
/// writes instead of one per path level. `None` for paths deeper than
/// [`JOINED_LEVELS`] or the root itself.
async fn lock_and_find<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    path: &RelPath,
) -> Result<Option<Found>, StoreError> {
    use sea_orm::{FromQueryResult, IdenStatic, Iterable};
    let segments = path.segments();
    let levels = segments.len();
    if levels == 0 || levels > JOINED_LEVELS {
        return Ok(None);
    }
    let kind = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(levels + 1);
    let mut bind = |value: sea_orm::Value| {
        values.push(value);
        match kind {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_string(),
        }
    };
    let mut sql = String::from(
        "SELECT u.root_id AS root_id, u.used_bytes AS used_bytes, \
         u.quota_bytes AS quota_bytes, u.entry_count AS entry_count, \
         u.history_bytes AS history_bytes",
    );
    for level in 1..levels {
        sql += &format!(", f{level}.id AS id{level}, f{level}.is_folder AS folder{level}");
    }
    for column in files::Column::iter() {
        let column = column.as_str();
        sql += &format!(", f{levels}.\"{column}\" AS \"entry_{column}\"");
    }
    sql += " FROM users u";
    for (index, segment) in segments.iter().enumerate() {
        let level = index + 1;
        let parent = if level == 1 {
            "u.root_id".to_string()
        } else {
            format!("f{}.id", level - 1)
        };
        let name = bind(name_key(segment).into());
        // The child is found by a subquery rather than by the join itself: there the
        // parent's id is a parameter, so every level is one exact index lookup even
        // when PostgreSQL has no statistics yet (a join let it pick an index on the
        // owner alone and filter their every file).
        sql += &format!(
            " LEFT JOIN files f{level} ON f{level}.id = (SELECT c.id FROM files c \
             WHERE c.owner_id = u.id AND c.parent_id = {parent} AND c.name_key = {name} \
             AND c.deleted_at IS NULL)"
        );
    }
    sql += &format!(" WHERE u.id = {}", bind(owner.as_str().into()));
    if kind == DbBackend::Postgres {
        sql += " FOR UPDATE OF u";
    }
    let row = db
        .query_one(Statement::from_sql_and_values(kind, sql, values))
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("user {owner}")))?;
    let root = FileId::from_string(row.try_get::<String>("", "root_id").map_err(backend)?);
    let mut parent = Some(root.clone());
    for level in 1..levels {
        let id: Option<String> = row.try_get("", &format!("id{level}")).map_err(backend)?;
        let is_folder: Option<bool> = row
            .try_get("", &format!("folder{level}"))
            .map_err(backend)?;
        parent = match (id, is_folder) {
            (Some(id), Some(true)) => Some(FileId::from_string(id)),
            _ => None,
        };
        if parent.is_none() {
            break;
        }
    }
    let entry_id: Option<String> = row.try_get("", "entry_id").map_err(backend)?;
    let entry = match (&parent, entry_id) {
        (Some(_), Some(_)) => {
            Some(files::Model::from_query_result(&row, "entry_").map_err(backend)?)
        }
        _ => None,
    };
    Ok(Some(Found {
        root,
        parent,
        entry,
        usage: Usage::from_row(&row)?,
    }))
}

#[async_trait]
impl MetadataStore for SqlMetadataStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let user = new.user;
        let txn = self.db.begin().await.map_err(backend)?;
        users::Entity::insert(users::ActiveModel {
            id: Set(user.id.to_string()),
            username: Set(user.username.clone()),
            password_hash: Set(user.password_hash.clone()),
            root_id: Set(user.root_id.to_string()),
            quota_bytes: Set(to_i64(user.quota_bytes)),
            used_bytes: Set(0),
            created_at: Set(new.now),
            entry_count: Set(0),
            history_bytes: Set(0),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        files::Entity::insert(files::ActiveModel {
            id: Set(user.root_id.to_string()),
            owner_id: Set(user.id.to_string()),
            parent_id: Set(None),
            name: Set(String::new()),
            name_key: Set(String::new()),
            is_folder: Set(true),
            size: Set(0),
            content_hash: Set(None),
            current_rev: Set(0),
            created_at: Set(new.now),
            modified_at: Set(new.now),
            deleted_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        txn.commit().await.map_err(backend)?;
        Ok(user)
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(&self.db)
            .await
            .map_err(backend)?
            .map(user_from))
    }

    async fn insert_token(&self, token: NewToken) -> Result<(), StoreError> {
        auth_tokens::Entity::insert(auth_tokens::ActiveModel {
            token_hash: Set(token.token_hash),
            user_id: Set(token.user_id.to_string()),
            kind: Set(match token.kind {
                TokenKind::Session => "session".into(),
                TokenKind::Api => "api".into(),
            }),
            label: Set(token.label),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
        })
        .exec_without_returning(&self.db)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>, StoreError> {
        // One query: every request authenticates.
        let live_token = sea_orm::sea_query::Query::select()
            .column(auth_tokens::Column::UserId)
            .from(auth_tokens::Entity)
            .and_where(auth_tokens::Column::TokenHash.eq(token_hash))
            .and_where(
                Expr::col(auth_tokens::Column::ExpiresAt)
                    .is_null()
                    .or(Expr::col(auth_tokens::Column::ExpiresAt).gt(now)),
            )
            .to_owned();
        Ok(users::Entity::find()
            .filter(users::Column::Id.in_subquery(live_token))
            .one(&self.db)
            .await
            .map_err(backend)?
            .map(user_from))
    }

    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        auth_tokens::Entity::delete_by_id(token_hash)
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn list_api_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(auth_tokens::Entity::find()
            .filter(auth_tokens::Column::UserId.eq(user.as_str()))
            .filter(auth_tokens::Column::Kind.eq("api"))
            .order_by_desc(auth_tokens::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|t| (t.token_hash, t.label.unwrap_or_default(), t.created_at))
            .collect())
    }

    async fn revoke_api_token(&self, user: &UserId, token_hash: &str) -> Result<bool, StoreError> {
        let result = auth_tokens::Entity::delete_many()
            .filter(auth_tokens::Column::TokenHash.eq(token_hash))
            .filter(auth_tokens::Column::UserId.eq(user.as_str()))
            .filter(auth_tokens::Column::Kind.eq("api"))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(result.rows_affected > 0)
    }

    async fn entry_by_path(
        &self,
        owner: &UserId,
        path: &RelPath,
    ) -> Result<Option<FileEntry>, StoreError> {
        Ok(Self::resolve(&self.db, owner, path).await?.map(entry_from))
    }

    async fn entry_by_id(
        &self,
        owner: &UserId,
        id: &FileId,
    ) -> Result<Option<FileEntry>, StoreError> {
        Ok(Self::live_by_id(&self.db, owner, id).await?.map(entry_from))
    }

    async fn entry_path(&self, owner: &UserId, id: &FileId) -> Result<RelPath, StoreError> {
        Self::path_of(&self.db, owner, id.as_str()).await
    }

    async fn entry_owner(&self, id: &FileId) -> Result<Option<UserId>, StoreError> {
        access::entry_owner(&self.db, id).await
    }

    async fn upload_owner(&self, id: &UploadId) -> Result<Option<UserId>, StoreError> {
        access::upload_owner(&self.db, id).await
    }

    async fn received_grants(
        &self,
        recipient: &UserId,
        now: i64,
    ) -> Result<Vec<crate::domain::Grant>, StoreError> {
        access::received_grants(&self.db, recipient, now).await
    }

    async fn share_recipients(&self, owner: &UserId) -> Result<Vec<UserId>, StoreError> {
        access::share_recipients(&self.db, owner).await
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
        let folder = Self::mkdirs(&txn, owner, path, now, &mut made).await?;
        usage.admit_entries(made, self.limits.entry_cap)?;
        add_to_user(&txn, owner, users::Column::EntryCount, to_i64(made)).await?;
        txn.commit().await.map_err(backend)?;
        Ok(entry_from(folder))
    }

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
        let holdings = open_uploads(&txn, &upload.owner, usage, now).await?;
        admit_upload(
            &holdings,
            upload.size,
            admission.replaces,
            admission.starter,
            &admission.limits,
        )
        .map_err(|refusal| match refusal {
            Error::TooManyUploads { open, limit } => StoreError::TooManyUploads { open, limit },
            Error::QuotaExceeded { needed, available } => {
                StoreError::QuotaExceeded { needed, available }
            }
            other => StoreError::Invalid(other.to_string()),
        })?;
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
        self.record_chunks(&txn, &accepted, inline, now).await?;
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
        let upload = &commit.upload;
        let owner = &upload.owner;
        let path = RelPath::parse(&upload.path).map_err(|e| StoreError::Backend(e.to_string()))?;
        let (Some(parent_path), Some(name)) = (path.parent(), path.name()) else {
            return Err(StoreError::AlreadyExists("/ (the root folder)".into()));
        };
        let txn = self.db.begin().await.map_err(backend)?;
        let mut folders_made = 0;
        let (parent_id, existing, usage) = match lock_and_find(&txn, owner, &path).await? {
            Some(Found {
                parent: Some(parent),
                entry,
                usage,
                ..
            }) => (parent, entry, usage),
            found => {
                // Folders to create, a file in the way, or a very deep path.
                let (root, usage) = match found {
                    Some(found) => (found.root, found.usage),
                    None => lock_namespace_root(&txn, owner).await?,
                };
                let parent_id = Self::mkdirs_under(
                    &txn,
                    owner,
                    root,
                    &parent_path,
                    commit.now,
                    &mut folders_made,
                )
                .await?;
                let existing = Self::live_child(&txn, owner, &parent_id, name).await?;
                (parent_id, existing, usage)
            }
        };

        // Decide which entry receives the new version.
        let (target, is_conflict_copy) = match existing {
            Some(found) if commit.on_conflict == ConflictPolicy::Beside => {
                let device = upload.device.as_deref().unwrap_or("another device");
                let copy_name = Self::free_conflict_name(
                    &txn,
                    owner,
                    &parent_id,
                    &found.name,
                    device,
                    &utc_date(commit.now),
                )
                .await?;
                (new_file(owner, &parent_id, copy_name, commit.now), true)
            }
            Some(found) if found.is_folder => {
                return Err(StoreError::AlreadyExists(format!("folder {path}")));
            }
            Some(found) if found.content_hash.as_deref() == Some(commit.content_hash.as_str()) => {
                if commit.session_stored {
                    delete_upload(&txn, owner, &upload.id).await?;
                }
                txn.commit().await.map_err(backend)?;
                return Ok(CommitOutcome::Unchanged(entry_from(found)));
            }
            // The file changed since the client's version, or the path now holds
            // another file than the one the client edited.
            Some(found)
                if upload
                    .parent_rev
                    .is_some_and(|parent_rev| to_i64(parent_rev) != found.current_rev)
                    || upload
                        .base_file
                        .as_ref()
                        .is_some_and(|base| base.as_str() != found.id) =>
            {
                if commit.on_conflict == ConflictPolicy::Fail {
                    return Ok(CommitOutcome::Conflict {
                        current: entry_from(found),
                    });
                }
                let device = upload.device.as_deref().unwrap_or("another device");
                let copy_name = Self::free_conflict_name(
                    &txn,
                    owner,
                    &parent_id,
                    name,
                    device,
                    &utc_date(commit.now),
                )
                .await?;
                (new_file(owner, &parent_id, copy_name, commit.now), true)
            }
            Some(found) => (found, false),
            None => (
                new_file(owner, &parent_id, name.to_string(), commit.now),
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
        let usage = if commit.session_stored {
            usage
        } else {
            let (entries, history) = (usage.entries, usage.history);
            let held = open_uploads(&txn, owner, usage, commit.now).await?;
            Usage {
                used: to_i64(held.used.saturating_add(held.open_bytes)),
                quota: to_i64(held.quota),
                entries,
                history,
            }
        };
        let is_new = target.current_rev == 0;
        let old_size = if is_new { 0 } else { target.size };
        let rev = target.current_rev + 1;
        let size = to_i64(upload.size);
        // Checked with the owner's row locked, so uploads committing side by side
        // cannot pass the quota together.
        usage.admit(size, old_size)?;
        let entries_made = folders_made + u64::from(is_new);
        usage.admit_entries(entries_made, self.limits.entry_cap)?;

        let updated = files::Model {
            size,
            content_hash: Some(commit.content_hash.clone()),
            current_rev: rev,
            modified_at: commit.now,
            ..target
        };
        // Every write of the commit in one round trip.
        let mut writes = WriteBatch::new(txn.get_database_backend());
        if is_new {
            writes.push(
                files::Entity::insert(files::ActiveModel::from(updated.clone())).into_query(),
            );
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
                size: Set(size),
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
        self.reference_new_version_chunks(&mut writes, &upload.chunks, references, &commit);
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
        writes.push(Self::journal_entry(
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
        writes.run(&txn).await?;
        if !is_new {
            gc::prune_history(
                &txn,
                owner,
                &updated,
                usage.history + old_size,
                usage.quota,
                &self.limits,
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

    async fn version_chunks(
        &self,
        owner: &UserId,
        file: &FileId,
        rev: u64,
    ) -> Result<Vec<VersionChunk>, StoreError> {
        let rows = version_chunks::Entity::find()
            .filter(version_chunks::Column::OwnerId.eq(owner.as_str()))
            .filter(version_chunks::Column::FileId.eq(file.as_str()))
            .filter(version_chunks::Column::Rev.eq(to_i64(rev)))
            .order_by_asc(version_chunks::Column::Idx)
            .all(&self.db)
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
        tree::list_versions(&self.db, owner, id).await
    }

    async fn restore_version(
        &self,
        owner: &UserId,
        id: &FileId,
        rev: u64,
        now: i64,
    ) -> Result<FileEntry, StoreError> {
        tree::restore_version(&self.db, owner, id, rev, now, &self.limits).await
    }

    async fn search(
        &self,
        owner: &UserId,
        query: &str,
        limit: u64,
    ) -> Result<Vec<FileEntry>, StoreError> {
        tree::search(&self.db, owner, query, limit).await
    }

    async fn changes_since(
        &self,
        owner: &UserId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Change>, StoreError> {
        tree::changes_since(&self.db, owner, after, limit).await
    }

    async fn latest_change(&self, owner: &UserId) -> Result<i64, StoreError> {
        tree::latest_change(&self.db, owner).await
    }

    async fn changes_exceed(
        &self,
        owner: &UserId,
        after: i64,
        count: u64,
    ) -> Result<bool, StoreError> {
        tree::changes_exceed(&self.db, owner, after, count).await
    }

    async fn purge_entry(&self, owner: &UserId, id: &FileId, now: i64) -> Result<(), StoreError> {
        gc::purge_entry(&self.db, owner, id, now, self.limits.chunk_grace_ms).await
    }

    async fn expire_uploads(&self, now: i64) -> Result<u64, StoreError> {
        gc::expire_uploads(&self.db, now).await
    }

    async fn delete_upload(&self, owner: &UserId, upload: &UploadId) -> Result<bool, StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        let deleted = delete_upload(&txn, owner, upload).await?;
        txn.commit().await.map_err(backend)?;
        Ok(deleted)
    }

    async fn collectable_chunks(&self, now: i64, limit: u64) -> Result<Vec<ChunkId>, StoreError> {
        gc::collectable_chunks(&self.db, now, limit).await
    }

    async fn begin_collecting(&self, id: &ChunkId, now: i64) -> Result<bool, StoreError> {
        gc::begin_collecting(&self.db, id, now).await
    }

    async fn forget_chunk(&self, id: &ChunkId) -> Result<bool, StoreError> {
        gc::forget_chunk(&self.db, id).await
    }

    async fn insert_share(&self, share: &Share) -> Result<(), StoreError> {
        self.insert_share_row(share).await
    }

    async fn share_by_id(&self, id: &str) -> Result<Option<ShareRecord>, StoreError> {
        self.share_record(id).await
    }

    async fn share_by_token(
        &self,
        token: &ShareToken,
    ) -> Result<Option<(Share, User)>, StoreError> {
        self.link_by_token(token).await
    }

    async fn shares_made(
        &self,
        owner: &UserId,
        file: Option<&FileId>,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        self.shares_of_owner(owner, file).await
    }

    async fn shares_received(&self, recipient: &UserId) -> Result<Vec<ShareRecord>, StoreError> {
        self.shares_of_recipient(recipient).await
    }

    async fn update_share(
        &self,
        id: &str,
        permission: SharePermission,
        password_hash: Option<String>,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.update_share_row(id, permission, password_hash, expires_at)
            .await
    }

    async fn delete_share(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_share_row(id).await
    }

    async fn count_share_download(&self, id: &str) -> Result<(), StoreError> {
        self.count_download(id).await
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.user_row(id).await
    }
}

fn new_file(owner: &UserId, parent: &FileId, name: String, now: i64) -> files::Model {
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

/// Writes gathered to go to the database in one round trip: each statement is
/// rendered by sea-query for the connection's backend with its values inlined (and
/// escaped by the builder), and the whole batch is sent with `execute_unprepared`,
/// inside the caller's transaction.
pub(super) struct WriteBatch {
    backend: DbBackend,
    sql: String,
}

impl WriteBatch {
    pub(super) fn new(backend: DbBackend) -> WriteBatch {
        WriteBatch {
            backend,
            sql: String::new(),
        }
    }

    pub(super) fn push(&mut self, statement: impl sea_orm::sea_query::QueryStatementWriter) {
        let sql = match self.backend {
            DbBackend::Postgres => statement.to_string(sea_orm::sea_query::PostgresQueryBuilder),
            _ => statement.to_string(sea_orm::sea_query::SqliteQueryBuilder),
        };
        self.sql.push_str(&sql);
        self.sql.push_str(";\n");
    }

    pub(super) async fn run<C: ConnectionTrait>(self, db: &C) -> Result<(), StoreError> {
        if !self.sql.is_empty() {
            db.execute_unprepared(&self.sql).await.map_err(backend)?;
        }
        Ok(())
    }
}

/// The statements that delete `owner`'s upload session `upload` with its chunk list
/// (nothing when the session is another user's).
fn upload_deletes(owner: &UserId, upload: &UploadId) -> [sea_orm::sea_query::DeleteStatement; 2] {
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
async fn delete_upload<C: ConnectionTrait>(
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
