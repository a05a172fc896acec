//! The console's webhooks section in a real browser (chromium via chromium-driver) against a real
//! server: add an endpoint (its secret shown once), see a delivery fail in the log with the
//! receiver's answer, redeliver it, remove the endpoint.

use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, Browser, Server};

#[tokio::test]
async fn webhooks_in_the_console() {
    let server = server::start();
    let browser = Browser::launch("webhooks-console").await;
    let result = walk_through(&browser, &server).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk_through(b: &Browser, server: &Server) -> keyturn_e2e::app::TestResult {
    b.goto(&format!("{}/console", server.url)).await?;
    b.click("#root-sign-in summary").await?; // the admin token sits behind a <details>
    b.fill("#token", ADMIN_TOKEN).await?;
    b.click("#sign-in-button").await?;
    b.wait_visible("#search-view").await?;
    b.click("#webhooks summary").await?;
    b.wait_visible("#webhook-form").await?;
    // Nothing listens on this port: every attempt fails without an answer.
    let dead = format!("http://127.0.0.1:{}/hooks", keyturn_e2e::process::free_port());
    b.fill("#webhook-url", &dead).await?;
    b.fill("#webhook-types", "add_webhook, suspend").await?;
    b.click("#webhook-add").await?;
    b.wait_for_text("#webhook-secret", "the secret", |t| t.contains("whsec_"))
        .await?;
    b.wait_count("#webhook-endpoints tbody tr", 1).await?;
    // The endpoint's own creation is an event it subscribed to: its delivery fails.
    // The log refreshes itself while the section is open.
    b.wait_for_text("#webhook-deliveries tbody", "the failed attempt", |t| {
        t.contains("PENDING") && t.contains("could not connect")
    })
    .await?;
    b.client
        .execute("document.querySelector('#webhook-deliveries').scrollIntoView()", vec![])
        .await?;
    b.screenshot("delivery-log").await?;
    b.click("#webhook-deliveries tbody button").await?;
    b.wait_for_text("#webhooks-message", "queued again", |t| t.contains("queued again"))
        .await?;
    b.click("#webhook-endpoints tbody button.danger").await?;
    b.wait_count("#webhook-endpoints tbody tr", 0).await?;
    Ok(())
}
