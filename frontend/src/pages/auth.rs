//! Sign-up and log-in pages.
//!
//! The forms post to the server (`POST /signup`, `POST /login`), which sets the
//! session cookie and redirects, so they work before hydration and without
//! JavaScript. A failure comes back as `?error=…` and is shown above the form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
fn AuthForm(
    heading: &'static str,
    action: &'static str,
    submit_label: &'static str,
    password_autocomplete: &'static str,
    children: Children,
) -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    view! {
        <main class="centered auth">
            <h1 class="brand">"Cairn"</h1>
            <h2>{heading}</h2>
            {move || {
                error()
                    .map(|message| {
                        view! {
                            <p class="error" role="alert" data-testid="auth-error">
                                {message}
                            </p>
                        }
                    })
            }}
            <form method="post" action=action class="auth-form">
                <label>
                    "Username"
                    <input
                        name="username"
                        type="text"
                        autocomplete="username"
                        required
                        maxlength="64"
                        autofocus
                    />
                </label>
                <label>
                    "Password"
                    <input
                        name="password"
                        type="password"
                        autocomplete=password_autocomplete
                        required
                        minlength="8"
                    />
                </label>
                <button type="submit">{submit_label}</button>
            </form>
            {children()}
        </main>
    }
}

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <Title text="Log in · Cairn" />
        <AuthForm
            heading="Log in"
            action="/login"
            submit_label="Log in"
            password_autocomplete="current-password"
        >
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </AuthForm>
    }
}

/// `/signup`.
#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <Title text="Sign up · Cairn" />
        <AuthForm
            heading="Create your account"
            action="/signup"
            submit_label="Sign up"
            password_autocomplete="new-password"
        >
            <p>"Already have an account? " <a href="/login">"Log in"</a></p>
        </AuthForm>
    }
}
