//! The admin CLI's contract: what it prints, demo keys, options and listings, and running
//! beside the server.

use keyturn_protocol::token;
use keyturn_protocol::LicenseKey;
use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn cli_prints_ids_keys_and_the_public_key() {
    let test_db = Database::under_test();
    let db = test_db.db.as_str();
    assert_eq!(cli(db, &["product", "create", "--name", "App", "--id", "app"]), "app");
    let policy = cli(
        db,
        &[
            "policy",
            "create",
            "--product",
            "app",
            "--name",
            "Std",
            "--max-machines",
            "3",
        ],
    );
    assert!(policy.starts_with("pol_") && !policy.contains('\n'), "{policy}");
    let key = cli(
        db,
        &[
            "license",
            "create",
            "--policy",
            &policy,
            "--owner-name",
            "Ann",
            "--owner-email",
            "a@x.io",
        ],
    );
    let parsed = LicenseKey::parse(&key).expect("a key in display form");
    assert_eq!(parsed.to_string(), key);
    let public = cli(db, &["public-key"]);
    token::parse_public_key(&public).expect("a pinnable public key");
    assert_eq!(cli(db, &["public-key"]), public, "the key pair is kept");
    // The key is stored only as a keyed hash plus its first group.
    let raw = if Store::under_test().is_postgres() {
        postgres::dump(db)
    } else {
        std::fs::read(db).unwrap()
    };
    let canonical = parsed.canonical().as_bytes();
    assert!(
        !raw.windows(canonical.len()).any(|w| w == canonical),
        "plain key found in the database file"
    );
    #[cfg(unix)]
    if !Store::under_test().is_postgres() {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database holds the secrets");
    }
    // Errors go to stderr with a failure status.
    let (ok, out, err) = cli_raw(
        db,
        &[
            "policy",
            "create",
            "--product",
            "nope",
            "--name",
            "X",
            "--max-machines",
            "1",
        ],
    );
    assert!(!ok && out.is_empty() && err.contains("NOT_FOUND"), "{err}");
}

#[test]
fn demo_is_idempotent_and_prints_usable_keys() {
    let test_db = Database::under_test();
    let db = test_db.db.as_str();
    let first = cli(db, &["demo"]);
    let second = cli(db, &["demo"]);
    assert_eq!(first, second);
    let keys: Vec<&str> = first
        .split_whitespace()
        .filter(|w| LicenseKey::parse(w).is_ok() && w.len() == 35)
        .collect();
    assert!(keys.len() >= 4, "{first}");
    assert!(first.contains("suspended") && first.contains("1 seat") && first.contains("3 seats"));
    let products = cli(db, &["product", "list"]);
    assert!(products.contains("\"Keyturn Demo\"") && products.contains("\"demo\""));
}

#[tokio::test]
async fn cli_works_while_the_server_runs() {
    let server = Server::start();
    let key = server.fresh_license(2);
    assert_eq!(server.activate(&key, "d1").await.0, StatusCode::CREATED);
    server.cli(&["license", "suspend", "--license", &key]);
    assert_eq!(code(&server.validate(&key, "d1").await.1), "SUSPENDED");
    let (status, v) = server.activate(&key, "d2").await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "SUSPENDED"));
    server.cli(&["license", "reinstate", "--license", &key]);
    assert_eq!(code(&server.validate(&key, "d1").await.1), "VALID");
    let machines = server.cli(&["license", "machines", "--license", &key]);
    assert!(machines.contains("\"d1\""), "{machines}");
}

#[test]
fn cli_license_options_and_listings() {
    let test_db = Database::under_test();
    let db = test_db.db.as_str();
    cli(db, &["product", "create", "--name", "App", "--id", "app"]);
    let policy = cli(
        db,
        &[
            "policy",
            "create",
            "--product",
            "app",
            "--name",
            "Pro",
            "--max-machines",
            "2",
            "--uniqueness",
            "per_policy",
        ],
    );
    let created = cli(
        db,
        &[
            "license",
            "create",
            "--policy",
            &policy,
            "--entitlement",
            "pro",
            "--entitlement",
            "export",
            "--meta",
            "order=42",
            "--expires-at",
            "4000000000",
            "--json",
        ],
    );
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let key = created["key"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let shown: serde_json::Value = serde_json::from_str(&cli(db, &["license", "show", "--license", key])).unwrap();
    assert_eq!(shown["id"], id);
    assert_eq!(shown["entitlements"], json!(["pro", "export"]));
    assert_eq!(shown["metadata"], json!({"order": "42"}));
    assert_eq!(shown["expires_at"], 4_000_000_000i64);
    assert_eq!(shown["key_prefix"].as_str().unwrap(), &key[..5]);
    let by_id: serde_json::Value = serde_json::from_str(&cli(db, &["license", "show", "--license", id])).unwrap();
    assert_eq!(by_id, shown);
    let listed = cli(db, &["license", "list", "--product", "app"]);
    assert!(listed.contains(id) && !listed.contains(key));
    let policies = cli(db, &["policy", "list", "--product", "app"]);
    assert!(policies.contains("PER_POLICY"), "{policies}");
    assert_eq!(
        cli(db, &["license", "suspend", "--license", key]),
        format!("{id} SUSPENDED")
    );
    // Usage errors: exit status 2, nothing on stdout.
    let mut args = vec!["policy", "create", "--product", "app", "--name", "X"];
    args.extend(["--max-machines", "1", "--uniqueness", "SOMETIMES"]);
    let out = cli_run(db, &args);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty());
}
