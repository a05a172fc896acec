//! A private D-Bus session with an unlocked GNOME Keyring (a real Secret Service), for command
//! line tests: every command run with its address keeps secrets in that keyring, whose files
//! live in the given HOME. Killed with its process group on drop.

use crate::process::GroupGuard;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Shell: starts an unlocked GNOME Keyring in the current D-Bus session and waits until it owns
/// the Secret Service name (scripts/start-keyring.sh).
pub fn start_unlocked_keyring() -> String {
    format!(
        "sh '{}/../scripts/start-keyring.sh' keyturn-tests",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Gives `command` (and the keyring daemon it starts) folders of this HOME only. GNOME Keyring
/// finds a running daemon through a control socket in `$XDG_RUNTIME_DIR/keyring` (else the cache
/// folder): with a runtime folder shared by tests running side by side, one test's start would
/// unlock another test's daemon instead of starting its own (seen with a shared
/// `XDG_RUNTIME_DIR`: a keyring that never answered in one test out of a few runs).
pub fn private_keyring_folders(command: &mut Command, home: &Path) {
    let runtime = home.join("runtime");
    std::fs::create_dir_all(&runtime).expect("runtime folder");
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("runtime folder mode");
    command
        .env("XDG_RUNTIME_DIR", runtime)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("GNOME_KEYRING_CONTROL");
}

pub struct PrivateKeychain {
    pub bus_address: String,
    _session: GroupGuard,
}

impl PrivateKeychain {
    pub fn start(home: &Path) -> PrivateKeychain {
        let script = format!(
            "{} && echo \"$DBUS_SESSION_BUS_ADDRESS\" && exec sleep infinity",
            start_unlocked_keyring()
        );
        let mut command = Command::new("dbus-run-session");
        command
            .args(["--", "sh", "-c", &script])
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DBUS_SESSION_BUS_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        private_keyring_folders(&mut command, home);
        let mut session = GroupGuard::spawn("dbus-run-session", command).expect("start dbus-run-session");
        let stdout = session.child_mut().stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the bus address");
        let bus_address = line.trim().to_string();
        assert!(!bus_address.is_empty(), "no D-Bus session with a GNOME Keyring started");
        PrivateKeychain {
            bus_address,
            _session: session,
        }
    }
}
