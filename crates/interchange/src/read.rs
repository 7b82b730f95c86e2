//! Reading rows: the header check, CSV streaming, XLSX sheets, and the per-row view the row
//! parsers work on. Nothing here knows what a firm or a link is.
use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use linchpin_domain::{ErrorCode, RowError, ValidationError};

/// Largest file accepted, so a mistaken path cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Why a file could not be read at all (as opposed to bad rows).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The header row lacks columns or has unknown ones.
    #[error("{path}: {reason}")]
    BadHeader {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The checked header of a file: column positions by name (a handful, so a list beats a hash map
/// on the per-row look-ups).
pub(crate) struct Header {
    columns: Vec<(String, usize)>,
    width: usize,
}

impl Header {
    /// A row with fewer fields than the header, or with text beyond the last column, is
    /// malformed (a shifted column would otherwise be read as the wrong field).
    fn shape_error(&self, row: &[&str]) -> Option<String> {
        let extra = row.iter().skip(self.width).any(|c| !c.trim().is_empty());
        (row.len() < self.width || extra).then(|| {
            let n = if extra { row.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |i| i + 1) } else { row.len() };
            format!("row has {n} fields; the header has {}", self.width)
        })
    }

    pub(crate) fn get<'a>(&self, row: &[&'a str], col: &str) -> &'a str {
        self.columns.iter().find(|(name, _)| name == col).and_then(|&(_, i)| row.get(i)).map_or("", |s| s.trim())
    }
}

pub(crate) fn unreadable(path: &Path, e: impl std::fmt::Display) -> FileError {
    FileError::Unreadable { path: path.display().to_string(), reason: e.to_string() }
}

fn check_header(
    path: &Path,
    mut header: Vec<String>,
    required: &[&str],
    optional: &[&str],
) -> Result<Header, FileError> {
    let bad = |reason: String| FileError::BadHeader { path: path.display().to_string(), reason };
    // A sheet's used range can be wider than its header; empty trailing header cells are not columns.
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    let mut columns = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            return Err(bad(format!("unknown column `{name}`; expected {}", required.join(","))));
        }
        if columns.insert(name.clone(), i).is_some() {
            return Err(bad(format!("column `{name}` appears twice")));
        }
    }
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(bad(format!("missing column(s) {}; expected header {}", missing.join(", "), required.join(","))));
    }
    Ok(Header { columns: columns.into_iter().collect(), width: header.len() })
}

/// A row as read: its fields, or why it could not be split into fields (bad UTF-8).
pub(crate) type RawRow<'a> = Result<&'a [&'a str], String>;

/// The columns a file must and may have, and the name its rows are reported under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// `firms`, `links`, `suppliers`.
    pub file: &'static str,
    /// Columns every file must have.
    pub required: &'static [&'static str],
    /// Columns a file may have.
    pub optional: &'static [&'static str],
}

fn is_spreadsheet(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods")
}

/// Reads a CSV or XLSX (by extension `.xlsx`/`.xlsm`/`.xls`/`.ods`) file row by row after
/// checking its header; `each` gets the header, the 1-based line (the header is line 1) and the
/// row. Empty rows are skipped. CSV rows are streamed, never all held as text.
pub(crate) fn read_rows(
    path: &Path,
    layout: Layout,
    mut each: impl FnMut(&Header, usize, RawRow<'_>),
) -> Result<(), FileError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(unreadable(path, format!("file is larger than {MAX_FILE_BYTES} bytes")));
    }
    if is_spreadsheet(path) {
        let mut wb = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable(path, "workbook has no sheet"))?
            .map_err(|e| unreadable(path, e))?;
        let mut rows = range.rows();
        let raw: Vec<String> = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
        let header = check_header(path, raw, layout.required, layout.optional)?;
        // Sheet rows are numbered from the range's first row (1-based, header included).
        let first = range.start().map_or(1, |(r, _)| r as usize + 1);
        for (i, r) in rows.enumerate() {
            let cells: Vec<String> = r.iter().map(cell_text).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
            each(&header, first + 1 + i, Ok(&fields));
        }
        return Ok(());
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).has_headers(true).from_path(path).map_err(|e| unreadable(path, e))?;
    let raw: Vec<String> = reader.headers().map_err(|e| unreadable(path, e))?.iter().map(str::to_owned).collect();
    let header = check_header(path, raw, layout.required, layout.optional)?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map_or(0, |p| p.line() as usize);
                let fields: Vec<&str> = record.iter().collect();
                each(&header, line, Ok(&fields));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => each(&header, line, Err("row is not valid UTF-8".to_owned())),
                    csv::ErrorKind::Io(_) => return Err(unreadable(path, e)),
                    _ => each(&header, line, Err(format!("row cannot be read: {e}"))),
                }
            }
        }
    }
    Ok(())
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn row_error(file: &'static str, line: usize, column: Option<&str>, e: ValidationError) -> RowError {
    RowError { file, line, column: column.map(str::to_owned), code: e.code, message: e.message }
}

/// A row as seen by a row parser: its fields by column name, and a way to blame a column.
pub(crate) struct RowView<'a> {
    header: &'a Header,
    row: &'a [&'a str],
    file: &'static str,
    line: usize,
}

impl RowView<'_> {
    /// The trimmed text of column `col` ("" when the file has no such column).
    pub fn field(&self, col: &str) -> &str {
        self.header.get(self.row, col)
    }

    /// Parses column `col` with `parse`, blaming that column on failure.
    pub fn parse<T>(
        &self,
        col: &'static str,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Result<T, RowError> {
        parse(self.field(col)).map_err(|e| row_error(self.file, self.line, Some(col), e))
    }
}

/// The checks every row goes through before its own parser: it could be read, and it has the
/// header's shape. Then `parse` sees it.
pub(crate) fn parse_row<T>(
    header: &Header,
    file: &'static str,
    line: usize,
    row: RawRow<'_>,
    parse: impl FnOnce(&RowView<'_>) -> Result<T, RowError>,
) -> Result<T, RowError> {
    let invalid =
        |line: usize, why: String| row_error(file, line, None, ValidationError::new(ErrorCode::InvalidValue, why));
    let row = row.map_err(|why| invalid(line, why))?;
    if let Some(why) = header.shape_error(row) {
        return Err(invalid(line, why));
    }
    parse(&RowView { header, row, file, line })
}

/// Rows handed from the reading thread to the consumer at a time.
const BATCH: usize = 4_096;

/// Reads and parses rows on a thread of its own while `consume` takes them, in file order, on the
/// calling thread: reading and validating text, and whatever the consumer does with the values
/// (hash look-ups, building a graph), then use both cores. Same rows and errors as [`read_rows`]
/// with [`parse_row`].
pub(crate) fn stream_rows<T: Send>(
    path: &Path,
    layout: Layout,
    mut parse: impl FnMut(&RowView<'_>) -> Result<T, RowError> + Send,
    mut consume: impl FnMut(usize, Result<T, RowError>),
) -> Result<(), FileError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Result<T, RowError>)>>(8);
        let reader = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let result = read_rows(path, layout, |header, line, row| {
                batch.push((line, parse_row(header, layout.file, line, row, &mut parse)));
                if batch.len() == BATCH {
                    // a closed channel means the consumer is gone; the reader just finishes
                    let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            result
        });
        for batch in rx {
            for (line, item) in batch {
                consume(line, item);
            }
        }
        reader.join().unwrap_or_else(|_| Err(unreadable(path, "the reading thread failed")))
    })
}
