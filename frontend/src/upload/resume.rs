//! Resuming an unfinished upload: which files are remembered, under what key this
//! browser keeps a session id, how the kept record reads, and whether the session
//! a record names still fits the chosen file. Plain Rust, tested natively; the
//! record itself lives in IndexedDB, which the browser glue reads and writes.

use super::retry::Failure;
use crate::api::types::UploadStatus;

/// Files smaller than this are not remembered for resuming: they go in one request
/// or two, and an interrupted one is simply sent again.
pub const REMEMBER_FROM_BYTES: u64 = 16 * 1024 * 1024;

/// Whether an upload of `size` bytes is remembered for resuming.
pub fn remembered(size: u64) -> bool {
    size >= REMEMBER_FROM_BYTES
}

/// Where this browser keeps an unfinished upload through the API at `api` to
/// `path` of a file of `size` bytes last modified at `last_modified` (ms since the
/// epoch): the same file picked again finds it, an edited one does not.
pub fn resume_key(api: &str, path: &str, size: u64, last_modified: u64) -> String {
    format!("{api}{path}\u{0}{size}\u{0}{last_modified}")
}

/// The record kept for an upload's session.
pub fn saved_record(upload_id: &str) -> String {
    serde_json::json!({ "upload_id": upload_id }).to_string()
}

/// The session id a kept record names, if it reads as one.
pub fn read_saved_record(record: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(record).ok()?;
    value.get("upload_id")?.as_str().map(str::to_string)
}

/// What to do with a session an earlier attempt kept, once the server answered
/// its status.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedSession {
    /// The server still has it for this file: continue it.
    Resume,
    /// It is gone, refused, or for another file: forget it and start afresh.
    Discard,
    /// The question could not be settled (paused, cancelled): keep it to ask again,
    /// the request ending with this failure.
    Undecided(Failure),
}

/// Judges the status answer (`answer`) for a kept session against the chosen
/// file's `size` and target `path`.
pub fn judge_saved(answer: Result<UploadStatus, Failure>, size: u64, path: &str) -> SavedSession {
    match answer {
        Ok(status) if status.size == size && status.path == path => SavedSession::Resume,
        Ok(_) | Err(Failure::SessionGone) | Err(Failure::Fatal(_)) => SavedSession::Discard,
        Err(other) => SavedSession::Undecided(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_of_sixteen_mib_or_more_are_remembered() {
        for (size, expect) in [
            (0, false),
            (1, false),
            (REMEMBER_FROM_BYTES - 1, false),
            (REMEMBER_FROM_BYTES, true),
            (1 << 40, true),
        ] {
            assert_eq!(remembered(size), expect, "{size}");
        }
    }

    #[test]
    fn the_key_tells_apart_the_api_the_path_the_size_and_the_time() {
        let key = resume_key("/api/v1", "/a/b.bin", 20_000_000, 1_700_000_000_123);
        assert_eq!(key, "/api/v1/a/b.bin\u{0}20000000\u{0}1700000000123");
        for other in [
            resume_key("/api/v1/s/tok", "/a/b.bin", 20_000_000, 1_700_000_000_123),
            resume_key("/api/v1", "/a/c.bin", 20_000_000, 1_700_000_000_123),
            resume_key("/api/v1", "/a/b.bin", 20_000_001, 1_700_000_000_123),
            resume_key("/api/v1", "/a/b.bin", 20_000_000, 1_700_000_000_124),
        ] {
            assert_ne!(other, key);
        }
    }

    #[test]
    fn kept_records_read_back_their_session_id() {
        assert_eq!(saved_record("u-1"), r#"{"upload_id":"u-1"}"#);
        for (record, expect) in [
            (saved_record("u-1"), Some("u-1")),
            (saved_record("a \"quoted\" id"), Some("a \"quoted\" id")),
            (r#"{"upload_id":"x","other":1}"#.into(), Some("x")),
            (r#"{"upload_id":7}"#.into(), None),
            (r#"{"id":"x"}"#.into(), None),
            ("[]".into(), None),
            ("not json".into(), None),
            (String::new(), None),
        ] {
            assert_eq!(read_saved_record(&record).as_deref(), expect, "{record}");
        }
    }

    #[test]
    fn a_kept_session_is_resumed_only_for_the_same_size_and_path() {
        let status = |size: u64, path: &str| UploadStatus {
            upload_id: "u".into(),
            path: path.into(),
            size,
            announced: 0,
            received: Vec::new(),
            missing: Vec::new(),
            expires_at: 0,
        };
        let cases = [
            (Ok(status(100, "/f")), SavedSession::Resume),
            (Ok(status(101, "/f")), SavedSession::Discard),
            (Ok(status(100, "/g")), SavedSession::Discard),
            (Err(Failure::SessionGone), SavedSession::Discard),
            (Err(Failure::Fatal("no".into())), SavedSession::Discard),
            (
                Err(Failure::Aborted),
                SavedSession::Undecided(Failure::Aborted),
            ),
            (
                Err(Failure::ChunksMissing),
                SavedSession::Undecided(Failure::ChunksMissing),
            ),
            (
                Err(Failure::Transient("down".into())),
                SavedSession::Undecided(Failure::Transient("down".into())),
            ),
        ];
        for (answer, expect) in cases {
            let shown = format!("{answer:?}");
            assert_eq!(judge_saved(answer, 100, "/f"), expect, "{shown}");
        }
    }
}
