//! What each account keeps beyond the bytes its quota counts, so that it can be
//! bounded: `users.entry_count`, its files and folders, live or in the trash, its
//! root folder aside (empty ones cost no quota, so their number is capped on its
//! own); and `users.history_bytes`, the bytes of its files' versions older than
//! their current ones (kept within the quota, oldest first to go). Both are kept by
//! the transactions that change them, and start from what is there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["entry_count", "history_bytes"] {
            db.execute_unprepared(&format!(
                "ALTER TABLE users ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0"
            ))
            .await?;
        }
        db.execute_unprepared(
            "UPDATE users SET entry_count = (SELECT COUNT(*) FROM files \
             WHERE files.owner_id = users.id AND files.parent_id IS NOT NULL), \
             history_bytes = (SELECT CAST(COALESCE(SUM(v.size), 0) AS BIGINT) \
             FROM file_versions v JOIN files f ON f.id = v.file_id \
             WHERE f.owner_id = users.id AND v.rev < f.current_rev)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["history_bytes", "entry_count"] {
            db.execute_unprepared(&format!("ALTER TABLE users DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
