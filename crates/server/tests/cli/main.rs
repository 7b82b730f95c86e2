//! The command line as an operator uses it: `linchpin import`, `schema`, `gen-network`, on a
//! fresh SQLite file (and PostgreSQL when `LINCHPIN_TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
use std::path::{Path, PathBuf};
use std::process::Command;

use linchpin_domain::Uscc;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn linchpin(db: &str, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_linchpin"))
        .args(args)
        .env("LINCHPIN_DATABASE_URL", db)
        .env("LINCHPIN_LOG", "warn")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn uscc(n: u32) -> String {
    let body = format!("91330106MA{n:07}");
    format!("{body}{}", Uscc::check_char(&body).unwrap())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const FIRMS_HEADER: &str = "uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains\n";
const LINKS_HEADER: &str = "supplier_uscc,customer_uscc,product,annual_value_10k_cny,essential\n";

fn good_files(dir: &Path) -> (PathBuf, PathBuf) {
    let firms = format!(
        "{FIRMS_HEADER}{},甲轴承,330106,C3450,50,1000,NEV\n{},乙线束,330106,C38,12,200,NEV;IC\n{},丙总装,330203,C36,2000,90000,NEV\n",
        uscc(1),
        uscc(2),
        uscc(3)
    );
    let links = format!(
        "{LINKS_HEADER}{},{},轴承,100,true\n{},{},线束,50.5,false\n{},{},包装,1,negligible\n",
        uscc(1),
        uscc(3),
        uscc(2),
        uscc(3),
        uscc(1),
        uscc(2)
    );
    (write(dir, "firms.csv", &firms), write(dir, "links.csv", &links))
}

/// A database for one test: a SQLite file, or a scratch PostgreSQL database dropped with it.
enum Db {
    Sqlite(String),
    Postgres(linchpin_store::ScratchDatabase),
}

impl std::ops::Deref for Db {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Self::Sqlite(url) => url,
            Self::Postgres(db) => db.url(),
        }
    }
}

fn databases(dir: &Path) -> Vec<Db> {
    let mut out = vec![Db::Sqlite(format!("sqlite://{}?mode=rwc", dir.join("cli.db").display()))];
    match std::env::var("LINCHPIN_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            out.push(Db::Postgres(
                rt.block_on(linchpin_store::ScratchDatabase::create(&admin, "linchpin_cli")).unwrap(),
            ));
        }
        _ => {
            assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires LINCHPIN_TEST_DATABASE_URL");
            eprintln!("LINCHPIN_TEST_DATABASE_URL is not set: skipping the PostgreSQL run of this test")
        }
    }
    out
}

#[test]
fn importing_the_same_files_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, links) = good_files(dir.path());
    for db in databases(dir.path()) {
        let args = ["import", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()];
        let first = linchpin(&db, &args);
        assert_eq!(first.code, 0, "{}", first.stderr);
        assert!(
            first.stdout.contains("firms 3 created, 0 updated, 0 unchanged; links 3 created, 0 updated, 0 unchanged"),
            "{}",
            first.stdout
        );
        let second = linchpin(&db, &args);
        assert!(
            second.stdout.contains("firms 0 created, 0 updated, 3 unchanged; links 0 created, 0 updated, 3 unchanged"),
            "{}",
            second.stdout
        );
        // a changed value updates just that row
        let changed = std::fs::read_to_string(&links).unwrap().replace(",50.5,", ",60,");
        let links2 = write(dir.path(), "links2.csv", &changed);
        let third = linchpin(&db, &["import", "--links", links2.to_str().unwrap()]);
        assert!(third.stdout.contains("links 0 created, 1 updated, 2 unchanged"), "{}", third.stdout);
    }
}

