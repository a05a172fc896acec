//! Staff accounts made as an operator makes them: `keyturn-server staff add` on the database, the
//! password typed on standard input (it is never a command-line argument).

use crate::{binaries, process};
use std::process::Command;

/// `keyturn-server staff add --email EMAIL --role ROLE --db DB` with `password` on stdin; the
/// account's id (panics with the CLI's error otherwise).
pub fn add_staff(db: &str, email: &str, role: &str, password: &str) -> String {
    let mut command = Command::new(binaries::server());
    command
        .args(["staff", "add", "--email", email, "--role", role, "--db", db])
        .env_remove("KEYTURN_DB");
    let run = process::run(command, &format!("{password}\n"));
    assert!(run.success(), "staff add {email}: {}", run.stderr);
    run.stdout.trim().to_string()
}
