//! sea-orm entities, one module per table of the `migrations` crate.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub username: String,
        pub password_hash: String,
        pub root_id: String,
        pub quota_bytes: i64,
        pub used_bytes: i64,
        pub created_at: i64,
        pub entry_count: i64,
        pub history_bytes: i64,
    }
    no_relations!();
}

pub mod auth_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: String,
        pub kind: String,
        pub label: Option<String>,
        pub created_at: i64,
        pub expires_at: Option<i64>,
    }
    no_relations!();
}

pub mod files {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub owner_id: String,
        pub parent_id: Option<String>,
        pub name: String,
        /// The name's [`crate::domain::name_key`]: live siblings have distinct keys.
        pub name_key: String,
        pub is_folder: bool,
        pub size: i64,
        pub content_hash: Option<String>,
        pub current_rev: i64,
        pub created_at: i64,
        pub modified_at: i64,
        pub deleted_at: Option<i64>,
    }
    no_relations!();
}

pub mod file_versions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "file_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub file_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub rev: i64,
        pub size: i64,
        pub content_hash: String,
        pub created_at: i64,
        pub created_by: String,
        pub device: Option<String>,
    }
    no_relations!();
}

pub mod chunks {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "chunks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub hash: String,
        pub size: i64,
        pub refcount: i64,
        pub delete_after: Option<i64>,
        pub created_at: i64,
        /// The bytes of a small chunk, kept here rather than in the blob store.
        pub inline_data: Option<Vec<u8>>,
        /// When garbage collection began deleting this chunk (Unix milliseconds):
        /// while set, nothing may reference it.
        pub collecting_since: Option<i64>,
    }
    no_relations!();
}

pub mod version_chunks {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "version_chunks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub file_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub rev: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i64,
        pub owner_id: String,
        pub chunk_hash: String,
        pub offset: i64,
        pub size: i64,
    }
    no_relations!();
}

pub mod uploads {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "uploads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub owner_id: String,
        pub path: String,
        pub size: i64,
        pub parent_rev: Option<i64>,
        pub device: Option<String>,
        pub created_at: i64,
        pub expires_at: i64,
        pub base_file_id: Option<String>,
    }
    no_relations!();
}

pub mod upload_chunks {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "upload_chunks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub upload_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idx: i64,
        pub owner_id: String,
        pub chunk_hash: String,
        pub size: i64,
        pub received: bool,
    }
    no_relations!();
}

pub mod journal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "journal")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub owner_id: String,
        pub file_id: String,
        pub action: String,
        pub path: String,
        pub old_path: Option<String>,
        pub is_folder: bool,
        pub rev: i64,
        pub size: i64,
        pub actor: String,
        pub device: Option<String>,
        pub created_at: i64,
    }
    no_relations!();
}

pub mod shares {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "shares")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub owner_id: String,
        pub file_id: String,
        pub kind: String,
        pub permission: String,
        pub recipient_id: Option<String>,
        pub token: Option<String>,
        pub password_hash: Option<String>,
        pub expires_at: Option<i64>,
        pub download_count: i64,
        pub created_at: i64,
    }
    no_relations!();
}
