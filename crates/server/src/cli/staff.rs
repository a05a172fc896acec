//! `keyturn-server staff …` and `keyturn-server token …`: the first owner (and every later
//! account and token) from the command line, through the same store and rules as the server.
//! Passwords come from standard input (one line; a prompt on a terminal), so they never land
//! in shell history or the process list; `--password` exists for scripts and warns.

use super::args::DbArg;
use super::session::{log, print_json, with_existing_store, with_store, CLI};
use crate::domain::errors::ApiError;
use crate::domain::staff::{self, password, Role, StaffChange, StaffOp, StaffView};
use crate::events::Event;
use clap::Subcommand;
use keyturn_protocol::Code;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Subcommand)]
pub enum StaffCmd {
    /// Add a staff account (the password is read from standard input); prints its id.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
        /// owner, admin, support or viewer.
        #[arg(long)]
        role: String,
        /// The password as a value (lands in shell history: prefer standard input).
        #[arg(long)]
        password: Option<String>,
    },
    /// List staff accounts (JSON).
    List(DbArg),
    /// Disable an account: its sessions end at once.
    Disable {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
    },
    /// Change an account's role.
    Role {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Set a new password (read from standard input).
    Passwd {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        email: String,
        /// The password as a value (lands in shell history: prefer standard input).
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create an API token; prints it once (only its hash is kept).
    Create {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        name: String,
        /// owner, admin, support or viewer.
        #[arg(long)]
        role: String,
        /// Limit the token to one product.
        #[arg(long)]
        product: Option<String>,
        /// Unix time after which the token no longer works.
        #[arg(long)]
        expires_at: Option<i64>,
    },
    /// List API tokens (JSON; never their text).
    List(DbArg),
    /// Revoke a token at once.
    Revoke {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        id: String,
    },
}

/// The password from `--password` (with a warning) or one line of standard input. Nothing on a
/// standard input that is not a terminal (closed, `</dev/null`) is refused in plain words, not
/// taken for an empty password.
pub(super) fn read_password(given: Option<String>) -> Result<String, String> {
    if let Some(p) = given {
        eprintln!("warning: a password given as --password stays in shell history; pipe it to standard input instead");
        return Ok(p);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("Password (shown as typed; or pipe it in): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line).map_err(|e| e.to_string())?;
    if read == 0 && !terminal {
        return Err("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | keyturn-server …`, or run the command in a terminal to type it".into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Adds an account and its `staff_add` event (actor: the CLI); its id. Shared by `staff add`
/// and `init --owner-email`.
pub(super) async fn add(
    s: &std::sync::Arc<dyn crate::store::Store>,
    email: &str,
    role: Role,
    password: String,
    now: i64,
) -> Result<String, ApiError> {
    let account = staff::new_account(email, role, password, now).await?;
    let added = s.staff_write(now, StaffOp::Add(account)).await?.account();
    let added = added.ok_or_else(|| ApiError::Internal("the new account is missing".into()))?;
    let detail = format!("{} as {}", added.email, role.as_str());
    log(s, Event::new(now, "staff_add", CLI).detail(detail)).await?;
    Ok(added.id)
}

fn role(text: &str) -> Result<Role, String> {
    Role::parse(text).map_err(super::session::describe)
}

pub fn run(cmd: StaffCmd, now: i64) -> Result<(), String> {
    match cmd {
        StaffCmd::Add {
            db,
            email,
            role: r,
            password,
        } => {
            let role = role(&r)?;
            let password = read_password(password)?;
            let id = with_store(&db, |s| async move { add(&s, &email, role, password, now).await })?;
            println!("{id}");
            Ok(())
        }
        StaffCmd::List(db) => {
            let all = with_existing_store(&db, |s| async move {
                Ok(s.staff_read(now, StaffOp::List).await?.accounts())
            })?;
            print_json(&all.iter().map(StaffView::from).collect::<Vec<_>>())
        }
        StaffCmd::Disable { db, email } => {
            change(&db, &email, now, "staff_disable", |_| Ok(StaffChange::Disabled(true)))
        }
        StaffCmd::Enable { db, email } => {
            change(&db, &email, now, "staff_enable", |_| Ok(StaffChange::Disabled(false)))
        }
        StaffCmd::Role { db, email, role: r } => {
            let role = role(&r)?;
            change(&db, &email, now, "staff_role", move |_| Ok(StaffChange::Role(role)))
        }
        StaffCmd::Passwd {
            db,
            email,
            password: given,
        } => {
            let new = read_password(given)?;
            change(&db, &email, now, "staff_password_reset", move |account_email| {
                password::check_strength(&new, account_email)?;
                Ok(StaffChange::PasswordHash(password::hash(&new)?))
            })
        }
    }
}

/// Changes the account with this email (`NOT_FOUND` when there is none).
fn change(
    db: &DbArg,
    email: &str,
    now: i64,
    action: &'static str,
    make: impl FnOnce(&str) -> Result<StaffChange, ApiError>,
) -> Result<(), String> {
    let email = password::normalize_email(email).map_err(super::session::describe)?;
    with_store(db, |s| async move {
        let account = s.staff_read(now, StaffOp::ByEmail(email.clone())).await?.account();
        let account = account.ok_or_else(|| ApiError::new(Code::NotFound, "no staff account with this email"))?;
        let change = make(&account.email)?;
        s.staff_write(
            now,
            StaffOp::Change {
                id: account.id,
                change,
                by: None,
            },
        )
        .await?;
        log(&s, Event::new(now, action, CLI).detail(email)).await
    })
}

pub fn run_token(cmd: TokenCmd, now: i64) -> Result<(), String> {
    match cmd {
        TokenCmd::Create {
            db,
            name,
            role: r,
            product,
            expires_at,
        } => {
            let role = role(&r)?;
            let secret = with_store(&db, |s| async move {
                if let Some(p) = &product {
                    if !s.products().await?.iter().any(|x| &x.id == p) {
                        return Err(ApiError::not_found("no product has this id"));
                    }
                }
                let (token, secret) = staff::new_token(&name, role, product, expires_at, now);
                let hash = s.secrets().hasher.hash_api_token(&secret);
                s.staff_write(now, StaffOp::AddToken { token, hash }).await?;
                log(
                    &s,
                    Event::new(now, "token_create", CLI).detail(format!("{name} as {}", role.as_str())),
                )
                .await?;
                Ok(secret)
            })?;
            println!("{secret}");
            Ok(())
        }
        TokenCmd::List(db) => print_json(&with_existing_store(&db, |s| async move {
            Ok(s.staff_read(now, StaffOp::Tokens).await?.tokens())
        })?),
        TokenCmd::Revoke { db, id } => with_store(&db, |s| async move {
            let token = s.staff_write(now, StaffOp::RevokeToken(id)).await?.token();
            let name = token.map(|t| t.name).unwrap_or_default();
            log(&s, Event::new(now, "token_revoke", CLI).detail(name)).await
        }),
    }
}
