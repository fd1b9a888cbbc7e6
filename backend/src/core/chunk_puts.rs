//! The chunk PUTs of the upload protocol: announced chunks sent in one body, hashed
//! as they stream in and written as soon as each is whole, each verified and stored
//! on its own.

use super::{now_ms, Core};
use crate::domain::{stored_inline, Error, UploadChunk, UploadId, User};
use bytes::{Bytes, BytesMut};
use futures::stream::{FuturesUnordered, Stream};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use wasm_chunker::ChunkId;

/// One announced chunk being received: its bytes so far and their running SHA-256.
struct ChunkAssembly {
    chunk: UploadChunk,
    bytes: BytesMut,
    hasher: Sha256,
}

impl ChunkAssembly {
    fn new(chunk: &UploadChunk) -> ChunkAssembly {
        ChunkAssembly {
            chunk: *chunk,
            bytes: BytesMut::with_capacity(chunk.size as usize),
            hasher: Sha256::new(),
        }
    }

    /// Moves from the front of `frame` what this chunk still lacks; whether it is whole.
    fn take(&mut self, frame: &mut Bytes) -> bool {
        let wanted = self.chunk.size as usize - self.bytes.len();
        let piece = frame.split_to(wanted.min(frame.len()));
        self.hasher.update(&piece);
        self.bytes.extend_from_slice(&piece);
        self.bytes.len() == self.chunk.size as usize
    }

    /// The whole chunk, if its bytes hash to the announced id.
    fn finish(self) -> Result<(UploadChunk, Bytes), Error> {
        let actual = ChunkId(self.hasher.finalize().into());
        if actual == self.chunk.id {
            Ok((self.chunk, self.bytes.freeze()))
        } else {
            Err(Error::ChunkHashMismatch {
                index: self.chunk.index,
                expected: self.chunk.id.to_hex(),
                actual: actual.to_hex(),
            })
        }
    }
}

/// Notes a finished chunk write: stored, or the request's first error.
fn record_write(
    write: Result<Result<UploadChunk, crate::ports::StoreError>, tokio::task::JoinError>,
    stored: &mut Vec<UploadChunk>,
    first_error: &mut Option<Error>,
) {
    match write {
        Ok(Ok(chunk)) => stored.push(chunk),
        Ok(Err(error)) => {
            first_error.get_or_insert(error.into());
        }
        Err(failed) => {
            first_error.get_or_insert(Error::Internal(format!("a chunk write failed: {failed}")));
        }
    }
}

