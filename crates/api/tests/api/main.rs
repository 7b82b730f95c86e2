//! API tests through `schema.execute`, on a fresh SQLite file and, when
//! `LINCHPIN_TEST_DATABASE_URL` is set, a fresh PostgreSQL database per test.
mod events;
mod firms;
mod helpers;
mod links;
mod schema;
