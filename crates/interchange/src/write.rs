//! Writing firms and links in the interchange format (what `gen-network` produces), and the cell
//! rule every export follows.
use std::borrow::Cow;
use std::io::Write;

use linchpin_domain::{ChainCode, FirmDraft, LinkDraft};

use crate::rows::{FIRM_COLUMNS, FIRM_OPTIONAL, LINK_COLUMNS};

/// A text cell as a spreadsheet will read it safely: text that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be run as a formula (CSV injection), so it gets a leading `'`, which
/// spreadsheets show as text and do not display. Everything else is unchanged.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Writes firms in the firms.csv format.
pub fn write_firms_csv(out: impl Write, firms: &[FirmDraft]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = FIRM_COLUMNS.to_vec();
    header.extend(FIRM_OPTIONAL);
    w.write_record(&header)?;
    for f in firms {
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let chains: Vec<&str> = f.chains.iter().map(ChainCode::as_str).collect();
        w.write_record([
            f.uscc.as_str().to_owned(),
            spreadsheet_safe(f.name.as_str()).into_owned(),
            f.region.as_str().to_owned(),
            f.industry.as_str().to_owned(),
            f.indicators.employees.map(|e| e.to_string()).unwrap_or_default(),
            opt(f.indicators.revenue_10k_cny),
            chains.join(";"),
            opt(f.indicators.assets_10k_cny),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes links in the links.csv format.
pub fn write_links_csv(out: impl Write, links: &[LinkDraft]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(LINK_COLUMNS)?;
    for l in links {
        w.write_record([
            l.supplier().as_str(),
            l.customer().as_str(),
            &spreadsheet_safe(l.product.as_str()),
            &l.annual_value.get().to_string(),
            l.essentiality.csv_str(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        for bad in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let safe = spreadsheet_safe(bad);
            assert!(safe.starts_with('\''), "{bad:?} -> {safe:?}");
            assert_eq!(&safe[1..], bad);
        }
        for ok in ["杭州精密", "A-1", "", "1=1"] {
            assert_eq!(spreadsheet_safe(ok), ok);
        }
    }
}
