//! End-to-end tests of Linchpin live in `tests/e2e`: they start the real `linchpin` binary on
//! port 0 and talk HTTP and graphql-ws to it as a client would.
