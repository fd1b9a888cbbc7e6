//! Sign-up, log-in, log-out and authentication by session or API token.

use super::password_work::Lane;
use super::{now_ms, Core};
use crate::domain::{
    password_within_limit, token_label, valid_password, valid_username, Error, FileId, User,
    UserId, MAX_PASSWORD_BYTES,
};
use crate::ports::{NewToken, NewUser, StoreError, TokenKind};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fresh secret: 256 random bits as hex. Only its SHA-256 is stored.
fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn hash_now(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

fn verify_now(password: &str, stored: &str) -> Result<bool, Error> {
    let parsed = PasswordHash::new(stored)
        .map_err(|e| Error::Internal(format!("corrupt password hash: {e}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// The keys a log-in attempt is counted under.
fn login_keys(limits: &super::Limits, username: &str, client: &str) -> [(String, u32); 2] {
    [
        (
            format!("user:{}", username.to_ascii_lowercase()),
            limits.login_failures_per_user,
        ),
        (format!("client:{client}"), limits.login_failures_per_client),
    ]
}

impl Core {
    /// Hashes a new password, once a turn for Argon2 is free.
    pub(super) async fn hash_password(&self, password: String) -> Result<String, Error> {
        if !password_within_limit(&password) {
            return Err(Error::PasswordTooLong {
                limit: MAX_PASSWORD_BYTES,
            });
        }
        self.password_work
            .run(Lane::Later, move || hash_now(&password))
            .await?
    }

    /// Checks a password against its stored hash, once a turn for Argon2 is free;
    /// `lane` says whether the caller has failed lately.
    pub(super) async fn verify_password(
        &self,
        lane: Lane,
        password: String,
        stored: String,
    ) -> Result<bool, Error> {
        if !password_within_limit(&password) {
            return Err(Error::PasswordTooLong {
                limit: MAX_PASSWORD_BYTES,
            });
        }
        self.password_work
            .run(lane, move || verify_now(&password, &stored))
            .await?
    }

    /// Creates an account and logs it in; returns the user and a session secret.
    /// `client` names the caller (its IP address), whose sign-ups are limited.
    pub async fn signup(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(User, String), Error> {
        if !valid_username(username) {
            return Err(Error::InvalidUsername);
        }
        if !valid_password(password) {
            return Err(Error::WeakPassword);
        }
        if !password_within_limit(password) {
            return Err(Error::PasswordTooLong {
                limit: MAX_PASSWORD_BYTES,
            });
        }
        let keys = [(format!("client:{client}"), self.limits.signups_per_hour)];
        let attempt = self
            .attempts
            .signups
            .reserve(&keys, now_ms())
            .await
            .map_err(|retry_after_secs| Error::TooManySignups { retry_after_secs })?;
        let created = self.create_account(username, password).await;
        // Every sign-up counts, made or refused: a taken name costs a hash too.
        let counted = !matches!(created, Err(Error::Busy { .. }));
        self.attempts
            .signups
            .finish(&keys, attempt, counted, now_ms())
            .await;
        let user = created?;
        let secret = self.new_session(&user).await?;
        Ok((user, secret))
    }

    async fn create_account(&self, username: &str, password: &str) -> Result<User, Error> {
        let user = User {
            id: UserId::generate(),
            username: username.to_string(),
            password_hash: self.hash_password(password.to_string()).await?,
            root_id: FileId::generate(),
            quota_bytes: self.limits.default_quota_bytes,
            used_bytes: 0,
            history_bytes: 0,
        };
        match self
            .meta
            .create_user(NewUser {
                user,
                now: now_ms(),
            })
            .await
        {
            Err(StoreError::AlreadyExists(_)) => Err(Error::UsernameTaken(username.to_string())),
            other => Ok(other?),
        }
    }

    /// Checks a username and password; returns the user and a session secret.
    /// Failures are limited per username and per `client` (the caller's IP
    /// address): the attempt is reserved before the password is checked, so
    /// parallel guesses get no more checks than sequential ones.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(User, String), Error> {
        if !password_within_limit(password) {
            return Err(Error::PasswordTooLong {
                limit: MAX_PASSWORD_BYTES,
            });
        }
        let keys = login_keys(&self.limits, username, client);
        let attempt = self
            .attempts
            .logins
            .reserve(&keys, now_ms())
            .await
            .map_err(|retry_after_secs| Error::TooManyAttempts { retry_after_secs })?;
        let lane = Lane::after(attempt.earlier_attempts);
        let checked = self.check_credentials(lane, username, password).await;
        let failed = matches!(checked, Err(Error::InvalidCredentials));
        self.attempts
            .logins
            .finish(&keys, attempt, failed, now_ms())
            .await;
        let user = checked?;
        let secret = self.new_session(&user).await?;
        Ok((user, secret))
    }

    async fn check_credentials(
        &self,
        lane: Lane,
        username: &str,
        password: &str,
    ) -> Result<User, Error> {
        let Some(user) = self.meta.user_by_name(username).await? else {
            // Spend the same time as a real check, so timing does not reveal names.
            self.password_work
                .run(lane, {
                    let password = password.to_string();
                    move || hash_now(&password)
                })
                .await??;
            return Err(Error::InvalidCredentials);
        };
        if !self
            .verify_password(lane, password.to_string(), user.password_hash.clone())
            .await?
        {
            return Err(Error::InvalidCredentials);
        }
        Ok(user)
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
    /// old (a signed-in user is kept that long): what shows or checks usage reads
    /// [`Core::user_now`].
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

    /// Resolves once `secret` no longer authenticates anyone, so that what outlives
    /// a request (a change stream, a long-poll) ends with its credential: at once
    /// when it is logged out or revoked on this server, and otherwise (another
    /// replica, expiry) at the next check, every `CREDENTIAL_RECHECK`. A store
    /// that cannot be reached ends nothing: the check is made again next time.
    pub async fn revoked(self: Arc<Self>, secret: String) {
        let hash = token_hash(&secret);
        let mut revocations = self.signed_in.revocations.subscribe();
        let mut ticks = tokio::time::interval(CREDENTIAL_RECHECK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is at once: it checks the credential after subscribing,
        // so a revocation just before is not missed.
        loop {
            let check = tokio::select! {
                revoked = revocations.recv() => match revoked {
                    Ok(revoked) if revoked == hash => return,
                    Ok(_) => false,
                    // Revocations were missed: this one may be among them.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await;
                        false
                    }
                },
                _ = ticks.tick() => true,
            };
            if check {
                if let Err(Error::Unauthenticated) = self.authenticate(&secret).await {
                    return;
                }
            }
        }
    }

    /// `user` as stored now, with their current usage.
    pub async fn user_now(&self, user: &User) -> Result<User, Error> {
        self.meta
            .user_by_id(&user.id)
            .await?
            .ok_or(Error::Unauthenticated)
    }
}

/// How often a credential that keeps a stream open is checked again (as often as
/// the stream's heartbeat): a session logged out or a token revoked on another
/// replica, or one that expired, ends its streams here within this time plus
/// [`SignedIn::TTL`]. On this server they end at once.
pub const CREDENTIAL_RECHECK: Duration = Duration::from_secs(15);

/// Secrets that authenticated in the last few seconds, with their user. Requests
/// come in bursts (a dropped folder sends hundreds), and looking the secret up for
/// each would add a database round trip to every one of them.
///
/// Logging out or revoking a token on this server forgets it at once; another
/// replica honours it until its entry is [`SignedIn::TTL`] old. The usage in a
/// remembered user may lag by as much: quota is enforced where uploads commit,
/// inside their transaction, and pages and `/me` read usage again.
pub(super) struct SignedIn {
    entries: Mutex<HashMap<String, (User, Instant)>>,
    /// The hash of each secret logged out or revoked on this server, for the
    /// streams it keeps open.
    revocations: tokio::sync::broadcast::Sender<String>,
}

impl Default for SignedIn {
    fn default() -> Self {
        SignedIn {
            entries: Mutex::default(),
            revocations: tokio::sync::broadcast::channel(256).0,
        }
    }
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

    /// Forgets a secret that was logged out or revoked, and ends its streams.
    fn forget(&self, hash: &str) {
        self.entries().remove(hash);
        // No receiver means no open stream: nothing to tell.
        let _ = self.revocations.send(hash.to_string());
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
        let label = token_label(label)?;
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
