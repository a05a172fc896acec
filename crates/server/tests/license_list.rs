//! The license list of the console and the admin API (filters, sort, cursor paging, CSV), owner
//! edits, notes, reasons and bulk actions; one script on SQLite and on PostgreSQL, whose answers
//! (ids masked) must be the same.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

struct Run {
    server: Server,
    /// License id → a stable label (ids differ between stores).
    labels: Vec<(String, String)>,
    lines: Vec<String>,
}

impl Run {
    fn label(&self, id: &str) -> String {
        self.labels
            .iter()
            .find(|(i, _)| i == id)
            .map_or_else(|| format!("?{id}"), |(_, l)| l.clone())
    }

    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.server.admin(method, path, body).await
    }

    /// The labels of one page, and its total and cursor.
    async fn page(&mut self, query: &str) -> (Vec<String>, u64, Option<String>) {
        let (status, page) = self.admin(Method::GET, &format!("/licenses/page?{query}"), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        let labels: Vec<String> = page["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                format!(
                    "{}:{}",
                    self.label(l["id"].as_str().unwrap()),
                    l["status"].as_str().unwrap()
                )
            })
            .collect();
        let total = page["total"].as_u64().unwrap();
        let next = page["next"].as_str().map(String::from);
        (labels, total, next)
    }

    /// Every page of the query, `limit` at a time.
    async fn all(&mut self, query: &str, limit: u32) -> Vec<String> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let (labels, total, next) = self.page(&format!("{query}&limit={limit}{after}")).await;
            out.extend(labels);
            match next {
                Some(n) => after = format!("&after={n}"),
                None => {
                    assert_eq!(out.len() as u64, total, "{query}: every page adds up to the total");
                    // Ids and times differ between stores: masked.
                    let masked: Vec<String> = query
                        .split('&')
                        .map(|kv| match kv.split_once('=') {
                            Some((k, v)) if v.starts_with("pol_") || v.bytes().all(|b| b.is_ascii_digit()) => {
                                format!("{k}=*")
                            }
                            _ => kv.to_string(),
                        })
                        .collect();
                    self.lines.push(format!("{} by {limit} -> {out:?}", masked.join("&")));
                    return out;
                }
            }
        }
    }
}

fn names(list: &[String]) -> Vec<&str> {
    list.iter().map(|l| l.split(':').next().unwrap()).collect()
}

