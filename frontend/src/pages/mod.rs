//! Cairn's pages.

pub mod activity;
pub mod auth;
pub mod files;
pub mod search;
