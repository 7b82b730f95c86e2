//! API tests through `schema.execute`, on a fresh SQLite file and, when
//! `LINCHPIN_TEST_DATABASE_URL` is set, a fresh PostgreSQL database per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
mod accounts;
mod analysis;
mod authz;
mod blockages;
mod events;
mod firms;
mod helpers;
mod hostile;
mod links;
mod races;
mod schema;
mod speed;
mod supplier_list;
mod whitelist;
