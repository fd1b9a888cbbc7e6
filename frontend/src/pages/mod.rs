//! Cairn's pages.

pub mod account;
pub mod actions;
pub mod activity;
pub mod auth;
pub mod chrome;
pub mod details;
pub mod dialogs;
pub mod files;
pub mod search;
pub mod share_dialog;
pub mod share_link;
pub mod shared;
pub mod sorting;
pub mod trash;
pub mod upload_panel;

/// Page data as the browser loads it: a `GET` of `path` on the JSON API. On the
/// server, pages ask `crate::ssr::PageData` instead; a build with neither side
/// answers an error.
#[cfg(not(feature = "ssr"))]
fn from_api<T>(
    path: String,
) -> impl std::future::Future<Output = Result<T, crate::api::types::ErrorBody>> + Send + 'static
where
    T: serde::de::DeserializeOwned + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        send_wrapper::SendWrapper::new(
            async move { crate::api::client::get_json::<T>(&path).await },
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = path;
        async move {
            Err(crate::api::types::ErrorBody {
                error: crate::api::types::ErrorDetail {
                    code: "no-backend".into(),
                    message: "this build has neither the server nor the browser side".into(),
                },
            })
        }
    }
}
