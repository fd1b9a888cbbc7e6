//! Several devices of one account against one server, driven by a seeded PRNG: each
//! uploads, edits (with the `parent_rev` it last saw), moves, deletes, makes folders,
//! goes offline and comes back, and learns of the others' changes only through
//! `/sync/delta` from its own cursor. A model of the server's documented rules
//! predicts every answer; at the end each device's view must equal the server's
//! tree, the tree must equal the model, and every content ever committed must still
//! be reachable: as a live file, a version, or in the trash.
//!
//! The rules the model follows are the server's (`commit_upload`): a commit targets
//! the upload's *path*, whatever file the device meant. Nothing live there: a new file
//! (so an edit of a file moved or deleted meanwhile recreates it at the old path, the
//! moved or trashed one untouched). The same content as there: nothing new. A
//! `parent_rev` other than the current rev there: a conflicted copy beside it.
//! Otherwise a new version of whatever file is there, even one the device never saw
//! whose rev happens to equal its `parent_rev`.
//!
//! By default it runs [`DEFAULT_SEEDS`] seeds from [`DEFAULT_SEED`], some 300 steps each.
//! `CAIRN_TEST_SEED=n` runs seed n alone (a failure names its seed and step), and
//! `CAIRN_TEST_SOAK_SEEDS=n` runs n consecutive seeds from there (or from the default):
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
/// Seeds run when neither variable is set: about 5 to 10 s each.
const DEFAULT_SEEDS: u64 = 4;
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

fn folder_name(rng: &mut Rng) -> &'static str {
    FOLDERS[rng.below(FOLDERS.len())]
}

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
    /// Where it lives; `None` once trashed, or inside a trashed folder.
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
    /// Live folder path (the root left out) → id, learned from the journal.
    folders: BTreeMap<String, Option<String>>,
    /// Entries deleted themselves (not those inside a deleted folder): the trash.
    trash: BTreeSet<String>,
    /// The journal entries expected since the observer last read it.
    journal: Vec<Journaled>,
}

/// A journal entry: action, path, old path (of a move), id (`None`: a new folder).
type Journaled = (&'static str, String, Option<String>, Option<String>);

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
            if !self.folders.contains_key(&path) {
                self.folders.insert(path.clone(), None);
                self.journal.push(("added", path.clone(), None, None));
            }
        }
    }

    fn taken(&self, path: &str) -> bool {
        self.live.contains_key(path) || self.folders.contains_key(path)
    }

    fn folder_path(&self, id: &str) -> Option<String> {
        self.folders
            .iter()
            .find(|(_, f)| f.as_deref() == Some(id))
            .map(|(p, _)| p.clone())
    }

    fn move_file(&mut self, id: &str, to: &str) {
        let at = self.files[id].path.clone().expect("a live file");
        self.mkdirs(parent_of(to));
        self.live.remove(&at);
        self.live.insert(to.to_string(), id.to_string());
        self.files.get_mut(id).unwrap().path = Some(to.to_string());
        self.journal
            .push(("moved", to.to_string(), Some(at), Some(id.to_string())));
    }

    fn delete_file(&mut self, id: &str) {
        let at = self.files[id].path.clone().expect("a live file");
        self.live.remove(&at);
        self.files.get_mut(id).unwrap().path = None;
        self.trash.insert(id.to_string());
        self.journal
            .push(("deleted", at, None, Some(id.to_string())));
    }

    /// Moves (`to: Some`) or trashes the folder at `from` with all it holds.
    fn move_folder(&mut self, from: &str, to: Option<&str>) {
        let id = self.folders[from].clone().expect("a folder's id is known");
        if let Some(to) = to {
            self.mkdirs(parent_of(to));
        }
        let prefix = format!("{from}/");
        let moved = |path: &str| -> Option<String> {
            let rest = path.strip_prefix(&prefix)?;
            Some(match to {
                Some(to) => format!("{to}/{rest}"),
                None => String::new(),
            })
        };
        let folders: Vec<(String, Option<String>)> = std::mem::take(&mut self.folders)
            .into_iter()
            .filter_map(|(path, f)| match (path == from, moved(&path)) {
                (true, _) => to.map(|to| (to.to_string(), f)),
                (false, Some(new)) => to.map(|_| (new, f)),
                (false, None) => Some((path, f)),
            })
            .collect();
        self.folders = folders.into_iter().collect();
        let files: Vec<(String, String)> = std::mem::take(&mut self.live).into_iter().collect();
        for (path, file) in files {
            match moved(&path) {
                None => {
                    self.live.insert(path, file);
                }
                Some(new) => {
                    let new = to.map(|_| new);
                    if let Some(new) = &new {
                        self.live.insert(new.clone(), file.clone());
                    }
                    self.files.get_mut(&file).unwrap().path = new;
                }
            }
        }
        match to {
            Some(to) => {
                self.journal
                    .push(("moved", to.to_string(), Some(from.to_string()), Some(id)))
            }
            None => {
                self.trash.insert(id.clone());
                self.journal
                    .push(("deleted", from.to_string(), None, Some(id)));
            }
        }
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
        let action = match self.files.get(&file.id) {
            None => Some("added"),
            Some(known) if known.versions.len() as u64 != file.rev => Some("modified"),
            Some(_) => None,
        };
        if let Some(action) = action {
            self.journal
                .push((action, file.path.clone(), None, Some(file.id.clone())));
        }
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
        file_id: None,
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
    let number = |name: &str| {
        std::env::var(name).ok().map(|s| {
            s.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name}={s:?} is not a number"))
        })
    };
    let seed = number("CAIRN_TEST_SEED");
    let first = seed.unwrap_or(DEFAULT_SEED);
    let count =
        number("CAIRN_TEST_SOAK_SEEDS").unwrap_or(if seed.is_some() { 1 } else { DEFAULT_SEEDS });
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
    for name in DEVICES.into_iter().chain(["observer"]) {
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
    // Not a device: reads the journal after each step, to check it against the model.
    let mut observer = devices.pop().unwrap();

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
            25..=52 => edit(device, &mut world, &mut rng, &what).await,
            53..=63 => move_file(device, &mut world, &mut rng, &what).await,
            64..=72 => delete(device, &mut world, &mut rng, &what).await,
            73..=76 => make_folder(device, &mut world, &mut rng, &what).await,
            77..=78 => delete_folder(device, &mut world, &mut rng, &what).await,
            79..=81 => move_folder(device, &mut world, &mut rng, &what).await,
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
        observe(&mut observer, &mut world.model, &what).await;
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
            let row = (
                Some(m.id.clone()),
                m.is_folder,
                m.rev,
                m.content_hash.clone(),
                m.size,
            );
            (p.clone(), row)
        })
        .collect();
    let mut expected: BTreeMap<String, Row> = model
        .folders
        .iter()
        .map(|(p, id)| (p.clone(), (id.clone(), true, 0, None, 0)))
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

