//! Several devices of one account against one server, driven by a seeded PRNG: each
//! uploads, edits (with the `parent_rev` it last saw), moves, deletes, makes folders,
//! goes offline and comes back, and learns of the others' changes only through
//! `/sync/delta` from its own cursor. A model of the server's documented rules
//! predicts every answer; at the end each device's view must equal the server's
//! tree, the tree must equal the model, and every content ever committed must still
//! be reachable: as a live file, a version, or in the trash.
//!
//! `CAIRN_TEST_SEED=n` picks the seed (default [`DEFAULT_SEED`]); a failure names the
//! seed and the step. `CAIRN_TEST_SOAK_SEEDS=n` runs n consecutive seeds from there:
//! `CAIRN_TEST_SOAK_SEEDS=50 cargo test -p backend --test it devices`.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{
    ChunkAnnouncement, ChunksStored, Delta, FileMeta, FolderListing, LoginResponse, TrashListing,
    UploadCommitted, UploadInit, UploadInitResponse, VersionList,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use wasm_chunker::ChunkParams;

const DEFAULT_SEED: u64 = 0xCA1A_5EED;
const DEVICES: [&str; 4] = ["laptop", "phone", "tablet", "desktop"];
const STEPS: usize = 300;
/// File names drawn often, so that devices collide on paths.
const NAMES: [&str; 8] = [
    "notes.txt",
    "todo.md",
    "photo.jpg",
    "report.pdf",
    "data.bin",
    "plan.txt",
    "a.txt",
    "b.txt",
];
/// Folder names: no dot, so a file's path never runs through a file.
const FOLDERS: [&str; 5] = ["Docs", "Photos", "Work", "Archive", "Inbox"];

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a device knows of an entry, from the delta.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: String,
    is_folder: bool,
    rev: u64,
    size: u64,
}

impl Seen {
    fn of(meta: &FileMeta) -> Seen {
        Seen {
            id: meta.id.clone(),
            is_folder: meta.is_folder,
            rev: meta.rev,
            size: meta.size,
        }
    }
}

struct Device {
    name: &'static str,
    client: Client,
    cursor: Option<String>,
    /// path → entry, changed only by pulling the delta (or listing after a reset).
    view: BTreeMap<String, Seen>,
    /// file id → the newest revision this device has seen (pulled or committed).
    last_rev: HashMap<String, u64>,
    /// Offline until this step: no pulls meanwhile.
    offline_until: usize,
}

impl Device {
    fn files(&self) -> Vec<(String, Seen)> {
        self.view
            .iter()
            .filter(|(_, s)| !s.is_folder)
            .map(|(p, s)| (p.clone(), s.clone()))
            .collect()
    }

    fn folders(&self) -> Vec<String> {
        std::iter::once("/".to_string())
            .chain(
                self.view
                    .iter()
                    .filter(|(_, s)| s.is_folder)
                    .map(|(p, _)| p.clone()),
            )
            .collect()
    }

    /// Pulls the delta until `has_more` is false; answers how many entries it read.
    async fn pull(&mut self) -> usize {
        let mut read = 0;
        loop {
            let path = match &self.cursor {
                Some(c) => format!("/api/v1/sync/delta?cursor={c}"),
                None => "/api/v1/sync/delta".to_string(),
            };
            let page: Delta = self.client.get(&path).await.unwrap();
            if page.reset {
                self.view = list_tree(&self.client).await;
                let revs: Vec<(String, u64)> =
                    self.view.values().map(|s| (s.id.clone(), s.rev)).collect();
                for (id, rev) in revs {
                    self.note_rev(&id, rev);
                }
            }
            for entry in &page.entries {
                read += 1;
                let seen = Seen::of(&entry.file);
                match entry.action.as_str() {
                    "added" | "modified" => {
                        self.view.retain(|_, s| s.id != seen.id);
                        self.view.insert(entry.path.clone(), seen.clone());
                    }
                    "moved" => {
                        let old = entry.old_path.clone().expect("a move names its old path");
                        self.view.remove(&old);
                        if seen.is_folder {
                            let prefix = format!("{old}/");
                            let under: Vec<String> = self
                                .view
                                .keys()
                                .filter(|p| p.starts_with(&prefix))
                                .cloned()
                                .collect();
                            for p in under {
                                let s = self.view.remove(&p).unwrap();
                                self.view
                                    .insert(format!("{}/{}", entry.path, &p[prefix.len()..]), s);
                            }
                        }
                        self.view.insert(entry.path.clone(), seen.clone());
                    }
                    "deleted" => {
                        self.view.remove(&entry.path);
                        let prefix = format!("{}/", entry.path);
                        self.view.retain(|p, _| !p.starts_with(&prefix));
                    }
                    other => panic!("unknown delta action {other:?} in {entry:?}"),
                }
                if !seen.is_folder {
                    self.note_rev(&seen.id, seen.rev);
                }
            }
            self.cursor = Some(page.cursor);
            if !page.has_more {
                return read;
            }
        }
    }

