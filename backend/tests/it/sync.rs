//! Live sync over real HTTP: the server-sent event stream (`/notifications/stream`),
//! its resumption with `Last-Event-ID`, the long-poll, delta paging over a large
//! journal, and two `cairn` processes sharing PostgreSQL and Redis.

use crate::process::ServerProcess;
use crate::support::{backend_env, postgres_database, process_with_user_and, Client, TestServer};
use bytes::Bytes;
use frontend::api::types::{
    Delta, DeltaEntry, FileMeta, LoginResponse, LongPoll, Resync, UploadCommitted,
};
use futures::stream::{BoxStream, StreamExt};
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

/// How long a test waits for something that should happen about at once.
const PATIENCE: Duration = Duration::from_secs(20);

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

impl SseEvent {
    fn change(&self) -> DeltaEntry {
        assert_eq!(self.event, "change", "{self:?}");
        serde_json::from_str(&self.data).unwrap()
    }
}

/// An open event stream, read from the response body's bytes.
pub(crate) struct SseStream {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    buffer: String,
}

impl SseStream {
    /// Opens `/api/v1/notifications/stream` with `query` (e.g. `?cursor=c5`) and, if
    /// given, a `Last-Event-ID`.
    pub async fn open(client: &Client, query: &str, last_event_id: Option<&str>) -> SseStream {
        let mut request =
            client.request(Method::GET, &format!("/api/v1/notifications/stream{query}"));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        SseStream {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event (comment-only blocks, the heartbeats, are skipped).
    pub async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(PATIENCE, self.next_event())
            .await
            .expect("an event arrives")
    }

    async fn next_event(&mut self) -> SseEvent {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent {
                    id: None,
                    event: "message".into(),
                    data: String::new(),
                };
                let mut fields = 0;
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "" => continue, // a comment
                        "id" => event.id = Some(value.to_string()),
                        "event" => event.event = value.to_string(),
                        "data" => {
                            if !event.data.is_empty() {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                        }
                        _ => {}
                    }
                    fields += 1;
                }
                if fields > 0 {
                    return event;
                }
            }
            let bytes = self
                .body
                .next()
                .await
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
        }
    }

    /// Asserts that no event arrives within `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration) {
        if let Ok(event) = tokio::time::timeout(wait, self.next_event()).await {
            panic!("unexpected event {event:?}");
        }
    }
}

async fn new_folder(client: &Client, path: &str) -> FileMeta {
    client
        .json(
            Method::POST,
            "/api/v1/folders",
            &serde_json::json!({ "path": path }),
        )
        .await
        .unwrap()
}

async fn small_file(client: &Client, path: &str, bytes: &[u8]) -> FileMeta {
    let response = client.post_file(path, bytes.to_vec()).await;
    Client::decode::<UploadCommitted>(response)
        .await
        .unwrap()
        .file
}

/// Every change after `cursor` (all of them when `None`), page by page, and the
/// final cursor.
async fn delta_all(client: &Client, cursor: Option<&str>) -> (Vec<DeltaEntry>, String, usize) {
    let mut entries = Vec::new();
    let mut cursor = cursor.map(str::to_string);
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync/delta?cursor={c}"),
            None => "/api/v1/sync/delta".to_string(),
        };
        let page: Delta = client.get(&path).await.unwrap();
        assert!(!page.reset);
        pages += 1;
        entries.extend(page.entries);
        cursor = Some(page.cursor);
        if !page.has_more {
            return (entries, cursor.unwrap(), pages);
        }
    }
}

