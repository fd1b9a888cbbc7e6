//! Empty files and folders cost no quota, so the number of entries an account keeps
//! is capped on its own: every way of making one (a folder, a file sent whole or in
//! chunks, a move into new folders, a copy, a file request) stops at the cap and
//! changes nothing, the trash counts until it is emptied, and parallel requests
//! cannot pass the cap together.

use crate::support::{chunk, Client, TestServer};
use frontend::api::types::{FileMeta, ShareCreated, UploadCommitted};
use reqwest::{Method, StatusCode};
use serde_json::json;

const CAP: u64 = 6;

/// The error code of a refused answer, or "ok".
async fn outcome(response: reqwest::Response) -> String {
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    if status.is_success() {
        return "ok".into();
    }
    let code = body["error"]["code"].as_str().unwrap().to_string();
    if code == "too-many-entries" {
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&CAP.to_string()) && message.contains("empty the trash"),
            "{message}"
        );
    }
    code
}

async fn make_folder(client: &Client, path: &str) -> String {
    outcome(
        client
            .request(Method::POST, "/api/v1/folders")
            .json(&json!({ "path": path }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Every path in the account, live ones only, sorted.
async fn tree(client: &Client) -> Vec<String> {
    let mut paths = Vec::new();
    let mut folders = vec!["/".to_string()];
    while let Some(folder) = folders.pop() {
        let listing: serde_json::Value = client
            .get(&format!("/api/v1/files?path={folder}"))
            .await
            .unwrap();
        for entry in listing["entries"].as_array().unwrap() {
            let path = entry["path"].as_str().unwrap().to_string();
            if entry["is_folder"] == true {
                folders.push(path.clone());
            }
            paths.push(path);
        }
    }
    paths.sort();
    paths
}

async fn id_of(client: &Client, path: &str) -> String {
    let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    let parent = if parent.is_empty() { "/" } else { parent };
    let listing: serde_json::Value = client
        .get(&format!("/api/v1/files?path={parent}"))
        .await
        .unwrap();
    listing["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("{path} is not in {listing}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_way_of_making_an_entry_stops_at_the_cap() {
    let server = TestServer::start_with(|config| config.max_entries = CAP).await;
    let alice = server.user("alice").await;
    assert_eq!(make_folder(&alice, "/a/b/c").await, "ok");
    assert_eq!(
        outcome(alice.post_file("/a/empty", Vec::new()).await).await,
        "ok"
    );
    let b = id_of(&alice, "/a/b").await;
    alice.copy_entry(&b, "/a/b2").await.unwrap();
    // Six entries: a, a/b, a/b/c, a/empty, a/b2, a/b2/c.
    let full = tree(&alice).await;
    assert_eq!(full.len() as u64, CAP, "{full:?}");

    let empty = id_of(&alice, "/a/empty").await;
    let refusals = [
        ("a folder", make_folder(&alice, "/d").await),
        (
            "a file sent whole",
            outcome(alice.post_file("/e", Vec::new()).await).await,
        ),
        (
            "a copy",
            outcome(
                alice
                    .request(Method::POST, &format!("/api/v1/files/{empty}/copy"))
                    .json(&json!({"path": "/empty-copy"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await,
        ),
        (
            "a move into a new folder",
            outcome(
                alice
                    .request(Method::POST, &format!("/api/v1/files/{empty}/move"))
                    .json(&json!({"path": "/new/empty"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await,
        ),
    ];
    for (what, got) in refusals {
        assert_eq!(got, "too-many-entries", "{what}");
    }
    // A chunked upload is refused when it would commit a new entry.
    let data = b"seven".to_vec();
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    let init = alice.init("/f.txt", &data, &chunks).await.unwrap();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &init.chunks_needed)
        .await
        .unwrap();
    let refused = alice
        .request(
            Method::POST,
            &format!("/api/v1/files/upload/{}/complete", init.upload_id),
        )
        .json(&json!({ "content_hash": hash }))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome(refused).await, "too-many-entries");
    assert_eq!(tree(&alice).await, full, "nothing was made");

    // What makes no entry still works: a new version, a rename in place, a move
    // into a folder that exists.
    let replaced = alice
        .post_file("/a/empty", b"now with bytes".to_vec())
        .await;
    assert_eq!(replaced.status(), StatusCode::CREATED);
    let replaced: UploadCommitted = replaced.json().await.unwrap();
    assert_eq!(replaced.file.rev, 2);
    let moved: FileMeta = alice.move_entry(&empty, "/a/b/full").await.unwrap();
    assert_eq!(moved.path, "/a/b/full");

    // The trash counts until it is emptied.
    let b2 = id_of(&alice, "/a/b2").await;
    let trashed = alice
        .request(Method::DELETE, &format!("/api/v1/files/{b2}"))
        .send()
        .await
        .unwrap();
    assert!(trashed.status().is_success());
    assert_eq!(make_folder(&alice, "/d").await, "too-many-entries");
    let purged = alice
        .request(Method::DELETE, &format!("/api/v1/trash/{b2}"))
        .send()
        .await
        .unwrap();
    assert!(purged.status().is_success(), "{}", purged.status());

    // Two entries are free now: of many folders asked for at once, exactly two are
    // made.
    let alice = std::sync::Arc::new(alice);
    let asks = (0..8).map(|i| {
        let alice = alice.clone();
        tokio::spawn(async move { make_folder(&alice, &format!("/p{i}")).await })
    });
    let mut made = 0;
    for ask in asks {
        match ask.await.unwrap().as_str() {
            "ok" => made += 1,
            "too-many-entries" => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(made, 2);
    assert_eq!(tree(&alice).await.len() as u64, CAP);
}

#[tokio::test]
async fn a_file_request_to_a_full_account_does_not_say_why() {
    let server = TestServer::start_with(|config| config.max_entries = 2).await;
    let alice = server.user("alice").await;
    assert_eq!(make_folder(&alice, "/Inbox").await, "ok");
    let inbox = id_of(&alice, "/Inbox").await;
    let request: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": inbox, "kind": "link", "permission": "upload_only"}),
        )
        .await
        .unwrap();
    let base = format!("/api/v1{}", request.url.as_deref().unwrap());
    let visitor = server.anonymous();
    let send = |name: &str| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"a cv".to_vec()).file_name(name.to_string()),
        );
        visitor
            .request(Method::POST, &format!("{base}/files"))
            .multipart(form)
            .send()
    };
    assert_eq!(
        send("first.txt").await.unwrap().status(),
        StatusCode::CREATED
    );
    let refused = send("second.txt").await.unwrap();
    assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "quota-exceeded");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains('2'), "the cap is not told: {message}");
    assert_eq!(tree(&alice).await, ["/Inbox", "/Inbox/first.txt"]);
}

#[tokio::test]
async fn the_migration_counts_what_each_account_already_keeps() {
    use crate::support::test_database;
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database, Statement};

    let data = tempfile::tempdir().unwrap();
    let mut config = backend::config::Config::embedded(data.path().to_path_buf());
    let _database = test_database(&mut config).await;
    let db = Database::connect(config.metadata.url()).await.unwrap();
    Migrator::up(&db, Some(11)).await.unwrap();
    // u1 keeps a folder, a file in it and a trashed file; u2 nothing but a root.
    let files = [
        ("r1", "u1", "NULL", "NULL"),
        ("a", "u1", "'r1'", "NULL"),
        ("b", "u1", "'a'", "NULL"),
        ("c", "u1", "'r1'", "5"),
        ("r2", "u2", "NULL", "NULL"),
    ];
    for (user, root) in [("u1", "r1"), ("u2", "r2")] {
        db.execute_unprepared(&format!(
            "INSERT INTO users (id, username, password_hash, root_id, quota_bytes, \
             used_bytes, created_at) VALUES ('{user}', '{user}', 'x', '{root}', 1, 0, 0)"
        ))
        .await
        .unwrap();
    }
    for (id, owner, parent, deleted) in files {
        db.execute_unprepared(&format!(
            "INSERT INTO files (id, owner_id, parent_id, name, name_key, is_folder, size, \
             content_hash, current_rev, created_at, modified_at, deleted_at) VALUES ('{id}', \
             '{owner}', {parent}, '{id}', '{id}', false, 0, NULL, 1, 0, 0, {deleted})"
        ))
        .await
        .unwrap();
    }
    // b is at its third version: the first two (10 and 20 bytes) are history.
    db.execute_unprepared("UPDATE files SET current_rev = 3 WHERE id = 'b'")
        .await
        .unwrap();
    for (rev, size) in [(1, 10), (2, 20), (3, 30)] {
        db.execute_unprepared(&format!(
            "INSERT INTO file_versions (file_id, rev, size, content_hash, created_at, \
             created_by, device) VALUES ('b', {rev}, {size}, 'h', 0, 'u1', NULL)"
        ))
        .await
        .unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let backend = db.get_database_backend();
    let counts: Vec<(String, i64, i64)> = db
        .query_all(Statement::from_string(
            backend,
            "SELECT id, entry_count, history_bytes FROM users ORDER BY id",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.try_get("", "id").unwrap(),
                row.try_get("", "entry_count").unwrap(),
                row.try_get("", "history_bytes").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("u1".to_string(), 3, 30), ("u2".to_string(), 0, 0)]
    );
}
