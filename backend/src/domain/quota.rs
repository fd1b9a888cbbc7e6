//! What an account may make the server hold: its files' current versions and the
//! bytes announced by its open uploads count against the quota, open uploads are
//! capped, those sent through file-request links on their own, and so is the number
//! of entries. Older versions cost no quota but are bounded too: their bytes by the
//! quota (the oldest go first when they would pass it), their number per file by a
//! cap.

use super::Error;

/// The device name of uploads through file-request links: their conflicted copies
/// are named after it, and the caps on open uploads count them by it.
pub const LINK_DEVICE: &str = "file request";

/// What an account holds when a new upload asks to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holdings {
    /// Bytes of the versions it stores.
    pub used: u64,
    /// Its quota in bytes.
    pub quota: u64,
    /// Sizes of its open (unexpired) uploads, added up.
    pub open_bytes: u64,
    /// Its open uploads started by the account itself (and its shares' editors).
    pub open_uploads: u64,
    /// Its open uploads started through its file-request links.
    pub open_link_uploads: u64,
}

/// How many open uploads an account may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenUploadLimits {
    /// Started by the account itself (and its shares' editors).
    pub per_account: u64,
    /// Started through its file-request links, all links together.
    pub through_links: u64,
}

/// Who starts an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// The account, or an editor of one of its shares.
    Account,
    /// A file-request link's holder.
    Link,
}

/// Whether an upload of `size` bytes may start, replacing a file of `replaces` bytes
/// (whose room it may reuse): the open uploads' bytes count as held from the start.
pub fn admit_upload(
    holdings: &Holdings,
    size: u64,
    replaces: u64,
    starter: Starter,
    limits: &OpenUploadLimits,
) -> Result<(), Error> {
    let (open, limit) = match starter {
        Starter::Account => (holdings.open_uploads, limits.per_account),
        Starter::Link => (holdings.open_link_uploads, limits.through_links),
    };
    if open >= limit {
        return Err(Error::TooManyUploads { open, limit });
    }
    admit_bytes(
        holdings.used.saturating_add(holdings.open_bytes),
        holdings.quota,
        size,
        replaces,
    )
}

/// Whether a version of `size` bytes, replacing one of `replaces` bytes (whose room
/// it reuses), fits when the account holds `held` bytes of its `quota`: what its
/// versions store, and the bytes its open uploads announced where those count. A
/// version no larger than the one it replaces always fits, even over quota, so the
/// room a refusal reports is never less than `replaces`.
pub fn admit_bytes(held: u64, quota: u64, size: u64, replaces: u64) -> Result<(), Error> {
    let available = quota
        .saturating_add(replaces)
        .saturating_sub(held)
        .max(replaces);
    if size > available {
        return Err(Error::QuotaExceeded {
            needed: size,
            available,
        });
    }
    Ok(())
}

/// Whether an account that keeps `kept` entries (files and folders, the trash's
/// too) may add `adding` more under a cap of `cap`: empty files and folders cost no
/// quota, so their number is bounded on its own. Removing entries always passes.
pub fn admit_entries(kept: u64, adding: u64, cap: u64) -> Result<(), Error> {
    if adding > 0 && kept.checked_add(adding).is_none_or(|total| total > cap) {
        return Err(Error::TooManyEntries { limit: cap });
    }
    Ok(())
}

/// How many of a file's oldest versions go when it keeps `kept` versions (its
/// current one included) and may keep `max` (at least one, the current).
pub fn versions_over_cap(kept: u64, max: u64) -> u64 {
    kept.saturating_sub(max.max(1))
}

/// How many of the old versions whose sizes `oldest_first` lists go, oldest first,
/// so that the `history` bytes all old versions hold fit in `quota`.
pub fn history_to_forget(
    history: u64,
    quota: u64,
    oldest_first: impl IntoIterator<Item = u64>,
) -> usize {
    let mut left = history;
    let mut forget = 0;
    for size in oldest_first {
        if left <= quota {
            break;
        }
        left = left.saturating_sub(size);
        forget += 1;
    }
    forget
}

