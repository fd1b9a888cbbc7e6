//! The upload's requests: `fetch` with an abort signal, error answers read as a
//! [`Failure`], and retries (when and how long, as `retry` decides) that wait for
//! the browser to be online again. Browser glue only.

use super::control::Control;
use super::retry::{classify, Failure, Next, Retries, OFFLINE_NOTICE};
use super::session::RunState;
use crate::api::client;
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

/// Runs `attempt` until it succeeds or fails for a reason a retry cannot fix. A
/// transient failure never ends the upload: it waits (for the network, when the
/// browser is offline) and tries again, saying so in the panel.
pub async fn with_retry<'a, T>(
    control: &Rc<Control>,
    progress: &ArcRwSignal<UploadProgress>,
    mut attempt: impl FnMut() -> LocalBoxFuture<'a, Result<T, Failure>>,
) -> Result<T, Failure> {
    let mut retries = Retries::default();
    loop {
        let failure = match attempt().await {
            Ok(value) => {
                if retries.clears_trouble() {
                    progress.update(|p| p.trouble = None);
                }
                return Ok(value);
            }
            Err(failure) => failure,
        };
        let running = control.state() == RunState::Running;
        match retries.after_failure(failure, running, is_online(), js_sys::Math::random) {
            Next::GiveUp(failure) => return Err(failure),
            Next::AwaitOnline => {
                progress.update(|p| p.trouble = Some(OFFLINE_NOTICE.into()));
                wait_or_stop(control, wait_online()).await?;
            }
            Next::Sleep { delay_ms, notice } => {
                progress.update(|p| p.trouble = Some(notice));
                wait_or_stop(control, sleep(delay_ms)).await?;
            }
        }
    }
}
