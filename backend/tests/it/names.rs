//! Names: held in NFC, one per folder without regard to case or normalization,
//! found by any spelling of the path, and only names every common system can hold.

use crate::support::{chunk, Client, Failure, TestServer};
use frontend::api::types::{FileMeta, FolderListing, UploadCommitted, UploadInit};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn names(client: &Client, path: &str) -> Vec<String> {
    let response = client
        .request(Method::GET, "/api/v1/files")
        .query(&[("path", path)])
        .send()
        .await
        .unwrap();
    let listing: FolderListing = Client::decode(response).await.unwrap();
    listing.entries.into_iter().map(|e| e.name).collect()
}

async fn create_folder(client: &Client, path: &str) -> Result<FileMeta, Failure> {
    client
        .json(Method::POST, "/api/v1/folders", &json!({ "path": path }))
        .await
}

async fn post_file(client: &Client, path: &str, bytes: &[u8]) -> Result<UploadCommitted, Failure> {
    Client::decode(client.post_file(path, bytes.to_vec()).await).await
}

#[track_caller]
fn assert_taken(result: Result<impl std::fmt::Debug, Failure>, what: &str) {
    let failure = result.expect_err(what);
    assert_eq!(failure.status, StatusCode::CONFLICT, "{what}: {failure:?}");
    assert_eq!(failure.body.error.code, "already-exists", "{what}");
}

#[tokio::test]
async fn names_differing_only_in_case_or_normalization_are_one_name() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let report = post_file(&alice, "/docs/report.txt", b"first")
        .await
        .unwrap();

    // A folder beside it, of the same name in another case, is refused as the
    // same name is.
    assert_taken(create_folder(&alice, "/Docs").await, "folder /Docs");
    assert_taken(
        create_folder(&alice, "/docs/REPORT.txt").await,
        "folder REPORT.txt",
    );

    // An upload to another spelling of the path is a new version of that file, and
    // the name keeps the case it was made with.
    let again = post_file(&alice, "/DOCS/Report.TXT", b"second")
        .await
        .unwrap();
    assert_eq!(again.file.id, report.file.id);
    assert_eq!(again.file.rev, 2);
    assert_eq!(names(&alice, "/").await, ["docs"]);
    assert_eq!(names(&alice, "/DOCS").await, ["report.txt"]);

    // Looking up by path ignores case too.
    let listing: FolderListing = alice.get("/api/v1/files?path=/dOcS").await.unwrap();
    assert_eq!(listing.folder.name, "docs");

    // Names are stored in NFC: "é" sent decomposed comes back as one code point,
    // and the other spellings of it are the same name.
    let cafe = post_file(&alice, "/docs/cafe\u{301}.txt", b"coffee")
        .await
        .unwrap();
    assert_eq!(cafe.file.name, "caf\u{e9}.txt");
    assert_eq!(cafe.file.path, "/docs/caf\u{e9}.txt");
    assert_taken(
        create_folder(&alice, "/docs/CAF\u{c9}.TXT").await,
        "folder CAFÉ.TXT",
    );
    let folder = create_folder(&alice, "/Ame\u{301}lie").await.unwrap();
    assert_eq!(folder.name, "Am\u{e9}lie");
    assert_taken(create_folder(&alice, "/am\u{e9}lie").await, "folder amélie");

    // Moving, renaming or copying onto a name taken in another case is refused.
    let other = post_file(&alice, "/docs/other.txt", b"other")
        .await
        .unwrap();
    assert_taken(
        alice.move_entry(&other.file.id, "/docs/REPORT.txt").await,
        "move onto REPORT.txt",
    );
    assert_taken(
        alice
            .move_entry(&other.file.id, "/DOCS/Cafe\u{301}.txt")
            .await,
        "move onto Café.txt",
    );
    assert_taken(
        alice.copy_entry(&other.file.id, "/Docs/Report.txt").await,
        "copy onto Report.txt",
    );
    // A chunked upload onto a folder of that name in another case is refused.
    let data = b"x";
    let params = alice.config().await.chunking;
    let (chunks, _) = chunk(params, data);
    assert_taken(
        alice.init("/AM\u{c9}LIE", data, &chunks).await,
        "upload onto AMÉLIE",
    );

    // Renaming to the same name in another case renames in place.
    let renamed = alice
        .move_entry(&other.file.id, "/docs/Other.TXT")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Other.TXT");
    let renamed_folder = alice.move_entry(&folder.id, "/AM\u{c9}LIE").await.unwrap();
    assert_eq!(renamed_folder.path, "/AM\u{c9}LIE");
    // A folder still cannot go into itself, in whatever case.
    let into_itself = alice
        .move_entry(&listing.folder.id, "/DOCS/inner")
        .await
        .unwrap_err();
    assert_eq!(into_itself.status, StatusCode::BAD_REQUEST);
    let mut shown = names(&alice, "/docs").await;
    shown.sort();
    assert_eq!(shown, ["Other.TXT", "caf\u{e9}.txt", "report.txt"]);

    // A trashed file does not hold its name; restoring it beside a file of the
    // same name in another case gives it a name of its own.
    let trashed = alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", report.file.id))
        .send()
        .await
        .unwrap();
    assert!(trashed.status().is_success(), "{}", trashed.status());
    post_file(&alice, "/docs/REPORT.TXT", b"new").await.unwrap();
    let restored: FileMeta = alice
        .json(
            Method::POST,
            &format!("/api/v1/trash/{}/restore", report.file.id),
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(restored.name, "report (restored).txt");
}

