//! Backups of a live SQLite database, and putting one back.
//!
//! **Backup** is `VACUUM INTO`: one read transaction on the WAL snapshot at its start, so the
//! copy holds every change committed (and so every activation acknowledged) before it began,
//! while the server's writer goes on committing. Unlike the online backup API's page-by-page
//! steps, which start over whenever another process writes between two steps (a server under
//! load may never let one finish), it never restarts; and it writes a compact, self-contained
//! file (no -wal beside it). The copy is made under a temporary name, fsynced, then renamed, so
//! `FILE` is only ever a whole backup.
//!
//! **Restore** checks the backup (SQLite's `quick_check`, a Keyturn database with its keys, a
//! schema this release knows), takes the target database for itself (leaving WAL mode needs
//! every other connection closed: a running server refuses it) and copies the backup into it
//! with SQLite's online backup API while holding the exclusive lock, so no process ever opens a
//! half-restored file. Order: stop the servers, restore, start them.

use crate::domain::secrets::{KEY_HASH_SECRET, SIGNING_SEED};
use rusqlite::{Connection, DatabaseName, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Copies the database at `db` to `to` (which must not exist) while servers may be using it.
pub fn backup(db: &Path, to: &Path) -> Result<(), String> {
    if !db.exists() {
        return Err(format!("there is no database at {}", db.display()));
    }
    if to.exists() {
        return Err(format!(
            "{} already exists: choose a new file name (a backup never overwrites one)",
            to.display()
        ));
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    // Owner-only from its first byte (VACUUM INTO fills an existing empty file).
    create_private(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let partial_text = partial.to_str().ok_or("the backup's file name is not UTF-8")?;
    let copied = conn
        .execute("VACUUM INTO ?1", [partial_text])
        .map_err(|e| format!("the backup failed: {e}"));
    let finished = copied.and_then(|_| {
        sync_file(&partial)?;
        std::fs::rename(&partial, to).map_err(|e| format!("cannot name the backup {}: {e}", to.display()))?;
        sync_dir(to)
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    finished
}

/// Puts the backup `from` in place of the database at `db` (created when missing). Refused while
/// another process (a server, a CLI command) has `db` open.
pub fn restore(from: &Path, db: &Path) -> Result<(), String> {
    check_backup(from)?;
    let is_new = !db.exists();
    let mut target = Connection::open(db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    if is_new {
        restrict_permissions(db);
    }
    take_for_restore(&target, db)?;
    target
        .restore(DatabaseName::Main, from, None::<fn(rusqlite::backup::Progress)>)
        .map_err(|e| format!("the restore failed: {e}"))?;
    // Back to the store's own journal mode before anyone else opens the file.
    target
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .map_err(|e| format!("the restored database cannot use WAL: {e}"))?;
    drop(target);
    Ok(())
}

/// Locks `db` for this connection alone: out of WAL mode (refused while other connections have
/// the file open) and an exclusive lock kept until the connection closes.
fn take_for_restore(target: &Connection, db: &Path) -> Result<(), String> {
    let in_use = || {
        format!(
            "{} is in use by another process (a running keyturn-server?): stop every server on it, then restore",
            db.display()
        )
    };
    target.busy_timeout(Duration::ZERO).map_err(|e| e.to_string())?;
    target
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(|e| e.to_string())?;
    let mode: String = target
        .pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))
        .map_err(|_| in_use())?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(in_use());
    }
    target.execute_batch("BEGIN EXCLUSIVE; COMMIT").map_err(|_| in_use())
}

/// Is `from` a whole Keyturn database this release can serve?
fn check_backup(from: &Path) -> Result<(), String> {
    let not_backup = |why: String| format!("{} is not a usable Keyturn backup: {why}", from.display());
    if !from.is_file() {
        return Err(format!("there is no backup at {}", from.display()));
    }
    let conn =
        Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| not_backup(e.to_string()))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| not_backup(e.to_string()))?;
    if check != "ok" {
        return Err(not_backup(format!("SQLite finds it damaged ({check})")));
    }
    for name in [SIGNING_SEED, KEY_HASH_SECRET] {
        let found: Option<i64> = conn
            .query_row("SELECT 1 FROM meta WHERE k = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(|e| not_backup(e.to_string()))?;
        if found.is_none() {
            return Err(not_backup(format!("it holds no {name}")));
        }
    }
    super::versions::check_version_of(&conn).map_err(not_backup)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A backup holds the server's secrets, like the database: readable by its owner only.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn sync_file(path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot write the backup to disk: {e}"))
}

/// The rename survives a power loss once the directory is synced.
fn sync_dir(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| format!("cannot write the backup's directory to disk: {e}"))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
