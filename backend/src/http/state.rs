//! `AppState`: what every handler and middleware can reach. A leaf: it names no
//! other module of the HTTP layer.

use crate::core::Core;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub core: Arc<Core>,
    /// Leptos' settings (site directory, bundle name).
    pub leptos_options: LeptosOptions,
    /// Whether the benchmark body sink is served.
    pub bench_endpoints: bool,
    /// How long a request body may go without a byte before it is cut.
    pub body_idle_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[crate::domain::IpNetwork]>,
    /// The origin browsers reach Cairn at, when configured; else each request's
    /// `Host`.
    pub public_origin: Option<String>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}
