//! Sharing (DESIGN §8): making, listing, changing and revoking shares, and what a
//! link holder may do through a link: open it (with its password), list and
//! download inside its root. Uploads into a file request are in `uploader.rs`.
//!
//! Every path a link holder names is resolved relative to the share's root and never
//! leaves it; a link holder acts in the owner's namespace only through the methods
//! here, which check the link's permission first.

use super::password_work::Lane;
use super::{now_ms, Core, Download};
use crate::domain::{
    check_expiry, check_new_share, check_share_password, password_within_limit, secrets_equal,
    share_grant, valid_username, within_root, Error, FileEntry, FileId, RelPath, Share, ShareKind,
    SharePermission, ShareRecord, ShareToken, User, MAX_PASSWORD_BYTES,
};
use crate::ports::StoreError;

/// A new share, as parsed from the request.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    /// The shared entry.
    pub file_id: FileId,
    /// Link or user share.
    pub kind: ShareKind,
    /// What it allows.
    pub permission: SharePermission,
    /// For a user share: the recipient's login name.
    pub username: Option<String>,
    /// For a link: its password.
    pub password: Option<String>,
    /// When it stops working, Unix milliseconds.
    pub expires_at: Option<i64>,
}

/// A change to a share; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ShareChange {
    /// A new permission.
    pub permission: Option<SharePermission>,
    /// `Some(Some(p))` sets the password, `Some(None)` removes it.
    pub password: Option<Option<String>>,
    /// `Some(Some(t))` sets the expiry, `Some(None)` removes it.
    pub expires_at: Option<Option<i64>>,
}

/// A share with what it shares, as listings show it.
#[derive(Debug, Clone)]
pub struct ShareView {
    /// The share and the names of the people in it.
    pub record: ShareRecord,
    /// The shared entry's name (empty when it is in the trash).
    pub name: String,
    /// Whether it is a folder.
    pub is_folder: bool,
    /// Where it is, in the viewer's tree.
    pub path: String,
}

/// An opened link: the share, its owner, and its root as it is now.
#[derive(Debug, Clone)]
pub struct LinkAccess {
    /// The share.
    pub share: Share,
    /// The owner, in whose namespace everything happens.
    pub owner: User,
    /// The shared entry.
    pub root: FileEntry,
    /// Its path in the owner's tree.
    pub root_path: RelPath,
}

/// What a link shows at a path inside it.
#[derive(Debug, Clone)]
pub enum LinkView {
    /// A folder and its entries, with paths relative to the share's root.
    Folder {
        /// The folder.
        folder: FileEntry,
        /// Its path relative to the root.
        path: RelPath,
        /// Its entries and their paths relative to the root.
        entries: Vec<(FileEntry, RelPath)>,
    },
    /// A single file (the shared entry, or one inside a shared folder).
    File {
        /// The file.
        file: FileEntry,
        /// Its path relative to the root.
        path: RelPath,
    },
    /// A file request: the folder's name only, never its entries.
    UploadOnly {
        /// The receiving folder.
        folder: FileEntry,
    },
}

