//! How the app is started: its environment, extra options, and a second launch next to a
//! running one (as the desktop does for a link).

use crate::process::GroupGuard;
use crate::{binaries, App, UI_DEADLINE};
use std::error::Error;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How to start the app beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// More vendor config fields, e.g. `{"trial": true}` or `{"language": "es"}`.
    pub vendor: serde_json::Map<String, serde_json::Value>,
    /// More environment for the app, e.g. `LANG`.
    pub env: Vec<(String, String)>,
    /// Command-line arguments for the app, e.g. an activation link.
    pub args: Vec<String>,
}

/// In the app's HOME: the address of its private D-Bus session.
pub(crate) const DBUS_ADDRESS_FILE: &str = "dbus-address";

/// The environment every start of the app gets: its own HOME and data folders, the vendor
/// config written there, the fingerprint override, the display, and the test's own extras.
pub(crate) fn set_app_environment(
    command: &mut Command,
    home: &std::path::Path,
    display: &str,
    fingerprint: &str,
    options: &Options,
) {
    command
        .env("DISPLAY", display)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("KEYTURN_CONFIG", home.join("vendor.json"))
        .env("KEYTURN_FINGERPRINT", fingerprint)
        .envs(options.env.iter().map(|(name, value)| (name, value)));
    crate::keychain::private_keyring_folders(command, home);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(home.join("app.log"))
        .expect("app log");
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
}

impl App {
    /// Starts the app binary a second time, as the desktop does for a link, in the same D-Bus
    /// session, display and HOME; waits for it to exit (it should hand over and go).
    pub fn launch_again(&self, args: &[&str]) -> Result<std::process::ExitStatus, Box<dyn Error>> {
        let bus = std::fs::read_to_string(self.home.path().join(DBUS_ADDRESS_FILE))?;
        let mut command = Command::new(binaries::app());
        command.args(args).env("DBUS_SESSION_BUS_ADDRESS", bus.trim());
        self.app_environment(&mut command, &self._display.name);
        let mut second = GroupGuard::spawn("second keyturn", command)?;
        let end = std::time::Instant::now() + UI_DEADLINE;
        while std::time::Instant::now() < end {
            if let Some(status) = second.child_mut().try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(format!("the second launch was still running after {UI_DEADLINE:?}: it opened its own window").into())
    }

    /// Starts the app binary with `args` next to the running app (same D-Bus session, display
    /// and HOME) and returns at once; its stdout and stderr are piped.
    pub fn start_again(&self, args: &[&str]) -> Result<GroupGuard, Box<dyn Error>> {
        let bus = std::fs::read_to_string(self.home.path().join(DBUS_ADDRESS_FILE))?;
        let mut command = Command::new(binaries::app());
        command.args(args).env("DBUS_SESSION_BUS_ADDRESS", bus.trim());
        self.app_environment(&mut command, &self._display.name);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        Ok(GroupGuard::spawn("keyturn started again", command)?)
    }

    /// `program` set up to run beside the app: the same HOME, vendor config, fingerprint, D-Bus
    /// session and keyring (e.g. the command line, or a program using the C library); its stdout
    /// and stderr are piped.
    pub fn command_beside(&self, program: &std::path::Path) -> Result<Command, Box<dyn Error>> {
        let bus = std::fs::read_to_string(self.home.path().join(DBUS_ADDRESS_FILE))?;
        let mut command = Command::new(program);
        command.env("DBUS_SESSION_BUS_ADDRESS", bus.trim());
        self.app_environment(&mut command, &self._display.name);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        Ok(command)
    }

    /// How many processes run the app binary right now (one: the running app).
    pub fn app_processes(&self) -> usize {
        let app = binaries::app();
        std::fs::read_dir("/proc")
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|entry| std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == app))
                    .count()
            })
            .unwrap_or(0)
    }

    /// The app's log (tauri-driver, WebKitWebDriver, the app, a second launch).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("app.log")).unwrap_or_default()
    }

    fn app_environment(&self, command: &mut Command, display: &str) {
        set_app_environment(command, self.home.path(), display, &self.fingerprint, &self.options);
    }
}
