//! The document against the server, driven by the document itself: for every
//! operation with parameters or a JSON body, requests generated from its schemas
//! are never refused as malformed, requests that break exactly one of its
//! constraints are refused with a 4xx in the error shape, and every answer's status
//! and code is one the operation lists. `CAIRN_TEST_SEED=n` replays one seed.

use crate::schema::{self, encode, Generator, Observed, Operation};
use crate::support::{chunk, Client, TestServer};
use frontend::api::types::{ErrorBody, FileMeta, ShareCreated, UploadCommitted};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

/// The codes that say "this request is malformed": what a request the schema allows
/// must never get. (Codes such as `not-found`, `conflict` or `content-hash-mismatch`
/// are about the state of things or the bytes sent, which no schema knows.)
const MALFORMED: &[&str] = &[
    "bad-request",
    "invalid-path",
    "invalid-username",
    "weak-password",
    "password-too-long",
];

/// Requests of each kind per operation.
const CASES: usize = 6;

fn seed() -> u64 {
    std::env::var("CAIRN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_202)
}

/// What exists on the server, to aim requests at.
struct Fixtures {
    file: String,
    folder: String,
    upload: String,
    link_token: String,
    drop_token: String,
    share: String,
    api_token: String,
}

async fn fixtures(server: &TestServer, alice: &Client) -> Fixtures {
    let _bob = server.user("bob").await;
    let file: UploadCommitted = Client::decode(
        alice
            .post_file("/0fixture/file.txt", b"hello".to_vec())
            .await,
    )
    .await
    .unwrap();
    let folder: FileMeta = alice
        .json(
            Method::POST,
            "/api/v1/folders",
            &json!({"path": "/0fixture/folder"}),
        )
        .await
        .unwrap();
    let drop_box: FileMeta = alice
        .json(
            Method::POST,
            "/api/v1/folders",
            &json!({"path": "/0fixture/inbox"}),
        )
        .await
        .unwrap();
    let data = vec![7u8; 100];
    let (chunks, _) = chunk(alice.config().await.chunking, &data);
    let upload = alice
        .init("/0fixture/upload.bin", &data, &chunks)
        .await
        .unwrap();
    let mut links = Vec::new();
    for (file_id, permission) in [(&folder.id, "viewer"), (&drop_box.id, "upload_only")] {
        let body = json!({"file_id": file_id, "kind": "link", "permission": permission});
        let created: ShareCreated = alice
            .json(Method::POST, "/api/v1/shares", &body)
            .await
            .unwrap();
        links.push(created);
    }
    let (link, drop_link) = (&links[0], &links[1]);
    let token_of = |created: &ShareCreated| {
        created
            .url
            .as_deref()
            .and_then(|url| url.rsplit('/').next())
            .unwrap()
            .to_string()
    };
    let api_token: Value = alice
        .json(Method::POST, "/api/v1/tokens", &json!({"label": "fixture"}))
        .await
        .unwrap();
    Fixtures {
        file: file.file.id,
        folder: folder.id,
        upload: upload.upload_id,
        link_token: token_of(link),
        drop_token: token_of(drop_link),
        share: link.id.clone(),
        api_token: api_token["info"]["id"].as_str().unwrap().to_string(),
    }
}

/// A value for a path parameter: mostly a thing that exists (so the request gets
/// past finding it), else one generated from the schema.
fn path_value(gen: &mut Generator, fx: &Fixtures, op: &Operation, param: &Value) -> Value {
    let name = param["name"].as_str().unwrap_or_default();
    let known: Vec<&str> = match name {
        "file_id" if op.path.contains("/versions") => vec![&fx.file],
        "file_id" => vec![&fx.file, &fx.folder],
        "upload_id" => vec![&fx.upload],
        "token" if op.path.contains("/files") => vec![&fx.drop_token],
        "token" => vec![&fx.link_token, &fx.drop_token],
        "share_id" => vec![&fx.share],
        "token_id" => vec![&fx.api_token],
        "rev" => vec!["1"],
        "index" => vec!["0"],
        "path" => vec!["file.txt"],
        _ => vec![],
    };
    if !known.is_empty() && gen.rng.gen_bool(0.6) {
        let known = known[gen.rng.gen_range(0..known.len())];
        return match known.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => json!(known),
        };
    }
    loop {
        let value = gen.value(&param["schema"], 0);
        // A `.` or `..` segment is resolved away by the client before it is sent.
        if !dot_segment(&value) {
            return value;
        }
    }
}

