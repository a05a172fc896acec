//! The console's outbox in a real browser (chromium) against a real server: 55 Stripe purchases
//! (signed by Python's hmac) make 57 webhook deliveries (with the endpoint's creation and the
//! console's sign-in) to a receiver that is not there and 55
//! key emails to a mail server that is down. The delivery log shows each delivery's event type,
//! the receiver's answer, attempts and next retry, pages back and forth (50, then 7), filters
//! by state and endpoint, and redelivers a delivery given up. A second endpoint's receiver (on
//! loopback, answering 204) gets its deliveries, and the log's Sequence column shows, for each
//! event, the sequence number that receiver got. The mail queue shows the emails given up (after three
//! days on the server's test clock), pages, and a Resend sends one once the mail server is up
//! (the key arrives by email and is never on the page). Screenshots in English and German.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::payments::{post_stripe, Shop};
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::Browser;
use keyturn_testkit::smtp::SmtpServer;
use keyturn_testkit::stub::{Reply, Stub};
use keyturn_testkit::{eventually, free_port, Server};
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

const STRIPE: &str = "whsec_e2e_outbox";
const PURCHASES: usize = 55;

#[tokio::test]
async fn delivery_log_and_mail_queue_in_the_console() {
    let smtp_port = free_port();
    let more = ["--smtp-tls", "off", "--link-scheme", "e2eapp"];
    let shop = Shop::start(STRIPE, "plink_e2e", smtp_port, &more);
    let (server, policy) = (&shop.server, &shop.policy);
    // Nothing listens on this port: every delivery attempt fails without an answer.
    let dead = format!("http://127.0.0.1:{}/hooks", free_port());
    let (status, _) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": dead, "event_types": ["*"]})),
        )
        .await;
    assert!(status.is_success());
    for n in 0..PURCHASES {
        let event = json!({"id": format!("evt_{n}"), "type": "checkout.session.completed", "data": {"object": {
            "id": format!("cs_{n}"), "object": "checkout.session", "mode": "payment", "payment_status": "paid",
            "payment_intent": format!("pi_{n}"), "payment_link": "plink_e2e",
            "customer_details": {"email": format!("buyer{n}@example.com"), "name": format!("Buyer {n}")}}}});
        assert_eq!(post_stripe(server, STRIPE, &event).await["outcome"], "license_created");
    }
    // Three days on, the emails are given up.
    server.set_clock_offset(3 * 86_400 + 60).await;
    eventually("the emails given up", Duration::from_secs(60), || async {
        let (_, page) = server.admin(Method::GET, "/mails?state=FAILED&limit=500", None).await;
        page["mails"].as_array().map(Vec::len) == Some(PURCHASES)
    })
    .await;

    let browser = Browser::launch("console-outbox").await;
    let result = walk_through(&browser, server, smtp_port, policy).await;
    browser.finish(result, &server.logs()).await;
}

async fn choose(b: &Browser, select: &str, value: &str) -> TestResult {
    let script = format!(
        "const s = document.querySelector({select:?}); s.value = {value:?}; s.dispatchEvent(new Event('change')); return s.value"
    );
    assert_eq!(b.client.execute(&script, vec![]).await?, value);
    Ok(())
}

async fn show(b: &Browser, css: &str) -> TestResult {
    b.client
        .execute(
            &format!("document.querySelector({css:?}).scrollIntoView(); return true"),
            vec![],
        )
        .await?;
    Ok(())
}

async fn no_serious_violations(b: &Browser, name: &str) -> TestResult {
    let violations = serious_violations(&b.client).await?;
    assert!(
        violations.is_empty(),
        "accessibility ({name}): {}",
        violations.join("\n")
    );
    Ok(())
}

