//! Sign-up, log-in, log-out and authentication by session or API token.

use super::{now_ms, Core};
use crate::domain::{valid_password, valid_username, Error, FileId, User, UserId};
use crate::ports::{NewToken, NewUser, StoreError, TokenKind};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// A fresh secret: 256 random bits as hex. Only its SHA-256 is stored.
fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

async fn hash_password(password: String) -> Result<String, Error> {
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

async fn verify_password(password: String, stored: String) -> Result<bool, Error> {
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
        Ok(self.meta.delete_token(&token_hash(secret)).await?)
    }

    /// The user a session or API secret belongs to.
    pub async fn authenticate(&self, secret: &str) -> Result<User, Error> {
        self.meta
            .user_by_token(&token_hash(secret), now_ms())
            .await?
            .ok_or(Error::Unauthenticated)
    }
}
