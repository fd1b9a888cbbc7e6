//! Live-sync benchmark against the real `cairn` binary (SQLite, temporary data
//! directory) on loopback: how long a committed change takes to reach the open change
//! streams (`GET /api/v1/notifications/stream`) of its user, and what each open
//! stream costs the server in memory, at 1, 1,000 and 10,000 open streams.
//!
//! One server serves the whole run. `USERS` users are signed up; the streams are
//! spread evenly over them (1,000 streams: 10 per user; 10,000: 100 per user), opened
//! by a minimal HTTP/1.1 client (one `TcpStream` each) and all answered with their
//! response headers before anything is measured. Then, one after another, the users
//! in turn create a folder (`POST /api/v1/folders`); after each commit the benchmark
//! waits until every stream of that user has received its `change` event before the
//! next commit. Per event it records:
//! - request sent → event received: the commit-to-event latency a client sees;
//! - response received → event received: the delay after the commit is acknowledged
//!   (an event that arrives before the response counts as 0, and is counted).
//!
//! Baselines measured in the same run: the same latencies with one open stream in all
//! (the fan-out's floor), and the commit's own HTTP round trip; for memory, the
//! server's resident memory (VmRSS) with no stream open.
//!
//! `BENCH_NOTIFY_COMMITS` (default 200) sets the commits per measurement,
//! `BENCH_NOTIFY_STREAMS` (default 10000) the largest number of open streams.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/it/process.rs"]
mod process;

use frontend::api::types::LoginResponse;
use futures::StreamExt;
use process::ServerProcess;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Users the streams are spread over; each commit wakes the streams of one of them.
const USERS: usize = 100;
/// How long any single step may take before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(60);
/// Streams being opened at once (the server's accept backlog is 1024).
const OPENING: usize = 64;
/// File descriptors kept aside for everything other than streams, per process.
const SPARE_FDS: u64 = 256;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Raises this process's soft limit on open files to its hard limit (the server,
/// started afterwards, inherits it); returns the limit now in force.
fn raise_open_files_limit() -> u64 {
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    rlimit::increase_nofile_limit(hard).unwrap()
}

async fn sign_up(http: &reqwest::Client, base: &str, username: &str) -> String {
    let response = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({"username": username, "password": "benchmark password"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "signup of {username}");
    let login: LoginResponse = response.json().await.unwrap();
    login.token
}

/// An event stream whose response headers arrived, ready to be read.
struct OpenStream {
    reader: BufReader<TcpStream>,
    chunked: bool,
}

/// Opens `/api/v1/notifications/stream` as `token` with a bare HTTP/1.1 request and
/// reads the response headers.
async fn open_stream(address: &str, token: &str) -> OpenStream {
    let mut socket = TcpStream::connect(address).await.unwrap();
    socket.set_nodelay(true).unwrap();
    let request = format!(
        "GET /api/v1/notifications/stream HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::with_capacity(2048, socket);
    let mut status = String::new();
    reader.read_line(&mut status).await.unwrap();
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "stream answered {status:?}"
    );
    let mut chunked = false;
    let mut event_stream = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        chunked |= line == "transfer-encoding: chunked";
        event_stream |= line.starts_with("content-type: text/event-stream");
    }
    assert!(event_stream, "the stream is not text/event-stream");
    OpenStream { reader, chunked }
}

/// The next piece of the response body (one HTTP chunk when chunked); `None` at its
/// end.
async fn next_piece(stream: &mut OpenStream) -> Option<Vec<u8>> {
    if stream.chunked {
        let mut size = String::new();
        if stream.reader.read_line(&mut size).await.ok()? == 0 {
            return None;
        }
        let size = size.trim_end().split(';').next()?;
        let size = usize::from_str_radix(size, 16).ok()?;
        let mut piece = vec![0; size + 2]; // the data and its CRLF
        stream.reader.read_exact(&mut piece).await.ok()?;
        piece.truncate(size);
        (size > 0).then_some(piece)
    } else {
        let mut piece = vec![0; 1024];
        let read = stream.reader.read(&mut piece).await.ok()?;
        piece.truncate(read);
        (read > 0).then_some(piece)
    }
}

/// A `change` event as one stream received it.
struct Arrival {
    at: Instant,
    data: String,
}