    fn note_rev(&mut self, id: &str, rev: u64) {
        let known = self.last_rev.entry(id.to_string()).or_default();
        *known = (*known).max(rev);
    }
}

/// The server's tree, listed folder by folder from the root: path → entry.
async fn list_tree(client: &Client) -> BTreeMap<String, Seen> {
    list_tree_meta(client)
        .await
        .iter()
        .map(|(path, meta)| (path.clone(), Seen::of(meta)))
        .collect()
}

async fn list_tree_meta(client: &Client) -> BTreeMap<String, FileMeta> {
    let mut tree = BTreeMap::new();
    let mut pending = vec!["/".to_string()];
    while let Some(folder) = pending.pop() {
        let listing: FolderListing = client
            .get(&format!("/api/v1/files?path={folder}"))
            .await
            .unwrap_or_else(|e| panic!("listing {folder}: {e:?}"));
        for entry in listing.entries {
            if entry.is_folder {
                pending.push(entry.path.clone());
            }
            tree.insert(entry.path.clone(), entry);
        }
    }
    tree
}

/// A file as the model expects the server to hold it.
#[derive(Debug, Clone)]
struct ModelFile {
    /// Where it lives; `None` once trashed.
    path: Option<String>,
    /// Content hash of each revision, from rev 1.
    versions: Vec<String>,
    size: u64,
}

/// The server's rules (DESIGN §5–§7, `commit_upload`, `move_entry`, `trash_entry`),
/// applied to what the test did.
#[derive(Default)]
struct Model {
    files: BTreeMap<String, ModelFile>,
    /// Live file path → id.
    live: BTreeMap<String, String>,
    /// Live folder paths (the root left out). Folders are never moved or deleted here.
    folders: BTreeSet<String>,
}

/// What the model expects a commit to do.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// A new version of this file (rev), or a new file when the id is `None`.
    Version { id: Option<String>, rev: u64 },
    /// Identical to the current content: nothing new.
    Unchanged { id: String, rev: u64 },
    /// Saved as a new file at this path beside the one that changed.
    ConflictCopy { path: String },
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn name_of(path: &str) -> &str {
    &path[path.rfind('/').map_or(0, |i| i + 1)..]
}

fn join(folder: &str, name: &str) -> String {
    if folder == "/" {
        format!("/{name}")
    } else {
        format!("{folder}/{name}")
    }
}

/// `name (<device>'s conflicted copy YYYY-MM-DD).ext`, as DESIGN U7 names it.
fn conflict_name(name: &str, device: &str, date: &str) -> String {
    match name.rfind('.').filter(|&d| d > 0 && d < name.len() - 1) {
        Some(dot) => format!(
            "{} ({device}'s conflicted copy {date}){}",
            &name[..dot],
            &name[dot..]
        ),
        None => format!("{name} ({device}'s conflicted copy {date})"),
    }
}