/// The versions of file `id`, oldest first, as the model has them.
async fn check_versions(
    seed: u64,
    client: &Client,
    model: &Model,
    id: &str,
    path: &str,
) -> Vec<String> {
    let list: VersionList = client
        .get(&format!("/api/v1/files/{id}/versions"))
        .await
        .unwrap_or_else(|e| panic!("seed {seed}: versions of {path} ({id}): {e:?}"));
    let hashes: Vec<String> = list
        .versions
        .iter()
        .rev()
        .map(|v| v.content_hash.clone())
        .collect();
    assert_eq!(
        hashes, model.files[id].versions,
        "seed {seed}: the versions of {path} ({id}), oldest first"
    );
    hashes
}

async fn check_everything_reachable(
    seed: u64,
    client: &Client,
    tree: &BTreeMap<String, FileMeta>,
    world: &mut World,
    rng: &mut Rng,
) {
    let model = &world.model;
    let mut reachable: BTreeSet<String> = BTreeSet::new();
    // Live files: their current content and every version, as the model has them.
    for meta in tree.values().filter(|m| !m.is_folder) {
        reachable.extend(meta.content_hash.clone());
        reachable.extend(check_versions(seed, client, model, &meta.id, &meta.path).await);
    }
    // The trash: what the model trashed (files with their current content).
    let trash: TrashListing = client.get("/api/v1/trash").await.unwrap();
    let trashed: BTreeMap<String, Option<String>> = trash
        .entries
        .iter()
        .map(|e| (e.file.id.clone(), e.file.content_hash.clone()))
        .collect();
    let expected: BTreeMap<String, Option<String>> = model
        .trash
        .iter()
        .map(|id| {
            (
                id.clone(),
                model.files.get(id).and_then(|f| f.versions.last().cloned()),
            )
        })
        .collect();
    assert_same(seed, "the trash", &trashed, "the model's trash", &expected);
    reachable.extend(trashed.values().flatten().cloned());
    // What is in the trash comes back with all its versions, and with it the files
    // of trashed folders.
    for id in trashed.keys() {
        client
            .json::<_, FileMeta>(
                Method::POST,
                &format!("/api/v1/trash/{id}/restore"),
                &json!({}),
            )
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: restoring {id}: {e:?}"));
    }
    let restored = list_tree_meta(client).await;
    let restored_files: BTreeMap<&str, &FileMeta> = restored
        .values()
        .filter(|m| !m.is_folder)
        .map(|m| (m.id.as_str(), m))
        .collect();
    let missing: Vec<(&String, &ModelFile)> = model
        .files
        .iter()
        .filter(|(id, _)| !restored_files.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "seed {seed}: files neither live nor brought back from the trash: {missing:?}"
    );
    for meta in restored_files.values() {
        if model.files[&meta.id].path.is_none() {
            reachable.extend(check_versions(seed, client, model, &meta.id, &meta.path).await);
        }
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
        join(&base, folder_name(rng))
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
    let answer = device.client.move_entry(&seen.id, &to).await;
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
            if at != to {
                model.move_file(&seen.id, &to);
            }
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
            assert_eq!(response.status(), StatusCode::OK, "{what}: {at}");
            model.delete_file(&seen.id);
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
    let path = join(&base, folder_name(rng));
    let answer = device
        .client
        .json::<_, FileMeta>(Method::POST, "/api/v1/folders", &json!({ "path": path }))
        .await;
    if world.model.folders.contains_key(&path) {
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

/// A folder the device knows (not the root), or `None`.
fn known_folder(device: &Device, rng: &mut Rng) -> Option<(String, Seen)> {
    let folders: Vec<(String, Seen)> = device
        .view
        .iter()
        .filter(|(_, s)| s.is_folder)
        .map(|(p, s)| (p.clone(), s.clone()))
        .collect();
    (!folders.is_empty()).then(|| rng.pick(&folders).clone())
}

async fn delete_folder(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let Some((path, seen)) = known_folder(device, rng) else {
        return make_folder(device, world, rng, what).await;
    };
    let what = format!("{what}: delete folder {path} ({})", seen.id);
    let response = device
        .client
        .request(Method::DELETE, &format!("/api/v1/files/{}", seen.id))
        .send()
        .await
        .unwrap();
    match world.model.folder_path(&seen.id) {
        Some(at) => {
            assert_eq!(response.status(), StatusCode::OK, "{what}: {at}");
            world.model.move_folder(&at, None);
            world.count("delete folder");
        }
        None => {
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
            world.count("delete of a trashed folder refused");
        }
    }
}

async fn move_folder(device: &mut Device, world: &mut World, rng: &mut Rng, what: &str) {
    let Some((from, seen)) = known_folder(device, rng) else {
        return make_folder(device, world, rng, what).await;
    };
    let base = rng.pick(&device.folders()).clone();
    let to = join(&base, folder_name(rng));
    let what = format!("{what}: move folder {from} ({}) to {to}", seen.id);
    let answer = device.client.move_entry(&seen.id, &to).await;
    let model = &mut world.model;
    let Some(at) = model.folder_path(&seen.id) else {
        let failure = answer.expect_err(&format!("{what}: a trashed folder moved"));
        assert_eq!(failure.status, StatusCode::NOT_FOUND, "{what}: {failure:?}");
        world.count("move of a trashed folder refused");
        return;
    };
    if to.starts_with(&format!("{at}/")) {
        let failure = answer.expect_err(&format!("{what}: moved into itself"));
        assert_eq!(
            failure.status,
            StatusCode::BAD_REQUEST,
            "{what}: {failure:?}"
        );
        world.count("move of a folder into itself refused");
    } else if at != to && model.taken(&to) {
        let failure = answer.expect_err(&format!("{what}: moved onto a taken path"));
        assert_eq!(failure.status, StatusCode::CONFLICT, "{what}: {failure:?}");
        world.count("move onto a taken path refused");
    } else {
        let meta = answer.unwrap_or_else(|e| panic!("{what} (now at {at}): {e:?}"));
        assert_eq!(
            (meta.id.as_str(), meta.path.as_str()),
            (seen.id.as_str(), to.as_str()),
            "{what}"
        );
        if at != to {
            model.move_folder(&at, Some(&to));
        }
        world.count("move folder");
    }
}

/// Reads the journal from where it last stopped and checks that it holds exactly
/// what the model expects of the operations since; learns new folders' ids.
async fn observe(observer: &mut Device, model: &mut Model, what: &str) {
    let before = observer.cursor.clone();
    let mut entries = Vec::new();
    loop {
        let path = match &observer.cursor {
            Some(c) => format!("/api/v1/sync/delta?cursor={c}"),
            None => "/api/v1/sync/delta".to_string(),
        };
        let page: Delta = observer.client.get(&path).await.unwrap();
        assert!(
            !page.reset,
            "{what}: the journal was reset after {before:?}"
        );
        entries.extend(page.entries);
        observer.cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    let expected = std::mem::take(&mut model.journal);
    let got: Vec<Journaled> = entries
        .iter()
        .zip(
            expected
                .iter()
                .map(|e| e.3.is_some())
                .chain(std::iter::repeat(true)),
        )
        .map(|(e, id_known)| {
            let action = match e.action.as_str() {
                "added" => "added",
                "modified" => "modified",
                "moved" => "moved",
                "deleted" => "deleted",
                other => panic!("{what}: unknown action {other:?}"),
            };
            let id = id_known.then(|| e.file.id.clone());
            (action, e.path.clone(), e.old_path.clone(), id)
        })
        .collect();
    assert_eq!(
        got, expected,
        "{what}: the journal holds other changes than expected"
    );
    for entry in &entries {
        if entry.action == "added" && entry.file.is_folder {
            let slot = model
                .folders
                .get_mut(&entry.path)
                .unwrap_or_else(|| panic!("{what}: no folder {} in the model", entry.path));
            if slot.is_none() {
                *slot = Some(entry.file.id.clone());
            }
        }
    }
}
