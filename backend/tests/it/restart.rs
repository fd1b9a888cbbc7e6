//! The `cairn` process itself: killed in the middle of an upload and started again
//! on the same data, it resumes where the upload stopped.

use crate::process::ServerProcess;
use crate::support::{backend_env, chunk, random_bytes, test_blobs, test_database, Client};
use frontend::api::types::{LoginResponse, UploadStatus};
use reqwest::Method;

fn client(base: &str, token: Option<String>) -> Client {
    Client {
        base: base.to_string(),
        http: reqwest::Client::new(),
        token,
    }
}

#[tokio::test]
async fn an_upload_resumes_after_the_server_is_killed_and_restarted() {
    let data_dir = tempfile::tempdir().unwrap();
    // The same database and chunk store as the rest of the suite's run.
    let mut config = backend::config::Config::embedded(data_dir.path().to_path_buf());
    let _database = test_database(&mut config).await;
    test_blobs(&mut config);
    let env = backend_env(&config);
    let first = ServerProcess::start(data_dir.path(), &env);
    let login: LoginResponse = client(&first.base, None)
        .json(
            Method::POST,
            "/api/v1/auth/signup",
            &serde_json::json!({"username": "alice", "password": "correct horse"}),
        )
        .await
        .unwrap();
    let alice = client(&first.base, Some(login.token.clone()));
    let data = random_bytes(9 * 1024 * 1024, 14);
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    assert!(chunks.len() >= 4);
    let init = alice.init("/big.bin", &data, &chunks).await.unwrap();
    alice
        .put_packed(&init.upload_id, &data, &chunks, &[0, 1])
        .await
        .unwrap();
    first.kill();

    let second = ServerProcess::start(data_dir.path(), &env);
    let alice = client(&second.base, Some(login.token));
    let status: UploadStatus = alice
        .get(&format!("/api/v1/files/upload/{}", init.upload_id))
        .await
        .unwrap();
    assert_eq!(
        status.received,
        [0, 1],
        "what arrived before the kill is kept"
    );
    alice
        .put_packed(&init.upload_id, &data, &chunks, &status.missing)
        .await
        .unwrap();
    let done = alice.complete(&init.upload_id, &hash).await.unwrap();
    assert!(alice.download(&done.file.id).await.bytes().await.unwrap() == data);
}