/// Two products, three policies and eight licenses, each created 10 s after the one before.
async fn seed(run: &mut Run) -> i64 {
    let now = run.server.set_clock_offset(0).await;
    for (id, name) in [("app", "App"), ("tool", "Tool")] {
        run.admin(Method::POST, "/products", Some(json!({"id": id, "name": name})))
            .await;
    }
    let mut policies = Vec::new();
    for (product, name, max) in [("app", "one", 1), ("app", "five", 5), ("tool", "pro", 3)] {
        let body = json!({"product_id": product, "name": name, "max_machines": max});
        let (_, p) = run.admin(Method::POST, "/policies", Some(body)).await;
        policies.push(p["id"].as_str().unwrap().to_string());
    }
    let plan: [(&str, usize, &str, &str, Option<i64>); 8] = [
        ("ann", 0, "Ann Smith", "ann@example.com", None),
        ("bob", 1, "Bob Jones", "BOB@Example.org", Some(now + 5 * DAY)),
        ("cid", 1, "Cid, \"the\" Third", "cid@example.com", Some(now - DAY)),
        ("dee", 2, "=cmd()", "dee@tool.example", Some(now + 40 * DAY)),
        ("eve", 2, "Eve 100% Real", "eve@tool.example", Some(now + 2 * DAY)),
        ("fay", 1, "", "", None),
        ("gus", 2, "Gus", "gus@tool.example", None),
        ("hal", 1, "Hal", "hal@example.com", Some(now + 90 * DAY)),
    ];
    for (i, (label, policy, owner, email, expires)) in plan.iter().enumerate() {
        run.server.set_clock_offset(10 * (i as i64 + 1)).await;
        let mut body = json!({"policy_id": policies[*policy], "owner_name": owner, "owner_email": email});
        if let Some(at) = expires {
            body["expires_at"] = json!(at);
        }
        let (status, created) = run.admin(Method::POST, "/licenses", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["license"]["id"].as_str().unwrap().to_string();
        run.labels.push((id, label.to_string()));
        if *label == "ann" {
            // Ann's one seat taken: seats full.
            let key = created["key"].as_str().unwrap();
            assert_eq!(run.server.activate(key, "ann-pc").await.0, StatusCode::CREATED);
        }
    }
    run.server.set_clock_offset(100).await;
    let id = |l: &str| run.labels.iter().find(|(_, x)| x == l).unwrap().0.clone();
    let (gus, hal) = (id("gus"), id("hal"));
    run.admin(Method::POST, &format!("/licenses/{gus}/suspend"), None).await;
    run.admin(Method::POST, &format!("/licenses/{hal}/revoke"), None).await;
    now + 100
}

async fn script(run: &mut Run) {
    let now = seed(run).await;
    let all = run.all("sort=newest", 3).await;
    assert_eq!(names(&all), ["hal", "gus", "fay", "eve", "dee", "cid", "bob", "ann"]);
    assert!(all.contains(&"cid:EXPIRED".to_string()) && all.contains(&"gus:SUSPENDED".to_string()));

    // Filters: the state now (expired is not active), product, policy, expiry, seats, text.
    assert_eq!(names(&run.all("status=EXPIRED", 50).await), ["cid"]);
    assert_eq!(
        names(&run.all("status=active", 50).await),
        ["fay", "eve", "dee", "bob", "ann"]
    );
    assert_eq!(names(&run.all("status=REVOKED", 50).await), ["hal"]);
    assert_eq!(names(&run.all("product_id=tool", 2).await), ["gus", "eve", "dee"]);
    let (_, policy) = run.admin(Method::GET, "/policies?product_id=app", None).await;
    let five = policy.as_array().unwrap().iter().find(|p| p["name"] == "five").unwrap()["id"].clone();
    assert_eq!(
        names(&run.all(&format!("policy_id={}", five.as_str().unwrap()), 50).await),
        ["hal", "fay", "cid", "bob"]
    );
    let soon = now + 30 * DAY;
    assert_eq!(
        names(&run.all(&format!("expires_before={soon}&sort=expiring"), 50).await),
        ["cid", "eve", "bob"]
    );
    assert_eq!(names(&run.all("seats_full=true", 50).await), ["ann"]);
    let start = now - 100;
    assert_eq!(
        names(&run.all(&format!("created_after={}", start + 45), 2).await),
        ["hal", "gus", "fay", "eve"]
    );
    assert_eq!(
        names(&run.all(&format!("created_before={}", start + 35), 50).await),
        ["cid", "bob", "ann"]
    );
    assert_eq!(names(&run.all("q=EXAMPLE.ORG", 50).await), ["bob"]);
    assert_eq!(
        names(&run.all("q=100%25", 50).await),
        ["eve"],
        "% is a character, not a wildcard"
    );
    assert_eq!(
        names(&run.all("q=tool.example&status=ACTIVE&product_id=tool", 50).await),
        ["eve", "dee"]
    );

    // Orders, paged one license at a time: every license once, in order.
    let expiring = run.all("sort=expiring", 1).await;
    // The three never-expiring licenses come last, in id order (ids differ between stores).
    run.lines.pop();
    run.lines.push(format!("sort=expiring -> {:?}", &expiring[..5]));
    assert_eq!(names(&expiring)[..4], ["cid", "eve", "bob", "dee"]);
    assert_eq!(
        names(&expiring)[4],
        "hal",
        "then the last expiry; never-expiring licenses last"
    );
    let owners = run.all("sort=owner", 2).await;
    // Byte order on both stores: an empty email first, capitals before small letters.
    assert_eq!(names(&owners), ["fay", "bob", "ann", "cid", "dee", "eve", "gus", "hal"]);

    // Refusals: a clear 400 each.
    for bad in [
        "status=GONE",
        "sort=price",
        "limit=0",
        "limit=501",
        "colour=red",
        "sort=owner&after=n.5.lic_x",
    ] {
        let (status, body) = run.admin(Method::GET, &format!("/licenses/page?{bad}"), None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{bad}: {body}"
        );
        run.lines.push(format!("{bad} -> {}", body["message"]));
    }

    // CSV of the filtered list: quoted fields, no formulas, the state now.
    let csv = run
        .server
        .http
        .get(format!(
            "{}/admin/v1/licenses/export.csv?product_id=app&sort=owner",
            run.server.url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,key_prefix,status,product,policy,owner_name,owner_email"));
    assert_eq!(lines.len(), 1 + 5, "{text}");
    assert!(text.contains(",\"Cid, \"\"the\"\" Third\",cid@example.com,"), "{text}");
    assert!(text.contains(",EXPIRED,App,five,"), "{text}");
    let tool = run
        .server
        .http
        .get(format!(
            "{}/admin/v1/licenses/export.csv?product_id=tool",
            run.server.url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(tool.contains(",'=cmd(),"), "a formula is defused: {tool}");
    run.lines.push(
        text.lines()
            .skip(1)
            .map(|l| l.split(',').skip(2).take(7).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
            .join("|"),
    );

    // Owner details edited; the list finds the new email; the event names the fields only.
    let fay = run.labels.iter().find(|(_, l)| l == "fay").unwrap().0.clone();
    let edit = json!({"owner_name": " Fay Lee ", "owner_email": "fay@new.example", "metadata": {"crm": "42"}});
    let (status, edited) = run
        .admin(Method::POST, &format!("/licenses/{fay}/edit"), Some(edit))
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        (edited["owner_name"].as_str(), edited["metadata"]["crm"].as_str()),
        (Some("Fay Lee"), Some("42"))
    );
    assert_eq!(names(&run.all("q=new.example", 50).await), ["fay"]);
    let (status, body) = run
        .admin(
            Method::POST,
            &format!("/licenses/{fay}/edit"),
            Some(json!({"owner_email": "x".repeat(321)})),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, _) = run
        .admin(
            Method::POST,
            &format!("/licenses/{fay}/edit"),
            Some(json!({"owner": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A note, a suspension with a reason, a reset with a reason: all in the timeline.
    let (status, _) = run
        .admin(
            Method::POST,
            &format!("/licenses/{fay}/notes"),
            Some(json!({"text": "Called: wants a refund."})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = run
        .admin(
            Method::POST,
            &format!("/licenses/{fay}/notes"),
            Some(json!({"text": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let reason = Some(json!({"reason": "chargeback"}));
    assert_eq!(
        run.admin(Method::POST, &format!("/licenses/{fay}/suspend"), reason.clone())
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        run.admin(Method::POST, &format!("/licenses/{fay}/reset"), reason)
            .await
            .0,
        StatusCode::OK
    );
    let (_, events) = run.admin(Method::GET, &format!("/events?license_id={fay}"), None).await;
    let timeline: Vec<String> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} | {}",
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap().split(' ').next().unwrap(),
                e["detail"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        timeline[..4],
        [
            "reset admin-api | 0 machines removed; reason: chargeback",
            "suspend admin-api | reason: chargeback",
            "note admin-api | Called: wants a refund.",
            "edit admin-api | changed owner_name, owner_email, metadata",
        ]
    );
    run.lines.extend(timeline);

    // Bulk: refused unless the confirmed count is the count now; then one event per license.
    let bulk = |confirm: u64| json!({"action": "extend", "secs": 10 * DAY, "filter": {"product_id": "tool", "status": "ACTIVE"}, "confirm_total": confirm, "reason": "outage"});
    let (status, body) = run.admin(Method::POST, "/licenses/bulk", Some(bulk(3))).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    assert!(
        body["message"].as_str().unwrap().contains("matches 2 licenses"),
        "{body}"
    );
    let (status, body) = run.admin(Method::POST, "/licenses/bulk", Some(bulk(2))).await;
    assert_eq!((status, body["changed"].as_u64()), (StatusCode::OK, Some(2)), "{body}");
    let (_, page) = run
        .admin(
            Method::GET,
            "/licenses/page?product_id=tool&status=ACTIVE&sort=expiring",
            None,
        )
        .await;
    let expiries: Vec<i64> = page["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["expires_at"].as_i64().unwrap())
        .collect();
    assert_eq!(expiries, [now - 100 + 12 * DAY, now - 100 + 50 * DAY]);
    let (_, events) = run.admin(Method::GET, "/events?action=extend", None).await;
    let bulk_events = events["events"].as_array().unwrap();
    assert_eq!(bulk_events.len(), 2);
    assert!(bulk_events
        .iter()
        .all(|e| e["detail"].as_str().unwrap().starts_with("bulk; expires at ")
            && e["detail"].as_str().unwrap().ends_with("; reason: outage")));
    // Ann, Cid and (revoked) Hal match; a revoked license stays revoked.
    let suspend_all = json!({"action": "suspend", "filter": {"q": "example.com"}, "confirm_total": 3});
    let (status, body) = run.admin(Method::POST, "/licenses/bulk", Some(suspend_all)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["changed"].as_u64(), body["skipped"].as_u64()), (Some(2), Some(1)));
    assert_eq!(names(&run.all("status=REVOKED", 50).await), ["hal"]);
    assert_eq!(
        names(&run.all("status=SUSPENDED", 50).await),
        ["gus", "fay", "cid", "ann"]
    );
    let (status, _) = run
        .admin(
            Method::POST,
            "/licenses/bulk",
            Some(json!({"action": "delete", "confirm_total": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_license_list_filters_sorts_pages_exports_and_acts_the_same_on_both_stores() {
    let mut transcripts = Vec::new();
    for store in [Store::Sqlite, Store::Postgres] {
        let mut run = Run {
            server: Server::options().store(store).start(),
            labels: Vec::new(),
            lines: Vec::new(),
        };
        script(&mut run).await;
        transcripts.push(run.lines);
    }
    assert_eq!(transcripts[0], transcripts[1], "SQLite left, PostgreSQL right");
}
