//! Supplier lists (携手行动): upload, pending firms, all or nothing, dry runs, re-uploads, who sees
//! what, and pending firms kept out of the analysis until a bureau verifies them.
use async_graphql::{Request, UploadValue, Variables};
use linchpin_domain::{Role, Viewer};
use serde_json::{Value, json};

use crate::helpers::{TestApi, backends, register, uscc};

const IMPORT: &str = "mutation($i: ImportSupplierListInput!) { importSupplierList(input: $i) { \
    summary { rows created updated unchanged pendingFirms dryRun } \
    errors { line column code message } userErrors { field code message } } }";

const HEADER: &str = "supplier_uscc,supplier_name,region_code,industry_code,product,annual_value_10k_cny,essential";

/// Uploads `content` as `file_name` through the schema, as `who`.
async fn upload(api: &TestApi, who: &Viewer, file_name: &str, content: Vec<u8>, dry_run: bool) -> Value {
    let mut req = Request::new(IMPORT).variables(Variables::from_json(json!({"i": {"file": null, "dryRun": dry_run}})));
    req.set_upload(
        "variables.i.file",
        UploadValue { filename: file_name.into(), content_type: None, content: content.into() },
    );
    let resp = api.schema.execute(req.data(who.clone())).await;
    serde_json::to_value(&resp).unwrap()
}

struct Case {
    customer: String,
    ent: Viewer,
    registered: String,
    p1: String,
    p2: String,
}

/// A customer with an ENTERPRISE account and one registered supplier; two more suppliers are
/// not registered (one in Guangdong, one in Hangzhou).
async fn case(api: &TestApi) -> Case {
    let customer = register(api, "91330106MA2D00001", "整车厂", "330106").await;
    let registered = register(api, "91330106MA2D00002", "已登记供应商", "330106").await;
    let ent = api.account("ent-customer", Role::Enterprise, None, Some(&customer)).await;
    Case { customer, ent, registered, p1: uscc("91440305MA2D00003"), p2: uscc("91330108MA2D00004") }
}

fn good_list(c: &Case) -> String {
    format!(
        "{HEADER}\n{},已登记供应商,330106,C36,电机,100,true\n{},深圳电池有限公司,440305,C38,电池,200,true\n\
         {},深圳电池有限公司,440305,C38,电控,50,false\n{},杭州模具有限公司,330108,C35,模具,30,negligible\n",
        c.registered, c.p1, c.p1, c.p2
    )
}

fn summary(v: &Value) -> &Value {
    &v["data"]["importSupplierList"]["summary"]
}

async fn counts(api: &TestApi) -> (u64, u64) {
    let f = linchpin_store::firms::count(api.store.db()).await.unwrap();
    let l = linchpin_store::links::count(api.store.db()).await.unwrap();
    (f, l)
}

