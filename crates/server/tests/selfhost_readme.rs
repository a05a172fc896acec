//! README "Self-host in five minutes", step by step: the packaged config file with README's two
//! lines added (step 2), `init --owner-email` with the password piped in (3), `serve` (4, what
//! the systemd unit runs), Caddy in front with TLS (5; `tls internal`: its own local CA stands
//! in for a public one), `doctor` (6), the owner's console sign-in, then an app's activation
//! and validate through the public https URL. Only the paths differ from a
//! packaged install: the state folder is a temporary one (environment variables, which beat the
//! file, as the unit's `Environment=` would).

use keyturn_testkit::{activation_body, binaries, free_port, process, wait_until, GroupGuard};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const OWNER_PASSWORD: &str = "a long owner passphrase";
const PACKAGED_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/server.toml");

fn server(state: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binaries::server());
    command
        .args(args)
        .arg("--config")
        .arg(config)
        .env("KEYTURN_DB", state.join("keyturn.db"))
        .env("KEYTURN_ADMIN_TOKEN_FILE", state.join("admin-token"))
        .env("KEYTURN_SEAL_KEY_FILE", state.join("seal-key"))
        // Any free port instead of the file's 127.0.0.1:8080 (Caddy is pointed at the one taken).
        .env("KEYTURN_LISTEN", "127.0.0.1:0")
        .env_remove("KEYTURN_ADMIN_TOKEN")
        .env_remove("KEYTURN_SERVER_CONFIG");
    command
}

#[tokio::test]
async fn readme_self_host_in_five_minutes() {
    let caddy = which("caddy").expect("caddy is missing: run scripts/setup.sh");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("var-lib-keyturn");
    std::fs::create_dir(&state).unwrap();
    let (https_port, http_port) = (free_port(), free_port());
    let public_url = format!("https://localhost:{https_port}");

    // Step 2: the packaged file with public_url and trust_proxy set.
    let packaged = std::fs::read_to_string(PACKAGED_CONFIG).unwrap();
    assert!(
        packaged.contains("\nlisten = \"127.0.0.1:8080\"\n"),
        "README's proxy examples point at 127.0.0.1:8080"
    );
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!("{packaged}\npublic_url = \"{public_url}\"\ntrust_proxy = true\n"),
    )
    .unwrap();

    // Step 3: init, the owner's password piped in, prints the vendor block.
    let owner = ["init", "--owner-email", "you@example.com"];
    let init = process::run(server(&state, &config, &owner), &format!("{OWNER_PASSWORD}\n"));
    assert!(init.success(), "{init:?}");
    assert!(
        init.stderr.contains("seal key: created") && state.join("seal-key").exists(),
        "init makes the packaged seal key file: {}",
        init.stderr
    );
    assert!(
        init.stderr.contains("owner: created you@example.com"),
        "{}",
        init.stderr
    );
    let block = init.json();
    assert_eq!(block["server_url"], public_url.as_str());
    let public_key = block["public_key"].as_str().unwrap().to_string();

    // Step 4: serve.
    let mut serve = server(&state, &config, &["serve"]);
    serve.stdout(Stdio::piped()).stderr(Stdio::null()).stdin(Stdio::null());
    let mut serving = GroupGuard::spawn("keyturn-server", serve).unwrap();
    let stdout = serving.child_mut().stdout.take().unwrap();
    let first = BufReader::new(stdout)
        .lines()
        .next()
        .expect("serve announces its address")
        .unwrap();
    assert!(
        first.starts_with("KEYTURN_SERVER_LISTENING http://127.0.0.1:"),
        "{first}"
    );
    let server_port = first.rsplit(':').next().unwrap().to_string();

    // Step 5: Caddy with README's site block (its own CA and ports instead of a public name).
    let caddyfile = dir.path().join("Caddyfile");
    let storage = dir.path().join("caddy");
    std::fs::write(
        &caddyfile,
        format!(
            "{{\n\tadmin off\n\tskip_install_trust\n\tstorage file_system {{\n\t\troot {}\n\t}}\n\thttp_port {http_port}\n\thttps_port {https_port}\n}}\n\
             localhost:{https_port} {{\n\ttls internal\n\treverse_proxy 127.0.0.1:{server_port}\n}}\n",
            storage.display()
        ),
    )
    .unwrap();
    let mut proxy = Command::new(caddy);
    proxy
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&caddyfile)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let _proxy = GroupGuard::spawn("caddy", proxy).unwrap();
    let root = storage.join("pki/authorities/local/root.crt");
    let site = storage.join("certificates/local/localhost/localhost.crt");
    wait_until("Caddy's certificate", Duration::from_secs(30), || {
        site.exists() && root.exists()
    })
    .unwrap();

    // Caddy serves before its certificate is loaded: ready once a request through it answers.
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&root).unwrap()).unwrap();
    let http = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = http.get(format!("{public_url}/healthz")).send().await;
        if answer.is_ok_and(|a| a.status().is_success()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Caddy did not pass requests to the server in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Step 6: doctor, trusting Caddy's CA as a machine trusts a public one.
    let mut doctor = server(&state, &config, &["doctor"]);
    doctor.env("SSL_CERT_FILE", &root);
    let checked = process::run(doctor, "");
    assert_eq!(checked.code, 0, "{}\n{}", checked.stdout, checked.stderr);
    for line in [
        "reaches this server",
        "forwards the client's address",
        "agrees with the reverse proxy's",
    ] {
        assert!(checked.stdout.contains(line), "{line}:\n{}", checked.stdout);
    }

    // The owner signs in to the console through the public URL.
    let signed_in = http
        .post(format!("{public_url}/console/api/sign-in"))
        .json(&serde_json::json!({"email": "you@example.com", "password": OWNER_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200, "{:?}", signed_in.text().await);

    // An app activates and validates through the public URL, with the printed public key.
    let db = state.join("keyturn.db").to_string_lossy().into_owned();
    keyturn_testkit::cli(&db, &["product", "create", "--name", "App", "--id", "app"]);
    let policy = keyturn_testkit::cli(
        &db,
        &[
            "policy",
            "create",
            "--product",
            "app",
            "--name",
            "Std",
            "--max-machines",
            "1",
        ],
    );
    let key = keyturn_testkit::cli(&db, &["license", "create", "--policy", policy.trim()]);
    let key = key.trim();
    let activated = http
        .post(format!("{public_url}/v1/activations"))
        .json(&activation_body(key, "readme-device"))
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 201);
    let activated: serde_json::Value = activated.json().await.unwrap();
    let token = activated["token"].as_str().expect("a token");
    let verifying = keyturn_protocol::token::parse_public_key(&public_key).expect("the printed key parses");
    keyturn_protocol::token::verify(token, &verifying).expect("the token verifies with the printed public key");
    let validated: serde_json::Value = http
        .post(format!("{public_url}/v1/validate"))
        .json(&serde_json::json!({"key": key, "fingerprint": "readme-device"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(validated["code"], "VALID", "{validated}");
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}
