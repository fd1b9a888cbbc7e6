//! The tree store: folders, listings, trash and restore, move, copy, search, versions, purge.

use super::*;

pub(super) async fn tree_store_conforms(store: &dyn MetadataStore) {
    let tree: &dyn TreeStore = store;
    let alice = user(store, "alice", 1_000).await;
    let docs = tree
        .create_folders(&alice.id, &path("/Docs/Old"), NOW)
        .await
        .unwrap();
    // Making folders that exist gives them back, making nothing.
    let same = tree
        .create_folders(&alice.id, &path("/docs/old"), NOW)
        .await
        .unwrap();
    assert_eq!(same.id, docs.id);
    commit(
        store,
        session(&alice, "/Docs/b.txt", &[b"bbb"]),
        ConflictPolicy::Copy,
    )
    .await
    .unwrap();
    let root = tree
        .entry_by_path(&alice.id, &path("/Docs"))
        .await
        .unwrap()
        .unwrap();
    let names: Vec<String> = tree
        .list_children(&alice.id, &root.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["Old", "b.txt"], "folders first, then by name");
    // Another user's id or path finds nothing.
    let bob = user(store, "bob", 1_000).await;
    assert!(tree.entry_by_id(&bob.id, &root.id).await.unwrap().is_none());
    assert!(tree
        .entry_by_path(&bob.id, &path("/Docs"))
        .await
        .unwrap()
        .is_none());

    // Trash, then restore where the name was taken meanwhile.
    let file = tree
        .entry_by_path(&alice.id, &path("/Docs/b.txt"))
        .await
        .unwrap()
        .unwrap();
    tree.trash_entry(&alice.id, &file.id, NOW).await.unwrap();
    assert!(tree
        .entry_by_id(&alice.id, &file.id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(tree.list_trash(&alice.id).await.unwrap().len(), 1);
    commit(
        store,
        session(&alice, "/Docs/b.txt", &[b"new"]),
        ConflictPolicy::Copy,
    )
    .await
    .unwrap();
    let docs_b = tree
        .entry_by_path(&alice.id, &path("/Docs/b.txt"))
        .await
        .unwrap()
        .unwrap();
    let (restored, at) = tree.restore_entry(&alice.id, &file.id, NOW).await.unwrap();
    assert_eq!(at, path("/Docs/b (restored).txt"));
    assert_eq!(restored.id, file.id);

    // Move into new folders; copy beside; a taken name is refused.
    let moved = tree
        .move_entry(&alice.id, &file.id, &path("/Archive/2026/b.txt"), NOW)
        .await
        .unwrap();
    assert_eq!(
        tree.entry_path(&alice.id, &moved.id).await.unwrap(),
        path("/Archive/2026/b.txt")
    );
    let copy = tree
        .copy_entry(&alice.id, &moved.id, &path("/Archive/c.txt"), NOW)
        .await
        .unwrap();
    assert_ne!(copy.id, moved.id);
    assert_eq!(copy.content_hash, moved.content_hash);
    let onto = tree
        .move_entry(&alice.id, &copy.id, &path("/Docs/b.txt"), NOW)
        .await;
    assert!(
        matches!(onto, Err(StoreError::AlreadyExists(_))),
        "{onto:?}"
    );

    // Search finds live entries by part of their name, in any case.
    let mut found: Vec<FileId> = tree
        .search(&alice.id, "B.TX", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    found.sort();
    let mut expect = vec![moved.id.clone(), docs_b.id.clone()];
    expect.sort();
    assert_eq!(found, expect);
    assert_eq!(tree.search(&alice.id, "c.tx", 10).await.unwrap().len(), 1);

    // Versions: a new version, then the old one made current again as a third.
    let second = commit(
        store,
        session(&alice, "/Archive/c.txt", &[b"cc2"]),
        ConflictPolicy::Copy,
    )
    .await
    .unwrap();
    assert!(
        matches!(second, CommitOutcome::Committed(ref e) if e.rev == 2),
        "{second:?}"
    );
    let versions = tree.list_versions(&alice.id, &copy.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.rev).collect::<Vec<_>>(), [2, 1]);
    let third = tree
        .restore_version(&alice.id, &copy.id, 1, NOW)
        .await
        .unwrap();
    assert_eq!((third.rev, third.content_hash), (3, moved.content_hash));
    let chunks = tree.version_chunks(&alice.id, &copy.id, 3).await.unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].id, ChunkId::of(b"bbb"));

    // A purge drops the trashed entry and its bytes from the usage.
    let used = store
        .user_by_id(&alice.id)
        .await
        .unwrap()
        .unwrap()
        .used_bytes;
    tree.trash_entry(&alice.id, &copy.id, NOW).await.unwrap();
    tree.purge_entry(&alice.id, &copy.id, NOW).await.unwrap();
    let after = store
        .user_by_id(&alice.id)
        .await
        .unwrap()
        .unwrap()
        .used_bytes;
    assert_eq!(after, used - 3);
    assert!(tree.list_trash(&alice.id).await.unwrap().is_empty());
}
