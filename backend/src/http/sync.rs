//! Live sync: the server-sent event stream of journal entries, and the long-poll for
//! clients without event streams.

use super::convert::{decode_cursor, delta_entry, encode_cursor};
use super::doc_rows::{TooManyAtOnce, Unauthenticated};
use super::error::ApiError;
use super::extract::{presented_secret, ApiQuery, AuthUser};
use super::state::AppState;
use super::wire_schemas::NotificationEvent;
use crate::core::StreamItem;
use crate::domain::Error;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{ErrorBody, LongPoll, Resync};
use futures::stream::StreamExt;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// How often an idle stream sends a comment line, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// A long-poll's wait when the client names none, in seconds.
const POLL_DEFAULT_SECS: u64 = 30;
/// The longest wait a long-poll accepts, in seconds.
pub const POLL_MAX_SECS: u64 = 120;

#[derive(Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    cursor: Option<String>,
}

/// One item of a change stream as an event.
fn event_of(item: StreamItem) -> Result<Event, Error> {
    match item {
        StreamItem::Change(change) => {
            let id = encode_cursor(change.seq);
            let data = serde_json::to_string(&delta_entry(change)?)
                .map_err(|e| Error::Internal(format!("cannot encode a change: {e}")))?;
            Ok(Event::default().event("change").id(id).data(data))
        }
        StreamItem::Resync { cursor } => {
            let resync = Resync {
                cursor: encode_cursor(cursor),
                message: "the cursor is unknown or too far behind: list again with \
                          /api/v1/sync/delta without a cursor; this stream goes on from here"
                    .into(),
            };
            let data = serde_json::to_string(&resync)
                .map_err(|e| Error::Internal(format!("cannot encode a resync: {e}")))?;
            Ok(Event::default()
                .event("resync")
                .id(resync.cursor)
                .data(data))
        }
        StreamItem::Shared(change) => {
            let data = match change {
                Some(change) => serde_json::to_string(&delta_entry(change)?)
                    .map_err(|e| Error::Internal(format!("cannot encode a change: {e}")))?,
                None => "{}".to_string(),
            };
            // Not in the user's journal: no id, so `Last-Event-ID` stays on their own
            // changes.
            Ok(Event::default().event("shared").data(data))
        }
    }
}

/// `GET /notifications/stream`: the user's changes as server-sent events.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/stream",
    tag = "sync",
    summary = "Changes as they happen (server-sent events)",
    description = "A `text/event-stream` of the user's changes, each once and in order: \
        `event: change`, `id:` the change's cursor (as `/sync/delta` uses), `data:` the \
        change as JSON (a `DeltaEntry`). It starts after `Last-Event-ID` or, without it, \
        after `cursor`, or else at the newest change. A client whose cursor is unknown, or \
        more than 1000 changes behind, gets `event: resync` (data: `Resync`, id: the cursor \
        the stream goes on from): list again with `/sync/delta` from the beginning. Changes \
        inside what other users share with this one come as `event: shared` (data: a \
        `DeltaEntry` with the paths under `/Shared with me`, or `{}` when a share was made \
        or removed), without an id: they are not in this user's journal, so after a \
        reconnection list the shared folders again. An idle \
        stream sends a comment line every 15 s. Browsers' `EventSource` resumes by itself \
        with `Last-Event-ID`.",
    params(
        ("cursor" = Option<String>, Query, nullable = false, description = "Start after this cursor (from `/sync/delta` or an earlier event's id)."),
        ("Last-Event-ID" = Option<String>, Header, nullable = false, description = "Start after this event id; wins over `cursor`."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The event stream; it ends when the server stops, at once when its session is logged out or its token revoked on this server, and within 20 seconds when that happens on another replica or the credential expires.", body = NotificationEvent, content_type = "text/event-stream"),
        (status = 400, description = "`bad-request`: the query string is malformed (e.g. `cursor` given twice).", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 429, response = inline(TooManyAtOnce)),
    ),
)]
pub async fn notifications_stream(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    // `AuthUser` found this secret valid; the stream ends once it is not.
    let secret = presented_secret(&headers).ok_or(ApiError(Error::Unauthenticated))?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let cursor = last_event_id.or(query.cursor.as_deref()).map(decode_cursor);
    // Held by the stream for as long as it is open.
    let slot = state.core.stream_slot(&user)?;
    let items = state.core.follow(&user, cursor).await?;
    // An error reading the journal ends the stream (the client resumes from its last
    // id); its cause is logged here, the one place that sees it.
    let events = items
        .map(|item| item.and_then(event_of))
        .take_while(|event| {
            let go_on = match event {
                Ok(_) => true,
                Err(error) => {
                    tracing::error!(%error, "change stream ended by an error");
                    false
                }
            };
            std::future::ready(go_on)
        })
        .filter_map(move |event| {
            let _held = &slot;
            std::future::ready(event.ok().map(Ok::<Event, Infallible>))
        })
        .take_until(state.core.clone().revoked(secret));
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response();
    // Proxies such as nginx would otherwise hold events back in their buffers.
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LongPollQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    timeout: Option<u64>,
}

/// `GET /notifications/longpoll?cursor=&timeout=`.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/longpoll",
    tag = "sync",
    summary = "Wait for changes after a cursor",
    description = "Answers at once when changes follow the cursor (or the cursor is not \
        understood, which `/sync/delta` then reports as `reset`); else waits until a change \
        is committed or the timeout passes.",
    params(
        ("cursor" = String, Query, description = "The cursor of the last `/sync/delta` page (or of a long-poll)."),
        ("timeout" = Option<u64>, Query, nullable = false, minimum = 0, maximum = 120, description = "The longest wait, in seconds: 0 to 120, default 30."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "`changes: true` with the newest cursor: fetch them with `/sync/delta` from your cursor. `changes: false` with your cursor: nothing changed before the timeout; poll again.", body = LongPoll),
        (status = 400, description = "`bad-request`: `cursor` is missing, or `timeout` is not a whole number of seconds up to 120.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn notifications_longpoll(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<LongPollQuery>,
) -> Result<Json<LongPoll>, ApiError> {
    let secret = presented_secret(&headers).ok_or(ApiError(Error::Unauthenticated))?;
    let Some(cursor) = query.cursor.as_deref() else {
        return Err(ApiError(Error::BadRequest(
            "cursor is missing; pass the cursor of your last /api/v1/sync/delta page".into(),
        )));
    };
    let timeout = query.timeout.unwrap_or(POLL_DEFAULT_SECS);
    if timeout > POLL_MAX_SECS {
        return Err(ApiError(Error::BadRequest(format!(
            "timeout {timeout} is too long; wait at most {POLL_MAX_SECS} seconds"
        ))));
    }
    let waiting = state
        .core
        .long_poll(&user, decode_cursor(cursor), Duration::from_secs(timeout));
    // A credential revoked while waiting ends the wait.
    let outcome = tokio::select! {
        outcome = waiting => outcome?,
        () = state.core.clone().revoked(secret) => return Err(ApiError(Error::Unauthenticated)),
    };
    Ok(Json(LongPoll {
        changes: outcome.changes,
        cursor: if outcome.changes {
            encode_cursor(outcome.cursor)
        } else {
            cursor.to_string()
        },
    }))
}
