//! Names are unique in a folder without regard to case or Unicode normalization.
//!
//! Every entry gets `name_key`: its name in NFC, lower-cased (Unicode's default
//! lower case mapping), NFC again, as the server's `name_key` computes it. The
//! unique index of live siblings and the index of a folder's children move from
//! `name` to `name_key`.
//!
//! Existing rows are backfilled one owner at a time. Names not in NFC are stored in
//! NFC. Live siblings whose keys now collide (`Report.txt` and `report.txt`) keep
//! the oldest one's name; each later one is renamed `stem (2).ext`, `stem (3).ext`,
//! … (the first number free in that folder) and the rename is appended to the
//! owner's journal as a move, so sync clients follow it. Trashed entries may share
//! keys, as they may share names.
//!
//! The key function is copied here rather than shared: this migration computes the
//! keys as they were defined when it landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};
use std::collections::{HashMap, HashSet};
use unicode_normalization::UnicodeNormalization;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    Name,
    NameKey,
}

#[derive(DeriveIden)]
enum Journal {
    Table,
    OwnerId,
    FileId,
    Action,
    Path,
    OldPath,
    IsFolder,
    Rev,
    Size,
    Actor,
    Device,
    CreatedAt,
}

fn name_key(name: &str) -> String {
    name.nfc()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect()
}

/// `name` with ` (n)` before its extension, as the server names restored copies.
fn numbered(name: &str, n: u32) -> String {
    let split = name
        .rfind('.')
        .filter(|&dot| dot > 0 && dot < name.len() - 1);
    let (stem, ext) = match split {
        Some(dot) => (&name[..dot], &name[dot..]),
        None => (name, ""),
    };
    let tail = format!(" ({n}){ext}");
    // Names hold at most 255 bytes: shorten the stem, at a character boundary.
    let mut end = stem.len().min(255usize.saturating_sub(tail.len()));
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{tail}", &stem[..end])
}

struct Row {
    id: String,
    parent_id: Option<String>,
    name: String,
    is_folder: bool,
    live: bool,
    rev: i64,
    size: i64,
}

