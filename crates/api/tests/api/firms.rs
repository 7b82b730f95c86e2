//! Registering, updating and listing firms through the API.
use serde_json::json;

use crate::helpers::{REGISTER, backends, register, uscc};

#[tokio::test]
async fn a_registered_firm_is_read_back_with_its_size_class() {
    for api in backends().await {
        let u = register(&api, "91330106MA2A00001", "杭州精密轴承有限公司", "330106").await;
        let d = api
            .data(
                "query($u: String!) { firm(uscc: $u) { uscc name regionCode sizeClass chains version } }",
                json!({"u": u}),
            )
            .await;
        assert_eq!(
            d["firm"],
            json!({"uscc": u, "name": "杭州精密轴承有限公司", "regionCode": "330106", "sizeClass": "SMALL", "chains": ["NEV"], "version": 1}),
            "[{}]",
            api.backend
        );
        let chains = api.data("{ chains { code firmCount } }", json!({})).await;
        assert_eq!(chains["chains"], json!([{"code": "NEV", "firmCount": 1}]));
    }
}

#[tokio::test]
async fn invalid_fields_are_coded_user_errors_and_nothing_is_written() {
    for api in backends().await {
        let mut bad = uscc("91330106MA2A00001");
        bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
        let d = api
            .data(
                REGISTER,
                json!({"input": {"uscc": bad, "name": "x", "regionCode": "990101", "industryCode": "A36",
                    "employees": -5, "revenue10kCny": 1.0, "chains": ["NEV"]}}),
            )
            .await;
        let errors = d["registerFirm"]["userErrors"].as_array().unwrap().clone();
        let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(
            codes,
            ["INVALID_USCC", "INVALID_REGION", "INVALID_INDUSTRY", "OUT_OF_RANGE"],
            "[{}] {d}",
            api.backend
        );
        assert_eq!(errors[0]["field"], json!(["input", "uscc"]));
        assert!(d["registerFirm"]["firm"].is_null());
        let all = api.data("{ firms(first: 10) { nodes { id } } chains { code } }", json!({})).await;
        assert_eq!(all, json!({"firms": {"nodes": []}, "chains": []}), "[{}]", api.backend);
    }
}

#[tokio::test]
async fn a_taken_uscc_is_a_duplicate() {
    for api in backends().await {
        let u = register(&api, "91330106MA2A00002", "甲公司", "330106").await;
        let d = api
            .data(
                REGISTER,
                json!({"input": {"uscc": u, "name": "乙公司", "regionCode": "330106", "industryCode": "C36"}}),
            )
            .await;
        assert_eq!(d["registerFirm"]["userErrors"][0]["code"], "DUPLICATE", "[{}] {d}", api.backend);
        assert_eq!(d["registerFirm"]["userErrors"][0]["field"], json!(["input", "uscc"]));
    }
}

const UPDATE: &str = "mutation($input: UpdateFirmInput!) { updateFirm(input: $input) {
    firm { name employees sizeClass version chains } userErrors { field code message } } }";

#[tokio::test]
async fn updates_need_the_current_version_and_a_stale_one_conflicts() {
    for api in backends().await {
        let u = register(&api, "91330106MA2A00003", "甲公司", "330106").await;
        let d = api.data(UPDATE, json!({"input": {"uscc": u, "version": 1, "employees": 1500, "revenue10kCny": 50000.0, "chains": ["IC", "NEV"]}})).await;
        assert_eq!(
            d["updateFirm"]["firm"],
            json!({"name": "甲公司", "employees": 1500, "sizeClass": "LARGE", "version": 2, "chains": ["IC", "NEV"]}),
            "[{}] {d}",
            api.backend
        );
        let stale = api.data(UPDATE, json!({"input": {"uscc": u, "version": 1, "name": "改名"}})).await;
        assert_eq!(stale["updateFirm"]["userErrors"][0]["code"], "VERSION_CONFLICT", "[{}] {stale}", api.backend);
        let cleared = api.data(UPDATE, json!({"input": {"uscc": u, "version": 2, "employees": null}})).await;
        assert_eq!(cleared["updateFirm"]["firm"]["sizeClass"], "UNKNOWN");
        let after = api.data("query($u: String!) { firm(uscc: $u) { name version } }", json!({"u": u})).await;
        assert_eq!(after["firm"], json!({"name": "甲公司", "version": 3}));
        let missing = api.data(UPDATE, json!({"input": {"uscc": uscc("91330106MA2A00099"), "version": 1}})).await;
        assert_eq!(missing["updateFirm"]["userErrors"][0]["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn firms_are_filtered_and_paginated() {
    for api in backends().await {
        register(&api, "91330106MA2A00011", "Hangzhou Bearing", "330106").await;
        register(&api, "91320583MA2A00012", "Kunshan Wiring", "320583").await;
        register(&api, "91330203MA2A00013", "Ningbo Bearing", "330203").await;
        let q = "query($f: FirmFilter, $after: String) { firms(first: 1, after: $after, filter: $f) {
            nodes { name } pageInfo { hasNextPage endCursor } } }";
        let p1 = api.data(q, json!({"f": {"regionPrefix": "33"}})).await;
        assert_eq!(p1["firms"]["nodes"], json!([{"name": "Hangzhou Bearing"}]), "[{}]", api.backend);
        assert_eq!(p1["firms"]["pageInfo"]["hasNextPage"], true);
        let p2 = api.data(q, json!({"f": {"regionPrefix": "33"}, "after": p1["firms"]["pageInfo"]["endCursor"]})).await;
        assert_eq!(p2["firms"]["nodes"], json!([{"name": "Ningbo Bearing"}]));
        assert_eq!(p2["firms"]["pageInfo"]["hasNextPage"], false);
        let by_name = api.data(q, json!({"f": {"nameContains": "wiring"}})).await;
        assert_eq!(by_name["firms"]["nodes"], json!([{"name": "Kunshan Wiring"}]), "[{}]", api.backend);
        let none = api.data(q, json!({"f": {"chain": "IC", "sizeClass": "SMALL"}})).await;
        assert_eq!(none["firms"]["nodes"], json!([]));
        let wild = api.data(q, json!({"f": {"nameContains": "%"}})).await;
        assert_eq!(wild["firms"]["nodes"], json!([]), "`%` is matched literally");
        let bad = api.run(q, json!({"f": {"regionPrefix": "3"}})).await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION");
    }
}
