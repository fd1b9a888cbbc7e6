//! `MemoryAttemptLimiter`: the `AttemptLimiter` port in this process's memory, a
//! sliding window of attempts per key and a lockout that doubles each time a key
//! reaches its limit again. Never blocks on IO; counts are lost on restart, which
//! only forgives a few wrong guesses.

use crate::ports::{Attempt, AttemptLimiter};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Keys with nothing left to remember are dropped when the map grows past this many
/// keys, so a flood of distinct keys cannot grow memory without bound.
const PRUNE_AT_KEYS: usize = 10_000;

/// One attempt under a key.
struct Entry {
    at: i64,
    id: u64,
    /// Settled as a failure; else still being checked.
    failed: bool,
}

/// What is remembered of one key.
#[derive(Default)]
struct KeyState {
    /// Attempts within the window, oldest first.
    entries: VecDeque<Entry>,
    /// No attempt is let through before this time.
    locked_until: i64,
    /// Lockouts in a row, each twice as long as the one before.
    strikes: u32,
}

impl KeyState {
    fn forget_old(&mut self, now: i64, window_ms: i64) {
        while self
            .entries
            .front()
            .is_some_and(|e| e.at <= now - window_ms)
        {
            self.entries.pop_front();
        }
    }

    fn failures(&self) -> usize {
        self.entries.iter().filter(|e| e.failed).count()
    }
}

struct State {
    keys: HashMap<String, KeyState>,
    next_id: u64,
}

/// Attempts per key within the last `window_ms`; a key that reaches its limit is
/// locked out for the window, then for twice as long each further time, up to
/// `max_lockout_ms`. Lockouts stop growing once a key has been quiet for
/// `max_lockout_ms` after its last one.
pub struct MemoryAttemptLimiter {
    window_ms: i64,
    max_lockout_ms: i64,
    state: Mutex<State>,
}

