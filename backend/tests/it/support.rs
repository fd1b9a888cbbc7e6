//! `TestServer`: a Cairn server on `127.0.0.1:0` with its own data directory, and a
//! typed client for the API.

use backend::config::Config;
use frontend::api::types::{
    ChunkAnnouncement, ChunksStored, ErrorBody, FileMeta, LoginResponse, ServerConfig,
    UploadCommitted, UploadComplete, UploadInit, UploadInitResponse,
};
use reqwest::{Method, StatusCode};
use serde::{de::DeserializeOwned, Serialize};
use wasm_chunker::{chunk_all, ChunkParams, ChunkRef};

/// A running server; stops and removes its data when dropped.
pub struct TestServer {
    pub base: String,
    /// The use cases behind the server, for what only time would otherwise trigger.
    pub core: std::sync::Arc<backend::core::Core>,
    task: tokio::task::JoinHandle<()>,
    _data: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

/// A PostgreSQL database made for one test server and dropped after it.
pub struct TestDatabase {
    admin_url: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block: use a thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The metadata database the suite runs on: `CAIRN_TEST_DATABASE=postgres` for
/// PostgreSQL at `CAIRN_TEST_POSTGRES_URL` (default the local server), SQLite otherwise.
pub async fn test_database(config: &mut Config) -> Option<TestDatabase> {
    if std::env::var("CAIRN_TEST_DATABASE").as_deref() != Ok("postgres") {
        return None;
    }
    Some(postgres_database(config).await)
}

/// A fresh PostgreSQL database at `CAIRN_TEST_POSTGRES_URL` (default the local
/// server) for `config`, whatever database the suite runs on.
pub async fn postgres_database(config: &mut Config) -> TestDatabase {
    use sea_orm::ConnectionTrait;
    let server = std::env::var("CAIRN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let admin_url = format!("{server}/postgres");
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {server} does not answer: {e}"));
    let name = format!("cairn_test_{}", hex::encode(rand::random::<[u8; 6]>()));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    config.metadata = backend::config::MetadataBackend::Postgres(format!("{server}/{name}"));
    TestDatabase { admin_url, name }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_wrapping_blobs(adjust, |blobs| blobs).await
    }

    /// A server whose configuration `adjust` changes first and whose chunk store
    /// `wrap` wraps.
    pub async fn start_wrapping_blobs(
        adjust: impl FnOnce(&mut Config),
        wrap: impl FnOnce(
            std::sync::Arc<dyn backend::ports::BlobStore>,
        ) -> std::sync::Arc<dyn backend::ports::BlobStore>,
    ) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        let mut config = Config::embedded(data.path().to_path_buf());
        let database = test_database(&mut config).await;
        test_blobs(&mut config);
        adjust(&mut config);
        // Bind before serving, so the first request never races the start-up.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.bind = listener.local_addr().unwrap();
        let app = backend::app::build_wrapping_blobs(&config, wrap)
            .await
            .unwrap();
        let core = app.core.clone();
        let task = tokio::spawn(async move {
            // With each connection's peer address, as `cairn` serves: password
            // guesses and sign-ups are counted per client address.
            backend::app::serve_until(listener, app, std::future::pending())
                .await
                .unwrap();
        });
        TestServer {
            base: format!("http://{}", config.bind),
            core,
            task,
            _data: data,
            _database: database,
        }
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// A client holding `token`.
    pub fn user_with_token(&self, token: String) -> Client {
        Client {
            token: Some(token),
            ..self.anonymous()
        }
    }

    /// Signs up a new user and returns a client holding their bearer token.
    pub async fn user(&self, username: &str) -> Client {
        let mut client = self.anonymous();
        let login: LoginResponse = client
            .json(
                Method::POST,
                "/api/v1/auth/signup",
                &serde_json::json!({"username": username, "password": "correct horse"}),
            )
            .await
            .expect("sign-up succeeds");
        client.token = Some(login.token);
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

/// A failed call: the status and the API's error body.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl Client {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, Failure> {
        let status = response.status();
        let text = response.text().await.unwrap();
        if status.is_success() {
            Ok(serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("undecodable answer {text:?}: {e}")))
        } else {
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("error {status} not in the API's shape: {text:?}: {e}"));
            Err(Failure { status, body })
        }
    }