impl Core {
    /// Stores announced chunks sent in one body, concatenated in the order of
    /// `indexes`, as the body streams in: each chunk is hashed while it arrives and
    /// written as soon as it is whole, so a request holds a few chunks at most,
    /// whatever its size. Each chunk is verified and stored on its own: one that
    /// fails its check stores nothing, the others are kept, and the request answers
    /// with the first error. `declared` is the body's announced length, if any.
    pub(super) async fn upload_put_chunks_in<B>(
        &self,
        user: &User,
        id: &UploadId,
        indexes: &[u64],
        declared: Option<u64>,
        mut body: B,
    ) -> Result<Vec<u64>, Error>
    where
        B: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
    {
        if indexes.is_empty() {
            return Err(Error::BadRequest(
                "no chunk indexes given; add ?indexes=0,1,…".into(),
            ));
        }
        // Only the chunks this request carries: a large upload has thousands.
        let (acting, upload, _) = self.open_upload_at(user, id, Some(indexes)).await?;
        let user = &acting;
        let by_index: HashMap<u64, &UploadChunk> =
            upload.chunks.iter().map(|c| (c.index, c)).collect();
        let mut expected = Vec::with_capacity(indexes.len());
        let mut seen = HashSet::new();
        for index in indexes {
            let chunk = by_index.get(index).ok_or_else(|| {
                Error::BadRequest(format!(
                    "chunk {index} was not announced; announce it first"
                ))
            })?;
            if !seen.insert(*index) {
                return Err(Error::BadRequest(format!(
                    "chunk {index} is listed twice in indexes"
                )));
            }
            expected.push(**chunk);
        }
        let total: u64 = expected.iter().map(|c| c.size).sum();
        let size_error = |actual: u64| {
            match expected.as_slice() {
            [single] => Error::ChunkSizeMismatch {
                index: single.index,
                expected: single.size,
                actual,
            },
            _ => Error::BadRequest(format!(
                "the body holds {actual} bytes but chunks {indexes:?} were announced with {total}; send exactly their bytes, in that order"
            )),
        }
        };
        let limit = self.limits.max_request_bytes;
        if total > limit {
            return Err(Error::TooLarge { size: total, limit });
        }
        if let Some(declared) = declared.filter(|&declared| declared != total) {
            return Err(size_error(declared));
        }

        let mut writes = FuturesUnordered::new();
        let mut stored = Vec::new();
        let mut inline = Vec::new();
        let mut first_error = None;
        let mut chunks = expected.iter();
        let mut current = chunks.next().map(ChunkAssembly::new);
        let mut received = 0u64;
        'body: while let Some(frame) = body.next().await {
            let mut frame = match frame {
                Ok(frame) => frame,
                Err(e) => {
                    first_error = Some(Error::BadRequest(format!(
                        "the body broke off after {received} bytes ({e}); ask GET /api/v1/files/upload/{id} which chunks are missing and send those again"
                    )));
                    break;
                }
            };
            received += frame.len() as u64;
            while !frame.is_empty() {
                let Some(assembly) = current.as_mut() else {
                    first_error = Some(size_error(received.max(total + 1)));
                    break 'body;
                };
                let whole = assembly.take(&mut frame);
                if !whole {
                    continue;
                }
                if let Some(done) = current.take() {
                    match done.finish() {
                        Ok((chunk, bytes)) if stored_inline(chunk.size) => {
                            stored.push(chunk);
                            inline.push((chunk.id, bytes));
                        }
                        Ok((chunk, bytes)) => {
                            // At most two writes pending per request: the body waits.
                            while writes.len() >= 2 {
                                if let Some(write) = writes.next().await {
                                    record_write(write, &mut stored, &mut first_error);
                                }
                            }
                            // Spawned, so the write runs while the body streams on.
                            let blobs = std::sync::Arc::clone(&self.blobs);
                            writes.push(tokio::spawn(async move {
                                blobs.put(&chunk.id, bytes).await.map(|()| chunk)
                            }));
                        }
                        Err(mismatch) => {
                            first_error.get_or_insert(mismatch);
                        }
                    }
                }
                current = chunks.next().map(ChunkAssembly::new);
            }
        }
        if first_error.is_none() && (current.is_some() || received != total) {
            first_error = Some(size_error(received));
        }
        while let Some(write) = writes.next().await {
            record_write(write, &mut stored, &mut first_error);
        }
        if !stored.is_empty() {
            let collecting = self
                .meta
                .chunks_received(&user.id, id, &stored, &inline, now_ms())
                .await?;
            if let Some(busy) = self.check_received(user, id, &stored, &collecting).await? {
                first_error.get_or_insert(busy);
            }
        }
        match first_error {
            Some(error) => Err(error),
            // In the order of the request.
            None => Ok(expected.iter().map(|c| c.index).collect()),
        }
    }

    /// The error to answer when chunks `stored` of upload `id` must be sent again:
    /// `collecting` were being deleted by garbage collection as they arrived, and a
    /// collector that finished just before their record was made may have deleted
    /// the bytes of others after they were written (their "received" mark is then
    /// taken back). Every chunk is checked, so that a new chunk and one another user
    /// stores take the same time.
    async fn check_received(
        &self,
        user: &User,
        id: &UploadId,
        stored: &[UploadChunk],
        collecting: &[ChunkId],
    ) -> Result<Option<Error>, Error> {
        let checks = stored
            .iter()
            .filter(|c| !stored_inline(c.size) && !collecting.contains(&c.id))
            .map(|c| async move { Ok::<_, Error>((c.index, self.blobs.contains(&c.id).await?)) });
        let lost: Vec<u64> = futures::future::try_join_all(checks)
            .await?
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(index, _)| index)
            .collect();
        if !lost.is_empty() {
            self.meta.chunks_lost(&user.id, id, &lost).await?;
        }
        let busy = stored
            .iter()
            .filter(|c| collecting.contains(&c.id))
            .map(|c| c.index)
            .chain(lost)
            .min();
        Ok(busy.map(|index| Error::ChunkBusy(format!("chunk {index}"))))
    }
}