/// Whether a path parameter's value holds a segment that URLs resolve (`.`, `..`).
fn dot_segment(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.split('/').any(|s| s == "." || s == ".."))
}

/// Whether `why` (from [`Generator::breakers`]) puts a number where a parameter
/// takes a string: in an address, that is a string all the same.
fn no_break_in_address(param: &Value, why: &str) -> bool {
    why == "a value of another type" && schema::types(&param["schema"]).contains(&"string")
}

/// The rules an operation's description states in prose, across fields (a sum of
/// sizes, which permissions a kind of share takes, an expiry in the future), applied
/// to a generated body or query so that it keeps them.
fn keep_described_rules(
    op: &Operation,
    min_chunk: u64,
    body: &mut Value,
    query: &mut [(String, Value)],
) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    if op.path.ends_with("/upload/init") {
        if let Some(chunks) = body["chunks"].as_array() {
            let sum: u64 = chunks.iter().filter_map(|c| c["size"].as_u64()).sum();
            let least = sum.max(chunks.len() as u64 * min_chunk);
            if body["size"].as_u64().is_some_and(|size| size < least) {
                body["size"] = json!(least);
            }
        }
    }
    if op.path.ends_with("/chunks") && op.method == "post" {
        if let Some(chunks) = body["chunks"].as_array_mut() {
            let mut seen = std::collections::HashSet::new();
            chunks.retain(|c| seen.insert(c["index"].clone()));
        }
    }
    for (name, value) in query.iter_mut() {
        if name == "indexes" {
            if let Some(text) = value.as_str() {
                let mut seen = std::collections::HashSet::new();
                let unique: Vec<&str> = text.split(',').filter(|i| seen.insert(*i)).collect();
                *value = json!(unique.join(","));
            }
        }
        // A long-poll waits as long as it is told: keep the test quick.
        if name == "timeout" && value.as_u64().is_some_and(|t| t > 1) {
            *value = json!(1);
        }
    }
    if op.path == "/api/v1/shares" && op.method == "post" {
        match body["kind"].as_str() {
            Some("user") => {
                if body["permission"] == "upload_only" {
                    body["permission"] = json!("viewer");
                }
                body["username"] = json!("bob");
                if let Some(map) = body.as_object_mut() {
                    map.remove("password");
                }
            }
            _ => {
                if body["permission"] == "editor" {
                    body["permission"] = json!("viewer");
                }
            }
        }
    }
    if op.path.starts_with("/api/v1/shares/") && body["permission"] == "editor" {
        body["permission"] = json!("viewer");
    }
    if body["expires_at"].as_i64().is_some_and(|at| at <= now_ms) {
        body["expires_at"] = json!(now_ms + 86_400_000);
    }
}

/// A change to a request that breaks one constraint.
type Breaker = Box<dyn FnOnce(&mut Parts)>;

/// One request, as parts the generator fills and a breaker may change.
struct Parts {
    path: Vec<(String, Value)>,
    query: Vec<(String, Value)>,
    body: Option<Value>,
}

