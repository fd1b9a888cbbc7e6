//! The `/api/v1` contract: wire types for both targets, and the browser's client.

#[cfg(feature = "hydrate")]
pub mod client;
pub mod types;
