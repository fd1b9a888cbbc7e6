//! Sign-up, log-in, log-out and authentication by session or API token.

use super::{now_ms, Core};
use crate::domain::{valid_password, valid_username, Error, FileId, User, UserId};
use crate::ports::{NewToken, NewUser, StoreError, TokenKind};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fresh secret: 256 random bits as hex. Only its SHA-256 is stored.
fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(super) async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

pub(super) async fn verify_password(password: String, stored: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("corrupt password hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task failed: {e}")))?
}

impl Core {
    /// Creates an account and logs it in; returns the user and a session secret.
    pub async fn signup(&self, username: &str, password: &str) -> Result<(User, String), Error> {
        if !valid_username(username) {
            return Err(Error::InvalidUsername);
        }
        if !valid_password(password) {
            return Err(Error::WeakPassword);
        }
        let user = User {
            id: UserId::generate(),
            username: username.to_string(),
            password_hash: hash_password(password.to_string()).await?,
            root_id: FileId::generate(),
            quota_bytes: self.limits.default_quota_bytes,
            used_bytes: 0,
        };
        let user = match self
            .meta
            .create_user(NewUser {
                user,
                now: now_ms(),
            })
            .await
        {
            Err(StoreError::AlreadyExists(_)) => {
                return Err(Error::UsernameTaken(username.to_string()))
            }
            other => other?,
        };
        let secret = self.new_session(&user).await?;
        Ok((user, secret))
    }

    /// Checks a username and password; returns the user and a session secret.
    pub async fn login(&self, username: &str, password: &str) -> Result<(User, String), Error> {
        let Some(user) = self.meta.user_by_name(username).await? else {
            // Spend the same time as a real check, so timing does not reveal names.
            let _ = hash_password(password.to_string()).await;
            return Err(Error::InvalidCredentials);
        };
        if !verify_password(password.to_string(), user.password_hash.clone()).await? {
            return Err(Error::InvalidCredentials);
        }
        let secret = self.new_session(&user).await?;
        Ok((user, secret))
    }

    async fn new_session(&self, user: &User) -> Result<String, Error> {
        let secret = new_secret();
        let now = now_ms();
        self.meta
            .insert_token(NewToken {
                token_hash: token_hash(&secret),
                user_id: user.id.clone(),
                kind: TokenKind::Session,
                label: None,
                created_at: now,
                expires_at: Some(now + self.limits.session_ttl_ms),
            })
            .await?;
        Ok(secret)
    }

    /// Ends a session or revokes a token.
    pub async fn logout(&self, secret: &str) -> Result<(), Error> {
        let hash = token_hash(secret);
        self.meta.delete_token(&hash).await?;
        self.signed_in.forget(&hash);
        Ok(())
    }

    /// The user a session or API secret belongs to. Their usage may be a few seconds
    /// old (see [`SignedIn`]): what shows or checks usage reads [`Core::user_now`].
    pub async fn authenticate(&self, secret: &str) -> Result<User, Error> {
        let hash = token_hash(secret);
        if let Some(user) = self.signed_in.get(&hash) {
            return Ok(user);
        }
        let user = self
            .meta
            .user_by_token(&hash, now_ms())
            .await?
            .ok_or(Error::Unauthenticated)?;
        self.signed_in.remember(hash, user.clone());
        Ok(user)
    }

    /// `user` as stored now, with their current usage.
    pub async fn user_now(&self, user: &User) -> Result<User, Error> {
        self.meta
            .user_by_id(&user.id)
            .await?
            .ok_or(Error::Unauthenticated)
    }
}

/// Secrets that authenticated in the last few seconds, with their user. Requests
/// come in bursts (a dropped folder sends hundreds), and looking the secret up for
/// each would add a database round trip to every one of them.
///
/// Logging out or revoking a token on this server forgets it at once; another
/// replica honours it until its entry is [`SignedIn::TTL`] old. The usage in a
/// remembered user may lag by as much: quota is enforced where uploads commit,
/// inside their transaction, and pages and `/me` read usage again.
#[derive(Default)]
pub(super) struct SignedIn {
    entries: Mutex<HashMap<String, (User, Instant)>>,
}

impl SignedIn {
    /// How long an entry is used before the secret is looked up again.
    const TTL: Duration = Duration::from_secs(5);
    /// Entries kept at most; past it, expired ones go, then all of them.
    const CAPACITY: usize = 10_000;

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (User, Instant)>> {
        // A panic while holding the lock cannot leave the map half-changed.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, hash: &str) -> Option<User> {
        match self.entries().get(hash) {
            Some((user, at)) if at.elapsed() < Self::TTL => Some(user.clone()),
            _ => None,
        }
    }

    fn remember(&self, hash: String, user: User) {
        let mut entries = self.entries();
        if entries.len() >= Self::CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
        }
        entries.insert(hash, (user, Instant::now()));
    }

    fn forget(&self, hash: &str) {
        self.entries().remove(hash);
    }
}

/// An API token as listed.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Its id (the SHA-256 of the secret, which cannot be turned back into it).
    pub id: String,
    /// Its label.
    pub label: String,
    /// When it was created, Unix milliseconds.
    pub created_at: i64,
}

impl Core {
    /// Creates an API token for scripts; returns it and its secret, shown only now.
    pub async fn create_api_token(
        &self,
        user: &User,
        label: &str,
    ) -> Result<(ApiToken, String), Error> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err(Error::BadRequest(
                "a token label must be 1 to 100 characters without control characters".into(),
            ));
        }
        let secret = new_secret();
        let now = now_ms();
        let hash = token_hash(&secret);
        self.meta
            .insert_token(NewToken {
                token_hash: hash.clone(),
                user_id: user.id.clone(),
                kind: TokenKind::Api,
                label: Some(label.to_string()),
                created_at: now,
                expires_at: None,
            })
            .await?;
        Ok((
            ApiToken {
                id: hash,
                label: label.to_string(),
                created_at: now,
            },
            secret,
        ))
    }

    /// The user's API tokens.
    pub async fn api_tokens(&self, user: &User) -> Result<Vec<ApiToken>, Error> {
        Ok(self
            .meta
            .list_api_tokens(&user.id)
            .await?
            .into_iter()
            .map(|(id, label, created_at)| ApiToken {
                id,
                label,
                created_at,
            })
            .collect())
    }

    /// Revokes one of the user's API tokens.
    pub async fn revoke_api_token(&self, user: &User, id: &str) -> Result<(), Error> {
        if self.meta.revoke_api_token(&user.id, id).await? {
            self.signed_in.forget(id);
            Ok(())
        } else {
            Err(Error::NotFound(format!("API token {id}")))
        }
    }
}
