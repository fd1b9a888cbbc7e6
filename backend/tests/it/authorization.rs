//! Who may do what: every endpoint called by the owner, by another user and by
//! nobody. Another user gets 404, as if the thing did not exist (no answer reveals
//! what someone else stores); nobody gets 401; and neither changes anything.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{CreatedToken, FolderListing, TrashListing, UploadCommitted};
use reqwest::{Method, StatusCode};

/// What one row's placeholders stand for: things of the owner's.
struct Fixture {
    file: String,
    trashed: String,
    upload: String,
    token: String,
    chunk: Vec<u8>,
}

async fn small_file(client: &Client, path: &str, bytes: &[u8]) -> String {
    let committed: UploadCommitted = client
        .post_file(path, bytes.to_vec())
        .await
        .json()
        .await
        .unwrap();
    committed.file.id
}

async fn fixture(owner: &Client, n: usize) -> Fixture {
    let file = small_file(owner, &format!("/Docs{n}/a.txt"), b"alice's").await;
    let trashed = small_file(owner, &format!("/t{n}.txt"), b"old").await;
    owner
        .request(Method::DELETE, &format!("/api/v1/files/{trashed}"))
        .send()
        .await
        .unwrap();
    let data = random_bytes(1000, n as u64 + 100);
    let (chunks, _) = chunk(owner.config().await.chunking, &data);
    let upload = owner
        .init(&format!("/u{n}.bin"), &data, &chunks)
        .await
        .unwrap()
        .upload_id;
    let token: CreatedToken = owner
        .json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"label": "t"}),
        )
        .await
        .unwrap();
    Fixture {
        file,
        trashed,
        upload,
        token: token.info.id,
        chunk: data,
    }
}

/// A snapshot of what the owner can see, to check that nothing changed.
async fn state_of(owner: &Client, n: usize) -> (FolderListing, TrashListing, serde_json::Value) {
    (
        owner
            .get(&format!("/api/v1/files?path=/Docs{n}"))
            .await
            .unwrap(),
        owner.get("/api/v1/trash").await.unwrap(),
        owner.get("/api/v1/tokens").await.unwrap(),
    )
}

/// (method, path, JSON body; what the owner, another user and nobody get).
type Row = (
    Method,
    &'static str,
    Option<serde_json::Value>,
    StatusCode,
    StatusCode,
    StatusCode,
);

#[tokio::test]
async fn every_endpoint_authorises_owner_other_user_and_anonymous() {
    use StatusCode as S;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let nobody = server.anonymous();

    let rows: Vec<Row> = vec![
        (
            Method::GET,
            "/api/v1/files/{file}",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/files/{file}/content",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/files/{file}/versions",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/files/{file}/versions/1/content",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/{file}/versions/1/restore",
            Some(serde_json::json!({})),
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/{file}/move",
            Some(serde_json::json!({"path": "/moved{n}.txt"})),
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/{file}/copy",
            Some(serde_json::json!({"path": "/copy{n}.txt"})),
            S::CREATED,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::DELETE,
            "/api/v1/files/{file}",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/trash/{trashed}/restore",
            Some(serde_json::json!({})),
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::DELETE,
            "/api/v1/trash/{trashed}",
            None,
            S::NO_CONTENT,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/files/upload/{upload}",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/upload/{upload}/chunks",
            Some(serde_json::json!({"chunks": []})),
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::PUT,
            "/api/v1/files/upload/{upload}/chunks/0",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::PUT,
            "/api/v1/files/upload/{upload}/chunks?indexes=0",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/upload/{upload}/complete",
            Some(serde_json::json!({"content_hash": "00"})),
            S::CONFLICT,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::DELETE,
            "/api/v1/files/upload/{upload}",
            None,
            S::NO_CONTENT,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::DELETE,
            "/api/v1/tokens/{token}",
            None,
            S::NO_CONTENT,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/files?path=/Docs{n}",
            None,
            S::OK,
            S::NOT_FOUND,
            S::UNAUTHORIZED,
        ),
        // Endpoints scoped to the caller's own namespace: another user acts on theirs.
        (
            Method::GET,
            "/api/v1/me",
            None,
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/tokens",
            None,
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/trash",
            None,
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/search?q=a",
            None,
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::GET,
            "/api/v1/sync/delta",
            None,
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/folders",
            Some(serde_json::json!({"path": "/New{n}"})),
            S::CREATED,
            S::CREATED,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/files/upload/init",
            Some(serde_json::json!({"path": "/i{n}", "size": 0})),
            S::OK,
            S::OK,
            S::UNAUTHORIZED,
        ),
        (
            Method::POST,
            "/api/v1/tokens",
            Some(serde_json::json!({"label": "x"})),
            S::CREATED,
            S::CREATED,
            S::UNAUTHORIZED,
        ),
        (Method::GET, "/api/v1/config", None, S::OK, S::OK, S::OK),
    ];

    for (n, (method, template, body, owner_expects, other_expects, anonymous_expects)) in
        rows.into_iter().enumerate()
    {
        let f = fixture(&alice, n).await;
        let path = template
            .replace("{file}", &f.file)
            .replace("{trashed}", &f.trashed)
            .replace("{upload}", &f.upload)
            .replace("{token}", &f.token)
            .replace("{n}", &n.to_string());
        let body = body.map(|b| {
            serde_json::from_str::<serde_json::Value>(&b.to_string().replace("{n}", &n.to_string()))
                .unwrap()
        });
        let call = |client: &Client| {
            let mut request = client.request(method.clone(), &path);
            if let Some(body) = &body {
                request = request.json(body);
            } else if method == Method::PUT {
                request = request.body(f.chunk.clone());
            }
            request.send()
        };
        let before = state_of(&alice, n).await;
        for (who, client, expected) in [
            ("anonymous", &nobody, anonymous_expects),
            ("other user", &bob, other_expects),
        ] {
            let response = call(client).await.unwrap();
            assert_eq!(response.status(), expected, "{who}: {method} {template}");
            if !response.status().is_success() {
                let error: serde_json::Value = response.json().await.unwrap();
                assert!(
                    error["error"]["code"].is_string(),
                    "{who}: {method} {template}: {error}"
                );
            }
        }
        assert_eq!(
            state_of(&alice, n).await,
            before,
            "{method} {template} changed the owner's files"
        );
        let response = call(&alice).await.unwrap();
        assert_eq!(
            response.status(),
            owner_expects,
            "owner: {method} {template}"
        );
    }
}
