//! The chunks of one upload and where each stands: which are announced, which the
//! server needs (from its `chunks_needed` and status answers), which to pack into
//! the next request, and what a pack's answer says was stored. Plain Rust, tested
//! natively; it sends nothing and knows no browser type.

use crate::api::types::{AnnounceChunks, ChunkAnnouncement, IndexedChunk, ServerConfig};
use std::collections::{HashSet, VecDeque};

/// One chunk as the chunking worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundChunk {
    /// Where it starts in the file.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u64,
    /// Hex SHA-256 of its bytes.
    pub hash: String,
}

/// Where one chunk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkState {
    /// Hashed, not yet announced.
    Found,
    /// The server needs it; waiting to be sent.
    Needed,
    /// In a request on the wire.
    InFlight,
    /// Sent and stored by this page.
    Sent,
    /// The server had it already (stored before, or sent by an earlier attempt).
    Had,
}

#[derive(Debug)]
struct Chunk {
    found: FoundChunk,
    state: ChunkState,
}

/// The size to aim for per request: the server's pack target, never more than it
/// takes in one request.
pub fn pack_target(config: &ServerConfig) -> u64 {
    config.pack_target_bytes.min(config.max_request_bytes)
}

/// The chunks of one file, in file order, and the needed ones waiting to be sent.
#[derive(Debug, Default)]
pub struct ChunkPlan {
    chunks: Vec<Chunk>,
    /// Chunks `0..announced` are announced to the session.
    announced: usize,
    /// Needed chunks waiting to be sent, in file order.
    queue: VecDeque<usize>,
}

impl ChunkPlan {
    /// Adds chunks the worker found, after those found before.
    pub fn found(&mut self, found: Vec<FoundChunk>) {
        self.chunks.extend(found.into_iter().map(|found| Chunk {
            found,
            state: ChunkState::Found,
        }));
    }

    /// How many chunks are found.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// How many chunks, from the first, are announced to the session.
    pub fn announced(&self) -> usize {
        self.announced
    }

    /// Chunks found but not yet announced.
    pub fn unannounced(&self) -> usize {
        self.chunks.len() - self.announced
    }

    /// Whether no needed chunk waits to be sent.
    pub fn queue_is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Where chunk `index` stands.
    #[cfg(test)]
    pub fn state(&self, index: usize) -> Option<ChunkState> {
        self.chunks.get(index).map(|chunk| chunk.state)
    }

    /// Forgets everything a session said: every chunk is found, none announced.
    pub fn start_over(&mut self) {
        self.announced = 0;
        self.queue.clear();
        for chunk in &mut self.chunks {
            chunk.state = ChunkState::Found;
        }
    }

    /// Every chunk found so far, as a new session's `init` announces them.
    pub fn init_chunks(&self) -> Vec<ChunkAnnouncement> {
        self.chunks
            .iter()
            .map(|c| ChunkAnnouncement {
                hash: c.found.hash.clone(),
                size: c.found.len,
            })
            .collect()
    }

    /// The chunks found since the last announcement, as an open session is told of
    /// them.
    pub fn announcement(&self) -> AnnounceChunks {
        AnnounceChunks {
            chunks: (self.announced..self.chunks.len())
                .map(|index| IndexedChunk {
                    index: index as u64,
                    hash: self.chunks[index].found.hash.clone(),
                    size: self.chunks[index].found.len,
                })
                .collect(),
        }
    }

    /// Marks chunks `from..to`, just announced, as needed (queued, in file order)
    /// when `needed` lists them, else as already stored; the bytes already stored.
    /// Indexes in `needed` outside `from..to` are not looked at.
    pub fn apply_needed(&mut self, needed: &[u64], from: usize, to: usize) -> u64 {
        let needed: HashSet<u64> = needed.iter().copied().collect();
        let mut had = 0;
        for index in from..to {
            let chunk = &mut self.chunks[index];
            if needed.contains(&(index as u64)) {
                chunk.state = ChunkState::Needed;
                self.queue.push_back(index);
            } else {
                chunk.state = ChunkState::Had;
                had += chunk.found.len;
            }
        }
        self.announced = to;
        had
    }

