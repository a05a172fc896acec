//! `keyturn-server init`: the first start of a self-hosted server, from the same settings as
//! `serve` (config file, environment, flags). It creates what is missing and keeps what exists,
//! so running it again changes nothing:
//! - the database (SQLite: the file, readable by its owner only, as it holds the signing key;
//!   PostgreSQL: the schema) and with it the token signing key;
//! - the admin credential: the `admin_token_file`, a fresh random token, mode 0600 (never
//!   overwritten);
//! - the `seal_key_file` when the settings name one that does not exist (a fresh key, mode
//!   0600, never overwritten; [`super::seal_key`]);
//! - with `--owner-email`, the first owner staff account (console sign-in by email and
//!   password; the password is read from standard input as by `staff add`); when an owner
//!   exists it is kept and no password is read;
//! - then it prints the vendor config block (server URL, public key) on stdout, to paste into
//!   the app's vendor config. Messages go to stderr.

use super::session::describe;
use super::staff::{add, read_password};
use crate::domain::staff::{password, Role, StaffOp};
use crate::http::serve::ServeOptions;
use crate::store::{self, Store};
use keyturn_protocol::token::public_key_to_string;
use std::path::Path;
use std::sync::Arc;

pub async fn run(opts: ServeOptions, owner_email: Option<String>, now: i64) -> Result<(), String> {
    let is_postgres = store::postgres::is_url(&opts.db);
    let existed = is_postgres || Path::new(&opts.db).exists();
    if let Some(dir) = Path::new(&opts.db)
        .parent()
        .filter(|d| !is_postgres && !d.as_os_str().is_empty())
    {
        if !dir.is_dir() {
            return Err(format!(
                "the database's folder {} does not exist (the package creates /var/lib/keyturn; else mkdir it)",
                dir.display()
            ));
        }
    }
    let created_seal_key = super::seal_key::create_for_init(&opts.seal)?;
    let store = match store::open_sealed(&opts.db, opts.sync, &opts.seal.setting()?).await {
        Ok(store) => store,
        Err(e) => {
            // A key made just now for a database sealed with another one: not left behind.
            if let (Some(path), true) = (&opts.seal.seal_key_file, created_seal_key) {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    if is_postgres {
        say("database: PostgreSQL schema ready (made when missing); the signing key is kept in it");
    } else if existed {
        say(&format!("database: {} exists, kept (with its signing key)", opts.db));
    } else {
        restrict(Path::new(&opts.db))?;
        say(&format!(
            "database: created {} (mode 0600) with a new signing key",
            opts.db
        ));
    }

    match (&opts.admin_token, &opts.ops.admin_token_file) {
        (Some(t), _) if !t.is_empty() => {
            say("admin token: given in the settings (admin_token); admin_token_file keeps it out of the config")
        }
        (_, Some(path)) => {
            if create_token_file(path)? {
                say(&format!(
                    "admin token: created {} (mode 0600): the console's sign-in and the admin API's bearer token",
                    path.display()
                ));
            } else {
                say(&format!("admin token: {} exists, kept", path.display()));
            }
        }
        _ => say("admin token: none (set admin_token_file in the config and run init again to turn on the console and admin API)"),
    }

    first_owner(&store, owner_email, now).await?;

    let server_url = match &opts.public_url {
        Some(url) => url.clone(),
        None => {
            say("public_url is not set: the block below names the listen address; set public_url to the address people reach");
            format!("http://{}", opts.listen)
        }
    };
    let public_key = public_key_to_string(&store.secrets().keys().signing_key.verifying_key());
    say("Paste into your app's vendor config (vendor.json):");
    let block = serde_json::json!({ "server_url": server_url, "public_key": public_key });
    println!("{}", serde_json::to_string_pretty(&block).map_err(|e| e.to_string())?);
    Ok(())
}

/// The first owner: created from `--owner-email` and a password on standard input unless an
/// owner exists (then kept, and said so).
async fn first_owner(store: &Arc<dyn Store>, email: Option<String>, now: i64) -> Result<(), String> {
    let staff = store.staff_read(now, StaffOp::List).await.map_err(describe)?.accounts();
    let owners: Vec<&str> = staff
        .iter()
        .filter(|a| a.role == Role::Owner && !a.disabled)
        .map(|a| a.email.as_str())
        .collect();
    if !owners.is_empty() {
        say(&format!("owner: {} exists, kept", owners.join(", ")));
        return Ok(());
    }
    let Some(email) = email else {
        say("owner: none yet (run init again with --owner-email YOU@EXAMPLE.COM and the password on standard input to sign in to the console as a person)");
        return Ok(());
    };
    let normalized = password::normalize_email(&email).map_err(describe)?;
    if let Some(account) = staff.iter().find(|a| a.email == normalized) {
        return Err(format!(
            "{normalized} is a staff account already ({}{}): make it owner with `keyturn-server staff role --email {normalized} --role owner`{}",
            account.role.as_str(),
            if account.disabled { ", disabled" } else { "" },
            if account.disabled { " and `staff enable`" } else { "" },
        ));
    }
    let password = read_password(None)?;
    add(store, &normalized, Role::Owner, password, now)
        .await
        .map_err(describe)?;
    say(&format!(
        "owner: created {normalized}: signs in to the console with this email and password"
    ));
    Ok(())
}

fn say(line: &str) {
    eprintln!("{line}");
}

/// Writes a fresh token (256 random bits, base64url) to a new file, mode 0600; false when the
/// file exists (it is never overwritten).
fn create_token_file(path: &Path) -> Result<bool, String> {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    crate::domain::secrets::create_secret_file(path, &token)
}

/// Owner-only permissions for a file that holds a secret.
fn restrict(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(())
}
