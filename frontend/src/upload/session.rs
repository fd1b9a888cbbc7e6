//! One upload session as the browser drives it: what it knows (the session id, a
//! kept one to check, its chunks), which step comes next (announce, send packs,
//! commit), and what a pack's answer does. Plain Rust, tested natively; the browser
//! glue (`transfer`) sends the requests and waits, asking this module what to do.

use super::plan::ChunkPlan;
use super::retry::Failure;
use super::slots::PARALLEL_REQUESTS;
use crate::api::types::ChunksStored;
use crate::format::percent_encode;

/// Chunks found but not yet announced that make the next announcement due even
/// while requests keep the connection busy.
pub const ANNOUNCE_BATCH: usize = 64;

/// What the user wants of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Go on.
    Running,
    /// Send nothing until resumed.
    Paused,
    /// Stop for good.
    Cancelled,
}

/// What the upload does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Announce the chunks found since the last announcement (starting the session
    /// with the first ones).
    Announce,
    /// Commit: every chunk is announced and the server has them all.
    Commit,
    /// Send these packs, in order (perhaps none), then wait for what happens next
    /// (a request's end, the worker's next chunks, pause or cancel).
    Send(Vec<Vec<usize>>),
}

/// What a pack's answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackEffect {
    /// It belongs to a session given up since; nothing changed.
    Stale,
    /// The chunks it names as stored are sent, these bytes in all; the rest wait
    /// again.
    Stored(u64),
    /// The session is gone: start over.
    StartOver,
}

/// What one upload knows of its session.
#[derive(Debug, Default)]
pub struct SessionState {
    /// The file's chunks and where each stands.
    pub plan: ChunkPlan,
    /// The session, once `init` answered or a kept one was resumed.
    pub id: Option<String>,
    /// A session kept by an earlier attempt, not yet checked.
    pub saved: Option<String>,
    /// Counts the sessions given up, so that answers of an abandoned one are told
    /// apart.
    pub generation: u64,
    /// The file's content hash, once the worker is done.
    pub content_hash: Option<String>,
}

impl SessionState {
    /// A fresh upload, with the session an earlier attempt kept, if any.
    pub fn new(saved: Option<String>) -> SessionState {
        SessionState {
            saved,
            ..SessionState::default()
        }
    }

    /// The URL of the session's `rest` (`""`, `/chunks`, `/complete`) through the
    /// API at `api`.
    pub fn upload_url(&self, api: &str, rest: &str) -> String {
        upload_url(api, self.id.as_deref().unwrap_or_default(), rest)
    }

    /// Forgets the session and everything the server said about it; the next step
    /// starts a new one and announces every chunk found so far again. Whether a
    /// session was open (and its kept record is to be forgotten).
    pub fn start_over(&mut self) -> bool {
        let was_open = self.id.take().is_some();
        self.saved = None;
        self.generation += 1;
        self.plan.start_over();
        was_open
    }

    /// Whether the chunks are all announced: the worker is done (`hashing_done`)
    /// and none found since the last announcement.
    fn all_announced(&self, hashing_done: bool) -> bool {
        hashing_done && self.plan.announced() == self.plan.len()
    }

    /// Whether to announce now, with `in_flight` requests on the wire: to start the
    /// session, and then early enough that the queue never runs dry, in batches
    /// large enough that announcing costs little.
    fn announce_due(&self, in_flight: usize, hashing_done: bool, target: u64) -> bool {
        let unannounced = self.plan.unannounced();
        let idle = in_flight == 0 && self.plan.queue_is_empty();
        let starting = self.id.is_none() && (unannounced > 0 || hashing_done);
        let running_low =
            self.plan.queued_bytes() < 2 * target && unannounced >= ANNOUNCE_BATCH / 4;
        starting
            || (unannounced > 0
                && (hashing_done || idle || running_low || unannounced >= ANNOUNCE_BATCH))
    }

    /// Decides the next step, with `in_flight` requests on the wire, packs of about
    /// `target` bytes: a pack smaller than that goes only once every chunk is
    /// announced, or when nothing else is on the wire.
    pub fn next_step(&mut self, in_flight: usize, hashing_done: bool, target: u64) -> Step {
        if self.announce_due(in_flight, hashing_done, target) {
            return Step::Announce;
        }
        let all_announced = self.all_announced(hashing_done);
        let mut packs = Vec::new();
        while in_flight + packs.len() < PARALLEL_REQUESTS {
            let partial_ok = all_announced || in_flight + packs.len() == 0;
            match self.plan.next_pack(partial_ok, target) {
                Some(pack) => packs.push(pack),
                None => break,
            }
        }
        if packs.is_empty() && all_announced && in_flight == 0 && self.plan.queue_is_empty() {
            return Step::Commit;
        }
        Step::Send(packs)
    }

