//! `MemoryAttemptLimiter`: the `AttemptLimiter` port in this process's memory, a
//! sliding window of failure times per key. Never blocks on IO; counts are lost on
//! restart, which only forgives a few wrong guesses.

use crate::ports::AttemptLimiter;
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Keys whose failures are older than the window are dropped when the map grows past
/// this many keys, so a flood of distinct keys cannot grow memory without bound.
const PRUNE_AT_KEYS: usize = 10_000;

/// Failed attempts per key within the last `window_ms`.
pub struct MemoryAttemptLimiter {
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl MemoryAttemptLimiter {
    /// A limiter whose window is `window_ms` milliseconds long.
    pub fn new(window_ms: i64) -> MemoryAttemptLimiter {
        MemoryAttemptLimiter {
            window_ms: window_ms.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn forget_old(times: &mut VecDeque<i64>, now: i64, window_ms: i64) {
        while times.front().is_some_and(|&t| t <= now - window_ms) {
            times.pop_front();
        }
    }
}

#[async_trait]
impl AttemptLimiter for MemoryAttemptLimiter {
    async fn check(&self, keys: &[(String, u32)], now: i64) -> Result<(), u64> {
        // A poisoned lock only means another request panicked mid-update; the
        // counts are still usable.
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait_ms = 0i64;
        for (key, limit) in keys {
            let Some(times) = failures.get_mut(key) else {
                continue;
            };
            Self::forget_old(times, now, self.window_ms);
            let limit = *limit as usize;
            if limit > 0 && times.len() >= limit {
                // Allowed again once enough of the oldest failures leave the window.
                let oldest_blocking = times[times.len() - limit];
                wait_ms = wait_ms.max(oldest_blocking + self.window_ms - now);
            }
        }
        if wait_ms > 0 {
            Err(u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1))
        } else {
            Ok(())
        }
    }

    async fn record_failure(&self, keys: &[(String, u32)], now: i64) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > PRUNE_AT_KEYS {
            let window_ms = self.window_ms;
            failures.retain(|_, times| {
                Self::forget_old(times, now, window_ms);
                !times.is_empty()
            });
        }
        for (key, limit) in keys {
            let times = failures.entry(key.clone()).or_default();
            Self::forget_old(times, now, self.window_ms);
            times.push_back(now);
            // Only the newest `limit` failures matter.
            while times.len() > (*limit as usize).max(1) {
                times.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blocks_after_the_limit_until_the_window_passes() {
        let limiter = MemoryAttemptLimiter::new(60_000);
        let keys = [("token:a".to_string(), 5), ("client:1".to_string(), 20)];
        for i in 0..5 {
            assert_eq!(limiter.check(&keys, 1000 + i).await, Ok(()));
            limiter.record_failure(&keys, 1000 + i).await;
        }
        assert_eq!(limiter.check(&keys, 2000).await, Err(59));
        assert_eq!(limiter.check(&keys, 60_999).await, Err(1));
        assert_eq!(limiter.check(&keys, 61_000).await, Ok(()));
        let other = [("token:b".to_string(), 5), ("client:1".to_string(), 20)];
        assert_eq!(limiter.check(&other, 2000).await, Ok(()));
    }
}
