//! Live updates: the file browser follows the user's change stream
//! (`GET /api/v1/notifications/stream`, server-sent events) and refreshes its
//! listing when the tree changes, whichever tab or device changed it.
//!
//! The browser's `EventSource` reconnects by itself after a lost network or a sleep,
//! sending the last event id it saw, so the server replays what happened meanwhile;
//! each (re)connection also refreshes once, which covers the moment between the
//! page's rendering and the stream's start. Bursts of changes (a folder upload) are
//! coalesced into one refresh.

use crate::api::types::DeltaEntry;
use crate::pages::activity::{Activity, FeedItem};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::EventSource;

/// How long a refresh waits for more changes to arrive with it.
const COALESCE: Duration = Duration::from_millis(100);

/// Where this browser keeps the cursor of the newest change the user has seen in
/// the activity feed (in `localStorage`).
const SEEN_KEY: &str = "cairn.activity.seen";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Remembers `cursor` as the newest change the user has seen.
pub fn remember_seen(cursor: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(SEEN_KEY, cursor);
    }
}

/// Calls `refresh` (coalesced) whenever the user's tree changes, and adds each
/// change to `activity`, for as long as the calling component lives. The stream
/// starts after the newest change the user has seen in the feed, so what happened
/// while they were away arrives first, as unread. Marks `<body data-live="connected">`
/// while the stream is open, for scripts and tests.
pub fn follow_changes(refresh: Callback<()>, activity: Activity) {
    let url = match local_storage().and_then(|s| s.get_item(SEEN_KEY).ok().flatten()) {
        Some(seen) => format!(
            "/api/v1/notifications/stream?cursor={}",
            crate::format::percent_encode(&seen)
        ),
        None => "/api/v1/notifications/stream".to_string(),
    };
    let Ok(source) = EventSource::new(&url) else {
        leptos::logging::warn!("live updates are off: this browser cannot open an event stream");
        return;
    };
    let pending = Rc::new(Cell::new(false));
    let schedule = move || {
        if pending.replace(true) {
            return;
        }
        let pending = Rc::clone(&pending);
        set_timeout(
            move || {
                pending.set(false);
                refresh.run(());
            },
            COALESCE,
        );
    };
    let on_change = {
        let schedule = schedule.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(message) = event.dyn_ref::<web_sys::MessageEvent>() {
                let entry = message
                    .data()
                    .as_string()
                    .and_then(|data| serde_json::from_str::<DeltaEntry>(&data).ok());
                if let Some(entry) = entry {
                    activity.push(FeedItem {
                        cursor: message.last_event_id(),
                        entry,
                    });
                }
            }
            schedule()
        })
    };
    let on_refresh = {
        let schedule = schedule.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| schedule())
    };
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        mark_live(true);
        schedule();
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| mark_live(false));
    for (event, handler) in [
        ("change", &on_change),
        ("resync", &on_refresh),
        // A change inside, or of, what other users share with this one.
        ("shared", &on_refresh),
        ("open", &on_open),
        ("error", &on_error),
    ] {
        let _ = source.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    }
    let held = SendWrapper::new((source, on_change, on_refresh, on_open, on_error));
    on_cleanup(move || {
        let (source, ..) = &*held;
        source.close();
        mark_live(false);
        drop(held);
    });
}

fn mark_live(connected: bool) {
    if let Some(body) = document().body() {
        let _ = if connected {
            body.set_attribute("data-live", "connected")
        } else {
            body.remove_attribute("data-live")
        };
    }
}
