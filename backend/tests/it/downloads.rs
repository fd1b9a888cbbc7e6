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

#[tokio::test]
async fn a_folder_downloads_as_a_zip_of_its_tree() {
    use std::io::Read;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let big = random_bytes(5 * 1024 * 1024, 10);
    alice.upload("/Trip/photo.jpg", &big).await;
    alice.upload("/Trip/notes/day 1.txt", b"sunny").await;
    alice.upload("/Trip/notes/ünïcødé.txt", b"").await;
    alice
        .json::<_, serde_json::Value>(
            Method::POST,
            "/api/v1/folders",
            &serde_json::json!({"path": "/Trip/empty"}),
        )
        .await
        .unwrap();
    alice.upload("/elsewhere.txt", b"not in the zip").await;
    let trip: frontend::api::types::FolderListing =
        alice.get("/api/v1/files?path=/Trip").await.unwrap();

    let response = alice.download(&trip.folder.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Trip.zip"));
    let archive = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Trip/",
            "Trip/empty/",
            "Trip/notes/",
            "Trip/notes/day 1.txt",
            "Trip/notes/ünïcødé.txt",
            "Trip/photo.jpg"
        ]
    );
    for (name, expected) in [
        ("Trip/photo.jpg", &big[..]),
        ("Trip/notes/day 1.txt", b"sunny"),
        ("Trip/notes/ünïcødé.txt", b""),
    ] {
        let mut content = Vec::new();
        zip.by_name(name)
            .unwrap()
            .read_to_end(&mut content)
            .unwrap();
        assert!(content == expected, "{name} differs");
    }
}

#[tokio::test]
async fn several_entries_download_as_one_zip() {
    use std::io::Read;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (report, _) = alice.upload("/report.txt", b"quarterly").await;
    alice.upload("/Trip/day 1.txt", b"sunny").await;
    alice.upload("/left out.txt", b"not selected").await;
    let root: frontend::api::types::FolderListing =
        alice.get("/api/v1/files?path=/").await.unwrap();
    let trip = root.entries.iter().find(|e| e.name == "Trip").unwrap();

    let response = alice
        .request(
            Method::GET,
            &format!("/api/v1/zip?ids={},{}", report.file.id, trip.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("Cairn.zip"));
    let archive = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["Trip/", "Trip/day 1.txt", "report.txt"]);
    let mut content = Vec::new();
    zip.by_name("report.txt")
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    assert_eq!(content, b"quarterly");

    let nothing = alice
        .request(Method::GET, "/api/v1/zip?ids=,")
        .send()
        .await
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::BAD_REQUEST);
    let unknown = alice
        .request(
            Method::GET,
            &format!("/api/v1/zip?ids={},nope", report.file.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not-found");
}
