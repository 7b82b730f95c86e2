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
    (
        "Query",
        "whitelist",
        "any signed-in account: published entries everywhere; the rest within jurisdiction (ENTERPRISE: its firm's and its recommendations)",
    ),
    ("Query", "whitelistCandidates", "ADMIN (all), BUREAU and COORDINATOR (their jurisdiction)"),
    ("Query", "whitelistBatches", "any signed-in account (published batches are public)"),
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
    ("Mutation", "importSupplierList", "ENTERPRISE (its firm is the customer of every row)"),
    ("Mutation", "verifyFirm", "ADMIN, BUREAU within jurisdiction"),
    ("Mutation", "confirmSupplyLinks", "ADMIN, ENTERPRISE of the end that did not declare each link"),
    ("Mutation", "rejectSupplyLinks", "ADMIN, ENTERPRISE of the end that did not declare each link"),
    ("Mutation", "nominateFirm", "BUREAU whose jurisdiction covers the firm"),
    ("Mutation", "recommendSupplier", "ENTERPRISE of a LARGE firm, for a firm supplying it on a CONFIRMED link"),
    ("Mutation", "startReview", "BUREAU covering the firm, at the nominator's level or above"),
    (
        "Mutation",
        "approveEntry",
        "BUREAU covering the firm, at the nominator's level or above, not the proposer (four eyes)",
    ),
    ("Mutation", "rejectEntry", "BUREAU covering the firm, at the nominator's level or above"),
    ("Mutation", "suspendEntry", "BUREAU covering the firm, at the nominator's level or above"),
    ("Mutation", "reinstateEntry", "BUREAU covering the firm, at the nominator's level or above"),
    ("Mutation", "revokeEntry", "BUREAU covering the firm, at the nominator's level or above"),
    (
        "Mutation",
        "renewEntry",
        "BUREAU covering the firm, at the nominator's level or above, not the proposer (four eyes)",
    ),
    ("Mutation", "publishBatch", "the province's own BUREAU (2-digit jurisdiction)"),
    ("Subscription", "networkChanged", "any signed-in account; link events only for links it may see"),
    (
        "Subscription",
        "whitelistChanged",
        "any signed-in account; only entries it may see (published ones everywhere), batches are public",
    ),
];