impl Model {
    fn mkdirs(&mut self, folder: &str) {
        let mut path = String::new();
        for segment in folder.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            path.push_str(segment);
            self.folders.insert(path.clone());
        }
    }

    fn taken(&self, path: &str) -> bool {
        self.live.contains_key(path) || self.folders.contains(path)
    }

    /// What committing `hash` at `path` with `parent_rev` does, the conflicted copy's
    /// name dated `date`.
    fn expect_commit(
        &self,
        path: &str,
        hash: &str,
        parent_rev: Option<u64>,
        device: &str,
        date: &str,
    ) -> Expect {
        let Some(id) = self.live.get(path) else {
            return Expect::Version { id: None, rev: 1 };
        };
        let file = &self.files[id];
        let rev = file.versions.len() as u64;
        if file.versions.last().map(String::as_str) == Some(hash) {
            return Expect::Unchanged {
                id: id.clone(),
                rev,
            };
        }
        if parent_rev.is_some_and(|p| p != rev) {
            let folder = parent_of(path);
            let name = name_of(path);
            let mut candidate = join(folder, &conflict_name(name, device, date));
            let mut n = 2;
            while self.taken(&candidate) {
                candidate = join(folder, &conflict_name(name, &format!("{device} {n}"), date));
                n += 1;
            }
            return Expect::ConflictCopy { path: candidate };
        }
        Expect::Version {
            id: Some(id.clone()),
            rev: rev + 1,
        }
    }

    /// Records the commit the server answered (already checked against the
    /// expectation).
    fn committed(&mut self, file: &FileMeta, hash: &str) {
        self.mkdirs(parent_of(&file.path));
        let entry = self
            .files
            .entry(file.id.clone())
            .or_insert_with(|| ModelFile {
                path: None,
                versions: Vec::new(),
                size: 0,
            });
        if entry.versions.last().map(String::as_str) != Some(hash)
            || entry.versions.len() as u64 != file.rev
        {
            entry.versions.push(hash.to_string());
        }
        entry.path = Some(file.path.clone());
        entry.size = file.size;
        self.live.insert(file.path.clone(), file.id.clone());
    }
}

/// Everything one run knows besides the devices.
struct World {
    params: ChunkParams,
    model: Model,
    /// Every content committed: hash → bytes.
    contents: BTreeMap<String, Vec<u8>>,
    /// Contents made so far, to upload again now and then.
    pool: Vec<Vec<u8>>,
    /// Counts of what happened, printed at the end.
    stats: BTreeMap<&'static str, usize>,
    new_names: usize,
}

impl World {
    fn count(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    fn content(&mut self, rng: &mut Rng) -> Vec<u8> {
        if !self.pool.is_empty() && rng.chance(15) {
            return rng.pick(&self.pool).clone();
        }
        let len = if rng.chance(10) {
            20_000 + rng.below(280_000)
        } else {
            100 + rng.below(4_000)
        };
        let data = random_bytes(len, rng.next() | 1);
        self.pool.push(data.clone());
        data
    }
}

/// The upload protocol with `parent_rev` and `device`: init, packed PUTs, complete.
async fn commit(
    client: &Client,
    params: ChunkParams,
    path: &str,
    data: &[u8],
    parent_rev: Option<u64>,
    device: &str,
) -> (UploadCommitted, String) {
    let (chunks, hash) = chunk(params, data);
    let init = UploadInit {
        path: path.into(),
        size: data.len() as u64,
        parent_rev,
        device: Some(device.into()),
        chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
    };
    let started: UploadInitResponse = client
        .json(Method::POST, "/api/v1/files/upload/init", &init)
        .await
        .unwrap_or_else(|e| panic!("init of {path}: {e:?}"));
    for pack in started.chunks_needed.chunks(8) {
        let stored: ChunksStored = client
            .put_packed(&started.upload_id, data, &chunks, pack)
            .await
            .unwrap();
        assert_eq!(stored.stored, pack);
    }
    let done = client
        .complete(&started.upload_id, &hash)
        .await
        .unwrap_or_else(|e| panic!("complete of {path}: {e:?}"));
    (done, hash)
}

/// Names the seed (and where it stood) if the run panics.
struct SeedReport {
    seed: u64,
    step: String,
}

impl Drop for SeedReport {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "devices: failed with CAIRN_TEST_SEED={} at {}",
                self.seed, self.step
            );
        }
    }
}

#[tokio::test]
async fn devices_converge_and_lose_nothing() {
    let first = match std::env::var("CAIRN_TEST_SEED") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("CAIRN_TEST_SEED={s:?} is not a number")),
        Err(_) => DEFAULT_SEED,
    };
    let count: u64 = match std::env::var("CAIRN_TEST_SOAK_SEEDS") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("CAIRN_TEST_SOAK_SEEDS={s:?} is not a number")),
        Err(_) => 1,
    };
    for seed in first..first + count {
        let started = std::time::Instant::now();
        let stats = run(seed).await;
        eprintln!(
            "devices: seed {seed} passed in {:.1} s: {stats:?}",
            started.elapsed().as_secs_f64()
        );
    }
}