    /// Takes in the answer (`result`) to pack `pack`, sent in session `generation`.
    /// An aborted request stored nothing; a failure other than a lost session ends
    /// the upload.
    pub fn pack_done(
        &mut self,
        generation: u64,
        pack: Vec<usize>,
        result: Result<ChunksStored, Failure>,
    ) -> Result<PackEffect, Failure> {
        if generation != self.generation {
            return Ok(PackEffect::Stale);
        }
        let stored = match result {
            Ok(answer) => answer.stored,
            Err(Failure::Aborted) => Vec::new(),
            Err(Failure::SessionGone) => return Ok(PackEffect::StartOver),
            Err(other) => return Err(other),
        };
        Ok(PackEffect::Stored(self.plan.pack_returned(pack, &stored)))
    }
}

/// The URL of upload session `upload_id`'s `rest` through the API at `api`.
pub fn upload_url(api: &str, upload_id: &str, rest: &str) -> String {
    format!("{api}/files/upload/{}{rest}", percent_encode(upload_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::plan::{ChunkState, FoundChunk};

    /// `count` chunks of `len` bytes each.
    fn chunks(count: usize, len: u64) -> Vec<FoundChunk> {
        (0..count)
            .map(|i| FoundChunk {
                offset: i as u64 * len,
                len,
                hash: format!("{i:064x}"),
            })
            .collect()
    }

    /// A session as a test starts it: `open` or not, `found` chunks of 10 bytes of
    /// which the first `announced` are announced, those at `needed` needed.
    fn session(open: bool, found: usize, announced: usize, needed: &[u64]) -> SessionState {
        let mut state = SessionState::new(None);
        state.id = open.then(|| "u1".to_string());
        state.plan.found(chunks(found, 10));
        state.plan.apply_needed(needed, 0, announced);
        state
    }

    #[test]
    fn the_next_step_announces_sends_or_commits() {
        struct Case {
            what: &'static str,
            state: SessionState,
            in_flight: usize,
            hashing_done: bool,
            expect: Step,
        }
        let packs = |packs: &[&[usize]]| Step::Send(packs.iter().map(|p| p.to_vec()).collect());
        let all = |n: u64| (0..n).collect::<Vec<u64>>();
        // Packs aim for 30 bytes: three chunks.
        let cases = [
            Case {
                what: "nothing found yet: wait for the worker",
                state: session(false, 0, 0, &[]),
                in_flight: 0,
                hashing_done: false,
                expect: packs(&[]),
            },
            Case {
                what: "the first chunks start the session",
                state: session(false, 1, 0, &[]),
                in_flight: 0,
                hashing_done: false,
                expect: Step::Announce,
            },
            Case {
                what: "an empty file starts its session once hashed",
                state: session(false, 0, 0, &[]),
                in_flight: 0,
                hashing_done: true,
                expect: Step::Announce,
            },
            Case {
                what: "busy and a few found: send full packs, up to three at once",
                state: session(true, 12, 11, &all(11)),
                in_flight: 0,
                hashing_done: false,
                expect: packs(&[&[0, 1, 2], &[3, 4, 5], &[6, 7, 8]]),
            },
            Case {
                what: "one on the wire: two more full packs",
                state: session(true, 12, 11, &all(11)),
                in_flight: 1,
                hashing_done: false,
                expect: packs(&[&[0, 1, 2], &[3, 4, 5]]),
            },
            Case {
                what: "a partial pack waits for more chunks while another is on the wire",
                state: session(true, 2, 2, &all(2)),
                in_flight: 1,
                hashing_done: false,
                expect: packs(&[]),
            },
            Case {
                what: "nothing on the wire: a partial pack goes",
                state: session(true, 2, 2, &all(2)),
                in_flight: 0,
                hashing_done: false,
                expect: packs(&[&[0, 1]]),
            },
            Case {
                what: "three on the wire: send nothing more",
                state: session(true, 12, 11, &all(11)),
                in_flight: 3,
                hashing_done: false,
                expect: packs(&[]),
            },
            Case {
                what: "idle with chunks unannounced: announce",
                state: session(true, 2, 1, &[]),
                in_flight: 0,
                hashing_done: false,
                expect: Step::Announce,
            },
            Case {
                what: "not idle, a few unannounced, the queue full enough: send",
                state: session(true, 80, 70, &all(70)),
                in_flight: 3,
                hashing_done: false,
                expect: packs(&[]),
            },
            Case {
                what: "the queue running low with a quarter batch unannounced: announce",
                state: session(true, 21, 5, &all(5)),
                in_flight: 1,
                hashing_done: false,
                expect: Step::Announce,
            },
            Case {
                what: "a full batch unannounced: announce, however busy",
                state: session(true, 164, 100, &all(100)),
                in_flight: 3,
                hashing_done: false,
                expect: Step::Announce,
            },
            Case {
                what: "hashed with chunks unannounced: announce",
                state: session(true, 5, 4, &all(4)),
                in_flight: 3,
                hashing_done: true,
                expect: Step::Announce,
            },
            Case {
                what: "all announced: the last partial pack goes too",
                state: session(true, 4, 4, &all(4)),
                in_flight: 2,
                hashing_done: true,
                expect: packs(&[&[0, 1, 2]]),
            },
            Case {
                what: "all announced, a partial pack beside others on the wire",
                state: session(true, 5, 5, &[3, 4]),
                in_flight: 1,
                hashing_done: true,
                expect: packs(&[&[3, 4]]),
            },
            Case {
                what: "all announced, all had: commit",
                state: session(true, 5, 5, &[]),
                in_flight: 0,
                hashing_done: true,
                expect: Step::Commit,
            },
            Case {
                what: "all announced, the last pack on the wire: wait",
                state: session(true, 5, 5, &[]),
                in_flight: 1,
                hashing_done: true,
                expect: packs(&[]),
            },
            Case {
                what: "all announced but the worker still going: wait",
                state: session(true, 5, 5, &[]),
                in_flight: 0,
                hashing_done: false,
                expect: packs(&[]),
            },
        ];
        for mut case in cases {
            let step = case.state.next_step(case.in_flight, case.hashing_done, 30);
            assert_eq!(step, case.expect, "{}", case.what);
        }
    }

    #[test]
    fn pack_answers_mark_chunks_sent_unless_the_session_moved_on() {
        /// Sends chunks 0 and 1 (10 bytes each) in one pack in generation 1, takes
        /// in `answer` as of `generation`; `sent` says which chunks are sent after.
        #[track_caller]
        fn check(
            generation: u64,
            answer: Result<ChunksStored, Failure>,
            expect: Result<PackEffect, Failure>,
            sent: [bool; 2],
        ) {
            let mut state = session(true, 2, 2, &[0, 1]);
            state.generation = 1;
            let pack = state.plan.next_pack(true, 100).unwrap_or_default();
            assert_eq!(state.pack_done(generation, pack, answer), expect);
            let is_sent = |index| state.plan.state(index) == Some(ChunkState::Sent);
            assert_eq!([is_sent(0), is_sent(1)], sent);
        }
        let stored = |indexes: &[u64]| {
            Ok(ChunksStored {
                stored: indexes.to_vec(),
            })
        };
        let fatal = || Failure::Fatal("no".into());
        check(1, stored(&[0, 1]), Ok(PackEffect::Stored(20)), [true, true]);
        check(1, stored(&[1]), Ok(PackEffect::Stored(10)), [false, true]);
        check(
            1,
            Err(Failure::Aborted),
            Ok(PackEffect::Stored(0)),
            [false, false],
        );
        // An answer of a session given up changes nothing, whatever it says.
        check(0, stored(&[0, 1]), Ok(PackEffect::Stale), [false, false]);
        check(0, Err(fatal()), Ok(PackEffect::Stale), [false, false]);
        check(
            1,
            Err(Failure::SessionGone),
            Ok(PackEffect::StartOver),
            [false, false],
        );
        check(
            1,
            Err(Failure::ChunksMissing),
            Err(Failure::ChunksMissing),
            [false, false],
        );
        check(1, Err(fatal()), Err(fatal()), [false, false]);
    }

    #[test]
    fn starting_over_drops_the_session_and_moves_to_a_new_generation() {
        let mut state = session(true, 3, 3, &[1]);
        state.saved = Some("kept".into());
        assert_eq!(
            state.upload_url("/api/v1", "/chunks"),
            "/api/v1/files/upload/u1/chunks"
        );
        assert!(state.start_over());
        assert_eq!(
            (
                state.id.as_deref(),
                state.saved.as_deref(),
                state.generation
            ),
            (None, None, 1)
        );
        assert_eq!(state.plan.unannounced(), 3);
        // Nothing open: nothing to forget.
        assert!(!state.start_over());
        assert_eq!(state.generation, 2);
        assert_eq!(state.next_step(0, false, 30), Step::Announce);
    }

    #[test]
    fn session_urls_encode_the_id() {
        for (api, id, rest, expect) in [
            ("/api/v1", "abc", "", "/api/v1/files/upload/abc"),
            (
                "/api/v1",
                "abc",
                "/complete",
                "/api/v1/files/upload/abc/complete",
            ),
            (
                "/api/v1/s/tok",
                "a/b c",
                "/chunks",
                "/api/v1/s/tok/files/upload/a%2Fb%20c/chunks",
            ),
            (
                "/api/v1",
                "",
                "/chunks?indexes=1",
                "/api/v1/files/upload//chunks?indexes=1",
            ),
        ] {
            assert_eq!(upload_url(api, id, rest), expect);
        }
    }
}
