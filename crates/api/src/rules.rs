//! The authorization decision of every root field, in one table. A test checks that the schema
//! has no root field missing from it (so no resolver exists without a decision), and that
//! `docs/security.md` states each one.

/// (operation type, field, who may call it).
pub const ROOT_FIELD_RULES: &[(&str, &str, &str)] = &[
    ("Query", "viewer", "any signed-in account"),
    (
        "Query",
        "firm",
        "any signed-in account; size indicators only for the firm itself, covering bureaus/coordinators, admins",
    ),
    ("Query", "firms", "any signed-in account (public fields)"),
    ("Query", "supplyLinks", "any signed-in account; only the links it may see"),
    ("Query", "chains", "any signed-in account"),
    ("Query", "node", "any signed-in account; hidden links answer null"),
    ("Query", "auditEvents", "ADMIN (all), BUREAU (its jurisdiction)"),
    ("Query", "keyNodeCandidates", "ADMIN (all), BUREAU and COORDINATOR (their jurisdiction)"),
    ("Query", "simulateDisruption", "ADMIN, BUREAU, COORDINATOR; listed firms limited to their jurisdiction"),
    ("Mutation", "runAnalysis", "ADMIN, BUREAU; another link rule than the server's: ADMIN only"),
    ("Mutation", "login", "anyone (throttled per username)"),
    ("Mutation", "logout", "any signed-in account (its own token)"),
    ("Mutation", "revokeToken", "the token's owner, or ADMIN"),
    ("Mutation", "registerFirm", "ADMIN, BUREAU within its jurisdiction"),
    ("Mutation", "updateFirm", "ADMIN, BUREAU within its jurisdiction (old and new region)"),
    ("Mutation", "declareSupplyLink", "ADMIN, ENTERPRISE whose firm is one end"),
    ("Mutation", "confirmSupplyLink", "ADMIN, ENTERPRISE of the end that did not declare it"),
    ("Mutation", "removeSupplyLink", "ADMIN, ENTERPRISE whose firm is one end"),
    ("Subscription", "networkChanged", "any signed-in account; link events only for links it may see"),
];