async fn run(seed: u64) -> BTreeMap<&'static str, usize> {
    let mut report = SeedReport {
        seed,
        step: "start-up".into(),
    };
    let mut rng = Rng(seed);
    let server = TestServer::start().await;
    let owner = server.user("sim").await;
    let params = owner.config().await.chunking;
    let mut devices = Vec::new();
    for name in DEVICES {
        let mut client = server.anonymous();
        let login: LoginResponse = client
            .json(
                Method::POST,
                "/api/v1/auth/login",
                &json!({"username": "sim", "password": "correct horse"}),
            )
            .await
            .unwrap();
        client.token = Some(login.token);
        devices.push(Device {
            name,
            client,
            cursor: None,
            view: BTreeMap::new(),
            last_rev: HashMap::new(),
            offline_until: 0,
        });
    }
    let mut world = World {
        params,
        model: Model::default(),
        contents: BTreeMap::new(),
        pool: Vec::new(),
        stats: BTreeMap::new(),
        new_names: 0,
    };

    for step in 0..STEPS {
        let d = rng.below(devices.len());
        let online = devices[d].offline_until <= step;
        // An online device has usually heard of the latest changes, not always.
        if online && rng.chance(50) {
            devices[d].pull().await;
        }
        let roll = rng.below(100);
        let device = &mut devices[d];
        report.step = format!("step {step} ({}, roll {roll})", device.name);
        let what = format!("seed {seed} step {step} ({})", device.name);
        match roll {
            0..=24 => upload_new(device, &mut world, &mut rng, &what).await,
            25..=54 => edit(device, &mut world, &mut rng, &what).await,
            55..=66 => move_file(device, &mut world, &mut rng, &what).await,
            67..=76 => delete(device, &mut world, &mut rng, &what).await,
            77..=81 => make_folder(device, &mut world, &mut rng, &what).await,
            82..=86 if online => {
                device.offline_until = step + 5 + rng.below(25);
                world.count("offline");
            }
            _ => {
                if !online {
                    world.count("back online");
                    device.offline_until = step;
                }
                device.pull().await;
            }
        }
    }

    report.step = "the final checks".into();
    for device in &mut devices {
        device.pull().await;
        // Pulled to the end: nothing more.
        assert_eq!(
            device.pull().await,
            0,
            "seed {seed}: {} pulled twice",
            device.name
        );
    }
    let tree = list_tree_meta(&owner).await;
    check_tree_matches_model(seed, &tree, &world.model);
    let server_view: BTreeMap<String, Seen> =
        tree.iter().map(|(p, m)| (p.clone(), Seen::of(m))).collect();
    for device in &devices {
        assert_same(
            seed,
            &format!("{}'s view", device.name),
            &device.view,
            "the server's tree",
            &server_view,
        );
    }
    check_everything_reachable(seed, &owner, &tree, &mut world, &mut rng).await;
    world.stats
}

/// Which of `a` and `b`'s keys differ, readably.
fn assert_same<V: PartialEq + std::fmt::Debug>(
    seed: u64,
    a_name: &str,
    a: &BTreeMap<String, V>,
    b_name: &str,
    b: &BTreeMap<String, V>,
) {
    let mut diff = Vec::new();
    for (path, value) in a {
        match b.get(path) {
            None => diff.push(format!("  {path}: only in {a_name}: {value:?}")),
            Some(other) if other != value => diff.push(format!(
                "  {path}: {a_name} has {value:?}, {b_name} has {other:?}"
            )),
            Some(_) => {}
        }
    }
    for (path, value) in b {
        if !a.contains_key(path) {
            diff.push(format!("  {path}: only in {b_name}: {value:?}"));
        }
    }
    assert!(
        diff.is_empty(),
        "seed {seed}: {a_name} differs from {b_name}:\n{}",
        diff.join("\n")
    );
}

