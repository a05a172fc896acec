//! Child processes for tests: each in its own process group, killed with its whole group and
//! waited for (no zombies) on drop, also when the test fails; free ports; polling with a deadline;
//! running a command to the end.

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a group has to end after SIGTERM before it gets SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

pub struct GroupGuard {
    name: &'static str,
    child: Child,
    /// Set once the leader has been waited for and its group signalled for the last time.
    ended: Option<ExitStatus>,
}

impl GroupGuard {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(name: &'static str, mut command: Command) -> io::Result<GroupGuard> {
        command.process_group(0);
        let child = command
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("starting {name}: {e}")))?;
        Ok(GroupGuard {
            name,
            child,
            ended: None,
        })
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has already exited (e.g. it crashed at start).
    pub fn ensure_running(&mut self) -> io::Result<()> {
        match self.try_wait()? {
            Some(status) => Err(io::Error::other(format!("{} exited early: {status}", self.name))),
            None => Ok(()),
        }
    }

    /// The leader's exit status if it has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.ended.is_some() {
            return Ok(self.ended);
        }
        self.child.try_wait()
    }

    /// SIGTERM to the group; SIGKILL to what is left after a grace period; waits for the leader.
    pub fn stop(&mut self) -> ExitStatus {
        if let Some(status) = self.ended {
            return status;
        }
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill()
    }

    /// SIGKILL to the whole group at once (a crash, as far as the process can tell); waits for
    /// the leader.
    pub fn kill(&mut self) -> ExitStatus {
        if let Some(status) = self.ended {
            return status;
        }
        // The group outlives its leader while any member lives, so its id is not reused yet.
        self.signal(libc::SIGKILL);
        let status = self.child.wait().expect("wait for a killed process");
        self.ended = Some(status);
        status
    }

    fn signal(&self, signal: libc::c_int) {
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group this guard created.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `ready` until it is true or `deadline` passes.
pub fn wait_until(what: &str, deadline: Duration, mut ready: impl FnMut() -> bool) -> io::Result<()> {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("{what} not ready after {deadline:?}"),
    ))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout as JSON (for `--json` runs).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// Runs `command` with `stdin`, to the end.
pub fn run(mut command: Command, stdin: &str) -> Run {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start the command");
    // A command that does not read its stdin may close it early: that is not a failure here.
    let _ = child.stdin.take().expect("piped stdin").write_all(stdin.as_bytes());
    let output = child.wait_with_output().expect("wait for the command");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `command` to the end with no input; panics with its stderr unless it succeeded. Its stdout.
pub fn run_ok(command: Command) -> String {
    let shown = format!("{command:?}");
    let run = run(command, "");
    assert!(run.success(), "{shown} exited with {}: {}", run.code, run.stderr);
    run.stdout
}
