//! How many files are worked on at once, and who goes next: a count of slots in
//! use and the uploads waiting for one, in the order they asked. Plain Rust, tested
//! natively; the browser glue holds one queue per page and wakes the waiters.

use std::collections::VecDeque;

/// Requests in flight at once for one file.
pub const PARALLEL_REQUESTS: usize = 3;

/// Files worked on at once on a device with `cores` logical cores: as many as
/// that, at least four (small files wait on round trips more than on the CPU) and
/// at most six (the connections a browser opens to one server).
pub fn file_slots(cores: f64) -> usize {
    (cores as usize).clamp(4, 6)
}

/// The slots in use and the uploads waiting for one; `W` is how a waiter is woken.
#[derive(Debug)]
pub struct SlotQueue<W> {
    in_use: usize,
    waiting: VecDeque<W>,
}

impl<W> Default for SlotQueue<W> {
    fn default() -> Self {
        SlotQueue {
            in_use: 0,
            waiting: VecDeque::new(),
        }
    }
}

impl<W> SlotQueue<W> {
    /// Takes a slot if fewer than `limit` are in use (true); else queues the
    /// waiter `wait()` makes, to be handed one when it is released (false).
    pub fn acquire(&mut self, limit: usize, wait: impl FnOnce() -> W) -> bool {
        if self.in_use < limit {
            self.in_use += 1;
            true
        } else {
            self.waiting.push_back(wait());
            false
        }
    }

    /// Releases a slot: hands it to the first waiter that takes it (`hand_over`
    /// returns false for one that gave up waiting), else frees it.
    pub fn release(&mut self, mut hand_over: impl FnMut(W) -> bool) {
        while let Some(next) = self.waiting.pop_front() {
            if hand_over(next) {
                return;
            }
        }
        self.in_use = self.in_use.saturating_sub(1);
    }

    /// Slots in use.
    #[cfg(test)]
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    /// Uploads waiting for a slot.
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_four_and_six_files_go_at_once() {
        for (cores, expect) in [
            (0.0, 4),
            (1.0, 4),
            (4.0, 4),
            (5.0, 5),
            (6.0, 6),
            (64.0, 6),
            (f64::NAN, 4),
        ] {
            assert_eq!(file_slots(cores), expect, "{cores} cores");
        }
    }

    /// One step of a run: an upload asks for a slot, or one releases its slot, or a
    /// waiting upload gives up (its waiter no longer takes a slot).
    #[derive(Clone, Copy)]
    enum Step {
        Acquire(u32),
        Release,
        GiveUp(u32),
    }

    /// Runs `steps` on a queue of `limit` slots; who got a slot at once or was
    /// handed one, in order, and the slots in use and waiters at the end.
    fn run(limit: usize, steps: &[Step]) -> (Vec<u32>, usize, usize) {
        let mut queue = SlotQueue::default();
        let mut gave_up = Vec::new();
        let mut served = Vec::new();
        for step in steps {
            match *step {
                Step::Acquire(id) => {
                    if queue.acquire(limit, || id) {
                        served.push(id);
                    }
                }
                Step::GiveUp(id) => gave_up.push(id),
                Step::Release => queue.release(|id| {
                    let takes = !gave_up.contains(&id);
                    if takes {
                        served.push(id);
                    }
                    takes
                }),
            }
        }
        (served, queue.in_use(), queue.waiting())
    }

    #[test]
    fn released_slots_go_to_waiters_in_the_order_they_asked() {
        use Step::*;
        /// Two slots; who was served, in order, and the slots in use and waiters.
        #[track_caller]
        fn check(steps: &[Step], served: &[u32], in_use: usize, waiting: usize) {
            assert_eq!(run(2, steps), (served.to_vec(), in_use, waiting));
        }
        check(&[Acquire(1), Acquire(2)], &[1, 2], 2, 0);
        check(&[Acquire(1), Acquire(2), Acquire(3)], &[1, 2], 2, 1);
        let three_asked = [Acquire(1), Acquire(2), Acquire(3)];
        check(&[&three_asked[..], &[Release]].concat(), &[1, 2, 3], 2, 0);
        let four_asked = [Acquire(1), Acquire(2), Acquire(3), Acquire(4)];
        check(
            &[&four_asked[..], &[Release, Release]].concat(),
            &[1, 2, 3, 4],
            2,
            0,
        );
        // A waiter that gave up is skipped; the slot goes to the next.
        check(
            &[&four_asked[..], &[GiveUp(3), Release]].concat(),
            &[1, 2, 4],
            2,
            0,
        );
        // No one takes it: the slot is freed, and the next asker gets it at once.
        let gave_up = [GiveUp(3), Release, Acquire(5)];
        check(&[&three_asked[..], &gave_up].concat(), &[1, 2, 5], 2, 0);
        check(&[Acquire(1), Release, Release, Release], &[1], 0, 0);
        check(
            &[Acquire(1), Release, Acquire(2), Acquire(3), Acquire(4)],
            &[1, 2, 3],
            2,
            1,
        );
    }
}
