//! What a hash without its bytes can reach: an upload skips only chunks its sender
//! can already read, so announcing the hashes of someone else's private file gains
//! nothing; and storing a chunk that another user stores takes as long as storing
//! a new one, so the time of an answer reveals nothing either.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{FolderListing, ShareCreated, UploadCommitted};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

async fn folder_id(client: &Client, parent: &str, name: &str) -> String {
    let listing: FolderListing = client
        .get(&format!("/api/v1/files?path={parent}"))
        .await
        .unwrap();
    listing
        .entries
        .into_iter()
        .find(|e| e.name == name)
        .unwrap()
        .id
}

async fn share_as_editor(owner: &Client, file_id: &str, username: &str) {
    let _: ShareCreated = owner
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": file_id, "kind": "user", "permission": "editor", "username": username}),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn an_editor_cannot_reach_the_owners_private_bytes_by_their_hashes() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let params = alice.config().await.chunking;
    let secret = random_bytes(3 * 1024 * 1024, 101);
    let in_team = random_bytes(2 * 1024 * 1024, 102);
    let own = random_bytes(2 * 1024 * 1024, 103);
    alice.upload("/Private/secret.bin", &secret).await;
    alice.upload("/Team/plan.bin", &in_team).await;
    bob.upload("/mine.bin", &own).await;
    share_as_editor(&alice, &folder_id(&alice, "/", "Team").await, "bob").await;

    // Bob announces the chunks of Alice's private file: he must send every one.
    let (chunks, hash) = chunk(params, &secret);
    let all: Vec<u64> = (0..chunks.len() as u64).collect();
    let init = bob
        .init("/Shared with me/Team/copy.bin", &secret, &chunks)
        .await
        .unwrap();
    assert_eq!(init.chunks_needed, all, "nothing of the owner's is skipped");
    let status: serde_json::Value = bob
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(status["missing"], json!(all));
    let refused = bob.complete(&init.upload_id, &hash).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body.error.code, "chunks-missing");
    let team: FolderListing = bob
        .get("/api/v1/files?path=/Shared%20with%20me/Team")
        .await
        .unwrap();
    assert!(team.entries.iter().all(|e| e.name != "copy.bin"));

    // The same through chunks announced later.
    let later = bob
        .init("/Shared with me/Team/later.bin", &secret, &[])
        .await
        .unwrap();
    let announced: frontend::api::types::ChunksNeeded = bob
        .json(
            Method::POST,
            &format!("/api/v1/files/upload/{}/chunks", later.upload_id),
            &json!({"chunks": chunks.iter().enumerate().map(|(index, c)| json!({
                "index": index, "hash": c.id.to_hex(), "size": c.len,
            })).collect::<Vec<_>>()}),
        )
        .await
        .unwrap();
    assert_eq!(announced.chunks_needed, all);

    // What Bob can read is skipped: the shared folder's files and his own.
    for (data, path) in [(&in_team, "team-copy.bin"), (&own, "own-copy.bin")] {
        let (chunks, hash) = chunk(params, data);
        let init = bob
            .init(&format!("/Shared with me/Team/{path}"), data, &chunks)
            .await
            .unwrap();
        assert_eq!(init.chunks_needed, Vec::<u64>::new(), "{path}");
        let done = bob.complete(&init.upload_id, &hash).await.unwrap();
        assert_eq!(
            alice.download(&done.file.id).await.bytes().await.unwrap(),
            data.as_slice()
        );
    }

    // Once Alice moves a file out of the shared folder, its chunks are hers alone,
    // also for an upload that skipped them while it was there: the commit checks
    // again.
    let other = random_bytes(2 * 1024 * 1024, 104);
    let (moved, _) = alice.upload("/Team/other.bin", &other).await;
    let (other_chunks, other_hash) = chunk(params, &other);
    let pending = bob
        .init("/Shared with me/Team/pending.bin", &other, &other_chunks)
        .await
        .unwrap();
    assert!(pending.chunks_needed.is_empty());
    alice
        .move_entry(&moved.file.id, "/Private/other.bin")
        .await
        .unwrap();
    let refused = bob
        .complete(&pending.upload_id, &other_hash)
        .await
        .unwrap_err();
    assert_eq!(refused.body.error.code, "chunks-missing");
    let after = bob
        .init(
            "/Shared with me/Team/other-again.bin",
            &other,
            &other_chunks,
        )
        .await
        .unwrap();
    assert_eq!(after.chunks_needed.len(), other_chunks.len());
}

