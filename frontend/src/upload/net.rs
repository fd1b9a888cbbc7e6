//! The upload's requests: `fetch` with an abort signal, errors sorted into what a
//! retry can fix and what it cannot, and retries with exponential back-off and
//! jitter that wait for the browser to be online again.

use super::control::{Control, RunState};
use crate::api::client;
use crate::api::types::ErrorBody;
use crate::pages::upload_panel::UploadProgress;
use futures::future::{select, Either, LocalBoxFuture};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use std::rc::Rc;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

#[wasm_bindgen(module = "/src/upload/browser.js")]
extern "C" {
    fn sleep(ms: f64) -> js_sys::Promise;
    #[wasm_bindgen(js_name = isOnline)]
    fn is_online() -> bool;
    #[wasm_bindgen(js_name = waitOnline)]
    fn wait_online() -> js_sys::Promise;
}

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

fn classify(status: u16, body: ErrorBody) -> Failure {
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

/// Sends one request, abortable through `control`, and decodes its JSON answer.
pub async fn call<T: DeserializeOwned>(
    control: &Rc<Control>,
    method: &str,
    url: &str,
    body: Option<&JsValue>,
    content_type: Option<&str>,
) -> Result<T, Failure> {
    let guard = control.abort_guard().ok_or(Failure::Aborted)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    init.set_signal(Some(&guard.signal()));
    if let Some(body) = body {
        init.set_body(body);
    }
    let request = Request::new_with_str_and_init(url, &init)
        .map_err(|_| Failure::Fatal(format!("this browser cannot build a request to {url}")))?;
    if let Some(content_type) = content_type {
        let _ = request.headers().set("Content-Type", content_type);
    }
    let window = web_sys::window()
        .ok_or_else(|| Failure::Fatal("no browser window to send requests from".into()))?;
    let aborted = || guard.signal().aborted();
    let response = match JsFuture::from(window.fetch_with_request(&request)).await {
        Ok(response) => response,
        Err(_) if aborted() => return Err(Failure::Aborted),
        Err(_) => {
            return Err(Failure::Transient(
                "could not reach the server; check your connection".into(),
            ))
        }
    };
    let response: Response = response
        .dyn_into()
        .map_err(|_| Failure::Transient("the browser returned no response".into()))?;
    let status = response.status();
    match client::decode::<T>(url, response).await {
        Ok(value) => Ok(value),
        Err(_) if aborted() => Err(Failure::Aborted),
        Err(body) => Err(classify(status, body)),
    }
}

/// Waits `ms`, or less if the upload is paused or cancelled meanwhile.
async fn wait_or_stop(control: &Control, wait: js_sys::Promise) -> Result<(), Failure> {
    let changed = control.changed();
    match select(JsFuture::from(wait), changed).await {
        Either::Left(_) if control.state() == RunState::Running => Ok(()),
        _ => Err(Failure::Aborted),
    }
}

/// The back-off before retry number `attempt` (from 1): exponential from half a
/// second up to 30 s, with "equal jitter" so that many uploads do not retry in step.
fn backoff_ms(attempt: u32) -> f64 {
    let ceiling = (500.0 * 2f64.powi(attempt.saturating_sub(1).min(6) as i32)).min(30_000.0);
    ceiling / 2.0 + js_sys::Math::random() * ceiling / 2.0
}

/// Runs `attempt` until it succeeds or fails for a reason a retry cannot fix. A
/// transient failure never ends the upload: it waits (for the network, when the
/// browser is offline) and tries again, saying so in the panel.
pub async fn with_retry<'a, T>(
    control: &Rc<Control>,
    progress: &ArcRwSignal<UploadProgress>,
    mut attempt: impl FnMut() -> LocalBoxFuture<'a, Result<T, Failure>>,
) -> Result<T, Failure> {
    let mut failures = 0u32;
    loop {
        match attempt().await {
            Err(Failure::Transient(message)) => {
                if control.state() != RunState::Running {
                    return Err(Failure::Aborted);
                }
                failures += 1;
                if !is_online() {
                    progress.update(|p| {
                        p.trouble = Some("offline: waiting for the network to come back".into())
                    });
                    wait_or_stop(control, wait_online()).await?;
                } else {
                    let delay = backoff_ms(failures);
                    progress.update(|p| {
                        p.trouble = Some(format!(
                            "{message}; retrying in {:.0} s",
                            (delay / 1000.0).ceil()
                        ))
                    });
                    wait_or_stop(control, sleep(delay)).await?;
                }
            }
            other => {
                if failures > 0 && other.is_ok() {
                    progress.update(|p| p.trouble = None);
                }
                return other;
            }
        }
    }
}
