//! The walking skeleton through the API: sign up, upload by chunks, list, download,
//! dedup within a user, and no dedup oracle across users.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{ChunkAnnouncement, FolderListing, UploadStatus};
use reqwest::{Method, StatusCode};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn upload_list_download_and_dedup() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(12 * MIB + 12_345, 1);

    let (committed, sent) = alice.upload("/Documents/big.bin", &data).await;
    assert!(!committed.conflict);
    assert_eq!(committed.file.path, "/Documents/big.bin");
    assert_eq!(committed.file.size, data.len() as u64);
    assert_eq!(committed.file.rev, 1);
    assert_eq!(sent, data.len() as u64, "a fresh file sends every byte");

    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    let names: Vec<&str> = root.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Documents"]);
    assert!(root.entries[0].is_folder);
    let docs: FolderListing = alice.get("/api/v1/files?path=/Documents").await.unwrap();
    assert_eq!(docs.entries.len(), 1);
    assert_eq!(docs.entries[0].id, committed.file.id);

    let response = alice.download(&committed.file.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"big.bin\"; filename*=UTF-8''big.bin"
    );
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'",
        "a downloaded file opened in the browser can run nothing"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let body = response.bytes().await.unwrap();
    assert!(body == data, "downloaded bytes differ from the upload");

    let not_modified = alice
        .request(
            Method::GET,
            &format!("/api/v1/files/{}/content", committed.file.id),
        )
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);

    // The same bytes again, under another name: nothing to send.
    let (copy, sent_again) = alice.upload("/copy.bin", &data).await;
    assert_eq!(sent_again, 0, "dedup within one user sends no chunk twice");
    assert_eq!(
        alice.download(&copy.file.id).await.bytes().await.unwrap(),
        data
    );

    // Another user must send everything: the answer reveals nothing of alice's files.
    let bob = server.user("bob").await;
    let (_, bob_sent) = bob.upload("/mine.bin", &data).await;
    assert_eq!(bob_sent, data.len() as u64, "dedup never crosses users");
    let refused = bob.download(&committed.file.id).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_reports_progress_for_resume_and_complete_waits_for_every_chunk() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(6 * MIB, 2);
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    assert!(
        chunks.len() >= 3,
        "want several chunks, got {}",
        chunks.len()
    );
    let init = alice.init("/resume.bin", &data, &chunks).await.unwrap();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &[0])
        .await
        .unwrap();

    let status: UploadStatus = alice
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(status.received, [0]);
    assert_eq!(status.missing.len(), chunks.len() - 1);

    let early = alice.complete(&init.upload_id, &hash).await.unwrap_err();
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.body.error.code, "chunks-missing");

    alice
        .put_packed(&init.upload_id, &data, &chunks, &status.missing)
        .await
        .unwrap();
    let wrong = alice
        .complete(&init.upload_id, &"0".repeat(64))
        .await
        .unwrap_err();
    assert_eq!(wrong.body.error.code, "content-hash-mismatch");
    let done = alice.complete(&init.upload_id, &hash).await.unwrap();
    assert_eq!(done.file.size, data.len() as u64);
}

