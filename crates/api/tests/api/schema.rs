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
    }
}
