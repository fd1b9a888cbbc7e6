//! The activity feed: what changed in the user's files, from which device and when,
//! newest first, with a count of what the user has not looked at yet. The page fills
//! it from the live change stream (`crate::live`); the server renders it empty.

use crate::api::types::DeltaEntry;
use crate::format::date_time;
use leptos::prelude::*;

/// The most changes the feed keeps.
const FEED_LENGTH: usize = 50;

/// One change in the feed, with its position in the user's journal.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The change's cursor (its event id).
    pub cursor: String,
    /// The change.
    pub entry: DeltaEntry,
}

/// The feed's state, shared by the stream that fills it and the view.
#[derive(Debug, Clone, Copy)]
pub struct Activity {
    /// Changes, newest first.
    pub items: RwSignal<Vec<FeedItem>>,
    /// How many of them arrived since the user last opened the feed.
    pub unread: RwSignal<usize>,
    /// Whether the feed is open.
    pub open: RwSignal<bool>,
}

impl Activity {
    /// An empty feed.
    pub fn new() -> Activity {
        Activity {
            items: RwSignal::new(Vec::new()),
            unread: RwSignal::new(0),
            open: RwSignal::new(false),
        }
    }

    /// Adds a change that just arrived.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn push(&self, item: FeedItem) {
        self.items.update(|items| {
            items.insert(0, item);
            items.truncate(FEED_LENGTH);
        });
        if self.open.get_untracked() {
            self.mark_seen();
        } else {
            self.unread.update(|n| *n += 1);
        }
    }

    /// Marks everything in the feed as seen, here and for the next visit.
    fn mark_seen(&self) {
        self.unread.set(0);
        #[cfg(feature = "hydrate")]
        if let Some(newest) = self
            .items
            .with_untracked(|items| items.first().map(|i| i.cursor.clone()))
        {
            crate::live::remember_seen(&newest);
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

fn verb(action: &str) -> &'static str {
    match action {
        "added" => "added",
        "modified" => "changed",
        "moved" => "moved",
        "deleted" => "deleted",
        _ => "changed",
    }
}

/// The "Activity" button with its unread count, and the feed it opens.
#[component]
pub fn ActivityFeed(activity: Activity) -> impl IntoView {
    let toggle = move |_| {
        let open = !activity.open.get_untracked();
        activity.open.set(open);
        if open {
            activity.mark_seen();
        }
    };
    // Type-erased: the file page's view type is deep enough already.
    view! {
        <div class="activity">
            <button
                type="button"
                class="link"
                data-testid="activity-button"
                aria-expanded=move || activity.open.get().to_string()
                on:click=toggle
            >
                "Activity"
                <Show when=move || { activity.unread.get() > 0 }>
                    <span class="badge" data-testid="activity-unread">
                        {move || activity.unread.get()}
                    </span>
                </Show>
            </button>
            <Show when=move || activity.open.get()>
                <section class="activity-feed" aria-label="Activity" data-testid="activity">
                    <Show
                        when=move || !activity.items.read().is_empty()
                        fallback=|| view! { <p class="empty">"No changes since you opened Cairn."</p> }
                    >
                        <ul>
                            <For
                                each=move || activity.items.get()
                                key=|item| item.cursor.clone()
                                children=|item| {
                                    let entry = item.entry;
                                    let who = entry.device.clone().unwrap_or_else(|| "You".into());
                                    let what = match &entry.old_path {
                                        Some(old) if entry.action == "moved" => {
                                            format!("{} → {}", old, entry.path)
                                        }
                                        _ => entry.path.clone(),
                                    };
                                    view! {
                                        <li data-testid="activity-item" data-action=entry.action.clone()>
                                            <span class="who">{who}</span>
                                            " "
                                            {verb(&entry.action)}
                                            " "
                                            <span class="what">{what}</span>
                                            <span class="when">{date_time(entry.at)}</span>
                                        </li>
                                    }
                                }
                            />
                        </ul>
                    </Show>
                </section>
            </Show>
        </div>
    }
    .into_any()
}
