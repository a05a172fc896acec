//! The `keyturn` binary's command line, run as a user would: a temporary HOME, a vendor config
//! pointing at a real server, a fixed device fingerprint and (unless asked otherwise) a private
//! GNOME Keyring. No display: DISPLAY is removed for every run.

use crate::binaries;
use crate::keychain::PrivateKeychain;
use crate::server::{Server, PRODUCT_ID, PRODUCT_NAME};
pub use keyturn_testkit::process::{run, Run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One computer: its HOME, keychain, vendor config and fingerprint.
pub struct Computer {
    pub fingerprint: String,
    pub keychain: Option<PrivateKeychain>,
    pub config: PathBuf,
    /// Another binary to run (e.g. one unpacked from a .deb); default the workspace's `keyturn`.
    pub binary: PathBuf,
    home: tempfile::TempDir,
}

pub const IDENTIFIER: &str = "dev.keyturn.clitest";

impl Computer {
    /// A computer with a keychain, configured for `server`.
    pub fn new(server: &Server, fingerprint: &str) -> Computer {
        let home = tempfile::tempdir().expect("temp HOME");
        let keychain = Some(PrivateKeychain::start(home.path()));
        let config = home.path().join("vendor.json");
        let vendor = serde_json::json!({
            "product_name": PRODUCT_NAME,
            "product_id": PRODUCT_ID,
            "server_url": server.url,
            "public_key": server.public_key(),
            "fingerprint_env": "KEYTURN_FINGERPRINT",
            "identifier": IDENTIFIER,
        });
        std::fs::write(&config, vendor.to_string()).expect("write vendor config");
        Computer {
            fingerprint: fingerprint.to_string(),
            keychain,
            config,
            binary: binaries::app(),
            home,
        }
    }

    /// The same computer with no D-Bus session, so no keychain.
    pub fn without_keychain(mut self) -> Computer {
        self.keychain = None;
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The app's state file (where the app and the command line keep non-secret state).
    pub fn state_file(&self) -> PathBuf {
        self.home.path().join("data").join(IDENTIFIER).join("state.json")
    }

    /// The environment every program on this computer sees.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("KEYTURN_CONFIG", &self.config)
            .env("KEYTURN_FINGERPRINT", &self.fingerprint);
        if let Some(keychain) = &self.keychain {
            command.env("DBUS_SESSION_BUS_ADDRESS", &keychain.bus_address);
        }
        command
    }

    /// Runs `keyturn ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    /// Runs `keyturn activate --key KEY` and asserts it succeeded (the run is shown if not).
    pub fn activate(&self, key: &str) -> Run {
        let run = self.run(&["activate", "--key", key]);
        assert_eq!(run.code, 0, "activate: {run:?}");
        run
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = self.command(&self.binary);
        command.args(args);
        run(command, stdin)
    }
}
