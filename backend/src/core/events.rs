//! Live changes: publishing after each journaled use case, and following a user's
//! journal (server-sent events, long-polls).
//!
//! Notifications only say "user U's journal reached seq N"; listeners always read the
//! changes from the journal. So a dropped notification only delays a change, and every
//! replica sharing the database streams the same changes in the same order.
//!
//! A process subscribes to the bus once (`Core::spawn_fanout`) and wakes the listeners
//! of the user concerned through a `tokio::sync::watch` per user with open listeners:
//! a listener holds a receiver of a counter, never a queue of changes.

use super::Core;
use crate::domain::{recipient_path, Change, ChangeAction, Error, Mount, RelPath, User, UserId};
use crate::ports::{BusEvent, JournalNotice};
use futures::stream::{BoxStream, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// Journal entries a stream reads and holds at a time.
const STREAM_PAGE: u64 = 100;

/// The per-process fan-out from the bus to the listeners of each user.
pub struct ChangeFeed {
    /// A generation counter per user with listeners, bumped on each notice.
    users: Mutex<HashMap<UserId, watch::Sender<u64>>>,
    /// Set when the server stops, so streams end and let it.
    closing: watch::Sender<bool>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            users: Mutex::new(HashMap::new()),
            closing: watch::channel(false).0,
        }
    }
}

impl ChangeFeed {
    /// Wakes the listeners an event concerns.
    fn deliver(&self, event: &BusEvent) {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        match event {
            BusEvent::Changed(notice) => {
                if let Some(sender) = users.get(&notice.user) {
                    if sender.receiver_count() == 0 {
                        users.remove(&notice.user);
                    } else {
                        sender.send_modify(|generation| *generation = generation.wrapping_add(1));
                    }
                }
            }
            BusEvent::Missed => {
                users.retain(|_, sender| sender.receiver_count() > 0);
                for sender in users.values() {
                    sender.send_modify(|generation| *generation = generation.wrapping_add(1));
                }
            }
        }
    }

    /// A receiver that changes whenever `user`'s journal may have grown.
    fn watch(&self, user: &UserId) -> watch::Receiver<u64> {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = users.get(user) {
            return sender.subscribe();
        }
        // Forget users whose listeners all left, now and then, so the map follows
        // the open listeners and not every user ever seen.
        if users.len() >= 64 && users.len().is_power_of_two() {
            users.retain(|_, sender| sender.receiver_count() > 0);
        }
        let (sender, receiver) = watch::channel(0);
        users.insert(user.clone(), sender);
        receiver
    }

    /// How many users have a watch entry (open listeners, or not yet cleaned up).
    pub fn watched_users(&self) -> usize {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many listeners (streams and long-polls) are waiting on this process.
    pub fn listeners(&self) -> usize {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(watch::Sender::receiver_count)
            .sum()
    }
}

/// What a change stream sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// The next journal entry.
    Change(Change),
    /// The client is too far behind, or its cursor is unusable: it must list again
    /// (`/sync/delta` from the beginning); the stream goes on from `cursor`.
    Resync {
        /// The journal position the stream continues after.
        cursor: i64,
    },
    /// A change inside something another user shares with this one, its paths as
    /// this user sees them (under `/Shared with me`); `None` when shares with this
    /// user were made or removed. Not in this user's journal: no cursor.
    Shared(Option<Change>),
}

/// What a long-poll answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOutcome {
    /// Whether the journal holds changes after the cursor.
    pub changes: bool,
    /// The newest position when there are changes, else the cursor given.
    pub cursor: i64,
}

