//! The embedded event bus: a `tokio::sync::broadcast` channel inside the process. One
//! server, no setup; notifications never leave the process.

use crate::ports::{BusEvent, EventBus, JournalNotice, StoreError};
use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use tokio::sync::broadcast;

/// Notifications a subscriber may fall behind by before it is told it missed some.
/// They are a few dozen bytes each, and a process has one subscriber (its fan-out).
const CAPACITY: usize = 4096;

/// The in-process bus.
pub struct LocalBus {
    sender: broadcast::Sender<BusEvent>,
}

impl LocalBus {
    /// A bus with no subscribers yet.
    pub fn new() -> LocalBus {
        LocalBus {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus::new()
    }
}

#[async_trait]
impl EventBus for LocalBus {
    async fn publish(&self, notice: JournalNotice) -> Result<(), StoreError> {
        // No subscriber is no failure: nobody is listening yet.
        let _ = self.sender.send(BusEvent::Changed(notice));
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, BusEvent> {
        receiver_stream(self.sender.subscribe())
    }
}

/// A broadcast receiver as a stream; falling behind becomes `BusEvent::Missed`.
pub(super) fn receiver_stream(
    receiver: broadcast::Receiver<BusEvent>,
) -> BoxStream<'static, BusEvent> {
    futures::stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(event) => Some((event, receiver)),
            Err(broadcast::error::RecvError::Lagged(_)) => Some((BusEvent::Missed, receiver)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::UserId;

    #[tokio::test]
    async fn subscribers_see_what_is_published_after_they_subscribe() {
        let bus = LocalBus::new();
        let notice = |user: &str| JournalNotice {
            user: UserId::from_string(user.into()),
        };
        bus.publish(notice("u1")).await.unwrap();
        let mut events = bus.subscribe();
        bus.publish(notice("u2")).await.unwrap();
        assert_eq!(events.next().await, Some(BusEvent::Changed(notice("u2"))));
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_it_missed_some() {
        let bus = LocalBus::new();
        let mut events = bus.subscribe();
        for _ in 0..(CAPACITY + 10) {
            bus.publish(JournalNotice {
                user: UserId::from_string("u1".into()),
            })
            .await
            .unwrap();
        }
        assert_eq!(events.next().await, Some(BusEvent::Missed));
    }
}
