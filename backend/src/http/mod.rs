//! The HTTP surface: the `/api/v1` JSON API, the form posts of the log-in pages, and
//! the Leptos pages rendered on the server. The only module that knows axum, status
//! codes or JSON; handlers parse, call `core`, and map the result.
//!
//! The handler modules (`meta`, `auth`, `tokens`, `files`, `tree`, `uploads`,
//! `shares`, `links`, `link_pages`, `sync`, `pages`) stand on leaf modules that name
//! no handler module: `state`, `error`, `extract`, `cookies`, `content`, `convert`,
//! `range`, `link_view`, `upload_wire`, `wire_schemas`, `doc_rows`, `doc_modifiers`, and the
//! middlewares `origin` and `slow_clients`. No handler module imports another, no
//! module imports one that imports it back, and `openapi` imports the handlers while
//! nothing imports it.

mod auth;
mod content;
mod convert;
mod cookies;
mod doc_modifiers;
mod doc_rows;
pub mod error;
pub mod extract;
mod files;
mod link_pages;
mod link_view;
mod links;
mod meta;
mod openapi;
mod origin;
mod pages;
mod range;
mod shares;
mod slow_clients;
mod state;
mod sync;
mod tokens;
mod tree;
mod upload_wire;
mod uploads;
mod wire_schemas;

pub use files::MAX_ZIP_IDS;
pub use state::AppState;
pub use sync::POLL_MAX_SECS;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;
use frontend::app::{shell, App};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

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

/// The `/api/v1` routes as they are added, each recorded with its method, so that
/// the OpenAPI document can be checked against what the router serves.
struct ApiRoutes {
    router: Router<AppState>,
    listed: Vec<(Method, String)>,
}

impl ApiRoutes {
    fn new() -> ApiRoutes {
        ApiRoutes {
            router: Router::new(),
            listed: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.listed.push((method, path.to_string()));
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(Method::GET, path, get(handler))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(Method::POST, path, post(handler))
    }

    fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(Method::PUT, path, put(handler))
    }

    fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(Method::PATCH, path, patch(handler))
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.add(Method::DELETE, path, delete(handler))
    }
}

/// Every `/api/v1` route, relative to that prefix. The resumable upload routes are
/// served twice by the same handlers: for users, and under a link's token.
fn api_routes(bench_endpoints: bool) -> ApiRoutes {
    let routes = if bench_endpoints {
        ApiRoutes::new().put("/bench/discard", meta::bench_discard)
    } else {
        ApiRoutes::new()
    };
    let routes = routes
        .get("/openapi.json", openapi::openapi_json)
        .get("/config", meta::get_config)
        .post("/auth/signup", auth::auth_signup)
        .post("/auth/login", auth::auth_login)
        .post("/auth/logout", auth::auth_logout)
        .get("/me", auth::me)
        .get("/tokens", tokens::tokens_list)
        .post("/tokens", tokens::tokens_create)
        .delete("/tokens/{token_id}", tokens::tokens_delete)
        .get("/files", files::files_list)
        .post("/files", uploads::files_upload_small)
        .get("/files/{file_id}", files::files_get)
        .delete("/files/{file_id}", tree::files_delete)
        .post("/files/{file_id}/move", tree::files_move)
        .post("/files/{file_id}/copy", tree::files_copy)
        .get("/files/{file_id}/versions", tree::versions_list)
        .get(
            "/files/{file_id}/versions/{rev}/content",
            tree::versions_content,
        )
        .post(
            "/files/{file_id}/versions/{rev}/restore",
            tree::versions_restore,
        )
        .get("/trash", tree::trash_list)
        .delete("/trash", tree::trash_empty)
        .delete("/trash/{file_id}", tree::trash_purge)
        .post("/trash/{file_id}/restore", tree::trash_restore)
        .get("/search", tree::search)
        .get("/sync/delta", tree::sync_delta)
        .get("/notifications/longpoll", sync::notifications_longpoll)
        .get("/notifications/stream", sync::notifications_stream)
        .get("/files/{file_id}/content", files::files_content)
        .get("/zip", files::files_zip)
        .post("/folders", files::folders_create)
        .get("/shares", shares::shares_list)
        .post("/shares", shares::shares_create)
        .patch("/shares/{share_id}", shares::shares_update)
        .delete("/shares/{share_id}", shares::shares_delete)
        .get("/s/{token}", links::link_show)
        .post("/s/{token}/unlock", links::link_unlock)
        .get("/s/{token}/content", links::link_content_root)
        .get("/s/{token}/content/{*path}", links::link_content_path)
        .get("/s/{token}/config", links::link_config)
        .post("/s/{token}/files", links::link_upload_small);
    ["", "/s/{token}"].into_iter().fold(routes, upload_routes)
}

