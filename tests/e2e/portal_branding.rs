//! The customer portal in the vendor's look, in real chromium against a real server started
//! with `--portal-vendor-name`, `--portal-logo` and `--portal-accent`: the vendor's name and
//! logo (loaded from this server) in the header, the accent behind it with readable text;
//! axe-core finds no serious or critical violation. Without the settings: no vendor line.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::{server, Browser};

const LOGO: &str = "<svg xmlns='http://www.w3.org/2000/svg' width='80' height='32'>\
<rect width='80' height='32' rx='6' fill='#fde68a'/><text x='10' y='22' font-size='16'>ACME</text></svg>";

#[tokio::test]
async fn the_portal_shows_the_vendors_name_logo_and_accent() {
    let folder = tempfile::tempdir().unwrap();
    let logo = folder.path().join("acme.svg");
    std::fs::write(&logo, LOGO).unwrap();
    let logo = logo.to_str().unwrap().to_string();
    let server = server::start_with(&[
        "--portal-vendor-name",
        "Acme Software",
        "--portal-logo",
        &logo,
        "--portal-accent",
        "#0F766E",
    ]);
    let plain = server::start();
    let browser = Browser::launch("portal-branding").await;
    let result = async {
        check_branded_portal(&browser, &server.url).await?;
        browser.goto(&format!("{}/portal", plain.url)).await?;
        browser.wait_visible("#sign-in-view").await?;
        let shown = browser.find("#vendor").await?.is_displayed().await?;
        assert!(!shown, "a vendor line without settings");
        Ok(())
    }
    .await;
    browser.finish(result, &server.logs()).await;
}

async fn check_branded_portal(b: &Browser, url: &str) -> TestResult {
    b.goto(&format!("{url}/portal")).await?;
    b.wait_for_text("#vendor-name", "the vendor's name", |t| t == "Acme Software")
        .await?;
    // The logo came from this server and was drawn.
    let logo = b
        .client
        .execute(
            "const i = document.querySelector('#vendor-logo'); \
             return [i.hidden, i.complete && i.naturalWidth > 0, new URL(i.src).pathname, i.alt];",
            vec![],
        )
        .await?;
    assert_eq!(logo, serde_json::json!([false, true, "/portal/logo", ""]), "{logo}");
    let colours = b
        .client
        .execute(
            "const h = getComputedStyle(document.querySelector('header')); return [h.backgroundColor, h.color];",
            vec![],
        )
        .await?;
    // #0f766e is dark: white text on it.
    assert_eq!(
        colours,
        serde_json::json!(["rgb(15, 118, 110)", "rgb(255, 255, 255)"]),
        "{colours}"
    );
    b.screenshot("branded").await?;
    let violations = serious_violations(&b.client).await?;
    assert!(violations.is_empty(), "accessibility: {}", violations.join("\n"));
    Ok(())
}
