//! The schema itself: the committed SDL, descriptions, query-shape limits and error codes.
use serde_json::json;

use crate::helpers::backends;

#[test]
fn the_committed_schema_file_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/schema.graphql")).unwrap();
    assert!(
        committed == linchpin_api::sdl(),
        "schema/schema.graphql is stale: regenerate it with `cargo run -- schema > schema/schema.graphql`"
    );
}

#[tokio::test]
async fn too_deep_queries_are_refused() {
    for api in backends().await {
        let mut q = String::from("{ firms(first: 1) { nodes { id ");
        for _ in 0..10 {
            q.push_str("customers(first: 1) { nodes { customer { ");
        }
        q.push_str("id");
        for _ in 0..10 {
            q.push_str(" } } }");
        }
        q.push_str(" } } }");
        let v = api.run(&q, json!({})).await;
        let msg = v["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(msg.contains("nested too deep"), "[{}] {v}", api.backend);
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION");
    }
}

#[tokio::test]
async fn pages_larger_than_100_are_refused_with_a_code() {
    for api in backends().await {
        let v = api.run("{ firms(first: 101) { nodes { id } } }", json!({})).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "[{}] {v}", api.backend);
        let v = api.run("{ firms(first: 5, after: \"bogus\") { nodes { id } } }", json!({})).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "[{}] {v}", api.backend);
    }
}

#[tokio::test]
async fn every_error_carries_a_code() {
    for api in backends().await {
        for q in ["{ nonsense }", "{ firms(first: 1) { nodes { id }", "query { firm(uscc: 5) { id } }"] {
            let v = api.run(q, json!({})).await;
            let errors = v["errors"].as_array().unwrap();
            assert!(!errors.is_empty(), "{q}");
            for e in errors {
                assert!(e["extensions"]["code"].is_string(), "[{}] {q}: {e}", api.backend);
            }
        }
        let v = api.run("{ firm(uscc: \"bad\") { id } }", json!({})).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "{v}");
        // a variable that is null where the argument is non-null with a default is the client's mistake
        let v = api
            .run(
                "query($o: CandidateOrderBy) { keyNodeCandidates(orderBy: $o) { nodes { rank } } }",
                json!({"o": null}),
            )
            .await;
        assert!(v["errors"][0]["extensions"]["code"] == "VALIDATION", "[{}] {v}", api.backend);
    }
}

#[tokio::test]
async fn a_query_text_sent_again_answers_for_its_new_variables_and_limits() {
    // the schema keeps parsed documents by their text: a repeated text must still apply its
    // variables, `@include`/`@skip`, the depth limit and the error codes each time
    let api = backends().await.remove(0);
    let q = "query($x: Boolean!) { viewer { username @include(if: $x) role @skip(if: $x) } }";
    for x in [true, false, true, false] {
        let v = api.data(q, json!({"x": x})).await;
        assert_eq!(v["viewer"].get("username").is_some(), x, "{v}");
        assert_eq!(v["viewer"].get("role").is_some(), !x, "{v}");
    }
    for _ in 0..2 {
        let v = api.run("{ nonsense }", json!({})).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "{v}");
        let v = api.run("{ firms(first: 1) { nodes { id }", json!({})).await;
        assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "{v}");
    }
    let mut deep = String::from("{ firms(first: 1) { nodes { id ");
    deep.push_str(&"customers(first: 1) { nodes { customer { ".repeat(10));
    deep.push_str("id");
    deep.push_str(&" } } }".repeat(10));
    deep.push_str(" } } }");
    for _ in 0..2 {
        let v = api.run(&deep, json!({})).await;
        assert!(v["errors"][0]["message"].as_str().unwrap_or_default().contains("nested too deep"), "{v}");
    }
}

/// Root fields of each operation type in the SDL.
fn root_fields(sdl: &str, type_name: &str) -> Vec<String> {
    let start = sdl.find(&format!("type {type_name} {{")).unwrap_or_else(|| panic!("no type {type_name}"));
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = Vec::new();
    let mut in_doc = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("\"\"\"") {
            // a one-line doc opens and closes on the same line
            if !(line.len() > 3 && line.ends_with("\"\"\"")) {
                in_doc = !in_doc;
            }
            continue;
        }
        if in_doc || line.is_empty() {
            continue;
        }
        let name: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            fields.push(name);
        }
    }
    fields
}

#[test]
fn every_root_field_has_an_authorization_rule_and_is_documented() {
    let sdl = linchpin_api::sdl();
    let security = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/security.md")).unwrap();
    let mut seen = Vec::new();
    for kind in ["Query", "Mutation", "Subscription"] {
        for field in root_fields(&sdl, kind) {
            let rule = linchpin_api::rules::ROOT_FIELD_RULES.iter().find(|(k, f, _)| *k == kind && *f == field);
            assert!(rule.is_some(), "{kind}.{field} has no authorization rule in rules.rs");
            assert!(
                security.contains(&format!("`{field}`")),
                "docs/security.md does not state the rule of {kind}.{field}"
            );
            seen.push((kind, field));
        }
    }
    assert_eq!(
        seen.len(),
        linchpin_api::rules::ROOT_FIELD_RULES.len(),
        "rules.rs names a field the schema does not have"
    );
}

#[test]
fn every_type_and_field_has_a_description() {
    let sdl = linchpin_api::sdl();
    let mut missing = Vec::new();
    let (mut in_doc, mut documented, mut in_schema_block) = (false, false, false);
    for (i, line) in sdl.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            let one_line = t.len() > 3 && t.ends_with("\"\"\"");
            if !one_line {
                in_doc = !in_doc;
            }
            documented = !in_doc;
            continue;
        }
        if in_doc {
            continue;
        }
        if line.starts_with("schema ") {
            in_schema_block = true;
        } else if line.starts_with('}') {
            in_schema_block = false;
        }
        let declares_type = ["type ", "input ", "enum ", "interface ", "scalar "].iter().any(|k| line.starts_with(k));
        // async-graphql generates the connection types (their fields are documented)
        if declares_type && !line.contains("Connection ") && !documented {
            missing.push(format!("{t} (line {})", i + 1));
        }
        if !in_schema_block && line.starts_with('\t') && !documented {
            missing.push(format!("{t} (line {})", i + 1));
        }
        documented = false;
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}
