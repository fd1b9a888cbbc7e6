//! What a share's recipient needs from the store: the shares made with them, and
//! whose namespace an entry or upload is in (the core checks that a share covers it).

use super::entities::{files, shares, uploads, users};
use super::{backend, entry_from, SqlMetadataStore};
use crate::domain::{FileId, Grant, UploadId, UserId};
use crate::ports::StoreError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

pub(super) async fn entry_owner(
    db: &DatabaseConnection,
    id: &FileId,
) -> Result<Option<UserId>, StoreError> {
    let Some(entry) = files::Entity::find_by_id(id.as_str())
        .filter(files::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(backend)?
    else {
        return Ok(None);
    };
    let owner = UserId::from_string(entry.owner_id.clone());
    // Inside a trashed folder counts as trashed.
    Ok(SqlMetadataStore::ancestors_live(db, &owner, &entry)
        .await?
        .then_some(owner))
}

pub(super) async fn upload_owner(
    db: &DatabaseConnection,
    id: &UploadId,
) -> Result<Option<UserId>, StoreError> {
    Ok(uploads::Entity::find_by_id(id.as_str())
        .one(db)
        .await
        .map_err(backend)?
        .map(|upload| UserId::from_string(upload.owner_id)))
}

pub(super) async fn received_grants(
    db: &DatabaseConnection,
    recipient: &UserId,
    now: i64,
) -> Result<Vec<Grant>, StoreError> {
    let rows = shares::Entity::find()
        .filter(shares::Column::Kind.eq("user"))
        .filter(shares::Column::RecipientId.eq(recipient.as_str()))
        .filter(
            Condition::any()
                .add(shares::Column::ExpiresAt.is_null())
                .add(Expr::col(shares::Column::ExpiresAt).gt(now)),
        )
        .order_by_asc(shares::Column::CreatedAt)
        .order_by_asc(shares::Column::Id)
        .all(db)
        .await
        .map_err(backend)?;
    let mut grants = Vec::with_capacity(rows.len());
    for row in rows {
        let owner = UserId::from_string(row.owner_id);
        let Some(root) =
            SqlMetadataStore::live_by_id(db, &owner, &FileId::from_string(row.file_id)).await?
        else {
            // The shared entry is in the owner's trash: the share rests until it is
            // restored.
            continue;
        };
        let Some(owner_row) = users::Entity::find_by_id(owner.as_str())
            .one(db)
            .await
            .map_err(backend)?
        else {
            continue;
        };
        grants.push(Grant {
            share_id: row.id,
            owner,
            owner_name: owner_row.username,
            root: entry_from(root),
            can_edit: row.permission == "editor",
        });
    }
    Ok(grants)
}

pub(super) async fn share_recipients(
    db: &DatabaseConnection,
    owner: &UserId,
) -> Result<Vec<UserId>, StoreError> {
    let mut recipients: Vec<UserId> = shares::Entity::find()
        .filter(shares::Column::Kind.eq("user"))
        .filter(shares::Column::OwnerId.eq(owner.as_str()))
        .all(db)
        .await
        .map_err(backend)?
        .into_iter()
        .filter_map(|row| row.recipient_id.map(UserId::from_string))
        .collect();
    recipients.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    recipients.dedup();
    Ok(recipients)
}
