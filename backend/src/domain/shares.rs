//! Shares: public links and shares with another user, and the rules that decide what
//! a share may be and what a path inside a share's root may be.
//!
//! Nothing here does IO: the core loads the rows and calls these rules.

use super::{Error, FileId, PathError, RelPath, UserId};
use std::fmt;

/// Whom a share is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareKind {
    /// A public link, `/s/{token}`.
    Link,
    /// Another user.
    User,
}

impl ShareKind {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Link => "link",
            ShareKind::User => "user",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<ShareKind> {
        match name {
            "link" => Some(ShareKind::Link),
            "user" => Some(ShareKind::User),
            _ => None,
        }
    }
}

/// What a share lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharePermission {
    /// List and download.
    Viewer,
    /// Also change things (user shares only).
    Editor,
    /// Upload new files only, seeing nothing ("file request" links on folders).
    UploadOnly,
}

impl SharePermission {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            SharePermission::Viewer => "viewer",
            SharePermission::Editor => "editor",
            SharePermission::UploadOnly => "upload_only",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<SharePermission> {
        match name {
            "viewer" => Some(SharePermission::Viewer),
            "editor" => Some(SharePermission::Editor),
            "upload_only" => Some(SharePermission::UploadOnly),
            _ => None,
        }
    }
}

/// A link's secret token: 128 random bits, URL-safe (32 lowercase hex digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ShareToken(String);

impl ShareToken {
    /// A fresh token from the operating system's CSPRNG (through `rand`'s thread RNG,
    /// which is seeded from it and cryptographically secure).
    pub fn generate() -> ShareToken {
        ShareToken(hex::encode(rand::random::<[u8; 16]>()))
    }

    /// A token from a request or from storage; any text is accepted and simply
    /// matches no share when it is not one.
    pub fn from_string(token: String) -> ShareToken {
        ShareToken(token)
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShareToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ShareToken {
    // Tokens are credentials: logs show only their start.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(4).collect();
        write!(f, "ShareToken({shown}…)")
    }
}

/// One share, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Opaque id.
    pub id: String,
    /// Whose entry is shared.
    pub owner: UserId,
    /// The shared entry: the share's root.
    pub file_id: FileId,
    /// Link or user share.
    pub kind: ShareKind,
    /// What it allows.
    pub permission: SharePermission,
    /// For a user share: the recipient.
    pub recipient: Option<UserId>,
    /// For a link: its token.
    pub token: Option<ShareToken>,
    /// For a link with a password: its Argon2 PHC string.
    pub password_hash: Option<String>,
    /// When it stops working, Unix milliseconds.
    pub expires_at: Option<i64>,
    /// Downloads through the link.
    pub download_count: u64,
    /// When it was made, Unix milliseconds.
    pub created_at: i64,
}

impl Share {
    /// Whether the share has expired at `now`.
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A share with the names of the people in it, as listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    /// The share.
    pub share: Share,
    /// The owner's login name.
    pub owner_name: String,
    /// The recipient's login name, for a user share.
    pub recipient_name: Option<String>,
}

/// The longest link password accepted, in characters.
pub const MAX_SHARE_PASSWORD_CHARS: usize = 256;

/// Checks that a new share makes sense: the kind and permission fit together and the
/// entry, and the expiry lies in the future.
pub fn check_new_share(
    kind: ShareKind,
    permission: SharePermission,
    entry_is_folder: bool,
    has_password: bool,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), Error> {
    match (kind, permission) {
        (ShareKind::Link, SharePermission::Editor) => {
            return Err(Error::BadRequest(
                "a link can be \"viewer\" or \"upload_only\", not \"editor\"; share with a user to let them edit".into(),
            ))
        }
        (ShareKind::User, SharePermission::UploadOnly) => {
            return Err(Error::BadRequest(
                "a share with a user can be \"viewer\" or \"editor\"; use a link for a file request".into(),
            ))
        }
        (ShareKind::User, _) if has_password => {
            return Err(Error::BadRequest(
                "only links take a password; leave it out for a share with a user".into(),
            ))
        }
        _ => {}
    }
    if permission == SharePermission::UploadOnly && !entry_is_folder {
        return Err(Error::BadRequest(
            "a file request (\"upload_only\") needs a folder to receive the files; share a folder"
                .into(),
        ));
    }
    check_expiry(expires_at, now)
}

/// Checks that an expiry, if any, lies in the future.
pub fn check_expiry(expires_at: Option<i64>, now: i64) -> Result<(), Error> {
    match expires_at {
        Some(at) if at <= now => Err(Error::BadRequest(format!(
            "the expiry {at} (Unix milliseconds) is in the past; pick a later date or none"
        ))),
        _ => Ok(()),
    }
}