    pub async fn json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        Self::decode(self.request(method, path).json(body).send().await.unwrap()).await
    }

    /// Sends `bytes` whole to `path` (`POST /api/v1/files`, a multipart form).
    pub async fn post_file(&self, path: &str, bytes: Vec<u8>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("path", path.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("f"),
            );
        self.request(Method::POST, "/api/v1/files")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        Self::decode(self.request(Method::GET, path).send().await.unwrap()).await
    }

    pub async fn config(&self) -> ServerConfig {
        self.get("/api/v1/config").await.unwrap()
    }

    pub async fn init(
        &self,
        path: &str,
        data: &[u8],
        chunks: &[ChunkRef],
    ) -> Result<UploadInitResponse, Failure> {
        let init = UploadInit {
            path: path.into(),
            size: data.len() as u64,
            parent_rev: None,
            file_id: None,
            device: None,
            chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
        };
        self.json(Method::POST, "/api/v1/files/upload/init", &init)
            .await
    }

    /// Sends chunks `indexes` of `data` packed into one PUT.
    pub async fn put_packed(
        &self,
        upload_id: &str,
        data: &[u8],
        chunks: &[ChunkRef],
        indexes: &[u64],
    ) -> Result<ChunksStored, Failure> {
        let mut body = Vec::new();
        for &index in indexes {
            let chunk = chunks[index as usize];
            body.extend_from_slice(&data[chunk.offset as usize..][..chunk.len as usize]);
        }
        let list: Vec<String> = indexes.iter().map(u64::to_string).collect();
        let path = format!(
            "/api/v1/files/upload/{upload_id}/chunks?indexes={}",
            list.join(",")
        );
        Self::decode(
            self.request(Method::PUT, &path)
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn complete(
        &self,
        upload_id: &str,
        content_hash: &str,
    ) -> Result<UploadCommitted, Failure> {
        self.json(
            Method::POST,
            &format!("/api/v1/files/upload/{upload_id}/complete"),
            &UploadComplete {
                content_hash: content_hash.into(),
                on_conflict: Default::default(),
            },
        )
        .await
    }

    /// The whole protocol for one file: chunk, init, send what is needed, complete.
    /// Returns the committed file and the number of chunk bytes sent.
    pub async fn upload(&self, path: &str, data: &[u8]) -> (UploadCommitted, u64) {
        let params = self.config().await.chunking;
        let (chunks, hash) = chunk(params, data);
        let init = self.init(path, data, &chunks).await.unwrap();
        let mut sent = 0;
        for pack in init.chunks_needed.chunks(4) {
            let stored = self
                .put_packed(&init.upload_id, data, &chunks, pack)
                .await
                .unwrap();
            assert_eq!(stored.stored, pack);
            sent += pack
                .iter()
                .map(|&i| u64::from(chunks[i as usize].len))
                .sum::<u64>();
        }
        (self.complete(&init.upload_id, &hash).await.unwrap(), sent)
    }

    /// Moves or renames an entry to `to`.
    pub async fn move_entry(&self, id: &str, to: &str) -> Result<FileMeta, Failure> {
        self.entry_to(id, "move", to).await
    }

    /// Copies an entry to `to`.
    pub async fn copy_entry(&self, id: &str, to: &str) -> Result<FileMeta, Failure> {
        self.entry_to(id, "copy", to).await
    }

    /// `POST /api/v1/files/{id}/{action}` with the path `to`: a move or a copy.
    async fn entry_to(&self, id: &str, action: &str, to: &str) -> Result<FileMeta, Failure> {
        self.json(
            Method::POST,
            &format!("/api/v1/files/{id}/{action}"),
            &serde_json::json!({ "path": to }),
        )
        .await
    }

    /// Makes revision `rev` of file `id` current again.
    pub async fn restore_version(&self, id: &str, rev: u64) -> Result<FileMeta, Failure> {
        self.json(
            Method::POST,
            &format!("/api/v1/files/{id}/versions/{rev}/restore"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn download(&self, file_id: &str) -> reqwest::Response {
        self.request(Method::GET, &format!("/api/v1/files/{file_id}/content"))
            .send()
            .await
            .unwrap()
    }
}

pub fn chunk(params: ChunkParams, data: &[u8]) -> (Vec<ChunkRef>, String) {
    let (chunks, hash) = chunk_all(params, data).unwrap();
    (chunks, hex::encode(hash))
}

/// Deterministic pseudo-random bytes.
pub fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 32) as u8
        })
        .collect()
}

