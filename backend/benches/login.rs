//! Log-in flood benchmark against the real `cairn` binary (SQLite, temporary data
//! directory) on loopback: how long a user with the right password waits to log in
//! while wrong log-ins pour in, and how much memory the server holds meanwhile.
//!
//! The server trusts loopback as a proxy (`CAIRN_TRUSTED_PROXIES=127.0.0.1`), so
//! each flood client is counted by its own `X-Forwarded-For` address, and its limit
//! of failures per client address is off (`CAIRN_LOGIN_FAILURES_PER_CLIENT=0`), so
//! that the flood is not cut short by throttling: every wrong guess costs an Argon2
//! check, and what is measured is the bound on that work. The guesses rotate over
//! `FLOOD_USERNAMES` names, so none reaches the per-username limit in the run.
//!
//! Baseline, measured in the same run: the same user's log-ins with no flood.
//! Printed: p50, p99 and max of the valid log-in's latency without and during the
//! flood (the target: every valid log-in under a second during a flood of 200 wrong
//! log-ins per second), how the flood was answered (401 checked, 429 throttled, 503
//! busy), and the server's resident memory before the flood and its peak (VmHWM).
//!
//! `BENCH_LOGIN_RATE` (default 200) sets the wrong log-ins per second,
//! `BENCH_LOGIN_SECS` (default 10) the flood's length, `BENCH_LOGIN_CLIENTS`
//! (default 50) the flood's client addresses. Loopback only; at most
//! rate × seconds flood requests are sent.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/it/process.rs"]
mod process;

use process::ServerProcess;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Names the wrong guesses rotate over (none of them an account).
const FLOOD_USERNAMES: usize = 2000;
/// Valid log-ins timed without the flood.
const BASELINE_LOGINS: usize = 50;
/// Pause between two valid log-ins during the flood.
const VALID_EVERY: Duration = Duration::from_millis(100);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One valid log-in: its latency, or the status it got instead of 200.
async fn valid_login(http: &reqwest::Client, base: &str) -> Result<Duration, u16> {
    let started = Instant::now();
    let response = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", "192.0.2.1")
        .json(&serde_json::json!({"username": "alice", "password": "benchmark password"}))
        .send()
        .await
        .map_err(|_| 0u16)?;
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    if status == 200 {
        Ok(started.elapsed())
    } else {
        Err(status)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Prints the latencies' p50, p99 and max; answers (p99, max).
fn summary(label: &str, mut latencies: Vec<Duration>, failures: &[u16]) -> (Duration, Duration) {
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p99 = percentile(&latencies, 99.0);
    let max = latencies.last().copied().unwrap_or_default();
    println!(
        "{label:<34} {:>5} log-ins  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  refused {}",
        latencies.len(),
        ms(percentile(&latencies, 50.0)),
        ms(p99),
        ms(max),
        if failures.is_empty() {
            "none".to_string()
        } else {
            format!("{failures:?}")
        }
    );
    (p99, max)
}

#[tokio::main]
async fn main() {
    let rate = env_number("BENCH_LOGIN_RATE", 200).max(1);
    let secs = env_number("BENCH_LOGIN_SECS", 10).max(1);
    let clients = env_number("BENCH_LOGIN_CLIENTS", 50).max(1);

    let data_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        data_dir.path(),
        &[
            ("CAIRN_TRUSTED_PROXIES".into(), "127.0.0.1".into()),
            ("CAIRN_LOGIN_FAILURES_PER_CLIENT".into(), "0".into()),
        ],
    );
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let signup = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({"username": "alice", "password": "benchmark password"}))
        .send()
        .await
        .unwrap();
    assert!(signup.status().is_success(), "sign-up: {}", signup.status());

    println!(
        "log-in flood: {rate} wrong log-ins/s for {secs} s from {clients} client addresses \
         (X-Forwarded-For 10.0.x.y, trusted proxy 127.0.0.1, no per-address limit), \
         over {FLOOD_USERNAMES} usernames; a valid log-in every {} ms meanwhile; \
         server on {} CPU cores",
        VALID_EVERY.as_millis(),
        std::thread::available_parallelism().map_or(1, usize::from)
    );

    // Baseline: the valid user alone (after one log-in to warm up).
    let _ = valid_login(&http, &base).await;
    let mut baseline = Vec::new();
    let mut baseline_failures = Vec::new();
    for _ in 0..BASELINE_LOGINS {
        match valid_login(&http, &base).await {
            Ok(latency) => baseline.push(latency),
            Err(status) => baseline_failures.push(status),
        }
    }
    let rss_before = server.rss_kib() / 1024.0;

    // The flood: open loop, one request per tick whatever the answers.
    let flood_http = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .unwrap();
    let answers: Arc<Mutex<BTreeMap<u16, u64>>> = Arc::default();
    let total = rate * secs;
    let flood = {
        let base = base.clone();
        let answers = answers.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut requests = Vec::with_capacity(total as usize);
            for n in 0..total {
                ticks.tick().await;
                let client = n % clients;
                let request = flood_http
                    .post(format!("{base}/api/v1/auth/login"))
                    .header(
                        "x-forwarded-for",
                        format!("10.0.{}.{}", client / 250, client % 250 + 1),
                    )
                    .json(&serde_json::json!({
                        "username": format!("flood{}", n as usize % FLOOD_USERNAMES),
                        "password": "a wrong guess",
                    }));
                let answers = answers.clone();
                requests.push(tokio::spawn(async move {
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    *answers.lock().unwrap().entry(status).or_default() += 1;
                }));
            }
            for request in requests {
                let _ = request.await;
            }
        })
    };

    // Let the flood fill the queue, then time the valid user until it ends.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flood_started = Instant::now();
    let mut during = Vec::new();
    let mut during_failures = Vec::new();
    while !flood.is_finished() {
        match valid_login(&http, &base).await {
            Ok(latency) => during.push(latency),
            Err(status) => during_failures.push(status),
        }
        tokio::time::sleep(VALID_EVERY).await;
    }
    let flood_secs = flood_started.elapsed().as_secs_f64() + 0.5;
    flood.await.unwrap();

    println!();
    let (baseline_p99, _) = summary("valid log-in, no flood", baseline, &baseline_failures);
    let (during_p99, during_max) =
        summary("valid log-in, during the flood", during, &during_failures);
    println!(
        "{:<34} {:.1}x the baseline's p99; target, every valid log-in under 1000 ms: {}",
        "p99 during / p99 without",
        during_p99.as_secs_f64() / baseline_p99.as_secs_f64().max(1e-9),
        if during_max < Duration::from_secs(1) && during_failures.is_empty() {
            "met"
        } else {
            "NOT met"
        }
    );
    let answers = answers.lock().unwrap().clone();
    let sent: u64 = answers.values().sum();
    println!(
        "{:<34} {sent} wrong log-ins in {flood_secs:.1} s ({:.0}/s): {}",
        "flood answered",
        sent as f64 / flood_secs,
        answers
            .iter()
            .map(|(status, n)| match status {
                401 => format!("{n} checked (401)"),
                429 => format!("{n} throttled (429)"),
                503 => format!("{n} busy (503)"),
                0 => format!("{n} without an answer"),
                other => format!("{n} {other}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{:<34} {rss_before:.1} MiB before the flood, peak {:.1} MiB",
        "server resident memory",
        server.peak_rss_mib()
    );
}
