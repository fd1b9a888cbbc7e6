//! When a failed upload request is tried again, and how long it waits first: errors
//! sorted into what a retry can fix and what it cannot, and exponential back-off
//! with jitter. Plain Rust, tested natively; it never sends, sleeps or reads the
//! clock (`net` does, asking this module what to do).

use crate::api::types::ErrorBody;

/// Why a request did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth retrying: no connection, a server fault, too many requests.
    Transient(String),
    /// Aborted because the user paused or cancelled.
    Aborted,
    /// The upload session is gone (completed, expired or never known): start over.
    SessionGone,
    /// The server lacks chunks it had counted as received: send them again.
    ChunksMissing,
    /// The server refused; the message says why and what to do.
    Fatal(String),
}

/// What an error answer with HTTP `status` and `body` means for the upload.
pub fn classify(status: u16, body: ErrorBody) -> Failure {
    let ErrorBody { error } = body;
    match error.code.as_str() {
        "network" => Failure::Transient(error.message),
        "upload-not-found" | "upload-expired" => Failure::SessionGone,
        "chunks-missing" => Failure::ChunksMissing,
        _ if status >= 500 || status == 429 || status == 408 => {
            Failure::Transient(format!("the server answered {status}: {}", error.message))
        }
        _ => Failure::Fatal(error.message),
    }
}

/// The back-off before retry number `attempt` (from 1): exponential from half a
/// second up to 30 s, with "equal jitter" so that many uploads do not retry in step.
/// `random` is uniform in `[0, 1)`.
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let ceiling = (500.0 * 2f64.powi(attempt.saturating_sub(1).min(6) as i32)).min(30_000.0);
    ceiling / 2.0 + random * ceiling / 2.0
}

/// What the panel says while the browser is offline.
pub const OFFLINE_NOTICE: &str = "offline: waiting for the network to come back";

/// What the panel says while a retry waits `delay_ms` after `message`.
pub fn retry_notice(message: &str, delay_ms: f64) -> String {
    format!("{message}; retrying in {:.0} s", (delay_ms / 1000.0).ceil())
}

/// What to do after an attempt failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Wait for the browser to be online, then try again.
    AwaitOnline,
    /// Wait `delay_ms`, saying `notice`, then try again.
    Sleep {
        /// How long to wait, in milliseconds.
        delay_ms: f64,
        /// What the panel says meanwhile.
        notice: String,
    },
    /// Stop trying: the request ends with this failure.
    GiveUp(Failure),
}

/// The retries of one request so far.
#[derive(Debug, Default)]
pub struct Retries {
    failures: u32,
}

impl Retries {
    /// Decides what follows a failed attempt: a transient failure is retried for as
    /// long as the upload runs (`running`), waiting for the network when the browser
    /// is not `online`, else backing off (`random` draws the jitter, only then);
    /// anything else ends the request, as does a transient failure once paused or
    /// cancelled (as `Aborted`).
    pub fn after_failure(
        &mut self,
        failure: Failure,
        running: bool,
        online: bool,
        random: impl FnOnce() -> f64,
    ) -> Next {
        let Failure::Transient(message) = failure else {
            return Next::GiveUp(failure);
        };
        if !running {
            return Next::GiveUp(Failure::Aborted);
        }
        self.failures += 1;
        if !online {
            return Next::AwaitOnline;
        }
        let delay_ms = backoff_ms(self.failures, random());
        Next::Sleep {
            notice: retry_notice(&message, delay_ms),
            delay_ms,
        }
    }

