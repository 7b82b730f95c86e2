//! The streaming graph reader agrees with the row readers an import uses: the same good rows
//! become the same graph, and every bad row gets the same error.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use linchpin_domain::{ErrorCode, Uscc};
use linchpin_graph::AnalysisGraph;
use linchpin_interchange::{parse_firms, parse_links, read_network};

fn uscc(n: u32) -> String {
    let body = format!("91330106MA{n:07}");
    format!("{body}{}", Uscc::check_char(&body).unwrap())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Edges as (supplier USCC, customer USCC, value bits, essentiality), sorted.
fn edges(g: &AnalysisGraph, uscc_of: impl Fn(u32) -> String) -> Vec<(String, String, u64, String)> {
    let mut out = Vec::new();
    for v in 0..g.node_count() as u32 {
        for (c, w, e) in g.customers(v) {
            out.push((uscc_of(v), uscc_of(c), w.to_bits(), e.as_str().to_owned()));
        }
    }
    out.sort();
    out
}

#[test]
fn the_streaming_reader_and_the_row_readers_agree_on_good_and_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let firms = format!(
        "uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains\n\
         {a},甲,330106,C34,50,1000,NEV\n\
         {b},乙,330106,C38,12,200,NEV;IC\n\
         {c},丙,330203,C36,2000,90000,NEV\n\
         {a},甲again,330106,C34,50,1000,NEV\n\
         BADUSCC,丁,330106,C34,50,1000,NEV\n\
         {d},戊,990106,C34,50,1000,NEV\n\
         {e},己,330106,C34,-1,1000,NEV\n",
        a = uscc(1),
        b = uscc(2),
        c = uscc(3),
        d = uscc(4),
        e = uscc(5)
    );
    let links = format!(
        "supplier_uscc,customer_uscc,product,annual_value_10k_cny,essential\n\
         {a},{c},轴承,100,true\n\
         {b},{c},线束,50.5,false\n\
         {a},{c},轴承,7,true\n\
         {a},{b},包装,1,negligible\n\
         {a},{x},螺栓,3,true\n\
         {a},{x},螺栓,4,true\n\
         {a},{a},自用,1,true\n\
         {b},{c},线束2,0,true\n\
         {b},{c},线束3,5,maybe\n\
         {b},{c}\n\
         {b},{a},回流,2,false\n",
        a = uscc(1),
        b = uscc(2),
        c = uscc(3),
        x = uscc(99)
    );
    let fp = write(dir.path(), "firms.csv", &firms);
    let lp = write(dir.path(), "links.csv", &links);

    let net = read_network(&fp, &lp, linchpin_domain::IndustryLevel::Class, &|_, _| {}).unwrap();
    let (firm_rows, mut bad) = parse_firms(&fp).unwrap();
    let (link_rows, bad_links) = parse_links(&lp).unwrap();
    bad.extend(bad_links);
    // links naming a firm outside the firms file are the analysis' own check
    let known: HashMap<&str, usize> = firm_rows.iter().enumerate().map(|(i, r)| (r.firm.uscc.as_str(), i)).collect();
    let mut good_links = Vec::new();
    for r in &link_rows {
        if known.contains_key(r.link.supplier().as_str()) && known.contains_key(r.link.customer().as_str()) {
            good_links.push(r);
        } else {
            bad.push(linchpin_domain::RowError {
                file: "links",
                line: r.line,
                column: None,
                code: ErrorCode::NotFound,
                message: "a firm of this link is not in the firms file".into(),
            });
        }
    }
    bad.sort_by_key(|e| (e.file, e.line));
    assert_eq!(net.errors, bad);

    assert_eq!(net.firms.len(), firm_rows.len());
    for (i, r) in firm_rows.iter().enumerate() {
        assert_eq!(net.firms.uscc(i as u32), r.firm.uscc.as_str());
        assert_eq!(net.firms.name(i as u32), r.firm.name.as_str());
        assert_eq!(net.firms.size_class(i as u32), r.firm.size_class());
        assert_eq!(net.graph.industry_name(net.graph.industry(i as u32)), r.firm.industry.as_str());
        assert_eq!(net.firms.province(i as u32), r.firm.region.province());
        assert_eq!(
            net.firms.chains(i as u32).collect::<Vec<_>>(),
            r.firm.chains.iter().map(|c| c.as_str()).collect::<Vec<_>>()
        );
    }
    let mut want: Vec<(String, String, u64, String)> = good_links
        .iter()
        .map(|r| {
            (
                r.link.supplier().as_str().to_owned(),
                r.link.customer().as_str().to_owned(),
                r.link.annual_value.get().to_bits(),
                r.link.essentiality.as_str().to_owned(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(edges(&net.graph, |v| net.firms.uscc(v).to_owned()), want);
    // the first of repeated rows wins; both repeats are reported on their own line
    assert!(net.errors.iter().any(|e| e.line == 4 && e.message.contains("line 2")));
    assert!(net.errors.iter().any(|e| e.line == 7 && e.message.contains("line 6")));
    assert!(net.errors.iter().any(|e| e.file == "firms" && e.line == 5 && e.column.as_deref() == Some("uscc")));
}

#[test]
fn a_file_that_cannot_be_read_or_has_a_wrong_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fp = write(dir.path(), "firms.csv", "uscc,name\n");
    let lp = write(dir.path(), "links.csv", "supplier_uscc,customer_uscc,product,annual_value_10k_cny,essential\n");
    let err = read_network(&fp, &lp, linchpin_domain::IndustryLevel::Class, &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("missing column"), "{err}");
    let err =
        read_network(&dir.path().join("nope.csv"), &lp, linchpin_domain::IndustryLevel::Class, &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
}
