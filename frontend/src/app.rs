//! The application shell and its routes.

use crate::pages::{
    account::AccountPage, auth::LoginPage, auth::SignupPage, details::DetailsPage,
    files::FilesPage, search::SearchPage, share_link::ShareLinkPage, shared::SharedPage,
    trash::TrashPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment, WildcardSegment,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: a router over Cairn's pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="cairn-style" href="/style.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Title text="Cairn" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("login") view=LoginPage />
                <Route path=StaticSegment("signup") view=SignupPage />
                // Rendered whole on the server (data included), so they read and
                // navigate without JavaScript too.
                <Route path=StaticSegment("files") view=FilesPage ssr=SsrMode::Async />
                <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async />
                <Route path=StaticSegment("trash") view=TrashPage ssr=SsrMode::Async />
                <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                <Route
                    path=(StaticSegment("details"), ParamSegment("id"))
                    view=DetailsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=(StaticSegment("files"), WildcardSegment("path"))
                    view=FilesPage
                    ssr=SsrMode::Async
                />
                <Route path=StaticSegment("shared") view=SharedPage ssr=SsrMode::Async />
                // Public links: readable, with their forms, without JavaScript.
                <Route
                    path=(StaticSegment("s"), ParamSegment("token"))
                    view=ShareLinkPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=(StaticSegment("s"), ParamSegment("token"), WildcardSegment("path"))
                    view=ShareLinkPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(status) = crate::ssr::page_status() {
        (status.0)(404);
    }
    view! {
        <main class="centered">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/files">"Go to your files"</a></p>
        </main>
    }
}
