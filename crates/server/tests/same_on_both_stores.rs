//! The rules are written once, so the same requests give the same answers, codes, events and
//! rule log lines on SQLite and on PostgreSQL. One script of requests reaches every refusal the
//! server can give (except TIMEOUT and INTERNAL, which need a stalled or broken database: see
//! `errors.rs`), runs against a server on each store, and the two transcripts must be equal
//! once ids and times are masked.

mod transcript;

use keyturn_testkit::*;
use reqwest::Method;
use serde_json::{json, Value};
use transcript::{mask, Transcript};

fn device(key: &str, fp: &str) -> Value {
    json!({"key": key, "fingerprint": fp, "name": "box", "platform": "linux-x86_64"})
}

/// A license of `policy` (with extra fields); its key.
async fn license(t: &mut Transcript, step: &str, policy: &str, extra: Value) -> String {
    let mut body = json!({"policy_id": policy});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let created = t.admin(step, Method::POST, "/licenses", Some(body)).await;
    created["key"].as_str().unwrap_or_default().to_string()
}

async fn policy(t: &mut Transcript, step: &str, body: Value) -> String {
    let created = t.admin(step, Method::POST, "/policies", Some(body)).await;
    created["id"].as_str().unwrap_or_default().to_string()
}

/// The whole script; every refusal code it must reach is checked after.
async fn script(t: &mut Transcript) {
    let p = |name: &str, max: u32| json!({"product_id": "app", "name": name, "max_machines": max});
    t.admin(
        "product",
        Method::POST,
        "/products",
        Some(json!({"name": "App", "id": "app"})),
    )
    .await;
    t.admin(
        "product again",
        Method::POST,
        "/products",
        Some(json!({"name": "App", "id": "app"})),
    )
    .await;
    t.admin(
        "policy of no product",
        Method::POST,
        "/policies",
        Some(json!({"product_id": "nope", "name": "X", "max_machines": 1})),
    )
    .await;
    t.admin("policy of 0 seats", Method::POST, "/policies", Some(p("zero", 0)))
        .await;
    t.admin(
        "policy, unknown field",
        Method::POST,
        "/policies",
        Some(json!({"product_id": "app", "name": "X", "max_machines": 1, "colour": "red"})),
    )
    .await;
    let one = policy(t, "1-seat policy", p("one", 1)).await;
    let mut uniq = p("uniq", 5);
    uniq["uniqueness"] = json!("PER_POLICY");
    let uniq = policy(t, "per-policy policy", uniq).await;
    let mut novm = p("novm", 5);
    novm["allow_vm"] = json!(false);
    let novm = policy(t, "no-VM policy", novm).await;
    let mut trial = p("trial", 1);
    trial["trial"] = json!(true);
    policy(t, "trial policy", trial).await;
    t.admin(
        "license of no policy",
        Method::POST,
        "/licenses",
        Some(json!({"policy_id": "pol_nope"})),
    )
    .await;

    let k1 = license(t, "license 1", &one, json!({})).await;
    t.client(
        "malformed key",
        "/v1/validate",
        json!({"key": "nope", "fingerprint": "fp-a"}),
    )
    .await;
    t.client("bad fingerprint", "/v1/validate", json!({"key": k1, "fingerprint": ""}))
        .await;
    let unknown = "KT7QH-3M9XW-C4RTV-8JPLN-2DFGK-6B5YZ-Q";
    t.client(
        "unknown key",
        "/v1/validate",
        json!({"key": unknown, "fingerprint": "fp-a"}),
    )
    .await;
    t.client(
        "not activated",
        "/v1/validate",
        json!({"key": k1, "fingerprint": "fp-a"}),
    )
    .await;
    let act = t.client("activate", "/v1/activations", device(&k1, "fp-a")).await;
    let act_id = act["machine"]["id"].as_str().unwrap_or_default().to_string();
    t.client("activate again", "/v1/activations", device(&k1, "fp-a")).await;
    t.client("valid", "/v1/validate", json!({"key": k1, "fingerprint": "fp-a"}))
        .await;
    t.client("seat limit", "/v1/activations", device(&k1, "fp-b")).await;
    t.client(
        "renew, other device",
        &format!("/v1/activations/{act_id}"),
        device(&k1, "fp-b"),
    )
    .await;
    let renew = t
        .server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{act_id}"),
            Some(device(&k1, "fp-b")),
        )
        .await;
    t.note("renew (PATCH), other device", &renew);
    let gone = t
        .server
        .send(
            Method::PATCH,
            "/v1/activations/act_00000000000000000000",
            Some(device(&k1, "fp-a")),
        )
        .await;
    t.note("renew, no such activation", &gone);
    t.client(
        "deactivate, no such activation",
        "/v1/activations/act_00000000000000000000/deactivate",
        json!({"key": k1}),
    )
    .await;
    t.client("machines", "/v1/machines", json!({"key": k1, "fingerprint": "fp-a"}))
        .await;

    t.admin(
        "block",
        Method::POST,
        "/fingerprints/block",
        Some(json!({"product_id": "app", "fingerprint": "fp-x"})),
    )
    .await;
    t.admin(
        "block, no product",
        Method::POST,
        "/fingerprints/block",
        Some(json!({"product_id": "nope", "fingerprint": "fp-x"})),
    )
    .await;
    t.admin(
        "block, bad fingerprint",
        Method::POST,
        "/fingerprints/block",
        Some(json!({"product_id": "app", "fingerprint": ""})),
    )
    .await;
    let k2 = license(t, "license 2", &uniq, json!({})).await;
    let k3 = license(t, "license 3", &uniq, json!({})).await;
    t.client("blocked device", "/v1/activations", device(&k2, "fp-x")).await;
    t.client(
        "validate blocked",
        "/v1/validate",
        json!({"key": k1, "fingerprint": "fp-x"}),
    )
    .await;
    t.client("per-policy first", "/v1/activations", device(&k2, "fp-u"))
        .await;
    t.client("per-policy second", "/v1/activations", device(&k3, "fp-u"))
        .await;

    let k4 = license(t, "license 4", &novm, json!({})).await;
    let mut vm = device(&k4, "fp-vm");
    vm["virt"] = json!({"vm": true, "container": false, "kind": "kvm"});
    t.client("VM refused", "/v1/activations", vm.clone()).await;
    t.admin(
        "allow VM",
        Method::POST,
        "/fingerprints/allow",
        Some(json!({"product_id": "app", "fingerprint": "fp-vm"})),
    )
    .await;
    t.client("VM allowed", "/v1/activations", vm).await;

    t.admin("suspend", Method::POST, &format!("/licenses/{k1}/suspend"), None)
        .await;
    t.client(
        "suspended validate",
        "/v1/validate",
        json!({"key": k1, "fingerprint": "fp-a"}),
    )
    .await;
    t.client("suspended activate", "/v1/activations", device(&k1, "fp-c"))
        .await;
    t.admin("reinstate", Method::POST, &format!("/licenses/{k1}/reinstate"), None)
        .await;
    t.admin("revoke", Method::POST, &format!("/licenses/{k3}/revoke"), None)
        .await;
    t.client("revoked", "/v1/activations", device(&k3, "fp-r")).await;
    let k5 = license(t, "expired license", &one, json!({"expires_at": 1_000_000_000})).await;
    t.client("expired", "/v1/activations", device(&k5, "fp-e")).await;
    t.admin(
        "extend two ways",
        Method::POST,
        &format!("/licenses/{k5}/extend"),
        Some(json!({"secs": 10, "never": true})),
    )
    .await;
    t.admin(
        "extend never",
        Method::POST,
        &format!("/licenses/{k5}/extend"),
        Some(json!({"never": true})),
    )
    .await;
    t.admin(
        "no such license",
        Method::GET,
        "/licenses/lic_00000000000000000000",
        None,
    )
    .await;
    t.admin(
        "remove no machine",
        Method::DELETE,
        &format!("/licenses/{k1}/machines/act_00000000000000000000"),
        None,
    )
    .await;
    t.admin(
        "machines page",
        Method::GET,
        &format!("/licenses/{k1}/machines?limit=0"),
        None,
    )
    .await;
    t.admin("reset", Method::POST, &format!("/licenses/{k2}/reset"), None)
        .await;

    let trial_body = json!({"product_id": "app", "fingerprint": "fp-t", "name": "box", "platform": "linux"});
    t.client("trial", "/v1/trials", trial_body.clone()).await;
    t.client("trial again", "/v1/trials", trial_body).await;
    t.client(
        "trial of no product",
        "/v1/trials",
        json!({"product_id": "nope", "fingerprint": "fp-t"}),
    )
    .await;

    t.raw(
        "form body",
        Method::POST,
        "/v1/validate",
        "text/plain",
        b"key=x".to_vec(),
    )
    .await;
    t.raw(
        "oversized",
        Method::POST,
        "/v1/validate",
        "application/json",
        vec![b' '; 300_000],
    )
    .await;
    let none = t.server.send(Method::GET, "/no/such/route", None).await;
    t.note("unknown route", &none);
    let method = t.server.send(Method::GET, "/v1/validate", None).await;
    t.note("wrong method", &method);
    // Last: the server's clock past renew-by + grace (default 7 + 7 days) of every activation.
    t.server.set_clock_offset(15 * 24 * 3600).await;
    t.client("overdue", "/v1/validate", json!({"key": k1, "fingerprint": "fp-a"}))
        .await;
}