#[tokio::test]
async fn names_other_systems_cannot_hold_are_refused() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let file = post_file(&alice, "/ok.txt", b"ok").await.unwrap();
    let params = alice.config().await.chunking;
    let (chunks, _) = chunk(params, b"ok");
    let refused = [
        ("a\\b.txt", "backslash"),
        ("a<b", "Windows cannot hold"),
        ("what?.txt", "Windows cannot hold"),
        ("a:b", "Windows cannot hold"),
        ("say \"hi\"", "Windows cannot hold"),
        ("pipe|d", "Windows cannot hold"),
        ("star*", "Windows cannot hold"),
        ("invoice\u{202E}fdp.exe", "invisible character U+202E"),
        ("zero\u{200B}width", "invisible character U+200B"),
        ("bom\u{FEFF}", "invisible character U+FEFF"),
        ("joiner\u{2060}", "invisible character U+2060"),
        ("isolate\u{2066}x", "invisible character U+2066"),
        ("CON", "reserved on Windows"),
        ("nul.txt", "reserved on Windows"),
        ("Com1.log", "reserved on Windows"),
        ("lpt9", "reserved on Windows"),
        ("aux.tar.gz", "reserved on Windows"),
        ("trailing.", "ends with a dot or a space"),
        ("trailing ", "ends with a dot or a space"),
    ];
    for (name, reason) in refused {
        let path = format!("/Folder/{name}");
        let answers = [
            ("folder", create_folder(&alice, &path).await.map(|_| ())),
            (
                "small upload",
                post_file(&alice, &path, b"x").await.map(|_| ()),
            ),
            (
                "upload init",
                alice.init(&path, b"ok", &chunks).await.map(|_| ()),
            ),
            (
                "move",
                alice.move_entry(&file.file.id, &path).await.map(|_| ()),
            ),
            (
                "copy",
                alice.copy_entry(&file.file.id, &path).await.map(|_| ()),
            ),
            // As a folder on the way, too.
            (
                "folder on the way",
                post_file(&alice, &format!("/{name}/x.txt"), b"x")
                    .await
                    .map(|_| ()),
            ),
        ];
        for (what, answer) in answers {
            let failure = answer.expect_err(&format!("{what} {name:?} is refused"));
            assert_eq!(failure.status, StatusCode::BAD_REQUEST, "{what} {name:?}");
            assert_eq!(failure.body.error.code, "invalid-path", "{what} {name:?}");
            assert!(
                failure.body.error.message.contains(reason),
                "{what} {name:?}: {}",
                failure.body.error.message
            );
        }
    }
    // Nothing was made.
    assert_eq!(names(&alice, "/").await, ["ok.txt"]);
    // Names like these are fine.
    for name in [
        "CONSOLE.txt",
        "...x",
        "a (1).txt",
        ".bashrc",
        "ünïcødé ファイル",
    ] {
        post_file(&alice, &format!("/{name}"), b"x").await.unwrap();
    }
}

#[tokio::test]
async fn conflicted_copies_get_names_every_system_can_hold() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let first = post_file(&alice, "/notes.txt", b"one").await.unwrap();
    post_file(&alice, "/notes.txt", b"two").await.unwrap();
    // An edit of revision 1, from a device whose name holds characters no name may.
    let data = b"three";
    let params = alice.config().await.chunking;
    let (chunks, hash) = chunk(params, data);
    let init = UploadInit {
        path: "/notes.txt".into(),
        size: data.len() as u64,
        parent_rev: Some(first.file.rev),
        file_id: Some(first.file.id.clone()),
        device: Some("Bob's \"work\" PC/2".into()),
        chunks: chunks.iter().map(Into::into).collect(),
    };
    let started: frontend::api::types::UploadInitResponse = alice
        .json(Method::POST, "/api/v1/files/upload/init", &init)
        .await
        .unwrap();
    alice
        .put_packed(&started.upload_id, data, &chunks, &started.chunks_needed)
        .await
        .unwrap();
    let copy = alice.complete(&started.upload_id, &hash).await.unwrap();
    assert!(copy.conflict);
    assert!(
        copy.file
            .name
            .starts_with("notes (Bob's _work_ PC_2's conflicted copy "),
        "{}",
        copy.file.name
    );
    assert!(copy.file.name.ends_with(").txt"));
    // The copy is found by its path like any file.
    let listing: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    assert_eq!(listing.entries.len(), 2);
}
