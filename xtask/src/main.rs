//! Cairn's automation: `cargo xtask run` builds everything and starts the server on
//! the embedded default; `cargo xtask test` runs every check and test of the project.
//! `cargo xtask tidy` checks the project's invariants over its source text (`tidy.rs`).
//!
//! Both install what a fresh machine lacks (the wasm32 target, the wasm-bindgen CLI at
//! the version in `Cargo.lock`, Debian's Chromium and ChromeDriver for the browser
//! tests, the e2e npm packages) and are safe to run again. The xtask depends on no
//! Cairn crate: it only runs tools.

mod tidy;

use anyhow::{bail, Context, Result};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root).context("while entering the workspace root")?;
    match args.first().map(String::as_str) {
        Some("run") => run(&root),
        Some("test") => test(&root),
        Some("tidy") => tidy::run(&root),
        Some("bench") => match args.get(1).map(String::as_str) {
            Some("chunker") => bench_chunker(&root),
            Some("server") => bench_server(),
            Some("notify") => bench_notify(),
            Some("upload") => bench_upload(&root),
            Some("login") => bench_login(),
            None => bench_chunker(&root)
                .and_then(|()| bench_server())
                .and_then(|()| bench_notify())
                .and_then(|()| bench_upload(&root))
                .and_then(|()| bench_login()),
            Some(other) => {
                bail!("unknown benchmark {other:?}; use chunker, server, notify, upload or login")
            }
        },
        Some("e2e") => e2e(&root, &args[1..]),
        Some("site") => {
            let profile = if args.iter().any(|a| a == "--release") {
                Profile::Release
            } else {
                Profile::Dev
            };
            ensure_wasm_tools()?;
            build_site(&root, profile).map(|_| ())
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 run    build the release server and WASM bundles, serve on http://127.0.0.1:8080\n  \
                 test   formatting, lints, unit, integration, WASM-in-Chromium and e2e tests\n  \
                 tidy   the project's invariants (layering, file headers and sizes, README's\n         \
                        configuration table); also run as a test by `test`\n  \
                 bench  print benchmark figures with ratios: chunker (native and in Chromium),\n         \
                        server (ingest vs curl, peak memory, commits vs INSERTs),\n         \
                        notify (change-stream latency and memory per stream at 1, 1,000 and\n         \
                        10,000 open streams), upload (the web app uploading 1 GiB vs a raw\n         \
                        browser PUT and curl), login (a valid log-in's latency and the\n         \
                        server's memory during a flood of wrong log-ins); all five by default\n  \
                 e2e    build the web assets and server, run only the Playwright tests;\n         \
                        what follows is passed to `playwright test` (e.g. a spec file or -g)\n  \
                 site   build only the web assets (add --release for the optimised bundle)"
            );
            std::process::exit(2);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Dev,
    Release,
}

impl Profile {
    /// The cargo profile for the WASM bundle of the web app.
    fn wasm_app(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "wasm-release",
        }
    }

    /// The cargo profile for the chunker: always optimised for speed, it hashes
    /// every byte.
    fn wasm_chunker(self) -> &'static str {
        "release"
    }

    fn server(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }
}

/// The directory cargo puts a profile's artifacts in.
fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        other => other,
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask lives one level below the workspace root")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run_step(title: &str, command: &mut Command) -> Result<()> {
    eprintln!("==> {title}");
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("while starting: {title} ({command:?})"))?;
    if !status.success() {
        bail!("{title} failed ({status})");
    }
    eprintln!(
        "    {title}: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn output_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

// ---------------------------------------------------------------------------
// Tools a fresh machine may lack.

fn ensure_wasm_target() -> Result<()> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    run_step(
        "install the wasm32 target",
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
    )
}

/// The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("while reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package; run `cargo generate-lockfile`")
}

fn ensure_wasm_bindgen_cli(root: &Path) -> Result<()> {
    let version = locked_wasm_bindgen_version(root)?;
    let installed = output_of(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(());
    }
    // Not `--locked`: the CLI's own lock file can name versions the registry lacks.
    run_step(
        &format!("install wasm-bindgen-cli {version}"),
        cargo().args(["install", "wasm-bindgen-cli", "--version", &version]),
    )
}

