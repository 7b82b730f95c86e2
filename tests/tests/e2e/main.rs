//! End-to-end: the real binary, real sockets, SQLite always and PostgreSQL/Redis when configured.
mod helpers;
mod serve;
