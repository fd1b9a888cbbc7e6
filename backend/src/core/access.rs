//! Whose tree an operation works in. A user's own paths and ids lead to their own
//! tree; paths under `/Shared with me` and ids of entries others shared with them
//! lead to the owner's tree, when a share covers them and allows the operation.
//! Everything else answers "not found", so nothing outside a share shows.

use super::{now_ms, Core};
use crate::domain::{
    below, locate, mount, recipient_path, Error, FileEntry, FileId, Located, Mount, RelPath,
    UploadId, UploadSession, User, SHARED_FOLDER,
};

/// What an operation does to what it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// List, read, download.
    Read,
    /// Create, upload, rename, move or delete inside.
    Write,
    /// Rename, move or delete the entry itself: never allowed on the shared entry
    /// (the mount), which only its owner changes.
    WriteEntry,
}

/// How the paths of the tree an operation works in show to the user.
#[derive(Debug, Clone)]
pub(super) enum View {
    /// Their own tree: as they are.
    Own,
    /// The owner's tree, seen through a mount of the user's.
    Shared {
        /// The mount.
        mount: Box<Mount>,
        /// The shared entry's path in the owner's tree.
        root_path: RelPath,
    },
}

impl View {
    /// The user's path for a path of the tree worked in.
    pub(super) fn show(&self, path: &RelPath) -> RelPath {
        match self {
            View::Own => path.clone(),
            View::Shared { mount, root_path } => {
                recipient_path(mount, root_path, path).unwrap_or_else(|| mount.path())
            }
        }
    }

    /// Whether paths of the tree worked in are the user's own.
    pub(super) fn is_own(&self) -> bool {
        matches!(self, View::Own)
    }
}

/// Where a path of the user's leads.
pub(super) enum PathPlace {
    /// A tree (the user's, or an owner's through a mount), and the path there.
    Tree {
        /// Whose tree: the user's own, or the owner's.
        acting: User,
        /// The path in that tree.
        path: RelPath,
        /// How that tree's paths show to the user.
        view: View,
    },
    /// `/Shared with me` itself, holding the mounts.
    SharedFolder(Vec<Mount>),
}

/// The tree an entry reached by id is in.
pub(super) struct IdPlace {
    /// Whose tree: the user's own, or the owner's.
    pub acting: User,
    /// How that tree's paths show to the user.
    pub view: View,
}

/// The id the `/Shared with me` folder is listed with. It is not an entry: acting
/// on it answers "not found", or a message saying what it is.
pub const SHARED_FOLDER_ID: &str = "shared-with-me";

impl Core {
    /// The user's mounts, in `/Shared with me` order.
    pub(super) async fn mounts(&self, user: &User) -> Result<Vec<Mount>, Error> {
        Ok(mount(self.meta.received_grants(&user.id, now_ms()).await?))
    }

    /// The owner of a mount, as a user record (their quota applies to what the
    /// recipient uploads).
    async fn owner_of(&self, mount: &Mount) -> Result<User, Error> {
        self.meta
            .user_by_name(&mount.grant.owner_name)
            .await?
            .filter(|owner| owner.id == mount.grant.owner)
            .ok_or_else(|| Error::NotFound(format!("the owner of {}", mount.path())))
    }

    /// The shared entry's path in its owner's tree (it moves when the owner moves it).
    pub(super) async fn mount_root(&self, mount: &Mount) -> Result<RelPath, Error> {
        Ok(self
            .meta
            .entry_path(&mount.grant.owner, &mount.grant.root.id)
            .await?)
    }

    /// Acting in the owner's tree through `mount`, whose shared entry is at
    /// `root_path` there: the owner, and how their paths show to the user.
    async fn through(&self, mount: Mount, root_path: RelPath) -> Result<(User, View), Error> {
        let acting = self.owner_of(&mount).await?;
        let view = View::Shared {
            mount: Box::new(mount),
            root_path,
        };
        Ok((acting, view))
    }

    fn allow(mount: &Mount, need: Need, at_root: bool) -> Result<(), Error> {
        let owner = &mount.grant.owner_name;
        match need {
            Need::Read => Ok(()),
            Need::WriteEntry if at_root => Err(Error::Forbidden(format!(
                "“{}” is shared with you by {owner}: only {owner} can rename, move or delete it; \
                 change what is inside it instead",
                mount.name
            ))),
            Need::Write | Need::WriteEntry if !mount.grant.can_edit => {
                Err(Error::Forbidden(format!(
                    "{owner} shared “{}” with you as a viewer: you can open and download what \
                     is in it, not change it; ask {owner} to make you an editor",
                    mount.name
                )))
            }
            Need::Write | Need::WriteEntry => Ok(()),
        }
    }