impl Core {
    /// Subscribes to the bus and, in a task, wakes each notice's listeners. Called
    /// once per process, before serving, so no notice is missed.
    pub fn spawn_fanout(&self) -> tokio::task::JoinHandle<()> {
        let mut events = self.bus.subscribe();
        let feed = Arc::clone(&self.feed);
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                feed.deliver(&event);
            }
        })
    }

    /// Ends every open change stream and long-poll, so the server can stop.
    pub fn close_streams(&self) {
        self.feed.closing.send_replace(true);
    }

    /// The fan-out, for inspection.
    pub fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// Tells every replica that `owner`'s journal grew. Called after a use case that
    /// appended to the journal committed; a failure here cannot undo the commit, so
    /// it is logged and listeners catch up at their next wake-up.
    pub(super) async fn announce(&self, owner: &UserId) {
        let notice = JournalNotice {
            user: owner.clone(),
        };
        if let Err(error) = self.bus.publish(notice).await {
            tracing::warn!(%error, user = %owner, "cannot announce a change");
        }
    }

    /// Waits until `user`'s journal holds changes after `cursor`, or `timeout`
    /// passes, or the server stops. A cursor that is not a journal position of this
    /// user answers at once, as a change: the client's next delta tells it to list
    /// again.
    pub async fn long_poll(
        &self,
        user: &User,
        cursor: i64,
        timeout: Duration,
    ) -> Result<PollOutcome, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut wake = self.feed.watch(&user.id);
        let mut closing = self.feed.closing.subscribe();
        loop {
            wake.borrow_and_update();
            let latest = self.meta.latest_change(&user.id).await?;
            if cursor < 0 || latest != cursor {
                return Ok(PollOutcome {
                    changes: true,
                    cursor: latest,
                });
            }
            if *closing.borrow_and_update() {
                break;
            }
            tokio::select! {
                woken = wake.changed() => if woken.is_err() { break },
                _ = closing.changed() => {}
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        Ok(PollOutcome {
            changes: false,
            cursor,
        })
    }

    /// `user`'s journal entries after `cursor` (from the newest position when
    /// `None`), then each new one as it is committed, in order, each once; until the
    /// server stops or the journal cannot be read (the error is the last item). A
    /// client more than `Limits::stream_backlog` entries behind gets a resync and the
    /// stream jumps to the newest position. Holds at most one page of entries.
    pub async fn follow(
        self: &Arc<Self>,
        user: &User,
        cursor: Option<i64>,
    ) -> Result<BoxStream<'static, Result<StreamItem, Error>>, Error> {
        // Watch before reading, so a commit in between still wakes the stream.
        let wake = self.feed.watch(&user.id);
        let latest = self.meta.latest_change(&user.id).await?;
        let (cursor, resync) = match cursor {
            None => (latest, false),
            Some(cursor) if cursor < 0 || cursor > latest => (latest, true),
            Some(cursor) => (cursor, false),
        };
        let shared = self.follow_shared(user, &[]).await?;
        let state = Follow {
            core: Arc::clone(self),
            user: user.clone(),
            shared,
            shared_page: VecDeque::new(),
            shares_changed: false,
            owner: user.id.clone(),
            cursor,
            page: VecDeque::new(),
            check_backlog: true,
            resync,
            wake,
            closing: self.feed.closing.subscribe(),
            failed: false,
        };
        Ok(futures::stream::unfold(state, Follow::next).boxed())
    }
}

/// What a change stream follows of the trees shared with its user.
struct SharedFollow {
    /// The user's mounts, each with its shared entry's path in the owner's tree.
    mounts: Vec<(Mount, RelPath)>,
    /// One per owner sharing something with the user.
    owners: Vec<OwnerFollow>,
}

/// An owner's journal, followed for the changes inside what they share.
struct OwnerFollow {
    owner: UserId,
    wake: watch::Receiver<u64>,
    /// The last position of the owner's journal read.
    cursor: i64,
    /// The journal may hold changes not read yet: a wake-up came, or the last read
    /// filled a page.
    unread: bool,
}

