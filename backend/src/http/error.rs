//! `ApiError`: the one mapping from domain errors to HTTP answers, always in the shape
//! `{"error": {"code": "...", "message": "..."}}` with a stable kebab-case code; and
//! the middleware that logs a server fault's cause with the request it answered. A
//! leaf: it names no other module of the HTTP layer.

use crate::domain::Error;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{ErrorBody, ErrorDetail};
use std::sync::{Arc, OnceLock};

/// A domain error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

/// The status and stable code of an error.
pub fn status_and_code(error: &Error) -> (StatusCode, &'static str) {
    match error {
        Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid-credentials"),
        Error::InvalidUsername => (StatusCode::BAD_REQUEST, "invalid-username"),
        Error::WeakPassword => (StatusCode::BAD_REQUEST, "weak-password"),
        Error::UsernameTaken(_) => (StatusCode::CONFLICT, "username-taken"),
        Error::Path(_) => (StatusCode::BAD_REQUEST, "invalid-path"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
        Error::AlreadyExists(_) => (StatusCode::CONFLICT, "already-exists"),
        Error::NotAFolder(_) => (StatusCode::CONFLICT, "not-a-folder"),
        Error::IsAFolder(_) => (StatusCode::CONFLICT, "is-a-folder"),
        Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
        Error::UploadNotFound(_) => (StatusCode::NOT_FOUND, "upload-not-found"),
        Error::UploadExpired(_) => (StatusCode::GONE, "upload-expired"),
        Error::ChunkHashMismatch { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "chunk-hash-mismatch")
        }
        Error::ChunkSizeMismatch { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "chunk-size-mismatch")
        }
        Error::ChunksMissing { .. } => (StatusCode::CONFLICT, "chunks-missing"),
        Error::ChunkBusy(_) => (StatusCode::SERVICE_UNAVAILABLE, "chunk-busy"),
        Error::ContentHashMismatch { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "content-hash-mismatch")
        }
        Error::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        Error::QuotaExceeded { .. } | Error::RecipientFull => {
            (StatusCode::INSUFFICIENT_STORAGE, "quota-exceeded")
        }
        Error::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
        Error::TooManyUploads { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-uploads"),
        Error::TooManyEntries { .. } => (StatusCode::INSUFFICIENT_STORAGE, "too-many-entries"),
        Error::TooManyAtOnce { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-at-once"),
        Error::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"),
        Error::RangeNotSatisfiable { .. } => {
            (StatusCode::RANGE_NOT_SATISFIABLE, "range-not-satisfiable")
        }
        Error::LinkNotFound => (StatusCode::NOT_FOUND, "link-not-found"),
        Error::LinkExpired => (StatusCode::GONE, "link-expired"),
        Error::LinkPasswordRequired => (StatusCode::UNAUTHORIZED, "link-password-required"),
        Error::WrongLinkPassword => (StatusCode::UNAUTHORIZED, "wrong-link-password"),
        Error::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts"),
        Error::TooManySignups { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-signups"),
        Error::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "server-busy"),
        Error::PasswordTooLong { .. } => (StatusCode::BAD_REQUEST, "password-too-long"),
        Error::CrossOrigin(_) => (StatusCode::FORBIDDEN, "cross-origin-request"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// The body for an error; a fault of ours gets a generic message.
pub fn error_body(error: &Error) -> ErrorBody {
    let (_, code) = status_and_code(error);
    let message = match error {
        Error::Internal(_) => {
            "something went wrong on the server; try again, and tell the administrator if it persists"
                .to_string()
        }
        other => other.to_string(),
    };
    ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = status_and_code(&self.0);
        let mut response = (status, Json(error_body(&self.0))).into_response();
        if let Error::Internal(cause) = &self.0 {
            // Logged by `log_faults`, which knows the request; clients never see it.
            response.extensions_mut().insert(FaultCause(cause.clone()));
        }
        let retry_after_secs = match &self.0 {
            Error::TooManyAttempts { retry_after_secs }
            | Error::TooManySignups { retry_after_secs }
            | Error::Busy { retry_after_secs }
            | Error::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            Error::ChunkBusy(_) => Some(1),
            Error::TooManyAtOnce { .. } => Some(5),
            _ => None,
        };
        if let Some(secs) = retry_after_secs {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// The cause of a server fault, carried on its answer to [`log_faults`].
#[derive(Clone)]
struct FaultCause(String);

/// Who a request acts as, once an extractor has authenticated it: for the log line
/// of a fault. The middleware puts an empty one on each request.
#[derive(Clone, Default)]
pub struct RequestActor(Arc<OnceLock<String>>);

impl RequestActor {
    /// Records who the request acts as (the first record stands).
    pub fn record(&self, actor: String) {
        let _ = self.0.set(actor);
    }
}

/// Logs the cause of every server fault answered, once, with the request's method
/// and path and, when it authenticated, the user it acted as.
pub async fn log_faults(mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let actor = RequestActor::default();
    request.extensions_mut().insert(actor.clone());
    let mut response = next.run(request).await;
    if let Some(FaultCause(cause)) = response.extensions_mut().remove::<FaultCause>() {
        let actor = actor.0.get().map(String::as_str).unwrap_or("-");
        tracing::error!(%method, %path, %actor, %cause, "internal error");
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use std::sync::Mutex;
    use tower::ServiceExt;

    /// What the log received.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_fault_is_logged_once_with_its_request_and_never_sent() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route(
                "/boom",
                get(|| async { ApiError(Error::Internal("disk on fire".into())) }),
            )
            .layer(axum::middleware::from_fn(log_faults));
        let request = Request::builder()
            .uri("/boom?x=1")
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.extensions().get::<FaultCause>().is_none());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("disk on fire"));
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.matches("internal error").count(), 1, "{log}");
        for part in ["method=GET", "path=/boom", "actor=-", "cause=disk on fire"] {
            assert!(log.contains(part), "{part} is not in {log:?}");
        }
    }
}
