//! Cairn's web app: Leptos pages rendered on the server (feature `ssr`) and hydrated
//! in the browser (feature `hydrate`), plus the `/api/v1` wire types both sides share.
//!
//! The frontend never depends on the backend: whatever server-side rendering needs
//! from the server, it asks through the [`ssr::PageData`] trait, which the backend
//! implements and provides through Leptos context.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod format;
#[cfg(feature = "hydrate")]
mod live;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
mod upload;

/// The browser's entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells tests and scripts that event handlers are attached from here on.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
