//! The `cairn` binary: reads the configuration and serves until stopped.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let config = backend::config::Config::from_env().context("while reading the configuration")?;
    backend::app::serve(config).await
}