#[tokio::test]
async fn a_list_registers_pending_suppliers_declares_links_and_a_second_upload_changes_nothing() {
    for api in backends().await {
        let c = case(&api).await;
        let first = upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(
            summary(&first),
            &json!({"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "pendingFirms": 2, "dryRun": false}),
            "[{}] {first}",
            api.backend
        );
        assert_eq!(counts(&api).await, (4, 4));
        let q = "query($u: String!) { firm(uscc: $u) { suppliers(first: 10) { nodes { product status annualValue10kCny \
                 essentiality supplier { uscc verification sizeClass } } } } }";
        let links = api.run_as(Some(&c.ent), q, json!({"u": c.customer})).await;
        let nodes = links["data"]["firm"]["suppliers"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), 4, "{links}");
        assert!(nodes.iter().all(|n| n["status"] == "DECLARED"));
        let battery = nodes.iter().find(|n| n["product"] == "电池").unwrap();
        assert_eq!(battery["supplier"], json!({"uscc": c.p1, "verification": "PENDING", "sizeClass": "UNKNOWN"}));
        assert_eq!(battery["essentiality"], "ESSENTIAL");
        // the same file again: nothing changes
        let again = upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(
            summary(&again),
            &json!({"rows": 4, "created": 0, "updated": 0, "unchanged": 4, "pendingFirms": 0, "dryRun": false}),
            "{again}"
        );
        assert_eq!(counts(&api).await, (4, 4));
        // a new value updates one link, which waits for its supplier again
        let changed = good_list(&c).replace(",电机,100,true", ",电机,120,true");
        let third = upload(&api, &c.ent, "suppliers.csv", changed.into_bytes(), false).await;
        assert_eq!(summary(&third)["updated"], 1, "{third}");
        assert_eq!(summary(&third)["unchanged"], 3);
        // audit: one event for the upload with its hash, one per pending firm and per changed link
        let audit = api
            .data(
                "{ auditEvents(first: 50, filter: {action: \"supplier_list.import\"}) { nodes { actor after } } }",
                json!({}),
            )
            .await;
        let uploads = audit["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(uploads.len(), 3, "{audit}");
        let after: Value = serde_json::from_str(uploads[0]["after"].as_str().unwrap()).unwrap();
        assert_eq!(after["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(after["created"], 4);
        for (action, n) in [("link.declare", 4), ("firm.register_pending", 2), ("link.update", 1)] {
            let q = format!("{{ auditEvents(first: 50, filter: {{action: \"{action}\"}}) {{ nodes {{ actor }} }} }}");
            let got = api.data(&q, json!({})).await;
            assert_eq!(got["auditEvents"]["nodes"].as_array().unwrap().len(), n, "{action}: {got}");
        }
    }
}

#[tokio::test]
async fn an_xlsx_list_reads_like_the_csv() {
    for api in backends().await {
        let c = case(&api).await;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, line) in good_list(&c).lines().enumerate() {
            for (col, cell) in line.split(',').enumerate() {
                let (r, col) = (u32::try_from(r).unwrap(), u16::try_from(col).unwrap());
                match cell.parse::<f64>() {
                    Ok(n) if col == 5 => sheet.write_number(r, col, n).unwrap(),
                    _ => sheet.write_string(r, col, cell).unwrap(),
                };
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let got = upload(&api, &c.ent, "供应商清单.xlsx", bytes, false).await;
        assert_eq!(summary(&got)["created"], 4, "[{}] {got}", api.backend);
        assert_eq!(summary(&got)["pendingFirms"], 2);
        let csv = upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(summary(&csv)["unchanged"], 4, "the CSV of the same rows changes nothing: {csv}");
    }
}

#[tokio::test]
async fn a_list_with_bad_rows_reports_each_with_its_line_and_writes_nothing() {
    for api in backends().await {
        let c = case(&api).await;
        let bad_check = {
            let mut u = c.p1.clone();
            let last = u.pop().unwrap();
            u.push(if last == 'A' { 'B' } else { 'A' });
            u
        };
        let file = format!(
            "{HEADER}\n\
             {bad_check},坏校验位,440305,C38,电池,200,true\n\
             {p1},深圳电池有限公司,999999,C38,电池,200,true\n\
             {p1},深圳电池有限公司,440305,C38,电池,0,true\n\
             {customer},自己,330106,C36,车身,10,true\n\
             {p2},杭州模具有限公司,330108,C35,模具,30,maybe\n\
             {p2},杭州模具有限公司,330108,C35,模具,30,true\n\
             {p2},杭州模具有限公司,330108,C35,模具,31,true\n\
             {p2},另一个名字,330108,C35,夹具,30,true\n\
             {p2},名\u{202e}字,330108,C35,冲头,30,true\n\
             {p2},杭州模具有限公司,330108,X99,刀具,30,true\n\
             {p2},杭州模具有限公司,330108,C35,,30,true\n\
             {p2},杭州模具有限公司,330108,C35,钻头,abc,true\n\
             {p2},杭州模具有限公司,330108\n",
            p1 = c.p1,
            p2 = c.p2,
            customer = c.customer
        );
        let got = upload(&api, &c.ent, "suppliers.csv", file.into_bytes(), false).await;
        let p = &got["data"]["importSupplierList"];
        assert!(p["summary"].is_null(), "[{}] {got}", api.backend);
        let errors: Vec<(u64, String, String)> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["column"].as_str().unwrap_or("").to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want = [
            (2, "supplier_uscc", "INVALID_USCC"),
            (3, "region_code", "INVALID_REGION"),
            (4, "annual_value_10k_cny", "OUT_OF_RANGE"),
            (5, "supplier_uscc", "SELF_LINK"),
            (6, "essential", "INVALID_VALUE"),
            (8, "product", "DUPLICATE"),
            (9, "supplier_name", "INVALID_VALUE"),
            (10, "supplier_name", "INVALID_TEXT"),
            (11, "industry_code", "INVALID_INDUSTRY"),
            (12, "product", "INVALID_TEXT"),
            (13, "annual_value_10k_cny", "OUT_OF_RANGE"),
            (14, "", "INVALID_VALUE"),
        ];
        let want: Vec<(u64, String, String)> =
            want.iter().map(|(l, c, k)| (*l, (*c).to_owned(), (*k).to_owned())).collect();
        assert_eq!(errors, want, "{got}");
        assert_eq!(counts(&api).await, (2, 0), "nothing written");
        // a wrong header or file type is refused as a whole
        let header = upload(&api, &c.ent, "suppliers.csv", b"uscc,name\n1,2\n".to_vec(), false).await;
        assert_eq!(header["data"]["importSupplierList"]["userErrors"][0]["code"], "INVALID_VALUE", "{header}");
        assert!(!header.to_string().contains("/tmp"), "no server path in the message: {header}");
        let exe = upload(&api, &c.ent, "suppliers.exe", good_list(&c).into_bytes(), false).await;
        assert_eq!(exe["data"]["importSupplierList"]["userErrors"][0]["field"], json!(["input", "file"]), "{exe}");
        assert_eq!(counts(&api).await, (2, 0));
    }
}

#[tokio::test]
async fn a_dry_run_reports_what_would_change_and_writes_nothing() {
    for api in backends().await {
        let c = case(&api).await;
        let dry = upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), true).await;
        assert_eq!(
            summary(&dry),
            &json!({"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "pendingFirms": 2, "dryRun": true}),
            "[{}] {dry}",
            api.backend
        );
        assert_eq!(counts(&api).await, (2, 0));
        let audit = api
            .data(
                "{ auditEvents(first: 5, filter: {action: \"supplier_list.import\"}) { nodes { actor } } }",
                json!({}),
            )
            .await;
        assert_eq!(audit["auditEvents"]["nodes"], json!([]));
    }
}

#[tokio::test]
async fn pending_firms_are_seen_only_by_their_parties_and_bureaus_and_never_analysed_until_verified() {
    for api in backends().await {
        let c = case(&api).await;
        upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        let other_u = register(&api, "91330106MA2D00005", "另一家企业", "330106").await;
        let other = api.account("ent-other", Role::Enterprise, None, Some(&other_u)).await;
        let gd = api.account("gd-bureau", Role::Bureau, Some("44"), None).await;
        let zj = api.account("zj-bureau", Role::Bureau, Some("33"), None).await;
        let q = "query($u: String!) { firm(uscc: $u) { name verification } }";
        for (who, sees) in [(&c.ent, true), (&gd, true), (&api.admin, true), (&other, false), (&zj, false)] {
            let got = api.run_as(Some(who), q, json!({"u": c.p1})).await;
            assert_eq!(!got["data"]["firm"].is_null(), sees, "[{}] {}: {got}", api.backend, who.username.as_str());
        }
        let list = "{ firms(first: 50) { nodes { uscc } } }";
        let listed =
            |v: &Value| v["data"]["firms"]["nodes"].as_array().unwrap().iter().any(|n| n["uscc"] == c.p1.as_str());
        assert!(listed(&api.run_as(Some(&c.ent), list, json!({})).await));
        assert!(!listed(&api.run_as(Some(&other), list, json!({})).await));
        // another enterprise sees none of the list's links
        let links = api.run_as(Some(&other), "{ supplyLinks(first: 50) { nodes { id } } }", json!({})).await;
        assert_eq!(links["data"]["supplyLinks"]["nodes"], json!([]), "{links}");
        // an analysis leaves the pending firms and their links out, whatever links it counts
        let mut state = api.state.clone();
        state.link_trust = linchpin_domain::LinkTrust::All;
        let run = linchpin_api::analysis::run(&state, state.analysis, state.link_trust, "t".into()).await.unwrap();
        assert_eq!((run.firms, run.links), (3, 1), "[{}] only the registered firms and their link", api.backend);
        // a bureau of Guangdong completes and verifies the Shenzhen supplier; Zhejiang cannot
        let verify = "mutation($i: UpdateFirmInput!) { verifyFirm(input: $i) { firm { verification sizeClass chains } \
                      userErrors { code } } }";
        let input =
            json!({"i": {"uscc": c.p1, "version": 1, "employees": 120, "revenue10kCny": 8000.0, "chains": ["NEV"]}});
        let refused = api.run_as(Some(&zj), verify, input.clone()).await;
        assert_eq!(refused["data"]["verifyFirm"]["userErrors"][0]["code"], "NOT_FOUND", "{refused}");
        let done = api.run_as(Some(&gd), verify, input.clone()).await;
        assert_eq!(done["data"]["verifyFirm"]["firm"]["verification"], "VERIFIED", "{done}");
        assert_eq!(done["data"]["verifyFirm"]["firm"]["sizeClass"], "SMALL");
        let twice = api.run_as(Some(&gd), verify, json!({"i": {"uscc": c.p1, "version": 2}})).await;
        assert_eq!(twice["data"]["verifyFirm"]["userErrors"][0]["code"], "INVALID_STATE", "{twice}");
        assert!(!api.run_as(Some(&other), q, json!({"u": c.p1})).await["data"]["firm"].is_null());
        let run = linchpin_api::analysis::run(&state, state.analysis, state.link_trust, "t".into()).await.unwrap();
        assert_eq!((run.firms, run.links), (4, 3), "the verified firm joins with its two links");
    }
}

#[tokio::test]
async fn only_an_enterprise_uploads_its_own_list() {
    for api in backends().await {
        let c = case(&api).await;
        let bureau = api.account("zj-bureau", Role::Bureau, Some("33"), None).await;
        let got = upload(&api, &bureau, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(got["errors"][0]["extensions"]["code"], "FORBIDDEN", "[{}] {got}", api.backend);
        let admin = upload(&api, &api.admin, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(admin["errors"][0]["extensions"]["code"], "FORBIDDEN", "{admin}");
        assert_eq!(counts(&api).await, (2, 0));
    }
}

#[tokio::test]
async fn coverage_counts_shares_and_single_sources_are_the_ones_built_in() {
    use crate::helpers::REGISTER;
    for api in backends().await {
        let c = case(&api).await;
        let reg = |body: &'static str, name: &'static str| {
            let u = uscc(body);
            let vars = json!({"input": {"uscc": u, "name": name, "regionCode": "330106", "industryCode": "C3831",
                "employees": 80, "revenue10kCny": 3000.0, "chains": ["NEV"]}});
            (u, vars)
        };
        let (a, va) = reg("91330106MA2E00001", "电芯甲");
        let (b, vb) = reg("91330106MA2E00002", "电芯乙");
        for v in [va, vb] {
            assert_eq!(api.data(REGISTER, v).await["registerFirm"]["userErrors"], json!([]));
        }
        let list = format!(
            "{HEADER}\n{a},电芯甲,330106,C3831,电芯,90,true\n{b},电芯乙,330106,C3831,电芯,10,true\n\
             {p1},深圳模具有限公司,440305,C3670,模具,50,true\n{a},电芯甲,330106,C3831,包装,100,false\n",
            p1 = c.p1
        );
        let up = upload(&api, &c.ent, "suppliers.csv", list.into_bytes(), false).await;
        assert_eq!(summary(&up)["created"], 4, "[{}] {up}", api.backend);
        // the first supplier confirms its essential link from its inbox
        let ent_a = api.account("ent-a", Role::Enterprise, None, Some(&a)).await;
        let inbox = api
            .run_as(Some(&ent_a), "{ viewer { pendingConfirmations(first: 10) { nodes { id product } } } }", json!({}))
            .await;
        let cell = inbox["data"]["viewer"]["pendingConfirmations"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["product"] == "电芯")
            .unwrap()["id"]
            .clone();
        let confirm =
            "mutation($i: ConfirmSupplyLinksInput!) { confirmSupplyLinks(input: $i) { userErrors { code } } }";
        let done = api.run_as(Some(&ent_a), confirm, json!({"i": {"ids": [cell]}})).await;
        assert_eq!(done["data"]["confirmSupplyLinks"]["userErrors"], json!([]), "{done}");
        let q = "query($u: String!) { firm(uscc: $u) { supplierCoverage { declared confirmed rejected pending \
                 essentialValue10kCny confirmedShare industryLevel soleSupplierShare \
                 byIndustry { industry essentialValue10kCny confirmedValue10kCny confirmedShare suppliers } \
                 singleSources { industry share supplier { uscc } } } } }";
        let got = api.run_as(Some(&c.ent), q, json!({"u": c.customer})).await;
        let cov = &got["data"]["firm"]["supplierCoverage"];
        assert_eq!(
            cov,
            &json!({"declared": 3, "confirmed": 1, "rejected": 0, "pending": 1, "essentialValue10kCny": 150.0,
                "confirmedShare": 0.6, "industryLevel": "class", "soleSupplierShare": 0.8,
                "byIndustry": [
                    {"industry": "C3670", "essentialValue10kCny": 50.0, "confirmedValue10kCny": 0.0, "confirmedShare": 0.0, "suppliers": 1},
                    {"industry": "C3831", "essentialValue10kCny": 100.0, "confirmedValue10kCny": 90.0, "confirmedShare": 0.9, "suppliers": 2}],
                "singleSources": [
                    {"industry": "C3670", "share": 1.0, "supplier": {"uscc": c.p1}},
                    {"industry": "C3831", "share": 0.9, "supplier": {"uscc": a}}]}),
            "[{}] {got}",
            api.backend
        );
        // another enterprise gets null; the customer's bureau sees it
        let other = api.run_as(Some(&ent_a), q, json!({"u": c.customer})).await;
        assert!(other["data"]["firm"]["supplierCoverage"].is_null(), "{other}");
        let zj = api.account("zj-bureau", Role::Bureau, Some("33"), None).await;
        let bureau = api.run_as(Some(&zj), q, json!({"u": c.customer})).await;
        assert_eq!(bureau["data"]["firm"]["supplierCoverage"]["confirmed"], 1, "{bureau}");
    }
}

#[tokio::test]
async fn a_bureau_merges_a_mistyped_supplier_into_the_registered_one() {
    for api in backends().await {
        let c = case(&api).await;
        // the list names the registered supplier under a wrong USCC for one product
        let typo = uscc("91330106MA2D00009");
        let list = format!(
            "{HEADER}\n{r},已登记供应商,330106,C36,电机,100,true\n{typo},已登记供应商,330106,C36,电机,100,true\n\
             {typo},已登记供应商,330106,C36,线束,20,false\n",
            r = c.registered
        );
        let up = upload(&api, &c.ent, "suppliers.csv", list.into_bytes(), false).await;
        assert_eq!(summary(&up)["pendingFirms"], 1, "[{}] {up}", api.backend);
        let merge =
            "mutation($i: MergeFirmInput!) { mergeFirm(input: $i) { firm { uscc } userErrors { field code } } }";
        let gd = api.account("gd-bureau", Role::Bureau, Some("44"), None).await;
        let refused = api.run_as(Some(&gd), merge, json!({"i": {"pendingUscc": typo, "intoUscc": c.registered}})).await;
        assert_eq!(
            refused["data"]["mergeFirm"]["userErrors"][0]["code"], "NOT_FOUND",
            "outside its jurisdiction: {refused}"
        );
        let zj = api.account("zj-bureau", Role::Bureau, Some("33"), None).await;
        let wrong = api.run_as(Some(&zj), merge, json!({"i": {"pendingUscc": c.registered, "intoUscc": typo}})).await;
        assert_eq!(wrong["data"]["mergeFirm"]["userErrors"][0]["code"], "INVALID_STATE", "{wrong}");
        let done = api.run_as(Some(&zj), merge, json!({"i": {"pendingUscc": typo, "intoUscc": c.registered}})).await;
        assert_eq!(done["data"]["mergeFirm"]["firm"]["uscc"], c.registered.as_str(), "{done}");
        // the duplicate 电机 link was dropped, 线束 moved; the mistyped firm is gone
        let q =
            "query($u: String!) { firm(uscc: $u) { customers(first: 10) { nodes { product customer { uscc } } } } }";
        let got = api.run(q, json!({"u": c.registered})).await;
        let mut products: Vec<String> = got["data"]["firm"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["product"].as_str().unwrap().to_owned())
            .collect();
        products.sort();
        assert_eq!(products, ["电机", "线束"], "{got}");
        assert!(api.run(q, json!({"u": typo})).await["data"]["firm"].is_null());
        assert_eq!(counts(&api).await, (2, 2));
        let audit = api
            .data("{ auditEvents(first: 5, filter: {action: \"firm.merge\"}) { nodes { after } } }", json!({}))
            .await;
        let after: Value = serde_json::from_str(audit["auditEvents"]["nodes"][0]["after"].as_str().unwrap()).unwrap();
        assert_eq!((after["movedLinks"].as_u64(), after["droppedLinks"].as_u64()), (Some(1), Some(1)));
    }
}

#[tokio::test]
async fn a_file_sent_as_json_text_is_refused_as_invalid_input() {
    for api in backends().await {
        let c = case(&api).await;
        for who in [&c.ent, &api.admin] {
            for file in [json!("abc"), json!("0"), json!(null)] {
                let got = api.run_as(Some(who), IMPORT, json!({"i": {"file": file}})).await;
                assert_eq!(got["errors"][0]["extensions"]["code"], "VALIDATION", "[{}] {file}: {got}", api.backend);
            }
            let inline = "mutation { importSupplierList(input: {file: \"x\"}) { summary { rows } } }";
            let got = api.run_as(Some(who), inline, json!({})).await;
            assert_eq!(got["errors"][0]["extensions"]["code"], "VALIDATION", "{got}");
        }
    }
}

#[tokio::test]
async fn two_uploads_at_once_leave_one_list_and_no_internal_error() {
    for api in backends().await {
        let c = case(&api).await;
        let (a, b) = tokio::join!(
            upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false),
            upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false)
        );
        for got in [&a, &b] {
            assert!(got.get("errors").is_none(), "[{}] {got}", api.backend);
            let p = &got["data"]["importSupplierList"];
            let ok = p["summary"].is_object() || p["userErrors"][0]["code"] == "VERSION_CONFLICT";
            assert!(ok, "[{}] {got}", api.backend);
        }
        // whatever the interleaving, one list's worth was written, and another upload changes nothing
        assert_eq!(counts(&api).await, (4, 4), "[{}] {a} {b}", api.backend);
        let again = upload(&api, &c.ent, "suppliers.csv", good_list(&c).into_bytes(), false).await;
        assert_eq!(summary(&again)["unchanged"], 4, "{again}");
    }
}
