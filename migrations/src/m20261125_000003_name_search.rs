//! An index for search by name (case-insensitive substring): trigrams of file names.
//!
//! PostgreSQL: a GIN `pg_trgm` index on `lower(name)`, which `lower(name) LIKE
//! '%…%'` uses (created when the server offers the extension; without it search
//! still works, by scanning the user's files).
//!
//! SQLite: an FTS5 table with the trigram tokenizer, kept up to date by triggers.
//! Each row carries the file's id, which searches join on; its rowid is the file
//! row's, which the triggers use to find it again. SQLite's `VACUUM` may renumber
//! rowids: after one, rebuild the index with
//! `DELETE FROM files_name_index; INSERT INTO files_name_index (rowid, name, file_id) SELECT rowid, name, id FROM files;`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = "DO $$ BEGIN \
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN \
        CREATE EXTENSION IF NOT EXISTS pg_trgm; \
        CREATE INDEX IF NOT EXISTS files_name_trgm ON files USING gin (lower(name) gin_trgm_ops); \
    END IF; \
END $$";

pub(crate) const SQLITE_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE files_name_index USING fts5(\
        name, file_id UNINDEXED, tokenize = 'trigram case_sensitive 0')",
    "INSERT INTO files_name_index (rowid, name, file_id) SELECT rowid, name, id FROM files",
    "CREATE TRIGGER files_name_index_insert AFTER INSERT ON files BEGIN \
        INSERT INTO files_name_index (rowid, name, file_id) VALUES (new.rowid, new.name, new.id); \
    END",
    "CREATE TRIGGER files_name_index_delete AFTER DELETE ON files BEGIN \
        DELETE FROM files_name_index WHERE rowid = old.rowid; \
    END",
    "CREATE TRIGGER files_name_index_rename AFTER UPDATE OF name ON files BEGIN \
        DELETE FROM files_name_index WHERE rowid = old.rowid; \
        INSERT INTO files_name_index (rowid, name, file_id) VALUES (new.rowid, new.name, new.id); \
    END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_UP).await?;
            }
            DbBackend::Sqlite => {
                for statement in SQLITE_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
            DbBackend::MySql => {
                return Err(DbErr::Migration(
                    "Cairn stores its metadata in SQLite or PostgreSQL only".into(),
                ))
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS files_name_trgm")
                    .await?;
            }
            _ => {
                for statement in [
                    "DROP TRIGGER IF EXISTS files_name_index_rename",
                    "DROP TRIGGER IF EXISTS files_name_index_delete",
                    "DROP TRIGGER IF EXISTS files_name_index_insert",
                    "DROP TABLE IF EXISTS files_name_index",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }
}