    /// Takes in a `chunks_needed` answer to announcing chunks `from..to` to an open
    /// session; the bytes already stored among them. The answer lists every
    /// announced chunk still needed: those announced before `from` are already
    /// queued, sent or on their way, so are left as they stand.
    pub fn apply_chunks_needed(&mut self, chunks_needed: &[u64], from: usize, to: usize) -> u64 {
        let fresh: Vec<u64> = chunks_needed
            .iter()
            .copied()
            .filter(|&i| (i as usize) >= from)
            .collect();
        self.apply_needed(&fresh, from, to)
    }

    /// Takes in what a session's status says it still lacks (`missing`) and queues
    /// exactly that, in file order; the bytes it has of chunks this page had
    /// waiting or on the wire, now counted as sent.
    pub fn apply_missing(&mut self, missing: &[u64]) -> u64 {
        let missing: HashSet<u64> = missing.iter().copied().collect();
        let mut sent = 0;
        self.queue.clear();
        for (index, chunk) in self.chunks[..self.announced].iter_mut().enumerate() {
            let lacking = missing.contains(&(index as u64));
            match chunk.state {
                ChunkState::Needed | ChunkState::InFlight if !lacking => {
                    chunk.state = ChunkState::Sent;
                    sent += chunk.found.len;
                }
                _ if lacking => {
                    chunk.state = ChunkState::Needed;
                    self.queue.push_back(index);
                }
                _ => {}
            }
        }
        sent
    }

    /// Bytes of needed chunks waiting to be sent.
    pub fn queued_bytes(&self) -> u64 {
        self.queue.iter().map(|&i| self.chunks[i].found.len).sum()
    }

    /// Takes the next pack of needed chunks, in file order, of about `target`
    /// bytes (more only when its first chunk alone is larger), marking them in
    /// flight; a smaller one only when `partial_ok`, none when nothing waits.
    pub fn next_pack(&mut self, partial_ok: bool, target: u64) -> Option<Vec<usize>> {
        let mut queued = 0;
        for &index in &self.queue {
            queued += self.chunks[index].found.len;
            if queued >= target {
                break;
            }
        }
        if self.queue.is_empty() || (!partial_ok && queued < target) {
            return None;
        }
        let mut pack = Vec::new();
        let mut bytes = 0;
        while let Some(&index) = self.queue.front() {
            let len = self.chunks[index].found.len;
            if !pack.is_empty() && bytes + len > target {
                break;
            }
            self.queue.pop_front();
            self.chunks[index].state = ChunkState::InFlight;
            pack.push(index);
            bytes += len;
        }
        Some(pack)
    }

    /// Where in the file each chunk of `pack` lies: `(offset, len)`.
    pub fn parts(&self, pack: &[usize]) -> Vec<(u64, u64)> {
        pack.iter()
            .map(|&i| (self.chunks[i].found.offset, self.chunks[i].found.len))
            .collect()
    }

    /// Takes back a pack whose request ended, the server having stored the chunks
    /// `stored` of it: those are sent, the rest wait again at the front of the
    /// queue, in file order. The bytes sent.
    pub fn pack_returned(&mut self, pack: Vec<usize>, stored: &[u64]) -> u64 {
        let stored: HashSet<u64> = stored.iter().copied().collect();
        let mut sent = 0;
        let mut back = Vec::new();
        for index in pack {
            let chunk = &mut self.chunks[index];
            if stored.contains(&(index as u64)) {
                chunk.state = ChunkState::Sent;
                sent += chunk.found.len;
            } else {
                chunk.state = ChunkState::Needed;
                back.push(index);
            }
        }
        for index in back.into_iter().rev() {
            self.queue.push_front(index);
        }
        sent
    }
}