impl MemoryAttemptLimiter {
    /// A limiter whose window is `window_ms` milliseconds long and whose lockouts
    /// grow up to `max_lockout_ms` (never shorter than the window).
    pub fn new(window_ms: i64, max_lockout_ms: i64) -> MemoryAttemptLimiter {
        let window_ms = window_ms.max(1);
        MemoryAttemptLimiter {
            window_ms,
            max_lockout_ms: max_lockout_ms.max(window_ms),
            state: Mutex::new(State {
                keys: HashMap::new(),
                next_id: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another request panicked mid-update; the
        // counts are still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lockout_ms(&self, strikes: u32) -> i64 {
        let factor = 1i64
            .checked_shl(strikes.saturating_sub(1))
            .unwrap_or(i64::MAX);
        self.window_ms
            .saturating_mul(factor)
            .min(self.max_lockout_ms)
    }
}

fn seconds(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)
}

#[async_trait]
impl AttemptLimiter for MemoryAttemptLimiter {
    async fn reserve(&self, keys: &[(String, u32)], now: i64) -> Result<Attempt, u64> {
        let window_ms = self.window_ms;
        let max_lockout_ms = self.max_lockout_ms;
        let mut state = self.state();
        if state.keys.len() > PRUNE_AT_KEYS {
            state.keys.retain(|_, key| {
                key.forget_old(now, window_ms);
                !key.entries.is_empty() || now - key.locked_until < max_lockout_ms
            });
        }
        let mut wait_ms = 0i64;
        let mut earlier_attempts = 0usize;
        for (name, limit) in keys {
            let Some(key) = state.keys.get_mut(name) else {
                continue;
            };
            key.forget_old(now, window_ms);
            // Failed attempts and those still being checked (a success is
            // forgotten when it settles).
            earlier_attempts = earlier_attempts.max(key.entries.len());
            // A key without a limit is still counted, for `earlier_attempts`.
            if *limit == 0 {
                continue;
            }
            if key.locked_until > now {
                wait_ms = wait_ms.max(key.locked_until - now);
            } else if key.entries.len() >= *limit as usize {
                // The limit is taken by attempts still being checked: they settle
                // within a second or so.
                wait_ms = wait_ms.max(1000);
            }
        }
        if wait_ms > 0 {
            return Err(seconds(wait_ms));
        }
        state.next_id = state.next_id.wrapping_add(1);
        let id = state.next_id;
        for (name, _) in keys {
            state
                .keys
                .entry(name.clone())
                .or_default()
                .entries
                .push_back(Entry {
                    at: now,
                    id,
                    failed: false,
                });
        }
        Ok(Attempt {
            id,
            earlier_attempts: u32::try_from(earlier_attempts).unwrap_or(u32::MAX),
        })
    }

    async fn finish(&self, keys: &[(String, u32)], attempt: Attempt, failed: bool, now: i64) {
        let mut state = self.state();
        for (name, limit) in keys {
            let Some(key) = state.keys.get_mut(name) else {
                continue;
            };
            let Some(index) = key.entries.iter().position(|e| e.id == attempt.id) else {
                continue;
            };
            if !failed {
                key.entries.remove(index);
                continue;
            }
            if let Some(entry) = key.entries.get_mut(index) {
                entry.failed = true;
            }
            if *limit > 0 && key.failures() >= *limit as usize {
                key.strikes = if now - key.locked_until >= self.max_lockout_ms {
                    1
                } else {
                    key.strikes.saturating_add(1)
                };
                key.locked_until = now + self.lockout_ms(key.strikes);
                // The lockout now stands for these failures; after it the key
                // starts counting afresh.
                key.entries.retain(|e| !e.failed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn fail(limiter: &MemoryAttemptLimiter, keys: &[(String, u32)], now: i64) {
        let attempt = limiter.reserve(keys, now).await.unwrap();
        limiter.finish(keys, attempt, true, now).await;
    }

    #[tokio::test]
    async fn locks_out_after_the_limit_each_time_for_twice_as_long() {
        let limiter = MemoryAttemptLimiter::new(60_000, 3_600_000);
        let keys = [("token:a".to_string(), 5), ("client:1".to_string(), 20)];
        for i in 0..5 {
            fail(&limiter, &keys, 1000 + i).await;
        }
        assert_eq!(limiter.reserve(&keys, 2000).await, Err(60));
        let other = [("token:b".to_string(), 5), ("client:1".to_string(), 20)];
        let attempt = limiter.reserve(&other, 2000).await.unwrap();
        assert_eq!(attempt.earlier_attempts, 5);
        limiter.finish(&other, attempt, false, 2000).await;
        assert_eq!(limiter.reserve(&keys, 61_003).await, Err(1));
        for i in 0..5 {
            fail(&limiter, &keys, 61_004 + i).await;
        }
        assert_eq!(limiter.reserve(&keys, 61_008).await, Err(120));
        assert!(limiter.reserve(&keys, 181_008).await.is_ok());
    }

    #[tokio::test]
    async fn a_reserved_attempt_counts_until_it_succeeds() {
        let limiter = MemoryAttemptLimiter::new(60_000, 60_000);
        let keys = [("user:alice".to_string(), 2)];
        let first = limiter.reserve(&keys, 0).await.unwrap();
        assert_eq!(first.earlier_attempts, 0);
        // One still being checked makes the next a suspect before either fails.
        let second = limiter.reserve(&keys, 0).await.unwrap();
        assert_eq!(second.earlier_attempts, 1);
        assert_eq!(limiter.reserve(&keys, 0).await, Err(1));
        limiter.finish(&keys, first, false, 1).await;
        limiter.finish(&keys, second, false, 1).await;
        for _ in 0..10 {
            let attempt = limiter.reserve(&keys, 2).await.unwrap();
            assert_eq!(attempt.earlier_attempts, 0);
            limiter.finish(&keys, attempt, false, 2).await;
        }
        let unlimited = [("signups:1".to_string(), 0)];
        for _ in 0..100 {
            fail(&limiter, &unlimited, 3).await;
        }
        // Never locked out, but its failures still tell a guesser from a newcomer.
        let attempt = limiter.reserve(&unlimited, 4).await.unwrap();
        assert_eq!(attempt.earlier_attempts, 100);
    }
}
