//! The server side of the web pages: the form posts of the log-in pages (so they work
//! without JavaScript), the `/` redirect, and the data server-side rendering asks for
//! through `frontend::ssr::PageData`.

use super::convert::{file_meta, share_info, user_info, version_meta};
use super::cookies::{
    clear_session_cookie, grant_from_cookie_header, session_cookie, session_from_cookie_header,
};
use super::error::error_body;
use super::extract::{presented_secret, ClientAddr};
use super::link_view::share_page;
use super::state::AppState;
use crate::core::Core;
use crate::domain::{Error, FileId, RelPath, User};
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use frontend::api::types::{
    ErrorBody, FileMeta, FolderListing, SearchResults, ShareList, SharePage, TokenInfo, TrashEntry,
    TrashListing, UserInfo, VersionMeta,
};
use frontend::format::percent_encode;
use frontend::ssr::{PageData, PageDataHandle};
use serde::Deserialize;
use std::sync::Arc;

fn see_other(location: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, value);
    }
    response
}

fn with_error(page: &str, error: &Error) -> Response {
    let message = error_body(error).error.message;
    see_other(&format!("{page}?error={}", percent_encode(&message)), None)
}

async fn current_user(core: &Core, secret: Option<String>) -> Option<User> {
    core.authenticate(&secret?).await.ok()
}

/// `GET /`: the files for a logged-in user, the log-in page for anyone else.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current_user(&state.core, presented_secret(&headers)).await {
        Some(_) => see_other("/files", None),
        None => see_other("/login", None),
    }
}

#[derive(Deserialize)]
pub struct CredentialsForm {
    username: String,
    password: String,
}

/// `POST /login` from the log-in form.
pub async fn login_form(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Form(form): Form<CredentialsForm>,
) -> Response {
    match state
        .core
        .login(&form.username, &form.password, &client)
        .await
    {
        Ok((_, secret)) => see_other(
            "/files",
            Some(session_cookie(&secret, state.core.limits().session_ttl_ms)),
        ),
        Err(error) => with_error("/login", &error),
    }
}

/// `POST /signup` from the sign-up form.
pub async fn signup_form(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Form(form): Form<CredentialsForm>,
) -> Response {
    match state
        .core
        .signup(&form.username, &form.password, &client)
        .await
    {
        Ok((_, secret)) => see_other(
            "/files",
            Some(session_cookie(&secret, state.core.limits().session_ttl_ms)),
        ),
        Err(error) => with_error("/signup", &error),
    }
}

/// `POST /logout` from the log-out button.
pub async fn logout_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = presented_secret(&headers) {
        if let Err(error) = state.core.logout(&secret).await {
            return with_error("/files", &error);
        }
    }
    see_other("/login", Some(clear_session_cookie()))
}

/// What server-side rendering reads, for the request's user.
struct CorePageData {
    core: Arc<Core>,
}

impl CorePageData {
    async fn user(&self, cookie_header: Option<String>) -> Option<User> {
        let secret = cookie_header
            .as_deref()
            .and_then(session_from_cookie_header);
        current_user(&self.core, secret).await
    }

    /// The logged-in user with their usage as stored now, for pages that show it.
    async fn user_now(&self, cookie_header: Option<String>) -> Option<User> {
        let user = self.user(cookie_header).await?;
        self.core.user_now(&user).await.ok()
    }
}

#[async_trait::async_trait]
impl PageData for CorePageData {
    async fn folder_listing(
        &self,
        cookie_header: Option<String>,
        path: String,
    ) -> Result<FolderListing, ErrorBody> {
        let Some(user) = self.user(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        let path = RelPath::parse(&path).map_err(|e| error_body(&e.into()))?;
        let (folder, shown, children) = self
            .core
            .list_folder(&user, &path)
            .await
            .map_err(|e| error_body(&e))?;
        Ok(FolderListing {
            folder: file_meta(&folder, &shown),
            entries: children
                .iter()
                .map(|(entry, entry_path)| file_meta(entry, entry_path))
                .collect(),
        })
    }

    async fn search(
        &self,
        cookie_header: Option<String>,
        query: String,
    ) -> Result<SearchResults, ErrorBody> {
        let Some(user) = self.user(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        let found = self
            .core
            .search(&user, &query)
            .await
            .map_err(|e| error_body(&e))?;
        Ok(super::convert::search_results(&found))
    }

    async fn file_details(
        &self,
        cookie_header: Option<String>,
        file_id: String,
    ) -> Result<(FileMeta, Vec<VersionMeta>), ErrorBody> {
        let Some(user) = self.user(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        // Text that cannot be an id names nothing: the page is not found.
        let id = FileId::parse(&file_id)
            .map_err(|_| error_body(&Error::NotFound(format!("file {file_id:?}"))))?;
        let (entry, path) = self
            .core
            .file_meta(&user, &id)
            .await
            .map_err(|e| error_body(&e))?;
        let versions = if entry.is_folder {
            Vec::new()
        } else {
            self.core
                .versions(&user, &id)
                .await
                .map_err(|e| error_body(&e))?
                .into_iter()
                .map(version_meta)
                .collect()
        };
        Ok((file_meta(&entry, &path), versions))
    }

    async fn trash(&self, cookie_header: Option<String>) -> Result<TrashListing, ErrorBody> {
        let Some(user) = self.user(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        let trashed = self.core.trash(&user).await.map_err(|e| error_body(&e))?;
        let mut entries = Vec::with_capacity(trashed.len());
        for item in trashed {
            let path = RelPath::parse(&item.path).map_err(|e| error_body(&e.into()))?;
            entries.push(TrashEntry {
                file: file_meta(&item.entry, &path),
                deleted_at: item.deleted_at,
            });
        }
        Ok(TrashListing { entries })
    }

    async fn account(
        &self,
        cookie_header: Option<String>,
    ) -> Result<(UserInfo, Vec<TokenInfo>), ErrorBody> {
        let Some(user) = self.user_now(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        let tokens = self
            .core
            .api_tokens(&user)
            .await
            .map_err(|e| error_body(&e))?
            .into_iter()
            .map(|token| TokenInfo {
                id: token.id,
                label: token.label,
                created_at: token.created_at,
            })
            .collect();
        Ok((user_info(&user), tokens))
    }

    async fn share_page(
        &self,
        cookie_header: Option<String>,
        token: String,
        path: String,
    ) -> Result<SharePage, ErrorBody> {
        let grant = cookie_header.as_deref().and_then(grant_from_cookie_header);
        share_page(&self.core, grant.as_deref(), &token, &path)
            .await
            .map_err(|e| error_body(&e))
    }

    async fn shares(&self, cookie_header: Option<String>) -> Result<ShareList, ErrorBody> {
        let Some(user) = self.user(cookie_header).await else {
            return Err(error_body(&Error::Unauthenticated));
        };
        let (made, received) = self
            .core
            .shares(&user, None)
            .await
            .map_err(|e| error_body(&e))?;
        Ok(ShareList {
            made: made.iter().map(share_info).collect(),
            received: received.iter().map(share_info).collect(),
        })
    }
}

/// The `PageData` handle the Leptos routes get in their context.
pub fn page_data_handle(core: Arc<Core>) -> PageDataHandle {
    PageDataHandle(Arc::new(CorePageData { core }))
}
