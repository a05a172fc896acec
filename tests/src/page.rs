//! WebDriver waits shared by the app (WebKit) and the browser (Chromium) drivers.

use crate::UI_DEADLINE;
use fantoccini::{Client, Locator};
use std::error::Error;
use std::time::Duration;

/// Waits until the text of the element matching `css` satisfies `ready`; returns that text.
/// `what` names the expected text in the error.
pub async fn wait_for_text(
    client: &Client,
    css: &str,
    what: &str,
    ready: impl Fn(&str) -> bool,
) -> Result<String, Box<dyn Error>> {
    let end = std::time::Instant::now() + UI_DEADLINE;
    let mut last = String::new();
    while std::time::Instant::now() < end {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if ready(&last) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{css} read {last:?}, not {what}, after {UI_DEADLINE:?}").into())
}