async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_stream_shows_each_change_another_request_commits() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let before = delta_all(&alice, None).await.1;
    let mut stream = SseStream::open(&alice, "", None).await;

    // Bob's change is not Alice's business.
    new_folder(&bob, "/Bob").await;
    let docs = new_folder(&alice, "/Docs").await;
    let file = small_file(&alice, "/Docs/a.txt", b"hello").await;

    let first = stream.next().await;
    let second = stream.next().await;
    let (one, two) = (first.change(), second.change());
    assert_eq!(
        (one.action.as_str(), one.path.as_str(), one.file.id.as_str()),
        ("added", "/Docs", docs.id.as_str())
    );
    assert!(one.file.is_folder);
    assert_eq!(
        (two.action.as_str(), two.path.as_str(), two.file.id.as_str()),
        ("added", "/Docs/a.txt", file.id.as_str())
    );
    assert_eq!(two.file.size, 5);
    // The ids are the cursors `/sync/delta` uses, so either can take over.
    let (delta, last, _) = delta_all(&alice, Some(&before)).await;
    assert_eq!(delta, [one, two]);
    assert_eq!(second.id.as_deref(), Some(last.as_str()));
    assert_ne!(first.id, second.id);
    stream.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_stream_resumed_with_last_event_id_sends_each_change_once() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let mut stream = SseStream::open(&alice, "", None).await;
    let projects = new_folder(&alice, "/Projects").await;
    let seen = stream.next().await;
    assert_eq!(seen.change().path, "/Projects");
    drop(stream);

    // While the client is away.
    new_folder(&alice, "/Archive").await;
    let note = small_file(&alice, "/Projects/note.txt", b"v1").await;
    alice
        .move_entry(&projects.id, "/Archive/Projects")
        .await
        .unwrap();
    let trashed = alice
        .request(Method::DELETE, &format!("/api/v1/files/{}", note.id))
        .send()
        .await
        .unwrap();
    assert_eq!(trashed.status(), StatusCode::OK);

    let mut stream = SseStream::open(&alice, "?cursor=c0", seen.id.as_deref()).await;
    let mut missed = Vec::new();
    for _ in 0..4 {
        missed.push(stream.next().await);
    }
    let summary: Vec<(String, String)> = missed
        .iter()
        .map(|e| {
            let change = e.change();
            (change.action, change.path)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("added".to_string(), "/Archive".to_string()),
            ("added".into(), "/Projects/note.txt".into()),
            ("moved".into(), "/Archive/Projects".into()),
            ("deleted".into(), "/Archive/Projects/note.txt".into()),
        ]
    );
    let (delta, _, _) = delta_all(&alice, seen.id.as_deref()).await;
    let streamed: Vec<DeltaEntry> = missed.iter().map(SseEvent::change).collect();
    assert_eq!(delta, streamed, "the stream sends what the journal holds");
    // Then live again, with nothing sent twice.
    new_folder(&alice, "/Later").await;
    let live = stream.next().await;
    assert_eq!(live.change().path, "/Later");
    let ids: std::collections::BTreeSet<_> = missed
        .iter()
        .chain([&seen, &live])
        .map(|e| e.id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
}

#[tokio::test]
async fn a_stream_with_an_unknown_cursor_is_told_to_resync() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    new_folder(&alice, "/A").await;
    for cursor in ["?cursor=nonsense", "?cursor=cffffff"] {
        let (_, latest, _) = delta_all(&alice, None).await;
        let mut stream = SseStream::open(&alice, cursor, None).await;
        let resync = stream.next().await;
        assert_eq!(resync.event, "resync");
        assert_eq!(resync.id.as_deref(), Some(latest.as_str()));
        let body: Resync = serde_json::from_str(&resync.data).unwrap();
        assert_eq!(body.cursor, latest);
        assert!(body.message.contains("/api/v1/sync/delta"), "{body:?}");
        new_folder(&alice, &format!("/B{}", cursor.len())).await;
        assert_eq!(stream.next().await.event, "change");
    }
    let anonymous = server.anonymous();
    let response = anonymous
        .request(Method::GET, "/api/v1/notifications/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_long_poll_answers_on_a_change_or_at_its_timeout() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    new_folder(&alice, "/A").await;
    let (_, cursor, _) = delta_all(&alice, None).await;

    // Nothing happens: `changes: false` at the timeout.
    let started = Instant::now();
    let poll: LongPoll = alice
        .get(&format!(
            "/api/v1/notifications/longpoll?cursor={cursor}&timeout=1"
        ))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(
        poll,
        LongPoll {
            changes: false,
            cursor: cursor.clone()
        }
    );
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(5),
        "{waited:?}"
    );

    // A change while it waits ends the wait.
    let poller = Client {
        base: alice.base.clone(),
        http: reqwest::Client::new(),
        token: alice.token.clone(),
    };
    let path = format!("/api/v1/notifications/longpoll?cursor={cursor}&timeout=60");
    let started = Instant::now();
    let waiting = tokio::spawn(async move { poller.get::<LongPoll>(&path).await.unwrap() });
    // The poll is waiting once it watches the user's journal.
    wait_until("the long-poll to wait", || {
        server.core.feed().listeners() == 1
    })
    .await;
    new_folder(&alice, "/B").await;
    let poll = tokio::time::timeout(PATIENCE, waiting)
        .await
        .expect("the long-poll answers after the change")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(poll.changes);
    let (entries, latest, _) = delta_all(&alice, Some(&cursor)).await;
    assert_eq!(poll.cursor, latest);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].path, "/B");

    // Behind already: at once.
    let poll: LongPoll = alice
        .get(&format!(
            "/api/v1/notifications/longpoll?cursor={cursor}&timeout=60"
        ))
        .await
        .unwrap();
    assert!(poll.changes);

    // Bad requests say what to do.
    for (query, words) in [
        (format!("cursor={latest}&timeout=121"), "at most 120"),
        ("timeout=5".to_string(), "cursor is missing"),
    ] {
        let failure = alice
            .get::<LongPoll>(&format!("/api/v1/notifications/longpoll?{query}"))
            .await
            .unwrap_err();
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        assert!(
            failure.body.error.message.contains(words),
            "{:?}",
            failure.body
        );
    }
}

