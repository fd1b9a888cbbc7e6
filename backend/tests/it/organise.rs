//! Organising files: move and rename, copy, trash and restore, versions, search, and
//! the journal the sync delta reads.

use crate::support::{random_bytes, Client, TestServer};
use frontend::api::types::{
    Delta, FileMeta, FolderListing, SearchResults, TrashListing, VersionList,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn names(client: &Client, path: &str) -> Vec<String> {
    let listing: FolderListing = client
        .get(&format!("/api/v1/files?path={path}"))
        .await
        .unwrap();
    listing.entries.into_iter().map(|e| e.name).collect()
}

async fn content(client: &Client, id: &str) -> Vec<u8> {
    let response = client.download(id).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn move_rename_and_copy() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(300_000, 5);
    let (file, _) = alice.upload("/a.txt", &data).await;
    let id = file.file.id;

    let moved: FileMeta = alice.move_entry(&id, "/Docs/b.txt").await.unwrap();
    assert_eq!(
        (moved.id.as_str(), moved.path.as_str()),
        (id.as_str(), "/Docs/b.txt")
    );
    assert_eq!(names(&alice, "/").await, ["Docs"]);
    assert_eq!(names(&alice, "/Docs").await, ["b.txt"]);

    let (other, _) = alice.upload("/Docs/c.txt", b"other").await;
    let taken = alice.move_entry(&id, "/Docs/c.txt").await.unwrap_err();
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let docs: FolderListing = alice.get("/api/v1/files?path=/Docs").await.unwrap();
    let docs_id = &docs.folder.id;
    let into_itself = alice
        .move_entry(docs_id, "/Docs/Inner/Docs")
        .await
        .unwrap_err();
    assert_eq!(into_itself.status, StatusCode::BAD_REQUEST);
    assert!(
        into_itself.body.error.message.contains("into itself"),
        "{:?}",
        into_itself.body
    );

    // Copying a folder copies its tree; contents are shared, nothing is re-uploaded.
    let copied = alice.copy_entry(docs_id, "/Backup/Docs").await.unwrap();
    assert!(copied.is_folder);
    assert_ne!(copied.id, *docs_id);
    assert_eq!(names(&alice, "/Backup/Docs").await, ["b.txt", "c.txt"]);
    let backup: FolderListing = alice.get("/api/v1/files?path=/Backup/Docs").await.unwrap();
    let copy_of_b = backup.entries.iter().find(|e| e.name == "b.txt").unwrap();
    assert_ne!(copy_of_b.id, id);
    assert_eq!(content(&alice, &copy_of_b.id).await, data);
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(
        me["used_bytes"],
        json!(2 * (data.len() + 5)),
        "copies count toward usage"
    );
    let _ = other;
}

#[tokio::test]
async fn trash_and_restore() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (file, _) = alice.upload("/Photos/cat.jpg", b"meow").await;
    let photos: FolderListing = alice.get("/api/v1/files?path=/Photos").await.unwrap();

    let response = alice
        .request(
            Method::DELETE,
            &format!("/api/v1/files/{}", photos.folder.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(names(&alice, "/").await.is_empty());
    let gone = alice
        .get::<FolderListing>("/api/v1/files?path=/Photos")
        .await
        .unwrap_err();
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.download(&file.file.id).await.status(),
        StatusCode::NOT_FOUND
    );
    let search: SearchResults = alice.get("/api/v1/search?q=cat").await.unwrap();
    assert!(
        search.entries.is_empty(),
        "files under a trashed folder are not found"
    );

    let trash: TrashListing = alice.get("/api/v1/trash").await.unwrap();
    assert_eq!(trash.entries.len(), 1);
    assert_eq!(trash.entries[0].file.path, "/Photos");

    // A new folder took the name meanwhile: the restored one gets another.
    alice
        .json::<_, FileMeta>(Method::POST, "/api/v1/folders", &json!({"path": "/Photos"}))
        .await
        .unwrap();
    let restored: FileMeta = alice
        .json(
            Method::POST,
            &format!("/api/v1/trash/{}/restore", photos.folder.id),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(restored.path, "/Photos (restored)");
    assert_eq!(names(&alice, "/Photos (restored)").await, ["cat.jpg"]);
    assert_eq!(content(&alice, &file.file.id).await, b"meow");
    let trash: TrashListing = alice.get("/api/v1/trash").await.unwrap();
    assert!(trash.entries.is_empty());

    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    let refused = alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", root.folder.id))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn versions_keep_every_change_and_restore_any() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let v1 = random_bytes(2_000_000, 6);
    let mut v2 = v1.clone();
    v2[1_000_000] ^= 1;
    let (first, _) = alice.upload("/notes.bin", &v1).await;
    let (second, _) = alice.upload("/notes.bin", &v2).await;
    assert_eq!(second.file.id, first.file.id);
    assert_eq!(second.file.rev, 2);
    let (same, sent) = alice.upload("/notes.bin", &v2).await;
    assert_eq!(
        (same.file.rev, sent),
        (2, 0),
        "identical content makes no new version"
    );

    let id = &first.file.id;
    let history: VersionList = alice
        .get(&format!("/api/v1/files/{id}/versions"))
        .await
        .unwrap();
    let revs: Vec<u64> = history.versions.iter().map(|v| v.rev).collect();
    assert_eq!(revs, [2, 1]);
    let old = alice
        .request(
            Method::GET,
            &format!("/api/v1/files/{id}/versions/1/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::OK);
    assert!(old.bytes().await.unwrap() == v1);

    let restored = alice.restore_version(id, 1).await.unwrap();
    assert_eq!(restored.rev, 3);
    assert_eq!(content(&alice, id).await, v1);
    let missing = alice
        .json::<_, FileMeta>(
            Method::POST,
            &format!("/api/v1/files/{id}/versions/9/restore"),
            &json!({}),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_names_ignoring_case() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    for path in [
        "/Report 2026.pdf",
        "/Work/annual REPORT.docx",
        "/100%_done.txt",
        "/notes.txt",
    ] {
        alice.upload(path, path.as_bytes()).await;
    }
    let found: SearchResults = alice.get("/api/v1/search?q=report").await.unwrap();
    let paths: Vec<&str> = found.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/Report 2026.pdf", "/Work/annual REPORT.docx"]);
    let literal: SearchResults = alice.get("/api/v1/search?q=%25_").await.unwrap();
    let paths: Vec<&str> = literal.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/100%_done.txt"], "% and _ match themselves");
    let short: SearchResults = alice.get("/api/v1/search?q=Re").await.unwrap();
    assert_eq!(
        short.entries.len(),
        2,
        "a query shorter than a trigram works too"
    );

    // The name index follows renames and deletions.
    let notes = found_id(&alice, "notes").await;
    alice
        .move_entry(&notes, "/Minutes of May.txt")
        .await
        .unwrap();
    let old_name: SearchResults = alice.get("/api/v1/search?q=notes").await.unwrap();
    assert!(
        old_name.entries.is_empty(),
        "the old name is no longer found"
    );
    let minutes: SearchResults = alice.get("/api/v1/search?q=MINUTES").await.unwrap();
    assert_eq!(minutes.entries[0].path, "/Minutes of May.txt");
    let report = found_id(&alice, "2026").await;
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{report}"))
        .send()
        .await
        .unwrap();
    let after_delete: SearchResults = alice.get("/api/v1/search?q=report").await.unwrap();
    let paths: Vec<&str> = after_delete
        .entries
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["/Work/annual REPORT.docx"],
        "trashed files are not found"
    );

    let bob = server.user("bob").await;
    let none: SearchResults = bob.get("/api/v1/search?q=report").await.unwrap();
    assert!(
        none.entries.is_empty(),
        "search stays in the user's namespace"
    );
}

#[tokio::test]
async fn the_delta_replays_every_change_in_order() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let start: Delta = alice.get("/api/v1/sync/delta").await.unwrap();
    assert!(start.entries.is_empty() && !start.reset && !start.has_more);

    let (file, _) = alice.upload("/Inbox/a.txt", b"one").await;
    alice.upload("/Inbox/a.txt", b"two").await;
    let id = &file.file.id;
    alice.move_entry(id, "/b.txt").await.unwrap();
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{id}"))
        .send()
        .await
        .unwrap();

    let delta: Delta = alice
        .get(&format!("/api/v1/sync/delta?cursor={}", start.cursor))
        .await
        .unwrap();
    let seen: Vec<(&str, &str)> = delta
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("added", "/Inbox"),
            ("added", "/Inbox/a.txt"),
            ("modified", "/Inbox/a.txt"),
            ("moved", "/b.txt"),
            ("deleted", "/b.txt"),
        ]
    );
    assert_eq!(delta.entries[3].old_path.as_deref(), Some("/Inbox/a.txt"));

    let (_, _) = alice.upload("/c.txt", b"three").await;
    let next: Delta = alice
        .get(&format!("/api/v1/sync/delta?cursor={}", delta.cursor))
        .await
        .unwrap();
    let seen: Vec<&str> = next.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(seen, ["/c.txt"]);

    let reset: Delta = alice
        .get("/api/v1/sync/delta?cursor=nonsense")
        .await
        .unwrap();
    assert!(reset.reset);
    let bob = server.user("bob").await;
    let bobs: Delta = bob.get("/api/v1/sync/delta").await.unwrap();
    assert!(
        bobs.entries.is_empty(),
        "each user has a journal of their own"
    );
}

/// The id of the single file a search for `query` finds.
async fn found_id(client: &Client, query: &str) -> String {
    let found: SearchResults = client
        .get(&format!("/api/v1/search?q={query}"))
        .await
        .unwrap();
    assert_eq!(found.entries.len(), 1, "one match for {query}");
    found.entries[0].id.clone()
}
