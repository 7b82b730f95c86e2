//! End-to-end: the real binary, real sockets, SQLite always and PostgreSQL/Redis when configured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
mod auth;
mod blockages;
mod drills;
mod helpers;
mod hostile;
mod serve;
mod suppliers;
mod whitelist;
