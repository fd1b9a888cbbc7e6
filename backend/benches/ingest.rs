//! Server benchmarks against the real `cairn` binary on loopback, each printed with a
//! baseline measured in the same run:
//! - ingest of a large upload as packed ~16 MiB requests, 4 in flight, against `curl`
//!   sending the same bytes to the server's discard endpoint;
//! - the same upload as one request per chunk (reported);
//! - both again with the chunk store in memory (tmpfs): the server's own cost;
//! - SHA-256 over the same bytes on one core, the re-hash no upload can skip;
//! - the server's peak resident memory (VmHWM) over all of it;
//! - (diagnosis) the CPU time per MB of the server and of the client (this process,
//!   or curl) during the packed upload to tmpfs and a curl PUT to the same server,
//!   and how many of the machine's cores they kept busy;
//! - the disk's ceiling for that ingest: the same bytes written durably as 1 MiB
//!   files, as the chunk store writes them;
//! - small-file commits per second on SQLite and on PostgreSQL, against a bare
//!   INSERT loop on the same database (measured first, before the uploads fill the
//!   disk's write-back), and (diagnosis) requests that do nothing, one at a time:
//!   the part of a commit that is HTTP alone.
//!
//! `BENCH_INGEST_MIB` (default 2048) sets the upload size, `BENCH_COMMITS` (default
//! 1000) the number of small files, `BENCH_POSTGRES_URL` the PostgreSQL server.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/it/process.rs"]
mod process;

use bytes::Bytes;
use frontend::api::types::{
    ChunkAnnouncement, LoginResponse, UploadComplete, UploadInit, UploadInitResponse,
};
use futures::StreamExt;
use process::ServerProcess;
use sea_orm::{ConnectionTrait, Database};
use std::future::Future;
use std::time::Instant;
use wasm_chunker::{chunk_all, ChunkParams, ChunkRef};

