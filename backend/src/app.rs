//! Start-up: configuration → adapters → core → router → listener.

use crate::adapters::attempts_memory::MemoryAttemptLimiter;
use crate::adapters::bus_local::LocalBus;
use crate::adapters::bus_redis::RedisBus;
use crate::adapters::{
    blob_fs::FsBlobStore,
    blob_s3::S3BlobStore,
    sql::{SqlMetadataStore, StoreLimits},
};
use crate::config::{BlobBackend, Config, EventsBackend};
use crate::core::{AttemptLimiters, Core, Limits};
use crate::http::{router, AppState};
use crate::ports::{BlobStore, EventBus};
use anyhow::Context;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The wired application: the router to serve, and the use cases behind it.
pub struct App {
    /// Every route.
    pub router: axum::Router,
    /// The use cases, for background work.
    pub core: Arc<Core>,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
}

fn millis(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Builds the application for `config`: opens the stores (running migrations) and
/// wires the router.
pub async fn build(config: &Config) -> anyhow::Result<App> {
    build_wrapping_blobs(config, |blobs| blobs).await
}

/// [`build`], with the chunk store that `config` names handed to `wrap` first: for
/// tests that pause or break chunk writes and deletions at chosen moments.
pub async fn build_wrapping_blobs(
    config: &Config,
    wrap: impl FnOnce(Arc<dyn BlobStore>) -> Arc<dyn BlobStore>,
) -> anyhow::Result<App> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "while creating the data directory {}",
            config.data_dir.display()
        )
    })?;
    let limits = StoreLimits {
        chunk_grace_ms: millis(config.chunk_grace_secs),
        entry_cap: config.max_entries,
        versions_per_file: config.max_versions,
    };
    let meta = SqlMetadataStore::connect(&config.metadata.url(), limits)
        .await
        .with_context(|| format!("while opening the metadata database {:?}", config.metadata))?;
    let blobs: Arc<dyn BlobStore> = match &config.blobs {
        BlobBackend::Disk(dir) => {
            Arc::new(FsBlobStore::open(dir).context("while opening the chunk directory")?)
        }
        BlobBackend::S3(settings) => Arc::new(
            S3BlobStore::connect(settings)
                .await
                .context("while connecting to the S3 chunk store")?,
        ),
    };
    let blobs = wrap(blobs);
    let limits = Limits {
        upload_ttl_ms: millis(config.upload_ttl_secs),
        gc_interval_ms: config.gc_interval_secs.saturating_mul(1000),
        default_quota_bytes: config.quota_bytes,
        streams_per_user: config.max_streams_per_user,
        open_uploads: crate::domain::OpenUploadLimits {
            per_account: config.max_open_uploads,
            through_links: config.max_open_link_uploads,
        },
        login_failures_per_user: config.login_failures_per_user,
        login_failures_per_client: config.login_failures_per_client,
        signups_per_hour: config.signups_per_hour,
        password_hashes_at_once: config.password_hashes,
        password_queue: config.password_queue,
        ..Limits::default()
    };
    let bus: Arc<dyn EventBus> = match &config.events {
        EventsBackend::InProcess => Arc::new(LocalBus::new()),
        EventsBackend::Redis(url) => Arc::new(RedisBus::connect(url).await.context(
            "while connecting to Redis (REDIS_URL); start Redis, fix the URL, or unset REDIS_URL to run a single server",
        )?),
    };
    // Lockouts double each time a key reaches its limit again, up to an hour.
    let attempts = AttemptLimiters {
        links: Arc::new(MemoryAttemptLimiter::new(
            millis(config.share_password_window_secs),
            millis(3600),
        )),
        logins: Arc::new(MemoryAttemptLimiter::new(
            millis(config.login_window_secs),
            millis(3600),
        )),
        signups: Arc::new(MemoryAttemptLimiter::new(millis(3600), millis(3600))),
    };
    let core = Arc::new(Core::new(Arc::new(meta), blobs, bus, attempts, limits));
    // Subscribed before the first request, so no change goes unannounced.
    core.spawn_fanout();
    let leptos_options = LeptosOptions::builder()
        .output_name("cairn")
        .site_root(config.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .build();
    let router = router(AppState {
        core: core.clone(),
        leptos_options,
        bench_endpoints: config.bench_endpoints,
        body_idle_timeout: Duration::from_secs(config.body_idle_timeout_secs.max(1)),
        trusted_proxies: config.trusted_proxies.clone().into(),
        public_origin: config.public_url.clone(),
    });
    Ok(App {
        router,
        core,
        header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
    })
}

/// Runs garbage collection every `gc_interval_ms`, for as long as the process lives.
pub fn spawn_garbage_collection(core: Arc<Core>) {
    let period = std::time::Duration::from_millis(core.limits().gc_interval_ms.max(1000));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            match core.collect_garbage().await {
                Ok(report) if report != Default::default() => {
                    tracing::info!(?report, "garbage collection")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "garbage collection failed; will retry"),
            }
        }
    });
}

/// Serves on an already bound listener until the process is asked to stop (Ctrl-C or
/// SIGTERM), then ends the open change streams and long-polls and finishes the
/// requests in flight.
pub async fn serve_on(listener: TcpListener, app: App) -> anyhow::Result<()> {
    serve_until(listener, app, stop_requested()).await
}

/// [`serve_on`] until `stop` completes. Each connection gets its peer's address
/// (which limits wrong passwords per client) and must send each request's headers
/// within the header timeout, or is closed.
pub async fn serve_until(
    listener: TcpListener,
    app: App,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
    let mut connections = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    connections
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(app.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // The router is a shared handle: cloning it per request copies no routes.
        let router = app.router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(axum::body::Body::new);
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = connections
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or breaks the protocol ends its own connection.
            let _ = connection.await;
        });
    }
    app.core.close_streams();
    graceful.shutdown().await;
    Ok(())
}

async fn stop_requested() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// Builds and serves on `config.bind`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let app = build(&config).await?;
    spawn_garbage_collection(app.core.clone());
    let listener = TcpListener::bind(config.bind).await.with_context(|| {
        format!(
            "while binding {}; is another server using that port?",
            config.bind
        )
    })?;
    let address = listener.local_addr().unwrap_or(config.bind);
    tracing::info!("Cairn is serving on http://{address}");
    serve_on(listener, app).await
}
