//! Roles and product scopes over real HTTP, on the store under test (KEYTURN_TEST_STORE): every
//! admin route for every role, through an API token and through a staff account's console
//! session, is allowed or refused with `FORBIDDEN` and nothing changed; a product's token sees
//! nothing of another product.

mod payments_common;
mod role_matrix;
mod staff_common;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use role_matrix::{routes, snapshot, ROLES};
use serde_json::{json, Value};
use staff_common::*;

/// Who asks: an API token (admin API) or a staff account's console session.
enum Door<'a> {
    Token(String),
    Console(Console<'a>),
}

impl Door<'_> {
    async fn call(&self, server: &Server, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        match self {
            Door::Token(token) => call(server, token, method, path, body).await,
            Door::Console(console) => console.call(method, path, body).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_admin_route_is_allowed_or_refused_with_nothing_changed() {
    // Purchases (Stripe, signed by the test) of another product's policy queue key emails, to a
    // mail server that is not there: `{mail}` is such a license.
    let database = Database::under_test();
    cli(&database.db, &["product", "create", "--name", "Shop", "--id", "p0"]);
    let bought = cli(
        &database.db,
        &[
            "policy",
            "create",
            "--product",
            "p0",
            "--name",
            "Shop",
            "--max-machines",
            "1",
        ],
    );
    let smtp_port = free_port().to_string();
    let server = Server::options()
        .on(&database.db)
        .args(&[
            "--stripe-webhook-secret",
            payments_common::STRIPE,
            "--payment-price",
            &format!("plink_shop={bought}"),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp_port,
            "--smtp-tls",
            "off",
            "--mail-from",
            "Shop <shop@example.com>",
        ])
        .product("p1", "Product One")
        .start();
    let mut doors = Vec::new();
    for r in ROLES {
        doors.push(Door::Token(new_token(&server, &format!("matrix-{r}"), r, None)));
    }
    for r in ROLES {
        let email = format!("matrix-{r}@acme.com");
        add_staff(&server, &email, r);
        doors.push(Door::Console(sign_in_staff(&server, &email).await));
    }
    matrix(&server, &doors).await;
}

async fn matrix(server: &Server, doors: &[Door<'_>]) {
    let policy = server.new_policy(3, &[]);
    let mut n = 0;
    for (method, path, body, allowed) in routes() {
        for (d, door) in doors.iter().enumerate() {
            let (i, role) = (d % 4, ROLES[d % 4]);
            n += 1;
            // Fresh things to act on.
            let key = server.license(&policy);
            let (_, act) = server.activate(&key, &format!("fp-{n}")).await;
            let (_, lic) = server.admin(Method::GET, &format!("/licenses/{key}"), None).await;
            let lic = lic["id"].as_str().unwrap().to_string();
            let mail = match path.contains("{mail}") {
                true => bought_license(server, n).await,
                false => String::new(),
            };
            let fill = |text: &str| {
                let mut text = text
                    .replace("{lic}", &lic)
                    .replace("{mail}", &mail)
                    .replace("{act}", act["machine"]["id"].as_str().unwrap_or("none"))
                    .replace("{prod}", "p1")
                    .replace("{pol}", &policy)
                    .replace("{n}", &n.to_string());
                if text.contains("{staff}") {
                    let id = add_staff(server, &format!("s{n}@acme.com"), "viewer");
                    text = text.replace("{staff}", &id);
                }
                if text.contains("{tok}") {
                    text = text.replace("{tok}", &fresh_token_id(server, n));
                }
                text
            };
            let path = fill(path);
            let body = body
                .as_ref()
                .map(|b| serde_json::from_str::<Value>(&fill(&b.to_string())).unwrap());
            let before = snapshot(server, &lic).await;
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let (status, answer) = door.call(server, method.clone(), &path, body).await;
            if allowed[i] {
                assert!(status.is_success(), "{role} {method} {path}: {status} {answer}");
            } else {
                assert_eq!(
                    (status, code(&answer)),
                    (StatusCode::FORBIDDEN, "FORBIDDEN"),
                    "{role} {method} {path}: {answer}"
                );
                assert_eq!(
                    snapshot(server, &lic).await,
                    before,
                    "{role} {method} {path} changed something"
                );
                // The refusal is on record, naming who tried.
                let (_, events) = server.admin(Method::GET, "/events?limit=1", None).await;
                let refusal = &events["events"][0];
                assert_eq!(refusal["outcome"], "FORBIDDEN", "{role} {method} {path}: {refusal}");
                assert!(
                    refusal["actor"].as_str().unwrap().contains(&format!("matrix-{role}")),
                    "{refusal}"
                );
            }
        }
    }
}

/// A license bought now (a signed Stripe one-time purchase), with its key email queued.
async fn bought_license(server: &Server, n: i32) -> String {
    use payments_common::*;
    let event = stripe_checkout(
        &format!("evt_{n}"),
        &format!("cs_{n}"),
        "payment",
        &format!("pi_{n}"),
        json!({}),
    );
    let (_, answer) = Shop::post_to_server(server, &event.to_string()).await;
    answer["license_id"].as_str().expect("a license bought").to_string()
}

/// A fresh viewer token's id.
fn fresh_token_id(server: &Server, n: i32) -> String {
    let name = format!("victim-{n}");
    new_token(server, &name, "viewer", None);
    let list: Value = serde_json::from_str(&server.cli(&["token", "list"])).unwrap();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_token_sees_and_changes_nothing_of_another_product() {
    let server = Server::options().product("mine", "Mine").start();
    let my_policy = server.new_policy(2, &[]);
    let my_key = server.license(&my_policy);
    let (other_product, other_policy) = server.product_policy(2, &[]);
    let other_key = server.license(&other_policy);
    let (_, other) = server.admin(Method::GET, &format!("/licenses/{other_key}"), None).await;
    let other_id = other["id"].as_str().unwrap().to_string();
    let token = new_token(&server, "shop-backend", "admin", Some("mine"));
    let get = |path: String| {
        let (server, token) = (&server, &token);
        async move { call(server, token, Method::GET, &path, None).await }
    };

    // Another product's license: NOT_FOUND by id and by key, for reads and changes alike.
    for path in [
        format!("/licenses/{other_id}"),
        format!("/licenses/{other_key}/machines"),
        format!("/events?license_id={other_id}"),
    ] {
        let (status, body) = get(path.clone()).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}: {body}"
        );
    }
    for action in ["suspend", "revoke", "reset"] {
        let (status, body) = call(
            &server,
            &token,
            Method::POST,
            &format!("/licenses/{other_id}/{action}"),
            None,
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{action}: {body}"
        );
    }
    let (_, still) = server.admin(Method::GET, &format!("/licenses/{other_id}"), None).await;
    assert_eq!(still["status"], "ACTIVE");
    for (path, body) in [
        ("/licenses", json!({"policy_id": other_policy})),
        (
            "/policies",
            json!({"product_id": other_product, "name": "X", "max_machines": 1}),
        ),
        (
            "/fingerprints/block",
            json!({"product_id": other_product, "fingerprint": "fp-1"}),
        ),
    ] {
        let (status, answer) = call(&server, &token, Method::POST, path, Some(body)).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}: {answer}"
        );
    }
    let (status, answer) = call(
        &server,
        &token,
        Method::POST,
        "/products",
        Some(json!({"name": "Mine too"})),
    )
    .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "{answer}"
    );

    // Lists hold only its product.
    let ids = |v: &Value, field: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&get("/products".into()).await.1, "id"), ["mine"]);
    assert_eq!(ids(&get("/policies".into()).await.1, "product_id"), ["mine"]);
    assert_eq!(ids(&get("/licenses".into()).await.1, "product_id"), ["mine"]);
    assert!(get(format!("/licenses?product_id={other_product}"))
        .await
        .1
        .as_array()
        .unwrap()
        .is_empty());
    assert!(get("/events".into()).await.1["events"].as_array().unwrap().is_empty());

    // Its own product: everything works.
    let (status, body) = call(
        &server,
        &token,
        Method::POST,
        &format!("/licenses/{my_key}/suspend"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &server,
        &token,
        Method::POST,
        "/licenses",
        Some(json!({"policy_id": my_policy})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, page) = get(format!("/events?license_id={my_key}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["events"][0]["actor"].as_str().unwrap().split(" (").next(),
        Some("token: shop-backend")
    );
}