#[tokio::test]
async fn a_file_sent_whole_into_a_shared_folder_is_stored_from_its_own_bytes() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let secret = random_bytes(1024 * 1024, 105);
    alice.upload("/Private/secret.bin", &secret).await;
    alice.post_file("/Team/readme.txt", b"team".to_vec()).await;
    share_as_editor(&alice, &folder_id(&alice, "/", "Team").await, "bob").await;
    let response = bob
        .post_file("/Shared with me/Team/same.bin", secret.clone())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let committed: UploadCommitted = response.json().await.unwrap();
    assert_eq!(
        bob.download(&committed.file.id)
            .await
            .bytes()
            .await
            .unwrap(),
        secret
    );
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// PUTs one chunk of `data` through a fresh upload and times the PUT alone.
async fn timed_put(client: &Client, path: &str, data: &[u8]) -> Duration {
    let (chunks, _) = chunk(client.config().await.chunking, data);
    assert_eq!(chunks.len(), 1);
    let init = client.init(path, data, &chunks).await.unwrap();
    assert_eq!(init.chunks_needed, [0], "never skipped: {path}");
    let started = Instant::now();
    let stored = client
        .request(
            Method::PUT,
            &format!("/api/v1/files/upload/{}/chunks/0", init.upload_id),
        )
        .body(data.to_vec())
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(stored.status(), StatusCode::OK);
    elapsed
}

#[tokio::test]
async fn storing_a_chunk_another_user_stores_takes_as_long_as_storing_a_new_one() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let mallory = server.user("mallory").await;
    const ROUNDS: u64 = 30;
    // One chunk each (below the minimum chunk size cut is at the end), above the
    // size kept in the database.
    let size = 200 * 1024;
    let mut stored_by_alice = Vec::new();
    for seed in 0..ROUNDS {
        let data = random_bytes(size, 1_000 + seed);
        alice.upload(&format!("/a{seed}.bin"), &data).await;
        stored_by_alice.push(data);
    }
    let (mut known, mut new) = (Vec::new(), Vec::new());
    for (seed, data) in stored_by_alice.iter().enumerate() {
        // Interleaved, so that whatever slows the machine slows both alike.
        known.push(timed_put(&mallory, &format!("/k{seed}.bin"), data).await);
        let fresh = random_bytes(size, 2_000 + seed as u64);
        new.push(timed_put(&mallory, &format!("/n{seed}.bin"), &fresh).await);
    }
    let (known_median, new_median) = (median(&mut known), median(&mut new));
    eprintln!(
        "chunk PUT medians: stored by another user {known_median:?}, new {new_median:?}; \
         quartiles {:?}–{:?} and {:?}–{:?}",
        quantile(&known, 0.25),
        quantile(&known, 0.75),
        quantile(&new, 0.25),
        quantile(&new, 0.75),
    );
    // The distributions overlap: each median lies above the other's tenth
    // percentile (a chunk that returned early, without writing and syncing,
    // answered in a fraction of a new one's time).
    assert!(
        known_median >= quantile(&new, 0.1) && new_median >= quantile(&known, 0.1),
        "a chunk another user stores answers measurably differently: {known:?} vs {new:?}"
    );
    // And it is still stored once: the storage saving stays.
    let (chunks, _) = chunk(alice.config().await.chunking, &stored_by_alice[0]);
    assert!(server
        .core
        .chunk_in_blob_store(&chunks[0].id)
        .await
        .unwrap());
}
