//! The scale-out event bus: Redis pub/sub, so every replica sharing the database
//! hears of every commit.
//!
//! All notifications go over one channel, `cairn:journal`, as `user:<user id>`. Each
//! process subscribes once, when it starts, and fans out to its own listeners; so the
//! subscription does not change as streams open and close, and a replica costs Redis
//! one connection whatever its number of clients. The price is that each replica
//! receives every user's notifications, a few dozen bytes per commit.
//!
//! Redis pub/sub delivers at most once: while the subscription is down (Redis
//! restarting, the network failing) notifications are lost. After reconnecting, the
//! adapter reports `BusEvent::Missed`, and listeners read their journals again.

use super::bus_local::receiver_stream;
use crate::domain::UserId;
use crate::ports::{BusEvent, EventBus, JournalNotice, StoreError};
use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use redis::aio::{ConnectionManager, PubSubSink, PubSubStream};
use std::time::Duration;
use tokio::sync::broadcast;

/// The channel every notification goes over.
const CHANNEL: &str = "cairn:journal";
/// Notifications the local fan-out may fall behind by (see `bus_local`).
const CAPACITY: usize = 4096;
/// How often the subscription is checked with a PING, to notice a dead connection.
const PING_EVERY: Duration = Duration::from_secs(30);
/// The longest wait between two attempts to reconnect.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a publication may take: commits wait for it, so a Redis that hangs must
/// not hang them.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// The Redis bus: publishes over a self-reconnecting connection and relays the
/// subscription into an in-process broadcast channel.
pub struct RedisBus {
    publisher: ConnectionManager,
    local: broadcast::Sender<BusEvent>,
    relay: tokio::task::JoinHandle<()>,
}

fn redis_error(context: &str, e: redis::RedisError) -> StoreError {
    StoreError::Backend(format!("{context}: {e}"))
}

/// The payload of a notice: `user:<id>`.
fn encode(notice: &JournalNotice) -> String {
    format!("user:{}", notice.user)
}

/// A notice from its payload; `None` for anything else.
fn decode(payload: &[u8]) -> Option<JournalNotice> {
    let user = std::str::from_utf8(payload).ok()?.strip_prefix("user:")?;
    if user.is_empty() {
        return None;
    }
    Some(JournalNotice {
        user: UserId::from_string(user.to_string()),
    })
}

async fn subscribed(client: &redis::Client) -> redis::RedisResult<(PubSubSink, PubSubStream)> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    Ok(pubsub.split())
}

impl RedisBus {
    /// Connects to Redis at `url` and subscribes before returning, so that nothing
    /// published after start-up is missed.
    pub async fn connect(url: &str) -> Result<RedisBus, StoreError> {
        let client = redis::Client::open(url).map_err(|e| redis_error("invalid Redis URL", e))?;
        let publisher = client
            .get_connection_manager()
            .await
            .map_err(|e| redis_error("cannot connect to Redis", e))?;
        let first = subscribed(&client)
            .await
            .map_err(|e| redis_error("cannot subscribe to Redis", e))?;
        let local = broadcast::channel(CAPACITY).0;
        let relay = tokio::spawn(relay(client, first, local.clone()));
        Ok(RedisBus {
            publisher,
            local,
            relay,
        })
    }
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

/// Forwards the subscription to the local channel for as long as the bus lives,
/// reconnecting with a growing pause when it breaks.
async fn relay(
    client: redis::Client,
    first: (PubSubSink, PubSubStream),
    local: broadcast::Sender<BusEvent>,
) {
    let mut current = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        let (mut sink, mut messages) = match current.take() {
            Some(subscription) => subscription,
            None => match subscribed(&client).await {
                Ok(subscription) => {
                    tracing::info!("Redis subscription re-established");
                    backoff = Duration::from_millis(100);
                    // Whatever was published while it was down is lost.
                    let _ = local.send(BusEvent::Missed);
                    subscription
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot subscribe to Redis; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        let mut pings = tokio::time::interval(PING_EVERY);
        pings.tick().await;
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => match decode(message.get_payload_bytes()) {
                        Some(notice) => {
                            let _ = local.send(BusEvent::Changed(notice));
                        }
                        None => tracing::warn!(
                            channel = CHANNEL,
                            "ignoring a message that is not a Cairn journal notice"
                        ),
                    },
                    None => break,
                },
                _ = pings.tick() => {
                    if let Err(error) = sink.ping::<redis::Value>().await {
                        tracing::warn!(%error, "the Redis subscription stopped answering");
                        break;
                    }
                }
            }
        }
        tracing::warn!("lost the Redis subscription; reconnecting");
        let _ = local.send(BusEvent::Missed);
        tokio::time::sleep(backoff).await;
    }
}

#[async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, notice: JournalNotice) -> Result<(), StoreError> {
        let mut connection = self.publisher.clone();
        let mut command = redis::cmd("PUBLISH");
        command.arg(CHANNEL).arg(encode(&notice));
        let publish = command.query_async::<i64>(&mut connection);
        match tokio::time::timeout(PUBLISH_TIMEOUT, publish).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(redis_error("cannot publish to Redis", e)),
            Err(_) => Err(StoreError::Backend(format!(
                "Redis did not answer a PUBLISH within {} s",
                PUBLISH_TIMEOUT.as_secs()
            ))),
        }
    }

    fn subscribe(&self) -> BoxStream<'static, BusEvent> {
        receiver_stream(self.local.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_survive_their_encoding() {
        let notice = JournalNotice {
            user: UserId::from_string("0123abcd".into()),
        };
        assert_eq!(decode(encode(&notice).as_bytes()), Some(notice));
        assert_eq!(decode(b"hello"), None);
        assert_eq!(decode(b"user:"), None);
    }
}
