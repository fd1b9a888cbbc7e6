//! What server-side rendering needs from the server, declared as a trait so that the
//! frontend never depends on the backend. The backend implements [`PageData`] and
//! provides a [`PageDataHandle`] through Leptos context for every page request.

use crate::api::types::{
    ErrorBody, FileMeta, FolderListing, SearchResults, ShareList, SharePage, TokenInfo,
    TrashListing, UserInfo, VersionMeta,
};
use std::sync::Arc;

/// Server-side queries made while rendering a page for the request's user.
#[async_trait::async_trait]
pub trait PageData: Send + Sync {
    /// Lists a folder of that user's.
    async fn folder_listing(
        &self,
        cookie_header: Option<String>,
        path: String,
    ) -> Result<FolderListing, ErrorBody>;
    /// That user's live files and folders whose names contain `query`.
    async fn search(
        &self,
        cookie_header: Option<String>,
        query: String,
    ) -> Result<SearchResults, ErrorBody>;
    /// One of that user's files or folders by id, with its versions, newest first
    /// (none for a folder).
    async fn file_details(
        &self,
        cookie_header: Option<String>,
        file_id: String,
    ) -> Result<(FileMeta, Vec<VersionMeta>), ErrorBody>;
    /// That user's trash, most recently deleted first.
    async fn trash(&self, cookie_header: Option<String>) -> Result<TrashListing, ErrorBody>;
    /// That user, with their API tokens, newest first.
    async fn account(
        &self,
        cookie_header: Option<String>,
    ) -> Result<(UserInfo, Vec<TokenInfo>), ErrorBody>;
    /// What the link `token` shows at `path` (relative to the shared entry), for a
    /// visitor with the request's cookies (a link's password grant among them).
    async fn share_page(
        &self,
        cookie_header: Option<String>,
        token: String,
        path: String,
    ) -> Result<SharePage, ErrorBody>;
    /// The shares the request's user made and received.
    async fn shares(&self, cookie_header: Option<String>) -> Result<ShareList, ErrorBody>;
}

/// Sets the HTTP status of the page being rendered (such as 404 for a link that is
/// gone); provided by the server for every page request.
#[derive(Clone)]
pub struct PageStatus(pub Arc<dyn Fn(u16) + Send + Sync>);

/// The status setter of the page being rendered, if the server provided one.
pub fn page_status() -> Option<PageStatus> {
    leptos::prelude::use_context::<PageStatus>()
}

/// The status of a page that could not show its data, by the error's code: what is
/// not there (or not the visitor's to see) is 404; `None` keeps 200 for the pages
/// that ask a logged-out visitor to log in.
pub fn error_status(code: &str) -> Option<u16> {
    Some(match code {
        "unauthenticated" => return None,
        "not-found" | "not-a-folder" | "link-not-found" | "upload-not-found" => 404,
        "link-expired" => 410,
        "forbidden" => 403,
        "internal" => 500,
        _ => 400,
    })
}

/// A page's data query that, when it fails, also sets the page's status to the
/// error's ([`error_status`]). Call it while the page renders, where the status
/// setter is in context.
pub fn with_error_status<T, F>(
    query: F,
) -> impl std::future::Future<Output = Result<T, ErrorBody>> + Send + 'static
where
    F: std::future::Future<Output = Result<T, ErrorBody>> + Send + 'static,
    T: Send + 'static,
{
    let status = page_status();
    async move {
        let res = query.await;
        if let (Err(error), Some(status)) = (&res, &status) {
            if let Some(code) = error_status(&error.error.code) {
                (status.0)(code);
            }
        }
        res
    }
}

/// The [`PageData`] implementation, as held in Leptos context.
#[derive(Clone)]
pub struct PageDataHandle(pub Arc<dyn PageData>);

/// The `Cookie` header of the request being rendered.
pub fn request_cookie() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts
        .headers
        .get(http::header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The page data source; panics only when the server forgot to provide it, which
/// would be a wiring bug caught by every page test.
pub fn page_data() -> PageDataHandle {
    leptos::prelude::use_context::<PageDataHandle>()
        .expect("the server provides PageDataHandle for every page request")
}
