//! The share store: user shares and links, grants, expiry, revocation.

use super::*;

pub(super) async fn share_store_conforms(store: &dyn MetadataStore) {
    let shares: &dyn ShareStore = store;
    let alice = user(store, "alice", 1_000).await;
    let bob = user(store, "bob", 1_000).await;
    let folder = store
        .create_folders(&alice.id, &path("/Photos"), NOW)
        .await
        .unwrap();
    let share = |id: &str, kind, recipient: Option<&User>| Share {
        id: id.into(),
        owner: alice.id.clone(),
        file_id: folder.id.clone(),
        kind,
        permission: SharePermission::Viewer,
        recipient: recipient.map(|u| u.id.clone()),
        token: (kind == ShareKind::Link).then(ShareToken::generate),
        password_hash: None,
        expires_at: None,
        download_count: 0,
        created_at: NOW,
    };
    shares
        .insert_share(&share("u1", ShareKind::User, Some(&bob)))
        .await
        .unwrap();
    let twice = shares
        .insert_share(&share("u2", ShareKind::User, Some(&bob)))
        .await;
    assert!(
        matches!(twice, Err(StoreError::AlreadyExists(_))),
        "{twice:?}"
    );
    let link = share("l1", ShareKind::Link, None);
    shares.insert_share(&link).await.unwrap();
    let token = link.token.clone().unwrap();
    let (found, owner) = shares.share_by_token(&token).await.unwrap().unwrap();
    assert_eq!((found.id.as_str(), owner.id), ("l1", alice.id.clone()));
    assert_eq!(
        shares.entry_owner(&folder.id).await.unwrap(),
        Some(alice.id.clone())
    );
    assert_eq!(
        shares.share_recipients(&alice.id).await.unwrap(),
        std::slice::from_ref(&bob.id)
    );
    let grants = shares.received_grants(&bob.id, NOW).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].owner_name, "alice");
    assert_eq!(shares.shares_made(&alice.id, None).await.unwrap().len(), 2);
    assert_eq!(shares.shares_received(&bob.id).await.unwrap().len(), 1);
    shares
        .update_share("u1", SharePermission::Editor, None, Some(NOW))
        .await
        .unwrap();
    // Expired at `now`: no longer granted.
    assert!(shares
        .received_grants(&bob.id, NOW)
        .await
        .unwrap()
        .is_empty());
    shares.count_share_download("l1").await.unwrap();
    let record = shares.share_by_id("l1").await.unwrap().unwrap();
    assert_eq!(record.share.download_count, 1);
    assert!(shares.delete_share("l1").await.unwrap());
    assert!(!shares.delete_share("l1").await.unwrap());
    assert!(shares.share_by_token(&token).await.unwrap().is_none());
    let missing = shares
        .update_share("l1", SharePermission::Viewer, None, None)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}
