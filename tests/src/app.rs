//! The real Keyturn app in a WebKit window, driven through tauri-driver + WebKitWebDriver.

use crate::display::Display;
pub use crate::launch::Options;
use crate::launch::{set_app_environment, DBUS_ADDRESS_FILE};
use crate::process::{free_port, wait_until, GroupGuard};
use crate::server::{Server, PRODUCT_ID, PRODUCT_NAME};
use crate::{artifacts, binaries, UI_DEADLINE};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::error::Error;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

/// One app window at a time: two WebKit instances on a 2-core CI machine only make timing noisy.
static ONE_WINDOW_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub type TestResult = Result<(), Box<dyn Error>>;

pub const SUPPORT_URL: &str = "https://example.com/support";
pub const RENEW_URL: &str = "https://example.com/renew";

/// Fields drop in order: the app and its driver go before the display, the HOME and the turn.
pub struct App {
    pub client: Client,
    test: String,
    pub(crate) options: Options,
    pub(crate) fingerprint: String,
    _driver: GroupGuard,
    pub(crate) _display: Display,
    pub(crate) home: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl App {
    /// Launches the app pointed at `server`, with a new temporary HOME and the given device fingerprint.
    pub async fn launch(test: &str, server: &Server, fingerprint: &str) -> App {
        Self::launch_with(test, server, fingerprint, Options::default()).await
    }

    /// Launches the app with more vendor config, environment or arguments.
    pub async fn launch_with(test: &str, server: &Server, fingerprint: &str, options: Options) -> App {
        let home = tempfile::tempdir().expect("temp HOME");
        Self::launch_in(test, server, home, fingerprint, binaries::app(), true, options).await
    }

    /// Launches the app with no D-Bus session, so no keychain (Secret Service) is reachable.
    pub async fn launch_without_keychain(test: &str, server: &Server, fingerprint: &str) -> App {
        let home = tempfile::tempdir().expect("temp HOME");
        Self::launch_in(
            test,
            server,
            home,
            fingerprint,
            binaries::app(),
            false,
            Options::default(),
        )
        .await
    }

    /// Launches another Tauri binary the same way (the benchmark's bare window).
    pub async fn launch_binary(test: &str, server: &Server, application: PathBuf) -> App {
        let home = tempfile::tempdir().expect("temp HOME");
        Self::launch_in(
            test,
            server,
            home,
            "bench-device",
            application,
            true,
            Options::default(),
        )
        .await
    }

    /// The app's temporary HOME (its data, config and cache folders are inside).
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// The X display the window is on (xdotool reaches the system's file dialogs there).
    pub fn display_name(&self) -> &str {
        &self._display.name
    }

    /// The process group of tauri-driver and everything it started (the app among them).
    pub fn process_group(&self) -> u32 {
        self._driver.id()
    }

    /// Closes the app and starts it again with the same HOME (keychain, state): a later run.
    pub async fn relaunch(self, server: &Server, fingerprint: &str) -> App {
        // An app closed by itself first (`close_window`, `terminate`) leaves no session to end.
        let gone = self.app_pid().is_none();
        let App {
            client,
            test,
            mut options,
            _driver,
            _display,
            home,
            _turn,
            ..
        } = self;
        let closed = client.close().await;
        if !gone {
            closed.expect("close WebDriver session");
        }
        drop((_driver, _display, _turn));
        options.args.clear();
        Self::launch_in(&test, server, home, fingerprint, binaries::app(), true, options).await
    }

    async fn launch_in(
        test: &str,
        server: &Server,
        home: tempfile::TempDir,
        fingerprint: &str,
        application: PathBuf,
        keychain: bool,
        options: Options,
    ) -> App {
        let turn = ONE_WINDOW_AT_A_TIME.lock().await;
        let display = Display::get().expect("an X display (Xvfb)");
        let config = home.path().join("vendor.json");
        let mut vendor = serde_json::json!({
            "product_name": PRODUCT_NAME,
            "product_id": PRODUCT_ID,
            "server_url": server.url,
            "public_key": server.public_key(),
            "support_url": SUPPORT_URL,
            "renew_url": RENEW_URL,
            "fingerprint_env": "KEYTURN_FINGERPRINT",
        });
        vendor.as_object_mut().expect("object").extend(options.vendor.clone());
        std::fs::write(&config, vendor.to_string()).expect("write vendor config");

        let (port, native_port) = (free_port(), free_port());
        let driver = format!("exec tauri-driver --port {port} --native-port {native_port}");
        let mut command = if keychain {
            // A private D-Bus session with an unlocked GNOME Keyring: the app keeps the key and
            // token in a real Secret Service, as on a desktop.
            // The bus address is kept for a second launch of the app (`launch_again`).
            let mut command = Command::new("dbus-run-session");
            let unlock = crate::keychain::start_unlocked_keyring();
            let keep_bus = format!("echo \"$DBUS_SESSION_BUS_ADDRESS\" > \"$HOME/{DBUS_ADDRESS_FILE}\"");
            command.args(["--", "sh", "-c", &format!("{unlock} && {keep_bus} && {driver}")]);
            command
        } else {
            let mut command = Command::new("sh");
            command.args(["-c", &driver]).env_remove("DBUS_SESSION_BUS_ADDRESS");
            command
        };
        set_app_environment(&mut command, home.path(), &display.name, fingerprint, &options);
        let mut driver = GroupGuard::spawn("tauri-driver", command).expect("start tauri-driver (is it installed?)");
        // tauri-driver proxies to WebKitWebDriver on the native port: both must listen first.
        wait_until("tauri-driver and WebKitWebDriver", Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok() && TcpStream::connect(("127.0.0.1", native_port)).is_ok()
        })
        .expect("tauri-driver and WebKitWebDriver listening");
        driver.ensure_running().expect("tauri-driver running");

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": application, "args": options.args }),
        );
        // Plain HTTP to 127.0.0.1: no TLS stack needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(error) => {
                let log = std::fs::read_to_string(home.path().join("app.log")).unwrap_or_default();
                panic!("no WebDriver session with the app: {error}\n--- tauri-driver and app log ---\n{log}");
            }
        };
        App {
            client,
            test: test.to_string(),
            options,
            fingerprint: fingerprint.to_string(),
            home,
            _driver: driver,
            _display: display,
            _turn: turn,
        }
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

    /// Waits for a button whose text is `label` and clicks it.
    pub async fn click_button(&self, label: &str) -> TestResult {
        let xpath = format!("//button[normalize-space(.)='{label}']");
        self.client
            .wait()
            .at_most(UI_DEADLINE)
            .for_element(Locator::XPath(&xpath))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Waits until the element matching `css` has exactly `expected` as its text.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> TestResult {
        self.wait_for_text_where(css, &format!("{expected:?}"), |text| text == expected)
            .await
            .map(drop)
    }

    /// Waits until the text of the element matching `css` satisfies `ready`; returns that text.
    pub async fn wait_for_text_where(
        &self,
        css: &str,
        what: &str,
        ready: impl Fn(&str) -> bool,
    ) -> Result<String, Box<dyn Error>> {
        crate::page::wait_for_text(&self.client, css, what, ready).await
    }

    /// Types `keys` into whatever has focus, as a keyboard would.
    pub async fn press(&self, keys: &str) -> TestResult {
        self.client.active_element().await?.send_keys(keys).await?;
        Ok(())
    }

    /// The `data-testid` of the focused element (focus management checks).
    pub async fn focused_testid(&self) -> Result<String, Box<dyn Error>> {
        let value = self
            .client
            .execute("return document.activeElement?.dataset?.testid ?? ''", vec![])
            .await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    pub async fn text(&self, css: &str) -> Result<String, Box<dyn Error>> {
        Ok(self.find(css).await?.text().await?)
    }

    /// Saves a screenshot of the window as tests/artifacts/<test>-<name>.png.
    /// Waits for two animation frames first, so the picture shows what the DOM already says.
    pub async fn screenshot(&self, name: &str) -> TestResult {
        let painted = "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));";
        self.client.execute_async(painted, vec![]).await?;
        let png = self.client.screenshot().await?;
        artifacts::save(&format!("{}-{name}.png", self.test), &png);
        Ok(())
    }

    /// Runs axe-core on what the window shows now and fails on any serious or critical
    /// violation (WCAG 2.1 A/AA); saves a screenshot named `name` either way.
    pub async fn audit(&self, name: &str) -> TestResult {
        self.screenshot(name).await?;
        let violations = crate::audit::serious_violations(&self.client).await?;
        if violations.is_empty() {
            Ok(())
        } else {
            Err(format!("accessibility ({name}): {}", violations.join("\n")).into())
        }
    }

    /// Ends the session. On failure, first saves a screenshot and the app and server logs, then panics.
    pub async fn finish(self, result: TestResult, server: &Server) {
        if let Err(error) = &result {
            let _ = self.screenshot("failure").await;
            let app_log = std::fs::read_to_string(self.home.path().join("app.log")).unwrap_or_default();
            artifacts::save(&format!("{}-app.log", self.test), app_log.as_bytes());
            artifacts::save(&format!("{}-server.log", self.test), server.logs().as_bytes());
            let _ = self.client.close().await;
            panic!(
                "{} failed: {error}\nscreenshot and logs in {}",
                self.test,
                artifacts::dir().display()
            );
        }
        self.client.close().await.expect("close WebDriver session");
    }
}
