//! A floating license in the app (real WebKit, real server): the key takes a seat instead of an
//! activation and the seat screen says so in plain words; given back, and with every seat taken
//! by others, the full screen says how many seats there are and when the next frees up, and
//! takes the seat by itself once one is given back. Once in English, once in German.

mod common;

use common::enter_key;
use keyturn_e2e::app::{Options, TestResult};
use keyturn_e2e::{server, App, Server};
use serde_json::{json, Value};

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