fn check_tree_matches_model(seed: u64, tree: &BTreeMap<String, FileMeta>, model: &Model) {
    type Row = (Option<String>, bool, u64, Option<String>, u64);
    let server: BTreeMap<String, Row> = tree
        .iter()
        .map(|(p, m)| {
            let id = (!m.is_folder).then(|| m.id.clone());
            let row = (id, m.is_folder, m.rev, m.content_hash.clone(), m.size);
            (p.clone(), row)
        })
        .collect();
    let mut expected: BTreeMap<String, Row> = model
        .folders
        .iter()
        .map(|p| (p.clone(), (None, true, 0, None, 0)))
        .collect();
    for (path, id) in &model.live {
        let file = &model.files[id];
        let row = (
            Some(id.clone()),
            false,
            file.versions.len() as u64,
            file.versions.last().cloned(),
            file.size,
        );
        expected.insert(path.clone(), row);
    }
    assert_same(seed, "the server's tree", &server, "the model", &expected);
}

async fn check_everything_reachable(
    seed: u64,
    client: &Client,
    tree: &BTreeMap<String, FileMeta>,
    world: &mut World,
    rng: &mut Rng,
) {
    let mut reachable: BTreeSet<String> = BTreeSet::new();
    let versions = |id: String| async move {
        let list: VersionList = client
            .get(&format!("/api/v1/files/{id}/versions"))
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: versions of {id}: {e:?}"));
        list.versions
    };
    // Live files: their current content and every version, as the model has them.
    for meta in tree.values().filter(|m| !m.is_folder) {
        reachable.extend(meta.content_hash.clone());
        let history = versions(meta.id.clone()).await;
        let hashes: Vec<String> = history
            .iter()
            .rev()
            .map(|v| v.content_hash.clone())
            .collect();
        assert_eq!(
            hashes, world.model.files[&meta.id].versions,
            "seed {seed}: the versions of {} (oldest first)",
            meta.path
        );
        reachable.extend(hashes);
    }
    // The trash: the files the model trashed, each with its current content.
    let trash: TrashListing = client.get("/api/v1/trash").await.unwrap();
    let trashed: BTreeMap<String, Option<String>> = trash
        .entries
        .iter()
        .map(|e| (e.file.id.clone(), e.file.content_hash.clone()))
        .collect();
    let expected: BTreeMap<String, Option<String>> = world
        .model
        .files
        .iter()
        .filter(|(_, f)| f.path.is_none())
        .map(|(id, f)| (id.clone(), f.versions.last().cloned()))
        .collect();
    assert_same(seed, "the trash", &trashed, "the model's trash", &expected);
    reachable.extend(trashed.values().flatten().cloned());
    // A trashed file's older versions come back with it.
    for id in trashed.keys() {
        let restored: FileMeta = client
            .json(
                Method::POST,
                &format!("/api/v1/trash/{id}/restore"),
                &json!({}),
            )
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: restoring {id}: {e:?}"));
        let hashes: Vec<String> = versions(restored.id.clone())
            .await
            .iter()
            .rev()
            .map(|v| v.content_hash.clone())
            .collect();
        assert_eq!(
            hashes, world.model.files[id].versions,
            "seed {seed}: the versions of trashed {id}, restored to {}",
            restored.path
        );
        reachable.extend(hashes);
    }
    let lost: Vec<&String> = world
        .contents
        .keys()
        .filter(|h| !reachable.contains(*h))
        .collect();
    assert!(
        lost.is_empty(),
        "seed {seed}: committed contents no longer reachable: {lost:?}"
    );
    // And a few files' bytes, downloaded.
    let files: Vec<&FileMeta> = tree.values().filter(|m| !m.is_folder).collect();
    for _ in 0..files.len().min(5) {
        let meta = rng.pick(&files);
        let response = client.download(&meta.id).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "seed {seed}: {}",
            meta.path
        );
        let bytes = response.bytes().await.unwrap();
        let hash = meta.content_hash.as_ref().unwrap();
        assert!(
            bytes == world.contents[hash],
            "seed {seed}: the bytes of {} differ from those committed",
            meta.path
        );
    }
}

