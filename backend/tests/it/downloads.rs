//! Downloads: `Range` requests over chunk boundaries, and what is refused.

use crate::support::{random_bytes, TestServer};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn range_requests_serve_exactly_the_bytes_asked_for() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(9 * 1024 * 1024 + 77, 4);
    let (committed, _) = alice.upload("/ranges.bin", &data).await;
    let size = data.len();
    let path = format!("/api/v1/files/{}/content", committed.file.id);
    let get = |range: String| {
        alice
            .request(Method::GET, &path)
            .header("Range", range)
            .send()
    };

    let cases: [(String, usize, usize); 4] = [
        ("bytes=0-0".into(), 0, 1),
        // Straddles several chunk boundaries (chunks are at most 4 MiB).
        ("bytes=1000000-7000000".into(), 1_000_000, 7_000_001),
        (format!("bytes={}-", size - 10), size - 10, size),
        ("bytes=-4096".into(), size - 4096, size),
    ];
    for (range, start, end) in cases {
        let response = get(range.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {start}-{}/{size}", end - 1).as_str(),
            "{range}"
        );
        let body = response.bytes().await.unwrap();
        assert!(body == data[start..end], "{range}: wrong bytes");
    }

    let refused = get(format!("bytes={size}-")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        refused.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "range-not-satisfiable");
}
