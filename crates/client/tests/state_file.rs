//! The state file under concurrent writers: threads of one process and separate processes (as the
//! app, the command line and a program using the C library are) each add their updates through
//! `StateStore::update`; none is lost, and a reader never meets half a file.

use keyturn_client::state_file::{FileStateStore, STATE_FILE};
use keyturn_client::StateStore;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const UPDATES: u32 = 200;
/// Set for the child processes: the state file they write to.
const WRITER_ENV: &str = "KEYTURN_TEST_STATE_WRITER";

/// One writer's work: UPDATES read-modify-writes, each counting one up.
fn count_up(path: &Path) {
    let store = FileStateStore::new(path);
    for _ in 0..UPDATES {
        store.update(&mut |s| s.renewal_failures += 1).expect("update");
    }
}

/// The child processes run this test binary with only this test, which writes when told to.
#[test]
fn writer_process() {
    if let Some(path) = std::env::var_os(WRITER_ENV) {
        count_up(Path::new(&path));
    }
}

fn spawn_writer(path: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer_process", "--nocapture", "--test-threads=1"])
        .env(WRITER_ENV, path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start a writer process")
}

#[test]
fn concurrent_writers_lose_no_update_and_leave_no_half_file() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("app.id").join(STATE_FILE);
    // A key that is not the license state (e.g. a UI preference) survives every write.
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, r#"{"window":{"w":640}}"#).unwrap();

    let writing = Arc::new(AtomicBool::new(true));
    let reader = {
        let (path, writing) = (path.clone(), writing.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while writing.load(Ordering::Relaxed) {
                let text = std::fs::read(&path).expect("the state file is always there");
                let json: serde_json::Value = serde_json::from_slice(&text)
                    .unwrap_or_else(|e| panic!("half a file ({e}): {}", String::from_utf8_lossy(&text)));
                assert_eq!(json["window"]["w"], 640);
                reads += 1;
            }
            reads
        })
    };
    let processes: Vec<_> = (0..2).map(|_| spawn_writer(&path)).collect();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || count_up(&path))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    for mut process in processes {
        assert!(process.wait().unwrap().success());
    }
    writing.store(false, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);

    let state = FileStateStore::new(&path).load().unwrap();
    assert_eq!(
        state.renewal_failures,
        5 * UPDATES,
        "every update of 3 threads and 2 processes is there"
    );
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
