//! The browser's `/api/v1` client: `fetch` with JSON bodies, session cookie included.
//!
//! Every failure comes back as an [`ErrorBody`] whose message a person can act on:
//! the server's own when it sent one, otherwise one that names the request.

use crate::api::types::{ErrorBody, ErrorDetail};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

fn client_error(code: &str, message: String) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
        },
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Sends a request and returns the response whatever its status; an error only when
/// no response arrived (network down, server unreachable).
pub async fn send(
    method: &str,
    url: &str,
    body: Option<&JsValue>,
    content_type: Option<&str>,
) -> Result<Response, ErrorBody> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    if let Some(body) = body {
        init.set_body(body);
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(|e| {
        client_error(
            "bad-request",
            format!("cannot build request: {}", js_message(&e)),
        )
    })?;
    if let Some(content_type) = content_type {
        let _ = request.headers().set("Content-Type", content_type);
    }
    let window = web_sys::window().ok_or_else(|| {
        client_error(
            "no-window",
            "no browser window to send requests from".into(),
        )
    })?;
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|e| {
            client_error(
                "network",
                format!(
                    "could not reach the server ({}); check your connection and try again",
                    js_message(&e)
                ),
            )
        })?;
    response
        .dyn_into::<Response>()
        .map_err(|_| client_error("network", "the browser returned no response".into()))
}

/// Reads a response body as text.
pub async fn text(response: &Response) -> Result<String, ErrorBody> {
    let promise = response.text().map_err(|e| {
        client_error(
            "network",
            format!("cannot read the answer: {}", js_message(&e)),
        )
    })?;
    let value = JsFuture::from(promise).await.map_err(|e| {
        client_error(
            "network",
            format!(
                "the connection broke while reading the answer: {}",
                js_message(&e)
            ),
        )
    })?;
    Ok(value.as_string().unwrap_or_default())
}

/// Decodes a JSON answer, or the server's error body for a non-2xx status.
pub async fn decode<T: DeserializeOwned>(url: &str, response: Response) -> Result<T, ErrorBody> {
    let status = response.status();
    let body = text(&response).await?;
    if (200..300).contains(&status) {
        serde_json::from_str(&body).map_err(|e| {
            client_error(
                "bad-response",
                format!("unexpected answer from {url}: {e}; reload the page and try again"),
            )
        })
    } else {
        Err(
            serde_json::from_str::<ErrorBody>(&body).unwrap_or_else(|_| {
                client_error(
                    "http-error",
                    format!("{url} answered with status {status}; try again later"),
                )
            }),
        )
    }
}

/// `GET url` → JSON.
pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ErrorBody> {
    let response = send("GET", url, None, None).await?;
    decode(url, response).await
}

/// `method url` with a JSON body → JSON.
pub async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, ErrorBody> {
    let json = serde_json::to_string(body)
        .map_err(|e| client_error("bad-request", format!("cannot encode request: {e}")))?;
    let response = send(
        method,
        url,
        Some(&JsValue::from_str(&json)),
        Some("application/json"),
    )
    .await?;
    decode(url, response).await
}
