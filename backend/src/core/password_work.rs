//! Bounds the Argon2 work that log-ins, sign-ups and link passwords cause: at most a
//! few hashes run at once, a bounded number of requests wait for their turn, and none
//! waits long. So a flood of log-ins costs a bounded amount of memory and never takes
//! every thread of the blocking pool.
//!
//! Waiting requests have two lanes: a caller without recent failures or other
//! attempts in flight goes before one that has been guessing, and takes its place
//! in a full queue, so a user logging in is not stuck behind a flood of wrong
//! guesses, even one from fresh addresses that have yet to fail.

use crate::domain::Error;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;

/// Which lane a password check waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lane {
    /// A caller without failures within the attempt window, and without other
    /// attempts still being checked.
    First,
    /// Everyone else.
    Later,
}

impl Lane {
    /// The lane of a caller with `earlier_attempts` (failed or in flight) within the
    /// attempt window.
    pub(super) fn after(earlier_attempts: u32) -> Lane {
        if earlier_attempts == 0 {
            Lane::First
        } else {
            Lane::Later
        }
    }
}

struct Gate {
    /// Permits not handed out.
    free: usize,
    first: VecDeque<oneshot::Sender<()>>,
    later: VecDeque<oneshot::Sender<()>>,
}

/// A computation handed to the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// The gate every Argon2 computation passes, and the threads that run them.
pub(super) struct PasswordWork {
    gate: Mutex<Gate>,
    queue_max: usize,
    wait: Duration,
    /// To the hashing threads, one per turn. Argon2 takes 19 MiB per hash; on
    /// threads of their own, that memory is reused by the next hash, where on the
    /// runtime's blocking pool it would be spread over (and kept by) the
    /// allocator's arena of every thread that ever ran one.
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
}

/// The right to run one hash; handed to the next waiter when dropped.
pub(super) struct Permit {
    work: Arc<PasswordWork>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.work.release();
    }
}

impl PasswordWork {
    /// At most `at_once` hashes at a time (at least one), `queue_max` requests
    /// waiting, each for at most `wait`.
    pub(super) fn new(at_once: usize, queue_max: usize, wait: Duration) -> Arc<PasswordWork> {
        let at_once = at_once.max(1);
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..at_once {
            let receiver = receiver.clone();
            // The threads end when the sender goes, with the `Core`.
            let spawned = std::thread::Builder::new()
                .name(format!("cairn-argon2-{n}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        // A job that panics loses its answer, not the thread.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                });
            if let Err(error) = spawned {
                tracing::warn!(%error, "cannot start a password hashing thread");
            }
        }
        Arc::new(PasswordWork {
            gate: Mutex::new(Gate {
                free: at_once,
                first: VecDeque::new(),
                later: VecDeque::new(),
            }),
            queue_max,
            wait,
            jobs: Mutex::new(sender),
        })
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        // A panic while holding the lock leaves the counts as they were.
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn busy() -> Error {
        Error::Busy {
            retry_after_secs: 1,
        }
    }

    /// Waits for a turn in `lane`; `Busy` when the queue is full or the wait is over.
    async fn acquire(self: &Arc<Self>, lane: Lane) -> Result<Permit, Error> {
        let mut receiver = {
            let mut gate = self.gate();
            if gate.free > 0 {
                gate.free -= 1;
                return Ok(Permit { work: self.clone() });
            }
            gate.first.retain(|waiter| !waiter.is_closed());
            gate.later.retain(|waiter| !waiter.is_closed());
            if gate.first.len() + gate.later.len() >= self.queue_max {
                // A caller without recent failures takes the place of the newest
                // one that has been failing (who is told the server is busy).
                if lane == Lane::Later || gate.later.pop_back().is_none() {
                    return Err(Self::busy());
                }
            }
            let (sender, receiver) = oneshot::channel();
            match lane {
                Lane::First => gate.first.push_back(sender),
                Lane::Later => gate.later.push_back(sender),
            }
            receiver
        };
        if let Ok(Ok(())) = tokio::time::timeout(self.wait, &mut receiver).await {
            return Ok(Permit { work: self.clone() });
        }
        // A turn handed over just as the wait ended is still ours: use it.
        receiver.close();
        match receiver.try_recv() {
            Ok(()) => Ok(Permit { work: self.clone() }),
            Err(_) => Err(Self::busy()),
        }
    }

    fn release(&self) {
        let mut gate = self.gate();
        loop {
            let next = match gate.first.pop_front() {
                Some(waiter) => Some(waiter),
                None => gate.later.pop_front(),
            };
            match next {
                // A waiter that gave up hands nothing back: try the next one.
                Some(waiter) => {
                    if waiter.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    gate.free += 1;
                    return;
                }
            }
        }
    }

    /// Runs `work` on a hashing thread once a turn is free, holding the turn until
    /// it returns (even when the request waiting for it goes away).
    pub(super) async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        lane: Lane,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = self.acquire(lane).await?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let res = work();
            drop(permit);
            let _ = done.send(res);
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        if sent.is_err() {
            return Err(Error::Internal(
                "no password hashing thread is running".into(),
            ));
        }
        result
            .await
            .map_err(|_| Error::Internal("a password hashing thread failed".into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn turns_go_to_the_first_lane_then_the_queue_fills() {
        let work = PasswordWork::new(1, 2, Duration::from_secs(5));
        let held = work.acquire(Lane::Later).await.unwrap();
        let later = tokio::spawn({
            let work = work.clone();
            async move { work.acquire(Lane::Later).await.map(|_| "later") }
        });
        tokio::task::yield_now().await;
        while work.gate().later.is_empty() {
            tokio::task::yield_now().await;
        }
        let first = tokio::spawn({
            let work = work.clone();
            async move { work.acquire(Lane::First).await }
        });
        while work.gate().first.is_empty() {
            tokio::task::yield_now().await;
        }
        // The queue is full for a caller that has been failing.
        assert!(matches!(
            work.acquire(Lane::Later).await,
            Err(Error::Busy {
                retry_after_secs: 1
            })
        ));
        drop(held);
        // The first lane got the turn, though the other waiter came before it.
        let first_permit = first.await.unwrap().unwrap();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!later.is_finished());
        drop(first_permit);
        assert_eq!(later.await.unwrap().unwrap(), "later");
        let short = PasswordWork::new(1, 2, Duration::from_millis(10));
        let _held = short.acquire(Lane::First).await.unwrap();
        assert!(matches!(
            short.acquire(Lane::First).await,
            Err(Error::Busy { .. })
        ));
    }

    #[tokio::test]
    async fn a_caller_without_failures_takes_the_last_place_of_a_full_queue() {
        let work = PasswordWork::new(1, 1, Duration::from_secs(5));
        let held = work.acquire(Lane::Later).await.unwrap();
        let later = tokio::spawn({
            let work = work.clone();
            async move { work.acquire(Lane::Later).await.map(|_| ()) }
        });
        while work.gate().later.is_empty() {
            tokio::task::yield_now().await;
        }
        let first = tokio::spawn({
            let work = work.clone();
            async move { work.acquire(Lane::First).await.map(|_| ()) }
        });
        assert!(matches!(later.await.unwrap(), Err(Error::Busy { .. })));
        drop(held);
        first.await.unwrap().unwrap();
    }
}