fn render(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn build(client: &Client, op: &Operation, parts: &Parts) -> (reqwest::RequestBuilder, String) {
    let mut path = op.path.to_string();
    for (name, value) in &parts.path {
        let text = render(value);
        path = path.replace(&format!("{{{name}}}"), &encode(&text, name == "path"));
    }
    let query: Vec<String> = parts
        .query
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(&render(value), false)))
        .collect();
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
    let mut request = if op.needs_credentials() {
        client.request(method, &path)
    } else {
        client
            .http
            .request(method, format!("{}{path}", client.base))
    };
    if let Some(body) = &parts.body {
        request = request.json(body);
    } else if op.spec["requestBody"]["content"]["application/octet-stream"].is_object() {
        request = request.body(vec![1u8; 10]);
    }
    let shown = match &parts.body {
        Some(body) => format!("{} {path} {body}", op.method.to_uppercase()),
        None => format!("{} {path}", op.method.to_uppercase()),
    };
    (request, shown.chars().take(400).collect())
}

/// Sends a request; returns its status and error code (for errors), after checking
/// that an error is in the API's shape.
async fn send(
    request: reqwest::RequestBuilder,
    shown: &str,
    stream: bool,
) -> (u16, Option<String>) {
    let response = request.send().await.unwrap();
    let status = response.status();
    if stream && status.is_success() {
        // An event stream never ends by itself: its status is the answer.
        return (status.as_u16(), None);
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.unwrap_or_default();
    if status.is_client_error() || status.is_server_error() {
        assert!(
            content_type.starts_with("application/json"),
            "{shown} answered {status} as {content_type:?}: {text}"
        );
        let body: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{shown} answered {status} outside the error shape: {text}: {e}")
        });
        return (status.as_u16(), Some(body.error.code));
    }
    (status.as_u16(), None)
}

/// Operations the sweep leaves to other tests: this document, and bodies that are
/// not JSON (multipart forms), whose fields the schema cannot drive.
fn driven(op: &Operation) -> bool {
    let has_params = op.spec["parameters"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p["in"] == "path" || p["in"] == "query"));
    let multipart = op.spec["requestBody"]["content"]["multipart/form-data"].is_object();
    (has_params || op.json_body().is_some()) && !multipart
}

