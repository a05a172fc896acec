//! Debian's chromium, headless, driven through chromium-driver (chromedriver) over WebDriver:
//! for the server's own web pages (support console, customer portal).

use crate::app::TestResult;
use crate::process::{free_port, wait_until, GroupGuard};
use crate::{artifacts, UI_DEADLINE};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::error::Error;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Fields drop in order: the session's driver before the profile folder.
pub struct Browser {
    pub client: Client,
    test: String,
    _driver: GroupGuard,
    profile: tempfile::TempDir,
}

impl Browser {
    pub async fn launch(test: &str) -> Browser {
        let profile = tempfile::tempdir().expect("temp profile");
        let port = free_port();
        let log = std::fs::File::create(profile.path().join("chromedriver.log")).expect("driver log");
        let mut command = Command::new("chromedriver");
        command
            .arg(format!("--port={port}"))
            .env("HOME", profile.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        let mut driver = GroupGuard::spawn("chromedriver", command).expect("start chromedriver (chromium-driver)");
        wait_until("chromedriver", Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .expect("chromedriver listening");
        driver.ensure_running().expect("chromedriver running");
        let data_dir = profile.path().join("chromium");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1100,900",
                    format!("--user-data-dir={}", data_dir.display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                let log = std::fs::read_to_string(profile.path().join("chromedriver.log")).unwrap_or_default();
                panic!("no WebDriver session with chromium: {e}\n--- chromedriver log ---\n{log}")
            });
        Browser {
            client,
            test: test.to_string(),
            _driver: driver,
            profile,
        }
    }

    pub async fn goto(&self, url: &str) -> TestResult {
        self.client.goto(url).await?;
        Ok(())
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Result<Element, Box<dyn Error>> {
        Ok(self
            .client
            .wait()
            .at_most(UI_DEADLINE)
            .for_element(Locator::Css(css))
            .await?)
    }

    /// Waits for a visible element matching `css` and clicks it.
    pub async fn click(&self, css: &str) -> TestResult {
        self.wait_visible(css).await?.click().await?;
        Ok(())
    }

    /// Waits until an element matching `css` is displayed; returns it.
    pub async fn wait_visible(&self, css: &str) -> Result<Element, Box<dyn Error>> {
        let end = std::time::Instant::now() + UI_DEADLINE;
        while std::time::Instant::now() < end {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    return Ok(element);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("{css} not visible after {UI_DEADLINE:?}").into())
    }

    /// Replaces the value of the field matching `css` with `text`.
    /// Opens the console at `base_url` and signs in with the root admin token (behind the
    /// sign-in page's "Sign in with the admin token" fold; staff sign in by email).
    pub async fn console_sign_in_with_token(&self, base_url: &str, token: &str) -> TestResult {
        self.goto(&format!("{base_url}/console")).await?;
        self.click("#root-sign-in summary").await?;
        self.fill("#token", token).await?;
        self.click("#sign-in-button").await?;
        self.wait_visible("#search-view").await.map(drop)
    }

    pub async fn fill(&self, css: &str, text: &str) -> TestResult {
        let field = self.wait_visible(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Waits until the text of the element matching `css` satisfies `ready`; returns that text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        what: &str,
        ready: impl Fn(&str) -> bool,
    ) -> Result<String, Box<dyn Error>> {
        crate::page::wait_for_text(&self.client, css, what, ready).await
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) -> TestResult {
        let end = std::time::Instant::now() + UI_DEADLINE;
        let mut last = 0;
        while std::time::Instant::now() < end {
            last = self.client.find_all(Locator::Css(css)).await?.len();
            if last == n {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("{css} matched {last} elements, not {n}").into())
    }

    /// Runs `script` (an async function body ending in `return`) in the page.
    pub async fn run(&self, script: &str) -> Result<serde_json::Value, Box<dyn Error>> {
        Ok(self.client.execute_async(script, vec![]).await?)
    }

    pub async fn screenshot(&self, name: &str) -> TestResult {
        let png = self.client.screenshot().await?;
        artifacts::save(&format!("{}-{name}.png", self.test), &png);
        Ok(())
    }

    /// Where the browser can put downloads and read uploads from.
    pub fn folder(&self) -> &std::path::Path {
        self.profile.path()
    }

    /// Ends the session; on failure saves a screenshot and the server log first, then panics.
    pub async fn finish(self, result: TestResult, server_log: &str) {
        if let Err(error) = &result {
            let _ = self.screenshot("failure").await;
            artifacts::save(&format!("{}-server.log", self.test), server_log.as_bytes());
            let _ = self.client.close().await;
            panic!(
                "{} failed: {error}\nscreenshot and log in {}",
                self.test,
                artifacts::dir().display()
            );
        }
        self.client.close().await.expect("close WebDriver session");
    }
}