async fn walk_through(b: &Browser, server: &Server, smtp_port: u16, policy: &str) -> TestResult {
    b.console_sign_in_with_token(&server.url, ADMIN_TOKEN).await?;
    // The worker takes the sign-in's event from the log and tries it (the page reads the log once).
    eventually("the sign-in's delivery tried", Duration::from_secs(20), || async {
        let (_, page) = server.admin(Method::GET, "/webhooks/deliveries?limit=1", None).await;
        page["deliveries"][0]["attempts"].as_u64().unwrap_or(0) >= 1
    })
    .await;

    // The delivery log: newest first, 50 to a page, each with its event type and the receiver's answer.
    b.click("#webhooks summary").await?;
    b.wait_count("#webhook-deliveries tbody tr", 50).await?;
    b.wait_for_text(
        "#webhook-deliveries tbody tr:first-child",
        "the sign-in's delivery",
        |t| t.contains("sign_in") && t.contains("could not connect"),
    )
    .await?;
    b.wait_for_text("#webhook-deliveries tbody", "the purchases' deliveries", |t| {
        t.matches("create_license").count() == 49
    })
    .await?;
    b.click("#deliveries-older").await?;
    b.wait_count("#webhook-deliveries tbody tr", 7).await?;
    b.wait_for_text("#webhook-deliveries tbody", "the oldest delivery", |t| {
        t.contains("add_webhook")
    })
    .await?;
    b.click("#deliveries-newer").await?;
    b.wait_count("#webhook-deliveries tbody tr", 50).await?;
    // Filters (three days on, the purchases' deliveries were given up; the sign-in's is pending).
    choose(b, "#delivery-state", "DELIVERED").await?;
    b.wait_visible("#no-deliveries").await?;
    choose(b, "#delivery-state", "PENDING").await?;
    b.wait_count("#webhook-deliveries tbody tr", 1).await?;
    let endpoint = b
        .run("const done = arguments[0]; done(document.querySelector('#delivery-endpoint').options[1].value)")
        .await?;
    choose(b, "#delivery-endpoint", endpoint.as_str().unwrap()).await?;
    choose(b, "#delivery-state", "FAILED").await?;
    b.wait_count("#webhook-deliveries tbody tr", 50).await?;
    b.wait_for_text("#webhook-deliveries tbody tr:first-child", "a given-up delivery", |t| {
        t.contains("create_license") && t.contains("given up")
    })
    .await?;
    show(b, "#webhook-deliveries").await?;
    b.screenshot("delivery-log-en").await?;
    no_serious_violations(b, "delivery log").await?;
    b.click("#webhook-deliveries tbody tr:first-child button.redeliver")
        .await?;
    b.wait_for_text("#webhooks-message", "queued again", |t| t.contains("queued again"))
        .await?;
    b.click("#webhooks summary").await?;
    sequences_as_the_receiver_got_them(b, server, policy).await?;

    // The mail queue: the given-up emails a page at a time, then a Resend once the server is up.
    b.click("#mail-queue summary").await?;
    choose(b, "#mail-state", "FAILED").await?;
    b.wait_count("#mail-table tbody tr", 50).await?;
    b.click("#mails-older").await?;
    b.wait_count("#mail-table tbody tr", PURCHASES - 50).await?;
    b.click("#mails-newer").await?;
    b.wait_count("#mail-table tbody tr", 50).await?;
    let smtp = SmtpServer::start(smtp_port);
    let row = b.find("#mail-table tbody tr:first-child").await?;
    let license = row.attr("data-license").await?.expect("the row's license");
    b.click("#mail-table tbody tr:first-child button.resend").await?;
    b.wait_for_text("#mail-message", "queued again", |t| t.contains("queued again"))
        .await?;
    eventually("the email", Duration::from_secs(30), || async {
        !smtp.messages().is_empty()
    })
    .await;
    choose(b, "#mail-state", "SENT").await?;
    b.wait_count("#mail-table tbody tr", 1).await?;
    b.wait_for_text("#mail-table tbody", "the sent email", |t| {
        t.contains(&license) && t.contains("SENT")
    })
    .await?;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let text = mails[0]["text"].as_str().unwrap_or_default();
    let at = text.find("e2eapp://activate?key=").expect("the activation link") + "e2eapp://activate?key=".len();
    let key: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    assert!(key.len() > 20, "{key}");
    let page = b
        .run("const done = arguments[0]; done(document.body.innerText)")
        .await?;
    assert!(
        !page.as_str().unwrap_or_default().contains(&key),
        "the key is on the page"
    );
    choose(b, "#mail-state", "").await?;
    b.wait_count("#mail-table tbody tr", 50).await?;
    show(b, "#mail-queue").await?;
    b.screenshot("mail-queue-en").await?;
    no_serious_violations(b, "mail queue").await?;

    // In German.
    choose(b, "#language", "de").await?;
    b.wait_for_text("#mail-queue summary", "the German title", |t| t == "Schlüssel-E-Mails")
        .await?;
    choose(b, "#mail-state", "SENT").await?;
    b.wait_for_text("#mail-table tbody", "German words", |t| t.contains("GESENDET"))
        .await?;
    show(b, "#mail-queue").await?;
    b.screenshot("mail-queue-de").await?;
    b.click("#webhooks summary").await?;
    b.wait_for_text("#webhook-deliveries thead", "German headings", |t| {
        t.contains("Ereignistyp") && t.contains("Sequenz")
    })
    .await?;
    show(b, "#webhook-deliveries").await?;
    b.screenshot("delivery-log-de").await?;
    Ok(())
}

