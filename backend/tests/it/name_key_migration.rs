//! The migration that makes names unique without regard to case or normalization,
//! over a database that already holds names that now collide.

use crate::support::test_database;
use backend::config::Config;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

async fn run(db: &DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared(sql).await.map(|_| ())
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    let backend = db.get_database_backend();
    db.query_all(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (0..)
                .map_while(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .ok()
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn colliding_names_are_renamed_and_every_name_gets_its_key() {
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::embedded(data.path().to_path_buf());
    let _database = test_database(&mut config).await;
    let db = Database::connect(config.metadata.url()).await.unwrap();
    // The schema before the migration, holding names that collide once case and
    // normalization are ignored.
    Migrator::up(&db, Some(8)).await.unwrap();
    let files = [
        // (id, owner, parent, name, folder, created, deleted)
        ("r", "u1", None, "", true, 0, None),
        ("a", "u1", Some("r"), "Report.txt", false, 1, None),
        ("b", "u1", Some("r"), "report.txt", false, 2, None),
        ("f", "u1", Some("r"), "Report (2).TXT", false, 3, None),
        ("c", "u1", Some("r"), "REPORT.TXT", false, 4, Some(10)),
        ("d", "u1", Some("r"), "cafe\u{301}", false, 5, None),
        ("e", "u1", Some("r"), "CAF\u{c9}", false, 6, None),
        ("g", "u1", Some("r"), "Docs", true, 7, None),
        ("h", "u1", Some("g"), "a.txt", false, 8, None),
        ("i", "u1", Some("r"), "docs", true, 9, None),
        ("j", "u1", Some("i"), "b.txt", false, 10, None),
        ("r2", "u2", None, "", true, 0, None),
        ("x", "u2", Some("r2"), "report.txt", false, 1, None),
    ];
    for (id, owner, parent, name, folder, created, deleted) in files {
        let parent = parent.map_or("NULL".to_string(), |p| format!("'{p}'"));
        let deleted = deleted.map_or("NULL".to_string(), |d: i64| d.to_string());
        run(
            &db,
            &format!(
                "INSERT INTO files (id, owner_id, parent_id, name, is_folder, size, content_hash, \
                 current_rev, created_at, modified_at, deleted_at) VALUES ('{id}', '{owner}', \
                 {parent}, '{name}', {folder}, 0, NULL, 1, {created}, {created}, {deleted})"
            ),
        )
        .await
        .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();

    let names = rows(&db, "SELECT id, name, name_key FROM files ORDER BY id").await;
    let expect: Vec<Vec<String>> = [
        ("a", "Report.txt", "report.txt"),
        ("b", "report (3).txt", "report (3).txt"),
        ("c", "REPORT.TXT", "report.txt"),
        ("d", "caf\u{e9}", "caf\u{e9}"),
        ("e", "CAF\u{c9} (2)", "caf\u{e9} (2)"),
        ("f", "Report (2).TXT", "report (2).txt"),
        ("g", "Docs", "docs"),
        ("h", "a.txt", "a.txt"),
        ("i", "docs (2)", "docs (2)"),
        ("j", "b.txt", "b.txt"),
        ("r", "", ""),
        ("r2", "", ""),
        ("x", "report.txt", "report.txt"),
    ]
    .iter()
    .map(|(id, name, key)| vec![id.to_string(), name.to_string(), key.to_string()])
    .collect();
    assert_eq!(names, expect);

    // Each rename is in its owner's journal as a move, so sync clients follow it.
    let journal = rows(
        &db,
        "SELECT owner_id, file_id, action, path, old_path FROM journal ORDER BY seq",
    )
    .await;
    let moved = |file: &str, path: &str, old: &str| {
        vec![
            "u1".to_string(),
            file.to_string(),
            "moved".to_string(),
            path.to_string(),
            old.to_string(),
        ]
    };
    assert_eq!(
        journal,
        [
            moved("b", "/report (3).txt", "/report.txt"),
            moved("e", "/CAF\u{c9} (2)", "/CAF\u{c9}"),
            moved("i", "/docs (2)", "/docs"),
        ]
    );

    // The unique index is on the key now: another live "report.txt" cannot be added
    // beside "Report.txt", a trashed one can.
    let insert = |id: &str, name: &str, deleted: &str| {
        format!(
            "INSERT INTO files (id, owner_id, parent_id, name, name_key, is_folder, size, \
             content_hash, current_rev, created_at, modified_at, deleted_at) VALUES ('{id}', \
             'u1', 'r', '{name}', 'report.txt', false, 0, NULL, 1, 20, 20, {deleted})"
        )
    };
    assert!(run(&db, &insert("y", "rePort.txt", "NULL")).await.is_err());
    run(&db, &insert("z", "rePort.txt", "30")).await.unwrap();

    // And back down, and up again.
    Migrator::down(&db, Some(1)).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
}
