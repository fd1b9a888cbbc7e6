//! Accounts and their credentials: a user with their root folder, session and API
//! tokens (only their hashes).

use super::entities::{auth_tokens, files, users};
use super::{backend, to_i64, user_from, SqlMetadataStore};
use crate::domain::{User, UserId};
use crate::ports::{AccountStore, NewToken, NewUser, StoreError, TokenKind};
use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

#[async_trait]
impl AccountStore for SqlMetadataStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let user = new.user;
        let txn = self.db.begin().await.map_err(backend)?;
        users::Entity::insert(users::ActiveModel {
            id: Set(user.id.to_string()),
            username: Set(user.username.clone()),
            password_hash: Set(user.password_hash.clone()),
            root_id: Set(user.root_id.to_string()),
            quota_bytes: Set(to_i64(user.quota_bytes)),
            used_bytes: Set(0),
            created_at: Set(new.now),
            entry_count: Set(0),
            history_bytes: Set(0),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        files::Entity::insert(files::ActiveModel {
            id: Set(user.root_id.to_string()),
            owner_id: Set(user.id.to_string()),
            parent_id: Set(None),
            name: Set(String::new()),
            name_key: Set(String::new()),
            is_folder: Set(true),
            size: Set(0),
            content_hash: Set(None),
            current_rev: Set(0),
            created_at: Set(new.now),
            modified_at: Set(new.now),
            deleted_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        txn.commit().await.map_err(backend)?;
        Ok(user)
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(&self.db)
            .await
            .map_err(backend)?
            .map(user_from))
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        Ok(users::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .map_err(backend)?
            .map(user_from))
    }

    async fn insert_token(&self, token: NewToken) -> Result<(), StoreError> {
        auth_tokens::Entity::insert(auth_tokens::ActiveModel {
            token_hash: Set(token.token_hash),
            user_id: Set(token.user_id.to_string()),
            kind: Set(match token.kind {
                TokenKind::Session => "session".into(),
                TokenKind::Api => "api".into(),
            }),
            label: Set(token.label),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
        })
        .exec_without_returning(&self.db)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>, StoreError> {
        // One query: every request authenticates.
        let live_token = sea_orm::sea_query::Query::select()
            .column(auth_tokens::Column::UserId)
            .from(auth_tokens::Entity)
            .and_where(auth_tokens::Column::TokenHash.eq(token_hash))
            .and_where(
                Expr::col(auth_tokens::Column::ExpiresAt)
                    .is_null()
                    .or(Expr::col(auth_tokens::Column::ExpiresAt).gt(now)),
            )
            .to_owned();
        Ok(users::Entity::find()
            .filter(users::Column::Id.in_subquery(live_token))
            .one(&self.db)
            .await
            .map_err(backend)?
            .map(user_from))
    }

    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        auth_tokens::Entity::delete_by_id(token_hash)
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn list_api_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(auth_tokens::Entity::find()
            .filter(auth_tokens::Column::UserId.eq(user.as_str()))
            .filter(auth_tokens::Column::Kind.eq("api"))
            .order_by_desc(auth_tokens::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|t| (t.token_hash, t.label.unwrap_or_default(), t.created_at))
            .collect())
    }

    async fn revoke_api_token(&self, user: &UserId, token_hash: &str) -> Result<bool, StoreError> {
        let result = auth_tokens::Entity::delete_many()
            .filter(auth_tokens::Column::TokenHash.eq(token_hash))
            .filter(auth_tokens::Column::UserId.eq(user.as_str()))
            .filter(auth_tokens::Column::Kind.eq("api"))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(result.rows_affected > 0)
    }
}
