//! Activation links: `keyturn://activate?key=...` (the scheme is the vendor's `link_scheme`)
//! opens the key screen with the key filled in. The link comes as a command-line argument (Linux,
//! Windows: the desktop starts `keyturn URL`) or as an "opened" event (macOS, through
//! tauri-plugin-deep-link). A second launch hands its arguments to the running app over
//! tauri-plugin-single-instance (D-Bus on Linux) and exits; the running window comes to the front.
//!
//! The key from a link is held here until the UI takes it (`take_link`) and is never logged: the
//! event that tells the UI a link arrived carries no key.

use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

/// Sent (without payload) when a link arrived; the UI then calls `take_link`.
pub const LINK_EVENT: &str = "activation-link";

/// Longest key text taken from a link (a key has 30 characters plus dashes and spaces).
const MAX_KEY_LEN: usize = 64;

/// The key of an activation link, or `None` if `text` is not one for `scheme`.
pub fn key_from_link(text: &str, scheme: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    if url.scheme() != scheme {
        return None;
    }
    // `keyturn://activate?key=…` (host) and `keyturn:activate?key=…` (path) alike.
    let action = url.host_str().unwrap_or_else(|| url.path()).trim_matches('/');
    if !action.eq_ignore_ascii_case("activate") {
        return None;
    }
    let (_, key) = url.query_pairs().find(|(name, _)| name == "key")?;
    let key: String = key.chars().filter(|c| !c.is_control()).take(MAX_KEY_LEN).collect();
    (!key.trim().is_empty()).then(|| key.trim().to_owned())
}

/// The key of the first activation link among command-line arguments (the program name first).
pub fn key_from_args<S: AsRef<str>>(args: &[S], scheme: &str) -> Option<String> {
    args.iter().skip(1).find_map(|arg| key_from_link(arg.as_ref(), scheme))
}

/// The link waiting for the UI.
#[derive(Default)]
pub struct PendingLink(Mutex<Option<String>>);

impl PendingLink {
    pub fn put(&self, key: String) {
        *self.0.lock().expect("pending link lock") = Some(key);
    }

    pub fn take(&self) -> Option<String> {
        self.0.lock().expect("pending link lock").take()
    }
}

/// A link reached the running app: keep its key for the UI, tell the UI, bring the window up.
pub fn receive<R: Runtime>(app: &AppHandle<R>, key: String) {
    if let Some(state) = app.try_state::<AppState>() {
        state.link.put(key);
    }
    let _ = app.emit(LINK_EVENT, ());
    bring_to_front(app);
}

fn bring_to_front<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The link scheme the running app answers to (the vendor's, or the default without a config).
fn scheme<R: Runtime>(app: &AppHandle<R>) -> String {
    app.try_state::<AppState>()
        .and_then(|state| state.config.as_ref().map(|c| c.link_scheme.clone()))
        .unwrap_or_else(|| keyturn_client::config::DEFAULT_LINK_SCHEME.to_owned())
}

/// Adds single-instance (first, so a second launch exits before opening anything) and
/// deep-link. Only for the real app: IPC tests build many apps in one process.
pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            match key_from_args(&args, &scheme(app)) {
                Some(key) => receive(app, key),
                // Started again without a link: the user wants the window.
                None => bring_to_front(app),
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
}

/// After start-up: a link among this process's own arguments, and (macOS) links the OS opens.
pub fn on_start<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    let link_scheme = state.config.as_ref().map(|c| c.link_scheme.clone());
    let link_scheme = link_scheme.unwrap_or_else(|| keyturn_client::config::DEFAULT_LINK_SCHEME.to_owned());
    let args: Vec<String> = std::env::args().collect();
    if let Some(key) = key_from_args(&args, &link_scheme) {
        state.link.put(key);
    }
    #[cfg(target_os = "macos")]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let handle = app.clone();
        app.deep_link().on_open_url(move |event| {
            let scheme = scheme(&handle);
            if let Some(key) = event.urls().iter().find_map(|url| key_from_link(url.as_str(), &scheme)) {
                receive(&handle, key);
            }
        });
    }
    let _ = app;
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5";

    #[test]
    fn reads_the_key_of_an_activation_link() {
        let link = format!("keyturn://activate?key={KEY}");
        assert_eq!(key_from_link(&link, "keyturn").as_deref(), Some(KEY));
        assert_eq!(
            key_from_link(&format!("keyturn:activate?key={KEY}"), "keyturn").as_deref(),
            Some(KEY)
        );
        // Percent-encoded spaces, as a mail client may write them.
        assert_eq!(
            key_from_link("acme://activate/?key=7K3QD%20M2XWP&x=1", "acme").as_deref(),
            Some("7K3QD M2XWP")
        );
    }

    #[test]
    fn ignores_other_schemes_actions_and_empty_keys() {
        let link = format!("keyturn://activate?key={KEY}");
        assert_eq!(key_from_link(&link, "acme"), None, "another vendor's scheme");
        assert_eq!(
            key_from_link(&format!("keyturn://deactivate?key={KEY}"), "keyturn"),
            None
        );
        assert_eq!(key_from_link("keyturn://activate?key=", "keyturn"), None);
        assert_eq!(key_from_link("keyturn://activate", "keyturn"), None);
        assert_eq!(key_from_link("--verbose", "keyturn"), None);
    }

    #[test]
    fn bounds_what_it_takes_from_a_link() {
        let long = format!("keyturn://activate?key={}", "A".repeat(10_000));
        assert_eq!(key_from_link(&long, "keyturn").unwrap().len(), MAX_KEY_LEN);
        assert_eq!(
            key_from_link("keyturn://activate?key=AB%0ACD", "keyturn").as_deref(),
            Some("ABCD")
        );
    }

    #[test]
    fn finds_the_link_among_arguments_but_not_the_program_name() {
        let link = format!("keyturn://activate?key={KEY}");
        assert_eq!(
            key_from_args(&["/usr/bin/keyturn", &link], "keyturn").as_deref(),
            Some(KEY)
        );
        assert_eq!(key_from_args(&[link.as_str()], "keyturn"), None);
        assert_eq!(key_from_args(&["keyturn"], "keyturn"), None);
    }

    #[test]
    fn a_pending_link_is_taken_once() {
        let pending = PendingLink::default();
        pending.put(KEY.into());
        assert_eq!(pending.take().as_deref(), Some(KEY));
        assert_eq!(pending.take(), None);
    }
}
