//! Cursor pagination shared by every connection: opaque cursors over ids, `first` capped at 100.
use async_graphql::OutputType;
use async_graphql::connection::{Connection, CursorType, Edge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use linchpin_store::Page;

use crate::error::ApiError;

/// Largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// Page size when `first` is omitted.
pub const DEFAULT_PAGE: i32 = 20;

/// An opaque cursor over an id-ordered listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub i64);

/// A cursor this API did not issue.
#[derive(Debug)]
pub struct BadCursor;

impl std::fmt::Display for BadCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("`after` is not a cursor returned by this API")
    }
}

impl CursorType for IdCursor {
    type Error = BadCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || BadCursor;
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let n = text.strip_prefix("cursor:").ok_or_else(bad)?;
        Ok(Self(n.parse().map_err(|_| bad())?))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("cursor:{}", self.0))
    }
}

/// What a connection costs in the query-complexity budget: its page size (as `first` will be
/// clamped: the default when absent, at most [`MAX_PAGE`]) times what each node costs, plus one for
/// the field itself. Nested connections multiply, so a query that would fan out to a million rows
/// is refused before any resolver runs.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    n.saturating_mul(child_complexity).saturating_add(1)
}

/// Validates `first` and `after`: returns the page size and the id to start after.
pub fn page_args(first: Option<i32>, after: Option<String>) -> Result<(u64, Option<i64>), ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::Validation(format!("`first` must be between 0 and {MAX_PAGE}, got {first}")));
    }
    let after = after
        .map(|a| IdCursor::decode_cursor(&a))
        .transpose()
        .map_err(|e| ApiError::Validation(e.to_string()))?
        .map(|c| c.0);
    Ok((first as u64, after))
}

/// Turns a store page into a connection: `cursor` gives each item's cursor, `node` its GraphQL
/// type.
pub fn connection<T, C: CursorType + Send + Sync, N: OutputType>(
    page: Page<T>,
    after_given: bool,
    cursor: impl Fn(&T) -> C,
    node: impl Fn(T) -> N,
) -> Connection<C, N> {
    let mut conn = Connection::new(after_given, page.has_next);
    conn.edges.extend(page.items.into_iter().map(|item| Edge::new(cursor(&item), node(item))));
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_capped_and_cursors_round_trip() {
        assert!(page_args(Some(101), None).is_err());
        assert!(page_args(Some(-1), None).is_err());
        assert_eq!(page_args(None, None).unwrap(), (20, None));
        let c = IdCursor(7).encode_cursor();
        assert_eq!(page_args(Some(100), Some(c)).unwrap(), (100, Some(7)));
        assert!(page_args(Some(1), Some("garbage".into())).is_err());
    }
}
