//! Namespace locking: the transactions of one namespace that append to its journal or
//! change its usage take turns, and read the owner's usage, root and path with the
//! lock.

use super::entities::{files, users};
use super::{backend, to_u64};
use crate::domain::{
    admit_bytes, admit_entries, name_key, Error, FileId, Holdings, RelPath, UserId, LINK_DEVICE,
};
use crate::ports::StoreError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

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
pub(super) struct Usage {
    pub(super) used: i64,
    pub(super) quota: i64,
    /// The entries they keep, their root aside.
    pub(super) entries: i64,
    /// Bytes of their files' versions older than the current ones.
    pub(super) history: i64,
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

    /// Refuses `adding` new entries when they would take the user past `cap`
    /// ([`admit_entries`]).
    pub(super) fn admit_entries(&self, adding: u64, cap: u64) -> Result<(), StoreError> {
        admit_entries(to_u64(self.entries), adding, cap).map_err(refusal)
    }

    /// Refuses a new version of `size` bytes replacing one of `replaced` bytes when
    /// it would take the user past their quota ([`admit_bytes`]; open uploads do not
    /// count here).
    pub(super) fn admit(&self, size: i64, replaced: i64) -> Result<(), StoreError> {
        admit_bytes(
            to_u64(self.used),
            to_u64(self.quota),
            to_u64(size),
            to_u64(replaced),
        )
        .map_err(refusal)
    }
}

/// A domain refusal of room or entries, in the port's terms.
pub(super) fn refusal(error: Error) -> StoreError {
    match error {
        Error::QuotaExceeded { needed, available } => {
            StoreError::QuotaExceeded { needed, available }
        }
        Error::TooManyEntries { limit } => StoreError::TooManyEntries { limit },
        Error::TooManyUploads { open, limit } => StoreError::TooManyUploads { open, limit },
        other => StoreError::Invalid(other.to_string()),
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
pub(super) async fn open_uploads<C: ConnectionTrait>(
    db: &C,
    owner: &UserId,
    usage: &Usage,
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
pub(super) async fn lock_namespace_root<C: ConnectionTrait>(
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
pub(super) const JOINED_LEVELS: usize = 16;

/// What [`lock_and_find`] found along a path.
pub(super) struct Found {
    /// The owner's root folder.
    pub(super) root: FileId,
    /// The folder the path's entry goes in, when every folder above it exists.
    pub(super) parent: Option<FileId>,
    /// The live entry at the path (only looked for when `parent` is known).
    pub(super) entry: Option<files::Model>,
    /// The owner's usage and quota.
    pub(super) usage: Usage,
}

/// [`lock_namespace_root`] and, in the same query, every level of `path` (a LEFT JOIN
/// per segment): a commit to an existing folder takes one round trip before its
/// writes instead of one per path level. `None` for paths deeper than
/// [`JOINED_LEVELS`] or the root itself.
pub(super) async fn lock_and_find<C: ConnectionTrait>(
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
