//! The recent send rate of one upload, over the last few seconds, as the upload
//! panel shows it. Plain Rust, tested natively; the caller reads the clock.

use std::collections::VecDeque;

/// The recent send rate, over the last few seconds.
#[derive(Debug, Default)]
pub struct Rate {
    samples: VecDeque<(f64, u64)>,
}

impl Rate {
    /// Whether nothing is recorded since the rate was last reset.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Records that `sent` bytes were sent by `now` (in ms); the rate in bytes per
    /// second. Fewer bytes than before (the upload started over) start a new window.
    pub fn record(&mut self, now: f64, sent: u64) -> f64 {
        if self
            .samples
            .back()
            .is_some_and(|&(_, before)| sent < before)
        {
            self.samples.clear();
        }
        self.samples.push_back((now, sent));
        while self.samples.len() > 2 && self.samples[1].0 < now - 5000.0 {
            self.samples.pop_front();
        }
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, s0)), Some(&(t1, s1))) if t1 > t0 => (s1 - s0) as f64 * 1000.0 / (t1 - t0),
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_measured_over_the_last_five_seconds() {
        // (time in ms, bytes sent by then, rate in bytes per second)
        let mut rate = Rate::default();
        assert!(rate.is_empty());
        for (now, sent, expect) in [
            (0.0, 0, 0.0),
            (0.0, 100, 0.0),
            (1_000.0, 1_000, 1_000.0),
            (2_000.0, 3_000, 1_500.0),
            // A sample goes once the one after it is over five seconds old; two stay.
            (8_000.0, 9_000, 1_000.0),
            (20_000.0, 9_000, 0.0),
            // Started over: the count went down, and the window with it.
            (21_000.0, 500, 0.0),
            (22_000.0, 1_500, 1_000.0),
        ] {
            assert_eq!(rate.record(now, sent), expect, "at {now}");
        }
        assert!(!rate.is_empty());
    }
}