/// Checks a commit's answer against the model's expectation and records it.
fn check_commit(
    world: &mut World,
    what: &str,
    path: &str,
    expect: Expect,
    done: &UploadCommitted,
    hash: &str,
) {
    let file = &done.file;
    assert_eq!(
        file.content_hash.as_deref(),
        Some(hash),
        "{what}: commit to {path} answers another content"
    );
    match &expect {
        Expect::Version { id, rev } => {
            assert!(!done.conflict, "{what}: {path}: {expect:?}, got {done:?}");
            assert_eq!(
                (file.path.as_str(), file.rev),
                (path, *rev),
                "{what}: {expect:?}, got {done:?}"
            );
            if let Some(id) = id {
                assert_eq!(&file.id, id, "{what}: {expect:?}, got {done:?}");
            } else {
                assert!(
                    !world.model.files.contains_key(&file.id),
                    "{what}: a new file reuses id {}",
                    file.id
                );
            }
        }
        Expect::Unchanged { id, rev } => {
            assert!(!done.conflict, "{what}: {path}: {expect:?}, got {done:?}");
            assert_eq!(
                (file.id.as_str(), file.rev, file.path.as_str()),
                (id.as_str(), *rev, path),
                "{what}: {expect:?}, got {done:?}"
            );
        }
        Expect::ConflictCopy { path: copy } => {
            assert!(done.conflict, "{what}: {path}: {expect:?}, got {done:?}");
            assert_eq!(
                (file.path.as_str(), file.rev),
                (copy.as_str(), 1),
                "{what}: {expect:?}, got {done:?}"
            );
        }
    }
    world.model.committed(file, hash);
}

/// A date for the conflicted-copy name: the day of the commit, UTC. The answer's
/// `modified_at` is the commit time, so this is read after the commit.
fn date_of(done: &UploadCommitted) -> String {
    backend::domain::utc_date(done.file.modified_at)
}

/// Commits `data` at `path` from `device` and checks the answer against the model.
async fn commit_and_check(
    device: &mut Device,
    world: &mut World,
    what: &str,
    path: &str,
    data: Vec<u8>,
    parent_rev: Option<u64>,
) -> UploadCommitted {
    let (done, hash) = commit(
        &device.client,
        world.params,
        path,
        &data,
        parent_rev,
        device.name,
    )
    .await;
    let expect = world
        .model
        .expect_commit(path, &hash, parent_rev, device.name, &date_of(&done));
    match &expect {
        Expect::Version { id: None, .. } => world.count("new file"),
        Expect::Version { .. } if parent_rev.is_none() => world.count("blind overwrite"),
        Expect::Version { .. } => world.count("new version"),
        Expect::Unchanged { .. } => world.count("unchanged"),
        Expect::ConflictCopy { .. } => world.count("conflicted copy"),
    }
    check_commit(world, what, path, expect, &done, &hash);
    world.contents.insert(hash, data);
    device.note_rev(&done.file.id, done.file.rev);
    done
}

async fn upload_new(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let folder = rng.pick(&device.folders()).clone();
    let name = if rng.chance(70) {
        rng.pick(&NAMES).to_string()
    } else {
        world.new_names += 1;
        format!("new {}.txt", world.new_names)
    };
    let path = join(&folder, &name);
    if device.view.contains_key(&path) {
        return edit_path(device, world, rng, what, path).await;
    }
    // "I know of no file here": 0, so a file another device put there meanwhile is
    // kept and this one becomes the conflicted copy. Now and then no parent_rev at
    // all, as a plain upload sends: that replaces whatever is there.
    let parent_rev = if rng.chance(80) { Some(0) } else { None };
    let data = world.content(rng);
    let what = format!("{what}: upload new {path} (parent_rev {parent_rev:?})");
    commit_and_check(device, world, &what, &path, data, parent_rev).await;
}

async fn edit(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let files = device.files();
    if files.is_empty() {
        return upload_new(device, world, rng, what).await;
    }
    let (path, _) = rng.pick(&files).clone();
    edit_path(device, world, rng, what, path).await
}

async fn edit_path(
    device: &mut Device,
    world: &mut World,
    rng: &mut Rng,
    what: &str,
    path: String,
) {
    let seen = device.view[&path].clone();
    let parent_rev = device.last_rev.get(&seen.id).copied().unwrap_or(seen.rev);
    let live_id = world.model.live.get(&path).cloned();
    // Saved without a change, now and then: the content it has, if it is current.
    let current = live_id
        .as_ref()
        .map(|id| &world.model.files[id])
        .filter(|f| f.versions.len() as u64 == parent_rev)
        .and_then(|f| f.versions.last())
        .map(|hash| world.contents[hash].clone());
    let data = match current {
        Some(same) if rng.chance(10) => same,
        _ => world.content(rng),
    };
    let what = format!("{what}: edit {path} (parent_rev {parent_rev})");
    let done = commit_and_check(device, world, &what, &path, data, Some(parent_rev)).await;
    // Worth counting: where the edit landed, against the file the device meant.
    if !done.conflict {
        match live_id {
            None => world.count("edit recreated a moved or deleted file's path"),
            Some(id) if id != seen.id && done.file.id == id => {
                world.count("edit became a version of another file at that path")
            }
            Some(_) => {}
        }
    }
}

