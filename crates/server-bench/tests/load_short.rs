//! The load benchmark's short mode runs end to end (figures are printed, not asserted: this is a
//! debug build on a shared machine; see crates/server/README.md for release figures).

use std::process::Command;

#[test]
fn bench_short_mode_runs_without_errors() {
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_keyturn-server-bench"))
        .args([
            "load",
            "--short",
            "--duration-secs",
            "0.5",
            "--concurrency",
            "16",
            "--json",
        ])
        .output()
        .expect("run bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed: {stdout}\n{stderr}");
    println!("{stdout}");
    let json_line = stdout.lines().find(|l| l.starts_with('{')).expect("a JSON line");
    let v: serde_json::Value = serde_json::from_str(json_line).unwrap();
    let phases = v["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 3);
    for p in phases {
        assert!(p["requests"].as_u64().unwrap() > 0, "{p}");
        assert_eq!(p["errors"], 0, "{p}");
    }
    assert!(started.elapsed().as_secs() < 30);
}
