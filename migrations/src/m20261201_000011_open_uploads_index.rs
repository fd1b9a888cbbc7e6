//! An index of each account's upload sessions by expiry: starting an upload adds up
//! the account's open ones (their bytes count against the quota, their number is
//! capped), which read every session of every account without it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX uploads_owner_expiry ON uploads (owner_id, expires_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX uploads_owner_expiry")
            .await?;
        Ok(())
    }
}
