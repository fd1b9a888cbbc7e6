//! `ServerProcess`: the real `cairn` binary on a port it picks itself, for tests and
//! benchmarks that restart it, kill it, or measure it from outside.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `cairn` process on a port it picks itself; killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(data_dir: &std::path::Path, env: &[(String, String)]) -> ServerProcess {
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

    /// The process's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_kib("VmHWM:") / 1024.0
    }

    /// The process's resident memory now (VmRSS), in KiB.
    #[allow(dead_code)] // The ingest benchmark shares this file without using it.
    pub fn rss_kib(&self) -> f64 {
        self.status_kib("VmRSS:")
    }

    fn status_kib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap()
    }

    /// Asks the process to stop (SIGTERM) and waits for it to exit, at most `patience`;
    /// true when it did.
    #[allow(dead_code)] // The ingest benchmark shares this file without using it.
    pub fn terminate(&mut self, patience: std::time::Duration) -> bool {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let started = std::time::Instant::now();
        while started.elapsed() < patience {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }

    #[allow(dead_code)] // The log-in benchmark shares this file without using it.
    pub fn kill(mut self) {
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