/// Checks a link password's length.
pub fn check_share_password(password: &str) -> Result<(), Error> {
    let chars = password.chars().count();
    if chars == 0 || chars > MAX_SHARE_PASSWORD_CHARS {
        return Err(Error::BadRequest(format!(
            "a link password must be 1 to {MAX_SHARE_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// Parses a path inside a share, relative to its root (`""`, `/`, `sub/file.txt` or
/// `/sub/file.txt`), refusing anything that could climb out: `.` and `..` segments,
/// backslashes, empty segments and control characters. The result is relative to the
/// root, as a path of its own (`/` is the root itself).
pub fn share_subpath(text: &str) -> Result<RelPath, Error> {
    if text.contains('\\') {
        return Err(Error::BadRequest(format!(
            "the path {text:?} contains a backslash; use '/' between names inside a shared folder"
        )));
    }
    let trimmed = text.strip_prefix('/').unwrap_or(text);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.starts_with('/') {
        return Err(Error::Path(PathError::EmptySegment(text.to_string())));
    }
    Ok(RelPath::parse(&format!("/{trimmed}"))?)
}

/// The path in the owner's tree of `sub` (relative to a share's root at `root`).
pub fn within_root(root: &RelPath, sub: &RelPath) -> Result<RelPath, Error> {
    let mut res = root.clone();
    for segment in sub.segments() {
        res = res.join(segment)?;
    }
    Ok(res)
}

/// `path` relative to `root`, when it lies inside it (the root itself gives `/`).
pub fn relative_to(root: &RelPath, path: &RelPath) -> Option<RelPath> {
    let rest = path.segments().strip_prefix(root.segments())?;
    let mut res = RelPath::root();
    for segment in rest {
        res = res.join(segment).ok()?;
    }
    Some(res)
}

/// The cookie value that proves a browser entered a link's password: a digest of the
/// share's id and its stored password hash (secret, salted). It is never the password,
/// it needs no server-side state, so every replica accepts it, and it stops working
/// as soon as the password changes or is removed.
pub fn share_grant(share_id: &str, password_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"cairn-share-grant\0");
    hasher.update(share_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(password_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// Compares two secrets in time independent of where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, ()>) {
        let got = share_subpath(input).map(|p| p.to_string()).map_err(|_| ());
        assert_eq!(got, expect.map(str::to_string), "input {input:?}");
    }

    #[test]
    fn subpaths_stay_inside() {
        check("", Ok("/"));
        check("/", Ok("/"));
        check("a", Ok("/a"));
        check("/a/b.txt", Ok("/a/b.txt"));
        check("a/b/", Ok("/a/b"));
        check("..", Err(()));
        check("/../x", Err(()));
        check("a/../../x", Err(()));
        check("a/./b", Err(()));
        check("a\\..\\b", Err(()));
        check("//etc/passwd", Err(()));
        check("a//b", Err(()));
        check("a\u{0}b", Err(()));
    }

    #[test]
    fn relative_paths() {
        let root = RelPath::parse("/Photos/2026").expect("a valid path");
        let inside = RelPath::parse("/Photos/2026/a/b.jpg").expect("a valid path");
        let outside = RelPath::parse("/Photos/2025/c.jpg").expect("a valid path");
        assert_eq!(
            relative_to(&root, &inside).map(|p| p.to_string()),
            Some("/a/b.jpg".into())
        );
        assert_eq!(relative_to(&root, &outside), None);
        assert_eq!(
            relative_to(&root, &root).map(|p| p.to_string()),
            Some("/".into())
        );
        let sub = RelPath::parse("/a/b.jpg").expect("a valid path");
        assert_eq!(within_root(&root, &sub).expect("a valid path"), inside);
    }

    #[test]
    fn share_rules() {
        use ShareKind::*;
        use SharePermission::*;
        assert!(check_new_share(Link, Viewer, false, true, None, 0).is_ok());
        assert!(check_new_share(Link, Editor, true, false, None, 0).is_err());
        assert!(check_new_share(Link, UploadOnly, false, false, None, 0).is_err());
        assert!(check_new_share(Link, UploadOnly, true, false, Some(10), 0).is_ok());
        assert!(check_new_share(User, UploadOnly, true, false, None, 0).is_err());
        assert!(check_new_share(User, Editor, true, true, None, 0).is_err());
        assert!(check_new_share(Link, Viewer, true, false, Some(5), 10).is_err());
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "ab"));
    }
}