#[test]
fn any_bad_row_is_reported_with_its_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad_check = uscc(5);
    bad_check.replace_range(17..18, if bad_check.ends_with('0') { "1" } else { "0" });
    let firms = write(
        dir.path(),
        "firms.csv",
        &format!(
            "{FIRMS_HEADER}{},好公司,330106,C36,10,10,NEV\n{bad_check},坏校验码,330106,C36,10,10,NEV\n{},坏地区,990106,C36,10,10,NEV\n{},负收入,330106,C36,10,-1,NEV\n{},重复,330106,C36,10,10,NEV\n",
            uscc(4),
            uscc(6),
            uscc(7),
            uscc(4)
        ),
    );
    let links = write(
        dir.path(),
        "links.csv",
        &format!(
            "{LINKS_HEADER}{a},{a},自供,1,true\n{a},{b},零值,0,true\n{a},{b},好链接,1,maybe\n{a},{c},未知客户,1,true\n",
            a = uscc(4),
            b = uscc(7),
            c = uscc(99)
        ),
    );
    for db in databases(dir.path()) {
        let out = linchpin(&db, &["import", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        for expected in [
            "firms line 3, column uscc",
            "INVALID_USCC",
            "firms line 4, column region_code",
            "INVALID_REGION",
            "firms line 5, column revenue_10k_cny",
            "OUT_OF_RANGE",
            "firms line 6, column uscc",
            "DUPLICATE",
            "links line 2, column customer_uscc",
            "SELF_LINK",
            "links line 3, column annual_value_10k_cny",
            "links line 4, column essential",
            "nothing was written",
        ] {
            assert!(out.stderr.contains(expected), "missing `{expected}` in:\n{}", out.stderr);
        }
        // Nothing was written: the one good firm is created by a later import.
        let ok = write(dir.path(), "ok.csv", &format!("{FIRMS_HEADER}{},好公司,330106,C36,10,10,NEV\n", uscc(4)));
        let later = linchpin(&db, &["import", "--firms", ok.to_str().unwrap()]);
        assert!(later.stdout.contains("firms 1 created"), "{}", later.stdout);
    }
}

#[test]
fn a_link_to_an_unknown_firm_rejects_the_import_unless_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, _) = good_files(dir.path());
    let links = write(
        dir.path(),
        "l.csv",
        &format!("{LINKS_HEADER}{},{},x,1,true\n{},{},y,1,true\n", uscc(1), uscc(3), uscc(1), uscc(42)),
    );
    for db in databases(dir.path()) {
        let args = ["import", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()];
        let strict = linchpin(&db, &args);
        assert_eq!(strict.code, 2);
        assert!(strict.stderr.contains("links line 3") && strict.stderr.contains("NOT_FOUND"), "{}", strict.stderr);
        let mut lenient_args = args.to_vec();
        lenient_args.push("--skip-invalid");
        let lenient = linchpin(&db, &lenient_args);
        assert_eq!(lenient.code, 0, "{}", lenient.stderr);
        assert!(
            lenient.stdout.contains("firms 3 created") && lenient.stdout.contains("links 1 created"),
            "{}",
            lenient.stdout
        );
        assert!(lenient.stdout.contains("1 bad row(s) skipped"));
    }
}

#[test]
fn a_wrong_header_is_refused_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "f.csv", "uscc,name,region\n");
    let out = linchpin(
        &format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display()),
        &["import", "--firms", f.to_str().unwrap()],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown column `region`"), "{}", out.stderr);
}