#[tokio::test]
async fn delta_pages_through_ten_thousand_changes_exactly_once_in_order() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    // 100 requests each creating a chain of 100 folders: 10,000 journal entries.
    let mut expected = Vec::with_capacity(10_000);
    for top in 0..100 {
        let mut path = format!("/t{top}");
        expected.push(path.clone());
        for depth in 1..100 {
            path.push_str(&format!("/d{depth}"));
            expected.push(path.clone());
        }
        new_folder(&alice, &path).await;
    }

    let (entries, cursor, pages) = delta_all(&alice, None).await;
    assert_eq!(pages, 10, "1000 changes a page");
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths.len(), 10_000);
    assert!(paths == expected, "every change once, in commit order");
    let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e.file.id.as_str()).collect();
    assert_eq!(ids.len(), 10_000);
    assert!(entries
        .iter()
        .all(|e| e.action == "added" && e.file.is_folder));
    let last: Delta = alice
        .get(&format!("/api/v1/sync/delta?cursor={cursor}"))
        .await
        .unwrap();
    assert!(last.entries.is_empty() && !last.has_more && last.cursor == cursor);

    // A stream that far behind is told to resync rather than replay it all...
    let mut stream = SseStream::open(&alice, "?cursor=c0", None).await;
    let resync = stream.next().await;
    assert_eq!(resync.event, "resync");
    assert_eq!(resync.id.as_deref(), Some(cursor.as_str()));
    // ... and one 1000 behind gets each of them, across its pages, in order.
    let mut from = None;
    for _ in 0..9 {
        let page: Delta = alice
            .get(&match &from {
                None => "/api/v1/sync/delta".to_string(),
                Some(c) => format!("/api/v1/sync/delta?cursor={c}"),
            })
            .await
            .unwrap();
        from = Some(page.cursor);
    }
    let mut stream = SseStream::open(&alice, "", from.as_deref()).await;
    for (i, expected) in entries[9000..].iter().enumerate() {
        let event = stream.next().await;
        assert_eq!(&event.change(), expected, "event {i}");
    }
    stream.assert_quiet(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_change_through_one_process_reaches_a_stream_on_another() {
    let redis =
        std::env::var("CAIRN_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut config = backend::config::Config::embedded(std::path::PathBuf::from("unused"));
    let _database = postgres_database(&mut config).await;
    let mut env = backend_env(&config);
    env.push(("REDIS_URL".into(), redis));
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = ServerProcess::start(dir_a.path(), &env);
    let b = ServerProcess::start(dir_b.path(), &env);
    let client = |base: &str, token: Option<String>| Client {
        base: base.to_string(),
        http: reqwest::Client::new(),
        token,
    };
    let login: LoginResponse = client(&a.base, None)
        .json(
            Method::POST,
            "/api/v1/auth/signup",
            &serde_json::json!({"username": "alice", "password": "correct horse"}),
        )
        .await
        .unwrap();
    let on_a = client(&a.base, Some(login.token.clone()));
    let on_b = client(&b.base, Some(login.token));

    let mut stream_b = SseStream::open(&on_b, "", None).await;
    let mut stream_a = SseStream::open(&on_a, "", None).await;
    let folder = new_folder(&on_a, "/Shared").await;
    let file = small_file(&on_a, "/Shared/note.txt", b"from a").await;
    for stream in [&mut stream_b, &mut stream_a] {
        let first = stream.next().await.change();
        assert_eq!(
            (first.path.as_str(), first.file.id.as_str()),
            ("/Shared", folder.id.as_str())
        );
        let second = stream.next().await.change();
        assert_eq!(second.file.id, file.id);
    }
    // And the other way round.
    new_folder(&on_b, "/From B").await;
    assert_eq!(stream_a.next().await.change().path, "/From B");
    assert_eq!(stream_b.next().await.change().path, "/From B");
}

/// Many transactions of one user at once, short ones (new folders) racing long ones
/// (copies of a tree of 30 folders): a stream open meanwhile still sends each change
/// once, in journal order, none skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commits_of_one_user_stream_each_change_once() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let chain: Vec<String> = (0..30).map(|i| format!("s{i}")).collect();
    let source = new_folder(&alice, &format!("/{}", chain.join("/"))).await;
    let top: FileMeta = alice
        .get::<frontend::api::types::FolderListing>("/api/v1/files?path=/")
        .await
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.name == "s0")
        .unwrap();
    assert_ne!(top.id, source.id);
    let (_, start, _) = delta_all(&alice, None).await;
    let mut stream = SseStream::open(&alice, "", None).await;
    let clone = || Client {
        base: alice.base.clone(),
        http: reqwest::Client::new(),
        token: alice.token.clone(),
    };
    let mut writers = Vec::new();
    for writer in 0..4 {
        let client = clone();
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                new_folder(&client, &format!("/w{writer}-{i}")).await;
            }
        }));
        let client = clone();
        let id = top.id.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..3 {
                client
                    .json::<_, FileMeta>(
                        Method::POST,
                        &format!("/api/v1/files/{id}/copy"),
                        &serde_json::json!({ "path": format!("/c{writer}-{i}") }),
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    let total = 4 * 25 + 4 * 3 * 30;
    let mut streamed = Vec::new();
    for _ in 0..total {
        streamed.push(stream.next().await.change());
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let (delta, _, _) = delta_all(&alice, Some(&start)).await;
    assert_eq!(delta.len(), total);
    assert!(
        streamed == delta,
        "the stream sends the journal in its order"
    );
    stream.assert_quiet(Duration::from_millis(200)).await;
}

/// A client of its own, so that each request opens a connection of its own.
fn own_connection(client: &Client) -> Client {
    Client {
        base: client.base.clone(),
        http: reqwest::Client::new(),
        token: client.token.clone(),
    }
}

/// What an open stream costs the server beyond the connection it runs on: the
/// server's resident memory grown by 400 open streams, against that grown by 400
/// idle connections that made one request. Then the server is asked to stop, and
/// open streams end so that it can.
#[tokio::test]
async fn open_streams_stay_small_and_let_the_server_stop() {
    const COUNT: usize = 400;
    let data_dir = tempfile::tempdir().unwrap();
    // Many streams of one user: more than a user may open by default.
    let (mut server, alice, _database) =
        process_with_user_and(data_dir.path(), &[("CAIRN_MAX_STREAMS_PER_USER", "1000")]).await;
    // Warm up (first connections, the database pool, the allocator), then measure.
    let mut streams = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..20 {
        streams.push(SseStream::open(&own_connection(&alice), "", None).await);
        let client = own_connection(&alice);
        client.get::<serde_json::Value>("/api/v1/me").await.unwrap();
        idle.push(client);
    }
    let before = server.rss_kib();
    for _ in 0..COUNT {
        let client = own_connection(&alice);
        client.get::<serde_json::Value>("/api/v1/me").await.unwrap();
        idle.push(client);
    }
    let per_connection = (server.rss_kib() - before) / COUNT as f64;
    let before = server.rss_kib();
    for _ in 0..COUNT {
        streams.push(SseStream::open(&own_connection(&alice), "", None).await);
    }
    new_folder(&alice, "/Everyone sees this").await;
    for stream in &mut streams {
        assert_eq!(stream.next().await.change().path, "/Everyone sees this");
    }
    let per_stream = (server.rss_kib() - before) / COUNT as f64;
    eprintln!("server memory: {per_connection:.1} KiB per idle connection, {per_stream:.1} KiB per open stream");
    assert!(
        per_stream - per_connection < 64.0,
        "an open stream costs {per_stream:.1} KiB, an idle connection {per_connection:.1} KiB"
    );
    assert!(
        server.terminate(Duration::from_secs(10)),
        "the server stops within 10 s with {} streams open",
        streams.len()
    );
}

#[tokio::test]
async fn an_idle_stream_gets_heartbeats() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let response = alice
        .request(Method::GET, "/api/v1/notifications/stream")
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while !text.lines().any(|line| line.starts_with(':')) {
            let bytes = body.next().await.unwrap().unwrap();
            text.push_str(std::str::from_utf8(&bytes).unwrap());
        }
    })
    .await
    .expect("a heartbeat comment within 20 s");
    assert!(
        text.lines()
            .any(|line| line.trim_start_matches([':', ' ']) == "heartbeat"),
        "{text:?}"
    );
}

