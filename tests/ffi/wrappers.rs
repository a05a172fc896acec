//! libkeyturn from four languages, each against a real server and a real GNOME Keyring: the
//! example a vendor copies (examples/c, python, node, csharp) activates this computer, reads the
//! status and an entitlement, and deactivates; the seat is free on the server afterwards. And the
//! library, the command line and the app share one activation: what one does, the others see.
//! Nothing is skipped: a missing compiler, runtime or package fails the test with what to install.

use keyturn_e2e::binaries;
use keyturn_e2e::cli::{run, Computer, Run};
use keyturn_e2e::ffi::{self, must, repo};
use keyturn_e2e::server::PRODUCT_ID;
use keyturn_e2e::{server, Server};
use std::path::Path;
use std::process::Command;

/// A license with the entitlement `pro` and 2 seats; its key.
fn license(server: &Server) -> String {
    let policy = server.cli(&[
        "policy",
        "create",
        "--product",
        PRODUCT_ID,
        "--name",
        "FFI",
        "--max-machines",
        "2",
    ]);
    server.cli(&["license", "create", "--policy", &policy, "--entitlement", "pro"])
}

/// `program` on this computer, finding libkeyturn (KEYTURN_LIBRARY, LD_LIBRARY_PATH).
fn command(pc: &Computer, program: &str) -> Command {
    let library = binaries::library();
    let mut command = pc.command(Path::new(program));
    command
        .env("KEYTURN_LIBRARY", &library)
        .env("LD_LIBRARY_PATH", library.parent().unwrap());
    command
}

const EXPECTED: &str = "activate: OK\nstatus: VALID\npro: on\ndeactivate: OK\nstatus: NOT_ACTIVATED\n";

/// Runs one language's example on a fresh computer and checks what it printed and the server.
async fn example_round_trip(name: &str, make: impl FnOnce(&Computer, &str) -> Command) {
    let server = server::start();
    let key = license(&server);
    let pc = Computer::new(&server, &format!("ffi-{name}-1"));
    let done = run(make(&pc, &key), "");
    assert_eq!(
        (done.code, done.stdout.as_str(), done.stderr.as_str()),
        (0, EXPECTED, ""),
        "{name}: {done:?}"
    );
    assert_eq!(server.machine_count(&key).await, 0, "{name}: the seat is free again");
    let status = pc.run(&["status", "--json"]);
    assert_eq!(status.json()["code"], "NOT_ACTIVATED", "{status:?}");
}

#[tokio::test]
async fn c_example_activates_reads_and_deactivates() {
    let out = tempfile::tempdir().unwrap();
    let program = out.path().join("activate");
    let library = binaries::library();
    let mut cc = Command::new("cc");
    cc.arg(repo().join("examples/c/activate.c"))
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(repo().join("crates/ffi/include"))
        .arg("-L")
        .arg(library.parent().unwrap())
        .arg("-lkeyturn")
        .arg(format!("-Wl,-rpath,{}", library.parent().unwrap().display()))
        .arg("-o")
        .arg(&program);
    must(cc, "cc examples/c/activate.c");
    example_round_trip("c", |pc, key| {
        let mut c = command(pc, program.to_str().unwrap());
        c.arg(&pc.config).arg(key).arg("pro");
        c
    })
    .await;
}

fn python(pc: &Computer) -> Command {
    ffi::python(command(pc, "python3"))
}

#[tokio::test]
async fn python_example_activates_reads_and_deactivates() {
    example_round_trip("python", |pc, key| {
        let mut p = python(pc);
        p.arg(repo().join("examples/python/activate.py"))
            .arg(&pc.config)
            .arg(key)
            .arg("pro");
        p
    })
    .await;
}

#[tokio::test]
async fn node_example_activates_reads_and_deactivates() {
    let koffi = repo().join("bindings/node/node_modules/koffi");
    assert!(
        koffi.is_dir(),
        "{} is missing: bash scripts/setup.sh installs it",
        koffi.display()
    );
    // `require('keyturn')` finds the package as an installed one would be.
    let modules = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("bindings/node"), modules.path().join("keyturn")).unwrap();
    example_round_trip("node", |pc, key| {
        let mut node = command(pc, "node");
        node.env("NODE_PATH", modules.path())
            .arg(repo().join("examples/node/activate.js"))
            .arg(&pc.config)
            .arg(key)
            .arg("pro");
        node
    })
    .await;
}

