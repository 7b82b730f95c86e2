//! The interchange files of Linchpin (DESIGN.md "Interchange formats"): firms.csv and links.csv,
//! UTF-8 with a header row, or XLSX sheets with the same columns; and the exported whitelist
//! ([`write_whitelist_xlsx`], [`read_whitelist`]).
//!
//! Reading validates every row into domain values and reports each bad row with its file, line,
//! column and stable code ([`RowError`](linchpin_domain::RowError)); nothing here writes to a
//! database. [`parse_firms`] and [`parse_links`] return the rows for an import;
//! [`read_network`] builds the analysis graph while it streams, for the offline analysis of
//! national networks. No database, no async runtime: the offline commands use this crate without
//! the ORM.

mod network;
mod read;
mod rows;
mod suppliers;
mod whitelist;
mod write;

pub use network::{FirmTable, NetworkFile, PROGRESS_EVERY, read_network};
pub use read::{FileError, MAX_FILE_BYTES};
pub use rows::{FIRM_COLUMNS, FIRM_OPTIONAL, FileRows, LINK_COLUMNS, parse_firms, parse_links};
pub use suppliers::{SUPPLIER_COLUMNS, parse_supplier_list};
pub use whitelist::{
    WHITELIST_COLUMNS, WhitelistRow, number_cell, read_whitelist, write_whitelist_csv, write_whitelist_xlsx,
};
pub use write::{spreadsheet_safe, write_firms_csv, write_links_csv};
