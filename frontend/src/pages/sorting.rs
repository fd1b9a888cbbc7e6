//! The order of a folder's listing: by name, size or modification time, ascending or
//! descending, folders always first. It lives in the page's query string
//! (`?sort=size&dir=desc`), so a sorted listing is a link that works without
//! JavaScript and with the browser's back and forward buttons.

use crate::api::types::FileMeta;
use std::cmp::Ordering;

/// The column a listing is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// By name, ignoring case.
    Name,
    /// By size in bytes.
    Size,
    /// By last modification.
    Modified,
}

impl SortKey {
    fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Size => "size",
            SortKey::Modified => "modified",
        }
    }

    /// The direction a first click on the column sorts in: names A to Z, sizes and
    /// times largest and newest first.
    fn first_descending(self) -> bool {
        self != SortKey::Name
    }
}

/// A listing's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortOrder {
    /// The column.
    pub key: SortKey,
    /// Whether largest, newest or Z comes first.
    pub descending: bool,
}

impl Default for SortOrder {
    fn default() -> Self {
        SortOrder {
            key: SortKey::Name,
            descending: false,
        }
    }
}

impl SortOrder {
    /// The order `?sort=…&dir=…` asks for; anything unknown sorts by name.
    pub fn from_query(sort: Option<&str>, dir: Option<&str>) -> SortOrder {
        let key = match sort {
            Some("size") => SortKey::Size,
            Some("modified") => SortKey::Modified,
            _ => SortKey::Name,
        };
        let descending = match dir {
            Some("desc") => true,
            Some("asc") => false,
            _ => key.first_descending(),
        };
        SortOrder { key, descending }
    }

    /// The query string of this order, e.g. `?sort=size&dir=desc`.
    pub fn query(self) -> String {
        let dir = if self.descending { "desc" } else { "asc" };
        format!("?sort={}&dir={dir}", self.key.as_str())
    }

    /// The order a click on `key`'s column header asks for: the other direction of
    /// the same column, or the new column in its first direction.
    pub fn toggled(self, key: SortKey) -> SortOrder {
        if self.key == key {
            SortOrder {
                key,
                descending: !self.descending,
            }
        } else {
            SortOrder {
                key,
                descending: key.first_descending(),
            }
        }
    }

    /// `aria-sort` of `key`'s column header.
    pub fn aria(self, key: SortKey) -> &'static str {
        match (self.key == key, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }

    /// Sorts `entries`: folders first, then by the column, ties by name.
    pub fn apply(self, entries: &mut [FileMeta]) {
        let by_name = |a: &FileMeta, b: &FileMeta| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        };
        entries.sort_by(|a, b| {
            let column = match self.key {
                SortKey::Name => by_name(a, b),
                SortKey::Size => a.size.cmp(&b.size).then_with(|| by_name(a, b)),
                SortKey::Modified => a
                    .modified_at
                    .cmp(&b.modified_at)
                    .then_with(|| by_name(a, b)),
            };
            let column = if self.descending {
                column.reverse()
            } else {
                column
            };
            match (a.is_folder, b.is_folder) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => column,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, is_folder: bool, size: u64, modified_at: i64) -> FileMeta {
        FileMeta {
            id: name.into(),
            name: name.into(),
            path: format!("/{name}"),
            is_folder,
            size,
            rev: 1,
            content_hash: None,
            modified_at,
        }
    }

    #[track_caller]
    fn check(query: (&str, &str), expect: &[&str]) {
        let mut entries = vec![
            entry("b.txt", false, 30, 1),
            entry("Zeta", true, 0, 5),
            entry("a.txt", false, 10, 3),
            entry("alpha", true, 0, 2),
            entry("C.txt", false, 20, 2),
        ];
        SortOrder::from_query(Some(query.0), Some(query.1)).apply(&mut entries);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, expect);
    }

    #[test]
    fn folders_come_first_in_every_order() {
        check(
            ("name", "asc"),
            &["alpha", "Zeta", "a.txt", "b.txt", "C.txt"],
        );
        check(
            ("name", "desc"),
            &["Zeta", "alpha", "C.txt", "b.txt", "a.txt"],
        );
        check(
            ("size", "asc"),
            &["alpha", "Zeta", "a.txt", "C.txt", "b.txt"],
        );
        check(
            ("size", "desc"),
            &["Zeta", "alpha", "b.txt", "C.txt", "a.txt"],
        );
        check(
            ("modified", "asc"),
            &["alpha", "Zeta", "b.txt", "C.txt", "a.txt"],
        );
        check(
            ("modified", "desc"),
            &["Zeta", "alpha", "a.txt", "C.txt", "b.txt"],
        );
    }

    #[test]
    fn headers_toggle_and_default() {
        let order = SortOrder::from_query(None, None);
        assert_eq!(order, SortOrder::default());
        assert_eq!(order.toggled(SortKey::Name).query(), "?sort=name&dir=desc");
        assert_eq!(order.toggled(SortKey::Size).query(), "?sort=size&dir=desc");
        assert_eq!(
            SortOrder::from_query(Some("bogus"), Some("sideways")),
            SortOrder::default()
        );
    }
}
