//! The C library's benchmark: the stripped shared library's size against the 6 MB goal, the
//! offline status through the C ABI against the 1 ms goal, and what the Python and Node.js
//! wrappers add to it (goal: at most 20%), measured in one run on one activated computer (a real
//! server and GNOME Keyring), alternating C, Python and Node.js rounds.
//!
//! Run: `bash scripts/bench.sh` (release library), or
//! `KEYTURN_LIBRARY=target/release/libkeyturn.so target/debug/ffi-bench [ROUNDS]`.

use keyturn_e2e::cli::{run, Computer};
use keyturn_e2e::ffi::{self, must, repo};
use keyturn_e2e::{binaries, server};
use std::path::Path;
use std::process::Command;

/// Calls per process and round.
const CALLS: u32 = 2000;

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(5);
    let library = binaries::library();
    let bytes = std::fs::metadata(&library).expect("library").len();
    println!(
        "{:<40} {:6.2} MB  ({:3.0}% of the 6 MB goal)",
        library.file_name().unwrap().to_string_lossy(),
        bytes as f64 / 1e6,
        100.0 * bytes as f64 / 6e6
    );

    let server = server::start();
    let key = server.new_license(1);
    let pc = Computer::new(&server, "ffi-bench-1");
    pc.activate(&key);

    let out = tempfile::tempdir().unwrap();
    let c_bench = out.path().join("status_bench");
    let mut cc = Command::new("cc");
    cc.args(["-O2", "-I"])
        .arg(repo().join("crates/ffi/include"))
        .arg(repo().join("tests/bench/status_bench.c"))
        .arg("-L")
        .arg(library.parent().unwrap())
        .arg("-lkeyturn")
        .arg(format!("-Wl,-rpath,{}", library.parent().unwrap().display()))
        .arg("-o")
        .arg(&c_bench);
    must(cc, "cc tests/bench/status_bench.c");
    let modules = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("bindings/node"), modules.path().join("keyturn")).unwrap();

    let calls = CALLS.to_string();
    let nanos = |mut command: Command| -> f64 {
        command.env("KEYTURN_LIBRARY", &library);
        let done = run(command, "");
        assert_eq!(done.code, 0, "{done:?}");
        done.stdout.trim().parse().unwrap_or_else(|_| panic!("{done:?}"))
    };
    let (mut c, mut python, mut node) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut command = pc.command(&c_bench);
        command.arg(&pc.config).arg(&calls);
        c.push(nanos(command));

        let mut command = ffi::python(pc.command(Path::new("python3")));
        command.arg("-c").arg(PYTHON).arg(&pc.config).arg(&calls);
        python.push(nanos(command));

        let mut command = pc.command(Path::new("node"));
        command
            .env("NODE_PATH", modules.path())
            .arg("-e")
            .arg(NODE)
            .arg(&pc.config)
            .arg(&calls);
        node.push(nanos(command));
    }
    let (c, python, node) = (median(c), median(python), median(node));
    println!(
        "status through the C ABI (offline)       {:8.1} µs  ({:3.0}% of the 1 ms goal)",
        c / 1e3,
        c / 1e4
    );
    for (name, value) in [("Python wrapper", python), ("Node.js wrapper", node)] {
        println!(
            "status through the {:<21} {:8.1} µs  (+{:.0}% over C; goal +20%)",
            name,
            value / 1e3,
            100.0 * (value / c - 1.0)
        );
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

const PYTHON: &str = "\
import sys, time
from keyturn import Keyturn
with Keyturn(sys.argv[1]) as kt:
    assert kt.status()['licensed']
    calls = int(sys.argv[2])
    start = time.perf_counter_ns()
    for _ in range(calls):
        kt.status()
    print((time.perf_counter_ns() - start) // calls)
";

const NODE: &str = "\
const { Keyturn } = require('keyturn');
const [config, calls] = process.argv.slice(1);
const kt = new Keyturn(config);
if (!kt.status().licensed) process.exit(1);
const start = process.hrtime.bigint();
for (let i = 0; i < Number(calls); i++) kt.status();
console.log(String((process.hrtime.bigint() - start) / BigInt(calls)));
kt.close();
";
