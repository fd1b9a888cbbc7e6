//! A chunk being collected is marked before its bytes are deleted.
//!
//! Garbage collection used to delete a chunk's record and then its bytes; an upload
//! of the same chunk in between recorded it again and kept a record whose bytes
//! were about to go. Now the collector marks the record (`collecting_since`, Unix
//! milliseconds), deletes the bytes, then deletes the marked record; while it is
//! marked, nothing may take a reference to it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE chunks ADD COLUMN collecting_since BIGINT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE chunks DROP COLUMN collecting_since")
            .await?;
        Ok(())
    }
}
