//! An X display for the app: the one in DISPLAY, or a private Xvfb started for this test.

use crate::process::GroupGuard;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub struct Display {
    pub name: String,
    _xvfb: Option<GroupGuard>,
}

impl Display {
    pub fn get() -> std::io::Result<Display> {
        if let Ok(name) = std::env::var("DISPLAY") {
            if !name.is_empty() {
                return Ok(Display { name, _xvfb: None });
            }
        }
        let mut command = Command::new("Xvfb");
        command
            .args(["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut xvfb = GroupGuard::spawn("Xvfb", command)?;
        let stdout = xvfb.child_mut().stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let number = line.trim();
        if number.is_empty() {
            return Err(std::io::Error::other("Xvfb did not report a display number"));
        }
        Ok(Display {
            name: format!(":{number}"),
            _xvfb: Some(xvfb),
        })
    }
}