#[tokio::test]
async fn csharp_example_activates_reads_and_deactivates() {
    let out = tempfile::tempdir().unwrap();
    let exe = out.path().join("activate.exe");
    let mut mcs = Command::new("mcs");
    mcs.arg(format!("-out:{}", exe.display()))
        .arg(repo().join("bindings/csharp/Keyturn.cs"))
        .arg(repo().join("examples/csharp/Activate.cs"));
    must(mcs, "mcs (mono-mcs)");
    example_round_trip("csharp", |pc, key| {
        let mut mono = command(pc, "mono");
        mono.arg(&exe).arg(&pc.config).arg(key).arg("pro");
        mono
    })
    .await;
}

/// Runs Python lines with `kt`, a Keyturn on this computer's config, open.
fn with_library(pc: &Computer, lines: &str) -> Run {
    let script =
        format!("import json, sys\nfrom keyturn import Keyturn\nkt = Keyturn(sys.argv[1])\n{lines}\nkt.close()\n");
    let mut p = python(pc);
    p.arg("-c").arg(script).arg(&pc.config);
    run(p, "")
}

#[tokio::test]
async fn library_and_command_line_share_one_activation() {
    let server = server::start();
    let key = license(&server);
    let pc = Computer::new(&server, "ffi-shared-1");
    let activated = with_library(
        &pc,
        &format!("print(kt.activate('{key}')['code'], kt.is_entitled('pro'))"),
    );
    assert_eq!(
        (activated.code, activated.stdout.trim()),
        (0, "OK True"),
        "{activated:?}"
    );
    let status = pc.run(&["status", "--json"]);
    assert_eq!(
        (status.code, status.json()["entitlements"][0].as_str()),
        (0, Some("pro")),
        "{status:?}"
    );
    // The library's status is the command line's document, byte for byte but for the time fields.
    let from_library = with_library(&pc, "print(json.dumps(kt.status()))");
    let mut library_json: serde_json::Value = serde_json::from_str(&from_library.stdout).unwrap();
    let mut cli_json = pc.run(&["status", "--json"]).json();
    for doc in [&mut library_json, &mut cli_json] {
        doc.as_object_mut().unwrap().remove("last_sync");
    }
    assert_eq!(library_json, cli_json);

    // The support report is the command line's text: it names the activation, never the key.
    let report = with_library(
        &pc,
        &format!("r = kt.report()['report']\nprint('Activated here: yes' in r, '{key}' in r)"),
    );
    assert_eq!(report.stdout.trim(), "True False", "{report:?}");
    let cli_report = pc.run(&["report"]).stdout;
    assert!(cli_report.contains("Activated here: yes"), "{cli_report}");

    assert_eq!(pc.run(&["deactivate"]).code, 0);
    let seen = with_library(&pc, "print(kt.status()['code'], kt.is_entitled('pro'))");
    assert_eq!(seen.stdout.trim(), "NOT_ACTIVATED False", "{seen:?}");
    assert_eq!(server.machine_count(&key).await, 0);
}

#[tokio::test]
async fn the_library_sets_a_damaged_state_file_aside_and_rebuilds_it() {
    let server = server::start();
    let key = license(&server);
    let pc = Computer::new(&server, "ffi-damaged-1");
    pc.activate(&key);
    std::fs::write(pc.state_file(), "{\"license\": {\"last_seen\": \"yest").unwrap();
    let seen = with_library(&pc, "s = kt.status()\nprint(s['code'], s['activation_id'] is not None)");
    assert_eq!(seen.stdout.trim(), "VALID True", "{seen:?}");
    assert!(
        pc.state_file().with_extension("json.damaged").exists(),
        "kept for support"
    );
    assert_eq!(pc.run(&["status"]).code, 0, "the command line reads the rebuilt state");
}

#[tokio::test]
async fn a_full_license_answers_its_machines_and_one_can_be_freed() {
    let server = server::start();
    let key = server.new_license(1);
    let first = Computer::new(&server, "ffi-seat-1");
    first.activate(&key);
    let second = Computer::new(&server, "ffi-seat-2");
    let lines = format!(
        "a = kt.activate('{key}')\n\
         print(a['code'], len(a['machines']))\n\
         b = kt.activate('{key}', a['machines'][0]['id'])\n\
         print(b['code'], kt.status()['code'])"
    );
    let done = with_library(&second, &lines);
    assert_eq!(done.stdout, "MACHINE_LIMIT_EXCEEDED 1\nOK VALID\n", "{done:?}");
    assert_eq!(server.machine_count(&key).await, 1);
    assert_eq!(first.run(&["check"]).code, 4, "the freed computer's activation ended");
}

/// A license with one floating seat (60 s leases); its key.
fn one_floating_seat(server: &Server) -> String {
    let policy = server.cli(&[
        "policy",
        "create",
        "--product",
        PRODUCT_ID,
        "--name",
        "Team",
        "--max-machines",
        "1",
        "--floating",
        "--lease-secs",
        "60",
    ]);
    server.cli(&["license", "create", "--policy", &policy])
}

