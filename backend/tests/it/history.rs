//! Older versions cost no quota, but what they hold is bounded: a file keeps at most
//! `max_versions` versions, and the bytes of an account's old versions stay within
//! its quota, the oldest going first (of whichever file). A forgotten version's
//! chunks are collected like any unreferenced chunk; what the account still keeps
//! is untouched.

use crate::support::{chunk, chunks_stored, random_bytes, Client, TestServer};
use frontend::api::types::{UploadCommitted, UserInfo, VersionList};
use reqwest::{Method, StatusCode};

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn send(client: &Client, path: &str, bytes: Vec<u8>) -> UploadCommitted {
    let response = client.post_file(path, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn revs(client: &Client, id: &str) -> Vec<u64> {
    let list: VersionList = client
        .get(&format!("/api/v1/files/{id}/versions"))
        .await
        .unwrap();
    list.versions.iter().map(|v| v.rev).collect()
}

async fn history(client: &Client) -> u64 {
    let me: UserInfo = client.get("/api/v1/me").await.unwrap();
    me.history_bytes
}

#[tokio::test]
async fn a_file_keeps_at_most_its_cap_of_versions() {
    let server = TestServer::start_with(|config| config.max_versions = 3).await;
    let alice = server.user("alice").await;
    let mut id = String::new();
    for n in 1..=5u8 {
        id = send(&alice, "/notes.txt", vec![n; usize::from(n)])
            .await
            .file
            .id;
    }
    assert_eq!(revs(&alice, &id).await, [5, 4, 3]);
    assert_eq!(history(&alice).await, 4 + 3);
    let gone = alice
        .request(
            Method::GET,
            &format!("/api/v1/files/{id}/versions/1/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    // A restore is a new version too: the oldest kept one goes.
    alice.restore_version(&id, 3).await.unwrap();
    assert_eq!(revs(&alice, &id).await, [6, 5, 4]);
    let restored = alice.download(&id).await.bytes().await.unwrap();
    assert_eq!(&restored[..], &[3u8; 3][..]);
}

#[tokio::test]
async fn old_versions_stay_within_the_quota_oldest_first() {
    let server = TestServer::start_with(|config| config.quota_bytes = 1_000_000).await;
    let alice = server.user("alice").await;
    let params = alice.config().await.chunking;
    let a: Vec<Vec<u8>> = (0..5).map(|n| random_bytes(400_000, 100 + n)).collect();
    let first_chunks: Vec<_> = chunk(params, &a[0]).0.iter().map(|c| c.id).collect();
    let a_id = send(&alice, "/a.bin", a[0].clone()).await.file.id;
    send(&alice, "/a.bin", a[1].clone()).await;
    send(&alice, "/a.bin", a[2].clone()).await;
    // Two old versions of 400 kB fit in the 1 MB quota beside the current one.
    assert_eq!(revs(&alice, &a_id).await, [3, 2, 1]);
    assert_eq!(history(&alice).await, 800_000);
    // A third would take the history past the quota: the oldest goes.
    send(&alice, "/a.bin", a[3].clone()).await;
    assert_eq!(revs(&alice, &a_id).await, [4, 3, 2]);
    assert_eq!(history(&alice).await, 800_000);

    // Whichever file is edited, the account's oldest old version goes first.
    let b_id = send(&alice, "/b.bin", random_bytes(100_000, 200))
        .await
        .file
        .id;
    send(&alice, "/b.bin", random_bytes(100_000, 201)).await;
    assert_eq!(history(&alice).await, 900_000);
    send(&alice, "/a.bin", a[4].clone()).await;
    assert_eq!(revs(&alice, &a_id).await, [5, 4, 3]);
    assert_eq!(revs(&alice, &b_id).await, [2, 1]);
    assert_eq!(history(&alice).await, 900_000);
    let me: UserInfo = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me.used_bytes, 500_000, "only current versions count");

    // The first version's chunks are no longer referenced: collected in time.
    assert_eq!(
        chunks_stored(&server, &first_chunks).await,
        vec![true; first_chunks.len()]
    );
    let now = backend::core::now_ms();
    server
        .core
        .collect_garbage_at(now + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(
        chunks_stored(&server, &first_chunks).await,
        vec![false; first_chunks.len()]
    );
    // What is kept still downloads, byte for byte.
    let old = alice
        .request(
            Method::GET,
            &format!("/api/v1/files/{a_id}/versions/3/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(&old.bytes().await.unwrap()[..], &a[2][..]);

    // Purging a file takes its history with it.
    let trashed = alice
        .request(Method::DELETE, &format!("/api/v1/files/{a_id}"))
        .send()
        .await
        .unwrap();
    assert!(trashed.status().is_success());
    let purged = alice
        .request(Method::DELETE, &format!("/api/v1/trash/{a_id}"))
        .send()
        .await
        .unwrap();
    assert!(purged.status().is_success());
    assert_eq!(history(&alice).await, 100_000);
}
