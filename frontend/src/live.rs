//! Live updates: the file browser follows the user's change stream
//! (`GET /api/v1/notifications/stream`, server-sent events) and refreshes its
//! listing when the tree changes, whichever tab or device changed it.
//!
//! The browser's `EventSource` reconnects by itself after a lost network or a sleep,
//! sending the last event id it saw, so the server replays what happened meanwhile;
//! each (re)connection also refreshes once, which covers the moment between the
//! page's rendering and the stream's start. Bursts of changes (a folder upload) are
//! coalesced into one refresh.

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

/// Calls `refresh` (coalesced) whenever the user's tree changes, for as long as the
/// calling component lives. Marks `<body data-live="connected">` while the stream
/// is open, for scripts and tests.
pub fn follow_changes(refresh: Callback<()>) {
    let Ok(source) = EventSource::new("/api/v1/notifications/stream") else {
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
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| schedule())
    };
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        mark_live(true);
        schedule();
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| mark_live(false));
    for (event, handler) in [
        ("change", &on_change),
        ("resync", &on_change),
        ("open", &on_open),
        ("error", &on_error),
    ] {
        let _ = source.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    }
    let held = SendWrapper::new((source, on_change, on_open, on_error));
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
