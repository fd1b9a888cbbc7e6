//! Rules on every `.rs` file of the workspace as a whole: it starts with a `//!`
//! header, and it stays under a size limit unless it is listed in `OVERSIZED`.

use super::{SourceFile, Violation};

/// Rule `file-header`: the first line that is not blank starts with `//!` and says
/// something. Nothing else may come first: inner attributes (`#![…]`) go after
/// the header, so every file opens the same way.
pub fn check_header(path: &str, text: &str) -> Option<Violation> {
    let (index, first) = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
        .unwrap_or((0, ""));
    let said = first
        .strip_prefix("//!")
        .is_some_and(|rest| !rest.trim().is_empty());
    if said {
        return None;
    }
    Some(Violation {
        path: path.to_owned(),
        line: index + 1,
        rule: "file-header",
        message: "the file does not start with a `//!` header".into(),
        fix: "begin the file with `//! ` and a sentence on what it is (and what it must never \
              do), before any `#![…]` attribute"
            .into(),
    })
}

/// The most lines a `.rs` file may have unless `OVERSIZED` lists it.
pub const MAX_LINES: usize = 600;

/// A file allowed past `MAX_LINES`, up to its own limit.
pub struct Oversized {
    pub path: &'static str,
    /// A little above its size when it was listed: it may not grow further.
    pub max_lines: usize,
    pub reason: &'static str,
}

const fn oversized(path: &'static str, max_lines: usize, reason: &'static str) -> Oversized {
    Oversized {
        path,
        max_lines,
        reason,
    }
}

/// The files over `MAX_LINES` today. Remove an entry when its file is split (the
/// rule fails once the file is back under the limit, so the list cannot go stale);
/// never add one without a reason.
pub const OVERSIZED: &[Oversized] = &[
    oversized(
        "backend/tests/it/bad_input.rs",
        760,
        "the sweep of malformed requests over every endpoint: one table of cases, read top to bottom",
    ),
    oversized(
        "backend/tests/it/conformance.rs",
        660,
        "requests generated from the OpenAPI document against the server, with the checks of every answer; one generator, one loop",
    ),
    oversized(
        "backend/tests/it/devices.rs",
        1320,
        "the seeded device simulation: its model of the account, the operations and what each must do belong together",
    ),
    oversized(
        "backend/tests/it/schema.rs",
        690,
        "the OpenAPI document as test data: the JSON Schema validator and the seeded value generator the conformance tests share",
    ),
    oversized(
        "backend/tests/it/shares.rs",
        1380,
        "sharing end to end (the share API, each kind of link, paths leaving a share): split it by kind of share when it next grows",
    ),
    oversized(
        "backend/tests/it/sync.rs",
        780,
        "live sync end to end: the event stream, its resumption, the long-poll and delta paging",
    ),
    oversized(
        "backend/tests/it/upload_flow.rs",
        790,
        "the upload protocol end to end, step by step, as one story",
    ),
    oversized(
        "frontend/src/api/types.rs",
        730,
        "every /api/v1 wire type in one file, by design: the one place where the web app and the server agree on the wire",
    ),
    oversized(
        "frontend/src/pages/files.rs",
        830,
        "the file browser page, its actions, dialogs and order already apart; the listing and its rows are the next part to split",
    ),
    oversized(
        "xtask/src/main.rs",
        1070,
        "every xtask command (run, test, bench, site, e2e) and the throwaway services they start; split by command when it next grows",
    ),
];

/// Rule `file-size`: no `.rs` file is over `MAX_LINES` lines unless `allowed`
/// lists it, none is over its listed limit, and every listed file exists and is
/// still over `MAX_LINES`.
pub fn check_sizes(files: &[SourceFile], allowed: &[Oversized]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let here = "xtask/src/tidy/files.rs";
    for file in files {
        let lines = file.text.lines().count();
        let entry = allowed.iter().find(|entry| entry.path == file.path);
        let (message, fix) = match entry {
            None if lines > MAX_LINES => (
                format!("{lines} lines, over the limit of {MAX_LINES}"),
                format!(
                    "split the file by concern; if it truly cannot be, list it in OVERSIZED \
                     ({here}) with a limit a little above its size and the reason"
                ),
            ),
            Some(entry) if lines > entry.max_lines => (
                format!(
                    "{lines} lines, over its listed limit of {} ({})",
                    entry.max_lines, entry.reason
                ),
                "split the file rather than raise its limit in OVERSIZED".to_owned(),
            ),
            Some(_) if lines <= MAX_LINES => (
                format!("{lines} lines, back under {MAX_LINES}, but still listed in OVERSIZED"),
                format!("remove its entry from OVERSIZED ({here})"),
            ),
            _ => continue,
        };
        violations.push(Violation {
            path: file.path.clone(),
            line: 1,
            rule: "file-size",
            message,
            fix,
        });
    }
    for entry in allowed {
        if !files.iter().any(|file| file.path == entry.path) {
            violations.push(Violation {
                path: entry.path.to_owned(),
                line: 1,
                rule: "file-size",
                message: "listed in OVERSIZED, but there is no such file".into(),
                fix: format!("remove its entry from OVERSIZED ({here})"),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_header_at(text: &str, expect: Option<usize>) {
        let got = check_header("x.rs", text).map(|v| v.line);
        assert_eq!(got, expect, "{text:?}");
    }

    #[test]
    fn files_start_with_a_header() {
        check_header_at("//! What this is.\nfn f() {}\n", None);
        check_header_at("\n\n//! After blank lines.\n", None);
        check_header_at("//! Header.\n#![allow(clippy::unwrap_used)]\n", None);
        check_header_at("fn f() {}\n", Some(1));
        check_header_at("", Some(1));
        check_header_at("\n#![allow(clippy::unwrap_used)]\n//! Too late.\n", Some(2));
        check_header_at("// A plain comment.\n", Some(1));
        check_header_at("/// An item's doc.\nfn f() {}\n", Some(1));
        check_header_at("//!\n//! An empty first line says nothing.\n", Some(1));
    }

    fn file(path: &str, lines: usize) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: "x\n".repeat(lines),
        }
    }

    #[test]
    fn files_stay_small_unless_listed() {
        let allowed = [
            oversized("big.rs", 700, "being split"),
            oversized("shrunk.rs", 700, "being split"),
            oversized("grown.rs", 650, "being split"),
            oversized("gone.rs", 700, "being split"),
        ];
        let files = [
            file("small.rs", 600),
            file("new.rs", 601),
            file("big.rs", 690),
            file("shrunk.rs", 599),
            file("grown.rs", 651),
        ];
        let got: Vec<String> = check_sizes(&files, &allowed)
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
        assert_eq!(
            got,
            [
                "new.rs: 601 lines, over the limit of 600",
                "shrunk.rs: 599 lines, back under 600, but still listed in OVERSIZED",
                "grown.rs: 651 lines, over its listed limit of 650 (being split)",
                "gone.rs: listed in OVERSIZED, but there is no such file",
            ]
        );
    }

    #[test]
    fn every_oversized_entry_has_a_reason_and_a_limit_over_the_default() {
        for entry in OVERSIZED {
            assert!(!entry.reason.is_empty(), "{}", entry.path);
            assert!(entry.max_lines > MAX_LINES, "{}", entry.path);
        }
    }
}
