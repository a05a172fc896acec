//! The key-email queue over real HTTP (the console's Mail queue uses these routes), on the store
//! under test: emails listed newest first with recipient, license, state, attempts and last error
//! (never the key), filtered by state, paged by cursor; an email given up (mail server down for
//! three days, on the server's test clock) keeps its key, and a staff Resend sends it once the
//! mail server works, logged with its actor; a sent one answers `MAIL_KEY_GONE`.

mod payments_common;

use keyturn_testkit::*;
use payments_common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

async fn page(server: &Server, query: &str) -> Value {
    let (status, body) = server.admin(Method::GET, &format!("/mails{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn states(page: &Value) -> Vec<(String, String)> {
    page["mails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["to_email"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_up_emails_are_listed_and_sent_again_on_a_staff_resend() {
    let shop = Shop::start(&["--smtp-tls", "off"]);
    let (server, smtp_port) = (&shop.server, shop.smtp_port);
    // Three purchases while the mail server is down.
    let mut licenses = Vec::new();
    for n in 0..3 {
        let mut event = stripe_checkout(
            &format!("evt_{n}"),
            &format!("cs_{n}"),
            "payment",
            &format!("pi_{n}"),
            json!({}),
        );
        event["data"]["object"]["customer_details"]["email"] = json!(format!("buyer{n}@example.com"));
        let body = event.to_string();
        let (status, answer) = Shop::post_to_server(server, &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        licenses.push(answer["license_id"].as_str().unwrap().to_string());
    }
    eventually("three failed sends", Duration::from_secs(30), || async {
        page(server, "").await["mails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["attempts"].as_u64() >= Some(1))
    })
    .await;
    let first = page(server, "").await;
    let mail = &first["mails"][0];
    assert_eq!(
        (mail["state"].as_str(), mail["product_name"].as_str()),
        (Some("PENDING"), Some("Pixel Tool")),
        "{mail}"
    );
    assert!(mail["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{mail}");
    assert!(mail.get("key").is_none() && mail.get("license_key").is_none(), "{mail}");

    // Three days on, the next attempts give up.
    server.set_clock_offset(3 * DAY + 60).await;
    eventually("given up", Duration::from_secs(30), || async {
        page(server, "?state=FAILED").await["mails"].as_array().unwrap().len() == 3
    })
    .await;
    assert!(page(server, "?state=PENDING").await["mails"]
        .as_array()
        .unwrap()
        .is_empty());
    // Newest first, two to a page, then the last one.
    let one = page(server, "?state=FAILED&limit=2").await;
    let cursor = one["next_before"].as_str().expect("a second page").to_string();
    let two = page(server, &format!("?state=FAILED&limit=2&before={cursor}")).await;
    let mut seen: Vec<(String, String)> = states(&one).into_iter().chain(states(&two)).collect();
    assert_eq!(two["next_before"], Value::Null);
    let times: Vec<i64> = [&one, &two]
        .iter()
        .flat_map(|p| {
            p["mails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["created_at"].as_i64().unwrap())
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let (status, bad) = server.admin(Method::GET, "/mails?before=nonsense", None).await;
    assert_eq!((status, code(&bad)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));

    // The mail server is back; a Resend of the first buyer's email sends it, with its key.
    let smtp = keyturn_testkit::smtp::SmtpServer::start(smtp_port);
    let resend = format!("/mails/{}/resend", licenses[0]);
    let (status, queued) = server.admin(Method::POST, &resend, None).await;
    assert_eq!(
        (status, queued["state"].as_str()),
        (StatusCode::OK, Some("PENDING")),
        "{queued}"
    );
    eventually("the email", Duration::from_secs(30), || async {
        !smtp.messages().is_empty()
    })
    .await;
    eventually("sent", Duration::from_secs(30), || async {
        page(server, "?state=SENT").await["mails"].as_array().unwrap().len() == 1
    })
    .await;
    let got = smtp.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["to"], "Bob Buyer <buyer0@example.com>");
    let (_, view) = server
        .admin(Method::GET, &format!("/licenses/{}", licenses[0]), None)
        .await;
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .contains(view["key_prefix"].as_str().unwrap()),
        "the key is in the email"
    );
    // Sent: its key is gone, so it cannot be sent again; the others were not sent.
    let (status, gone) = server.admin(Method::POST, &resend, None).await;
    assert_eq!((status, code(&gone)), (StatusCode::CONFLICT, "MAIL_KEY_GONE"));
    let (status, none) = server.admin(Method::POST, "/mails/lic_nothing/resend", None).await;
    assert_eq!((status, code(&none)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(
        page(server, "?state=FAILED").await["mails"].as_array().unwrap().len(),
        2
    );
    assert_eq!(smtp.messages().len(), 1);
    // The Resend is on record with who asked.
    let (_, events) = server
        .admin(Method::GET, &format!("/events?license_id={}", licenses[0]), None)
        .await;
    let resent: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "resend_key_mail")
        .collect();
    assert_eq!(resent.len(), 1, "{events}");
    assert_eq!(
        (resent[0]["outcome"].as_str(), resent[0]["actor"].as_str()),
        (Some("OK"), Some("admin-api 127.0.0.1"))
    );
}
