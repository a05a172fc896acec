//! Ending the app as a person or the desktop does, not through WebDriver: its window's close
//! button (the window manager's WM_DELETE_WINDOW message, sent here over the X protocol with
//! x11rb, as there is no window manager on the test's display), or SIGTERM (logging out).
//!
//! WebDriver cannot do this: its "close window" closes only the web view inside the window
//! (wry destroys the view and the window stays), and ending its session kills the app
//! outright, so neither is what a user's close is.

use crate::{binaries, App, UI_DEADLINE};
use std::error::Error;
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{self, AtomEnum, ConnectionExt, EventMask, MapState};
use x11rb::wrapper::ConnectionExt as _;

impl App {
    /// The process id of the app itself (the app binary in this test's tauri-driver group).
    pub fn app_pid(&self) -> Option<u32> {
        let app = binaries::app();
        let group = self.process_group();
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
            (exe == app && process_group_of(pid) == Some(group)).then_some(pid)
        })
    }

    /// Presses the window's close button: sends WM_DELETE_WINDOW to the app's mapped window.
    pub fn close_window(&self) -> Result<(), Box<dyn Error>> {
        let pid = self.app_pid().ok_or("the app is not running")?;
        let (conn, screen) = x11rb::connect(Some(self.display_name()))?;
        let root = conn.setup().roots[screen].root;
        let atom =
            |name: &str| -> Result<u32, Box<dyn Error>> { Ok(conn.intern_atom(false, name.as_bytes())?.reply()?.atom) };
        let (protocols, delete, wm_pid) = (atom("WM_PROTOCOLS")?, atom("WM_DELETE_WINDOW")?, atom("_NET_WM_PID")?);
        let window = conn
            .query_tree(root)?
            .reply()?
            .children
            .into_iter()
            .find(|&w| {
                let mapped = conn
                    .get_window_attributes(w)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .is_some_and(|a| a.map_state == MapState::VIEWABLE);
                let owner = conn
                    .get_property(false, w, wm_pid, AtomEnum::CARDINAL, 0, 1)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .and_then(|p| p.value32().and_then(|mut v| v.next()));
                mapped && owner == Some(pid)
            })
            .ok_or_else(|| format!("no window of the app (pid {pid}) on {}", self.display_name()))?;
        let event = xproto::ClientMessageEvent::new(32, window, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
        conn.send_event(false, window, EventMask::NO_EVENT, event)?;
        conn.sync()?;
        Ok(())
    }

    /// Sends SIGTERM to the app, as a desktop session does when the user logs out.
    pub fn terminate(&self) -> Result<(), Box<dyn Error>> {
        let pid = self.app_pid().ok_or("the app is not running")?;
        // SAFETY: kill(2) on the app's own process id, found in this test's process group.
        if unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(())
    }

    /// Waits until the app process has ended by itself (within the UI deadline).
    pub fn wait_for_app_to_end(&self) -> Result<(), Box<dyn Error>> {
        let end = Instant::now() + UI_DEADLINE;
        while self.app_pid().is_some() {
            if Instant::now() >= end {
                return Err(format!("the app was still running {UI_DEADLINE:?} after it was told to close").into());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Ok(())
    }
}

/// The process group of `pid` (field 5 of /proc/PID/stat, after the parenthesised name).
fn process_group_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(2)?.parse().ok()
}

impl App {
    /// Ends a test whose app was closed by [`App::close_window`] or [`App::terminate`]: on
    /// failure as [`App::finish`] does; its WebDriver session has no app left to close.
    pub async fn finish_closed(self, result: crate::app::TestResult, server: &crate::Server) {
        if result.is_err() {
            return self.finish(result, server).await;
        }
        let _ = self.client.close().await;
    }
}