fn ensure_wasm_tools() -> Result<()> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen_cli(&workspace_root()?)
}

fn ensure_chromium() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

fn ensure_e2e_packages(root: &Path) -> Result<()> {
    let e2e = root.join("e2e");
    let marker = e2e.join("node_modules/.package-lock.json");
    let lock = e2e.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(installed), Ok(locked)) => installed.modified()? >= locked.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run_step(
        "install the e2e npm packages",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )
}

/// A PostgreSQL server for the tests: the machine's own when one answers on
/// 127.0.0.1:5432, else a throwaway cluster in a temporary directory, stopped on drop.
struct Postgres {
    url: String,
    throwaway: Option<PathBuf>,
}

impl Postgres {
    fn ensure() -> Result<Postgres> {
        if std::net::TcpStream::connect(("127.0.0.1", 5432)).is_ok() {
            return Ok(Postgres {
                url: "postgres://postgres@127.0.0.1:5432".into(),
                throwaway: None,
            });
        }
        let bin_dir = match postgres_bin_dir() {
            Some(dir) => dir,
            None => {
                apt_install(&["postgresql"])?;
                postgres_bin_dir().context("postgresql is installed but initdb was not found")?
            }
        };
        let dir = std::env::temp_dir().join(format!("cairn-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        let as_root = running_as_root();
        // PostgreSQL refuses to run as root: run it as the postgres user then.
        let pg = |program: &str| {
            let mut command = if as_root {
                let mut runuser = Command::new("runuser");
                runuser
                    .args(["-u", "postgres", "--"])
                    .arg(bin_dir.join(program));
                runuser
            } else {
                Command::new(bin_dir.join(program))
            };
            command.env("LC_ALL", "C");
            command
        };
        if as_root {
            run_step(
                "prepare the throwaway PostgreSQL directory",
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
            )?;
        }
        let data = dir.join("data");
        run_step(
            "initdb a throwaway PostgreSQL",
            pg("initdb")
                .args(["--auth=trust", "--username=postgres", "-D"])
                .arg(&data),
        )?;
        run_step(
            "start the throwaway PostgreSQL",
            pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(format!(
                    "-p {port} -c listen_addresses=127.0.0.1 -k {}",
                    dir.display()
                ))
                .args(["-l"])
                .arg(dir.join("log"))
                .args(["-w", "start"]),
        )?;
        Ok(Postgres {
            url: format!("postgres://postgres@127.0.0.1:{port}"),
            throwaway: Some(dir),
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(dir) = &self.throwaway {
            if let Some(bin_dir) = postgres_bin_dir() {
                let mut stop = Command::new("runuser");
                stop.args(["-u", "postgres", "--"])
                    .arg(bin_dir.join("pg_ctl"))
                    .arg("-D")
                    .arg(dir.join("data"))
                    .args(["-m", "fast", "stop"]);
                let _ = stop.status();
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A Redis server for the tests: the machine's own when one answers PING on
/// 127.0.0.1:6379, else a throwaway `redis-server` (installed from Debian's packages
/// if missing) on a free loopback port, without persistence, stopped on drop.
struct Redis {
    url: String,
    throwaway: Option<(std::process::Child, PathBuf)>,
}

/// Whether a Redis server answers PING on 127.0.0.1:`port`.
fn redis_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) =
        std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(1))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

impl Redis {
    fn ensure() -> Result<Redis> {
        if redis_answers(6379) {
            return Ok(Redis {
                url: "redis://127.0.0.1:6379".into(),
                throwaway: None,
            });
        }
        let installed = || {
            Command::new("redis-server")
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !installed() {
            apt_install(&["redis-server"])?;
            if !installed() {
                bail!("redis-server is still missing after installing Debian's redis-server");
            }
        }
        let dir = std::env::temp_dir().join(format!("cairn-redis-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = free_port()?;
        let mut server = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(dir.join("log"))
            .spawn()
            .context("while starting a throwaway redis-server")?;
        let started = Instant::now();
        while !redis_answers(port) {
            if let Ok(Some(status)) = server.try_wait() {
                bail!(
                    "the throwaway redis-server exited ({status}); see {}",
                    dir.join("log").display()
                );
            }
            if started.elapsed().as_secs() > 20 {
                let _ = server.kill();
                let _ = server.wait();
                bail!(
                    "the throwaway redis-server did not answer PING on port {port} within 20 s; see {}",
                    dir.join("log").display()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(Redis {
            url: format!("redis://127.0.0.1:{port}"),
            throwaway: Some((server, dir)),
        })
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some((server, dir)) = &mut self.throwaway {
            let _ = server.kill();
            let _ = server.wait();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The Garage version the tests run their S3 server on.
const GARAGE_VERSION: &str = "2.5.0";

/// A throwaway single-node Garage S3 server on loopback, stopped on drop, with one
/// bucket and key for the tests.
struct Garage {
    dir: PathBuf,
    server: std::process::Child,
    /// `CAIRN_TEST_S3_*` variables for the integration suite.
    env: Vec<(&'static str, String)>,
}

fn random_hex(bytes: usize) -> Result<String> {
    use std::io::Read;
    let mut buffer = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buffer))
        .context("while reading /dev/urandom")?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

impl Garage {
    fn ensure() -> Result<Garage> {
        let installed = output_of(Command::new("garage").arg("--version")).unwrap_or_default();
        if !installed.contains(GARAGE_VERSION) {
            run_step(
                &format!("install garage {GARAGE_VERSION} (the S3 server for the tests)"),
                cargo().args(["install", "garage", "--version", GARAGE_VERSION, "--locked"]),
            )?;
        }
        eprintln!("==> start a throwaway Garage S3 server");
        let dir = std::env::temp_dir().join(format!("cairn-garage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let (rpc, s3) = (free_port()?, free_port()?);
        let config = dir.join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{dir}/meta\"\n\
                 data_dir = \"{dir}/data\"\n\
                 db_engine = \"sqlite\"\n\
                 replication_factor = 1\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{secret}\"\n\
                 [s3_api]\n\
                 s3_region = \"garage\"\n\
                 api_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n",
                dir = dir.display(),
                secret = random_hex(32)?,
            ),
        )?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let server = Command::new("garage")
            .arg("-c")
            .arg(&config)
            .arg("server")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("while starting garage")?;
        let mut garage = Garage {
            dir,
            server,
            env: Vec::new(),
        };
        let cli = |args: &[&str]| -> Result<String> {
            let output = Command::new("garage")
                .arg("-c")
                .arg(&config)
                .args(args)
                .output()
                .with_context(|| format!("while running garage {}", args.join(" ")))?;
            if !output.status.success() {
                bail!(
                    "garage {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        };
        // The server takes a moment to open its RPC port: poll `status` (which needs
        // it; `node id` does not), with a deadline.
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match cli(&["status"]) {
                Ok(_) => break,
                Err(error) if Instant::now() > deadline => {
                    return Err(error.context("garage did not start within 60 s"))
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        }
        let node = cli(&["node", "id", "-q"])?;
        let node = node
            .trim()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
        cli(&["layout", "apply", "--version", "1"])?;
        cli(&["bucket", "create", "cairn-test"])?;
        let key = cli(&["key", "create", "cairn-test-key"])?;
        let field = |label: &str| {
            key.lines()
                .find_map(|line| line.trim().strip_prefix(label))
                .map(|value| value.trim().to_string())
                .with_context(|| format!("garage key create printed no {label:?}: {key}"))
        };
        let (key_id, secret) = (field("Key ID:")?, field("Secret key:")?);
        cli(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            "cairn-test",
            "--key",
            "cairn-test-key",
        ])?;
        garage.env = vec![
            ("CAIRN_TEST_S3_ENDPOINT", format!("http://127.0.0.1:{s3}")),
            ("CAIRN_TEST_S3_REGION", "garage".into()),
            ("CAIRN_TEST_S3_BUCKET", "cairn-test".into()),
            ("CAIRN_TEST_S3_ACCESS_KEY_ID", key_id),
            ("CAIRN_TEST_S3_SECRET_ACCESS_KEY", secret),
        ];
        Ok(garage)
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn running_as_root() -> bool {
    output_of(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// The newest installed PostgreSQL's `bin` directory, e.g. `/usr/lib/postgresql/15/bin`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let as_root = running_as_root();
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run_step("apt-get update", &mut apt(&["update", "-q"]))?;
    let mut install = vec!["install", "-y", "-q"];
    install.extend_from_slice(packages);
    run_step(
        &format!("install {}", packages.join(", ")),
        &mut apt(&install),
    )
}

// ---------------------------------------------------------------------------
// Building.

/// Builds the web assets into `<target>/site`: the hydration bundle, the chunker
/// bundle, and the static files of `frontend/public`. Returns the site directory.
fn build_site(root: &Path, profile: Profile) -> Result<PathBuf> {
    let target = target_dir(root);
    let site = target.join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).context("while creating the site directory")?;

    run_step(
        "build the web app for the browser (WASM)",
        cargo().args([
            "build",
            "--package",
            "frontend",
            "--lib",
            "--target",
            WASM_TARGET,
            "--features",
            "hydrate",
            "--profile",
            profile.wasm_app(),
        ]),
    )?;
    run_step(
        "build the chunker for the browser (WASM)",
        cargo().args([
            "build",
            "--package",
            "wasm-chunker",
            "--lib",
            "--target",
            WASM_TARGET,
            "--features",
            "web",
            "--profile",
            profile.wasm_chunker(),
        ]),
    )?;
    let wasm_dir = |p: &str| target.join(WASM_TARGET).join(profile_dir(p));
    for (wasm, out_name) in [
        (wasm_dir(profile.wasm_app()).join("frontend.wasm"), "cairn"),
        (
            wasm_dir(profile.wasm_chunker()).join("wasm_chunker.wasm"),
            "wasm_chunker",
        ),
    ] {
        let mut command = Command::new("wasm-bindgen");
        command
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                out_name,
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&wasm);
        if profile == Profile::Dev {
            command.arg("--debug");
        }
        run_step(&format!("wasm-bindgen {out_name}"), &mut command)?;
    }
    copy_dir(&root.join("frontend/public"), &site)?;
    for bundle in ["cairn_bg.wasm", "wasm_chunker_bg.wasm"] {
        let size = std::fs::metadata(pkg.join(bundle))
            .map(|m| m.len())
            .unwrap_or(0);
        eprintln!("    {bundle}: {:.0} KiB", size as f64 / 1024.0);
    }
    Ok(site)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for entry in
        std::fs::read_dir(from).with_context(|| format!("while reading {}", from.display()))?
    {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&destination)?;
            copy_dir(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination)
                .with_context(|| format!("while copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn build_server(profile: Profile) -> Result<()> {
    run_step(
        "build the server",
        cargo().args([
            "build",
            "--package",
            "backend",
            "--bin",
            "cairn",
            "--profile",
            profile.server(),
        ]),
    )
}

fn server_binary(root: &Path, profile: Profile) -> PathBuf {
    target_dir(root)
        .join(profile_dir(profile.server()))
        .join("cairn")
}

// ---------------------------------------------------------------------------
// Commands.

fn run(root: &Path) -> Result<()> {
    ensure_wasm_tools()?;
    let site = build_site(root, Profile::Release)?;
    build_server(Profile::Release)?;
    eprintln!("==> Cairn on http://127.0.0.1:8080 (data in ./data; Ctrl-C stops it)");
    let status = Command::new(server_binary(root, Profile::Release))
        .env("CAIRN_SITE_DIR", &site)
        .env("LEPTOS_OUTPUT_NAME", "cairn")
        .status()
        .context("while starting the server")?;
    if !status.success() {
        bail!("the server stopped with {status}");
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("while looking for a free port")?;
    Ok(listener.local_addr()?.port())
}

fn test(root: &Path) -> Result<()> {
    let started = Instant::now();
    ensure_wasm_tools()?;
    ensure_chromium()?;
    ensure_e2e_packages(root)?;

    run_step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    // The invariants first: they take a second and say precisely what to fix (the
    // same check runs again as xtask's own test).
    eprintln!("==> tidy");
    tidy::run(root)?;
    run_step(
        "clippy (native, all targets)",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run_step(
        "clippy (web app, hydrate, wasm32)",
        cargo().args([
            "clippy",
            "--package",
            "frontend",
            "--lib",
            "--features",
            "hydrate",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run_step(
        "clippy (chunker bindings, wasm32)",
        cargo().args([
            "clippy",
            "--package",
            "wasm-chunker",
            "--all-targets",
            "--features",
            "web",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]),
    )?;

    // The tests of several processes sharing one database and Redis need both on
    // every run, whatever database the rest of the run uses.
    let postgres = Postgres::ensure()?;
    let redis = Redis::ensure()?;
    run_step(
        "unit tests, and integration tests (sqlite, disk chunks)",
        cargo()
            .args(["test", "--workspace"])
            .env("CAIRN_TEST_POSTGRES_URL", &postgres.url)
            .env("CAIRN_TEST_REDIS_URL", &redis.url),
    )?;
    let garage = Garage::ensure()?;
    for (database, blobs) in [("postgres", "disk"), ("sqlite", "s3"), ("postgres", "s3")] {
        let mut command = cargo();
        command
            .args(["test", "--package", "backend", "--test", "it"])
            .env("CAIRN_TEST_DATABASE", database)
            .env("CAIRN_TEST_BLOBS", blobs)
            // The 2 GiB archive test runs in full on SQLite and disk (above); here
            // on a smaller file, the same code paths in the other stores.
            .env("CAIRN_TEST_BIG_FILE_MIB", "256")
            .env("CAIRN_TEST_POSTGRES_URL", &postgres.url)
            .env("CAIRN_TEST_REDIS_URL", &redis.url);
        for (key, value) in &garage.env {
            command.env(key, value);
        }
        run_step(
            &format!("integration tests ({database}, {blobs} chunks)"),
            &mut command,
        )?;
    }
    drop(garage);
    drop(redis);
    drop(postgres);
    run_step(
        "chunker tests in headless Chromium (wasm-bindgen-test)",
        cargo()
            .args([
                "test",
                "--package",
                "wasm-chunker",
                "--features",
                "web",
                "--target",
                WASM_TARGET,
                "--release",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
            .current_dir(root.join("wasm-chunker")),
    )?;

    let site = build_site(root, Profile::Dev)?;
    build_server(Profile::Dev)?;
    run_playwright(
        root,
        "end-to-end tests in Chromium (Playwright)",
        &site,
        Profile::Dev,
        &[],
    )?;
    eprintln!(
        "==> every check passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask e2e [playwright args]`: the browser tests alone, for working on them.
fn e2e(root: &Path, playwright_args: &[String]) -> Result<()> {
    ensure_wasm_tools()?;
    ensure_chromium()?;
    ensure_e2e_packages(root)?;
    let site = build_site(root, Profile::Dev)?;
    build_server(Profile::Dev)?;
    let extra: Vec<(&str, String)> = playwright_args
        .iter()
        .map(|arg| ("--", arg.clone()))
        .collect();
    run_playwright(
        root,
        "end-to-end tests in Chromium (Playwright)",
        &site,
        Profile::Dev,
        &extra,
    )
}

/// Runs Playwright against a fresh `cairn` (`server` build) on a free loopback port with a
/// throwaway data directory. Each `extra` pair is an environment variable, or, when
/// its key starts with `--`, an option passed to `playwright test` as `--key=value`;
/// a key of `--` alone passes its value as it is.
fn run_playwright(
    root: &Path,
    title: &str,
    site: &Path,
    server: Profile,
    extra: &[(&str, String)],
) -> Result<()> {
    let data_dir = std::env::temp_dir().join(format!("cairn-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let port = free_port()?;
    let mut command = Command::new("npx");
    command
        .args(["playwright", "test"])
        .current_dir(root.join("e2e"))
        .env("E2E_SERVER_BIN", server_binary(root, server))
        .env("E2E_SITE_DIR", site)
        .env("E2E_DATA_DIR", &data_dir)
        .env("E2E_PORT", port.to_string())
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    for (key, value) in extra {
        if *key == "--" {
            command.arg(value);
        } else if key.starts_with("--") {
            command.arg(format!("{key}={value}"));
        } else {
            command.env(key, value);
        }
    }
    let result = run_step(title, &mut command);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

fn bench_server() -> Result<()> {
    let postgres = Postgres::ensure()?;
    run_step(
        "server benchmarks (release build of cairn on loopback)",
        cargo()
            .args(["bench", "--package", "backend", "--bench", "ingest"])
            .env("BENCH_POSTGRES_URL", &postgres.url),
    )
}

fn bench_notify() -> Result<()> {
    run_step(
        "notification benchmark (release build of cairn on loopback, up to 10,000 open streams)",
        cargo().args(["bench", "--package", "backend", "--bench", "notify"]),
    )
}

/// `cargo xtask bench login`: a valid log-in's latency during a flood of wrong ones.
fn bench_login() -> Result<()> {
    run_step(
        "log-in flood benchmark (release build of cairn on loopback)",
        cargo().args(["bench", "--package", "backend", "--bench", "login"]),
    )
}

fn bench_chunker(root: &Path) -> Result<()> {
    ensure_wasm_tools()?;
    ensure_chromium()?;
    ensure_e2e_packages(root)?;
    eprintln!("==> native chunker benchmark (as the server runs it: SHA-256 in hardware where the CPU has it)");
    let native = native_bench(&[])?;
    eprintln!("==> native chunker benchmark (the same portable Rust code as the WASM build)");
    let portable = native_bench(&["--features", "sha2/force-soft"])?;
    let site = build_site(root, Profile::Dev)?;
    build_server(Profile::Dev)?;
    run_playwright(
        root,
        "browser chunking benchmark (Playwright)",
        &site,
        Profile::Dev,
        &[
            ("--config", "playwright.bench.config.ts".to_string()),
            ("--", "chunker.bench".to_string()),
            ("BENCH_NATIVE_MBPS", native),
            ("BENCH_PORTABLE_MBPS", portable),
        ],
    )
}

/// `cargo xtask bench upload`: the web app uploading a 1 GiB file against the same
/// browser's raw PUT of it and curl's, on the release site and server.
fn bench_upload(root: &Path) -> Result<()> {
    ensure_wasm_tools()?;
    ensure_chromium()?;
    ensure_e2e_packages(root)?;
    let site = build_site(root, Profile::Release)?;
    build_server(Profile::Release)?;
    run_playwright(
        root,
        "browser upload benchmark (Playwright, release build of cairn on loopback)",
        &site,
        Profile::Release,
        &[
            ("--config", "playwright.bench.config.ts".to_string()),
            ("--", "upload.bench".to_string()),
        ],
    )
}

/// Runs the native chunker benchmark; returns its chunk+hash MB/s.
fn native_bench(extra: &[&str]) -> Result<String> {
    let output = cargo()
        .args([
            "bench",
            "--package",
            "wasm-chunker",
            "--bench",
            "throughput",
        ])
        .args(extra)
        .output()
        .context("while running the native benchmark")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        bail!("the native benchmark failed ({})", output.status);
    }
    print!("{stdout}");
    Ok(stdout
        .lines()
        .find_map(|line| line.strip_prefix("BENCH native_chunk_hash_mbps="))
        .context("the native benchmark printed no chunk+hash figure")?
        .to_string())
}
