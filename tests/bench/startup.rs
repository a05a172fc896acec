//! Start-up and memory benchmark: the Keyturn app against a bare Tauri window, measured side by
//! side in one run (alternating), each launched the same way through tauri-driver on Xvfb with a
//! fresh HOME. Start-up: from the WebDriver new-session request (which launches the app) until
//! the first interactive screen's element exists. Memory: PSS (and RSS) of the app process and
//! every process it started (WebKit's web and network processes), after the screen is up.
//!
//! Run: `bash scripts/bench.sh` (release builds), or `target/debug/startup-bench [ROUNDS]`.

use keyturn_e2e::{binaries, server, App, Server, UI_DEADLINE};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Sample {
    startup: Duration,
    pss_kib: u64,
    rss_kib: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(5);
    let server = server::start();
    let keyturn = binaries::app();
    let bare = binaries::bare_window();
    let (mut keyturn_samples, mut bare_samples) = (Vec::new(), Vec::new());
    // One warm-up launch of each, so both start from a warm page cache.
    measure(&server, &bare).await;
    measure(&server, &keyturn).await;
    for _ in 0..rounds {
        bare_samples.push(measure(&server, &bare).await);
        keyturn_samples.push(measure(&server, &keyturn).await);
    }
    report(&keyturn_samples, &bare_samples);
}

/// Both first screens have a "Start" button: the moment it exists, the screen is interactive.
const READY_XPATH: &str = "//button[normalize-space(.)='Start']";

async fn measure(server: &Server, binary: &Path) -> Sample {
    let started = Instant::now();
    let app = App::launch_binary("bench", server, binary.to_path_buf()).await;
    app.client
        .wait()
        .at_most(UI_DEADLINE)
        .every(Duration::from_millis(5))
        .for_element(fantoccini::Locator::XPath(READY_XPATH))
        .await
        .expect("first screen");
    let startup = started.elapsed();
    // Let the page settle before reading memory (images, fonts, first IPC calls).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (pss_kib, rss_kib) = app_memory(app.process_group(), binary);
    let _ = app.client.clone().close().await;
    drop(app);
    Sample {
        startup,
        pss_kib,
        rss_kib,
    }
}

/// PSS and RSS (KiB) of the process running `binary` in `group` and all its descendants.
fn app_memory(group: u32, binary: &Path) -> (u64, u64) {
    let exe_name = binary.file_name().expect("binary name").to_owned();
    let mut parent_of = HashMap::new();
    let mut root = None;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name: state ppid pgrp ...
        let Some(rest) = stat.rsplit_once(") ").map(|(_, rest)| rest.to_string()) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (ppid, pgrp): (u32, u32) = (fields[1].parse().unwrap_or(0), fields[2].parse().unwrap_or(0));
        parent_of.insert(pid, ppid);
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if pgrp == group && exe.file_name() == Some(&exe_name) {
            root = Some(pid);
        }
    }
    let root = root.expect("the app process in the driver's process group");
    let in_tree = |mut pid: u32| loop {
        if pid == root {
            return true;
        }
        match parent_of.get(&pid) {
            Some(&parent) if parent != 0 => pid = parent,
            _ => return false,
        }
    };
    parent_of
        .keys()
        .filter(|&&pid| in_tree(pid))
        .map(|&pid| rollup(pid))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

fn rollup(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/smaps_rollup"))).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("Pss:"), field("Rss:"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn report(keyturn: &[Sample], bare: &[Sample]) {
    let ms = |s: &[Sample]| median(s.iter().map(|x| x.startup.as_secs_f64() * 1000.0).collect());
    let pss = |s: &[Sample]| median(s.iter().map(|x| x.pss_kib as f64 / 1024.0).collect());
    let rss = |s: &[Sample]| median(s.iter().map(|x| x.rss_kib as f64 / 1024.0).collect());
    println!(
        "start-up and memory, median of {} alternating launches each",
        keyturn.len()
    );
    println!("{:<14}{:>14}{:>12}{:>12}", "", "start-up ms", "PSS MiB", "RSS MiB");
    println!(
        "{:<14}{:>14.0}{:>12.1}{:>12.1}",
        "bare window",
        ms(bare),
        pss(bare),
        rss(bare)
    );
    println!(
        "{:<14}{:>14.0}{:>12.1}{:>12.1}",
        "keyturn",
        ms(keyturn),
        pss(keyturn),
        rss(keyturn)
    );
    println!(
        "ratio keyturn/bare: start-up {:.2}x (goal <= 1.3x), memory PSS {:.2}x (goal <= 1.2x)",
        ms(keyturn) / ms(bare),
        pss(keyturn) / pss(bare)
    );
}
