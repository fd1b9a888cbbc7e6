//! Start-up: configuration → adapters → core → router → listener.

use crate::adapters::{blob_fs::FsBlobStore, sql::SqlMetadataStore};
use crate::config::Config;
use crate::core::{Core, Limits};
use crate::http::{router, AppState};
use anyhow::Context;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Builds the application for `config`: opens the stores (running migrations) and
/// wires the router.
pub async fn build(config: &Config) -> anyhow::Result<axum::Router> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "while creating the data directory {}",
            config.data_dir.display()
        )
    })?;
    let meta = SqlMetadataStore::connect(&config.metadata.url())
        .await
        .with_context(|| format!("while opening the metadata database {:?}", config.metadata))?;
    let blobs = FsBlobStore::open(config.data_dir.join("chunks"))
        .context("while opening the chunk store")?;
    let core = Arc::new(Core::new(
        Arc::new(meta),
        Arc::new(blobs),
        Limits::default(),
    ));
    let leptos_options = LeptosOptions::builder()
        .output_name("cairn")
        .site_root(config.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .build();
    Ok(router(AppState {
        core,
        leptos_options,
    }))
}

/// Serves on an already bound listener until the process is stopped.
pub async fn serve_on(listener: TcpListener, app: axum::Router) -> anyhow::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("while serving")
}

/// Builds and serves on `config.bind`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let app = build(&config).await?;
    let listener = TcpListener::bind(config.bind).await.with_context(|| {
        format!(
            "while binding {}; is another server using that port?",
            config.bind
        )
    })?;
    tracing::info!("Cairn is serving on http://{}", config.bind);
    serve_on(listener, app).await
}
