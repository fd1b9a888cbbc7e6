//! The chunk collector: a chunk is collectable only when nothing holds it, by one collector at a time.

use super::*;

pub(super) async fn chunk_collector_conforms(store: &dyn MetadataStore) {
    let collector: &dyn ChunkCollector = store;
    let alice = user(store, "alice", 100_000).await;
    let upload = session(&alice, "/gone.bin", &[&[7u8; 40_000]]);
    store
        .create_upload(&upload, &admission(5), NOW)
        .await
        .unwrap();
    store
        .chunks_received(&alice.id, &upload.id, &upload.chunks, &[], NOW)
        .await
        .unwrap();
    let id = upload.chunks[0].id;
    // Announced by an open session, or within the grace period: kept.
    assert!(collector
        .collectable_chunks(NOW + GRACE_MS + 1, 10)
        .await
        .unwrap()
        .is_empty());
    store.delete_upload(&alice.id, &upload.id).await.unwrap();
    assert!(collector
        .collectable_chunks(NOW, 10)
        .await
        .unwrap()
        .is_empty());
    let later = NOW + GRACE_MS + 1;
    assert_eq!(collector.collectable_chunks(later, 10).await.unwrap(), [id]);
    assert!(collector.begin_collecting(&id, later).await.unwrap());
    assert!(
        !collector.begin_collecting(&id, later).await.unwrap(),
        "one collector at a time"
    );
    assert!(collector.forget_chunk(&id).await.unwrap());
    assert!(collector
        .collectable_chunks(later, 10)
        .await
        .unwrap()
        .is_empty());
}
