//! The change journal: one row per change to a user's tree, in commit order. Sync
//! cursors are positions in it; it is appended in the same transaction as the change.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Journal {
    Table,
    Seq,
    OwnerId,
    FileId,
    Action,
    Path,
    OldPath,
    IsFolder,
    Rev,
    Size,
    Actor,
    Device,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Journal::Table)
                    .col(
                        ColumnDef::new(Journal::Seq)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string(Journal::OwnerId))
                    .col(string(Journal::FileId))
                    .col(string(Journal::Action))
                    .col(string(Journal::Path))
                    .col(string_null(Journal::OldPath))
                    .col(boolean(Journal::IsFolder))
                    .col(big_integer(Journal::Rev))
                    .col(big_integer(Journal::Size))
                    .col(string(Journal::Actor))
                    .col(string_null(Journal::Device))
                    .col(big_integer(Journal::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("journal_owner_seq")
                    .table(Journal::Table)
                    .col(Journal::OwnerId)
                    .col(Journal::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Journal::Table).to_owned())
            .await
    }
}