/// The most chunks an upload of `size` bytes can have, cut with a minimum chunk size
/// of `min_size` bytes: every chunk but the last is at least that long.
pub fn max_chunks(size: u64, min_size: u64) -> u64 {
    size.div_ceil(min_size.max(1)) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: OpenUploadLimits = OpenUploadLimits {
        per_account: 3,
        through_links: 2,
    };

    #[track_caller]
    fn check(holdings: Holdings, size: u64, replaces: u64, starter: Starter, expect: &str) {
        let got = match admit_upload(&holdings, size, replaces, starter, &LIMITS) {
            Ok(()) => "ok".to_string(),
            Err(Error::QuotaExceeded { available, .. }) => format!("quota {available}"),
            Err(Error::TooManyUploads { open, limit }) => format!("too many {open}/{limit}"),
            Err(other) => format!("{other}"),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn open_uploads_hold_their_bytes_and_are_capped() {
        let h = |used, open_bytes, open_uploads, open_link_uploads| Holdings {
            used,
            quota: 100,
            open_bytes,
            open_uploads,
            open_link_uploads,
        };
        use Starter::{Account, Link};
        check(h(0, 0, 0, 0), 100, 0, Account, "ok");
        check(h(0, 0, 0, 0), 101, 0, Account, "quota 100");
        check(h(40, 0, 0, 0), 61, 0, Account, "quota 60");
        // Bytes announced by open uploads are held from their start.
        check(h(40, 50, 1, 0), 11, 0, Account, "quota 10");
        check(h(40, 50, 1, 0), 10, 0, Account, "ok");
        // A new version may reuse the room of the one it replaces.
        check(h(40, 50, 1, 0), 30, 20, Account, "ok");
        check(h(40, 50, 1, 0), 31, 20, Account, "quota 30");
        // Over quota already (the quota was lowered): a smaller version still passes.
        check(h(150, 0, 0, 0), 10, 20, Account, "ok");
        check(h(150, 0, 0, 0), 30, 20, Account, "quota 20");
        // The caps, each on its own.
        check(h(0, 0, 3, 0), 1, 0, Account, "too many 3/3");
        check(h(0, 0, 3, 0), 1, 0, Link, "ok");
        check(h(0, 0, 0, 2), 1, 0, Link, "too many 2/2");
        check(h(0, 0, 0, 2), 1, 0, Account, "ok");
    }

    #[test]
    fn room_is_what_the_version_it_replaces_frees_and_what_is_left() {
        #[rustfmt::skip]
        let cases = [
            // held, quota, size, replaces, the room a refusal reports
            (0, 100, 100, 0, None),
            (0, 100, 101, 0, Some(100)),
            (90, 100, 30, 20, None),
            (90, 100, 31, 20, Some(30)),
            // Over quota: no larger than what it replaces still fits.
            (150, 100, 20, 20, None),
            (150, 100, 21, 20, Some(20)),
            (u64::MAX, u64::MAX, 1, 0, Some(0)),
        ];
        for (held, quota, size, replaces, refused) in cases {
            let got = match admit_bytes(held, quota, size, replaces) {
                Ok(()) => None,
                Err(Error::QuotaExceeded { needed, available }) => {
                    assert_eq!(needed, size);
                    Some(available)
                }
                Err(other) => panic!("{other}"),
            };
            assert_eq!(got, refused, "{held} {quota} {size} {replaces}");
        }
    }

    #[test]
    fn entries_are_capped_but_removing_always_passes() {
        assert!(admit_entries(0, 10, 10).is_ok());
        assert!(matches!(
            admit_entries(0, 11, 10),
            Err(Error::TooManyEntries { limit: 10 })
        ));
        assert!(admit_entries(9, 1, 10).is_ok());
        assert!(admit_entries(10, 1, 10).is_err());
        // Over the cap already (it was lowered): nothing more, but nothing breaks.
        assert!(admit_entries(12, 0, 10).is_ok());
        assert!(admit_entries(12, 1, 10).is_err());
        assert!(admit_entries(u64::MAX, 1, u64::MAX).is_err());
    }

    #[test]
    fn old_versions_go_oldest_first_past_their_bounds() {
        assert_eq!(versions_over_cap(3, 5), 0);
        assert_eq!(versions_over_cap(7, 5), 2);
        // The current version always stays.
        assert_eq!(versions_over_cap(4, 0), 3);
        assert_eq!(history_to_forget(100, 100, [60, 40]), 0);
        assert_eq!(history_to_forget(101, 100, [60, 40]), 1);
        assert_eq!(history_to_forget(101, 100, [1, 40]), 1);
        assert_eq!(history_to_forget(150, 100, [10, 30, 20, 90]), 3);
        // Not enough listed to fit: every one listed goes.
        assert_eq!(history_to_forget(500, 100, [10, 30]), 2);
        assert_eq!(history_to_forget(500, 100, []), 0);
    }

    #[test]
    fn chunk_counts_follow_the_minimum_size() {
        assert_eq!(max_chunks(0, 256), 1);
        assert_eq!(max_chunks(1, 256), 2);
        assert_eq!(max_chunks(256, 256), 2);
        assert_eq!(max_chunks(257, 256), 3);
        assert_eq!(max_chunks(1 << 30, 1 << 18), 4097);
    }
}
