//! `S3BlobStore`: chunks as objects in an S3 bucket (any S3 API: Garage, MinIO, AWS),
//! named by their SHA-256 under a key prefix (`<prefix>chunks/ab/cd/abcd…`).
//!
//! Objects are written whole by one `PUT`, which S3 makes visible atomically, so a
//! crash leaves either the whole chunk or nothing. Content addressing makes every
//! write idempotent.

use crate::ports::{BlobStore, StoreError};
use async_trait::async_trait;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use wasm_chunker::ChunkId;

/// Where and how to reach the bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The S3 API's base URL, e.g. `http://127.0.0.1:3900`.
    pub endpoint: String,
    /// The region the server expects (Garage: its `s3_region`).
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// Prepended to every key, e.g. `cairn/`; may be empty.
    pub prefix: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Chunks stored as S3 objects.
pub struct S3BlobStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

fn failure<E: ProvideErrorMetadata + std::fmt::Debug>(
    what: &str,
    error: SdkError<E>,
) -> StoreError {
    let detail = match &error {
        SdkError::ServiceError(service) => format!(
            "{}: {}",
            service.err().code().unwrap_or("error"),
            service.err().message().unwrap_or("no message")
        ),
        other => format!("{other:?}"),
    };
    StoreError::Backend(format!("S3 {what} failed: {detail}"))
}

impl S3BlobStore {
    /// A client for the bucket; checks that the bucket answers.
    pub async fn connect(settings: &S3Settings) -> Result<S3BlobStore, StoreError> {
        let credentials = Credentials::new(
            settings.access_key_id.clone(),
            settings.secret_access_key.clone(),
            None,
            None,
            "cairn-config",
        );
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .endpoint_url(settings.endpoint.clone())
            .credentials_provider(credentials)
            .force_path_style(true)
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        client
            .head_bucket()
            .bucket(&settings.bucket)
            .send()
            .await
            .map_err(|e| {
                failure(
                    &format!(
                        "access to bucket {:?} at {}",
                        settings.bucket, settings.endpoint
                    ),
                    e,
                )
            })?;
        Ok(S3BlobStore {
            client,
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.clone(),
        })
    }

    fn key(&self, id: &ChunkId) -> String {
        let hex = id.to_hex();
        format!(
            "{}chunks/{}/{}/{}",
            self.prefix,
            &hex[0..2],
            &hex[2..4],
            hex
        )
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, id: &ChunkId, bytes: Bytes) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(id))
            .content_length(bytes.len() as i64)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failure(&format!("PUT of chunk {id}"), e))?;
        Ok(())
    }

    async fn get(&self, id: &ChunkId) -> Result<Bytes, StoreError> {
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(id))
            .send()
            .await
        {
            Ok(object) => object,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => {
                return Err(StoreError::NotFound(format!("chunk {id}")))
            }
            Err(e) => return Err(failure(&format!("GET of chunk {id}"), e)),
        };
        let body = object
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Backend(format!("S3 GET of chunk {id} broke off: {e}")))?;
        Ok(body.into_bytes())
    }

    async fn contains(&self, id: &ChunkId) -> Result<bool, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.key(id))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(false),
            Err(e) => Err(failure(&format!("HEAD of chunk {id}"), e)),
        }
    }

    async fn delete(&self, id: &ChunkId) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.key(id))
            .send()
            .await
            .map_err(|e| failure(&format!("DELETE of chunk {id}"), e))?;
        Ok(())
    }
}
