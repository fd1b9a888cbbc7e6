//! Pure rules: account names, dedup planning, inline chunks, device names, searches,
//! token labels and dates.

use super::path::{is_invisible, MAX_NAME_BYTES};
use super::Error;
use std::collections::HashSet;
use wasm_chunker::ChunkId;

/// Longest username, in characters (ASCII, so also in bytes).
pub const MAX_USERNAME_CHARS: usize = 64;
/// Shortest password a new account may have, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest API token label, in characters.
pub const MAX_TOKEN_LABEL_CHARS: usize = 100;

/// Usernames: 1 to [`MAX_USERNAME_CHARS`] of ASCII letters, digits, `.`, `_`, `-`.
pub fn valid_username(name: &str) -> bool {
    (1..=MAX_USERNAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Passwords: at least [`MIN_PASSWORD_CHARS`] characters.
pub fn valid_password(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS
}

/// Which announced chunks the client must send: those not in `known`, the chunks
/// already stored in the requesting user's own scope. Chunks other users store are
/// deliberately not consulted, so the answer reveals nothing about them.
pub fn chunks_needed(announced: &[(u64, ChunkId)], known: &HashSet<ChunkId>) -> Vec<u64> {
    announced
        .iter()
        .filter(|(_, id)| !known.contains(id))
        .map(|(index, _)| *index)
        .collect()
}

/// Chunks of at most this many bytes are kept in the metadata store, written in the
/// same transaction that records them, rather than in the blob store: for small
/// files, one durable write instead of two.
pub const INLINE_CHUNK_MAX: u64 = 32 * 1024;

/// Whether a chunk of `size` bytes is kept in the metadata store.
pub fn stored_inline(size: u64) -> bool {
    size <= INLINE_CHUNK_MAX
}

/// Longest device name, in characters.
pub const MAX_DEVICE_CHARS: usize = 64;

/// A device's name as a client sends it (for conflicted copies and the journal):
/// refused when it holds a control or invisible formatting character or is longer
/// than [`MAX_DEVICE_CHARS`] as sent; trimmed, `None` when blank.
pub fn device_name(device: Option<String>) -> Result<Option<String>, Error> {
    let Some(device) = device else {
        return Ok(None);
    };
    if let Some(c) = device.chars().find(|&c| c.is_control() || is_invisible(c)) {
        return Err(Error::BadRequest(format!(
            "the device name holds the control or invisible character U+{:04X}; send one without it",
            u32::from(c)
        )));
    }
    let chars = device.chars().count();
    if chars > MAX_DEVICE_CHARS {
        return Err(Error::BadRequest(format!(
            "the device name is {chars} characters long, more than the limit of {MAX_DEVICE_CHARS}; send a shorter one"
        )));
    }
    let device = device.trim();
    Ok((!device.is_empty()).then(|| device.to_string()))
}

/// Longest search query, in characters: no name is longer.
pub const MAX_SEARCH_CHARS: usize = MAX_NAME_BYTES;

/// A name search as typed: refused when it holds a control character (no name holds
/// one) or is longer than [`MAX_SEARCH_CHARS`] as sent; trimmed; refused when blank.
pub fn search_query(query: &str) -> Result<&str, Error> {
    if query.chars().any(char::is_control) {
        return Err(Error::BadRequest(
            "the search holds a control character, which no name holds; type part of a name".into(),
        ));
    }
    let chars = query.chars().count();
    if chars > MAX_SEARCH_CHARS {
        return Err(Error::BadRequest(format!(
            "the search is {chars} characters long, more than the limit of {MAX_SEARCH_CHARS}; type part of a name"
        )));
    }
    let query = query.trim();
    if query.is_empty() {
        return Err(Error::BadRequest(
            "the search is empty; type part of a name".into(),
        ));
    }
    Ok(query)
}

/// An API token's label as sent: refused when it holds a control character, is
/// longer than [`MAX_TOKEN_LABEL_CHARS`] as sent, or is blank; trimmed.
pub fn token_label(label: &str) -> Result<&str, Error> {
    let too_long = label.chars().count() > MAX_TOKEN_LABEL_CHARS;
    let has_control = label.chars().any(char::is_control);
    let label = label.trim();
    if has_control || too_long || label.is_empty() {
        return Err(Error::BadRequest(format!(
            "a token label must be 1 to {MAX_TOKEN_LABEL_CHARS} characters without control characters"
        )));
    }
    Ok(label)
}

/// Unix milliseconds → `YYYY-MM-DD` (UTC).
pub fn utc_date(unix_ms: i64) -> String {
    let (year, month, day) = frontend::format::civil_from_days(unix_ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for good in ["a", "alice", "Bob_2", "x.y-z", &"a".repeat(64)] {
            assert!(valid_username(good), "{good}");
        }
        for bad in ["", "al ice", "ünï", "a/b", &"a".repeat(65)] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn dedup_plan_skips_only_known_chunks() {
        let a = ChunkId::of(b"a");
        let b = ChunkId::of(b"b");
        let known: HashSet<ChunkId> = [a].into_iter().collect();
        assert_eq!(
            chunks_needed(&[(0, a), (1, b), (2, a), (3, b)], &known),
            vec![1, 3]
        );
    }

    #[track_caller]
    fn check_device(device: &str, expect: Result<Option<&str>, &str>) {
        let got = device_name(Some(device.to_string())).map_err(|e| e.to_string());
        let expect = expect
            .map(|d| d.map(str::to_string))
            .map_err(str::to_string);
        assert_eq!(got, expect, "device {device:?}");
    }

    #[test]
    fn device_names() {
        check_device("Chromium on Linux", Ok(Some("Chromium on Linux")));
        check_device("  phone  ", Ok(Some("phone")));
        check_device("", Ok(None));
        check_device("Bob's ファイル phone", Ok(Some("Bob's ファイル phone")));
        check_device(
            "a\u{0}b",
            Err("the device name holds the control or invisible character U+0000; send one without it"),
        );
        check_device(
            "a\nb",
            Err("the device name holds the control or invisible character U+000A; send one without it"),
        );
        check_device(
            "evil\u{202E}gpj",
            Err("the device name holds the control or invisible character U+202E; send one without it"),
        );
        check_device(&"é".repeat(64), Ok(Some(&"é".repeat(64))));
        check_device(
            &"x".repeat(65),
            Err("the device name is 65 characters long, more than the limit of 64; send a shorter one"),
        );
        assert_eq!(device_name(None).map_err(|e| e.to_string()), Ok(None));
    }

    #[test]
    fn search_queries() {
        assert_eq!(
            search_query("  report ").map_err(|e| e.to_string()),
            Ok("report")
        );
        for (query, expect) in [
            ("", "the search is empty; type part of a name"),
            (
                "\u{0}",
                "the search holds a control character, which no name holds; type part of a name",
            ),
            (
                "a\u{7}b",
                "the search holds a control character, which no name holds; type part of a name",
            ),
        ] {
            assert_eq!(
                search_query(query).map_err(|e| e.to_string()),
                Err(expect.to_string())
            );
        }
        let long = "x".repeat(256);
        assert_eq!(
            search_query(&long).map_err(|e| e.to_string()),
            Err("the search is 256 characters long, more than the limit of 255; type part of a name".to_string())
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_795_613_700_000), "2026-11-25");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
    }
}
