//! Shares with other users, from the recipient's side: what a viewer and an editor
//! may do inside a folder shared with them (under `/Shared with me`), what someone
//! whose share was revoked and someone never given one get, that nothing outside the
//! shared folder can be reached, and that both sides see each other's changes live.

use crate::support::{chunk, random_bytes, Client, TestServer};
use crate::sync::SseStream;
use frontend::api::types::{DeltaEntry, FolderListing, ShareCreated, UploadCommitted};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The shared folder as its recipients see it (URL-encoded for query strings).
const TEAM: &str = "/Shared%20with%20me/Team";

async fn small_file(client: &Client, path: &str, bytes: &[u8]) -> reqwest::Response {
    client.post_file(path, bytes.to_vec()).await
}

async fn file_id(client: &Client, path: &str, bytes: &[u8]) -> String {
    let response = small_file(client, path, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{path}");
    let committed: UploadCommitted = response.json().await.unwrap();
    committed.file.id
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap()
}

async fn share(owner: &Client, file_id: &str, username: &str, permission: &str) -> String {
    let created: ShareCreated = owner
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": file_id, "kind": "user", "permission": permission, "username": username}),
        )
        .await
        .unwrap();
    created.id
}

async fn listing(client: &Client, path: &str) -> FolderListing {
    client
        .get(&format!("/api/v1/files?path={path}"))
        .await
        .unwrap()
}

async fn names(client: &Client, path: &str) -> Vec<String> {
    listing(client, path)
        .await
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect()
}