/// The lines a running program prints, each waited for with a deadline (a program that never
/// prints its line fails the test instead of hanging it).
struct Lines(std::sync::mpsc::Receiver<String>);

impl Lines {
    fn of(child: &mut std::process::Child) -> Lines {
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines(rx)
    }

    fn next(&self, what: &str) -> String {
        self.0
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the program printed no line: {what}"))
    }
}

/// A Python program holds a floating seat while it works (examples/python/hold_seat.py): another
/// computer meets the seat limit meanwhile, and gets the seat once the program released it.
#[tokio::test]
async fn a_python_program_holds_a_floating_seat_while_it_works() {
    let server = server::start();
    let key = one_floating_seat(&server);
    let (first, second) = (
        Computer::new(&server, "ffi-float-1"),
        Computer::new(&server, "ffi-float-2"),
    );
    let mut program = python(&first);
    program
        .arg(repo().join("examples/python/hold_seat.py"))
        .arg(&first.config)
        .arg(&key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = program.spawn().expect("python3");
    let lines = Lines::of(&mut child);
    let line = lines.next("the seat");
    assert!(line.starts_with("seat: OK 1 "), "{line}");

    let other = second.run(&["run", "--key", &key, "--", "true"]);
    assert_eq!(other.code, 8, "every seat is taken: {other:?}");
    assert!(other.stderr.contains("The only seat is in use"), "{other:?}");

    drop(child.stdin.take()); // the program's work ends
    assert_eq!(lines.next("released"), "released");
    assert!(child.wait().unwrap().success());
    let other = second.run(&["run", "--key", &key, "--", "true"]);
    assert_eq!(other.code, 0, "the released seat is the other computer's: {other:?}");
}

/// The Node.js and C# wrappers take and give back a floating seat: the first computer's seat, then
/// the limit on a second computer while it is held, then the second gets it once released; a
/// node-locked license is refused with `NOT_FLOATING`.
#[tokio::test]
async fn node_and_csharp_take_and_release_a_floating_seat() {
    let server = server::start();
    let key = one_floating_seat(&server);
    let node_locked = license(&server);
    let (first, second) = (
        Computer::new(&server, "ffi-wrap-1"),
        Computer::new(&server, "ffi-wrap-2"),
    );

    // Node.js holds the seat while C# on the other computer meets the limit, then takes it.
    let modules = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("bindings/node"), modules.path().join("keyturn")).unwrap();
    let script = r#"
const { Keyturn } = require('keyturn');
const [config, key, lockedKey] = process.argv.slice(1); // node -e: no script path
const kt = new Keyturn(config);
const seat = kt.takeSeat(key);
console.log(seat.code, seat.seats, seat.lease.id.length > 0);
// Another handle (this one answers the seat it holds): a node-locked key has no seats to take.
const other = new Keyturn(config);
try { other.takeSeat(lockedKey); } catch (e) { console.log('refused', e.code); }
other.close();
process.stdin.resume();
process.stdin.on('end', () => { kt.releaseSeat(); console.log('released'); kt.close(); });
"#;
    let mut node = command(&first, "node");
    node.env("NODE_PATH", modules.path())
        .arg("-e")
        .arg(script)
        .arg(&first.config)
        .arg(&key)
        .arg(&node_locked)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = node.spawn().expect("node");
    let lines = Lines::of(&mut child);
    assert_eq!(lines.next("the seat"), "OK 1 true");
    assert_eq!(lines.next("the refusal"), "refused NOT_FLOATING");

    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("Seat.cs");
    std::fs::write(
        &source,
        r#"using System; using Keyturn;
static class Seat { static int Main(string[] a) {
  using (var kt = new Client(a[0])) {
    var seat = kt.TakeSeat(a[1]); Console.WriteLine(Client.CodeOf(seat));
    kt.ReleaseSeat(); return 0; } } }"#,
    )
    .unwrap();
    let exe = dir.path().join("seat.exe");
    let mut mcs = Command::new("mcs");
    mcs.arg(format!("-out:{}", exe.display()))
        .arg(repo().join("bindings/csharp/Keyturn.cs"))
        .arg(&source);
    must(mcs, "mcs (mono-mcs)");
    let csharp = || {
        let mut mono = command(&second, "mono");
        mono.arg(&exe).arg(&second.config).arg(&key);
        run(mono, "")
    };
    let full = csharp();
    assert_eq!((full.code, full.stdout.trim()), (0, "SEATS_IN_USE"), "{full:?}");

    drop(child.stdin.take());
    assert_eq!(lines.next("released"), "released");
    assert!(child.wait().unwrap().success());
    let taken = csharp();
    assert_eq!((taken.code, taken.stdout.trim()), (0, "OK"), "{taken:?}");
}
