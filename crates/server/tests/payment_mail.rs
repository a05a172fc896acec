//! The key by email, against a real SMTP server the test starts (aiosmtpd from Debian's
//! python3-aiosmtpd, writing a Maildir): a signed Stripe purchase is answered at once while the
//! mail server is down, the email is retried (test clock moved past the delay) and arrives once,
//! with the key, the app's activation link in the vendor's scheme and the portal link, as plain
//! text and HTML. The key is in no log line and no event.

use keyturn_testkit::shop::{invoice_paid, Shop};
use keyturn_testkit::store::sql;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_emails_the_key_once_also_when_the_mail_server_was_down() {
    let shop = Shop::start(&["--link-scheme", "pixeltool"]);
    let server = &shop.server;
    let body = invoice_paid("evt_mail_1", "in_m1").to_string();
    let post = |body: String| shop.post_stripe(body);
    // The mail server is down: the purchase is answered anyway.
    let (status, answer) = post(body.clone()).await;
    assert_eq!(
        (status, answer["outcome"].as_str()),
        (StatusCode::OK, Some("license_created")),
        "{answer}"
    );
    let license = answer["license_id"].as_str().unwrap().to_string();
    eventually("a failed send", Duration::from_secs(30), || async {
        server.logs().contains("purchase email not sent")
    })
    .await;

    // What waits in the queue is sealed (checked against the key once the email shows it).
    let kept_query = format!("SELECT license_key FROM license_mails WHERE license_id = '{license}'");
    let kept = sql(&server.db, &kept_query);
    assert!(kept.starts_with("v1."), "{kept}");

    let smtp = keyturn_testkit::smtp::SmtpServer::start(shop.smtp_port);
    server.set_clock_offset(120).await; // past the first retry delay (60 s)
    eventually("the email", Duration::from_secs(30), || async {
        !smtp.messages().is_empty()
    })
    .await;

    // The same event again, and a renewal of the same order: no second email.
    assert_eq!(post(body.clone()).await.1["outcome"], "duplicate");
    let again = body.replace("evt_mail_1", "evt_mail_2");
    assert_eq!(post(again).await.1["outcome"], "renewed");
    server.set_clock_offset(4000).await;
    let (_, view) = server.admin(Method::GET, &format!("/licenses/{license}"), None).await;
    let prefix = view["key_prefix"].as_str().unwrap().to_string();
    let got = smtp.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];
    assert_eq!(mail["to"], "Ann Buyer <ann@example.com>");
    assert_eq!(mail["from"], "Pixel Sales <sales@pixel.example>");
    assert_eq!(mail["subject"], "Your Pixel Tool license key");
    let text = mail["text"].as_str().unwrap();
    let link_at = text.find("pixeltool://activate?key=").expect("the activation link");
    let key: String = text[link_at + "pixeltool://activate?key=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    assert!(key.starts_with(&prefix), "{key} / {prefix}");
    for form in [key.clone(), key.replace('-', "")] {
        assert!(!kept.contains(&form), "the queued key was kept in plain: {kept}");
    }
    assert_eq!(sql(&server.db, &kept_query), "", "wiped once sent");
    assert!(
        text.contains(&format!("    {key}\n")) && text.contains("https://licenses.pixel.example/portal"),
        "{text}"
    );
    let html = mail["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"pixeltool://activate?key={key}\"")) && html.contains("Pixel Tool"),
        "{html}"
    );

    // The key works (it activates), and it is in no log line and no event.
    let (status, body) = server.activate(&key, "fp-mail").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let logs = server.logs();
    let leaked: Vec<&str> = logs.lines().filter(|l| l.contains(&key)).collect();
    assert!(leaked.is_empty(), "the key in the log: {leaked:#?}");
    let (_, events) = server.admin(Method::GET, "/events?limit=500", None).await;
    assert!(!events.to_string().contains(&key));
}
