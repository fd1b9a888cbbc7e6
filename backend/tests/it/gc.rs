//! Garbage collection: abandoned uploads expire, unreferenced chunks go after the
//! grace period, and nothing a version, a trashed file or an open upload uses is
//! ever removed, even when an upload sends a chunk while it is being collected (a
//! chunk store held at chosen moments makes each such race happen for certain).

use crate::support::{chunk, chunks_stored, random_bytes, Client, TestServer};
use backend::ports::{BlobStore, StoreError};
use frontend::api::types::FolderListing;
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use tokio::sync::oneshot;
use wasm_chunker::ChunkId;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn now() -> i64 {
    backend::core::now_ms()
}

#[tokio::test]
async fn gc_keeps_what_is_referenced_and_removes_the_rest_after_the_delay() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let params = alice.config().await.chunking;

    let kept = random_bytes(3 * 1024 * 1024, 7);
    let (kept_chunks, _) = chunk(params, &kept);
    let (file, _) = alice.upload("/kept.bin", &kept).await;
    let (twin, _) = alice.upload("/twin.bin", &kept).await;

    let abandoned = random_bytes(1024 * 1024, 8);
    let (abandoned_chunks, _) = chunk(params, &abandoned);
    let init = alice
        .init("/abandoned.bin", &abandoned, &abandoned_chunks)
        .await
        .unwrap();
    alice
        .put_packed(&init.upload_id, &abandoned, &abandoned_chunks, &[0])
        .await
        .unwrap();
    let abandoned_id = [abandoned_chunks[0].id];
    let kept_ids: Vec<_> = kept_chunks.iter().map(|c| c.id).collect();
    let all_kept = vec![true; kept_ids.len()];
    let none_kept = vec![false; kept_ids.len()];
    assert_eq!(chunks_stored(&server, &abandoned_id).await, [true]);

    let report = server.core.collect_garbage_at(now()).await.unwrap();
    assert_eq!((report.expired_uploads, report.chunks_removed), (0, 0));

    // Eight days on: the upload expired, its chunk is gone; the files' chunks stay.
    let report = server
        .core
        .collect_garbage_at(now() + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!((report.expired_uploads, report.chunks_removed), (1, 1));
    assert_eq!(chunks_stored(&server, &abandoned_id).await, [false]);
    assert_eq!(chunks_stored(&server, &kept_ids).await, all_kept);
    let gone = alice
        .get::<serde_json::Value>(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap_err();
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // A trashed file still references its chunks.
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", file.file.id))
        .send()
        .await
        .unwrap();
    server
        .core
        .collect_garbage_at(now() + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(chunks_stored(&server, &kept_ids).await, all_kept);

    // Purged, but the twin shares every chunk: they stay.
    let purge = alice
        .request(Method::DELETE, &format!("/api/v1/trash/{}", file.file.id))
        .send()
        .await
        .unwrap();
    assert_eq!(purge.status(), StatusCode::NO_CONTENT);
    server
        .core
        .collect_garbage_at(now() + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(chunks_stored(&server, &kept_ids).await, all_kept);
    assert_eq!(
        alice.download(&twin.file.id).await.bytes().await.unwrap(),
        kept
    );

    // The last reference goes: removed only once the grace period has passed.
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", twin.file.id))
        .send()
        .await
        .unwrap();
    let empty = alice
        .request(Method::DELETE, "/api/v1/trash")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::NO_CONTENT);
    let report = server.core.collect_garbage_at(now()).await.unwrap();
    assert_eq!(report.chunks_removed, 0, "not before the grace period");
    assert_eq!(chunks_stored(&server, &kept_ids).await, all_kept);
    let report = server
        .core
        .collect_garbage_at(now() + 2 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(report.chunks_removed as usize, kept_chunks.len());
    assert_eq!(chunks_stored(&server, &kept_ids).await, none_kept);

    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"], 0, "purged files leave the usage");
    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    assert!(root.entries.is_empty());
}

#[tokio::test]
async fn a_cancelled_upload_goes_at_once_and_its_chunks_after_the_delay() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let data = random_bytes(1024 * 1024, 10);
    let (chunks, _) = chunk(alice.config().await.chunking, &data);
    let init = alice.init("/given-up.bin", &data, &chunks).await.unwrap();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &[0])
        .await
        .unwrap();
    let url = format!("/api/v1/files/upload/{}", init.upload_id);
    let ids = [chunks[0].id];

    let refused = bob.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let cancelled = alice.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    let gone = alice.get::<serde_json::Value>(&url).await.unwrap_err();
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let again = alice.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // The chunk stays through the grace period, then goes.
    let report = server.core.collect_garbage_at(now()).await.unwrap();
    assert_eq!(report.chunks_removed, 0);
    assert_eq!(chunks_stored(&server, &ids).await, [true]);
    let report = server
        .core
        .collect_garbage_at(now() + 2 * DAY_MS)
        .await
        .unwrap();
    assert_eq!((report.expired_uploads, report.chunks_removed), (0, 1));
    assert_eq!(chunks_stored(&server, &ids).await, [false]);
}

#[tokio::test]
async fn chunks_of_an_open_upload_are_kept_and_can_be_committed_later() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(2 * 1024 * 1024, 9);
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    let init = alice.init("/slow.bin", &data, &chunks).await.unwrap();
    let all: Vec<u64> = (0..chunks.len() as u64).collect();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &all)
        .await
        .unwrap();
    // Two days on (past the grace period, before the upload expires).
    let report = server
        .core
        .collect_garbage_at(now() + 2 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(report.chunks_removed, 0);
    let done = alice.complete(&init.upload_id, &hash).await.unwrap();
    assert_eq!(
        alice.download(&done.file.id).await.bytes().await.unwrap(),
        data
    );
}

