//! The documented table of every setting (README "Settings"), generated from the clap options
//! so it cannot fall behind them (a test compares it with README).

use crate::cli::Cli;
use crate::ops::settings::{self, env_name};
use clap::CommandFactory;

pub const BEGIN: &str = "<!-- settings table: generated from the code; KEYTURN_BLESS=1 cargo test -p keyturn-server --lib cli::settings_table rewrites it -->";
pub const END: &str = "<!-- end of settings table -->";

/// The Markdown table: config-file key, flag, environment variable, default, meaning.
pub fn markdown() -> String {
    let command = Cli::command();
    let serve = command.find_subcommand("serve").expect("serve").clone();
    let mut out =
        String::from("| key in server.toml | flag | environment | default | meaning |\n|---|---|---|---|---|\n");
    for arg in settings::settings(&serve) {
        let id = arg.get_id().as_str();
        let env = arg
            .get_env()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| env_name(id));
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let flag = matches!(arg.get_action(), clap::ArgAction::SetTrue);
        let default = if flag {
            "`false`".to_string()
        } else if !defaults.is_empty() {
            format!("`{}`", defaults.join(","))
        } else if arg.is_required_set() {
            "(required)".to_string()
        } else {
            "(none)".to_string()
        };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|p| p.get_name().to_string())
            .collect();
        let help = if choices.is_empty() || flag {
            help
        } else {
            format!("{help} (one of: {})", choices.join(", "))
        };
        out.push_str(&format!(
            "| `{id}` | `--{}` | `{env}` | {default} | {} |\n",
            arg.get_long().unwrap_or(id),
            help.replace('\n', " ").replace('|', "\\|")
        ));
    }
    out
}

/// README's text with its settings table replaced by the current one.
pub fn refresh(readme: &str) -> Result<String, String> {
    let start = readme.find(BEGIN).ok_or("README has no settings table marker")? + BEGIN.len();
    let end = readme[start..]
        .find(END)
        .ok_or("README's settings table has no end marker")?
        + start;
    Ok(format!("{}\n\n{}\n{}", &readme[..start], markdown(), &readme[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// README's table is the code's: a setting added as a flag shows up, or this fails.
    #[test]
    fn readme_table_matches_the_options() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let fresh = refresh(&readme).unwrap();
        if std::env::var_os("KEYTURN_BLESS").is_some() {
            std::fs::write(path, &fresh).unwrap();
        }
        assert!(
            fresh == readme,
            "README's settings table is stale: run KEYTURN_BLESS=1 cargo test -p keyturn-server --lib cli::settings_table"
        );
    }

    #[test]
    fn every_setting_has_a_flag_an_environment_variable_and_a_key() {
        let table = markdown();
        for needed in [
            "`listen` | `--listen` | `KEYTURN_LISTEN`",
            "`db` | `--db` | `KEYTURN_DB`",
            "`metrics_listen`",
        ] {
            assert!(table.contains(needed), "{needed} missing from\n{table}");
        }
    }
}
