//! The shares table: links and user shares, each one row; revoking deletes the row.
//! With `access`, the store's [`ShareStore`] port.

use super::access;
use super::entities::{shares, users};
use super::{backend, to_i64, to_u64, user_from, SqlMetadataStore};
use crate::domain::{
    FileId, Grant, Share, ShareKind, SharePermission, ShareRecord, ShareToken, UploadId, User,
    UserId,
};
use crate::ports::{ShareStore, StoreError};
use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use std::collections::HashMap;

fn share_from(model: shares::Model) -> Result<Share, StoreError> {
    let kind = ShareKind::parse(&model.kind)
        .ok_or_else(|| StoreError::Backend(format!("corrupt share kind {:?}", model.kind)))?;
    let permission = SharePermission::parse(&model.permission).ok_or_else(|| {
        StoreError::Backend(format!("corrupt share permission {:?}", model.permission))
    })?;
    Ok(Share {
        id: model.id,
        owner: UserId::from_string(model.owner_id),
        file_id: FileId::from_string(model.file_id),
        kind,
        permission,
        recipient: model.recipient_id.map(UserId::from_string),
        token: model.token.map(ShareToken::from_string),
        password_hash: model.password_hash,
        expires_at: model.expires_at,
        download_count: to_u64(model.download_count),
        created_at: model.created_at,
    })
}

/// Adds the owner's and recipient's names to shares.
async fn with_names<C: ConnectionTrait>(
    db: &C,
    rows: Vec<shares::Model>,
) -> Result<Vec<ShareRecord>, StoreError> {
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|row| std::iter::once(row.owner_id.clone()).chain(row.recipient_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|user| (user.id, user.username))
            .collect()
    };
    rows.into_iter()
        .map(|row| {
            let owner_name = names.get(&row.owner_id).cloned().unwrap_or_default();
            let recipient_name = row
                .recipient_id
                .as_ref()
                .and_then(|id| names.get(id).cloned());
            Ok(ShareRecord {
                share: share_from(row)?,
                owner_name,
                recipient_name,
            })
        })
        .collect()
}

#[async_trait]
impl ShareStore for SqlMetadataStore {
    async fn entry_owner(&self, id: &FileId) -> Result<Option<UserId>, StoreError> {
        access::entry_owner(&self.db, id).await
    }

    async fn upload_owner(&self, id: &UploadId) -> Result<Option<UserId>, StoreError> {
        access::upload_owner(&self.db, id).await
    }

    async fn received_grants(
        &self,
        recipient: &UserId,
        now: i64,
    ) -> Result<Vec<Grant>, StoreError> {
        access::received_grants(&self.db, recipient, now).await
    }

    async fn share_recipients(&self, owner: &UserId) -> Result<Vec<UserId>, StoreError> {
        access::share_recipients(&self.db, owner).await
    }

    async fn insert_share(&self, share: &Share) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(backend)?;
        if let (ShareKind::User, Some(recipient)) = (share.kind, &share.recipient) {
            let existing = shares::Entity::find()
                .filter(shares::Column::FileId.eq(share.file_id.as_str()))
                .filter(shares::Column::Kind.eq(ShareKind::User.as_str()))
                .filter(shares::Column::RecipientId.eq(recipient.as_str()))
                .one(&txn)
                .await
                .map_err(backend)?;
            if existing.is_some() {
                return Err(StoreError::AlreadyExists(
                    "a share of this entry with this user".into(),
                ));
            }
        }
        shares::Entity::insert(shares::ActiveModel {
            id: Set(share.id.clone()),
            owner_id: Set(share.owner.to_string()),
            file_id: Set(share.file_id.to_string()),
            kind: Set(share.kind.as_str().to_string()),
            permission: Set(share.permission.as_str().to_string()),
            recipient_id: Set(share.recipient.as_ref().map(ToString::to_string)),
            token: Set(share.token.as_ref().map(ToString::to_string)),
            password_hash: Set(share.password_hash.clone()),
            expires_at: Set(share.expires_at),
            download_count: Set(to_i64(share.download_count)),
            created_at: Set(share.created_at),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(backend)?;
        txn.commit().await.map_err(backend)
    }

    async fn share_by_id(&self, id: &str) -> Result<Option<ShareRecord>, StoreError> {
        let rows: Vec<shares::Model> = shares::Entity::find_by_id(id)
            .all(&self.db)
            .await
            .map_err(backend)?;
        Ok(with_names(&self.db, rows).await?.into_iter().next())
    }

    async fn share_by_token(
        &self,
        token: &ShareToken,
    ) -> Result<Option<(Share, User)>, StoreError> {
        let Some(row) = shares::Entity::find()
            .filter(shares::Column::Token.eq(token.as_str()))
            .filter(shares::Column::Kind.eq(ShareKind::Link.as_str()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let Some(owner) = users::Entity::find_by_id(row.owner_id.as_str())
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        Ok(Some((share_from(row)?, user_from(owner))))
    }

    async fn shares_made(
        &self,
        owner: &UserId,
        file: Option<&FileId>,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        let mut query = shares::Entity::find().filter(shares::Column::OwnerId.eq(owner.as_str()));
        if let Some(file) = file {
            query = query.filter(shares::Column::FileId.eq(file.as_str()));
        }
        let rows = query
            .order_by_desc(shares::Column::CreatedAt)
            .order_by_desc(shares::Column::Id)
            .all(&self.db)
            .await
            .map_err(backend)?;
        with_names(&self.db, rows).await
    }

    async fn shares_received(&self, recipient: &UserId) -> Result<Vec<ShareRecord>, StoreError> {
        let rows = shares::Entity::find()
            .filter(shares::Column::RecipientId.eq(recipient.as_str()))
            .filter(shares::Column::Kind.eq(ShareKind::User.as_str()))
            .order_by_desc(shares::Column::CreatedAt)
            .order_by_desc(shares::Column::Id)
            .all(&self.db)
            .await
            .map_err(backend)?;
        with_names(&self.db, rows).await
    }

    async fn update_share(
        &self,
        id: &str,
        permission: SharePermission,
        password_hash: Option<String>,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let result = shares::Entity::update_many()
            .col_expr(shares::Column::Permission, Expr::value(permission.as_str()))
            .col_expr(shares::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(shares::Column::ExpiresAt, Expr::value(expires_at))
            .filter(shares::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("share {id}")));
        }
        Ok(())
    }

    async fn delete_share(&self, id: &str) -> Result<bool, StoreError> {
        let result = shares::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(result.rows_affected > 0)
    }

    async fn count_share_download(&self, id: &str) -> Result<(), StoreError> {
        shares::Entity::update_many()
            .col_expr(
                shares::Column::DownloadCount,
                Expr::col(shares::Column::DownloadCount).add(1),
            )
            .filter(shares::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