/// Wrong admin tokens until the address is refused for a while (last: nothing else of the admin
/// API answers this address after it).
async fn wrong_tokens(t: &mut Transcript) {
    for i in 0..11 {
        let resp = t
            .server
            .http
            .get(format!("{}/admin/v1/products", t.server.url))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        t.note(&format!("wrong admin token {i}"), &(status, body));
    }
}

/// The event log (oldest first) and the rule layer's log lines, masked.
async fn recorded(t: &mut Transcript) {
    // The page includes everything recorded before the request (the log is flushed first).
    let (_, page) = t.server.admin(Method::GET, "/events?limit=500", None).await;
    let mut events: Vec<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let actor = e["actor"].as_str().unwrap().split(' ').next().unwrap().to_string();
            mask(&format!(
                "event {} {} {} {}",
                e["action"], e["outcome"], actor, e["detail"]
            ))
        })
        .collect();
    events.reverse();
    t.lines.extend(events);
    // Log lines reach stderr in order, in batches: the trial is the script's last rule that logs.
    let server = &t.server;
    eventually("the rule log lines", std::time::Duration::from_secs(10), || async {
        server.logs().contains("trial started")
    })
    .await;
    let logs = t.server.logs();
    t.lines.extend(
        logs.lines()
            .filter_map(|l| l.find("keyturn_server::domain").map(|i| mask(&l[i..]))),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_the_same_on_sqlite_and_postgresql() {
    let sqlite_db = Database::fresh(Store::Sqlite);
    let mut on_sqlite = Transcript::start(&sqlite_db.db);
    let mut on_pg = Transcript::start(&postgres::fresh_database());
    for t in [&mut on_sqlite, &mut on_pg] {
        script(t).await;
        recorded(t).await;
        wrong_tokens(t).await;
    }
    let codes: String = on_sqlite.lines.join("\n");
    for code in [
        "INVALID_KEY_FORMAT",
        "INVALID_FINGERPRINT",
        "BAD_REQUEST",
        "UNAUTHORIZED",
        "SUSPENDED",
        "REVOKED",
        "EXPIRED",
        "OVERDUE",
        "FINGERPRINT_BLOCKED",
        "VM_NOT_ALLOWED",
        "NOT_FOUND",
        "FINGERPRINT_NOT_FOUND",
        "ACTIVATION_NOT_FOUND",
        "ROUTE_NOT_FOUND",
        "METHOD_NOT_ALLOWED",
        "MACHINE_LIMIT_EXCEEDED",
        "FINGERPRINT_IN_USE",
        "FINGERPRINT_MISMATCH",
        "TRIAL_USED",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "RATE_LIMITED",
    ] {
        assert!(
            codes.contains(&format!(" {code} ")),
            "the script never reached {code}:\n{codes}"
        );
    }
    for (i, (a, b)) in on_sqlite.lines.iter().zip(&on_pg.lines).enumerate() {
        assert_eq!(a, b, "line {i} differs (SQLite left, PostgreSQL right)");
    }
    assert_eq!(on_sqlite.lines.len(), on_pg.lines.len(), "{codes}");
}
