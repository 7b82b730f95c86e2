use serde_json::json;

use crate::helpers::backends;

#[test]
fn the_committed_schema_file_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/schema.graphql"
    ))
    .unwrap();
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
    }
}

#[tokio::test]
async fn pages_larger_than_100_are_refused_with_a_code() {
    for api in backends().await {
        let v = api
            .run("{ firms(first: 101) { nodes { id } } }", json!({}))
            .await;
        assert_eq!(
            v["errors"][0]["extensions"]["code"], "VALIDATION",
            "[{}] {v}",
            api.backend
        );
        let v = api
            .run(
                "{ firms(first: 5, after: \"bogus\") { nodes { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            v["errors"][0]["extensions"]["code"], "VALIDATION",
            "[{}] {v}",
            api.backend
        );
    }
}
