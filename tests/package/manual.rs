//! The packaged manual page (generated from the clap definitions at build time) against README:
//! every command of its command table has an entry and a page of its own, and every exit code
//! of its exit-code table is explained under EXIT STATUS.

use super::{package, ACME};
use std::path::Path;
use std::process::Command;

/// The first cells of the README table whose header row starts with `header`.
fn readme_column(header: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let rows: Vec<String> = readme
        .lines()
        .skip_while(|line| !line.starts_with(header))
        .skip(2) // the header and its |---| line
        .take_while(|line| line.starts_with('|'))
        .map(|line| line.split('|').nth(1).unwrap().trim().to_string())
        .collect();
    assert!(!rows.is_empty(), "README has a table headed {header}");
    rows
}

fn page(root: &Path, file: &str) -> String {
    let output = Command::new("gzip")
        .arg("-dc")
        .arg(root.join("usr/share/man/man1").join(file))
        .output()
        .expect("run gzip");
    assert!(
        output.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_manual_lists_every_command_and_exit_code_of_readme() {
    let root = tempfile::tempdir().unwrap();
    let unpacked = Command::new("dpkg-deb")
        .arg("-x")
        .arg(package(&ACME, "deb"))
        .arg(root.path())
        .status()
        .unwrap();
    assert!(unpacked.success());
    let name = ACME.name;
    let main = page(root.path(), &format!("{name}.1.gz"));

    // Rows like "`keyturn activate --key KEY [...]`": the command is the second word.
    for row in readme_column("| command |") {
        let command = row
            .trim_matches('`')
            .split_whitespace()
            .nth(1)
            .expect("a command")
            .to_string();
        let entry = format!("{}\\-{}(1)", name.replace('-', "\\-"), command.replace('-', "\\-"));
        assert!(main.contains(&entry), "{entry} in the manual:\n{main}");
        let own = page(root.path(), &format!("{name}-{command}.1.gz"));
        assert!(own.contains(".SH SYNOPSIS"), "{own}");
    }

    let exit_status = main
        .split(".SH \"EXIT STATUS\"")
        .nth(1)
        .expect("an EXIT STATUS section");
    let exit_status = exit_status.split("\n.SH ").next().unwrap();
    let listed: Vec<String> = exit_status
        .split(".TP\n")
        .skip(1)
        .map(|entry| entry.lines().next().unwrap().replace("\\fB", "").replace("\\fR", ""))
        .collect();
    let readme: Vec<String> = readme_column("| code |");
    assert_eq!(
        listed, readme,
        "the manual's exit codes against README's:\n{exit_status}"
    );
}
