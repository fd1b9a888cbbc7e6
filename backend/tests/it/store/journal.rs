//! The journal store: each namespace's changes in order.

use super::*;

pub(super) async fn journal_store_conforms(store: &dyn MetadataStore) {
    let journal: &dyn JournalStore = store;
    let alice = user(store, "alice", 1_000).await;
    assert_eq!(journal.latest_change(&alice.id).await.unwrap(), 0);
    store
        .create_folders(&alice.id, &path("/A/B"), NOW)
        .await
        .unwrap();
    commit(
        store,
        session(&alice, "/A/f", &[b"f"]),
        ConflictPolicy::Copy,
    )
    .await
    .unwrap();
    let changes = journal.changes_since(&alice.id, 0, 100).await.unwrap();
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/A", "/A/B", "/A/f"]);
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    let latest = journal.latest_change(&alice.id).await.unwrap();
    assert_eq!(latest, changes[2].seq);
    assert_eq!(
        journal
            .changes_since(&alice.id, changes[0].seq, 1)
            .await
            .unwrap()[0]
            .path,
        "/A/B"
    );
    assert!(journal.changes_exceed(&alice.id, 0, 2).await.unwrap());
    assert!(!journal.changes_exceed(&alice.id, 0, 3).await.unwrap());
    // Another namespace's journal is its own.
    let bob = user(store, "bob", 1_000).await;
    assert!(journal
        .changes_since(&bob.id, 0, 100)
        .await
        .unwrap()
        .is_empty());
}
