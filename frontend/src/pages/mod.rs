//! Cairn's pages.

pub mod auth;
pub mod files;
