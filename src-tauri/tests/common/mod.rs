//! What the IPC tests share: the app built on Tauri's mock runtime (one window, the setup hook
//! run), a vendor config pointing at a server, and a command invoked as the UI invokes it.
//! Secrets go to keyring's mock store (no OS keychain in CI); state files to a temp dir.
#![allow(dead_code)]

use keyturn_app::{build_app, Setup, StartupError};
use keyturn_client::VendorConfig;
use keyturn_e2e::server::{PRODUCT_ID, PRODUCT_NAME};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

pub struct Harness {
    _app: tauri::App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    /// Holds the state file (and what the app writes next to it, e.g. the seat file).
    pub dir: tempfile::TempDir,
}

static NEXT_ENV: AtomicU32 = AtomicU32::new(0);

/// The end-to-end product's vendor config for the server at `server_url`, with this device's
/// `fingerprint` as its override.
pub fn config(server_url: &str, public_key: &str, fingerprint: &str) -> VendorConfig {
    // A fingerprint override per test, under a variable name of its own (tests run in parallel).
    let env = format!("KEYTURN_IPC_TEST_FP_{}", NEXT_ENV.fetch_add(1, Ordering::SeqCst));
    std::env::set_var(&env, fingerprint);
    VendorConfig::from_json(
        &json!({
            "product_name": PRODUCT_NAME,
            "product_id": PRODUCT_ID,
            "server_url": server_url,
            "public_key": public_key,
            "fingerprint_env": env,
        })
        .to_string(),
    )
    .unwrap()
}

pub fn start(config: Result<VendorConfig, StartupError>) -> Harness {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup {
        config,
        state_file: dir.path().join("state.json"),
    };
    let mut app = build_app(mock_builder(), setup)
        .build(mock_context(noop_assets()))
        .unwrap();
    // One iteration runs the setup hook, so the state is managed from here on (called once, so
    // the busy-loop the deprecation warns about cannot happen).
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness { _app: app, window, dir }
}

/// `cmd` with `args` through the IPC: the command's answer, or its error (`{code, message, hint}`).
pub fn invoke(harness: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&harness.window, request).map(|body| body.deserialize::<Value>().unwrap())
}
