//! How each step's outcome moves an upload on (go on, start over, stop), and
//! what is left once it ends: what the user is told, what is cleaned up. Plain
//! Rust, tested natively.

use super::retry::Failure;

/// How a step's outcome moves the upload on.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// Go on with the next step.
    Go,
    /// Forget the session and start a new one.
    StartOver,
    /// End the upload with this failure.
    Stop(Failure),
}

/// What a commit's answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterCommit<T> {
    /// Done.
    Committed(T),
    /// The server lacks chunks: ask what it still lacks, send that, commit again.
    Refresh,
    /// The session is gone: start over.
    StartOver,
    /// Paused or cancelled meanwhile: look again.
    Go,
    /// End the upload with this failure.
    Stop(Failure),
}

/// Commits refused for missing chunks in a row after which the upload stops: the
/// server keeps losing them.
const MISSING_ROUNDS: u32 = 3;

/// How an upload ended other than committed.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadError {
    /// The user cancelled it.
    Cancelled,
    /// It cannot go on; the message says why and what to do.
    Failed(String),
}

/// How the outcome of announcing, or of asking the status, moves the upload on: a
/// pause or cancel meanwhile is looked at by the next step.
pub fn after_step(result: Result<(), Failure>) -> Reaction {
    match result {
        Ok(()) | Err(Failure::Aborted) => Reaction::Go,
        Err(Failure::SessionGone) => Reaction::StartOver,
        Err(other) => Reaction::Stop(other),
    }
}

/// How a failed announcement to an open session moves the upload on: a resumed
/// session that refuses this file's chunks was not started for this file after
/// all.
pub fn announcement_failed(failure: Failure, resumed: bool) -> Reaction {
    match failure {
        Failure::Fatal(_) if resumed => Reaction::StartOver,
        other => Reaction::Stop(other),
    }
}

/// How a commit's answer moves the upload on, after `missing_rounds` commits in a
/// row were refused for missing chunks.
pub fn after_commit<T>(result: Result<T, Failure>, missing_rounds: u32) -> AfterCommit<T> {
    match result {
        Ok(committed) => AfterCommit::Committed(committed),
        Err(Failure::ChunksMissing) if missing_rounds >= MISSING_ROUNDS => AfterCommit::Stop(
            Failure::Fatal("the server keeps losing chunks of this upload; try again later".into()),
        ),
        Err(Failure::ChunksMissing) => AfterCommit::Refresh,
        Err(Failure::SessionGone) => AfterCommit::StartOver,
        Err(Failure::Aborted) => AfterCommit::Go,
        Err(other) => AfterCommit::Stop(other),
    }
}

/// What the user is told of an upload that ended with `failure`, `cancelled` or
/// not.
pub fn upload_error(failure: Failure, cancelled: bool) -> UploadError {
    match failure {
        _ if cancelled => UploadError::Cancelled,
        Failure::Fatal(message) | Failure::Transient(message) => UploadError::Failed(message),
        other => UploadError::Failed(format!(
            "the upload stopped ({other:?}); drop the file again to resume it"
        )),
    }
}

/// What to clean up once an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleanup {
    /// Forget the kept record: there is nothing left to resume.
    pub forget_record: bool,
    /// Tell the server to let go of what it received.
    pub delete_session: bool,
}

/// What to clean up after an upload that was `remembered` for resuming ended
/// `committed`, `cancelled`, or neither (failed: kept to be resumed), its session
/// open or not.
pub fn cleanup(remembered: bool, committed: bool, cancelled: bool, session_open: bool) -> Cleanup {
    Cleanup {
        forget_record: remembered && (committed || cancelled),
        delete_session: cancelled && session_open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_steps_go_on_start_over_or_stop() {
        let fatal = || Failure::Fatal("no".into());
        for (result, expect) in [
            (Ok(()), Reaction::Go),
            (Err(Failure::Aborted), Reaction::Go),
            (Err(Failure::SessionGone), Reaction::StartOver),
            (
                Err(Failure::ChunksMissing),
                Reaction::Stop(Failure::ChunksMissing),
            ),
            (Err(fatal()), Reaction::Stop(fatal())),
        ] {
            let shown = format!("{result:?}");
            assert_eq!(after_step(result), expect, "{shown}");
        }
        for (failure, resumed, expect) in [
            (fatal(), true, Reaction::StartOver),
            (fatal(), false, Reaction::Stop(fatal())),
            (Failure::Aborted, true, Reaction::Stop(Failure::Aborted)),
            (
                Failure::SessionGone,
                true,
                Reaction::Stop(Failure::SessionGone),
            ),
        ] {
            let shown = format!("{failure:?} resumed {resumed}");
            assert_eq!(announcement_failed(failure, resumed), expect, "{shown}");
        }
    }

    #[test]
    fn a_commit_refused_for_missing_chunks_is_retried_three_times() {
        let lost = || {
            AfterCommit::Stop(Failure::Fatal(
                "the server keeps losing chunks of this upload; try again later".into(),
            ))
        };
        for (result, rounds, expect) in [
            (Ok("done"), 0, AfterCommit::Committed("done")),
            (Ok("done"), 5, AfterCommit::Committed("done")),
            (Err(Failure::ChunksMissing), 0, AfterCommit::Refresh),
            (Err(Failure::ChunksMissing), 2, AfterCommit::Refresh),
            (Err(Failure::ChunksMissing), 3, lost()),
            (Err(Failure::ChunksMissing), 4, lost()),
            (Err(Failure::SessionGone), 3, AfterCommit::StartOver),
            (Err(Failure::Aborted), 0, AfterCommit::Go),
            (
                Err(Failure::Fatal("no".into())),
                0,
                AfterCommit::Stop(Failure::Fatal("no".into())),
            ),
        ] {
            let shown = format!("{result:?} after {rounds}");
            assert_eq!(after_commit(result, rounds), expect, "{shown}");
        }
    }

    #[test]
    fn the_user_is_told_why_an_upload_ended() {
        let failed = |text: &str| UploadError::Failed(text.into());
        for (failure, cancelled, expect) in [
            (
                Failure::Fatal("quota full".into()),
                true,
                UploadError::Cancelled,
            ),
            (Failure::Aborted, true, UploadError::Cancelled),
            (
                Failure::Fatal("quota full".into()),
                false,
                failed("quota full"),
            ),
            (Failure::Transient("down".into()), false, failed("down")),
            (
                Failure::Aborted,
                false,
                failed("the upload stopped (Aborted); drop the file again to resume it"),
            ),
            (
                Failure::SessionGone,
                false,
                failed("the upload stopped (SessionGone); drop the file again to resume it"),
            ),
        ] {
            assert_eq!(upload_error(failure, cancelled), expect);
        }
    }

    #[test]
    fn an_ended_upload_keeps_its_record_only_when_it_may_be_resumed() {
        // (remembered, committed, cancelled, session open) → (forget record, delete session)
        for (input, expect) in [
            ((true, true, false, true), (true, false)),
            ((true, false, true, true), (true, true)),
            ((true, false, true, false), (true, false)),
            ((true, false, false, true), (false, false)),
            ((false, true, false, true), (false, false)),
            ((false, false, true, true), (false, true)),
            ((false, false, false, false), (false, false)),
        ] {
            let (remembered, committed, cancelled, open) = input;
            let got = cleanup(remembered, committed, cancelled, open);
            assert_eq!((got.forget_record, got.delete_session), expect, "{input:?}");
        }
    }
}
