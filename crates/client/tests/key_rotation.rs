//! Rotating the server's token signing key against the REAL keyturn-server while apps are
//! activated and offline: each app keeps working on the token it holds, renews onto the new key,
//! and a token of a retired key works until the vendor drops that key from the app's pinned
//! list; then it is refused as SIGNING_KEY_RETIRED, and renewing online cures it.

mod support;

use keyturn_client::clock::FixedJitter;
use keyturn_client::flow::{activate_device, now};
use keyturn_client::local::{self, LocalError};
use keyturn_client::renewal::{Backoff, RenewalOutcome, Renewer};
use keyturn_client::{
    exit_code, ActivationOutcome, ApiClient, Device, ErrorCode, LicenseKey, MemorySecretStore, MemoryStateStore,
    Secret, SecretStore, VendorConfig,
};
use keyturn_protocol::token;
use keyturn_testkit::Server;
use serde_json::{json, Value};
use support::fixtures::{config_for, device, real_server, PRODUCT};

/// A device's app: its vendor config and what it stored.
struct App {
    device: Device,
    secrets: MemorySecretStore,
    state: MemoryStateStore,
}

impl App {
    async fn activated(server: &Server, config: &VendorConfig, key: &LicenseKey, name: &str) -> App {
        let api = ApiClient::new(&server.url).unwrap();
        let device = device(name);
        let Ok(ActivationOutcome::Activated(activation)) = activate_device(&api, config, key, &device).await else {
            panic!("{name} was not activated; server log:\n{}", server.logs());
        };
        let (secrets, state) = (MemorySecretStore::default(), MemoryStateStore::default());
        local::save_activation(&activation, key, &server.url, &secrets, &state, now()).unwrap();
        App { device, secrets, state }
    }

    /// The offline check (no network), as the app runs it at start.
    fn check(&self, config: &VendorConfig) -> Result<(), LocalError> {
        local::check_local(config, &self.device, &self.secrets, &self.state, now()).map(|_| ())
    }

    /// The kid of the token the app holds.
    fn token_kid(&self) -> Option<String> {
        token::token_key_id(&self.secrets.get(Secret::Token).unwrap().unwrap()).unwrap()
    }

    async fn renew(&self, server: &Server, config: &VendorConfig) -> RenewalOutcome {
        let api = ApiClient::new(&server.url).unwrap();
        let renewer = Renewer {
            api: &api,
            config,
            device: &self.device,
            secrets: &self.secrets,
            state: &self.state,
            backoff: Backoff {
                initial_secs: 60,
                max_secs: 3600,
                factor: 2,
            },
        };
        renewer.renew(now(), &mut FixedJitter(0.5)).await.unwrap()
    }
}

