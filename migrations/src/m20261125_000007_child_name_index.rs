//! The index of a folder's children also holds their names, so that looking up one
//! child by name reads one index entry whichever index the planner picks.
//!
//! Before, `files_parent (owner_id, parent_id)` and the partial unique
//! `files_live_name (owner_id, parent_id, name) WHERE deleted_at IS NULL` both
//! matched a lookup by name; PostgreSQL, with no statistics yet, could pick the
//! first and filter every child of the folder on each commit.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX files_parent").await?;
        db.execute_unprepared("CREATE INDEX files_parent ON files (owner_id, parent_id, name)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX files_parent").await?;
        db.execute_unprepared("CREATE INDEX files_parent ON files (owner_id, parent_id)")
            .await?;
        Ok(())
    }
}
