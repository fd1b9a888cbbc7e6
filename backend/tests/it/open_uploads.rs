//! Everything an account makes the server hold counts: the bytes announced by its
//! open uploads are held against its quota from the start, open uploads are capped
//! (those through its file-request links on their own), and an upload cannot
//! announce more chunks than a file of its size can have.

use crate::support::{Client, TestServer};
use frontend::api::types::{ShareCreated, UploadInit};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Starts an upload of `size` bytes at `path` announcing no chunk yet.
async fn start(client: &Client, path: &str, size: u64) -> Result<String, (StatusCode, String)> {
    let init = UploadInit {
        path: path.into(),
        size,
        parent_rev: None,
        file_id: None,
        device: None,
        chunks: Vec::new(),
    };
    let response = client
        .request(Method::POST, "/api/v1/files/upload/init")
        .json(&init)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    if status.is_success() {
        Ok(body["upload_id"].as_str().unwrap().to_string())
    } else {
        Err((status, body["error"]["code"].as_str().unwrap().to_string()))
    }
}

async fn cancel(client: &Client, upload_id: &str) {
    let cancelled = client
        .request(Method::DELETE, &format!("/api/v1/files/upload/{upload_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
}

fn quota_exceeded() -> Result<String, (StatusCode, String)> {
    Err((StatusCode::INSUFFICIENT_STORAGE, "quota-exceeded".into()))
}

#[tokio::test]
async fn open_uploads_hold_their_bytes_against_the_quota_until_they_end() {
    let server = TestServer::start_with(|config| config.quota_bytes = 10_000_000).await;
    let alice = server.user("alice").await;
    let first = start(&alice, "/a.bin", 4_000_000).await.unwrap();
    start(&alice, "/b.bin", 4_000_000).await.unwrap();
    // 8 MB are held by the two: 4 MB more do not fit, whatever is stored.
    assert_eq!(start(&alice, "/c.bin", 4_000_000).await, quota_exceeded());
    let refused = alice.post_file("/d.bin", vec![1u8; 3_000_000]).await;
    assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"], 0, "nothing was stored");
    // A cancelled upload gives its room back.
    cancel(&alice, &first).await;
    start(&alice, "/c.bin", 4_000_000).await.unwrap();
    let fits = alice.post_file("/d.bin", vec![1u8; 1_500_000]).await;
    assert_eq!(fits.status(), StatusCode::CREATED);
    // Many parallel starts cannot pass together.
    let alice = std::sync::Arc::new(alice);
    let starts = (0..20).map(|i| {
        let alice = alice.clone();
        tokio::spawn(async move { start(&alice, &format!("/p{i}.bin"), 100_000).await })
    });
    let mut admitted = 0;
    for started in starts {
        if started.await.unwrap().is_ok() {
            admitted += 1;
        }
    }
    // 10 MB − 8 MB held − 1.5 MB stored leaves room for five of 100 kB.
    assert_eq!(admitted, 5);
}

#[tokio::test]
async fn open_uploads_are_capped_per_account_and_for_its_links_apart() {
    let server = TestServer::start_with(|config| {
        config.max_open_uploads = 3;
        config.max_open_link_uploads = 2;
    })
    .await;
    let alice = server.user("alice").await;
    let mut open = Vec::new();
    for i in 0..3 {
        open.push(start(&alice, &format!("/{i}.bin"), 10).await.unwrap());
    }
    let refused = start(&alice, "/3.bin", 10).await.unwrap_err();
    assert_eq!(
        refused,
        (StatusCode::TOO_MANY_REQUESTS, "too-many-uploads".into())
    );

    // A file request's senders have a cap of their own, and do not take Alice's.
    alice
        .post_file("/Inbox/readme.txt", b"send here".to_vec())
        .await;
    let inbox: serde_json::Value = alice.get("/api/v1/files?path=/Inbox").await.unwrap();
    let link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": inbox["folder"]["id"], "kind": "link", "permission": "upload_only"}),
        )
        .await
        .unwrap();
    let token = link.url.unwrap().rsplit('/').next().unwrap().to_string();
    let visitor = server.anonymous();
    let link_start = |name: &'static str| {
        let visitor = &visitor;
        let token = token.clone();
        async move {
            visitor
                .request(
                    Method::POST,
                    &format!("/api/v1/s/{token}/files/upload/init"),
                )
                .json(&json!({"path": name, "size": 10, "chunks": []}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(link_start("/x.bin").await, StatusCode::OK);
    assert_eq!(link_start("/y.bin").await, StatusCode::OK);
    assert_eq!(link_start("/z.bin").await, StatusCode::TOO_MANY_REQUESTS);
    cancel(&alice, &open[0]).await;
    start(&alice, "/3.bin", 10).await.unwrap();
}

#[tokio::test]
async fn an_upload_announces_no_more_chunks_than_its_size_allows() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let min = u64::from(alice.config().await.chunking.min_size);
    // A file of four minimum-size chunks has at most five.
    let size = 4 * min;
    let one_byte = |index: u64| json!({"hash": format!("{index:064x}"), "size": 1});
    let too_many: Vec<_> = (0..6).map(one_byte).collect();
    let refused = alice
        .request(Method::POST, "/api/v1/files/upload/init")
        .json(&json!({"path": "/many.bin", "size": size, "chunks": too_many}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let upload_id = start(&alice, "/many.bin", size).await.unwrap();
    let announce = |index: u64| {
        alice
            .request(
                Method::POST,
                &format!("/api/v1/files/upload/{upload_id}/chunks"),
            )
            .json(
                &json!({"chunks": [{"index": index, "hash": format!("{index:064x}"), "size": 1}]}),
            )
            .send()
    };
    assert_eq!(announce(4).await.unwrap().status(), StatusCode::OK);
    assert_eq!(announce(5).await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        announce(1_000_000).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}