#[tokio::test]
async fn requests_the_document_allows_are_taken_and_others_refused() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let fx = fixtures(&server, &alice).await;
    let doc = schema::fetch(&server.base).await;
    let min_chunk = u64::from(alice.config().await.chunking.min_size);
    let seed = seed();
    let mut gen = Generator {
        doc: &doc,
        rng: StdRng::seed_from_u64(seed),
    };
    let mut observed = Observed::default();
    let mut malformed = Vec::new();
    let mut accepted = Vec::new();
    let started = std::time::Instant::now();
    let mut sent = 0;
    let mut broken_kinds = std::collections::BTreeSet::new();
    let mut statuses = [
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
    ];
    // Refusals first, while the fixtures are as made: a refused request changes nothing.
    for breaking in [true, false] {
        for op in Operation::all(&doc).iter().filter(|op| driven(op)) {
            let stream = op.path.ends_with("/stream");
            for case in 0..CASES {
                let mut parts = Parts {
                    path: op
                        .parameters("path")
                        .iter()
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap().to_string(),
                                path_value(&mut gen, &fx, op, p),
                            )
                        })
                        .collect(),
                    query: Vec::new(),
                    body: op.json_body().map(|schema| gen.value(schema, 0)),
                };
                for param in op.parameters("query") {
                    if param["required"] == true || gen.rng.gen_bool(0.6) {
                        let value = gen.value(&param["schema"], 0);
                        parts
                            .query
                            .push((param["name"].as_str().unwrap().to_string(), value));
                    }
                }
                let mut body = parts.body.take().unwrap_or(Value::Null);
                // A share of something that exists, so that its rules are checked.
                if op.path == "/api/v1/shares" && op.method == "post" && gen.rng.gen_bool(0.7) {
                    body["file_id"] = json!(fx.folder);
                }
                keep_described_rules(op, min_chunk, &mut body, &mut parts.query);
                parts.body = op.json_body().map(|_| body);
                let mut what = "allowed".to_string();
                if breaking {
                    // Every way to break one constraint of one place, then one of them.
                    let mut ways: Vec<(String, Breaker)> = Vec::new();
                    for (index, param) in op.parameters("path").iter().enumerate() {
                        let valid = parts.path[index].1.clone();
                        for (why, value) in gen.breakers(&param["schema"], &valid) {
                            let Some(value) = value else { continue };
                            // An empty segment is another route, not this one refused.
                            if value == json!("")
                                || dot_segment(&value)
                                || no_break_in_address(param, &why)
                            {
                                continue;
                            }
                            let name = param["name"].as_str().unwrap().to_string();
                            ways.push((
                                format!("path {name}: {why}"),
                                Box::new(move |parts: &mut Parts| parts.path[index].1 = value),
                            ));
                        }
                    }
                    for param in op.parameters("query") {
                        let name = param["name"].as_str().unwrap().to_string();
                        let present = parts.query.iter().position(|(n, _)| *n == name);
                        if param["required"] == true {
                            if let Some(at) = present {
                                ways.push((
                                    format!("query {name}: left out"),
                                    Box::new(move |parts: &mut Parts| {
                                        parts.query.remove(at);
                                    }),
                                ));
                            }
                        }
                        let valid = match present {
                            Some(at) => parts.query[at].1.clone(),
                            None => gen.value(&param["schema"], 0),
                        };
                        for (why, value) in gen.breakers(&param["schema"], &valid) {
                            let Some(value) = value else { continue };
                            if no_break_in_address(param, &why) {
                                continue;
                            }
                            let name = name.clone();
                            ways.push((
                                format!("query {name}: {why}"),
                                Box::new(move |parts: &mut Parts| {
                                    parts.query.retain(|(n, _)| *n != name);
                                    parts.query.push((name, value));
                                }),
                            ));
                        }
                    }
                    if let (Some(schema), Some(valid)) = (op.json_body(), parts.body.clone()) {
                        for (why, value) in gen.breakers(schema, &valid) {
                            let Some(value) = value else { continue };
                            ways.push((
                                format!("body {why}"),
                                Box::new(move |parts: &mut Parts| parts.body = Some(value)),
                            ));
                        }
                    }
                    if ways.is_empty() {
                        break;
                    }
                    let (why, apply) = ways.swap_remove(gen.rng.gen_range(0..ways.len()));
                    apply(&mut parts);
                    broken_kinds.insert(why.split(':').next().unwrap_or_default().to_string());
                    what = format!("broken ({why})");
                }
                let (request, shown) = build(&alice, op, &parts);
                let replay = format!("case {case} of CAIRN_TEST_SEED={seed}, {what}: {shown}");
                let (status, code) = send(request, &replay, stream).await;
                sent += 1;
                assert!(status < 500, "{replay} answered {status} {code:?}");
                observed.record(op.method, op.path, status, code.clone(), replay.clone());
                *statuses[usize::from(breaking)].entry(status).or_insert(0) += 1;
                if breaking {
                    if status < 400 {
                        accepted.push(format!("{replay} answered {status}"));
                    }
                } else if status == 400 && code.as_deref().is_some_and(|c| MALFORMED.contains(&c)) {
                    malformed.push(format!("{replay} answered {status} {code:?}"));
                }
            }
        }
    }
    eprintln!(
        "{sent} requests with CAIRN_TEST_SEED={seed} in {:?}; allowed ones answered {:?}, \
         broken ones {:?}; broke {broken_kinds:?}",
        started.elapsed(),
        statuses[0],
        statuses[1],
    );
    let mut problems = observed.undocumented(&doc);
    problems.extend(
        malformed
            .iter()
            .map(|m| format!("allowed but refused as malformed: {m}")),
    );
    problems.extend(
        accepted
            .iter()
            .map(|a| format!("off the schema but accepted: {a}")),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(sent > 300, "only {sent} requests were sent");
    // Enough of the allowed requests got past every check to be taken.
    let taken: usize = statuses[0]
        .iter()
        .filter(|(s, _)| **s < 300)
        .map(|(_, n)| n)
        .sum();
    assert!(
        taken > 60,
        "only {taken} allowed requests were taken: {:?}",
        statuses[0]
    );
}

