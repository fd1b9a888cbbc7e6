//! The `cairn` process itself: killed in the middle of an upload and started again
//! on the same data, it resumes where the upload stopped.

use crate::support::{backend_env, chunk, random_bytes, test_blobs, test_database, Client};
use frontend::api::types::{LoginResponse, UploadStatus};
use reqwest::Method;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `cairn` process on a port it picks itself; killed on drop.
struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn start(data_dir: &std::path::Path, env: &[(String, String)]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .envs(env.iter().cloned())
            .env("CAIRN_BIND", "127.0.0.1:0")
            .env("CAIRN_DATA_DIR", data_dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // The server says where it listens once it accepts connections.
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("cairn exited before serving").unwrap();
            if let Some(at) = line.find("serving on http://") {
                let address = &line[at + "serving on ".len()..];
                break address
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches("\u{1b}[0m")
                    .to_string();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServerProcess { child, base }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
