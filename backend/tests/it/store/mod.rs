//! The metadata store's ports, one conformance suite per role trait, run against the
//! SQL adapter on the database of the run (SQLite, or PostgreSQL with
//! `CAIRN_TEST_DATABASE=postgres`). Each suite holds the store as a trait object and
//! tests its role through the role's trait, so another adapter of the same ports
//! would run the same suites.

use crate::support::test_database;
use backend::adapters::sql::{SqlMetadataStore, StoreLimits};
use backend::config::Config;
use backend::domain::{
    Commit, CommitOutcome, ConflictPolicy, FileId, OpenUploadLimits, RelPath, Share, ShareKind,
    SharePermission, ShareToken, Starter, UploadChunk, UploadId, UploadSession, User, UserId,
};
use backend::ports::{
    AccountStore, ChunkCollector, JournalStore, MetadataStore, NewToken, NewUser, ShareStore,
    StoreError, TokenKind, TreeStore, UploadAdmission, UploadStore,
};
use wasm_chunker::ChunkId;

mod accounts;
mod collector;
mod journal;
mod shares;
mod tree;
mod uploads;

use accounts::account_store_conforms;
use collector::chunk_collector_conforms;
use journal::journal_store_conforms;
use shares::share_store_conforms;
use tree::tree_store_conforms;
use uploads::upload_store_conforms;

const NOW: i64 = 1_795_613_700_000; // 2026-11-25
const GRACE_MS: i64 = 60_000;

/// A store on a fresh database of the run's kind, with the database kept for the
/// store's life.
struct Fixture {
    store: SqlMetadataStore,
    _database: Option<crate::support::TestDatabase>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::embedded(dir.path().to_path_buf());
    let database = test_database(&mut config).await;
    let limits = StoreLimits {
        chunk_grace_ms: GRACE_MS,
        entry_cap: 1_000,
        versions_per_file: 10,
    };
    let store = SqlMetadataStore::connect(&config.metadata.url(), limits)
        .await
        .unwrap();
    Fixture {
        store,
        _database: database,
        _dir: dir,
    }
}

async fn user(store: &dyn AccountStore, name: &str, quota: u64) -> User {
    let user = User {
        id: UserId::generate(),
        username: name.into(),
        password_hash: "not a real hash".into(),
        root_id: FileId::generate(),
        quota_bytes: quota,
        used_bytes: 0,
        history_bytes: 0,
    };
    store.create_user(NewUser { user, now: NOW }).await.unwrap()
}

fn path(text: &str) -> RelPath {
    RelPath::parse(text).unwrap()
}

/// A session for `path` whose chunks are `parts`, all received.
fn session(owner: &User, path: &str, parts: &[&[u8]]) -> UploadSession {
    let chunks = parts
        .iter()
        .enumerate()
        .map(|(index, bytes)| UploadChunk {
            index: index as u64,
            id: ChunkId::of(bytes),
            size: bytes.len() as u64,
            received: false,
        })
        .collect();
    UploadSession {
        id: UploadId::generate(),
        owner: owner.id.clone(),
        path: path.into(),
        size: parts.iter().map(|p| p.len() as u64).sum(),
        parent_rev: None,
        base_file: None,
        device: Some("Bob's laptop".into()),
        created_at: NOW,
        expires_at: NOW + 3_600_000,
        chunks,
    }
}

/// Commits `upload` as a file sent whole (no stored session), its chunks inline.
async fn commit(
    store: &dyn UploadStore,
    upload: UploadSession,
    on_conflict: ConflictPolicy,
) -> Result<CommitOutcome, StoreError> {
    // The content hash as the core computes it is not this one, but the store only
    // compares hashes: one per distinct content is all it needs.
    let content: Vec<u8> = upload
        .chunks
        .iter()
        .flat_map(|c| c.id.to_hex().into_bytes())
        .collect();
    let content_hash = ChunkId::of(&content).to_hex();
    store
        .commit_upload(Commit {
            upload,
            content_hash,
            on_conflict,
            now: NOW,
            session_stored: false,
            inline: Vec::new(),
        })
        .await
}

fn admission(per_account: u64) -> UploadAdmission {
    UploadAdmission {
        replaces: 0,
        starter: Starter::Account,
        limits: OpenUploadLimits {
            per_account,
            through_links: 1,
        },
    }
}

#[tokio::test]
async fn the_account_store_conforms() {
    let fixture = fixture().await;
    account_store_conforms(&fixture.store).await;
}

#[tokio::test]
async fn the_tree_store_conforms() {
    let fixture = fixture().await;
    tree_store_conforms(&fixture.store).await;
}

#[tokio::test]
async fn the_upload_store_conforms() {
    let fixture = fixture().await;
    upload_store_conforms(&fixture.store).await;
}

#[tokio::test]
async fn the_journal_store_conforms() {
    let fixture = fixture().await;
    journal_store_conforms(&fixture.store).await;
}

#[tokio::test]
async fn the_share_store_conforms() {
    let fixture = fixture().await;
    share_store_conforms(&fixture.store).await;
}

#[tokio::test]
async fn the_chunk_collector_conforms() {
    let fixture = fixture().await;
    chunk_collector_conforms(&fixture.store).await;
}