    /// Where `path`, a path of the user's, leads, if `need` is allowed there.
    pub(super) async fn place_of_path(
        &self,
        user: &User,
        path: &RelPath,
        need: Need,
    ) -> Result<PathPlace, Error> {
        if path.segments().first().map(String::as_str) != Some(SHARED_FOLDER) {
            return Ok(PathPlace::Tree {
                acting: user.clone(),
                path: path.clone(),
                view: View::Own,
            });
        }
        let mounts = self.mounts(user).await?;
        let (mount, rest) = match locate(path, &mounts) {
            Located::Own => {
                return Ok(PathPlace::Tree {
                    acting: user.clone(),
                    path: path.clone(),
                    view: View::Own,
                })
            }
            Located::SharedFolder => {
                return match need {
                    Need::Read => Ok(PathPlace::SharedFolder(mounts)),
                    Need::Write | Need::WriteEntry => Err(Error::Forbidden(format!(
                        "/{SHARED_FOLDER} holds what others share with you; put your own \
                         files and folders elsewhere"
                    ))),
                };
            }
            Located::NoSuchShare(name) => {
                return Err(Error::NotFound(format!(
                    "“{name}” in /{SHARED_FOLDER} (nobody shares anything by that name with you)"
                )))
            }
            Located::Shared { mount, rest } => (mount.clone(), rest.to_vec()),
        };
        Self::allow(&mount, need, rest.is_empty())?;
        if !mount.grant.root.is_folder && !rest.is_empty() {
            return Err(Error::NotAFolder(mount.path().to_string()));
        }
        let root_path = self.mount_root(&mount).await?;
        let path = below(&root_path, &rest)?;
        let (acting, view) = self.through(mount, root_path).await?;
        Ok(PathPlace::Tree { acting, path, view })
    }

    /// The tree a path of the user's leads to, refusing `/Shared with me` itself.
    pub(super) async fn tree_of_path(
        &self,
        user: &User,
        path: &RelPath,
        need: Need,
    ) -> Result<(User, RelPath, View), Error> {
        match self.place_of_path(user, path, need).await? {
            PathPlace::Tree { acting, path, view } => Ok((acting, path, view)),
            PathPlace::SharedFolder(_) => Err(Error::Forbidden(format!(
                "/{SHARED_FOLDER} holds what others share with you; it cannot be changed itself"
            ))),
        }
    }

    /// The tree the entry `id` is in, if it is the user's own or inside something
    /// shared with them, and `need` is allowed there.
    pub(super) async fn place_of_id(
        &self,
        user: &User,
        id: &FileId,
        need: Need,
    ) -> Result<(IdPlace, FileEntry), Error> {
        if let Some(entry) = self.meta.entry_by_id(&user.id, id).await? {
            let place = IdPlace {
                acting: user.clone(),
                view: View::Own,
            };
            return Ok((place, entry));
        }
        let not_found = || Error::NotFound(format!("file {id}"));
        if id.as_str() == SHARED_FOLDER_ID {
            return Err(match need {
                Need::Read => not_found(),
                Need::Write | Need::WriteEntry => Error::Forbidden(format!(
                    "/{SHARED_FOLDER} holds what others share with you; it cannot be changed itself"
                )),
            });
        }
        let owner = match self.meta.entry_owner(id).await? {
            Some(owner) if owner != user.id => owner,
            _ => return Err(not_found()),
        };
        let mounts: Vec<Mount> = self
            .mounts(user)
            .await?
            .into_iter()
            .filter(|m| m.grant.owner == owner)
            .collect();
        if mounts.is_empty() {
            return Err(not_found());
        }
        let entry = self
            .meta
            .entry_by_id(&owner, id)
            .await?
            .ok_or_else(not_found)?;
        // Walk up to the first shared entry the user has a mount of.
        let mut current = entry.clone();
        loop {
            if let Some(mount) = mounts.iter().find(|m| m.grant.root.id == current.id) {
                Self::allow(mount, need, current.id == entry.id)?;
                let root_path = self.mount_root(mount).await?;
                let (acting, view) = self.through(mount.clone(), root_path).await?;
                return Ok((IdPlace { acting, view }, entry));
            }
            let Some(parent) = current.parent.clone() else {
                return Err(not_found());
            };
            current = self
                .meta
                .entry_by_id(&owner, &parent)
                .await?
                .ok_or_else(not_found)?;
        }
    }

    /// The tree an upload session commits into, if it is the user's own or one they
    /// may upload into through a share.
    pub(super) async fn place_of_upload(
        &self,
        user: &User,
        id: &UploadId,
        only: Option<&[u64]>,
    ) -> Result<(User, UploadSession, View), Error> {
        if let Some(upload) = self.meta.upload(&user.id, id, only).await? {
            return Ok((user.clone(), upload, View::Own));
        }
        let not_found = || Error::UploadNotFound(id.to_string());
        let owner = match self.meta.upload_owner(id).await? {
            Some(owner) if owner != user.id => owner,
            _ => return Err(not_found()),
        };
        let upload = self
            .meta
            .upload(&owner, id, only)
            .await?
            .ok_or_else(not_found)?;
        let path = RelPath::parse(&upload.path)?;
        for mount in self.mounts(user).await? {
            if mount.grant.owner != owner || !mount.grant.can_edit {
                continue;
            }
            let root_path = self.mount_root(&mount).await?;
            if recipient_path(&mount, &root_path, &path).is_some() {
                let (acting, view) = self.through(mount, root_path).await?;
                return Ok((acting, upload, view));
            }
        }
        Err(not_found())
    }

    /// The `/Shared with me` folder, as listed.
    pub(super) fn shared_folder_entry(user: &User) -> FileEntry {
        FileEntry {
            id: FileId::from_string(SHARED_FOLDER_ID.into()),
            owner: user.id.clone(),
            parent: Some(user.root_id.clone()),
            name: SHARED_FOLDER.into(),
            is_folder: true,
            size: 0,
            content_hash: None,
            rev: 0,
            modified_at: 0,
        }
    }
}
