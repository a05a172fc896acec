//! The server's settings, each defined ONCE as a clap option (`ServeOptions` and the options
//! flattened into it): from that one definition every setting is a flag (`--admin-token-file`),
//! an environment variable (`KEYTURN_ADMIN_TOKEN_FILE`, unless the option names its own) and a
//! key of the config file (`admin_token_file = "..."`). An option someone adds to `serve` is in
//! all three without more code.
//!
//! Precedence: flag > environment > config file > built-in default. The file's values become
//! the options' defaults before clap parses, so clap itself applies the order.
//!
//! The file: `--config PATH`, else `KEYTURN_SERVER_CONFIG` (not `KEYTURN_CONFIG`: the app reads
//! its vendor JSON from that one, and scripts start the server in the app's environment), else
//! [`DEFAULT_PATH`] when it exists (`KEYTURN_SERVER_CONFIG=` set empty: no file). A key that is not a setting is refused with the closest one.

use clap::{Arg, ArgAction};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub const DEFAULT_PATH: &str = "/etc/keyturn/server.toml";
pub const PATH_ENV: &str = "KEYTURN_SERVER_CONFIG";
/// The subcommands that take the server's settings (and so the config file).
pub const CONFIGURED: &[&str] = &["serve", "init", "doctor"];
/// Arguments of those subcommands that are not settings.
const NOT_SETTINGS: &[&str] = &["help", "version", "config", "owner_email"];

/// `command` (the whole CLI) with every setting's its environment variable, and when `args` run a
/// configured subcommand, the config file's values as defaults.
pub fn command_for(mut command: clap::Command, args: &[OsString]) -> Result<clap::Command, String> {
    for name in CONFIGURED {
        command = command.mut_subcommand(name, with_env_and_config);
    }
    let Some(sub) = args.get(1).and_then(|a| a.to_str()).filter(|s| CONFIGURED.contains(s)) else {
        return Ok(command);
    };
    let Some(path) = config_path(&args[2..])? else {
        return Ok(command);
    };
    let file = ConfigFile::read(&path)?;
    let probe = command.find_subcommand(sub).expect("a configured subcommand").clone();
    let defaults = file.defaults(&probe)?;
    Ok(command.mut_subcommand(sub, move |mut c| {
        for (id, values) in defaults {
            // clap keeps defaults as `&'static str`: these few are made once per process.
            let values: Vec<&'static str> = values.into_iter().map(|v| &*Box::leak(v.into_boxed_str())).collect();
            c = c.mut_arg(id, |a| a.default_values(values).required(false));
        }
        c
    }))
}

/// Each setting of a configured subcommand, in definition order.
pub fn settings(sub: &clap::Command) -> impl Iterator<Item = &Arg> {
    sub.get_arguments()
        .filter(|a| !NOT_SETTINGS.contains(&a.get_id().as_str()) && a.get_long().is_some())
}

/// The environment variable an option gets when it does not name one.
pub fn env_name(id: &str) -> String {
    format!("KEYTURN_{}", id.to_uppercase())
}

fn with_env_and_config(mut sub: clap::Command) -> clap::Command {
    let ids: Vec<String> = settings(&sub)
        .filter(|a| a.get_env().is_none())
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        // clap keeps names as `&'static str`; these few are made once per process.
        let env: &'static str = Box::leak(env_name(&id).into_boxed_str());
        sub = sub.mut_arg(id, |a| a.env(env));
    }
    sub.arg(
        Arg::new("config")
            .long("config")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help(format!(
                "The config file (TOML; every other option here is also a key of it). Default: \
                 {PATH_ENV}, else {DEFAULT_PATH} when it exists"
            )),
    )
}

/// `--config PATH` / `--config=PATH` among the subcommand's arguments, else the environment,
/// else the default file when it exists.
fn config_path(args: &[OsString]) -> Result<Option<PathBuf>, String> {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        if text == "--config" {
            let path = rest.next().ok_or("--config needs a file")?;
            return Ok(Some(PathBuf::from(path)));
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Ok(Some(PathBuf::from(path)));
        }
    }
    match std::env::var_os(PATH_ENV) {
        // Set but empty: no file at all (tests, and a server configured by flags only).
        Some(path) if path.is_empty() => Ok(None),
        Some(path) => Ok(Some(PathBuf::from(path))),
        None => Ok(Path::new(DEFAULT_PATH).exists().then(|| PathBuf::from(DEFAULT_PATH))),
    }
}

/// A parsed config file.
pub struct ConfigFile {
    pub path: PathBuf,
    pub table: toml::Table,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
        let table = text
            .parse::<toml::Table>()
            .map_err(|e| format!("the config file {} is not valid TOML: {e}", path.display()))?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            table,
        })
    }

    /// Each key's values as text, checked: a known setting, a value its option accepts.
    fn defaults(&self, sub: &clap::Command) -> Result<Vec<(String, Vec<String>)>, String> {
        let known: Vec<String> = settings(sub).map(|a| a.get_id().to_string()).collect();
        let file = self.path.display();
        let mut defaults = Vec::new();
        for (key, value) in &self.table {
            let Some(arg) = settings(sub).find(|a| a.get_id() == key.as_str()) else {
                return Err(unknown_key(&file.to_string(), key, &known));
            };
            let values = match value {
                toml::Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
                other => scalar(other).map(|v| vec![v]),
            }
            .ok_or_else(|| format!("{file}: `{key}` takes a plain value, not a table"))?;
            let many = matches!(arg.get_action(), ArgAction::Append);
            if values.len() != 1 && !many {
                return Err(format!("{file}: `{key}` takes one value, not a list"));
            }
            for v in &values {
                check_value(arg, v).map_err(|e| format!("{file}: `{key}` = {v:?} is refused: {e}"))?;
            }
            defaults.push((key.clone(), values));
        }
        Ok(defaults)
    }
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

/// "unknown setting `listn` ...; did you mean `listen`?" (closest by Jaro-Winkler similarity).
pub fn unknown_key(file: &str, key: &str, known: &[String]) -> String {
    let closest = known
        .iter()
        .map(|k| (strsim::jaro_winkler(&key.replace('-', "_"), k), k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score >= 0.7);
    match closest {
        Some((_, k)) => format!("{file}: unknown setting `{key}`; did you mean `{k}`?"),
        None => format!(
            "{file}: unknown setting `{key}`; the settings are: {}",
            known.join(", ")
        ),
    }
}

/// Whether the option's own parser takes the value (run on the option alone).
fn check_value(arg: &Arg, value: &str) -> Result<(), String> {
    if matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
        return match value {
            "true" | "false" => Ok(()),
            _ => Err("give true or false".into()),
        };
    }
    let long = arg.get_long().unwrap_or_default();
    clap::Command::new("check")
        .no_binary_name(true)
        .arg(arg.clone().required(false))
        .try_get_matches_from([format!("--{long}={value}")])
        .map(|_| ())
        .map_err(|e| clap_reason(&e))
}

/// clap's message without its "error: " prefix and usage lines.
fn clap_reason(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// The config file this process read (doctor reports it and checks its permissions).
pub fn config_path_in_use() -> Option<PathBuf> {
    let args: Vec<OsString> = std::env::args_os().collect();
    config_path(args.get(2..).unwrap_or(&[])).ok().flatten()
}
