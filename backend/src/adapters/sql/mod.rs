//! `SqlMetadataStore`: the metadata store's ports on SQLite or PostgreSQL via sea-orm.
//!
//! Both databases run the same queries and the same migrations. Every method is one
//! transaction (or one statement) and is scoped to one namespace (`owner_id`). The
//! decisions are the domain's (`decide_commit`, `admit_upload`, `clash_names`, …);
//! this adapter reads what they need and writes what they decide. One module per
//! role, each implementing its port:
//!
//! - `accounts`: users and tokens ([`AccountStore`](crate::ports::AccountStore));
//! - `lookup`: finding entries, making folders, the tree's port
//!   ([`TreeStore`](crate::ports::TreeStore)); its writes are in `tree` (trash,
//!   restore, move, copy, search) and `versions`;
//! - `uploads` and `commit`: upload sessions and their commits
//!   ([`UploadStore`](crate::ports::UploadStore));
//! - `journal`: the change journal ([`JournalStore`](crate::ports::JournalStore));
//! - `locking`: the namespace lock, with the usage read under it;
//! - `shares` and `access`: shares and what crosses namespaces through them
//!   ([`ShareStore`](crate::ports::ShareStore));
//! - `gc`: references, purges, history pruning and chunk collection
//!   ([`ChunkCollector`](crate::ports::ChunkCollector)).

mod access;
mod accounts;
mod commit;
mod entities;
mod gc;
mod journal;
mod locking;
mod lookup;
mod shares;
mod tree;
mod uploads;
mod versions;

use crate::domain::{FileEntry, FileId, User, UserId};
use crate::ports::StoreError;
use entities::{files, users};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqlErr,
};
use std::collections::HashSet;
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
    /// The most entries one account may keep ([`admit_entries`](crate::domain::admit_entries)).
    pub entry_cap: u64,
    /// The most versions one file keeps, its current one included
    /// ([`versions_over_cap`](crate::domain::versions_over_cap)).
    pub versions_per_file: u64,
}

/// The metadata store on a SQL database.
pub struct SqlMetadataStore {
    db: DatabaseConnection,
    limits: StoreLimits,
}

/// A database error in the port's terms: a broken uniqueness rule (as the driver's
/// error code tells) is `AlreadyExists`, anything else a storage failure.
fn backend(e: DbErr) -> StoreError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(text)) => StoreError::AlreadyExists(text),
        _ => StoreError::Backend(e.to_string()),
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
