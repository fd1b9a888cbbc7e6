//! Cairn's HTTP integration suite: a real server on loopback, real SQLite and chunk
//! files in a temporary directory, driven over real HTTP.
#![allow(clippy::unwrap_used)]

mod authorization;
mod big_zip;
mod cross_origin;
mod devices;
mod downloads;
mod gc;
mod openapi;
mod organise;
mod password_guessing;
mod process;
mod restart;
mod shares;
mod stream_revocation;
mod support;
mod sync;
mod upload_flow;
mod user_shares;
