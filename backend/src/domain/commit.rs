//! What a finished upload does at its path: becomes a new file or a new version of
//! the file there, changes nothing (the same content), goes beside it as a
//! conflicted copy, or is refused. The store decides with [`decide_commit`] inside
//! the transaction that has the path's current entry locked, and carries it out.

use super::ConflictPolicy;

/// The live entry at the path a commit goes to, as the store found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtPath<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its name as stored (it may differ in case from the name the upload gives).
    pub name: &'a str,
    /// Whether it is a folder.
    pub is_folder: bool,
    /// Its current revision.
    pub rev: u64,
    /// Its current content hash (none for folders).
    pub content_hash: Option<&'a str>,
}

/// What the upload says of the file it is a version of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lineage<'a> {
    /// The content hash of what was uploaded.
    pub content_hash: &'a str,
    /// The revision the client edited, when it says.
    pub parent_rev: Option<u64>,
    /// The file the client edited, when it says.
    pub base_file: Option<&'a str>,
}

/// Which name a conflicted copy's name is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOf {
    /// The entry at the path, as stored.
    Entry,
    /// The path's last name, as the upload gives it.
    Upload,
}

/// What a commit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitDecision {
    /// Nothing is at the path: a new file.
    NewFile,
    /// The file at the path gets a new version.
    NewVersion,
    /// The file at the path already holds this content: nothing is stored.
    Unchanged,
    /// A new file beside the entry at the path, under a conflicted-copy name.
    ConflictCopy {
        /// The name the copy's name is made from.
        named_after: CopyOf,
    },
    /// The file changed since the client's version and the policy is to fail:
    /// nothing is saved, the client is told.
    Conflict,
    /// A folder is at the path.
    FolderInTheWay,
}

/// What committing an upload that says `lineage` does at its path, with `at_path`
/// there and the conflict policy `policy`.
///
/// [`ConflictPolicy::Beside`] never touches what holds the name. Otherwise a folder
/// is in the way, the same content changes nothing, and a file that moved on since
/// the client's version (another revision, or another file than the one edited)
/// is a conflict, answered as the policy says.
pub fn decide_commit(
    at_path: Option<&AtPath<'_>>,
    lineage: &Lineage<'_>,
    policy: ConflictPolicy,
) -> CommitDecision {
    let Some(current) = at_path else {
        return CommitDecision::NewFile;
    };
    if policy == ConflictPolicy::Beside {
        return CommitDecision::ConflictCopy {
            named_after: CopyOf::Entry,
        };
    }
    if current.is_folder {
        return CommitDecision::FolderInTheWay;
    }
    if current.content_hash == Some(lineage.content_hash) {
        return CommitDecision::Unchanged;
    }
    let moved_on = lineage
        .parent_rev
        .is_some_and(|parent_rev| parent_rev != current.rev)
        || lineage.base_file.is_some_and(|base| base != current.id);
    match (moved_on, policy) {
        (false, _) => CommitDecision::NewVersion,
        (true, ConflictPolicy::Fail) => CommitDecision::Conflict,
        (true, _) => CommitDecision::ConflictCopy {
            named_after: CopyOf::Upload,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommitDecision::*;
    use ConflictPolicy::{Beside, Copy, Fail};

    const FILE: AtPath<'static> = AtPath {
        id: "f1",
        name: "Plan.txt",
        is_folder: false,
        rev: 3,
        content_hash: Some("aaa"),
    };
    const FOLDER: AtPath<'static> = AtPath {
        id: "d1",
        name: "Plan.txt",
        is_folder: true,
        rev: 0,
        content_hash: None,
    };

    fn lineage(
        content_hash: &'static str,
        parent_rev: Option<u64>,
        base_file: Option<&'static str>,
    ) -> Lineage<'static> {
        Lineage {
            content_hash,
            parent_rev,
            base_file,
        }
    }

    #[test]
    fn decisions() {
        let copy_of_path = ConflictCopy {
            named_after: CopyOf::Upload,
        };
        let copy_of_entry = ConflictCopy {
            named_after: CopyOf::Entry,
        };
        #[rustfmt::skip]
        let cases: &[(Option<&AtPath>, Lineage, ConflictPolicy, CommitDecision)] = &[
            // Nothing there: a new file, whatever the policy or lineage.
            (None, lineage("bbb", None, None), Copy, NewFile),
            (None, lineage("bbb", Some(7), Some("f9")), Fail, NewFile),
            (None, lineage("bbb", None, None), Beside, NewFile),
            // A file there, edited from its current version or saying nothing.
            (Some(&FILE), lineage("bbb", None, None), Copy, NewVersion),
            (Some(&FILE), lineage("bbb", Some(3), None), Fail, NewVersion),
            (Some(&FILE), lineage("bbb", Some(3), Some("f1")), Copy, NewVersion),
            // The same content changes nothing, even from an old version.
            (Some(&FILE), lineage("aaa", None, None), Copy, Unchanged),
            (Some(&FILE), lineage("aaa", Some(1), None), Fail, Unchanged),
            (Some(&FILE), lineage("aaa", None, Some("f9")), Copy, Unchanged),
            // Moved on: another revision, or another file than the one edited.
            (Some(&FILE), lineage("bbb", Some(2), None), Copy, copy_of_path),
            (Some(&FILE), lineage("bbb", Some(4), None), Copy, copy_of_path),
            (Some(&FILE), lineage("bbb", None, Some("f9")), Copy, copy_of_path),
            (Some(&FILE), lineage("bbb", Some(2), None), Fail, Conflict),
            (Some(&FILE), lineage("bbb", Some(3), Some("f9")), Fail, Conflict),
            // A folder is in the way, unless the upload goes beside it anyway.
            (Some(&FOLDER), lineage("bbb", None, None), Copy, FolderInTheWay),
            (Some(&FOLDER), lineage("bbb", Some(1), None), Fail, FolderInTheWay),
            // Beside: never the entry there, whatever it is, named after it.
            (Some(&FILE), lineage("aaa", None, None), Beside, copy_of_entry),
            (Some(&FILE), lineage("bbb", Some(3), None), Beside, copy_of_entry),
            (Some(&FOLDER), lineage("bbb", None, None), Beside, copy_of_entry),
        ];
        for (at_path, lineage, policy, expect) in cases {
            assert_eq!(
                decide_commit(*at_path, lineage, *policy),
                *expect,
                "{at_path:?} {lineage:?} {policy:?}"
            );
        }
    }
}