async fn call(
    client: &Client,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> StatusCode {
    let mut request = client.request(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

/// Alice's tree: `/Team` (to be shared) with a file and a subfolder, and `/Private`.
struct Tree {
    team: String,
    plan: String,
    secret: String,
}

async fn alice_tree(alice: &Client) -> Tree {
    let plan = file_id(alice, "/Team/plan.txt", b"the plan").await;
    file_id(alice, "/Team/Sub/deep.txt", b"deep").await;
    let secret = file_id(alice, "/Private/secret.txt", b"secret").await;
    let team = listing(alice, "/")
        .await
        .entries
        .into_iter()
        .find(|e| e.name == "Team")
        .unwrap()
        .id;
    Tree { team, plan, secret }
}

#[tokio::test]
async fn viewers_read_editors_change_and_nobody_else_reaches_anything() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let tree = alice_tree(&alice).await;
    let editor = server.user("bob").await;
    let viewer = server.user("carol").await;
    let revoked = server.user("eve").await;
    let stranger = server.user("dave").await;
    let expired = server.user("frank").await;
    // Frank's share ends a second from now; the checks below start after that.
    let expires_at = now_ms() + 1000;
    let created = call(
        &alice,
        Method::POST,
        "/api/v1/shares",
        Some(
            json!({"file_id": tree.team, "kind": "user", "permission": "editor",
                    "username": "frank", "expires_at": expires_at}),
        ),
    )
    .await;
    assert_eq!(created, StatusCode::CREATED);
    share(&alice, &tree.team, "bob", "editor").await;
    share(&alice, &tree.team, "carol", "viewer").await;
    let eve_share = share(&alice, &tree.team, "eve", "editor").await;
    assert_eq!(
        call(
            &alice,
            Method::DELETE,
            &format!("/api/v1/shares/{eve_share}"),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );

    // Wait until frank's share has expired (the time the test set), then check it
    // like a revoked one.
    let wait = expires_at + 50 - now_ms();
    if wait > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
    }
    assert!(!names(&expired, "/")
        .await
        .contains(&"Shared with me".to_string()));

    // The shared folder shows in the recipients' trees, and only theirs.
    assert!(names(&editor, "/")
        .await
        .contains(&"Shared with me".to_string()));
    assert_eq!(names(&viewer, "/Shared%20with%20me").await, ["Team"]);
    assert!(!names(&stranger, "/")
        .await
        .contains(&"Shared with me".to_string()));
    assert!(names(&revoked, "/Shared%20with%20me").await.is_empty());
    let inside = listing(&viewer, TEAM).await;
    let paths: Vec<&str> = inside.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/Shared with me/Team/Sub", "/Shared with me/Team/plan.txt"]
    );

    // Each row: an operation, then the status for the editor, the viewer, the
    // revoked recipient and the stranger. Writes use names of their own per user.
    let reads: Vec<(&str, Method, String)> = vec![
        (
            "list the folder",
            Method::GET,
            format!("/api/v1/files?path={TEAM}"),
        ),
        (
            "list a subfolder",
            Method::GET,
            format!("/api/v1/files?path={TEAM}/Sub"),
        ),
        (
            "file metadata",
            Method::GET,
            format!("/api/v1/files/{}", tree.plan),
        ),
        (
            "download a file",
            Method::GET,
            format!("/api/v1/files/{}/content", tree.plan),
        ),
        (
            "download the folder as zip",
            Method::GET,
            format!("/api/v1/files/{}/content", tree.team),
        ),
        (
            "versions",
            Method::GET,
            format!("/api/v1/files/{}/versions", tree.plan),
        ),
        (
            "an old version's content",
            Method::GET,
            format!("/api/v1/files/{}/versions/1/content", tree.plan),
        ),
    ];
    for (what, method, path) in reads {
        for (who, client, expected) in [
            ("editor", &editor, StatusCode::OK),
            ("viewer", &viewer, StatusCode::OK),
            ("revoked", &revoked, StatusCode::NOT_FOUND),
            ("expired", &expired, StatusCode::NOT_FOUND),
            ("stranger", &stranger, StatusCode::NOT_FOUND),
        ] {
            let got = call(client, method.clone(), &path, None).await;
            assert_eq!(got, expected, "{what} as {who}");
        }
    }

    for (who, client, expected) in [
        ("editor", &editor, StatusCode::CREATED),
        ("viewer", &viewer, StatusCode::FORBIDDEN),
        ("revoked", &revoked, StatusCode::NOT_FOUND),
        ("expired", &expired, StatusCode::NOT_FOUND),
        ("stranger", &stranger, StatusCode::NOT_FOUND),
    ] {
        let upload = small_file(
            client,
            &format!("/Shared with me/Team/from-{who}.txt"),
            who.as_bytes(),
        )
        .await;
        assert_eq!(upload.status(), expected, "upload as {who}");
        let folder = call(
            client,
            Method::POST,
            "/api/v1/folders",
            Some(json!({"path": format!("/Shared with me/Team/Dir-{who}")})),
        )
        .await;
        assert_eq!(folder, expected, "new folder as {who}");
    }
    // A viewer's refusal says what happened and whom to ask.
    let refusal = small_file(&viewer, "/Shared with me/Team/x.txt", b"x").await;
    let body: serde_json::Value = refusal.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("viewer") && message.contains("alice"),
        "{message}"
    );

    // Rename, move inside, delete, restore a version: the editor may, the viewer not.
    for (who, client, expected) in [
        ("editor", &editor, StatusCode::OK),
        ("viewer", &viewer, StatusCode::FORBIDDEN),
        ("revoked", &revoked, StatusCode::NOT_FOUND),
        ("expired", &expired, StatusCode::NOT_FOUND),
        ("stranger", &stranger, StatusCode::NOT_FOUND),
    ] {
        let target = file_id(&alice, &format!("/Team/for-{who}.txt"), b"v1").await;
        assert_eq!(
            file_id(&alice, &format!("/Team/for-{who}.txt"), b"v2").await,
            target
        );
        let renamed = call(
            client,
            Method::POST,
            &format!("/api/v1/files/{target}/move"),
            Some(json!({"path": format!("/Shared with me/Team/Sub/renamed-{who}.txt")})),
        )
        .await;
        assert_eq!(renamed, expected, "move inside the share as {who}");
        let restored = call(
            client,
            Method::POST,
            &format!("/api/v1/files/{target}/versions/1/restore"),
            None,
        )
        .await;
        assert_eq!(restored, expected, "restore a version as {who}");
        let deleted = call(
            client,
            Method::DELETE,
            &format!("/api/v1/files/{target}"),
            None,
        )
        .await;
        assert_eq!(deleted, expected, "delete as {who}");
    }
    assert!(names(&alice, "/Team")
        .await
        .contains(&"from-editor.txt".to_string()));
    assert!(names(&alice, "/Team")
        .await
        .contains(&"Dir-editor".to_string()));
    assert!(!names(&alice, "/Team")
        .await
        .contains(&"from-viewer.txt".to_string()));
    // What the editor deleted is in alice's trash.
    let trash: frontend::api::types::TrashListing = alice.get("/api/v1/trash").await.unwrap();
    assert!(trash
        .entries
        .iter()
        .any(|e| e.file.name == "renamed-editor.txt"));

    // Only the owner renames, moves or deletes the shared folder itself.
    for client in [&editor, &viewer] {
        let delete = call(
            client,
            Method::DELETE,
            &format!("/api/v1/files/{}", tree.team),
            None,
        )
        .await;
        assert_eq!(delete, StatusCode::FORBIDDEN);
        let rename = call(
            client,
            Method::POST,
            &format!("/api/v1/files/{}/move", tree.team),
            Some(json!({"path": "/Shared with me/Team2"})),
        )
        .await;
        assert_eq!(rename, StatusCode::FORBIDDEN);
    }
    // Moving or copying between one's own files and a share is refused, readably.
    for method in ["move", "copy"] {
        let out = call(
            &editor,
            Method::POST,
            &format!("/api/v1/files/{}/{method}", tree.plan),
            Some(json!({"path": "/mine.txt"})),
        )
        .await;
        assert_eq!(out, StatusCode::BAD_REQUEST, "{method} out of the share");
    }
    // Nothing outside the shared folder can be reached, by id or by path.
    for client in [&editor, &viewer, &revoked, &expired, &stranger] {
        for path in [
            format!("/api/v1/files/{}", tree.secret),
            format!("/api/v1/files/{}/content", tree.secret),
            "/api/v1/files?path=/Shared%20with%20me/Private".to_string(),
        ] {
            assert_eq!(
                call(client, Method::GET, &path, None).await,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for path in [
            format!("/api/v1/files?path={TEAM}/../../Private"),
            format!("/api/v1/files?path={TEAM}/%2e%2e/%2e%2e/Private"),
            format!("/api/v1/files?path={TEAM}/..%2f..%2fPrivate"),
        ] {
            let got = call(client, Method::GET, &path, None).await;
            assert_eq!(got, StatusCode::BAD_REQUEST, "{path}");
        }
        let escape = call(
            client,
            Method::POST,
            "/api/v1/folders",
            Some(json!({"path": "/Shared with me/Team/../../Private/x"})),
        )
        .await;
        assert_eq!(escape, StatusCode::BAD_REQUEST);
    }
    // Nobody puts their own things into /Shared with me.
    let own = call(
        &stranger,
        Method::POST,
        "/api/v1/folders",
        Some(json!({"path": "/Shared with me"})),
    )
    .await;
    assert_eq!(own, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_editor_uploads_large_files_in_chunks_into_the_owners_tree_and_quota() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let tree = alice_tree(&alice).await;
    let bob = server.user("bob").await;
    share(&alice, &tree.team, "bob", "editor").await;
    let data = random_bytes(3_000_000, 11);
    let (chunks, content_hash) = chunk(bob.config().await.chunking, &data);
    let init = bob
        .init("/Shared with me/Team/big.bin", &data, &chunks)
        .await
        .unwrap();
    bob.put_packed(&init.upload_id, &data, &chunks, &init.chunks_needed)
        .await
        .unwrap();
    let status: serde_json::Value = bob
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(status["path"], "/Shared with me/Team/big.bin");
    // Alice cannot see bob's upload session, nor can a stranger.
    let stranger = server.user("dave").await;
    for client in [&stranger] {
        let got = call(
            client,
            Method::GET,
            &format!("/api/v1/files/upload/{}", init.upload_id),
            None,
        )
        .await;
        assert_eq!(got, StatusCode::NOT_FOUND);
    }
    let committed = bob.complete(&init.upload_id, &content_hash).await.unwrap();
    assert_eq!(committed.file.path, "/Shared with me/Team/big.bin");
    let downloaded = alice
        .download(&committed.file.id)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(downloaded.as_ref(), data.as_slice());
    // The bytes count against the owner's quota, not the editor's.
    let alice_me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    let bob_me: serde_json::Value = bob.get("/api/v1/me").await.unwrap();
    assert!(alice_me["used_bytes"].as_u64().unwrap() >= data.len() as u64);
    assert_eq!(bob_me["used_bytes"].as_u64().unwrap(), 0);
}

#[tokio::test]
async fn owner_and_recipient_see_each_others_changes_live() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let tree = alice_tree(&alice).await;
    let bob = server.user("bob").await;
    let mut bob_stream = SseStream::open(&bob, "", None).await;
    let mut alice_stream = SseStream::open(&alice, "", None).await;

    // A new share reaches the recipient's open stream.
    share(&alice, &tree.team, "bob", "editor").await;
    let event = bob_stream.next().await;
    assert_eq!(
        (event.event.as_str(), event.data.as_str()),
        ("shared", "{}")
    );
    assert_eq!(event.id, None);

    // The owner's change inside the share reaches the recipient, in their paths.
    file_id(&alice, "/Team/from-alice.txt", b"hello").await;
    let event = bob_stream.next().await;
    assert_eq!(event.event, "shared");
    let entry: DeltaEntry = serde_json::from_str(&event.data).unwrap();
    assert_eq!(
        (entry.action.as_str(), entry.path.as_str()),
        ("added", "/Shared with me/Team/from-alice.txt")
    );
    // A change outside the share does not.
    file_id(&alice, "/Private/more.txt", b"private").await;
    // The recipient's change reaches the owner as one of the owner's own changes.
    file_id(&bob, "/Shared with me/Team/from-bob.txt", b"hi").await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = alice_stream.next().await;
        assert_eq!(event.event, "change");
        let entry: DeltaEntry = serde_json::from_str(&event.data).unwrap();
        seen.push(entry.path);
    }
    assert_eq!(
        seen,
        [
            "/Team/from-alice.txt",
            "/Private/more.txt",
            "/Team/from-bob.txt"
        ]
    );
    let event = bob_stream.next().await;
    let entry: DeltaEntry = serde_json::from_str(&event.data).unwrap();
    assert_eq!(entry.path, "/Shared with me/Team/from-bob.txt", "{event:?}");
}
