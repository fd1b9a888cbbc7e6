//! Cairn's database schema as sea-orm migrations, one set for SQLite and PostgreSQL.
//!
//! A migration that has landed is never edited: a change to the schema is a new
//! `mYYYYMMDD_HHMMSS_<what>.rs` module appended to [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_initial;
mod m20261125_000002_journal;
mod m20261125_000003_name_search;
mod m20261125_000004_inline_chunks;
mod m20261125_000005_upload_base_file;
mod m20261125_000006_shares;
mod m20261125_000007_child_name_index;
mod m20261126_000008_external_name_index;
mod m20261201_000009_name_key;
mod m20261201_000010_chunk_collection;
mod m20261201_000011_open_uploads_index;
mod m20261201_000012_account_holdings;

/// Runs every migration in order; the server calls it on start-up.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261125_000002_journal::Migration),
            Box::new(m20261125_000003_name_search::Migration),
            Box::new(m20261125_000004_inline_chunks::Migration),
            Box::new(m20261125_000005_upload_base_file::Migration),
            Box::new(m20261125_000006_shares::Migration),
            Box::new(m20261125_000007_child_name_index::Migration),
            Box::new(m20261126_000008_external_name_index::Migration),
            Box::new(m20261201_000009_name_key::Migration),
            Box::new(m20261201_000010_chunk_collection::Migration),
            Box::new(m20261201_000011_open_uploads_index::Migration),
            Box::new(m20261201_000012_account_holdings::Migration),
        ]
    }
}
