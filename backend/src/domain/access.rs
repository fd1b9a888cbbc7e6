//! Shares with other users, as the recipient sees them: every folder or file shared
//! with a user is mounted under one folder of their tree, `/Shared with me`, by its
//! name. A path in the recipient's tree is either their own, that folder itself, or
//! a path inside a mount, which stands for a path in the owner's tree.

use super::{clash_names, Clash, FileEntry, RelPath, UserId};

/// The name of the folder, in every user's root, that holds what others share with
/// them.
pub const SHARED_FOLDER: &str = "Shared with me";

/// A share with the user, as mounted in their tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The share's id.
    pub share_id: String,
    /// Whose tree the shared entry is in.
    pub owner: UserId,
    /// The owner's login name.
    pub owner_name: String,
    /// The shared entry, in the owner's tree.
    pub root: FileEntry,
    /// Whether the recipient may change what is inside (editor), or only read it.
    pub can_edit: bool,
}

/// A grant with its place in the recipient's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The share.
    pub grant: Grant,
    /// Its name in `/Shared with me`, unique there.
    pub name: String,
}

impl Mount {
    /// The path in the recipient's tree of the mount itself.
    pub fn path(&self) -> RelPath {
        RelPath::root()
            .join(SHARED_FOLDER)
            .and_then(|shared| shared.join(&self.name))
            .unwrap_or_else(|_| RelPath::root())
    }
}

/// Names the grants in `/Shared with me`: each by its entry's name; when two share
/// a name, the later ones get their owner's name added, then a number.
pub fn mount(grants: Vec<Grant>) -> Vec<Mount> {
    let mut taken: Vec<String> = Vec::with_capacity(grants.len());
    let mut mounts = Vec::with_capacity(grants.len());
    for grant in grants {
        let is_taken = |name: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(name));
        let base = &grant.root.name;
        let name = if is_taken(base) {
            let clash = Clash::SharedBy {
                owner: &grant.owner_name,
            };
            clash_names(base, clash)
                .find(|name| !is_taken(name))
                .unwrap_or_default()
        } else {
            base.clone()
        };
        taken.push(name.clone());
        mounts.push(Mount { grant, name });
    }
    mounts
}

/// Where a path of the recipient's tree leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located<'a> {
    /// The user's own tree.
    Own,
    /// `/Shared with me` itself.
    SharedFolder,
    /// Inside a mount: `rest` below its root (empty for the root itself).
    Shared {
        /// The mount.
        mount: &'a Mount,
        /// The segments below the shared entry.
        rest: &'a [String],
    },
    /// Under `/Shared with me`, but no share has that name.
    NoSuchShare(&'a str),
}

/// Finds where `path` leads, given the user's mounts.
pub fn locate<'a>(path: &'a RelPath, mounts: &'a [Mount]) -> Located<'a> {
    match path.segments() {
        [first, rest @ ..] if first == SHARED_FOLDER => match rest.split_first() {
            None => Located::SharedFolder,
            Some((name, rest)) => match mounts.iter().find(|m| &m.name == name) {
                Some(mount) => Located::Shared { mount, rest },
                None => Located::NoSuchShare(name),
            },
        },
        _ => Located::Own,
    }
}

/// `base` with `rest` appended, segment by segment.
pub fn below(base: &RelPath, rest: &[String]) -> Result<RelPath, super::PathError> {
    let mut path = base.clone();
    for segment in rest {
        path = path.join(segment)?;
    }
    Ok(path)
}

/// The recipient's path for `owner_path`, a path of the owner's inside the mount
/// whose shared entry is at `root_path`; `None` when it is not inside.
pub fn recipient_path(mount: &Mount, root_path: &RelPath, owner_path: &RelPath) -> Option<RelPath> {
    let rest = owner_path.segments().strip_prefix(root_path.segments())?;
    below(&mount.path(), rest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FileId;

    fn grant(name: &str, owner: &str) -> Grant {
        Grant {
            share_id: format!("share-{name}-{owner}"),
            owner: UserId::from_string(owner.into()),
            owner_name: owner.into(),
            root: FileEntry {
                id: FileId::generate(),
                owner: UserId::from_string(owner.into()),
                parent: Some(FileId::generate()),
                name: name.into(),
                is_folder: true,
                size: 0,
                content_hash: None,
                rev: 0,
                modified_at: 0,
            },
            can_edit: false,
        }
    }

    fn path(text: &str) -> RelPath {
        RelPath::parse(text).expect("a valid path")
    }

    #[test]
    fn mounts_with_the_same_name_get_their_owner_then_a_number() {
        let mounts = mount(vec![
            grant("Photos", "ann"),
            grant("photos", "bob"),
            grant("Photos", "bob"),
            grant("Taxes", "ann"),
        ]);
        let names: Vec<&str> = mounts.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["Photos", "photos (bob)", "Photos (bob, 2)", "Taxes"]
        );
        assert_eq!(mounts[1].path(), path("/Shared with me/photos (bob)"));
    }

    #[test]
    fn paths_lead_to_the_own_tree_the_shared_folder_or_inside_a_mount() {
        let mounts = mount(vec![grant("Photos", "ann")]);
        assert_eq!(locate(&path("/"), &mounts), Located::Own);
        assert_eq!(locate(&path("/Photos/a.jpg"), &mounts), Located::Own);
        assert_eq!(
            locate(&path("/Shared with me"), &mounts),
            Located::SharedFolder
        );
        let inside = path("/Shared with me/Photos/2024/a.jpg");
        match locate(&inside, &mounts) {
            Located::Shared { mount, rest } => {
                assert_eq!(mount.name, "Photos");
                assert_eq!(rest, ["2024".to_string(), "a.jpg".to_string()]);
            }
            other => panic!("expected a path inside the mount, got {other:?}"),
        }
        assert_eq!(
            locate(&path("/Shared with me/Other/x"), &mounts),
            Located::NoSuchShare("Other")
        );
    }

    #[test]
    fn owner_paths_map_into_the_mount_and_nothing_outside_does() {
        let mounts = mount(vec![grant("Photos", "ann")]);
        let root = path("/Family/Photos");
        assert_eq!(
            recipient_path(&mounts[0], &root, &path("/Family/Photos/2024/a.jpg")),
            Some(path("/Shared with me/Photos/2024/a.jpg"))
        );
        assert_eq!(
            recipient_path(&mounts[0], &root, &root),
            Some(path("/Shared with me/Photos"))
        );
        assert_eq!(
            recipient_path(&mounts[0], &root, &path("/Family/Photo")),
            None
        );
        assert_eq!(recipient_path(&mounts[0], &root, &path("/Family")), None);
    }
}
