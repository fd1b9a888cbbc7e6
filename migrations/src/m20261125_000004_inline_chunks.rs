//! Small chunks kept in the database: a chunk of at most 32 KiB (a small file, or
//! the tail of a larger one) is stored in its `chunks` row, in the same transaction
//! that records it, instead of as a separate object with its own durable write.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Chunks {
    Table,
    InlineData,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Chunks::Table)
                    .add_column(ColumnDef::new(Chunks::InlineData).blob().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Chunks::Table)
                    .drop_column(Chunks::InlineData)
                    .to_owned(),
            )
            .await
    }
}