    /// Whether a success ends a trouble the panel was told of.
    pub fn clears_trouble(&self) -> bool {
        self.failures > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::ErrorDetail;

    fn body(code: &str, message: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }

    #[test]
    fn error_answers_are_sorted_into_what_a_retry_fixes() {
        #[track_caller]
        fn check(status: u16, code: &str, expect: Failure) {
            assert_eq!(
                classify(status, body(code, "why")),
                expect,
                "{status} {code}"
            );
        }
        let transient = |text: &str| Failure::Transient(text.to_string());
        check(0, "network", transient("why"));
        check(404, "upload-not-found", Failure::SessionGone);
        check(410, "upload-expired", Failure::SessionGone);
        check(409, "chunks-missing", Failure::ChunksMissing);
        // A stable code wins over the status.
        check(500, "upload-expired", Failure::SessionGone);
        check(500, "internal", transient("the server answered 500: why"));
        check(
            503,
            "unavailable",
            transient("the server answered 503: why"),
        );
        check(
            429,
            "rate-limited",
            transient("the server answered 429: why"),
        );
        check(408, "timeout", transient("the server answered 408: why"));
        check(400, "bad-request", Failure::Fatal("why".into()));
        check(403, "forbidden", Failure::Fatal("why".into()));
        check(413, "too-large", Failure::Fatal("why".into()));
        check(499, "client", Failure::Fatal("why".into()));
    }

    #[test]
    fn back_off_doubles_from_half_a_second_up_to_thirty() {
        #[track_caller]
        fn check(attempt: u32, random: f64, expect: f64) {
            assert_eq!(backoff_ms(attempt, random), expect, "attempt {attempt}");
        }
        // (attempt, random, delay): at least half the ceiling, less than all of it.
        for (attempt, random, expect) in [
            (0, 0.0, 250.0),
            (1, 0.0, 250.0),
            (1, 0.5, 375.0),
            (2, 0.0, 500.0),
            (3, 0.0, 1_000.0),
            (6, 0.0, 8_000.0),
            (7, 0.0, 15_000.0),
            (7, 1.0, 30_000.0),
            (8, 0.0, 15_000.0),
            (40, 0.5, 22_500.0),
            (u32::MAX, 0.0, 15_000.0),
        ] {
            check(attempt, random, expect);
        }
    }

    #[test]
    fn retry_notices_round_the_wait_up_to_seconds() {
        for (message, delay, expect) in [
            ("down", 250.0, "down; retrying in 1 s"),
            ("down", 1_000.0, "down; retrying in 1 s"),
            ("down", 1_001.0, "down; retrying in 2 s"),
            (
                "the server answered 503: busy",
                22_500.0,
                "the server answered 503: busy; retrying in 23 s",
            ),
        ] {
            assert_eq!(retry_notice(message, delay), expect);
        }
    }

    #[test]
    fn only_transient_failures_of_a_running_upload_are_retried() {
        let transient = || Failure::Transient("down".into());
        // (failure, running, online, what follows)
        let cases = [
            (
                transient(),
                true,
                true,
                Next::Sleep {
                    delay_ms: 250.0,
                    notice: "down; retrying in 1 s".into(),
                },
            ),
            (transient(), true, false, Next::AwaitOnline),
            (transient(), false, true, Next::GiveUp(Failure::Aborted)),
            (transient(), false, false, Next::GiveUp(Failure::Aborted)),
            (Failure::Aborted, true, true, Next::GiveUp(Failure::Aborted)),
            (
                Failure::SessionGone,
                true,
                true,
                Next::GiveUp(Failure::SessionGone),
            ),
            (
                Failure::ChunksMissing,
                true,
                false,
                Next::GiveUp(Failure::ChunksMissing),
            ),
            (
                Failure::Fatal("no".into()),
                true,
                true,
                Next::GiveUp(Failure::Fatal("no".into())),
            ),
        ];
        for (failure, running, online, expect) in cases {
            let mut retries = Retries::default();
            let next = retries.after_failure(failure.clone(), running, online, || 0.0);
            assert_eq!(
                next, expect,
                "{failure:?} running {running} online {online}"
            );
        }
    }

    #[test]
    fn each_retry_of_a_request_waits_longer_and_draws_jitter_only_to_sleep() {
        let mut retries = Retries::default();
        assert!(!retries.clears_trouble());
        let mut draws = 0;
        let mut delays = Vec::new();
        for online in [true, false, true, true] {
            let next = retries.after_failure(Failure::Transient("x".into()), true, online, || {
                draws += 1;
                0.0
            });
            delays.push(match next {
                Next::Sleep { delay_ms, .. } => Some(delay_ms),
                _ => None,
            });
        }
        // Waiting for the network counts as a failure too.
        assert_eq!(delays, [Some(250.0), None, Some(1_000.0), Some(2_000.0)]);
        assert_eq!(draws, 3);
        assert!(retries.clears_trouble());
        // A failure that ends the request is not counted.
        let mut fresh = Retries::default();
        let _ = fresh.after_failure(Failure::Fatal("no".into()), true, true, || 0.0);
        assert!(!fresh.clears_trouble());
    }
}