/// A live receiver's endpoint: its own creation and three new licenses are delivered to it; the
/// log, filtered to that endpoint, shows for each event the `sequence` the receiver got.
async fn sequences_as_the_receiver_got_them(b: &Browser, server: &Server, policy: &str) -> TestResult {
    let receiver = Stub::start(|_| Reply::NoContent).await;
    let hooks = json!({"url": format!("{}/hooks", receiver.url), "event_types": ["add_webhook", "create_license"]});
    let (status, endpoint) = server.admin(Method::POST, "/webhooks", Some(hooks)).await;
    assert!(status.is_success(), "{endpoint}");
    for n in 0..3 {
        let license = json!({"policy_id": policy, "owner_name": format!("Walk-in {n}")});
        let (status, created) = server.admin(Method::POST, "/licenses", Some(license)).await;
        assert!(status.is_success(), "{created}");
    }
    eventually("the receiver's four deliveries", Duration::from_secs(30), || async {
        receiver.requests().len() >= 4
    })
    .await;
    // Event id -> the sequence number the receiver got (as the page shows it).
    let got: BTreeMap<i64, String> = receiver
        .requests()
        .iter()
        .map(|r| (r.body["event"]["id"].as_i64().unwrap(), r.body["sequence"].to_string()))
        .collect();
    assert_eq!(
        got.values().map(String::as_str).collect::<Vec<_>>(),
        ["1", "2", "3", "4"],
        "each event once, numbered in event order: {got:?}"
    );

    b.click("#webhooks summary").await?;
    b.wait_count("#delivery-endpoint option", 3).await?;
    choose(b, "#delivery-endpoint", endpoint["id"].as_str().unwrap()).await?;
    choose(b, "#delivery-state", "DELIVERED").await?;
    b.wait_count("#webhook-deliveries tbody tr", 4).await?;
    let shown = b
        .run(
            "const done = arguments[0]; done([...document.querySelectorAll('#webhook-deliveries tbody tr')]
               .map((row) => [row.dataset.event, row.querySelector('td.sequence').textContent]))",
        )
        .await?;
    let shown: Vec<(String, String)> = serde_json::from_value(shown)?;
    let shown: BTreeMap<i64, String> = shown
        .into_iter()
        .map(|(event, sequence)| (event.parse().unwrap(), sequence))
        .collect();
    assert_eq!(
        shown, got,
        "the log's sequence per event, against what the receiver got"
    );
    b.wait_for_text("#webhook-deliveries thead", "the Sequence heading", |t| {
        t.contains("Sequence")
    })
    .await?;
    show(b, "#webhook-deliveries").await?;
    b.screenshot("delivery-sequence-en").await?;
    b.click("#webhooks summary").await?;
    Ok(())
}
