//! A real SMTP server for the purchase-email tests: aiosmtpd (Debian's python3-aiosmtpd,
//! installed by scripts/setup.sh) on 127.0.0.1, writing each message into a Maildir, read back
//! with Python's own email package (an implementation independent of the server's).

use crate::process::{run, wait_until, GroupGuard};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Fields drop in order: the server before its folder.
pub struct SmtpServer {
    pub port: u16,
    _process: GroupGuard,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Listens on 127.0.0.1:`port` (often one a server under test was told before it started).
    pub fn start(port: u16) -> SmtpServer {
        let dir = tempfile::Builder::new()
            .prefix("keyturn-smtp-")
            .tempdir()
            .expect("temp dir");
        let maildir = dir.path().join("maildir");
        let mut command = Command::new("aiosmtpd");
        command
            .args([
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir);
        let process =
            GroupGuard::spawn("aiosmtpd", command).expect("aiosmtpd (Debian python3-aiosmtpd; scripts/setup.sh)");
        wait_until("aiosmtpd listening", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .expect("aiosmtpd listening");
        SmtpServer {
            port,
            _process: process,
            maildir,
            _dir: dir,
        }
    }

    /// Every message received so far: `{to, from, subject, text, html}`.
    pub fn messages(&self) -> Vec<Value> {
        if !self.maildir.join("new").exists() {
            return Vec::new();
        }
        let script = r#"
import email, email.policy, json, mailbox, sys
out = []
for m in mailbox.Maildir(sys.argv[1], factory=None, create=False):
    msg = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)); html = msg.get_body(("html",))
    out.append({"to": msg["To"], "from": msg["From"], "subject": msg["Subject"],
                "text": text.get_content() if text else None, "html": html.get_content() if html else None})
print(json.dumps(out))
"#;
        // Debian's python3 (where python3-aiosmtpd put its package), not whichever is first on PATH.
        let mut command = Command::new("/usr/bin/python3");
        command.args(["-c", script]).arg(&self.maildir);
        let out = run(command, "");
        assert!(out.success(), "reading the Maildir: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("JSON from the Maildir reader")
    }
}