/// The Redis URL the tests use.
fn redis_url() -> String {
    std::env::var("CAIRN_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A TCP relay to Redis whose connections the test can cut, as a failing network
/// would.
struct CuttableProxy {
    port: u16,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    async fn start(upstream: &str) -> CuttableProxy {
        let upstream = upstream
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tracked = connections.clone();
        let accept = tokio::spawn(async move {
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                let upstream = upstream.clone();
                tracked.lock().unwrap().push(tokio::spawn(async move {
                    let mut server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }));
            }
        });
        CuttableProxy {
            port,
            connections,
            accept,
        }
    }

    /// Closes every connection relayed so far; new ones are still accepted.
    fn cut(&self) {
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// The next event for `user` (or for everyone), skipping other tests' notices.
async fn next_for(
    events: &mut futures::stream::BoxStream<'static, backend::ports::BusEvent>,
    user: &backend::domain::UserId,
) -> backend::ports::BusEvent {
    use backend::ports::BusEvent;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event arrives")
            .expect("the bus lives");
        match &event {
            BusEvent::Changed(notice) if &notice.user != user => continue,
            _ => return event,
        }
    }
}

#[tokio::test]
async fn the_redis_bus_reconnects_and_says_notices_may_be_lost() {
    use backend::adapters::bus_redis::RedisBus;
    use backend::domain::UserId;
    use backend::ports::{BusEvent, EventBus, JournalNotice};
    let redis = redis_url();
    assert!(
        redis.starts_with("redis://") && !redis.contains('@'),
        "{redis}"
    );
    let proxy = CuttableProxy::start(&redis).await;
    let bus = RedisBus::connect(&format!("redis://127.0.0.1:{}", proxy.port))
        .await
        .unwrap();
    let mut events = bus.subscribe();
    // A user id of its own, so that other tests' notices on the shared Redis are told
    // apart.
    let user = UserId::generate();
    let notice = || JournalNotice { user: user.clone() };
    bus.publish(notice()).await.unwrap();
    assert_eq!(
        next_for(&mut events, &user).await,
        BusEvent::Changed(notice())
    );

    proxy.cut();
    assert_eq!(next_for(&mut events, &user).await, BusEvent::Missed);
    // Once both connections are back, notices arrive again. (Those published while
    // the subscription was down are lost: that is what `Missed` said.)
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < PATIENCE, "notices never arrived again");
        let _ = bus.publish(notice()).await;
        let wait = Duration::from_millis(200);
        if let Ok(BusEvent::Changed(arrived)) =
            tokio::time::timeout(wait, next_for(&mut events, &user)).await
        {
            assert_eq!(arrived, notice());
            break;
        }
    }
}