/// Whether the server's chunk store holds each of `ids`.
pub async fn chunks_stored(server: &TestServer, ids: &[wasm_chunker::ChunkId]) -> Vec<bool> {
    let mut res = Vec::with_capacity(ids.len());
    for id in ids {
        res.push(server.core.chunk_stored(id).await.unwrap());
    }
    res
}

/// The chunk store the suite runs on: `CAIRN_TEST_BLOBS=s3` for the S3 server given
/// by `CAIRN_TEST_S3_ENDPOINT`, `_REGION`, `_BUCKET`, `_ACCESS_KEY_ID` and
/// `_SECRET_ACCESS_KEY` (each server under a key prefix of its own), disk otherwise.
pub fn test_blobs(config: &mut Config) {
    if std::env::var("CAIRN_TEST_BLOBS").as_deref() != Ok("s3") {
        return;
    }
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("CAIRN_TEST_BLOBS=s3 needs {name}"))
    };
    config.blobs = backend::config::BlobBackend::S3(backend::adapters::blob_s3::S3Settings {
        endpoint: var("CAIRN_TEST_S3_ENDPOINT"),
        region: var("CAIRN_TEST_S3_REGION"),
        bucket: var("CAIRN_TEST_S3_BUCKET"),
        prefix: format!("test-{}/", hex::encode(rand::random::<[u8; 6]>())),
        access_key_id: var("CAIRN_TEST_S3_ACCESS_KEY_ID"),
        secret_access_key: var("CAIRN_TEST_S3_SECRET_ACCESS_KEY"),
    });
}

/// The environment that makes a `cairn` process use `config`'s database and chunk
/// store.
pub fn backend_env(config: &Config) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let backend::config::MetadataBackend::Postgres(url) = &config.metadata {
        env.push(("DATABASE_URL".to_string(), url.clone()));
    }
    if let backend::config::BlobBackend::S3(s3) = &config.blobs {
        for (key, value) in [
            ("CAIRN_S3_ENDPOINT", &s3.endpoint),
            ("CAIRN_S3_REGION", &s3.region),
            ("CAIRN_S3_BUCKET", &s3.bucket),
            ("CAIRN_S3_PREFIX", &s3.prefix),
            ("CAIRN_S3_ACCESS_KEY_ID", &s3.access_key_id),
            ("CAIRN_S3_SECRET_ACCESS_KEY", &s3.secret_access_key),
        ] {
            env.push((key.to_string(), value.clone()));
        }
    }
    env
}

/// A `cairn` process on the suite's database and chunk store, and a signed-up user.
pub async fn process_with_user(
    data_dir: &std::path::Path,
) -> (crate::process::ServerProcess, Client, Option<TestDatabase>) {
    process_with_user_and(data_dir, &[]).await
}

/// [`process_with_user`] with more variables in the process's environment.
pub async fn process_with_user_and(
    data_dir: &std::path::Path,
    extra_env: &[(&str, &str)],
) -> (crate::process::ServerProcess, Client, Option<TestDatabase>) {
    let mut config = backend::config::Config::embedded(data_dir.to_path_buf());
    let database = test_database(&mut config).await;
    test_blobs(&mut config);
    let mut env = backend_env(&config);
    env.extend(
        extra_env
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string())),
    );
    let server = crate::process::ServerProcess::start(data_dir, &env);
    let mut client = Client {
        base: server.base.clone(),
        http: reqwest::Client::new(),
        token: None,
    };
    let login: LoginResponse = client
        .json(
            Method::POST,
            "/api/v1/auth/signup",
            &serde_json::json!({"username": "alice", "password": "correct horse"}),
        )
        .await
        .unwrap();
    client.token = Some(login.token);
    (server, client, database)
}