/// The frames of an event stream read so far: each as `{event, id?, data}`.
fn frames(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|frame| {
            let mut event = json!({});
            for line in frame.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event["event"] = json!(name.trim());
                } else if let Some(id) = line.strip_prefix("id:") {
                    event["id"] = json!(id.trim());
                } else if let Some(data) = line.strip_prefix("data:") {
                    event["data"] = serde_json::from_str(data.trim())
                        .unwrap_or_else(|e| panic!("data is not JSON: {data:?}: {e}"));
                }
            }
            event.get("event").is_some().then_some(event)
        })
        .collect()
}

/// Every event the stream sends (a change, a resync, both kinds of `shared`) is one
/// the document describes: `text/event-stream` of `NotificationEvent`, whose variant
/// for the event's name gives its `id` and `data`.
#[tokio::test]
async fn stream_events_are_the_documented_ones() {
    use futures::StreamExt;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let doc = schema::fetch(&server.base).await;
    let op = Operation::find(&doc, "get", "/api/v1/notifications/stream").unwrap();
    let documented = &op.spec["responses"]["200"]["content"]["text/event-stream"]["schema"];
    assert!(
        documented["$ref"]
            .as_str()
            .is_some_and(|r| r.ends_with("/NotificationEvent")),
        "the stream's 200 is not a text/event-stream of NotificationEvent: {}",
        op.spec["responses"]["200"]
    );
    let variants = schema::resolve(&doc, documented)["oneOf"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<Value> = variants
        .iter()
        .map(|v| {
            schema::resolve(&doc, &schema::resolve(&doc, v)["properties"]["event"])["enum"][0]
                .clone()
        })
        .collect();
    assert_eq!(
        names,
        vec![json!("change"), json!("resync"), json!("shared")]
    );

    // An unknown cursor: a resync first.
    let response = alice
        .request(Method::GET, "/api/v1/notifications/stream?cursor=nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut body = response.bytes_stream();

    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let has = |events: &[Value], name: &str| events.iter().filter(|e| e["event"] == name).count();
    let mut changed = false;
    let mut uploaded = false;
    loop {
        let events = frames(&text);
        // Changes made once the resync tells where the stream goes on from.
        if has(&events, "resync") >= 1 && !changed {
            alice.post_file("/a.txt", b"a".to_vec()).await;
            let folder: FileMeta = bob
                .json(Method::POST, "/api/v1/folders", &json!({"path": "/Bobs"}))
                .await
                .unwrap();
            let _: ShareCreated = bob
                .json(
                    Method::POST,
                    "/api/v1/shares",
                    &json!({"file_id": folder.id, "kind": "user", "permission": "viewer", "username": "alice"}),
                )
                .await
                .unwrap();
            changed = true;
        }
        if has(&events, "resync") >= 1 && has(&events, "change") >= 1 {
            // Once the stream knows of the share, a change inside it.
            if has(&events, "shared") >= 1 && !uploaded {
                bob.post_file("/Bobs/b.txt", b"b".to_vec()).await;
                uploaded = true;
            }
            if has(&events, "shared") >= 2 {
                break;
            }
        }
        let piece = tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("the stream sent only {text:?}"))
            .expect("the stream goes on")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&piece));
    }
    let events = frames(&text);
    for event in &events {
        if let Some(why) = schema::violation(&doc, documented, event) {
            panic!("the event {event} is not a NotificationEvent: {why}");
        }
        if event["event"] == "shared" {
            assert!(
                event.get("id").is_none(),
                "a shared event has an id: {event}"
            );
        }
    }
    let shared: Vec<&Value> = events.iter().filter(|e| e["event"] == "shared").collect();
    assert!(shared.iter().any(|e| e["data"] == json!({})), "{shared:?}");
    assert!(
        shared.iter().any(|e| e["data"]["path"].is_string()),
        "{shared:?}"
    );
}
