//! A floating license in the app (real WebKit, real server): the key takes a seat instead of an
//! activation and the seat screen says so in plain words; given back, and with every seat taken
//! by others, the full screen says how many seats there are and when the next frees up, and
//! takes the seat by itself once one is given back. Once in English, once in German. Closing the
//! window (its close button) or SIGTERM gives the seat back at once, and a later start with the
//! same key takes a seat by itself.

mod common;

use common::enter_key;
use keyturn_e2e::app::{Options, TestResult};
use keyturn_e2e::{server, App, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LEASE_SECS: i64 = 600;

fn floating_license(server: &Server) -> String {
    let lease = LEASE_SECS.to_string();
    server.new_license_with(
        2,
        &["--floating", "--lease-secs", &lease, "--max-borrow-secs", "604800"],
    )
}

/// Another computer takes a seat: its lease.
async fn checkout(server: &Server, key: &str, fp: &str) -> Value {
    let (status, body) = server
        .post(
            "/v1/leases",
            json!({"key": key, "fingerprint": fp, "name": fp, "platform": "linux-x86_64"}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");
    body["lease"].clone()
}

async fn release(server: &Server, key: &str, lease: &Value) {
    let path = format!("/v1/leases/{}/release", lease["id"].as_str().unwrap());
    let (status, body) = server.post(&path, json!({"key": key})).await;
    assert!(status.is_success(), "{body}");
}

/// The time of day as the app shows it in UTC: "2:10 PM" (en) or "14:10" (de).
fn clock(unix: i64, german: bool) -> String {
    let (h, m) = (unix.rem_euclid(86_400) / 3600, unix.rem_euclid(3600) / 60);
    if german {
        format!("{h:02}:{m:02}")
    } else {
        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
        format!("{h12}:{m:02} {}", if h < 12 { "AM" } else { "PM" })
    }
}

/// WebKit's ICU puts a narrow no-break space before AM/PM.
fn plain(text: &str) -> String {
    text.replace(['\u{202f}', '\u{a0}'], " ")
}

fn options(german: bool) -> Options {
    let mut options = Options::default();
    options.env.push(("TZ".into(), "UTC".into()));
    if german {
        for name in ["LANG", "LC_ALL", "LC_MESSAGES"] {
            options.env.push((name.into(), "de_DE.UTF-8".into()));
        }
    }
    options
}

#[tokio::test]
async fn a_floating_key_takes_a_seat_and_waits_for_one_when_all_are_taken() {
    let server = server::start();
    let key = floating_license(&server);
    let app = App::launch_with("floating", &server, "e2e-floating", options(false)).await;
    let result = async {
        enter_key(&app, &key).await?;
        let words = app
            .wait_for_text_where("[data-testid=seat-words]", "the seat in words", |t| {
                t.contains("people can use")
            })
            .await?;
        // The app holds one of the 2 seats: one more fits, a third does not.
        let probe = checkout(&server, &key, "probe").await;
        let (status, body) = server
            .post(
                "/v1/leases",
                json!({"key": key, "fingerprint": "probe-2", "name": "probe-2"}),
            )
            .await;
        assert_eq!(body["code"], "SEATS_IN_USE", "{status} {body}");
        release(&server, &key, &probe).await;
        assert!(
            plain(&words).starts_with("2 people can use E2E Product at once; you have one of the seats until "),
            "{words}"
        );
        app.screenshot("seat-en").await?;

        // Borrowed for a 3-day trip: the return date, and Return now gives it back.
        app.click_button("Borrow for a trip").await?;
        let days = app.find("[data-testid=borrow-days]").await?;
        days.clear().await?;
        days.send_keys("3").await?;
        app.click_button("Borrow the seat").await?;
        let borrowed = app
            .wait_for_text_where("[data-testid=seat-words]", "the borrowed seat", |t| {
                t.contains("borrowed")
            })
            .await?;
        assert!(
            borrowed.starts_with("You borrowed a seat of E2E Product for a trip: it is yours until "),
            "{borrowed}"
        );
        app.screenshot("borrowed-en").await?;
        app.click_button("Return now").await?;
        app.find("[data-testid=seat-given-notice]").await?;
        enter_key(&app, &key).await?;
        app.find("[data-testid=give-back]").await?;

        // Given back: both seats go to others, and the app's key finds them all taken.
        app.click_button("Give the seat back").await?;
        app.find("[data-testid=seat-given-notice]").await?;
        let ann = checkout(&server, &key, "ann").await;
        checkout(&server, &key, "bob").await;
        enter_key(&app, &key).await?;
        let full = app
            .wait_for_text_where("[data-testid=seats-full]", "all seats taken", |t| t.contains("in use"))
            .await?;
        let next = clock(ann["ends_at"].as_i64().unwrap(), false);
        assert_eq!(
            plain(&full),
            format!("All 2 seats are in use right now — the next one frees up at {next}.")
        );
        app.find("[data-testid=seat-waiting]").await?;
        app.screenshot("seats-full-en").await?;

        // Ann gives hers back: the app takes it by itself (it asks again within 15 s).
        release(&server, &key, &ann).await;
        app.wait_for_text_where("[data-testid=seat-words]", "the seat, taken by itself", |t| {
            t.contains("people can use")
        })
        .await?;
        let (_, body) = server
            .post(
                "/v1/leases",
                json!({"key": key, "fingerprint": "carol", "name": "carol"}),
            )
            .await;
        assert_eq!(body["code"], "SEATS_IN_USE", "the app holds a seat again: {body}");

        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn the_seat_screens_speak_german() {
    let server = server::start();
    let key = floating_license(&server);
    let app = App::launch_with("floating-de", &server, "e2e-floating-de", options(true)).await;
    let result: TestResult = async {
        app.click_button("Los geht’s").await?;
        app.find("#license-key").await?.send_keys(&key).await?;
        app.click_button("Aktivieren").await?;
        let words = app
            .wait_for_text_where("[data-testid=seat-words]", "German seat words", |t| {
                t.contains("Personen")
            })
            .await?;
        assert!(
            words.starts_with("2 Personen können E2E Product gleichzeitig nutzen; Sie haben einen der Plätze bis "),
            "{words}"
        );
        app.screenshot("seat-de").await?;
        app.click_button("Platz zurückgeben").await?;
        let ann = checkout(&server, &key, "ann").await;
        checkout(&server, &key, "bob").await;
        app.click_button("Los geht’s").await?;
        app.find("#license-key").await?.send_keys(&key).await?;
        app.click_button("Aktivieren").await?;
        let full = app
            .wait_for_text_where("[data-testid=seats-full]", "German full words", |t| {
                t.contains("belegt")
            })
            .await?;
        let next = clock(ann["ends_at"].as_i64().unwrap(), true);
        assert_eq!(
            plain(&full),
            format!("Alle 2 Plätze sind gerade belegt — der nächste wird um {next} frei.")
        );
        app.screenshot("seats-full-de").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

/// How long the server may take to see a seat given back by an app that has ended.
const RELEASE_DEADLINE: Duration = Duration::from_secs(10);

/// Whether another computer can take a seat now (it gives the seat back at once if so).
async fn seat_free_for(server: &Server, key: &str, fp: &str) -> bool {
    let (status, body) = server
        .post("/v1/leases", json!({"key": key, "fingerprint": fp, "name": fp}))
        .await;
    if status.as_u16() == 201 {
        release(server, key, &body["lease"]).await;
        return true;
    }
    assert_eq!(body["code"], "SEATS_IN_USE", "{status} {body}");
    false
}

/// Polls the server until the only seat is free again, within [`RELEASE_DEADLINE`]; well
/// inside the lease (600 s), so a seat that only lapsed fails this.
async fn seat_given_back(server: &Server, key: &str) -> TestResult {
    let end = Instant::now() + RELEASE_DEADLINE;
    while !seat_free_for(server, key, "other").await {
        if Instant::now() >= end {
            return Err(format!("the app's seat was still taken {RELEASE_DEADLINE:?} after the app ended").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Fails the test (screenshot and logs saved) unless `result` is Ok; else hands the app on.
async fn go_on(app: App, server: &Server, result: TestResult) -> App {
    if result.is_err() {
        app.finish(result, server).await;
        unreachable!("finish panics on a failure");
    }
    app
}

#[tokio::test]
async fn closing_the_app_gives_the_seat_back_and_a_later_start_takes_one_by_itself() {
    let server = server::start();
    let key = server.new_license_with(1, &["--floating", "--lease-secs", &LEASE_SECS.to_string()]);
    let fp = "e2e-floating-close";
    let app = App::launch_with("floating-close", &server, fp, options(false)).await;
    let result = async {
        enter_key(&app, &key).await?;
        app.wait_for_text_where("[data-testid=seat-words]", "the seat", |t| {
            t.contains("can use E2E Product")
        })
        .await?;
        // The step bar shows the seat as the wizard's last step.
        app.wait_for_text("ol.steps [aria-current=step]", "Activated").await?;
        app.screenshot("seat-steps-en").await?;
        assert!(
            !seat_free_for(&server, &key, "other").await,
            "the app holds the only seat"
        );
        // Its close button, as a person closes it: the app ends and the seat is free again.
        app.close_window()?;
        app.wait_for_app_to_end()?;
        seat_given_back(&server, &key).await
    }
    .await;
    let app = go_on(app, &server, result).await;

    // A later start with the same state: the seat screen by itself, not Welcome.
    let app = app.relaunch(&server, fp).await;
    let result = async {
        app.wait_for_text_where("[data-testid=seat-words]", "the seat taken on start", |t| {
            t.contains("can use E2E Product")
        })
        .await?;
        app.screenshot("seat-on-start-en").await?;
        assert!(
            !seat_free_for(&server, &key, "other").await,
            "the app took the only seat"
        );
        // Logging out (SIGTERM) gives it back too.
        app.terminate()?;
        app.wait_for_app_to_end()?;
        seat_given_back(&server, &key).await
    }
    .await;
    let app = go_on(app, &server, result).await;

    // Started while another computer holds the only seat: the full screen, and the seat is
    // taken by itself once the other gives it back.
    let other = checkout(&server, &key, "other").await;
    let app = app.relaunch(&server, fp).await;
    let result = async {
        app.wait_for_text_where("[data-testid=seats-full]", "all seats taken on start", |t| {
            t.contains("in use")
        })
        .await?;
        app.find("[data-testid=seat-waiting]").await?;
        app.screenshot("seats-full-on-start-en").await?;
        release(&server, &key, &other).await;
        app.wait_for_text_where("[data-testid=seat-words]", "the seat, taken by itself", |t| {
            t.contains("can use E2E Product")
        })
        .await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
