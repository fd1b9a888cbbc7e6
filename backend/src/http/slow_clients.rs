//! Slow clients are cut: a request body that goes quiet for longer than the idle
//! timeout ends in an error, so the handler reading it stops (an unfinished chunk is
//! discarded, whole ones are kept) and the connection is freed for others.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use std::time::Duration;

/// Wraps the request's body so that a wait of more than `idle` for its next bytes
/// ends it with an error.
pub async fn cut_idle_bodies(
    State(idle): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let frames = body.into_data_stream();
    let guarded = futures::stream::unfold(Some(frames), move |frames| async move {
        let mut frames = frames?;
        match tokio::time::timeout(idle, frames.next()).await {
            Ok(Some(Ok(frame))) => Some((Ok(frame), Some(frames))),
            Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e)), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no bytes arrived for {} s; send the body without pausing",
                        idle.as_secs()
                    ),
                )),
                None,
            )),
        }
    });
    next.run(Request::from_parts(parts, Body::from_stream(guarded)))
        .await
}
