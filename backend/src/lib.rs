//! Cairn's server: the JSON API under `/api/v1`, the server-rendered web app, and
//! the storage of metadata and chunks behind ports.
//!
//! Layers, outermost first: `http` (axum: parse, authorise, call `core`, map) →
//! `core` (use cases over the ports) → `domain` (pure rules and types) and `ports`
//! (traits), implemented by `adapters` (SQL via sea-orm, chunk files on disk).
//! `domain` never imports axum, sea-orm or any IO; only `http` builds responses.
//! `zip` encodes folder downloads, bytes only.

// Rendering the web app's pages nests deep view types.
#![recursion_limit = "256"]

pub mod adapters;
pub mod app;
pub mod config;
pub mod core;
pub mod domain;
pub mod http;
pub mod ports;
pub mod zip;
