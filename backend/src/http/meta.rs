//! The API's own endpoints: what clients need before uploading, the answers to
//! unknown paths and methods, and the benchmark body sink.

use super::convert::server_config;
use super::error::ApiError;
use super::extract::AuthUser;
use super::state::AppState;
use crate::domain::Error;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::ServerConfig;

type ApiResult<T> = Result<T, ApiError>;

/// Unknown `/api/v1` paths.
pub async fn not_found() -> ApiError {
    ApiError(Error::NotFound(
        "no such API endpoint; check the path, which starts with /api/v1/".into(),
    ))
}

/// A known `/api/v1` path called with a method it does not take.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let body = frontend::api::types::ErrorBody {
        error: frontend::api::types::ErrorDetail {
            code: "method-not-allowed".into(),
            message: format!(
                "{method} is not supported on {}; check the method for this path",
                uri.path()
            ),
        },
    };
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

/// `GET /config`.
#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "config",
    summary = "What every client needs before uploading",
    description = "Public. Clients must cut chunks with these parameters so that deduplication works across devices.",
    responses(
        (status = 200, description = "Chunking parameters and request limits.", body = ServerConfig),
    ),
)]
pub async fn get_config(State(state): State<AppState>) -> Json<ServerConfig> {
    Json(server_config(state.core.limits()))
}

/// `PUT /bench/discard` (only with `CAIRN_BENCH_ENDPOINTS=1`): reads the whole body
/// and drops it; the baseline that upload benchmarks compare with.
pub async fn bench_discard(
    AuthUser(_): AuthUser,
    body: Body,
) -> ApiResult<Json<serde_json::Value>> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = 0u64;
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| Error::BadRequest(format!("the body broke off: {e}")))?;
        bytes += piece.len() as u64;
    }
    Ok(Json(serde_json::json!({ "bytes": bytes })))
}
