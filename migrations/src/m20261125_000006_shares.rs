//! Shares: public links (viewer or upload-only "file request") and shares with another
//! user (viewer or editor). One row per share; revoking deletes the row, so a revoked
//! link stops working on the next request.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, string, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Shares {
    Table,
    Id,
    /// The user whose entry is shared.
    OwnerId,
    /// The shared entry (file or folder): the share's root.
    FileId,
    /// `link` or `user`.
    Kind,
    /// `viewer`, `editor` or `upload_only`.
    Permission,
    /// For a user share: who it is shared with.
    RecipientId,
    /// For a link: its 128-bit random token, as it appears in `/s/{token}`.
    Token,
    /// For a link with a password: its Argon2 PHC string.
    PasswordHash,
    /// Unix milliseconds after which the share no longer works.
    ExpiresAt,
    /// How many downloads went through the link.
    DownloadCount,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shares::Table)
                    .col(string(Shares::Id).primary_key())
                    .col(string(Shares::OwnerId))
                    .col(string(Shares::FileId))
                    .col(string(Shares::Kind))
                    .col(string(Shares::Permission))
                    .col(string_null(Shares::RecipientId))
                    .col(string_null(Shares::Token).unique_key())
                    .col(string_null(Shares::PasswordHash))
                    .col(big_integer_null(Shares::ExpiresAt))
                    .col(big_integer(Shares::DownloadCount).default(0))
                    .col(big_integer(Shares::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("shares_owner", Shares::OwnerId),
            ("shares_recipient", Shares::RecipientId),
            ("shares_file", Shares::FileId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Shares::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Shares::Table).to_owned())
            .await
    }
}