impl SharedFollow {
    fn share_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .mounts
            .iter()
            .map(|(m, _)| m.grant.share_id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// `change`, a change in `owner`'s tree, as the user sees it: inside one of their
    /// mounts, or moved out of one (then a deletion there); `None` when it happened
    /// outside everything shared with them.
    fn translate(&self, owner: &UserId, mut change: Change) -> Option<Change> {
        let inside = |path: &str| {
            let path = RelPath::parse(path).ok()?;
            self.mounts
                .iter()
                .filter(|(m, _)| &m.grant.owner == owner)
                .find_map(|(m, root)| recipient_path(m, root, &path))
        };
        match inside(&change.path) {
            Some(path) => {
                change.path = path.to_string();
                change.old_path = change
                    .old_path
                    .as_deref()
                    .and_then(inside)
                    .map(|p| p.to_string());
                Some(change)
            }
            None => {
                let old = inside(change.old_path.as_deref()?)?;
                change.action = ChangeAction::Deleted;
                change.path = old.to_string();
                change.old_path = None;
                Some(change)
            }
        }
    }
}

impl Core {
    /// Starts following what is shared with `user`, keeping the journal positions
    /// of the owners in `known` (an earlier follow's), starting at the newest
    /// position for the others.
    async fn follow_shared(
        &self,
        user: &User,
        known: &[OwnerFollow],
    ) -> Result<SharedFollow, Error> {
        let mut mounts = Vec::new();
        let mut owners: Vec<OwnerFollow> = Vec::new();
        for mount in self.mounts(user).await? {
            let owner = mount.grant.owner.clone();
            let root = self.mount_root(&mount).await?;
            mounts.push((mount, root));
            if owners.iter().any(|o| o.owner == owner) {
                continue;
            }
            let wake = self.feed.watch(&owner);
            // An owner followed before is read once more: a wake-up may have come
            // to the earlier receiver and not been read.
            let (cursor, unread) = match known.iter().find(|o| o.owner == owner) {
                Some(earlier) => (earlier.cursor, true),
                None => (self.meta.latest_change(&owner).await?, false),
            };
            owners.push(OwnerFollow {
                owner,
                wake,
                cursor,
                unread,
            });
        }
        Ok(SharedFollow { mounts, owners })
    }
}

/// A change stream's state between two items.
struct Follow {
    core: Arc<Core>,
    /// Whose stream it is.
    user: User,
    /// The trees shared with the user.
    shared: SharedFollow,
    /// Changes in shared trees read and not yet sent.
    shared_page: VecDeque<StreamItem>,
    /// The user's own journal moved: shares with them may have changed too.
    shares_changed: bool,
    owner: UserId,
    /// The position of the last entry sent (or skipped by a resync).
    cursor: i64,
    /// Entries read and not yet sent: at most one page.
    page: VecDeque<Change>,
    /// Whether the client may be far behind: at the start, and after a full page.
    check_backlog: bool,
    /// A resync is due.
    resync: bool,
    wake: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    /// The last item was an error: end.
    failed: bool,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<StreamItem, Error>, Follow)> {
        match self.advance().await {
            Ok(Some(item)) => Some((Ok(item), self)),
            Ok(None) => None,
            Err(error) if !self.failed => {
                self.failed = true;
                Some((Err(error), self))
            }
            Err(_) => None,
        }
    }