#[test]
fn xlsx_files_import_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firms.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in
        ["uscc", "name", "region_code", "industry_code", "employees", "revenue_10k_cny", "chains"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, uscc(8)).unwrap();
    ws.write_string(1, 1, "表格公司").unwrap();
    ws.write_number(1, 2, 330106.0).unwrap();
    ws.write_string(1, 3, "C36").unwrap();
    ws.write_number(1, 4, 40.0).unwrap();
    ws.write_number(1, 5, 500.5).unwrap();
    ws.write_string(1, 6, "NEV").unwrap();
    ws.write_string(2, 0, "bad").unwrap();
    wb.save(&path).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let out = linchpin(&db, &["import", "--firms", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("firms line 3, column uscc"), "{}", out.stderr);
    let out = linchpin(&db, &["import", "--skip-invalid", "--firms", path.to_str().unwrap()]);
    assert!(out.stdout.contains("firms 1 created"), "{} {}", out.stdout, out.stderr);
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let out = linchpin("sqlite::memory:", &["schema"]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/schema.graphql")).unwrap();
    assert_eq!(out.stdout, committed);
}

#[test]
fn generated_networks_import_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = linchpin(
        "sqlite::memory:",
        &["gen-network", "--firms", "300", "--seed", "3", "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
    let f = dir.path().join("firms.csv");
    let l = dir.path().join("links.csv");
    let imp = linchpin(&db, &["import", "--firms", f.to_str().unwrap(), "--links", l.to_str().unwrap()]);
    assert_eq!(imp.code, 0, "{}", imp.stderr);
    assert!(imp.stdout.contains("firms 300 created"), "{}", imp.stdout);
    assert!(imp.stdout.contains("0 bad row(s)"));
}

#[test]
fn malformed_rows_are_reported_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        format!("{FIRMS_HEADER}{},多一列,330106,C36,10,10,NEV,extra\n{},少一列,330106\n", uscc(11), uscc(12))
            .into_bytes();
    text.extend_from_slice(format!("{},", uscc(13)).as_bytes());
    text.extend_from_slice(&[0xff, 0xfe]);
    text.extend_from_slice(b",330106,C36,10,10,NEV\n");
    let f = dir.path().join("m.csv");
    std::fs::write(&f, text).unwrap();
    let out = linchpin(
        &format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display()),
        &["import", "--firms", f.to_str().unwrap()],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("firms line 2: row has 8 fields; the header has 7"), "{}", out.stderr);
    assert!(out.stderr.contains("firms line 3: row has 3 fields; the header has 7"), "{}", out.stderr);
    assert!(out.stderr.contains("firms line 4: row is not valid UTF-8"), "{}", out.stderr);
}

