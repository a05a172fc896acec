//! "The app's window is open": while it runs, the app holds an exclusive lock on a file next to
//! its state file, so `keyturn open --wait` can wait for the window to close even when it was
//! opened earlier by someone else. The OS drops the lock when the process ends, however it ends.
//! (std's file locks: `flock` on Unix, `LockFileEx` on Windows; no extra crate.)

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file's name, in the app's data folder (next to `state.json`).
pub const LOCK_FILE: &str = "window.lock";

/// Where the lock lives for the state file at `state_file`.
pub fn lock_path(state_file: &Path) -> PathBuf {
    state_file.with_file_name(LOCK_FILE)
}

/// Held while the window is open; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct WindowLock {
    _file: File,
}

fn open(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

/// Takes the lock if nobody holds it; `Ok(None)` when another process (or handle) does.
pub fn try_hold(path: &Path) -> io::Result<Option<WindowLock>> {
    let file = open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(WindowLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Is a window holding the lock right now?
pub fn is_held(path: &Path) -> io::Result<bool> {
    Ok(try_hold(path)?.is_none())
}

/// Blocks until no window holds the lock (at once when none does).
pub fn wait_until_released(path: &Path) -> io::Result<()> {
    let file = open(path)?;
    file.lock()?;
    file.unlock()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn one_holder_at_a_time_and_waiters_return_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(&dir.path().join("app.id").join("state.json"));
        assert!(!is_held(&path).unwrap());
        wait_until_released(&path).unwrap();

        let held = try_hold(&path).unwrap().expect("nobody holds it");
        assert!(is_held(&path).unwrap());
        assert!(try_hold(&path).unwrap().is_none(), "a second holder is refused");

        let (done, finished) = mpsc::channel();
        let waiter_path = path.clone();
        let waiter = std::thread::spawn(move || {
            wait_until_released(&waiter_path).unwrap();
            done.send(()).unwrap();
        });
        // Still waiting while the lock is held (a bounded look, not a timing assumption: the
        // waiter must not finish at all before the release below).
        assert!(finished.recv_timeout(Duration::from_millis(200)).is_err());
        drop(held);
        finished.recv_timeout(Duration::from_secs(10)).expect("released");
        waiter.join().unwrap();
        assert!(!is_held(&path).unwrap());
    }
}
