//! The initial schema: users and their sessions, the file tree with its versions,
//! content-addressed chunks with reference counts, and resumable upload sessions.
//!
//! Times are Unix milliseconds (BIGINT), ids are opaque text, so that SQLite and
//! PostgreSQL store exactly the same values.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    RootId,
    QuotaBytes,
    UsedBytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuthTokens {
    Table,
    TokenHash,
    UserId,
    Kind,
    Label,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    OwnerId,
    ParentId,
    Name,
    IsFolder,
    Size,
    ContentHash,
    CurrentRev,
    CreatedAt,
    ModifiedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum FileVersions {
    Table,
    FileId,
    Rev,
    Size,
    ContentHash,
    CreatedAt,
    CreatedBy,
    Device,
}

#[derive(DeriveIden)]
enum Chunks {
    Table,
    Hash,
    Size,
    Refcount,
    DeleteAfter,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VersionChunks {
    Table,
    FileId,
    Rev,
    Idx,
    OwnerId,
    ChunkHash,
    Offset,
    Size,
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    OwnerId,
    Path,
    Size,
    ParentRev,
    Device,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum UploadChunks {
    Table,
    UploadId,
    Idx,
    OwnerId,
    ChunkHash,
    Size,
    Received,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(string(Users::Id).primary_key())
                    .col(string_uniq(Users::Username))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::RootId))
                    .col(big_integer(Users::QuotaBytes))
                    .col(big_integer(Users::UsedBytes))
                    .col(big_integer(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthTokens::Table)
                    .col(string(AuthTokens::TokenHash).primary_key())
                    .col(string(AuthTokens::UserId))
                    .col(string(AuthTokens::Kind))
                    .col(string_null(AuthTokens::Label))
                    .col(big_integer(AuthTokens::CreatedAt))
                    .col(big_integer_null(AuthTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_tokens_user")
                    .table(AuthTokens::Table)
                    .col(AuthTokens::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Files::Table)
                    .col(string(Files::Id).primary_key())
                    .col(string(Files::OwnerId))
                    .col(string_null(Files::ParentId))
                    .col(string(Files::Name))
                    .col(boolean(Files::IsFolder))
                    .col(big_integer(Files::Size))
                    .col(string_null(Files::ContentHash))
                    .col(big_integer(Files::CurrentRev))
                    .col(big_integer(Files::CreatedAt))
                    .col(big_integer(Files::ModifiedAt))
                    .col(big_integer_null(Files::DeletedAt))
                    .to_owned(),
            )
            .await?;
        // One live entry per name in a folder; trashed entries may share names.
        // Partial indexes read the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX files_live_name ON files (owner_id, parent_id, name) \
                 WHERE deleted_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("files_parent")
                    .table(Files::Table)
                    .col(Files::OwnerId)
                    .col(Files::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FileVersions::Table)
                    .col(string(FileVersions::FileId))
                    .col(big_integer(FileVersions::Rev))
                    .col(big_integer(FileVersions::Size))
                    .col(string(FileVersions::ContentHash))
                    .col(big_integer(FileVersions::CreatedAt))
                    .col(string(FileVersions::CreatedBy))
                    .col(string_null(FileVersions::Device))
                    .primary_key(
                        Index::create()
                            .col(FileVersions::FileId)
                            .col(FileVersions::Rev),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Chunks::Table)
                    .col(string(Chunks::Hash).primary_key())
                    .col(big_integer(Chunks::Size))
                    .col(big_integer(Chunks::Refcount))
                    .col(big_integer_null(Chunks::DeleteAfter))
                    .col(big_integer(Chunks::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VersionChunks::Table)
                    .col(string(VersionChunks::FileId))
                    .col(big_integer(VersionChunks::Rev))
                    .col(big_integer(VersionChunks::Idx))
                    .col(string(VersionChunks::OwnerId))
                    .col(string(VersionChunks::ChunkHash))
                    .col(big_integer(VersionChunks::Offset))
                    .col(big_integer(VersionChunks::Size))
                    .primary_key(
                        Index::create()
                            .col(VersionChunks::FileId)
                            .col(VersionChunks::Rev)
                            .col(VersionChunks::Idx),
                    )
                    .to_owned(),
            )
            .await?;
        // Dedup looks chunks up within one user's namespace only.
        manager
            .create_index(
                Index::create()
                    .name("version_chunks_owner_hash")
                    .table(VersionChunks::Table)
                    .col(VersionChunks::OwnerId)
                    .col(VersionChunks::ChunkHash)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(string(Uploads::Id).primary_key())
                    .col(string(Uploads::OwnerId))
                    .col(string(Uploads::Path))
                    .col(big_integer(Uploads::Size))
                    .col(big_integer_null(Uploads::ParentRev))
                    .col(string_null(Uploads::Device))
                    .col(big_integer(Uploads::CreatedAt))
                    .col(big_integer(Uploads::ExpiresAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UploadChunks::Table)
                    .col(string(UploadChunks::UploadId))
                    .col(big_integer(UploadChunks::Idx))
                    .col(string(UploadChunks::OwnerId))
                    .col(string(UploadChunks::ChunkHash))
                    .col(big_integer(UploadChunks::Size))
                    .col(boolean(UploadChunks::Received))
                    .primary_key(
                        Index::create()
                            .col(UploadChunks::UploadId)
                            .col(UploadChunks::Idx),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("upload_chunks_owner_hash")
                    .table(UploadChunks::Table)
                    .col(UploadChunks::OwnerId)
                    .col(UploadChunks::ChunkHash)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UploadChunks::Table.into_iden(),
            Uploads::Table.into_iden(),
            VersionChunks::Table.into_iden(),
            Chunks::Table.into_iden(),
            FileVersions::Table.into_iden(),
            Files::Table.into_iden(),
            AuthTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
