//! SQLite's name index reads names from `files` itself instead of keeping a copy.
//!
//! The FTS5 table becomes an external-content index of `files` (its rowid is the
//! file row's) without per-row token counts (`columnsize=0`; nothing ranks results):
//! a new file then writes two fewer database pages. Triggers keep it up to date; an
//! external-content index must be told the old name to forget it. SQLite's `VACUUM`
//! may renumber the rowids of `files`: after one, rebuild the index with
//! `INSERT INTO files_name_index (files_name_index) VALUES ('rebuild');`.
//!
//! PostgreSQL's trigram index (the name-search migration) is unchanged.

use crate::m20261125_000003_name_search;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Drops the name index and its triggers, whichever form they have.
const DROP: [&str; 4] = [
    "DROP TRIGGER IF EXISTS files_name_index_rename",
    "DROP TRIGGER IF EXISTS files_name_index_delete",
    "DROP TRIGGER IF EXISTS files_name_index_insert",
    "DROP TABLE IF EXISTS files_name_index",
];

const SQLITE_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE files_name_index USING fts5(\
        name, content = 'files', content_rowid = 'rowid', columnsize = 0, \
        tokenize = 'trigram case_sensitive 0')",
    "INSERT INTO files_name_index (files_name_index) VALUES ('rebuild')",
    "CREATE TRIGGER files_name_index_insert AFTER INSERT ON files BEGIN \
        INSERT INTO files_name_index (rowid, name) VALUES (new.rowid, new.name); \
    END",
    "CREATE TRIGGER files_name_index_delete AFTER DELETE ON files BEGIN \
        INSERT INTO files_name_index (files_name_index, rowid, name) \
            VALUES ('delete', old.rowid, old.name); \
    END",
    "CREATE TRIGGER files_name_index_rename AFTER UPDATE OF name ON files BEGIN \
        INSERT INTO files_name_index (files_name_index, rowid, name) \
            VALUES ('delete', old.rowid, old.name); \
        INSERT INTO files_name_index (rowid, name) VALUES (new.rowid, new.name); \
    END",
];

async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        run_all(manager, &DROP).await?;
        run_all(manager, &SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        run_all(manager, &DROP).await?;
        run_all(manager, &m20261125_000003_name_search::SQLITE_UP).await
    }
}
