//! Guarantees that every error a client sees carries `extensions.code`.
//!
//! Resolver errors get their code from [`ApiError`](crate::ApiError). Errors raised by
//! async-graphql itself before any resolver runs (syntax, unknown fields, depth and complexity
//! limits) have no path and become `VALIDATION`, as do arguments that fail to parse (a null for
//! a non-null argument, an out-of-range scalar). An error from inside a resolver that has no
//! code is a bug or an internal failure: it is logged and replaced by `INTERNAL` with an opaque
//! message, so no internal text leaks.
use async_graphql::{Response, ServerError};

/// `resp` with a code on every error ([`ApiSchema`](crate::ApiSchema) stamps every response it
/// returns, on every transport).
pub(crate) fn stamp(mut resp: Response) -> Response {
    for e in &mut resp.errors {
        stamp_error(e);
    }
    resp
}

fn stamp_error(e: &mut ServerError) {
    let has_code = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
    if has_code {
        return;
    }
    // Errors before any resolver (no path), and arguments that fail to parse into their input
    // types (async-graphql says `Failed to parse "Type": ...`, or `Expected input type "Type",
    // found ...` when a value passed validation but not parsing, as a JSON string for an
    // `Upload`), are the client's input.
    let input = ["Failed to parse", "Expected input type"];
    let code = if e.path.is_empty() || input.iter().any(|p| e.message.starts_with(p)) {
        "VALIDATION"
    } else {
        tracing::error!(message = %e.message, path = ?e.path, "resolver error without a code");
        e.message = "internal error".into();
        "INTERNAL"
    };
    e.extensions.get_or_insert_with(Default::default).set("code", code);
}