/// The resumable upload routes under `prefix` (none, or a link's).
fn upload_routes(routes: ApiRoutes, prefix: &str) -> ApiRoutes {
    let at = |path: &str| format!("{prefix}{path}");
    routes
        .post(&at("/files/upload/init"), uploads::upload_init)
        .get(&at("/files/upload/{upload_id}"), uploads::upload_status)
        .delete(&at("/files/upload/{upload_id}"), uploads::upload_cancel)
        .post(
            &at("/files/upload/{upload_id}/chunks"),
            uploads::upload_announce,
        )
        .put(
            &at("/files/upload/{upload_id}/chunks"),
            uploads::upload_put_packed,
        )
        .put(
            &at("/files/upload/{upload_id}/chunks/{index}"),
            uploads::upload_put_chunk,
        )
        .post(
            &at("/files/upload/{upload_id}/complete"),
            uploads::upload_complete,
        )
}

fn api_router(bench_endpoints: bool) -> Router<AppState> {
    api_routes(bench_endpoints)
        .router
        .fallback(meta::not_found)
        .method_not_allowed_fallback(meta::method_not_allowed)
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
        .route("/api/v1/", axum::routing::any(meta::not_found))
        .route("/", get(pages::home))
        .route("/login", post(pages::login_form))
        .route("/signup", post(pages::signup_form))
        .route("/logout", post(pages::logout_form))
        .route("/s/{token}", post(link_pages::link_form))
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
        .layer(axum::middleware::from_fn(link_pages::link_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            link_pages::limit_link_requests,
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
        // Outside every other layer, so that a fault any of them answers is logged.
        .layer(axum::middleware::from_fn(error::log_faults))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{api_routes, openapi};
    use crate::core::Limits;
    use std::collections::BTreeSet;

    /// The methods an OpenAPI path item may hold.
    const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

    /// A route as the document names it: under `/api/v1`, and a catch-all `{*name}`
    /// as a plain parameter `{name}`, which is how OpenAPI writes one.
    fn documented(route: &str) -> String {
        format!("/api/v1{}", route.replace("{*", "{"))
    }

    /// The document and the router agree, route for route and method for method. The
    /// routes compared are every route `api_router` serves; by rule, the benchmark
    /// sink (served only with `CAIRN_BENCH_ENDPOINTS`, and no part of the contract),
    /// the fallbacks, and the pages and forms outside `/api/v1` are not documented.
    #[test]
    fn the_document_describes_every_route_the_api_serves() {
        let served: BTreeSet<(String, String)> = api_routes(false)
            .listed
            .iter()
            .map(|(method, path)| (method.as_str().to_lowercase(), documented(path)))
            .collect();
        let doc = serde_json::to_value(openapi::document(&Limits::default())).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented_routes = BTreeSet::new();
        for (path, item) in paths {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                documented_routes.insert((method.to_string(), path.clone()));
            }
        }
        let undocumented: Vec<_> = served.difference(&documented_routes).collect();
        let not_served: Vec<_> = documented_routes.difference(&served).collect();
        assert!(
            undocumented.is_empty() && not_served.is_empty(),
            "served but not documented: {undocumented:?}; documented but not served: {not_served:?}"
        );
        assert!(served.len() > 50, "only {} routes recorded", served.len());
    }
}