#[tokio::test]
async fn the_server_rehashes_every_chunk_and_refuses_bad_input() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(MIB, 3);
    let (chunks, _) = chunk(alice.config().await.chunking, &data);
    let init = alice.init("/a.bin", &data, &chunks).await.unwrap();

    let mut corrupted = data.clone();
    corrupted[10] ^= 0xff;
    let mismatch = alice
        .put_packed(&init.upload_id, &corrupted, &chunks, &[0])
        .await
        .unwrap_err();
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mismatch.body.error.code, "chunk-hash-mismatch");
    assert!(mismatch.body.error.message.contains("re-read the file"));

    let short = alice
        .request(
            Method::PUT,
            &format!("/api/v1/files/upload/{}/chunks/0", init.upload_id),
        )
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    let short = Client::decode::<serde_json::Value>(short)
        .await
        .unwrap_err();
    assert_eq!(short.body.error.code, "chunk-size-mismatch");

    let long_name = format!("/{}", "n".repeat(300));
    for bad in [
        "relative.txt",
        "/a/../b",
        "/./b",
        "/a//b",
        "/trailing/",
        "/nul\u{0}name",
        "/tab\tname",
        "/bell\u{7}",
        long_name.as_str(),
    ] {
        let refused = alice.init(bad, &data, &chunks).await.unwrap_err();
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "path {bad:?}");
        assert_eq!(refused.body.error.code, "invalid-path");
    }

    let malformed = alice
        .request(Method::POST, "/api/v1/files/upload/init")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let malformed = Client::decode::<serde_json::Value>(malformed)
        .await
        .unwrap_err();
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body.error.code, "bad-request");

    let anonymous = server.anonymous();
    let refused = anonymous
        .get::<FolderListing>("/api/v1/files?path=/")
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body.error.code, "unauthenticated");
}

#[tokio::test]
async fn accounts_sign_up_log_in_and_log_out() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let taken = server
        .anonymous()
        .json::<_, serde_json::Value>(
            Method::POST,
            "/api/v1/auth/signup",
            &serde_json::json!({"username": "alice", "password": "another password"}),
        )
        .await
        .unwrap_err();
    assert_eq!(taken.body.error.code, "username-taken");

    let wrong = server
        .anonymous()
        .json::<_, serde_json::Value>(
            Method::POST,
            "/api/v1/auth/login",
            &serde_json::json!({"username": "alice", "password": "wrong password"}),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let login = server
        .anonymous()
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({"username": "alice", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("cairn_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["username"], "alice");
    let logout = alice
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = alice
        .get::<serde_json::Value>("/api/v1/me")
        .await
        .unwrap_err();
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_work_as_bearer_credentials_until_revoked() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let created: frontend::api::types::CreatedToken = alice
        .json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"label": "backup script"}),
        )
        .await
        .unwrap();
    assert_eq!(created.info.label, "backup script");

    let mut script = server.anonymous();
    script.token = Some(created.token.clone());
    let me: serde_json::Value = script.get("/api/v1/me").await.unwrap();
    assert_eq!(me["username"], "alice");

    let list: frontend::api::types::TokenList = alice.get("/api/v1/tokens").await.unwrap();
    assert_eq!(
        list.tokens.len(),
        1,
        "browser sessions are not listed as API tokens"
    );
    assert!(
        !serde_json::to_string(&list)
            .unwrap()
            .contains(&created.token),
        "secrets are never listed"
    );

    let bob = server.user("bob").await;
    let foreign = bob
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", created.info.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        foreign.status(),
        StatusCode::NOT_FOUND,
        "nobody revokes another's token"
    );

    let revoked = alice
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", created.info.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = script
        .get::<serde_json::Value>("/api/v1/me")
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn small_files_upload_in_one_multipart_request() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = random_bytes(200_000, 11);
    let form = reqwest::multipart::Form::new()
        .text("path", "/Inbox/scan.pdf")
        .part(
            "file",
            reqwest::multipart::Part::bytes(data.clone()).file_name("scan.pdf"),
        );
    let response = alice
        .request(Method::POST, "/api/v1/files")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let committed: frontend::api::types::UploadCommitted = response.json().await.unwrap();
    assert_eq!(committed.file.path, "/Inbox/scan.pdf");
    assert_eq!(
        alice
            .download(&committed.file.id)
            .await
            .bytes()
            .await
            .unwrap(),
        data
    );

    // Without a path field, the file's own name in the root folder.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hi".to_vec()).file_name("hello.txt"),
    );
    let named: frontend::api::types::UploadCommitted = alice
        .request(Method::POST, "/api/v1/files")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(named.file.path, "/hello.txt");

    let empty = alice
        .request(Method::POST, "/api/v1/files")
        .multipart(reqwest::multipart::Form::new().text("path", "/x"))
        .send()
        .await
        .unwrap();
    let empty = Client::decode::<serde_json::Value>(empty)
        .await
        .unwrap_err();
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.error.message.contains("no file field"));
}