/// A vendor config pinning these public keys (`public_keys`).
fn pinning(server: &Server, keys: &[&str]) -> VendorConfig {
    VendorConfig::from_json(
        &json!({"product_name": "Client Tests", "product_id": PRODUCT, "server_url": server.url, "public_keys": keys})
            .to_string(),
    )
    .unwrap()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

#[tokio::test]
async fn rotation_keeps_offline_apps_working_until_the_vendor_drops_the_old_key() {
    let mut server = real_server();
    let old_public = server.public_key().to_string();
    let old_kid = token::key_id(&token::parse_public_key(&old_public).unwrap());
    // Apps from before rotation pin one key (`public_key`).
    let single = config_for(&server.url, &old_public);
    let key = LicenseKey::parse(&server.new_license(5)).unwrap();
    let alice = App::activated(&server, &single, &key, "alice").await;
    let bob = App::activated(&server, &single, &key, "bob").await;
    assert_eq!(
        alice.token_kid().as_deref(),
        Some(old_kid.as_str()),
        "tokens name their key"
    );

    // The vendor makes the next key and ships an app pinning both (what `keys list` says).
    let next = json_of(&server.cli(&["keys", "add-next"]));
    let (next_kid, next_public) = (next["kid"].as_str().unwrap(), next["public_key"].as_str().unwrap());
    let listed = json_of(&server.cli(&["keys", "list"]));
    assert_eq!(strings(&listed["public_keys"]), [old_public.as_str(), next_public]);
    let both = pinning(&server, &strings(&listed["public_keys"]));
    // Offline, every app keeps working on the token it holds, whichever config it has.
    for config in [&single, &both] {
        alice.check(config).unwrap();
        bob.check(config).unwrap();
    }

    // Promote; the server restarts and signs with the new key.
    server.cli(&["keys", "promote"]);
    server.stop();
    let server2 = Server::start_on(&server.db, &[]);
    assert_eq!(server2.cli(&["public-key"]), next_public);
    let pinned_both = pinning(&server2, &[&old_public, next_public]);
    let (_, admin) = server2.admin(reqwest::Method::GET, "/public-key", None).await;
    assert_eq!(admin["public_key"], next_public);
    assert_eq!(admin["public_keys"], json!([old_public, next_public]));
    alice.check(&pinned_both).unwrap();

    // Alice comes online and renews onto the new key.
    let RenewalOutcome::Renewed { claims, .. } = alice.renew(&server2, &pinned_both).await else {
        panic!("alice did not renew; server log:\n{}", server2.logs());
    };
    assert_eq!(
        claims.sub,
        json_of(&server2.cli(&["license", "machines", "--license", key.canonical()]))["machines"][0]["id"]
    );
    assert_eq!(alice.token_kid().as_deref(), Some(next_kid));
    alice.check(&pinned_both).unwrap();

    // The vendor retires the old key: it is no longer listed to pin, but bob (still offline, on
    // his old token) keeps working while his app pins it.
    server2.cli(&["keys", "retire", "--kid", &old_kid]);
    let listed = json_of(&server2.cli(&["keys", "list"]));
    assert_eq!(strings(&listed["public_keys"]), [next_public]);
    assert_eq!(bob.token_kid().as_deref(), Some(old_kid.as_str()));
    bob.check(&pinned_both).unwrap();
    bob.check(&single).unwrap();

    // The vendor's next app release pins only the new key: bob's old token is refused, clearly.
    let new_only = pinning(&server2, &[next_public]);
    let refused = bob.check(&new_only).unwrap_err();
    assert_eq!(refused.error_code(), ErrorCode::SigningKeyRetired, "{refused}");
    assert_eq!(exit_code::for_error(refused.error_code()), exit_code::SYNC_NEEDED);
    assert!(refused.to_string().contains(&old_kid), "{refused}");
    alice.check(&new_only).unwrap();

    // Online again, bob renews onto the new key and works.
    let RenewalOutcome::Renewed { .. } = bob.renew(&server2, &new_only).await else {
        panic!("bob did not renew; server log:\n{}", server2.logs());
    };
    assert_eq!(bob.token_kid().as_deref(), Some(next_kid));
    bob.check(&new_only).unwrap();
}

#[test]
fn a_config_must_pin_a_key_and_old_single_key_configs_still_load() {
    let text = |keys: Value| {
        json!({"product_name": "A", "product_id": "p", "server_url": "https://x", "public_keys": keys}).to_string()
    };
    let error = VendorConfig::from_json(&text(json!([]))).unwrap_err();
    assert!(error.to_string().contains("public_keys"), "{error}");
    assert!(VendorConfig::from_json(&text(json!(["not a key"]))).is_err());
    let public = token::public_key_to_string(&token::signing_key_from_seed([5; 32]).verifying_key());
    let single = json!({"product_name": "A", "product_id": "p", "server_url": "https://x", "public_key": public});
    let config = VendorConfig::from_json(&single.to_string()).unwrap();
    assert_eq!(config.pinned_keys().unwrap().len(), 1);
    let both = json!({"product_name": "A", "product_id": "p", "server_url": "https://x", "public_key": public, "public_keys": [public]});
    assert_eq!(
        VendorConfig::from_json(&both.to_string())
            .unwrap()
            .pinned_keys()
            .unwrap()
            .len(),
        1
    );
}
