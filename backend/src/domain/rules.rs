//! Pure rules: account names, dedup planning, content hashes, conflicted-copy names.

use std::collections::HashSet;
use wasm_chunker::ChunkId;

/// Usernames: 1 to 64 of ASCII letters, digits, `.`, `_`, `-`.
pub fn valid_username(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Passwords: at least 8 characters.
pub fn valid_password(password: &str) -> bool {
    password.chars().count() >= 8
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

/// The name of a conflicted copy: `report (Alice's phone's conflicted copy 2026-11-25).pdf`.
///
/// The extension stays last so the copy opens like the original; a leading dot
/// (`.bashrc`) is part of the name, not an extension.
pub fn conflict_copy_name(name: &str, device: &str, date: &str) -> String {
    let split = name
        .rfind('.')
        .filter(|&dot| dot > 0 && dot < name.len() - 1);
    let (stem, ext) = match split {
        Some(dot) => (&name[..dot], &name[dot..]),
        None => (name, ""),
    };
    format!("{stem} ({device}'s conflicted copy {date}){ext}")
}

/// Unix milliseconds → `YYYY-MM-DD` (UTC).
pub fn utc_date(unix_ms: i64) -> String {
    let (year, month, day) = civil_from_days(unix_ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar,
/// after Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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
    fn check_conflict(name: &str, expect: &str) {
        assert_eq!(
            conflict_copy_name(name, "Chromium on Linux", "2026-11-25"),
            expect
        );
    }

    #[test]
    fn conflicted_copy_names() {
        check_conflict(
            "report.pdf",
            "report (Chromium on Linux's conflicted copy 2026-11-25).pdf",
        );
        check_conflict(
            "archive.tar.gz",
            "archive.tar (Chromium on Linux's conflicted copy 2026-11-25).gz",
        );
        check_conflict(
            "README",
            "README (Chromium on Linux's conflicted copy 2026-11-25)",
        );
        check_conflict(
            ".bashrc",
            ".bashrc (Chromium on Linux's conflicted copy 2026-11-25)",
        );
        check_conflict(
            "trailing.",
            "trailing. (Chromium on Linux's conflicted copy 2026-11-25)",
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_795_613_700_000), "2026-11-25");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
    }
}
