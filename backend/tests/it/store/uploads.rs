//! The upload store: admission, sessions, chunks received in the owner's scope, and what each commit does.

use super::*;

pub(super) async fn upload_store_conforms(store: &dyn MetadataStore) {
    let uploads: &dyn UploadStore = store;
    let alice = user(store, "alice", 10).await;
    // Admission: the open uploads' bytes count, and so does their number.
    let first = session(&alice, "/a.bin", &[b"123456"]);
    uploads
        .create_upload(&first, &admission(2), NOW)
        .await
        .unwrap();
    let over = session(&alice, "/b.bin", &[b"12345"]);
    let refused = uploads.create_upload(&over, &admission(2), NOW).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::QuotaExceeded {
                needed: 5,
                available: 4
            })
        ),
        "{refused:?}"
    );
    let small = session(&alice, "/c.bin", &[b"1"]);
    uploads
        .create_upload(&small, &admission(2), NOW)
        .await
        .unwrap();
    let third = session(&alice, "/d.bin", &[b"2"]);
    let refused = uploads.create_upload(&third, &admission(2), NOW).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::TooManyUploads { open: 2, limit: 2 })
        ),
        "{refused:?}"
    );
    // Another user's session is not found; a cancelled one is gone.
    let bob = user(store, "bob", 10).await;
    assert!(uploads
        .upload(&bob.id, &first.id, None)
        .await
        .unwrap()
        .is_none());
    assert!(uploads.delete_upload(&alice.id, &small.id).await.unwrap());
    assert!(!uploads.delete_upload(&alice.id, &small.id).await.unwrap());
    // Chunks received are known in the owner's scope only.
    let stored = uploads
        .upload(&alice.id, &first.id, None)
        .await
        .unwrap()
        .unwrap();
    let busy = uploads
        .chunks_received(&alice.id, &first.id, &stored.chunks, &[], NOW)
        .await
        .unwrap();
    assert!(busy.is_empty());
    let id = ChunkId::of(b"123456");
    assert!(uploads
        .known_chunks(&alice.id, &[id])
        .await
        .unwrap()
        .contains(&id));
    assert!(uploads
        .known_chunks(&bob.id, &[id])
        .await
        .unwrap()
        .is_empty());
    uploads
        .chunks_lost(&alice.id, &first.id, &[0])
        .await
        .unwrap();
    assert!(uploads
        .known_chunks(&alice.id, &[id])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(uploads.expire_uploads(NOW + 3_600_000).await.unwrap(), 1);

    // Commits: a new file, the same content again, a conflict each way.
    let carol = user(store, "carol", 1_000).await;
    let made = commit(
        store,
        session(&carol, "/plan.txt", &[b"v1"]),
        ConflictPolicy::Copy,
    )
    .await;
    let Ok(CommitOutcome::Committed(v1)) = made else {
        panic!("{made:?}")
    };
    let same = commit(
        store,
        session(&carol, "/plan.txt", &[b"v1"]),
        ConflictPolicy::Copy,
    )
    .await;
    assert!(matches!(same, Ok(CommitOutcome::Unchanged(_))), "{same:?}");
    let stale = |policy| {
        let mut upload = session(&carol, "/plan.txt", &[b"v2"]);
        upload.parent_rev = Some(v1.rev + 5);
        commit(store, upload, policy)
    };
    let refused = stale(ConflictPolicy::Fail).await;
    assert!(matches!(refused, Ok(CommitOutcome::Conflict { ref current }) if current.id == v1.id));
    for expect in [
        "plan (Bob's laptop's conflicted copy 2026-11-25).txt",
        "plan (Bob's laptop 2's conflicted copy 2026-11-25).txt",
    ] {
        let copied = stale(ConflictPolicy::Copy).await;
        assert!(
            matches!(copied, Ok(CommitOutcome::ConflictCopy(ref e)) if e.name == expect),
            "{copied:?}"
        );
    }
    let folder = store
        .create_folders(&carol.id, &path("/Box"), NOW)
        .await
        .unwrap();
    let onto = commit(
        store,
        session(&carol, "/Box", &[b"x"]),
        ConflictPolicy::Copy,
    )
    .await;
    assert!(
        matches!(onto, Err(StoreError::AlreadyExists(_))),
        "{onto:?}"
    );
    let beside = commit(
        store,
        session(&carol, "/box", &[b"x"]),
        ConflictPolicy::Beside,
    )
    .await;
    assert!(
        matches!(beside, Ok(CommitOutcome::ConflictCopy(ref e)) if e.name.starts_with("Box (") && e.parent == folder.parent),
        "{beside:?}"
    );
    // Over quota: refused, with the room there is.
    let dave = user(store, "dave", 3).await;
    let big = commit(
        store,
        session(&dave, "/big", &[b"1234"]),
        ConflictPolicy::Copy,
    )
    .await;
    assert!(
        matches!(
            big,
            Err(StoreError::QuotaExceeded {
                needed: 4,
                available: 3
            })
        ),
        "{big:?}"
    );
}