impl Core {
    /// Makes a share of one of `user`'s entries.
    pub async fn create_share(&self, user: &User, request: ShareRequest) -> Result<Share, Error> {
        if request
            .username
            .as_deref()
            .is_some_and(|name| !valid_username(name))
        {
            return Err(Error::InvalidUsername);
        }
        let now = now_ms();
        let entry = self
            .meta
            .entry_by_id(&user.id, &request.file_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("file {}", request.file_id)))?;
        let password = request.password.filter(|p| !p.is_empty());
        check_new_share(
            request.kind,
            request.permission,
            entry.is_folder,
            password.is_some(),
            request.expires_at,
            now,
        )?;
        if entry.parent.is_none() {
            return Err(Error::BadRequest(
                "your whole tree cannot be shared; share a folder or file in it".into(),
            ));
        }
        let recipient = match request.kind {
            ShareKind::Link => None,
            ShareKind::User => {
                let name = request.username.as_deref().map(str::trim).unwrap_or("");
                if name.is_empty() {
                    return Err(Error::BadRequest(
                        "a share with a user needs the \"username\" to share with".into(),
                    ));
                }
                let other = self
                    .meta
                    .user_by_name(name)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("user {name:?}")))?;
                if other.id == user.id {
                    return Err(Error::BadRequest(
                        "you cannot share with yourself; give another user's name".into(),
                    ));
                }
                Some(other.id)
            }
        };
        let password_hash = match password {
            Some(password) => {
                check_share_password(&password)?;
                Some(self.hash_password(password).await?)
            }
            None => None,
        };
        let share = Share {
            id: FileId::generate().to_string(),
            owner: user.id.clone(),
            file_id: entry.id.clone(),
            kind: request.kind,
            permission: request.permission,
            recipient,
            token: (request.kind == ShareKind::Link).then(ShareToken::generate),
            password_hash,
            expires_at: request.expires_at,
            download_count: 0,
            created_at: now,
        };
        match self.meta.insert_share(&share).await {
            Err(StoreError::AlreadyExists(_)) => Err(Error::AlreadyExists(format!(
                "a share of {} with {}",
                entry.name,
                request.username.unwrap_or_default()
            ))),
            Err(other) => Err(Error::from(other)),
            Ok(()) => {
                if let Some(recipient) = &share.recipient {
                    // A folder appears in their tree: their open pages list again.
                    self.announce(recipient).await;
                }
                Ok(share)
            }
        }
    }

    /// `received_at` is where a received share shows in the recipient's tree.
    async fn view_of(
        &self,
        record: ShareRecord,
        received_at: Option<String>,
    ) -> Result<ShareView, Error> {
        let owner = &record.share.owner;
        let entry = self.meta.entry_by_id(owner, &record.share.file_id).await?;
        let Some(entry) = entry else {
            return Ok(ShareView {
                record,
                name: String::new(),
                is_folder: false,
                path: String::new(),
            });
        };
        let path = match received_at {
            Some(path) => path,
            None => self.meta.entry_path(owner, &entry.id).await?.to_string(),
        };
        Ok(ShareView {
            record,
            name: entry.name,
            is_folder: entry.is_folder,
            path,
        })
    }

    /// The shares `user` made (of one entry when `file` is given) and, without
    /// `file`, those made with them.
    pub async fn shares(
        &self,
        user: &User,
        file: Option<&FileId>,
    ) -> Result<(Vec<ShareView>, Vec<ShareView>), Error> {
        let mut made = Vec::new();
        for record in self.meta.shares_made(&user.id, file).await? {
            made.push(self.view_of(record, None).await?);
        }
        let mut received = Vec::new();
        if file.is_none() {
            let mounts = self.mounts(user).await?;
            for record in self.meta.shares_received(&user.id).await? {
                let mounted = mounts
                    .iter()
                    .find(|m| m.grant.share_id == record.share.id)
                    .map(|m| m.path().to_string());
                let Some(mounted) = mounted else {
                    // Expired, or its entry is in the owner's trash.
                    continue;
                };
                let view = self.view_of(record, Some(mounted)).await?;
                // A share whose entry went to the owner's trash shows nothing.
                if !view.name.is_empty() && !view.record.share.expired(now_ms()) {
                    received.push(view);
                }
            }
        }
        Ok((made, received))
    }

    /// A share of `user`'s, by id; others' shares are "not found".
    async fn own_share(&self, user: &User, id: &str) -> Result<ShareRecord, Error> {
        self.meta
            .share_by_id(id)
            .await?
            .filter(|record| record.share.owner == user.id)
            .ok_or_else(|| Error::NotFound(format!("share {id}")))
    }

    /// Changes a share's permission, password or expiry.
    pub async fn update_share(
        &self,
        user: &User,
        id: &str,
        change: ShareChange,
    ) -> Result<ShareView, Error> {
        let record = self.own_share(user, id).await?;
        let share = &record.share;
        let permission = change.permission.unwrap_or(share.permission);
        let expires_at = change.expires_at.unwrap_or(share.expires_at);
        if change.expires_at.is_some() {
            check_expiry(expires_at, now_ms())?;
        }
        let password_hash = match change.password {
            None => share.password_hash.clone(),
            Some(None) => None,
            Some(Some(password)) if password.is_empty() => None,
            Some(Some(password)) => {
                if share.kind != ShareKind::Link {
                    return Err(Error::BadRequest(
                        "only links take a password; leave it out for a share with a user".into(),
                    ));
                }
                check_share_password(&password)?;
                Some(self.hash_password(password).await?)
            }
        };
        if change.permission.is_some() {
            let entry = self
                .meta
                .entry_by_id(&user.id, &share.file_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("file {}", share.file_id)))?;
            check_new_share(share.kind, permission, entry.is_folder, false, None, 0)?;
        }
        self.meta
            .update_share(id, permission, password_hash, expires_at)
            .await?;
        let record = self.own_share(user, id).await?;
        if let Some(recipient) = &record.share.recipient {
            self.announce(recipient).await;
        }
        self.view_of(record, None).await
    }

    /// Revokes a share: its owner may delete any of theirs, the recipient of a user
    /// share may remove it from their side.
    pub async fn revoke_share(&self, user: &User, id: &str) -> Result<(), Error> {
        let record = self
            .meta
            .share_by_id(id)
            .await?
            .filter(|record| {
                record.share.owner == user.id || record.share.recipient.as_ref() == Some(&user.id)
            })
            .ok_or_else(|| Error::NotFound(format!("share {id}")))?;
        if !self.meta.delete_share(&record.share.id).await? {
            return Err(Error::NotFound(format!("share {id}")));
        }
        if let Some(recipient) = &record.share.recipient {
            // Their tree lost a folder: their open pages list again.
            self.announce(recipient).await;
        }
        Ok(())
    }

    /// Opens a link: it must exist, be unexpired, and its shared entry be live; a
    /// password-protected link needs the grant that entering the password gave.
    pub async fn open_link(&self, token: &str, grant: Option<&str>) -> Result<LinkAccess, Error> {
        let access = self.find_link(token).await?;
        if let Some(hash) = &access.share.password_hash {
            let expected = share_grant(&access.share.id, hash);
            if !grant.is_some_and(|grant| secrets_equal(grant, &expected)) {
                return Err(Error::LinkPasswordRequired);
            }
        }
        Ok(access)
    }

    /// A link as it stands, password or not.
    pub async fn find_link(&self, token: &str) -> Result<LinkAccess, Error> {
        // Text that no store could hold as a token (NUL, say) is no link.
        if crate::domain::check_id("link", token).is_err() {
            return Err(Error::LinkNotFound);
        }
        let (share, owner) = self
            .meta
            .share_by_token(&ShareToken::from_string(token.to_string()))
            .await?
            .ok_or(Error::LinkNotFound)?;
        if share.expired(now_ms()) {
            return Err(Error::LinkExpired);
        }
        let root = self
            .meta
            .entry_by_id(&owner.id, &share.file_id)
            .await?
            .ok_or(Error::LinkNotFound)?;
        let root_path = self.meta.entry_path(&owner.id, &root.id).await?;
        Ok(LinkAccess {
            share,
            owner,
            root,
            root_path,
        })
    }

    /// Checks a link's password, limiting wrong guesses per link and per client
    /// (`client` names the caller, e.g. its IP address); answers the grant to keep
    /// in a cookie.
    pub async fn unlock_link(
        &self,
        token: &str,
        password: &str,
        client: &str,
    ) -> Result<(LinkAccess, String), Error> {
        if !password_within_limit(password) {
            return Err(Error::PasswordTooLong {
                limit: MAX_PASSWORD_BYTES,
            });
        }
        let access = self.find_link(token).await?;
        let Some(hash) = access.share.password_hash.clone() else {
            // Nothing to unlock; a grant is not needed.
            return Ok((access, String::new()));
        };
        let keys = [
            (
                format!("share:{}", access.share.id),
                self.limits.share_password_failures_per_link,
            ),
            (
                format!("client:{client}"),
                self.limits.share_password_failures_per_client,
            ),
        ];
        // Reserved before the check, so parallel guesses get no more checks than
        // sequential ones.
        let attempt = self
            .attempts
            .links
            .reserve(&keys, now_ms())
            .await
            .map_err(|retry_after_secs| Error::TooManyAttempts { retry_after_secs })?;
        let lane = Lane::after(attempt.earlier_attempts);
        let checked = self
            .verify_password(lane, password.to_string(), hash.clone())
            .await;
        let failed = matches!(checked, Ok(false));
        self.attempts
            .links
            .finish(&keys, attempt, failed, now_ms())
            .await;
        if !checked? {
            return Err(Error::WrongLinkPassword);
        }
        let grant = share_grant(&access.share.id, &hash);
        Ok((access, grant))
    }

    /// The path in the owner's tree of `sub`, relative to the link's root.
    pub(super) fn link_path(access: &LinkAccess, sub: &RelPath) -> Result<RelPath, Error> {
        within_root(&access.root_path, sub)
    }

    /// What the link shows at `sub` (relative to its root).
    pub async fn link_view(&self, access: &LinkAccess, sub: &RelPath) -> Result<LinkView, Error> {
        if access.share.permission == SharePermission::UploadOnly {
            if !sub.is_root() {
                return Err(Error::Forbidden(
                    "this link only receives files; it shows nothing inside the folder".into(),
                ));
            }
            return Ok(LinkView::UploadOnly {
                folder: access.root.clone(),
            });
        }
        if !access.root.is_folder {
            if !sub.is_root() {
                return Err(Error::NotFound(format!("{sub} in this shared file")));
            }
            return Ok(LinkView::File {
                file: access.root.clone(),
                path: RelPath::root(),
            });
        }
        let full = Self::link_path(access, sub)?;
        let entry = self
            .meta
            .entry_by_path(&access.owner.id, &full)
            .await?
            .ok_or_else(|| Error::NotFound(format!("{sub} in this shared folder")))?;
        if !entry.is_folder {
            return Ok(LinkView::File {
                file: entry,
                path: sub.clone(),
            });
        }
        let children = self.meta.list_children(&access.owner.id, &entry.id).await?;
        let mut entries = Vec::with_capacity(children.len());
        for child in children {
            let child_path = sub.join(&child.name)?;
            entries.push((child, child_path));
        }
        Ok(LinkView::Folder {
            folder: entry,
            path: sub.clone(),
            entries,
        })
    }

    /// What downloading `sub` through a link sends (a file, or a folder as a zip);
    /// `count` adds one to the link's downloads.
    pub async fn link_download(
        &self,
        access: &LinkAccess,
        sub: &RelPath,
        count: bool,
    ) -> Result<Download, Error> {
        if access.share.permission == SharePermission::UploadOnly {
            return Err(Error::Forbidden(
                "this link only receives files; nothing can be downloaded through it".into(),
            ));
        }
        let id = if sub.is_root() {
            access.root.id.clone()
        } else {
            if !access.root.is_folder {
                return Err(Error::NotFound(format!("{sub} in this shared file")));
            }
            let full = Self::link_path(access, sub)?;
            self.meta
                .entry_by_path(&access.owner.id, &full)
                .await?
                .ok_or_else(|| Error::NotFound(format!("{sub} in this shared folder")))?
                .id
        };
        let download = self.download(&access.owner, &id).await?;
        if count {
            self.meta.count_share_download(&access.share.id).await?;
        }
        Ok(download)
    }

    pub(super) fn check_can_upload(access: &LinkAccess) -> Result<(), Error> {
        if access.share.permission != SharePermission::UploadOnly || !access.root.is_folder {
            return Err(Error::Forbidden(
                "this link does not take uploads; only file-request links do".into(),
            ));
        }
        Ok(())
    }
}