    async fn advance(&mut self) -> Result<Option<StreamItem>, Error> {
        if self.failed {
            return Err(Error::Internal("the change stream already failed".into()));
        }
        loop {
            if self.resync {
                self.resync = false;
                self.page.clear();
                self.cursor = self.core.meta.latest_change(&self.owner).await?;
                return Ok(Some(StreamItem::Resync {
                    cursor: self.cursor,
                }));
            }
            if let Some(change) = self.page.pop_front() {
                self.cursor = change.seq;
                return Ok(Some(StreamItem::Change(change)));
            }
            if let Some(item) = self.shared_page.pop_front() {
                return Ok(Some(item));
            }
            if *self.closing.borrow_and_update() {
                return Ok(None);
            }
            // Mark the wake-ups seen before reading: one arriving during the read
            // makes the wait below return at once.
            self.wake.borrow_and_update();
            let limits = self.core.limits();
            if self.check_backlog {
                self.check_backlog = false;
                if self
                    .core
                    .meta
                    .changes_exceed(&self.owner, self.cursor, limits.stream_backlog)
                    .await?
                {
                    self.resync = true;
                    continue;
                }
            }
            let changes = self
                .core
                .meta
                .changes_since(&self.owner, self.cursor, STREAM_PAGE)
                .await?;
            if !changes.is_empty() {
                self.check_backlog = changes.len() as u64 == STREAM_PAGE;
                self.page = changes.into();
                continue;
            }
            if self.read_shared().await? {
                continue;
            }
            let woken_owner = {
                let owners = &mut self.shared.owners;
                let shared_woken = async {
                    if owners.is_empty() {
                        std::future::pending::<()>().await;
                    }
                    let waits = owners.iter_mut().map(|o| Box::pin(o.wake.changed()));
                    futures::future::select_all(waits).await.1
                };
                tokio::select! {
                    woken = self.wake.changed() => {
                        if woken.is_err() { return Ok(None) }
                        self.shares_changed = true;
                        None
                    }
                    index = shared_woken => Some(index),
                    _ = self.closing.changed() => None,
                }
            };
            // Waiting marked the wake-up seen: remember to read that owner's journal.
            if let Some(follow) = woken_owner.and_then(|i| self.shared.owners.get_mut(i)) {
                follow.unread = true;
            }
        }
    }
}

impl Follow {
    /// Reads what changed in the trees shared with the user: the shares themselves
    /// after the user's own journal moved, and each owner's journal that moved.
    /// True when something was queued to send.
    async fn read_shared(&mut self) -> Result<bool, Error> {
        if self.shares_changed {
            self.shares_changed = false;
            let before: Vec<String> = self
                .shared
                .share_ids()
                .into_iter()
                .map(str::to_owned)
                .collect();
            self.shared = self
                .core
                .follow_shared(&self.user, &self.shared.owners)
                .await?;
            if self.shared.share_ids() != before {
                self.shared_page.push_back(StreamItem::Shared(None));
            }
        }
        // One page per owner at a time, so the stream holds a page or so at most.
        for index in 0..self.shared.owners.len() {
            let follow = &mut self.shared.owners[index];
            let woken = follow.wake.has_changed().unwrap_or(false);
            if !woken && !follow.unread {
                continue;
            }
            follow.wake.borrow_and_update();
            let (owner, cursor) = (follow.owner.clone(), follow.cursor);
            let changes = self
                .core
                .meta
                .changes_since(&owner, cursor, STREAM_PAGE)
                .await?;
            let follow = &mut self.shared.owners[index];
            follow.unread = changes.len() as u64 == STREAM_PAGE;
            if let Some(last) = changes.last() {
                follow.cursor = last.seq;
            }
            for change in changes {
                if let Some(change) = self.shared.translate(&owner, change) {
                    self.shared_page.push_back(StreamItem::Shared(Some(change)));
                }
            }
        }
        Ok(!self.shared_page.is_empty() || self.shared.owners.iter().any(|o| o.unread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_forgets_users_without_listeners() {
        let feed = ChangeFeed::default();
        let alice = UserId::from_string("alice".into());
        let mut receiver = feed.watch(&alice);
        feed.deliver(&BusEvent::Changed(JournalNotice {
            user: alice.clone(),
        }));
        assert!(receiver.has_changed().unwrap_or(false));
        receiver.borrow_and_update();
        feed.deliver(&BusEvent::Missed);
        assert!(receiver.has_changed().unwrap_or(false));
        drop(receiver);
        assert_eq!(feed.watched_users(), 1);
        feed.deliver(&BusEvent::Changed(JournalNotice { user: alice }));
        assert_eq!(feed.watched_users(), 0);
    }
}