#[tokio::test]
async fn uploads_over_quota_are_refused_up_front() {
    let server = TestServer::start_with(|config| config.quota_bytes = 1_000_000).await;
    let alice = server.user("alice").await;
    alice.upload("/first.bin", &random_bytes(600_000, 12)).await;
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(
        (me["used_bytes"].as_u64(), me["quota_bytes"].as_u64()),
        (Some(600_000), Some(1_000_000))
    );

    let second = random_bytes(600_000, 13);
    let (chunks, _) = chunk(alice.config().await.chunking, &second);
    let refused = alice
        .init("/second.bin", &second, &chunks)
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(refused.body.error.code, "quota-exceeded");
    assert!(
        refused.body.error.message.contains("400000"),
        "{:?}",
        refused.body
    );
    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    assert_eq!(
        root.entries.len(),
        1,
        "nothing of the refused upload is stored"
    );
}

#[tokio::test]
async fn the_quota_is_checked_again_when_an_upload_commits() {
    let server = TestServer::start_with(|config| config.quota_bytes = 1_000_000).await;
    let alice = server.user("alice").await;
    let params = alice.config().await.chunking;
    // An upload that fits when it starts, and a copy that fills the room meanwhile
    // (a copy needs no upload): the commit finds the quota full.
    let stored = random_bytes(300_000, 21);
    let (stored_file, _) = alice.upload("/stored.bin", &stored).await;
    let second = random_bytes(600_000, 22);
    let (second_chunks, second_hash) = chunk(params, &second);
    let second_init = alice.init("/b.bin", &second, &second_chunks).await.unwrap();
    alice
        .put_packed(
            &second_init.upload_id,
            &second,
            &second_chunks,
            &second_init.chunks_needed,
        )
        .await
        .unwrap();
    alice
        .copy_entry(&stored_file.file.id, "/copy.bin")
        .await
        .unwrap();
    let refused = alice
        .complete(&second_init.upload_id, &second_hash)
        .await
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(refused.body.error.code, "quota-exceeded");
    alice
        .request(
            Method::DELETE,
            &format!("/api/v1/files/upload/{}", second_init.upload_id),
        )
        .send()
        .await
        .unwrap();
    for path in ["/stored.bin", "/copy.bin"] {
        let listing: frontend::api::types::FolderListing =
            alice.get("/api/v1/files?path=/").await.unwrap();
        let id = listing
            .entries
            .iter()
            .find(|e| e.path == path)
            .unwrap()
            .id
            .clone();
        alice
            .request(Method::DELETE, &format!("/api/v1/files/{id}"))
            .send()
            .await
            .unwrap();
    }
    alice
        .request(Method::DELETE, "/api/v1/trash")
        .send()
        .await
        .unwrap();
    let first = random_bytes(600_000, 24);
    alice.upload("/a.bin", &first).await;

    // Replacing a file counts only the difference.
    let edited = random_bytes(650_000, 23);
    alice.upload("/a.bin", &edited).await;
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"].as_u64(), Some(650_000));
}