/// Reads `stream` until it ends, sending each `change` event with the moment its
/// bytes arrived.
async fn read_events(mut stream: OpenStream, arrivals: mpsc::UnboundedSender<Arrival>) {
    let mut buffer = String::new();
    while let Some(piece) = next_piece(&mut stream).await {
        let at = Instant::now();
        buffer.push_str(std::str::from_utf8(&piece).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut change = false;
            let mut data = String::new();
            for line in block.lines() {
                if line == "event: change" {
                    change = true;
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            if change && arrivals.send(Arrival { at, data }).is_err() {
                return;
            }
        }
    }
}

/// The benchmark's users: a token, how many streams each has open, and where those
/// streams report their events.
struct Users {
    tokens: Vec<String>,
    open: Vec<usize>,
    senders: Vec<mpsc::UnboundedSender<Arrival>>,
    receivers: Vec<mpsc::UnboundedReceiver<Arrival>>,
}

impl Users {
    /// Opens streams until user `u` has `per_user[u]` of them, `OPENING` at a time;
    /// returns when every new stream has its response headers.
    async fn open_streams(&mut self, address: &str, per_user: &[usize]) {
        let mut wanted = Vec::new();
        for (user, &target) in per_user.iter().enumerate() {
            for _ in self.open[user]..target {
                wanted.push(user);
            }
            self.open[user] = self.open[user].max(target);
        }
        let tokens = &self.tokens;
        let mut opening = futures::stream::iter(wanted.into_iter().map(|user| async move {
            let stream = tokio::time::timeout(PATIENCE, open_stream(address, &tokens[user]))
                .await
                .expect("a stream opens");
            (user, stream)
        }))
        .buffer_unordered(OPENING);
        while let Some((user, stream)) = opening.next().await {
            tokio::spawn(read_events(stream, self.senders[user].clone()));
        }
    }
}

/// The latencies of one measurement, in milliseconds.
#[derive(Default)]
struct Latencies {
    /// Commit request sent → response received.
    round_trip: Vec<f64>,
    /// Commit request sent → event received, per stream.
    sent_to_event: Vec<f64>,
    /// Commit response received → event received, per stream (0 when earlier).
    acked_to_event: Vec<f64>,
    /// Events that arrived before the commit's response.
    before_ack: usize,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `p`-th quantile (0..=1) of `values`, nearest rank.
fn quantile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `commits` folder creations, one after another, by the users in `writers` in turn;
/// after each, waits for the event on every open stream of its user.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    users: &mut Users,
    writers: &[usize],
    commits: usize,
    label: &str,
) -> Latencies {
    let mut result = Latencies::default();
    for k in 0..commits {
        let user = writers[k % writers.len()];
        let path = format!("/{label}-{k}");
        let sent = Instant::now();
        let response = http
            .post(format!("{base}/api/v1/folders"))
            .bearer_auth(&users.tokens[user])
            .json(&serde_json::json!({ "path": path }))
            .send()
            .await
            .unwrap();
        let acked = Instant::now();
        assert!(response.status().is_success(), "creating {path}");
        result.round_trip.push(millis(acked - sent));
        let receiver = &mut users.receivers[user];
        for _ in 0..users.open[user] {
            let arrival = tokio::time::timeout(PATIENCE, receiver.recv())
                .await
                .expect("every stream of the user receives the change")
                .expect("the streams stay open");
            assert!(
                arrival.data.contains(&format!("\"{path}\"")),
                "the event is the commit's: {}",
                arrival.data
            );
            result.sent_to_event.push(millis(arrival.at - sent));
            if arrival.at < acked {
                result.before_ack += 1;
            }
            result
                .acked_to_event
                .push(millis(arrival.at.saturating_duration_since(acked)));
        }
        // Read the response body only now, so the events are not held up by it.
        response.bytes().await.unwrap();
    }
    result
}

/// The server's resident memory once it has settled, in KiB.
async fn settled_rss_kib(server: &ServerProcess) -> f64 {
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.rss_kib()
}

#[tokio::main]
async fn main() {
    let commits = env_number("BENCH_NOTIFY_COMMITS", 200).max(1);
    let largest = env_number("BENCH_NOTIFY_STREAMS", 10_000);
    let limit = raise_open_files_limit();
    // Each stream holds one socket in this process and one in the server.
    let fits = usize::try_from(limit.saturating_sub(SPARE_FDS)).unwrap_or(usize::MAX);
    let mut largest = largest / USERS * USERS;
    if largest > fits {
        let most = fits / USERS * USERS;
        println!(
            "  NOTE: the open-files limit is {limit}: {largest} streams do not fit, measuring {most} \
             (raise the hard limit, `ulimit -Hn`, to measure more)"
        );
        largest = most;
    }
    let mut scales: Vec<usize> = [1_000, largest]
        .into_iter()
        .filter(|&n| n >= USERS && n <= largest)
        .collect();
    scales.dedup();

    let data_dir = tempfile::tempdir().unwrap();
    // Every user signs up from this one address.
    let server = ServerProcess::start(
        data_dir.path(),
        &[("CAIRN_SIGNUPS_PER_HOUR".into(), "0".into())],
    );
    let base = server.base.clone();
    let address = base.trim_start_matches("http://").to_string();
    let http = reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .unwrap();
    println!(
        "notification benchmark, SQLite, on loopback: {USERS} users, {commits} commits per \
         measurement, open-files limit {limit}"
    );

    let mut tokens = Vec::new();
    for user in 0..USERS {
        tokens.push(sign_up(&http, &base, &format!("user{user}")).await);
    }
    let (senders, receivers) = (0..USERS).map(|_| mpsc::unbounded_channel()).unzip();
    let mut users = Users {
        tokens,
        open: vec![0; USERS],
        senders,
        receivers,
    };
    let all: Vec<usize> = (0..USERS).collect();
    // Warm-up without streams: every user commits once, so the baseline memory holds
    // what any commit leaves behind.
    measure(&http, &base, &mut users, &all, USERS, "warmup").await;
    let rss_none = settled_rss_kib(&server).await;

    // The floor: one stream in all, its user committing.
    let mut one = vec![0; USERS];
    one[0] = 1;
    users.open_streams(&address, &one).await;
    let floor = measure(&http, &base, &mut users, &[0], commits, "one").await;

    let mut rows = vec![(1, floor, None)];
    for &n in &scales {
        let per_user = vec![n / USERS; USERS];
        let opening = Instant::now();
        users.open_streams(&address, &per_user).await;
        let opened = opening.elapsed();
        let rss_idle = settled_rss_kib(&server).await;
        let latencies = measure(&http, &base, &mut users, &all, commits, &format!("s{n}")).await;
        let rss_used = settled_rss_kib(&server).await;
        println!(
            "  {n} streams open (in {:.1} s); server RSS {:.1} MiB idle, {:.1} MiB after the \
             commits",
            opened.as_secs_f64(),
            rss_idle / 1024.0,
            rss_used / 1024.0
        );
        rows.push((n, latencies, Some((rss_idle, rss_used))));
    }
    let floor_sent = quantile(&rows[0].1.sent_to_event, 0.99);
    let floor_sent_p50 = quantile(&rows[0].1.sent_to_event, 0.5);
    println!("  latency, ms (p50 / p99 / max); every stream of the committing user:");
    println!(
        "  {:>7}  {:>24}  {:>24}  {:>24}  {:>16}",
        "streams",
        "commit round trip",
        "request sent -> event",
        "response -> event",
        "p50/p99 vs 1"
    );
    for (n, l, _) in &rows {
        println!(
            "  {n:>7}  {:>7.2} {:>7.2} {:>8.2}  {:>7.2} {:>7.2} {:>8.2}  {:>7.2} {:>7.2} {:>8.2}  \
             {:>7.2}x {:>6.2}x   ({} of {} events before the response)",
            quantile(&l.round_trip, 0.5),
            quantile(&l.round_trip, 0.99),
            quantile(&l.round_trip, 1.0),
            quantile(&l.sent_to_event, 0.5),
            quantile(&l.sent_to_event, 0.99),
            quantile(&l.sent_to_event, 1.0),
            quantile(&l.acked_to_event, 0.5),
            quantile(&l.acked_to_event, 0.99),
            quantile(&l.acked_to_event, 1.0),
            quantile(&l.sent_to_event, 0.5) / floor_sent_p50,
            quantile(&l.sent_to_event, 0.99) / floor_sent,
            l.before_ack,
            l.sent_to_event.len(),
        );
    }
    println!(
        "  server RSS with no stream open: {:.1} MiB (baseline); peak over the run {:.1} MiB",
        rss_none / 1024.0,
        server.peak_rss_mib()
    );
    for (n, l, rss) in &rows {
        let Some((idle, used)) = rss else { continue };
        println!(
            "  {n:>6} streams: {:6.1} KiB per stream idle, {:6.1} KiB after events \
             (target < 64); request sent -> event p99 {:.1} ms{}",
            (idle - rss_none) / *n as f64,
            (used - rss_none) / *n as f64,
            quantile(&l.sent_to_event, 0.99),
            if *n >= 10_000 { " (target < 250)" } else { "" },
        );
    }

    println!("BENCH notify_users={USERS}");
    println!("BENCH notify_commits={commits}");
    println!("BENCH notify_rss_no_streams_kib={rss_none:.0}");
    for (n, l, rss) in &rows {
        for (name, values) in [
            ("round_trip", &l.round_trip),
            ("sent_to_event", &l.sent_to_event),
            ("acked_to_event", &l.acked_to_event),
        ] {
            for (q, p) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
                println!("BENCH notify_{n}_{name}_{q}_ms={:.2}", quantile(values, p));
            }
        }
        println!(
            "BENCH notify_{n}_sent_to_event_p99_vs_1={:.2}",
            quantile(&l.sent_to_event, 0.99) / floor_sent
        );
        if let Some((idle, used)) = rss {
            println!("BENCH notify_{n}_rss_kib={used:.0}");
            println!(
                "BENCH notify_{n}_kib_per_stream_idle={:.1}",
                (idle - rss_none) / *n as f64
            );
            println!(
                "BENCH notify_{n}_kib_per_stream={:.1}",
                (used - rss_none) / *n as f64
            );
        }
    }
    server.kill();
}