/// The query that names a pack's chunks in its `PUT`, e.g. `/chunks?indexes=4,5,6`.
pub fn pack_path(pack: &[usize]) -> String {
    let indexes: Vec<String> = pack.iter().map(usize::to_string).collect();
    format!("/chunks?indexes={}", indexes.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChunkState::*;

    /// A plan of chunks of the given lengths, back to back from offset 0.
    fn plan_of(lens: &[u64]) -> ChunkPlan {
        let mut plan = ChunkPlan::default();
        let mut offset = 0;
        plan.found(
            lens.iter()
                .enumerate()
                .map(|(i, &len)| {
                    let chunk = FoundChunk {
                        offset,
                        len,
                        hash: format!("{i:064x}"),
                    };
                    offset += len;
                    chunk
                })
                .collect(),
        );
        plan
    }

    fn states(plan: &ChunkPlan) -> Vec<ChunkState> {
        (0..plan.len()).filter_map(|i| plan.state(i)).collect()
    }

    fn queue(plan: &ChunkPlan) -> Vec<usize> {
        plan.queue.iter().copied().collect()
    }

    /// A plan whose chunks are all announced and all needed.
    fn all_needed(lens: &[u64]) -> ChunkPlan {
        let mut plan = plan_of(lens);
        let all: Vec<u64> = (0..lens.len() as u64).collect();
        plan.apply_needed(&all, 0, lens.len());
        plan
    }

    #[test]
    fn the_pack_target_never_exceeds_what_one_request_may_carry() {
        let config = |pack_target_bytes, max_request_bytes| ServerConfig {
            chunking: Default::default(),
            max_request_bytes,
            pack_target_bytes,
        };
        for (target, max, expect) in [(8, 64, 8), (64, 8, 8), (16, 16, 16)] {
            assert_eq!(pack_target(&config(target, max)), expect);
        }
    }

    #[test]
    fn packs_take_needed_chunks_in_file_order_up_to_the_target() {
        #[track_caller]
        fn check(lens: &[u64], partial_ok: bool, target: u64, expect: Option<&[usize]>) {
            let mut plan = all_needed(lens);
            let pack = plan.next_pack(partial_ok, target);
            assert_eq!(pack.as_deref(), expect, "{lens:?} partial {partial_ok}");
            let taken = pack.unwrap_or_default();
            for index in 0..lens.len() {
                let expect = if taken.contains(&index) {
                    InFlight
                } else {
                    Needed
                };
                assert_eq!(plan.state(index), Some(expect), "chunk {index}");
            }
            let rest: Vec<usize> = (0..lens.len()).filter(|i| !taken.contains(i)).collect();
            assert_eq!(queue(&plan), rest);
        }
        // Nothing waits: no pack, however partial.
        check(&[], true, 10, None);
        // Enough waits: a full pack, partial or not.
        check(&[4, 4, 4, 4], false, 10, Some(&[0, 1]));
        check(&[4, 4, 4, 4], true, 10, Some(&[0, 1]));
        check(&[5, 5, 5], false, 10, Some(&[0, 1]));
        // Less than the target waits: only a partial pack, of all of it.
        check(&[4, 4], false, 10, None);
        check(&[4, 4], true, 10, Some(&[0, 1]));
        // A chunk larger than the target goes alone.
        check(&[25, 1], false, 10, Some(&[0]));
        check(&[1, 25], false, 10, Some(&[0]));
        check(&[1, 25], true, 10, Some(&[0]));
    }

    #[test]
    fn successive_packs_cover_the_queue_once() {
        let mut plan = all_needed(&[3, 3, 3, 3, 3, 3, 3]);
        let mut packs = Vec::new();
        while let Some(pack) = plan.next_pack(false, 7) {
            packs.push(pack);
        }
        assert_eq!(packs, [vec![0, 1], vec![2, 3], vec![4, 5]]);
        assert_eq!(plan.next_pack(true, 7), Some(vec![6]));
        assert_eq!(plan.next_pack(true, 7), None);
    }

    #[test]
    fn an_init_answer_marks_each_chunk_needed_or_had() {
        #[track_caller]
        fn check(needed: &[u64], expect: &[ChunkState], had: u64) {
            let mut plan = plan_of(&[10, 20, 30, 40]);
            assert_eq!(plan.apply_needed(needed, 0, 4), had, "{needed:?}");
            assert_eq!(states(&plan), expect, "{needed:?}");
            assert_eq!(plan.announced(), 4);
            assert_eq!(plan.unannounced(), 0);
            let queued: Vec<usize> = (0..4).filter(|&i| expect[i] == Needed).collect();
            assert_eq!(queue(&plan), queued, "{needed:?}");
        }
        check(&[0, 1, 2, 3], &[Needed, Needed, Needed, Needed], 0);
        check(&[], &[Had, Had, Had, Had], 100);
        check(&[1, 3], &[Had, Needed, Had, Needed], 40);
        // Out of order or repeated, the queue is still in file order.
        check(&[3, 1, 3], &[Had, Needed, Had, Needed], 40);
        // Indexes the announcement did not cover are ignored.
        check(&[2, 9], &[Had, Had, Needed, Had], 70);
    }

    #[test]
    fn a_chunks_needed_answer_applies_to_the_fresh_announcement_only() {
        #[track_caller]
        fn check(chunks_needed: &[u64], expect: &[ChunkState], queued: &[usize], had: u64) {
            // Chunks 0 and 1 were announced before: 0 is needed and waits, 1 was had.
            let mut plan = plan_of(&[10, 20]);
            plan.apply_needed(&[0], 0, 2);
            plan.found(vec![
                FoundChunk {
                    offset: 30,
                    len: 30,
                    hash: "c".into(),
                },
                FoundChunk {
                    offset: 60,
                    len: 40,
                    hash: "d".into(),
                },
            ]);
            assert_eq!(plan.unannounced(), 2);
            let from = plan.announced();
            let to = plan.len();
            assert_eq!(plan.apply_chunks_needed(chunks_needed, from, to), had);
            assert_eq!(states(&plan), expect, "{chunks_needed:?}");
            assert_eq!(queue(&plan), queued, "{chunks_needed:?}");
            assert_eq!(plan.announced(), 4);
        }
        check(&[0, 2, 3], &[Needed, Had, Needed, Needed], &[0, 2, 3], 0);
        check(&[0], &[Needed, Had, Had, Had], &[0], 70);
        check(&[3], &[Needed, Had, Had, Needed], &[0, 3], 30);
        // An earlier chunk listed again is not queued twice, nor one had revived.
        check(&[0, 1, 2], &[Needed, Had, Needed, Had], &[0, 2], 40);
    }

    #[test]
    fn announcements_name_the_chunks_found_since_the_last() {
        let mut plan = plan_of(&[10, 20]);
        assert_eq!(plan.init_chunks().len(), 2);
        assert_eq!(plan.init_chunks()[1].size, 20);
        plan.apply_needed(&[], 0, 2);
        assert!(plan.announcement().chunks.is_empty());
        plan.found(vec![FoundChunk {
            offset: 30,
            len: 5,
            hash: "e".into(),
        }]);
        let chunks = plan.announcement().chunks;
        assert_eq!(chunks.len(), 1);
        assert_eq!(
            (chunks[0].index, chunks[0].size, chunks[0].hash.as_str()),
            (2, 5, "e")
        );
        assert_eq!(plan.init_chunks().len(), 3);
    }

    #[test]
    fn a_status_answer_queues_exactly_what_the_server_lacks() {
        #[track_caller]
        fn check(missing: &[u64], expect: &[ChunkState], queued: &[usize], sent: u64) {
            // Chunk 0 was had, 1 sent, 2 on the wire, 3 waiting; 4 is not announced.
            let mut plan = plan_of(&[1, 2, 4, 8, 16]);
            plan.apply_needed(&[1, 2, 3], 0, 4);
            assert_eq!(plan.next_pack(true, 2), Some(vec![1]));
            plan.pack_returned(vec![1], &[1]);
            assert_eq!(plan.next_pack(true, 4), Some(vec![2]));
            assert_eq!(states(&plan), [Had, Sent, InFlight, Needed, Found]);
            assert_eq!(plan.apply_missing(missing), sent, "{missing:?}");
            assert_eq!(states(&plan), expect, "{missing:?}");
            assert_eq!(queue(&plan), queued, "{missing:?}");
        }
        // What was on the wire or waiting and is not missing counts as sent.
        check(&[], &[Had, Sent, Sent, Sent, Found], &[], 12);
        check(&[2, 3], &[Had, Sent, Needed, Needed, Found], &[2, 3], 0);
        check(&[3], &[Had, Sent, Sent, Needed, Found], &[3], 4);
        // Chunks the server lost are sent again, whatever this page thought.
        check(&[0, 1], &[Needed, Needed, Sent, Sent, Found], &[0, 1], 12);
        // A chunk not announced yet is left alone.
        check(&[4], &[Had, Sent, Sent, Sent, Found], &[], 12);
    }

    #[test]
    fn a_returned_pack_keeps_the_stored_and_requeues_the_rest_first() {
        #[track_caller]
        fn check(stored: &[u64], expect: &[ChunkState], queued: &[usize], sent: u64) {
            let mut plan = all_needed(&[1, 2, 4, 8, 16]);
            let pack = plan.next_pack(false, 7);
            assert_eq!(pack, Some(vec![0, 1, 2]));
            let sent_now = plan.pack_returned(pack.unwrap_or_default(), stored);
            assert_eq!(sent_now, sent, "{stored:?}");
            assert_eq!(states(&plan), expect, "{stored:?}");
            assert_eq!(queue(&plan), queued, "{stored:?}");
        }
        check(&[0, 1, 2], &[Sent, Sent, Sent, Needed, Needed], &[3, 4], 7);
        // An aborted request stored nothing: its chunks go first, in order.
        check(
            &[],
            &[Needed, Needed, Needed, Needed, Needed],
            &[0, 1, 2, 3, 4],
            0,
        );
        check(
            &[1],
            &[Needed, Sent, Needed, Needed, Needed],
            &[0, 2, 3, 4],
            2,
        );
        // Indexes the pack did not carry are ignored.
        check(
            &[2, 4],
            &[Needed, Needed, Sent, Needed, Needed],
            &[0, 1, 3, 4],
            4,
        );
    }

    #[test]
    fn starting_over_forgets_what_the_session_said() {
        let mut plan = all_needed(&[1, 2, 3]);
        let _ = plan.next_pack(true, 1);
        plan.start_over();
        assert_eq!(states(&plan), [Found, Found, Found]);
        assert_eq!((plan.announced(), plan.unannounced()), (0, 3));
        assert!(plan.queue_is_empty());
        assert_eq!(plan.queued_bytes(), 0);
    }

    #[test]
    fn a_pack_request_names_its_chunks_and_their_place_in_the_file() {
        let mut plan = all_needed(&[5, 6, 7]);
        assert_eq!(plan.queued_bytes(), 18);
        let pack = plan.next_pack(true, 100).unwrap_or_default();
        assert_eq!(plan.parts(&pack), [(0, 5), (5, 6), (11, 7)]);
        assert_eq!(pack_path(&pack), "/chunks?indexes=0,1,2");
        assert_eq!(pack_path(&[12]), "/chunks?indexes=12");
        assert_eq!(plan.queued_bytes(), 0);
    }
}
