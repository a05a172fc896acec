//! A scratch root for dpkg: its own install folder and package database in a temp dir, so the
//! tests install, upgrade, remove and purge real packages without touching this system.
//! Maintainer scripts run unchrooted (`--force-script-chrootless`, dpkg sets DPKG_ROOT for
//! them): the scratch root has no shell to chroot into, and the packages' scripts touch
//! nothing. `--force-depends`: the libraries the packages depend on are installed on this
//! system, not in the scratch root's database.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Root {
    dir: tempfile::TempDir,
}

/// What one dpkg run printed.
#[derive(Debug)]
pub struct Dpkg {
    pub success: bool,
    pub output: String,
}

impl Root {
    pub fn new() -> Root {
        let dir = tempfile::tempdir().expect("scratch root");
        let admin = dir.path().join("var/lib/dpkg");
        for sub in ["info", "updates", "triggers"] {
            std::fs::create_dir_all(admin.join(sub)).expect("dpkg database folders");
        }
        std::fs::write(admin.join("status"), "").expect("empty dpkg status");
        Root { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative.trim_start_matches('/'))
    }

    /// `dpkg --root ROOT ARGS`, its stdout and stderr together (as a person sees them).
    pub fn dpkg(&self, args: &[&str]) -> Dpkg {
        let output = Command::new("dpkg")
            .arg(format!("--root={}", self.dir.path().display()))
            .arg(format!("--log={}", self.path("dpkg.log").display()))
            .args(["--force-script-chrootless", "--force-depends"])
            .args(args)
            .output()
            .expect("run dpkg");
        Dpkg {
            success: output.status.success(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }

    pub fn install(&self, deb: &Path) -> Dpkg {
        let run = self.dpkg(&["-i", &deb.to_string_lossy()]);
        assert!(run.success, "dpkg -i {}: {}", deb.display(), run.output);
        run
    }

    /// The packages installed here, name and version.
    pub fn installed(&self) -> Vec<(String, String)> {
        let output = Command::new("dpkg-query")
            .arg(format!("--admindir={}", self.path("var/lib/dpkg").display()))
            .args(["-W", "-f", "${Package} ${Version} ${Status}\\n"])
            .output()
            .expect("run dpkg-query");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| line.ends_with(" install ok installed"))
            .map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (fields[0].to_string(), fields[1].to_string())
            })
            .collect()
    }
}