/// Sends `bytes` whole to `path`; answers the status and body.
async fn post_whole_file(
    client: &Client,
    path: &str,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let response = client.post_file(path, bytes).await;
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn whole_files_sent_back_to_back_cannot_pass_the_quota_together() {
    let server = TestServer::start_with(|config| config.quota_bytes = 1_000_000).await;
    let alice = server.user("alice").await;
    // Her usage is read once here, before either upload.
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"].as_u64(), Some(0));

    let (status, _) = post_whole_file(&alice, "/first.bin", random_bytes(600_000, 31)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = post_whole_file(&alice, "/second.bin", random_bytes(600_000, 32)).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "quota-exceeded");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("400000"),
        "{body}"
    );

    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"].as_u64(), Some(600_000));
    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    assert_eq!(
        root.entries
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["first.bin"],
        "nothing of the refused upload is listed"
    );
    // A smaller version of a file always fits, even when usage is near the quota.
    let (status, body) = post_whole_file(&alice, "/first.bin", random_bytes(500_000, 33)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Uploads `data` to `path` as an edit of `parent_rev`, from `device`; answers the
/// status and body of `complete`.
async fn upload_edit(
    client: &Client,
    path: &str,
    data: &[u8],
    parent_rev: u64,
    on_conflict: frontend::api::types::OnConflict,
) -> (StatusCode, serde_json::Value) {
    upload_edit_of(client, path, data, parent_rev, None, on_conflict).await
}

/// [`upload_edit`] naming the file edited.
async fn upload_edit_of(
    client: &Client,
    path: &str,
    data: &[u8],
    parent_rev: u64,
    file_id: Option<&str>,
    on_conflict: frontend::api::types::OnConflict,
) -> (StatusCode, serde_json::Value) {
    let (chunks, hash) = chunk(client.config().await.chunking, data);
    let init: frontend::api::types::UploadInitResponse = client
        .json(
            Method::POST,
            "/api/v1/files/upload/init",
            &frontend::api::types::UploadInit {
                path: path.into(),
                size: data.len() as u64,
                parent_rev: Some(parent_rev),
                file_id: file_id.map(str::to_string),
                device: Some("Bob's laptop".into()),
                chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
            },
        )
        .await
        .unwrap();
    if !init.chunks_needed.is_empty() {
        client
            .put_packed(&init.upload_id, data, &chunks, &init.chunks_needed)
            .await
            .unwrap();
    }
    let response = client
        .request(
            Method::POST,
            &format!("/api/v1/files/upload/{}/complete", init.upload_id),
        )
        .json(&frontend::api::types::UploadComplete {
            content_hash: hash,
            on_conflict,
        })
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_stale_parent_rev_makes_a_conflicted_copy_or_a_409_and_identical_content_no_version() {
    use frontend::api::types::OnConflict;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (first, _) = alice.upload("/Docs/plan.txt", b"first draft").await;
    assert_eq!(first.file.rev, 1);

    // An edit of the current revision replaces it.
    let (status, second) = upload_edit(
        &alice,
        "/Docs/plan.txt",
        b"second draft",
        1,
        OnConflict::Copy,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (second["file"]["rev"].as_u64(), second["conflict"].as_bool()),
        (Some(2), Some(false))
    );

    // Another edit of revision 1 arrives late: saved beside it as a conflicted copy.
    let (status, late) = upload_edit(
        &alice,
        "/Docs/plan.txt",
        b"a rival draft",
        1,
        OnConflict::Copy,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(late["conflict"], true);
    let date = backend::domain::utc_date(backend::core::now_ms());
    let copy_path = format!("/Docs/plan (Bob's laptop's conflicted copy {date}).txt");
    assert_eq!(late["file"]["path"], copy_path.as_str());
    let listing: FolderListing = alice.get("/api/v1/files?path=/Docs").await.unwrap();
    let mut names: Vec<String> = listing.entries.into_iter().map(|e| e.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("plan (Bob's laptop's conflicted copy {date}).txt"),
            "plan.txt".to_string()
        ]
    );
    let copy_id = late["file"]["id"].as_str().unwrap();
    assert_eq!(
        alice.download(copy_id).await.bytes().await.unwrap(),
        &b"a rival draft"[..]
    );
    assert_eq!(
        alice.download(&first.file.id).await.bytes().await.unwrap(),
        &b"second draft"[..],
        "nothing of either edit is lost"
    );

    // With on_conflict "fail": 409 with the file as it is, nothing saved.
    let (status, refused) = upload_edit(
        &alice,
        "/Docs/plan.txt",
        b"a third draft",
        1,
        OnConflict::Fail,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "conflict");
    assert_eq!(refused["current"]["rev"], 2);
    assert_eq!(refused["current"]["path"], "/Docs/plan.txt");

    // The same bytes as the current version, even from a stale base: no conflict,
    // no new version.
    let (status, same) = upload_edit(
        &alice,
        "/Docs/plan.txt",
        b"second draft",
        1,
        OnConflict::Fail,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (same["file"]["rev"].as_u64(), same["conflict"].as_bool()),
        (Some(2), Some(false))
    );
    let versions: serde_json::Value = alice
        .get(&format!("/api/v1/files/{}/versions", first.file.id))
        .await
        .unwrap();
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_edit_of_a_file_that_another_file_replaced_is_a_conflicted_copy() {
    use frontend::api::types::OnConflict;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    // A device saw notes.txt at revision 1, then went quiet.
    let (first, _) = alice.upload("/notes.txt", b"the first notes").await;
    // Meanwhile it was renamed, and a new notes.txt (also at revision 1) took its name.
    alice
        .move_entry(&first.file.id, "/old notes.txt")
        .await
        .unwrap();
    let (second, _) = alice.upload("/notes.txt", b"somebody else's notes").await;
    assert_eq!(second.file.rev, 1);

    // The device's edit names the file it edited: it does not overwrite the other one.
    let (status, edit) = upload_edit_of(
        &alice,
        "/notes.txt",
        b"the first notes, edited",
        1,
        Some(&first.file.id),
        OnConflict::Copy,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(edit["conflict"], true, "{edit}");
    assert_ne!(edit["file"]["id"], second.file.id.as_str());
    assert_eq!(
        alice.download(&second.file.id).await.bytes().await.unwrap(),
        &b"somebody else's notes"[..],
        "the file now at the path keeps its content"
    );
    let copy_id = edit["file"]["id"].as_str().unwrap();
    assert_eq!(
        alice.download(copy_id).await.bytes().await.unwrap(),
        &b"the first notes, edited"[..]
    );

    // Without the id, the revision alone cannot tell the two files apart.
    let (status, blind) =
        upload_edit(&alice, "/notes.txt", b"a blind edit", 1, OnConflict::Fail).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(blind["file"]["id"], second.file.id.as_str());
}

#[tokio::test]
async fn copies_and_restored_versions_count_against_the_quota() {
    let server = TestServer::start_with(|config| config.quota_bytes = 1_000_000).await;
    let alice = server.user("alice").await;
    let (status, _) = post_whole_file(&alice, "/a.bin", random_bytes(300_000, 41)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = post_whole_file(&alice, "/a.bin", random_bytes(100_000, 42)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let a_id = body["file"]["id"].as_str().unwrap().to_string();
    // A copy fits while there is room for it, and counts like any file.
    alice.copy_entry(&a_id, "/copies/a.bin").await.unwrap();
    let (status, body) = post_whole_file(&alice, "/c.bin", random_bytes(650_000, 43)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let c_id = body["file"]["id"].as_str().unwrap().to_string();
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"].as_u64(), Some(850_000));

    // Restoring the 300,000-byte version in place of the 100,000-byte one needs
    // 200,000 more bytes; 150,000 are left.
    let refused = alice.restore_version(&a_id, 1).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(refused.body.error.code, "quota-exceeded");
    let refused = alice.copy_entry(&c_id, "/d.bin").await.unwrap_err();
    assert_eq!(refused.status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(refused.body.error.code, "quota-exceeded");

    // Neither changed anything.
    let me: serde_json::Value = alice.get("/api/v1/me").await.unwrap();
    assert_eq!(me["used_bytes"].as_u64(), Some(850_000));
    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    let names: Vec<&str> = root.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["copies", "a.bin", "c.bin"]);
    let versions: serde_json::Value = alice
        .get(&format!("/api/v1/files/{a_id}/versions"))
        .await
        .unwrap();
    assert_eq!(
        versions["versions"].as_array().map(Vec::len),
        Some(2),
        "{versions}"
    );
}
