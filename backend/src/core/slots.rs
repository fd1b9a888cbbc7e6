//! Bounded concurrency and request rates per key, in this process: how many
//! archives a user or a link streams at once, how many change streams a user holds
//! open, and how many requests a client sends to the public link endpoints.
//!
//! Each replica counts on its own; behind a balancer spreading a client over `n`
//! replicas the bounds are `n` times these.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Counts of work in progress per key; a [`Slot`] gives its place back when dropped.
#[derive(Debug, Default)]
pub struct Slots {
    taken: Arc<Mutex<HashMap<String, u64>>>,
}

/// One place taken in `Slots`, held for as long as the work runs.
#[derive(Debug)]
pub struct Slot {
    taken: Arc<Mutex<HashMap<String, u64>>>,
    key: String,
}

impl Slots {
    /// Takes a place under `key` if fewer than `limit` are taken.
    pub fn take(&self, key: String, limit: u64) -> Option<Slot> {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let count = taken.entry(key.clone()).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            taken: self.taken.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut taken = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = taken.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                taken.remove(&self.key);
            }
        }
    }
}

/// Requests per key in fixed one-minute windows.
#[derive(Debug, Default)]
pub struct RequestRate {
    windows: Mutex<HashMap<String, (i64, u64)>>,
}

/// The most keys a [`RequestRate`] remembers; past that, windows that ended go.
const MAX_KEYS: usize = 100_000;
const WINDOW_MS: i64 = 60_000;

impl RequestRate {
    /// Counts a request under `key` at `now` (Unix milliseconds): `Err(seconds to
    /// wait)` once `per_minute` have come in the current minute.
    pub fn admit(&self, key: &str, per_minute: u64, now: i64) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_KEYS && !windows.contains_key(key) {
            windows.retain(|_, (start, _)| now - *start < WINDOW_MS);
        }
        let (start, count) = windows.entry(key.to_string()).or_insert((now, 0));
        if now - *start >= WINDOW_MS {
            (*start, *count) = (now, 0);
        }
        if *count >= per_minute {
            let wait_ms = (*start + WINDOW_MS - now).max(1000);
            return Err(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_given_back_when_their_work_ends() {
        let slots = Slots::default();
        let first = slots.take("a".into(), 2);
        let second = slots.take("a".into(), 2);
        assert!(first.is_some() && second.is_some());
        assert!(slots.take("a".into(), 2).is_none());
        assert!(slots.take("b".into(), 2).is_some(), "keys count apart");
        drop(first);
        assert!(slots.take("a".into(), 2).is_some());
    }

    #[test]
    fn a_rate_counts_per_minute() {
        let rate = RequestRate::default();
        assert_eq!(rate.admit("c", 2, 0), Ok(()));
        assert_eq!(rate.admit("c", 2, 10_000), Ok(()));
        assert_eq!(rate.admit("c", 2, 20_000), Err(40));
        assert_eq!(rate.admit("d", 2, 20_000), Ok(()));
        assert_eq!(rate.admit("c", 2, 60_000), Ok(()), "a new minute");
    }
}
