//! Adapters: the ports implemented on real technology. Each turns its library's
//! errors into `StoreError`; nothing outside this module names a database or SDK type.

pub mod attempts_memory;
pub mod blob_fs;
pub mod blob_s3;
pub mod bus_local;
pub mod bus_redis;
pub mod sql;
