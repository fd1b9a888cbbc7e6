//! The account store: users, and tokens found by their hash only while live.

use super::*;

pub(super) async fn account_store_conforms(store: &dyn MetadataStore) {
    let accounts: &dyn AccountStore = store;
    let alice = user(accounts, "alice", 100).await;
    // A taken username is told apart from any other failure.
    let again = User {
        id: UserId::generate(),
        root_id: FileId::generate(),
        ..alice.clone()
    };
    let taken = store
        .create_user(NewUser {
            user: again,
            now: NOW,
        })
        .await;
    assert!(
        matches!(taken, Err(StoreError::AlreadyExists(_))),
        "{taken:?}"
    );
    assert_eq!(
        store.user_by_name("alice").await.unwrap().unwrap().id,
        alice.id
    );
    assert_eq!(
        store.user_by_id(&alice.id).await.unwrap().unwrap().username,
        "alice"
    );
    assert!(store.user_by_name("nobody").await.unwrap().is_none());

    let token = |hash: &str, kind, expires_at| NewToken {
        token_hash: hash.into(),
        user_id: alice.id.clone(),
        kind,
        label: Some(format!("label {hash}")),
        created_at: NOW,
        expires_at,
    };
    store
        .insert_token(token("s1", TokenKind::Session, Some(NOW + 10)))
        .await
        .unwrap();
    store
        .insert_token(token("a1", TokenKind::Api, None))
        .await
        .unwrap();
    // A live token finds its user; an expired one does not.
    assert!(store.user_by_token("s1", NOW).await.unwrap().is_some());
    assert!(store.user_by_token("s1", NOW + 10).await.unwrap().is_none());
    assert!(store.user_by_token("a1", i64::MAX).await.unwrap().is_some());
    // API tokens are listed and revoked only by their owner; sessions are not API tokens.
    let listed = store.list_api_tokens(&alice.id).await.unwrap();
    assert_eq!(listed, [("a1".to_string(), "label a1".to_string(), NOW)]);
    let bob = user(store, "bob", 100).await;
    assert!(!store.revoke_api_token(&bob.id, "a1").await.unwrap());
    assert!(!store.revoke_api_token(&alice.id, "s1").await.unwrap());
    assert!(store.revoke_api_token(&alice.id, "a1").await.unwrap());
    store.delete_token("s1").await.unwrap();
    assert!(store.user_by_token("s1", NOW).await.unwrap().is_none());
}
