//! Mutations. Each takes one `input` and returns a payload with the object and `userErrors`;
//! expected failures (bad input, duplicates, stale versions) are user errors, and a failed
//! mutation writes nothing.
mod analysis;
mod auth;
mod firm;
mod link;

pub use analysis::AnalysisMutations;
pub use auth::AuthMutations;
pub use firm::FirmMutations;
pub use link::LinkMutations;

use linchpin_domain::ValidationError;

use crate::error::UserError;

/// Collects field errors while parsing an input, so a client sees every problem at once.
#[derive(Default)]
pub(crate) struct Errors(pub Vec<UserError>);

impl Errors {
    /// Keeps the value, or records the error against `input.<field>`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(UserError::on(field, e));
                None
            }
        }
    }
}
