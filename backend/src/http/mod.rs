//! The HTTP surface: the `/api/v1` JSON API, the form posts of the log-in pages, and
//! the Leptos pages rendered on the server. The only module that knows axum, status
//! codes or JSON; handlers parse, call `core`, and map the result.

mod api;
mod convert;
pub mod error;
pub mod extract;
mod openapi;
mod origin;
mod pages;
mod range;
mod shares;
mod slow_clients;
mod sync;
mod tree;

pub use api::MAX_ZIP_IDS;
pub use sync::POLL_MAX_SECS;

use crate::core::Core;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{header, HeaderValue};
use axum::routing::{get, post, put};
use axum::Router;
use frontend::app::{shell, App};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

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

/// The Content-Security-Policy of API answers (a downloaded file opened in the
/// browser included): nothing may run.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Sets the Content-Security-Policy of a page being rendered: only this origin's
/// scripts and the page's own inline hydration script (by its per-request nonce),
/// WASM compilation, workers from this origin, and no framing.
fn set_page_csp() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        &*nonce
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Lets a page set its response's status once its data is known.
fn page_status() -> frontend::ssr::PageStatus {
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    frontend::ssr::PageStatus(Arc::new(move |code| {
        if let (Some(response), Ok(status)) = (&response, axum::http::StatusCode::from_u16(code)) {
            response.set_status(status);
        }
    }))
}

fn api_router(bench_endpoints: bool) -> Router<AppState> {
    let router = if bench_endpoints {
        Router::new().route("/bench/discard", put(api::bench_discard))
    } else {
        Router::new()
    };
    router
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/config", get(api::get_config))
        .route("/auth/signup", post(api::auth_signup))
        .route("/auth/login", post(api::auth_login))
        .route("/auth/logout", post(api::auth_logout))
        .route("/me", get(api::me))
        .route("/tokens", get(api::tokens_list).post(api::tokens_create))
        .route(
            "/tokens/{token_id}",
            axum::routing::delete(api::tokens_delete),
        )
        .route("/files", get(api::files_list).post(api::files_upload_small))
        .route(
            "/files/{file_id}",
            get(api::files_get).delete(tree::files_delete),
        )
        .route("/files/{file_id}/move", post(tree::files_move))
        .route("/files/{file_id}/copy", post(tree::files_copy))
        .route("/files/{file_id}/versions", get(tree::versions_list))
        .route(
            "/files/{file_id}/versions/{rev}/content",
            get(tree::versions_content),
        )
        .route(
            "/files/{file_id}/versions/{rev}/restore",
            post(tree::versions_restore),
        )
        .route("/trash", get(tree::trash_list).delete(tree::trash_empty))
        .route("/trash/{file_id}", axum::routing::delete(tree::trash_purge))
        .route("/trash/{file_id}/restore", post(tree::trash_restore))
        .route("/search", get(tree::search))
        .route("/sync/delta", get(tree::sync_delta))
        .route("/notifications/longpoll", get(sync::notifications_longpoll))
        .route("/notifications/stream", get(sync::notifications_stream))
        .route("/files/{file_id}/content", get(api::files_content))
        .route("/zip", get(api::files_zip))
        .route("/folders", post(api::folders_create))
        .route("/files/upload/init", post(api::upload_init))
        .route(
            "/files/upload/{upload_id}",
            get(api::upload_status).delete(api::upload_cancel),
        )
        .route(
            "/files/upload/{upload_id}/chunks",
            post(api::upload_announce).put(api::upload_put_packed),
        )
        .route(
            "/files/upload/{upload_id}/chunks/{index}",
            put(api::upload_put_chunk),
        )
        .route(
            "/files/upload/{upload_id}/complete",
            post(api::upload_complete),
        )
        .route(
            "/shares",
            get(shares::shares_list).post(shares::shares_create),
        )
        .route(
            "/shares/{share_id}",
            axum::routing::patch(shares::shares_update).delete(shares::shares_delete),
        )
        .route("/s/{token}", get(shares::link_show))
        .route("/s/{token}/unlock", post(shares::link_unlock))
        .route("/s/{token}/content", get(shares::link_content_root))
        .route("/s/{token}/content/{*path}", get(shares::link_content_path))
        .route("/s/{token}/config", get(shares::link_config))
        .route("/s/{token}/files", post(shares::link_upload_small))
        .route(
            "/s/{token}/files/upload/init",
            post(shares::link_upload_init),
        )
        .route(
            "/s/{token}/files/upload/{upload_id}",
            get(shares::link_upload_status).delete(shares::link_upload_cancel),
        )
        .route(
            "/s/{token}/files/upload/{upload_id}/chunks",
            post(shares::link_upload_announce).put(shares::link_upload_put_packed),
        )
        .route(
            "/s/{token}/files/upload/{upload_id}/chunks/{index}",
            put(shares::link_upload_put_chunk),
        )
        .route(
            "/s/{token}/files/upload/{upload_id}/complete",
            post(shares::link_upload_complete),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let page_data = pages::page_data_handle(state.core.clone());
    let options = state.leptos_options.clone();
    let body_limit = usize::try_from(state.core.limits().max_request_bytes).unwrap_or(usize::MAX);
    Router::new()
        .nest(
            "/api/v1",
            api_router(state.bench_endpoints).layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(API_CSP),
            )),
        )
        // The bare API prefix is no page: answer it in the API's error shape.
        .route("/api/v1/", axum::routing::any(api::not_found))
        .route("/", get(pages::home))
        .route("/login", post(pages::login_form))
        .route("/signup", post(pages::signup_form))
        .route("/logout", post(pages::logout_form))
        .route("/s/{token}", post(shares::link_form))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(page_data.clone());
                provide_context(page_status());
                set_page_csp();
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(shares::link_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shares::limit_link_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.body_idle_timeout,
            slow_clients::cut_idle_bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::same_origin_writes,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}