impl Row {
    /// The entry's path with the new names of the entries on it; with its own old
    /// name instead when `own_old_name`.
    fn path(
        &self,
        rows: &HashMap<String, Row>,
        names: &HashMap<String, String>,
        own_old_name: bool,
    ) -> String {
        let mut parts = Vec::new();
        if own_old_name {
            parts.push(self.name.clone());
        }
        let mut current = if own_old_name {
            self.parent_id.as_ref().and_then(|parent| rows.get(parent))
        } else {
            Some(self)
        };
        while let Some(row) = current {
            let Some(parent) = &row.parent_id else {
                break;
            };
            parts.push(names.get(&row.id).unwrap_or(&row.name).clone());
            current = rows.get(parent);
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }
}

async fn backfill_owner(
    db: &SchemaManagerConnection<'_>,
    owner: &str,
    now: i64,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let select = Query::select()
        .columns([
            Alias::new("id"),
            Alias::new("parent_id"),
            Alias::new("name"),
            Alias::new("is_folder"),
            Alias::new("deleted_at"),
            Alias::new("current_rev"),
            Alias::new("size"),
        ])
        .from(Files::Table)
        .and_where(Expr::col(Alias::new("owner_id")).eq(owner))
        .order_by(Alias::new("created_at"), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    let mut order = Vec::new();
    let mut rows = HashMap::new();
    for result in db.query_all(backend.build(&select)).await? {
        let deleted_at: Option<i64> = result.try_get("", "deleted_at")?;
        let row = Row {
            id: result.try_get("", "id")?,
            parent_id: result.try_get("", "parent_id")?,
            name: result.try_get("", "name")?,
            is_folder: result.try_get("", "is_folder")?,
            live: deleted_at.is_none(),
            rev: result.try_get("", "current_rev")?,
            size: result.try_get("", "size")?,
        };
        order.push(row.id.clone());
        rows.insert(row.id.clone(), row);
    }
    // The keys taken among the live children of each folder, oldest entry first.
    let mut taken: HashMap<String, HashSet<String>> = HashMap::new();
    for row in rows.values().filter(|row| row.live) {
        if let Some(parent) = &row.parent_id {
            taken
                .entry(parent.clone())
                .or_default()
                .insert(name_key(&row.name));
        }
    }
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut new_names: HashMap<String, String> = HashMap::new();
    let mut renamed = Vec::new();
    for id in &order {
        let row = &rows[id];
        let mut name: String = row.name.nfc().collect();
        if let (true, Some(parent)) = (row.live, &row.parent_id) {
            if !seen.insert((parent.clone(), name_key(&name))) {
                let siblings = taken.entry(parent.clone()).or_default();
                let mut n = 2;
                while siblings.contains(&name_key(&numbered(&name, n))) {
                    n += 1;
                }
                name = numbered(&name, n);
                siblings.insert(name_key(&name));
                seen.insert((parent.clone(), name_key(&name)));
                renamed.push(id.clone());
            }
        }
        if name != row.name {
            new_names.insert(id.clone(), name);
        }
    }
    // `name_key` starts as a copy of `name` (see `up`): only rows whose key or name
    // differs from that are written.
    for id in &order {
        let row = &rows[id];
        let name = new_names.get(id).unwrap_or(&row.name);
        let key = name_key(name);
        if name == &row.name && key == row.name {
            continue;
        }
        let mut update = Query::update();
        update
            .table(Files::Table)
            .value(Files::NameKey, key)
            .and_where(Expr::col(Files::Id).eq(id.as_str()));
        if name != &row.name {
            update.value(Files::Name, name.as_str());
        }
        db.execute(backend.build(&update)).await?;
    }
    for id in &renamed {
        let row = &rows[id];
        let old_path = row.path(&rows, &new_names, true);
        let path = row.path(&rows, &new_names, false);
        let insert = Query::insert()
            .into_table(Journal::Table)
            .columns([
                Journal::OwnerId,
                Journal::FileId,
                Journal::Action,
                Journal::Path,
                Journal::OldPath,
                Journal::IsFolder,
                Journal::Rev,
                Journal::Size,
                Journal::Actor,
                Journal::Device,
                Journal::CreatedAt,
            ])
            .values_panic([
                owner.into(),
                id.as_str().into(),
                "moved".into(),
                path.into(),
                Value::from(Some(old_path)).into(),
                row.is_folder.into(),
                row.rev.into(),
                row.size.into(),
                owner.into(),
                Value::from(None::<String>).into(),
                now.into(),
            ])
            .to_owned();
        db.execute(backend.build(&insert)).await?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| <i64 as TryFrom<u128>>::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE files ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
            .await?;
        db.execute_unprepared("UPDATE files SET name_key = name")
            .await?;
        let owners = db
            .query_all(Statement::from_string(
                manager.get_database_backend(),
                "SELECT DISTINCT owner_id FROM files",
            ))
            .await?;
        let now = now_ms();
        for owner in owners {
            let owner: String = owner.try_get("", "owner_id")?;
            backfill_owner(db, &owner, now).await?;
        }
        db.execute_unprepared("DROP INDEX files_live_name").await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX files_live_name ON files (owner_id, parent_id, name_key) \
             WHERE deleted_at IS NULL",
        )
        .await?;
        db.execute_unprepared("DROP INDEX files_parent").await?;
        db.execute_unprepared("CREATE INDEX files_parent ON files (owner_id, parent_id, name_key)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Names stay as renamed: they are unique, so the old index holds them too.
        db.execute_unprepared("DROP INDEX files_live_name").await?;
        db.execute_unprepared("DROP INDEX files_parent").await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX files_live_name ON files (owner_id, parent_id, name) \
             WHERE deleted_at IS NULL",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX files_parent ON files (owner_id, parent_id, name)")
            .await?;
        db.execute_unprepared("ALTER TABLE files DROP COLUMN name_key")
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_numbered_names() {
        assert_eq!(name_key("Report.TXT"), "report.txt");
        assert_eq!(name_key("CAFE\u{301}"), name_key("caf\u{e9}"));
        assert_eq!(numbered("report.txt", 2), "report (2).txt");
        assert_eq!(numbered(".bashrc", 3), ".bashrc (3)");
        let long = format!("{}.pdf", "é".repeat(127));
        assert!(numbered(&long, 2).len() <= 255);
    }
}
