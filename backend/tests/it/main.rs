//! Cairn's HTTP integration suite: a real server on loopback, real SQLite and chunk
//! files in a temporary directory, driven over real HTTP.
#![allow(clippy::unwrap_used)]

mod authorization;
mod big_zip;
mod dedup_scope;
mod devices;
mod downloads;
mod gc;
mod open_uploads;
mod openapi;
mod organise;
mod process;
mod restart;
mod shares;
mod slow_clients;
mod support;
mod sync;
mod upload_flow;
mod user_shares;