#[tokio::test]
async fn small_chunks_live_in_the_database_and_are_collected_like_the_others() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let params = alice.config().await.chunking;
    let note = random_bytes(20_000, 31);
    let (note_chunks, _) = chunk(params, &note);
    let ids: Vec<_> = note_chunks.iter().map(|c| c.id).collect();

    // Sent whole in one form post, and through an upload session.
    let posted: frontend::api::types::UploadCommitted = alice
        .post_file("/note.txt", note.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(chunks_stored(&server, &ids).await, [true]);
    assert!(
        !server.core.chunk_in_blob_store(&ids[0]).await.unwrap(),
        "a 20 kB chunk is kept in the database, not as a blob"
    );
    let (copy, sent) = alice.upload("/copy.txt", &note).await;
    assert_eq!(sent, 0, "deduplicated like any chunk");
    for id in [&posted.file.id, &copy.file.id] {
        assert_eq!(alice.download(id).await.bytes().await.unwrap(), note);
    }
    let tail = alice
        .request(
            Method::GET,
            &format!("/api/v1/files/{}/content", posted.file.id),
        )
        .header("Range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.bytes().await.unwrap(), note[note.len() - 5..]);

    // A fresh small chunk sent through a session is kept in the database too.
    let other = random_bytes(1_000, 32);
    let (other_chunks, _) = chunk(params, &other);
    alice.upload("/other.txt", &other).await;
    assert!(!server
        .core
        .chunk_in_blob_store(&other_chunks[0].id)
        .await
        .unwrap());
    assert_eq!(chunks_stored(&server, &[other_chunks[0].id]).await, [true]);

    for id in [&posted.file.id, &copy.file.id] {
        alice
            .request(Method::DELETE, &format!("/api/v1/files/{id}"))
            .send()
            .await
            .unwrap();
    }
    alice
        .request(Method::DELETE, "/api/v1/trash")
        .send()
        .await
        .unwrap();
    server
        .core
        .collect_garbage_at(now() + 2 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(chunks_stored(&server, &ids).await, [false], "collected");
    assert_eq!(chunks_stored(&server, &[other_chunks[0].id]).await, [true]);
}

/// One place where a chunk store call stops until the test lets it go on.
#[derive(Default)]
struct Hold {
    armed: std::sync::Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

impl Hold {
    /// Makes the next call stop here: returns "it got here" and "let it go on".
    fn arm(&self) -> (oneshot::Receiver<()>, oneshot::Sender<()>) {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *self.armed.lock().unwrap() = Some((reached_tx, release_rx));
        (reached_rx, release_tx)
    }

    async fn pass(&self) {
        let armed = self.armed.lock().unwrap().take();
        if let Some((reached, release)) = armed {
            let _ = reached.send(());
            let _ = release.await;
        }
    }
}

/// The configured chunk store, with a hold before each deletion and one after each
/// write.
struct HeldStore {
    inner: Arc<dyn BlobStore>,
    before_delete: Arc<Hold>,
    after_put: Arc<Hold>,
}

#[async_trait::async_trait]
impl BlobStore for HeldStore {
    async fn put(&self, id: &ChunkId, bytes: bytes::Bytes) -> Result<(), StoreError> {
        self.inner.put(id, bytes).await?;
        self.after_put.pass().await;
        Ok(())
    }
    async fn get(&self, id: &ChunkId) -> Result<bytes::Bytes, StoreError> {
        self.inner.get(id).await
    }
    async fn contains(&self, id: &ChunkId) -> Result<bool, StoreError> {
        self.inner.contains(id).await
    }
    async fn delete(&self, id: &ChunkId) -> Result<(), StoreError> {
        self.before_delete.pass().await;
        self.inner.delete(id).await
    }
}

/// A server whose chunk deletions and writes can be held, with Alice's chunks of
/// `data` unreferenced (her file purged) and so collectable after the grace period.
async fn collectable_chunk_and_held_store(
    data: &[u8],
) -> (TestServer, Arc<Hold>, Arc<Hold>, Vec<ChunkId>) {
    let before_delete = Arc::new(Hold::default());
    let after_put = Arc::new(Hold::default());
    let holds = (before_delete.clone(), after_put.clone());
    let server = TestServer::start_wrapping_blobs(
        |_| {},
        move |inner| {
            Arc::new(HeldStore {
                inner,
                before_delete: holds.0,
                after_put: holds.1,
            })
        },
    )
    .await;
    let alice = server.user("alice").await;
    let (file, _) = alice.upload("/gone.bin", data).await;
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", file.file.id))
        .send()
        .await
        .unwrap();
    alice
        .request(Method::DELETE, "/api/v1/trash")
        .send()
        .await
        .unwrap();
    let (chunks, _) = chunk(alice.config().await.chunking, data);
    let ids = chunks.iter().map(|c| c.id).collect();
    (server, before_delete, after_put, ids)
}

/// Runs a collection two days on (past the grace period) in a task of its own.
fn collect_in_background(server: &TestServer) -> tokio::task::JoinHandle<backend::core::GcReport> {
    let core = server.core.clone();
    tokio::spawn(async move { core.collect_garbage_at(now() + 2 * DAY_MS).await.unwrap() })
}

async fn put_chunk(client: &Client, upload_id: &str, data: &[u8]) -> reqwest::Response {
    client
        .request(
            Method::PUT,
            &format!("/api/v1/files/upload/{upload_id}/chunks/0"),
        )
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_chunk_sent_while_it_is_being_collected_is_sent_again_never_lost() {
    let data = random_bytes(300 * 1024, 41);
    let (server, before_delete, _, ids) = collectable_chunk_and_held_store(&data).await;
    let bob = server.user("bob").await;
    let (chunks, hash) = chunk(bob.config().await.chunking, &data);
    assert_eq!(chunks.len(), 1);

    // The collector has marked the chunk and is about to delete its bytes.
    let (reached, release) = before_delete.arm();
    let collection = collect_in_background(&server);
    reached.await.unwrap();
    let init = bob.init("/again.bin", &data, &chunks).await.unwrap();
    assert_eq!(init.chunks_needed, [0]);
    let busy = put_chunk(&bob, &init.upload_id, &data).await;
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: serde_json::Value = busy.json().await.unwrap();
    assert_eq!(body["error"]["code"], "chunk-busy");
    let status: serde_json::Value = bob
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(status["missing"], serde_json::json!([0]));

    release.send(()).unwrap();
    assert_eq!(collection.await.unwrap().chunks_removed, 1);
    assert_eq!(chunks_stored(&server, &ids).await, [false]);

    // Sent again once the collector is done: stored, committed, readable.
    let stored = put_chunk(&bob, &init.upload_id, &data).await;
    assert_eq!(stored.status(), StatusCode::OK);
    let done = bob.complete(&init.upload_id, &hash).await.unwrap();
    assert_eq!(
        bob.download(&done.file.id).await.bytes().await.unwrap(),
        data
    );
    assert_eq!(chunks_stored(&server, &ids).await, [true]);
}

#[tokio::test]
async fn bytes_a_collector_deletes_just_after_they_were_written_are_asked_for_again() {
    let data = random_bytes(300 * 1024, 42);
    let (server, before_delete, after_put, ids) = collectable_chunk_and_held_store(&data).await;
    let bob = server.user("bob").await;
    let (chunks, hash) = chunk(bob.config().await.chunking, &data);

    // The collector marks the chunk; Bob's upload writes its bytes before the
    // collector deletes them, and records them only after the collector is done.
    let (delete_reached, delete_release) = before_delete.arm();
    let collection = collect_in_background(&server);
    delete_reached.await.unwrap();
    let init = bob.init("/raced.bin", &data, &chunks).await.unwrap();
    let (put_reached, put_release) = after_put.arm();
    let put = {
        let bob = server.user_with_token(bob.token.clone().unwrap());
        let upload_id = init.upload_id.clone();
        let data = data.clone();
        tokio::spawn(async move { put_chunk(&bob, &upload_id, &data).await.status() })
    };
    put_reached.await.unwrap();
    delete_release.send(()).unwrap();
    assert_eq!(collection.await.unwrap().chunks_removed, 1);
    put_release.send(()).unwrap();
    assert_eq!(
        put.await.unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the bytes went after they were written: the chunk must be sent again"
    );
    let status: serde_json::Value = bob
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(status["missing"], serde_json::json!([0]));

    let stored = put_chunk(&bob, &init.upload_id, &data).await;
    assert_eq!(stored.status(), StatusCode::OK);
    let done = bob.complete(&init.upload_id, &hash).await.unwrap();
    assert_eq!(
        bob.download(&done.file.id).await.bytes().await.unwrap(),
        data
    );
    assert_eq!(chunks_stored(&server, &ids).await, [true]);
}

#[tokio::test]
async fn a_file_sent_whole_while_its_chunk_is_being_collected_keeps_its_bytes() {
    let data = random_bytes(300 * 1024, 43);
    let (server, before_delete, _, ids) = collectable_chunk_and_held_store(&data).await;
    let bob = server.user("bob").await;

    let (reached, release) = before_delete.arm();
    let collection = collect_in_background(&server);
    reached.await.unwrap();
    let post = {
        let bob = server.user_with_token(bob.token.clone().unwrap());
        let data = data.clone();
        tokio::spawn(async move { bob.post_file("/whole.bin", data).await })
    };
    // The commit waits for the collector, which then finishes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    release.send(()).unwrap();
    assert_eq!(collection.await.unwrap().chunks_removed, 1);
    let response = post.await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let committed: frontend::api::types::UploadCommitted = response.json().await.unwrap();
    assert_eq!(
        bob.download(&committed.file.id)
            .await
            .bytes()
            .await
            .unwrap(),
        data
    );
    assert_eq!(chunks_stored(&server, &ids).await, [true]);
}
