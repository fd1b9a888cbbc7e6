//! Cairn's HTTP integration suite: a real server on loopback, real SQLite and chunk
//! files in a temporary directory, driven over real HTTP.
#![allow(clippy::unwrap_used)]

mod authorization;
mod bad_input;
mod big_zip;
mod conformance;
mod cross_origin;
mod dedup_scope;
mod devices;
mod downloads;
mod entry_cap;
mod gc;
mod history;
mod name_key_migration;
mod names;
mod open_uploads;
mod openapi;
mod organise;
mod page_status;
mod password_guessing;
mod process;
mod restart;
mod schema;
mod shares;
mod slow_clients;
mod store;
mod stream_revocation;
mod support;
mod sync;
mod upload_flow;
mod user_shares;