#[test]
fn analyze_reproduces_the_worked_cases_of_the_design() {
    let dir = tempfile::tempdir().unwrap();
    // A -> C 10 non-essential, B -> C 30 essential; three industries
    let firms = write(
        dir.path(),
        "f.csv",
        &format!(
            "{FIRMS_HEADER}{},甲,330106,C34,30,500,NEV\n{},乙,330106,C38,30,500,NEV\n{},丙,330106,C36,30,500,NEV\n",
            uscc(21),
            uscc(22),
            uscc(23)
        ),
    );
    let links = write(
        dir.path(),
        "l.csv",
        &format!("{LINKS_HEADER}{},{},x,10,false\n{},{},y,30,true\n", uscc(21), uscc(23), uscc(22), uscc(23)),
    );
    let out = dir.path().join("out.csv");
    let run = linchpin(
        "sqlite::memory:",
        &[
            "analyze",
            "--firms",
            firms.to_str().unwrap(),
            "--links",
            links.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--tol",
            "1e-9",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let esri: Vec<f64> = rows.records().map(|r| r.unwrap()[2].parse().unwrap()).collect();
    for (got, want) in esri.iter().zip([0.25, 0.75, 1.0]) {
        assert!((got - want).abs() < 1e-6, "{esri:?}");
    }
    // the first columns are the same as before the ranked list; its columns follow
    assert!(text.starts_with("uscc,size_class,esri,esri_down,esri_up,systemic_multiplier,dominated_firms,dominated_large_firms,sole_essential_customers,downstream_firms,downstream_employees,key_node,reasons,output_at_stake_10k_cny,jobs_at_stake,priority_score,rank,stability\n"));
    // output at stake is ESRI times the network's output (40): 10, 30, 40
    let stake: Vec<f64> =
        csv::Reader::from_reader(text.as_bytes()).records().map(|r| r.unwrap()[13].parse().unwrap()).collect();
    for (got, want) in stake.iter().zip([10.0, 30.0, 40.0]) {
        assert!((got - want).abs() < 1e-4, "{stake:?}");
    }
    let json = linchpin(
        "sqlite::memory:",
        &["analyze", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap(), "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[1]["sole_essential_customers"][0]["uscc"], uscc(23));
    assert_eq!(v[2]["downstream_firms"], 0.0);
}

#[test]
fn analyze_refuses_bad_rows_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, _) = good_files(dir.path());
    let links = write(dir.path(), "l.csv", &format!("{LINKS_HEADER}{},{},x,1,true\n", uscc(1), uscc(77)));
    let out = linchpin(
        "sqlite::memory:",
        &["analyze", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("links line 2") && out.stderr.contains("NOT_FOUND"), "{}", out.stderr);
    let lenient = linchpin(
        "sqlite::memory:",
        &["analyze", "--skip-invalid", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()],
    );
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    assert_eq!(lenient.stdout.lines().count(), 4, "a header and one row per firm: {}", lenient.stdout);
}

#[test]
fn every_import_is_an_audit_event_with_its_files_hashes_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, links) = good_files(dir.path());
    let sha = linchpin::import::sha256_file(&firms).unwrap();
    for db in databases(dir.path()) {
        let out = linchpin(&db, &["import", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let events = rt.block_on(async {
            let store = linchpin_store::Store::connect(&db).await.unwrap();
            let filter = linchpin_store::audit::AuditFilter { action: Some("import".into()), ..Default::default() };
            linchpin_store::audit::list(store.db(), None, &filter, None, 10).await.unwrap().items
        });
        assert_eq!(events.len(), 1, "{events:?}");
        let after: serde_json::Value = serde_json::from_str(events[0].after.as_deref().unwrap()).unwrap();
        assert!(events[0].actor.starts_with("cli:"), "{:?}", events[0]);
        assert_eq!(after["files"][0]["sha256"], sha.as_str());
        assert_eq!(after["files"][0]["rows"], 3);
        assert_eq!(after["firms"]["created"], 3);
        assert_eq!(after["links"]["created"], 3);
        // a rejected import writes no event either
        let bad = write(
            dir.path(),
            "bad.csv",
            "uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains\nX,甲,330106,C36,1,1,\n",
        );
        assert_eq!(linchpin(&db, &["import", "--firms", bad.to_str().unwrap()]).code, 2);
        let count = rt.block_on(async {
            let store = linchpin_store::Store::connect(&db).await.unwrap();
            linchpin_store::audit::count(store.db()).await.unwrap()
        });
        assert_eq!(count, 1);
    }
}

fn generated(dir: &Path, firms: u32, seed: u32, plant: u32) -> (PathBuf, PathBuf) {
    let out = dir.join(format!("net-{firms}-{seed}"));
    let run = linchpin(
        "sqlite::memory:",
        &[
            "gen-network",
            "--firms",
            &firms.to_string(),
            "--seed",
            &seed.to_string(),
            "--plant",
            &plant.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    (out.join("firms.csv"), out.join("links.csv"))
}

fn analyze_json(firms: &Path, links: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args =
        vec!["analyze", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let run = linchpin("sqlite::memory:", &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap().as_array().unwrap().clone()
}

#[test]
fn planted_key_nodes_are_on_the_default_list_near_its_top_with_reasons_naming_their_customers() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, links) = generated(dir.path(), 3_000, 2, 5);
    let planted: Vec<csv::StringRecord> = csv::Reader::from_path(firms.parent().unwrap().join("planted.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert!(planted.len() >= 3, "{planted:?}");
    let rows = analyze_json(&firms, &links, &[]);
    let listed = rows.iter().filter(|r| r["key_node"] == true).count();
    let mut ranks = Vec::new();
    for p in &planted {
        let row = rows.iter().find(|r| r["uscc"] == p[0].as_ref()).unwrap();
        assert_eq!(row["key_node"], true, "every planted firm is on the list: {row}");
        ranks.push(row["rank"].as_u64().unwrap() as usize);
        // the reason names the LARGE customers it alone supplies
        let sole: Vec<&serde_json::Value> = row["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["code"] == "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM")
            .collect();
        assert_eq!(sole.len(), p[3].split(';').count(), "{row}");
        for customer in p[3].split(';') {
            assert!(
                sole.iter().any(|x| x["en"].as_str().unwrap().contains(customer)),
                "{customer} not named: {sole:?}"
            );
        }
    }
    // near the top: the first of them leads the list, and on average they sit in its first third
    // (the later ones feed smaller LARGE firms, so they put less at stake)
    ranks.sort_unstable();
    let mean = ranks.iter().sum::<usize>() as f64 / ranks.len() as f64;
    assert!(ranks[0] <= 3 && mean <= listed as f64 / 3.0, "planted ranks {ranks:?} of {listed}");
}

#[test]
fn the_default_list_holds_at_most_two_percent_of_smes_and_budgets_and_scopes_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, links) = generated(dir.path(), 2_500, 3, 0);
    let rows = analyze_json(&firms, &links, &[]);
    let smes =
        rows.iter().filter(|r| ["MICRO", "SMALL", "MEDIUM"].contains(&r["size_class"].as_str().unwrap())).count();
    let listed: Vec<&serde_json::Value> = rows.iter().filter(|r| r["key_node"] == true).collect();
    assert_eq!(listed.len(), smes * 2 / 100, "2% of {smes} SMEs, rounded down");
    let mut ranks: Vec<u64> = listed.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=listed.len() as u64).collect::<Vec<_>>(), "the list is ranks 1 to its length");
    assert!(
        listed.iter().all(|r| r["priority_score"].as_f64().unwrap() > 0.0 && r["output_at_stake_10k_cny"].is_number())
    );
    let bigger = analyze_json(&firms, &links, &["--budget", "100"]);
    assert_eq!(bigger.iter().filter(|r| r["key_node"] == true).count(), 100);
    // within a province: only its firms are written, ranked among themselves
    let zj = analyze_json(&firms, &links, &["--province", "33"]);
    assert!(!zj.is_empty() && zj.iter().all(|r| r["uscc"].as_str().unwrap().starts_with("9133")));
    assert_eq!(zj.iter().filter(|r| r["rank"] == 1).count(), 1);
    let bad = linchpin(
        "sqlite::memory:",
        &["analyze", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap(), "--province", "3301"],
    );
    assert_eq!(bad.code, 2, "a province is two digits: {}", bad.stderr);
}

#[test]
fn the_api_returns_the_same_list_as_the_cli_for_the_same_network_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, links) = generated(dir.path(), 1_500, 9, 3);
    let cli: Vec<String> = {
        let rows = analyze_json(&firms, &links, &["--budget", "40"]);
        let mut listed: Vec<&serde_json::Value> = rows.iter().filter(|r| r["key_node"] == true).collect();
        listed.sort_by_key(|r| r["rank"].as_u64().unwrap());
        listed.iter().map(|r| r["uscc"].as_str().unwrap().to_owned()).collect()
    };
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("same.db").display());
    let imported = linchpin(&db, &["import", "--firms", firms.to_str().unwrap(), "--links", links.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api: Vec<String> = rt.block_on(async {
        let store = linchpin_store::Store::connect(&db).await.unwrap();
        let mut state = linchpin_api::ApiState::new(store);
        state.analysis.budget = linchpin_graph::Budget::Count(40);
        linchpin_api::analysis::run(&state, state.analysis, state.link_trust, "test".into()).await.unwrap();
        let schema = linchpin_api::build_schema(state.clone(), linchpin_api::Limits::default());
        let admin = linchpin_domain::Viewer {
            account_id: 0,
            username: linchpin_domain::Username::parse("admin").unwrap(),
            binding: linchpin_domain::Binding::new(linchpin_domain::Role::Admin, None, None).unwrap(),
            token_id: 0,
        };
        let q = "{ keyNodeCandidates(first: 100) { nodes { rank firm { uscc } } } }";
        let resp = schema.execute(async_graphql::Request::new(q).data(admin)).await;
        let v = serde_json::to_value(&resp).unwrap();
        v["data"]["keyNodeCandidates"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["firm"]["uscc"].as_str().unwrap().to_owned())
            .collect()
    });
    assert_eq!(api.len(), 40);
    assert_eq!(api, cli, "the same firms in the same order");
}