async fn move_file(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let files = device.files();
    if files.is_empty() {
        return make_folder(device, world, rng, what).await;
    }
    let (from, seen) = rng.pick(&files).clone();
    let folder = if rng.chance(30) {
        let base = rng.pick(&device.folders()).clone();
        join(&base, *rng.pick(&FOLDERS))
    } else {
        rng.pick(&device.folders()).clone()
    };
    let name = if rng.chance(50) {
        name_of(&from).to_string()
    } else if rng.chance(50) {
        rng.pick(&NAMES).to_string()
    } else {
        world.new_names += 1;
        format!("moved {}.txt", world.new_names)
    };
    let to = join(&folder, &name);
    let what = format!("{what}: move {from} ({}) to {to}", seen.id);
    let answer = device
        .client
        .json::<_, FileMeta>(
            Method::POST,
            &format!("/api/v1/files/{}/move", seen.id),
            &json!({ "path": to }),
        )
        .await;
    let model = &mut world.model;
    let current = model.files[&seen.id].path.clone();
    match (current, answer) {
        (None, Err(failure)) => {
            assert_eq!(failure.status, StatusCode::NOT_FOUND, "{what}: {failure:?}");
            world.count("move of a trashed file refused");
        }
        (Some(at), Err(failure)) => {
            assert_eq!(failure.status, StatusCode::CONFLICT, "{what}: {failure:?}");
            assert!(
                model.taken(&to) && at != to,
                "{what}: refused with {failure:?}, but {to} is free"
            );
            world.count("move onto a taken path refused");
        }
        (None, Ok(meta)) => panic!("{what}: the file is in the trash, yet moved: {meta:?}"),
        (Some(at), Ok(meta)) => {
            assert!(
                at == to || !model.taken(&to),
                "{what}: moved onto taken {to}: {meta:?}"
            );
            assert_eq!(
                (meta.id.as_str(), meta.path.as_str()),
                (seen.id.as_str(), to.as_str()),
                "{what}"
            );
            model.live.remove(&at);
            model.live.insert(to.clone(), seen.id.clone());
            model.files.get_mut(&seen.id).unwrap().path = Some(to.clone());
            model.mkdirs(parent_of(&to));
            world.count("move");
        }
    }
}

async fn delete(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let files = device.files();
    if files.is_empty() {
        return upload_new(device, world, rng, what).await;
    }
    let (path, seen) = rng.pick(&files).clone();
    let what = format!("{what}: delete {path} ({})", seen.id);
    let response = device
        .client
        .request(Method::DELETE, &format!("/api/v1/files/{}", seen.id))
        .send()
        .await
        .unwrap();
    let model = &mut world.model;
    match model.files[&seen.id].path.clone() {
        Some(at) => {
            assert_eq!(response.status(), StatusCode::OK, "{what}");
            model.live.remove(&at);
            model.files.get_mut(&seen.id).unwrap().path = None;
            world.count("delete");
        }
        None => {
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
            world.count("delete of a trashed file refused");
        }
    }
}

async fn make_folder(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let base = rng.pick(&device.folders()).clone();
    let path = join(&base, *rng.pick(&FOLDERS));
    let answer = device
        .client
        .json::<_, FileMeta>(Method::POST, "/api/v1/folders", &json!({ "path": path }))
        .await;
    if world.model.folders.contains(&path) {
        let failure = answer.expect_err(&format!("{what}: new folder {path} made twice"));
        assert_eq!(failure.status, StatusCode::CONFLICT, "{what}: {failure:?}");
        world.count("new folder already there");
        return;
    }
    let made = answer.unwrap_or_else(|e| panic!("{what}: new folder {path}: {e:?}"));
    assert!(made.is_folder && made.path == path, "{what}: {made:?}");
    world.model.mkdirs(&path);
    world.count("new folder");
}