const MIB: usize = 1024 * 1024;

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0xD134_2543_DE82_EF95);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn sign_up(http: &reqwest::Client, base: &str, username: &str) -> String {
    let login: LoginResponse = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({"username": username, "password": "benchmark password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login.token
}

/// A file to upload, already cut into chunks.
struct Prepared {
    data: Bytes,
    chunks: Vec<ChunkRef>,
    content_hash: String,
}

/// Uploads `file` with requests of about `pack_bytes`, `in_flight` at once; returns
/// MB/s from init to complete.
async fn ingest(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    file: &Prepared,
    pack_bytes: u64,
    in_flight: usize,
) -> f64 {
    let Prepared {
        data,
        chunks,
        content_hash,
    } = file;
    let started = Instant::now();
    let init: UploadInitResponse = http
        .post(format!("{base}/api/v1/files/upload/init"))
        .bearer_auth(token)
        .json(&UploadInit {
            path: format!("/bench-{}.bin", started.elapsed().as_nanos()),
            size: data.len() as u64,
            parent_rev: None,
            file_id: None,
            device: None,
            chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        init.chunks_needed.len(),
        chunks.len(),
        "a fresh user sends every chunk"
    );
    let mut packs: Vec<Vec<u64>> = Vec::new();
    let mut size = 0;
    for &index in &init.chunks_needed {
        let len = u64::from(chunks[index as usize].len);
        if packs.is_empty() || size + len > pack_bytes {
            packs.push(Vec::new());
            size = 0;
        }
        if let Some(pack) = packs.last_mut() {
            pack.push(index);
        }
        size += len;
    }
    let mut sends = futures::stream::iter(packs.into_iter().map(|pack| {
        let first = chunks[pack[0] as usize];
        let last = chunks[pack[pack.len() - 1] as usize];
        // Needed chunks of a fresh upload are consecutive: one slice per pack.
        let body = data.slice(first.offset as usize..(last.offset + u64::from(last.len)) as usize);
        let list: Vec<String> = pack.iter().map(u64::to_string).collect();
        let url = format!(
            "{base}/api/v1/files/upload/{}/chunks?indexes={}",
            init.upload_id,
            list.join(",")
        );
        async move {
            let response = http
                .put(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{}",
                response.text().await.unwrap()
            );
        }
    }))
    .buffer_unordered(in_flight);
    while sends.next().await.is_some() {}
    let response = http
        .post(format!(
            "{base}/api/v1/files/upload/{}/complete",
            init.upload_id
        ))
        .bearer_auth(token)
        .json(&UploadComplete {
            content_hash: content_hash.to_string(),
            on_conflict: Default::default(),
        })
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    data.len() as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// The disk's ceiling for what ingest must do: write `data` durably as 1 MiB files
/// (temporary file, fsync, rename, fsync directory) in `dir`, two writers at once;
/// MB/s.
fn durable_disk_writes(dir: &std::path::Path, data: &Bytes) -> f64 {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap();
    let started = Instant::now();
    let pieces: Vec<(usize, &[u8])> = data.chunks(MIB).enumerate().collect();
    std::thread::scope(|scope| {
        for half in pieces.chunks(pieces.len().div_ceil(2)) {
            scope.spawn(move || {
                for (i, piece) in half {
                    let tmp = dir.join(format!("{i}.tmp"));
                    let mut file = std::fs::File::create(&tmp).unwrap();
                    file.write_all(piece).unwrap();
                    file.sync_all().unwrap();
                    std::fs::rename(&tmp, dir.join(i.to_string())).unwrap();
                    std::fs::File::open(dir).unwrap().sync_all().unwrap();
                }
            });
        }
    });
    let rate = data.len() as f64 / 1e6 / started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(dir).unwrap();
    rate
}

/// SHA-256 over `data` on one core, as the server re-hashes every chunk; MB/s.
fn sha256_one_core(data: &Bytes) -> f64 {
    use sha2::Digest;
    let started = Instant::now();
    for piece in data.chunks(MIB) {
        std::hint::black_box(sha2::Sha256::digest(piece));
    }
    data.len() as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// CPU seconds used so far, from `/proc/<pid>/stat`: the process's own (user and
/// system), and that of its children it has waited for.
fn cpu_seconds(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, from field 3 (state) on.
    let fields: Vec<f64> = stat[stat.rfind(')').unwrap() + 2..]
        .split(' ')
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime, stime, cutime, cstime are fields 14 to 17, in clock ticks of 1/100 s.
    let ticks = |i: usize| fields[i - 3] / 100.0;
    (ticks(14) + ticks(15), ticks(16) + ticks(17))
}

/// Where the cores went while `work` ran: CPU seconds of the server, of this process
/// (the client) and of the children it waited for (curl).
struct CpuUse {
    server: f64,
    client: f64,
    children: f64,
    seconds: f64,
}

impl CpuUse {
    async fn measure<T>(server: &ServerProcess, work: impl Future<Output = T>) -> (T, CpuUse) {
        let pid = server.child.id().to_string();
        let (server_before, _) = cpu_seconds(&pid);
        let (client_before, children_before) = cpu_seconds("self");
        let started = Instant::now();
        let value = work.await;
        let seconds = started.elapsed().as_secs_f64();
        let (server_after, _) = cpu_seconds(&pid);
        let (client_after, children_after) = cpu_seconds("self");
        let used = CpuUse {
            server: server_after - server_before,
            client: client_after - client_before,
            children: children_after - children_before,
            seconds,
        };
        (value, used)
    }

    /// CPU ms per MB of `bytes` for each side, and the cores kept busy on average.
    fn describe(&self, bytes: usize) -> String {
        let per_mb = |s: f64| s * 1000.0 / (bytes as f64 / 1e6);
        let total = self.server + self.client + self.children;
        format!(
            "CPU per MB: server {:.2} ms, client {:.2} ms; {:.2} of the 2 cores busy",
            per_mb(self.server),
            per_mb(self.client + self.children),
            total / self.seconds
        )
    }
}

/// Waits until the kernel has written every dirty page, so one measurement does not
/// pay for the previous one's writes.
fn flush_disk() {
    let status = std::process::Command::new("sync").status().unwrap();
    assert!(status.success(), "sync failed");
}

/// Small-file commits per second on the server at `base`, and bare INSERTs per
/// second on its database at `db_url`, measured before and after the commits (the
/// better of the two counts).
async fn commit_rates(http: &reqwest::Client, base: &str, db_url: &str, n: usize) -> (f64, f64) {
    let token = sign_up(http, base, "commits").await;
    let before = inserts_per_second(db_url, n).await;
    let commits = commits_per_second(http, base, &token, n).await;
    let after = inserts_per_second(db_url, n).await;
    (commits, before.max(after))
}

/// Requests per second that do no work on the server (`GET /api/v1/config`), one at
/// a time: what HTTP alone costs a commit.
async fn empty_requests_per_second(http: &reqwest::Client, base: &str, n: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        let response = http
            .get(format!("{base}/api/v1/config"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Small-file commits per second through `POST /api/v1/files`, one at a time.
async fn commits_per_second(http: &reqwest::Client, base: &str, token: &str, n: usize) -> f64 {
    let started = Instant::now();
    for i in 0..n {
        let form = reqwest::multipart::Form::new()
            .text("path", format!("/small/{i}.txt"))
            .part(
                "file",
                reqwest::multipart::Part::bytes(format!("small file {i}").into_bytes())
                    .file_name("f.txt"),
            );
        let response = http
            .post(format!("{base}/api/v1/files"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Single-row INSERTs per second, each its own transaction, on `url`.
async fn inserts_per_second(url: &str, n: usize) -> f64 {
    let db = Database::connect(url).await.unwrap();
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS bench_inserts (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
    )
    .await
    .unwrap();
    db.execute_unprepared("DELETE FROM bench_inserts")
        .await
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        db.execute_unprepared(&format!(
            "INSERT INTO bench_inserts (id, name) VALUES ({i}, 'small file {i}')"
        ))
        .await
        .unwrap();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    db.execute_unprepared("DROP TABLE bench_inserts")
        .await
        .unwrap();
    rate
}

#[tokio::main]
async fn main() {
    let size = env_number("BENCH_INGEST_MIB", 2048) * MIB;
    let commits = env_number("BENCH_COMMITS", 1000);
    let postgres = std::env::var("BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let http = reqwest::Client::new();
    println!("server benchmarks, {} MiB upload, on loopback:", size / MIB);

    // Small-file commits first, on a disk with nothing left to write back.
    flush_disk();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite_server = ServerProcess::start(sqlite_dir.path(), &[]);
    let sqlite_url = format!(
        "sqlite://{}?mode=rwc",
        sqlite_dir.path().join("cairn.db").display()
    );
    let (sqlite_commits, sqlite_inserts) =
        commit_rates(&http, &sqlite_server.base, &sqlite_url, commits).await;
    let empty_requests = empty_requests_per_second(&http, &sqlite_server.base, commits).await;
    sqlite_server.kill();

    let admin = Database::connect(format!("{postgres}/postgres"))
        .await
        .unwrap();
    let name = format!("cairn_bench_{}", std::process::id());
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let pg_url = format!("{postgres}/{name}");
    let pg_dir = tempfile::tempdir().unwrap();
    let pg_server = ServerProcess::start(pg_dir.path(), &[("DATABASE_URL".into(), pg_url.clone())]);
    let (pg_commits, pg_inserts) = commit_rates(&http, &pg_server.base, &pg_url, commits).await;
    pg_server.kill();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();

    flush_disk();
    let data_dir = tempfile::tempdir().unwrap();
    let bench_env = [("CAIRN_BENCH_ENDPOINTS".to_string(), "1".to_string())];
    let server = ServerProcess::start(data_dir.path(), &bench_env);
    let base = server.base.clone();
    let prepare = |seed: u64| {
        let data = Bytes::from(random_bytes(size, seed));
        let (chunks, hash) = chunk_all(ChunkParams::default(), &data).unwrap();
        Prepared {
            data,
            chunks,
            content_hash: hex::encode(hash),
        }
    };
    // Two contents, so that no upload finds its chunks already stored.
    let first = prepare(1);
    let second = prepare(2);
    let file = data_dir.path().join("upload.bin");
    std::fs::write(&file, &first.data).unwrap();

    let curl_token = sign_up(&http, &base, "curl").await;
    let curl_put = |base: &str, token: &str| {
        let started = Instant::now();
        let status = std::process::Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "--fail", "-T"])
            .arg(&file)
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["-H", "Content-Type: application/octet-stream"])
            .arg(format!("{base}/api/v1/bench/discard"))
            .status()
            .unwrap();
        assert!(status.success(), "curl failed");
        size as f64 / 1e6 / started.elapsed().as_secs_f64()
    };
    // The baseline is measured before and after the uploads; the better run counts.
    let curl_before = curl_put(&base, &curl_token);

    let packed_token = sign_up(&http, &base, "packed").await;
    let packed = ingest(&http, &base, &packed_token, &first, 16 * MIB as u64, 4).await;
    let single_token = sign_up(&http, &base, "single").await;
    let single = ingest(&http, &base, &single_token, &second, 1, 4).await;
    let rss = server.peak_rss_mib();
    let curl = curl_before.max(curl_put(&base, &curl_token));
    server.kill();
    flush_disk();
    let disk = durable_disk_writes(&data_dir.path().join("disk-ceiling"), &first.data);
    let hashing = sha256_one_core(&first.data);

    // The same uploads to a server whose chunk store is in memory (tmpfs): what the
    // server itself costs, without the disk's limit.
    let memory_dir = tempfile::tempdir_in("/dev/shm").unwrap();
    let memory_server = ServerProcess::start(memory_dir.path(), &bench_env);
    let memory_base = memory_server.base.clone();
    let token = sign_up(&http, &memory_base, "packed").await;
    let (memory_packed, memory_packed_cpu) = CpuUse::measure(
        &memory_server,
        ingest(&http, &memory_base, &token, &first, 16 * MIB as u64, 4),
    )
    .await;
    let token = sign_up(&http, &memory_base, "curl").await;
    let (_, curl_cpu) =
        CpuUse::measure(&memory_server, async { curl_put(&memory_base, &token) }).await;
    let token = sign_up(&http, &memory_base, "single").await;
    let memory_single = ingest(&http, &memory_base, &token, &second, 1, 4).await;
    let rss = rss.max(memory_server.peak_rss_mib());
    memory_server.kill();
    drop(memory_dir);

    println!("  curl PUT to the discard endpoint          {curl:7.0} MB/s   (baseline)");
    println!("  chunks on disk:");
    println!(
        "    upload, packed 16 MiB requests, 4 at once {packed:7.0} MB/s   {:.2}x curl (target >= 0.7)",
        packed / curl
    );
    println!(
        "    upload, one request per chunk, 4 at once  {single:7.0} MB/s   {:.2}x curl",
        single / curl
    );
    println!(
        "    durable 1 MiB file writes, same disk      {disk:7.0} MB/s   (the disk's ceiling; packed upload {:.2}x of it)",
        packed / disk
    );
    println!("  chunks in memory (tmpfs), the server's own cost:");
    println!(
        "    upload, packed 16 MiB requests, 4 at once {memory_packed:7.0} MB/s   {:.2}x curl (target >= 0.7)",
        memory_packed / curl
    );
    println!(
        "    upload, one request per chunk, 4 at once  {memory_single:7.0} MB/s   {:.2}x curl",
        memory_single / curl
    );
    println!(
        "  SHA-256 of the same bytes, one core         {hashing:7.0} MB/s   (the re-hash every upload needs; packed tmpfs upload {:.2}x of it)",
        memory_packed / hashing
    );
    println!("  server peak RSS over all uploads          {rss:7.0} MiB    (target < 200)");
    println!(
        "  (diagnosis) packed tmpfs upload: {}",
        memory_packed_cpu.describe(size)
    );
    println!(
        "  (diagnosis) curl to the discard endpoint: {}",
        curl_cpu.describe(size)
    );

    println!(
        "  small-file commits, SQLite       {sqlite_commits:7.0}/s   bare INSERTs {sqlite_inserts:7.0}/s   {:.2}x (target >= 0.3)",
        sqlite_commits / sqlite_inserts
    );
    println!(
        "  small-file commits, PostgreSQL   {pg_commits:7.0}/s   bare INSERTs {pg_inserts:7.0}/s   {:.2}x (target >= 0.3)",
        pg_commits / pg_inserts
    );
    println!(
        "  (diagnosis) requests that do nothing      {empty_requests:7.0}/s   (HTTP alone: {:.3} ms of each SQLite commit's {:.3} ms)",
        1000.0 / empty_requests,
        1000.0 / sqlite_commits
    );
    println!("BENCH curl_discard_mbps={curl:.1}");
    println!("BENCH ingest_packed_mbps={packed:.1}");
    println!("BENCH ingest_single_mbps={single:.1}");
    println!("BENCH ingest_packed_tmpfs_mbps={memory_packed:.1}");
    println!("BENCH ingest_single_tmpfs_mbps={memory_single:.1}");
    println!("BENCH durable_disk_write_mbps={disk:.1}");
    println!("BENCH sha256_one_core_mbps={hashing:.1}");
    println!("BENCH server_peak_rss_mib={rss:.1}");
    println!("BENCH sqlite_commits_per_s={sqlite_commits:.1}");
    println!("BENCH sqlite_inserts_per_s={sqlite_inserts:.1}");
    println!("BENCH postgres_commits_per_s={pg_commits:.1}");
    println!("BENCH postgres_inserts_per_s={pg_inserts:.1}");
}
