//! Slow and greedy clients are cut, and others are served meanwhile: a client that
//! trickles its request headers loses its connection after the header timeout, one
//! whose body goes quiet is answered with an error after the idle timeout (its
//! unfinished chunk discarded), and archives, change streams and requests to the
//! public link endpoints are bounded per user, link or client address.

use crate::support::{chunk, random_bytes, TestServer};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn quick_server() -> TestServer {
    TestServer::start_with(|config| {
        config.header_timeout_secs = 1;
        config.body_idle_timeout_secs = 1;
    })
    .await
}

/// Reads what the server sends until it closes the connection (or 10 s pass).
async fn read_until_closed(stream: &mut TcpStream) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok()?;
    Some((
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    ))
}

fn host_of(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn a_client_trickling_its_headers_loses_the_connection_while_others_are_served() {
    let server = quick_server().await;
    let mut slow = TcpStream::connect(host_of(&server)).await.unwrap();
    slow.write_all(b"GET /api/v1/config HTTP/1.1\r\nHost: cairn\r\n")
        .await
        .unwrap();
    // Others are served meanwhile.
    let config = server.anonymous().config().await;
    assert!(config.max_request_bytes > 0);
    let (_, after) = read_until_closed(&mut slow)
        .await
        .expect("the connection is closed after the header timeout");
    assert!(after < Duration::from_secs(5), "closed after {after:?}");
}

#[tokio::test]
async fn a_body_that_goes_quiet_is_cut_and_its_unfinished_chunk_discarded() {
    let server = quick_server().await;
    let alice = server.user("alice").await;
    let data = random_bytes(600_000, 51);
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    let init = alice.init("/slow.bin", &data, &chunks).await.unwrap();
    let body = &data[..chunks[0].len as usize];
    let mut slow = TcpStream::connect(host_of(&server)).await.unwrap();
    let head = format!(
        "PUT /api/v1/files/upload/{}/chunks/0 HTTP/1.1\r\nHost: cairn\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        init.upload_id,
        alice.token.as_deref().unwrap(),
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body[..1000]).await.unwrap();
    // Others are served meanwhile.
    let bob = server.user("bob").await;
    let (served, _) = bob.upload("/quick.bin", b"served").await;
    assert_eq!(served.file.path, "/quick.bin");
    let (answer, after) = read_until_closed(&mut slow)
        .await
        .expect("the request is answered after the idle timeout");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("no bytes arrived"), "{answer}");
    assert!(after < Duration::from_secs(5), "cut after {after:?}");
    let status: serde_json::Value = alice
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(
        status["received"],
        serde_json::json!([]),
        "nothing half-kept"
    );

    // The upload goes on when the chunks are sent whole.
    let all: Vec<u64> = (0..chunks.len() as u64).collect();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &all)
        .await
        .unwrap();
    let done = alice.complete(&init.upload_id, &hash).await.unwrap();
    let downloaded = alice.download(&done.file.id).await;
    assert_eq!(downloaded.status(), StatusCode::OK);
    assert_eq!(downloaded.bytes().await.unwrap(), data);
}

#[tokio::test]
async fn greedy_clients_get_429_for_archives_streams_and_link_requests_beyond_their_share() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    // A folder whose archive is far larger than what buffers can hold unread.
    let big = random_bytes(40 * 1024 * 1024, 52);
    alice.upload("/Big/big.bin", &big).await;
    let folder: serde_json::Value = alice.get("/api/v1/files?path=/Big").await.unwrap();
    let folder_id = folder["folder"]["id"].as_str().unwrap().to_string();
    let zip = || {
        alice
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/zip?ids={folder_id}"),
            )
            .send()
    };
    // Three archives at once, none read: a fourth waits its turn.
    let mut open = Vec::new();
    for _ in 0..3 {
        let response = zip().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        open.push(response);
    }
    let refused = zip().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "5");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too-many-at-once");
    // Another user is not held up by Alice's archives.
    let bob = server.user("bob").await;
    bob.upload("/Mine/a.txt", b"bob's").await;
    let mine: serde_json::Value = bob.get("/api/v1/files?path=/Mine").await.unwrap();
    let bobs = bob
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/zip?ids={}", mine["folder"]["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bobs.status(), StatusCode::OK);
    // One archive given up frees its place.
    drop(open.pop());
    let mut freed = false;
    for _ in 0..50 {
        let again = zip().await.unwrap();
        if again.status() == StatusCode::OK {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed, "the place of a dropped archive is given back");
    drop(open);

    // Change streams: twenty open at once per user.
    let mut streams = Vec::new();
    for _ in 0..20 {
        let stream = alice
            .request(reqwest::Method::GET, "/api/v1/notifications/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        streams.push(stream);
    }
    let refused = alice
        .request(reqwest::Method::GET, "/api/v1/notifications/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    drop(streams);

    // The public link endpoints: 600 requests a minute per client address.
    let share: serde_json::Value = alice
        .json(
            reqwest::Method::POST,
            "/api/v1/shares",
            &serde_json::json!({"file_id": folder_id, "kind": "link", "permission": "viewer"}),
        )
        .await
        .unwrap();
    let token = share["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let visitor = server.anonymous();
    let mut statuses = Vec::new();
    for _ in 0..601 {
        let response = visitor
            .request(reqwest::Method::GET, &format!("/api/v1/s/{token}"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert!(statuses[..600].iter().all(|s| *s == StatusCode::OK));
    assert_eq!(statuses[600], StatusCode::TOO_MANY_REQUESTS);
    let page = visitor
        .request(reqwest::Method::GET, &format!("/s/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    // Signed-in use of the API is not counted.
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["username"], "alice");
}
