//! Every page of the support console in English, German, French and Spanish, in real chromium against a real
//! server: sign-in, search (with the webhooks section open), a license with machines, all
//! licenses, staff, API tokens, activity and my account. axe-core finds no serious or critical
//! violation on any of them; each page speaks the chosen language; every error code the console
//! meets has plain words; the staff pages work by keyboard alone (add an agent, a weak password
//! refused in German words, the agent's row appears; a token created and shown once).

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::server::{OWNER_EMAIL, OWNER_PASSWORD};
use keyturn_e2e::{server, Browser, Server};
use serde_json::Value;

const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

/// The codes the console's pages can meet from its API (and OFFLINE, its own).
const CONSOLE_CODES: &[&str] = &[
    "UNAUTHORIZED",
    "RATE_LIMITED",
    "NOT_FOUND",
    "BAD_REQUEST",
    "OFFLINE",
    "INTERNAL",
    "FORBIDDEN",
    "WEAK_PASSWORD",
    "INVALID_EMAIL",
    "UNKNOWN_ROLE",
    "ALREADY_EXISTS",
    "TOTP_REQUIRED",
    "LAST_OWNER",
    "CANNOT_CHANGE_SELF",
    "SEATS_IN_USE",
    "LEASE_NOT_FOUND",
    "NOT_FLOATING",
    "ACTIVATION_NOT_FOUND",
    "INVALID_FINGERPRINT",
    "FINGERPRINT_BLOCKED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "ROUTE_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "TIMEOUT",
    "INVALID_DEVICE_NAME",
    "MAIL_KEY_GONE",
];

async fn audit(b: &Browser, name: &str) -> TestResult {
    b.screenshot(name).await?;
    let violations = serious_violations(&b.client).await?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(format!("accessibility ({name}): {}", violations.join("\n")).into())
    }
}

/// Picks a language in the header's switch (as a person does with the list; typing into a
/// select is unreliable for options that share a first letter).
async fn choose_language(b: &Browser, code: &str) -> TestResult {
    let script = format!(
        "const s = document.querySelector('#language'); s.value = {code:?}; s.dispatchEvent(new Event('change')); return s.value"
    );
    let chosen = b.client.execute(&script, vec![]).await?;
    assert_eq!(chosen, code);
    Ok(())
}

async fn keys(b: &Browser, keys: &str) -> TestResult {
    b.client.active_element().await?.send_keys(keys).await?;
    Ok(())
}

/// Tabs forward until the focused element matches `css` (at most 60 stops).
async fn tab_to(b: &Browser, css: &str) -> TestResult {
    for _ in 0..60 {
        let script = format!("return document.activeElement?.matches({css:?}) === true");
        if b.client.execute(&script, vec![]).await?.as_bool() == Some(true) {
            return Ok(());
        }
        keys(b, TAB).await?;
    }
    Err(format!("Tab never reached {css}").into())
}

#[tokio::test]
async fn every_console_page_in_four_languages_passes_axe_and_staff_pages_by_keyboard() {
    let server = server::start();
    server::add_owner(&server);
    let policy = server.new_policy(3, &[]);
    let created: Value = serde_json::from_str(&server.license_with(
        &policy,
        &[
            "--owner-name",
            "Ann Example",
            "--owner-email",
            "ann@example.com",
            "--json",
        ],
    ))
    .unwrap();
    let license = created["id"].as_str().unwrap().to_string();
    server
        .activate_other_device(created["key"].as_str().unwrap(), "fp-laptop", "Laptop")
        .await;
    let browser = Browser::launch("console-i18n").await;
    let result = walk(&browser, &server, &license).await;
    browser.finish(result, &server.logs()).await;
}

/// Goes to `hash` and waits until `css` shows exactly `text`.
async fn page(b: &Browser, hash: &str, css: &str, text: &str) -> TestResult {
    b.client.execute(&format!("location.hash = {hash:?}"), vec![]).await?;
    b.wait_visible(css).await?;
    b.wait_for_text(css, text, |t| t == text).await.map(drop)
}

const LANGUAGES: [&str; 4] = ["en", "de", "fr", "es"];
const ALL_LICENSES: [&str; 4] = [
    "All licenses",
    "Alle Lizenzen",
    "Toutes les licences",
    "Todas las licencias",
];

async fn walk(b: &Browser, server: &Server, license: &str) -> TestResult {
    b.goto(&format!("{}/console", server.url)).await?;
    b.wait_visible("#sign-in-view").await?;
    audit(b, "sign-in-en").await?;

    // German before signing in: the sign-in page speaks it.
    choose_language(b, "de").await?;
    b.wait_for_text("#sign-in-heading", "Anmelden", |t| t == "Anmelden")
        .await?;
    assert_eq!(
        b.client.execute("return document.documentElement.lang", vec![]).await?,
        "de"
    );
    audit(b, "sign-in-de").await?;
    choose_language(b, "en").await?;
    b.wait_for_text("#sign-in-heading", "Sign in", |t| t == "Sign in")
        .await?;

    b.fill("#email", OWNER_EMAIL).await?;
    b.fill("#password", OWNER_PASSWORD).await?;
    b.click("#staff-sign-in-button").await?;
    b.wait_visible("#search-view").await?;

    // (page, hash, heading, its words in English, German, French, Spanish)
    let license_hash = format!("#license/{license}");
    let pages = [
        (
            "search",
            "#",
            "#search-heading",
            [
                "Find a customer",
                "Kunden finden",
                "Trouver un client",
                "Buscar un cliente",
            ],
        ),
        (
            "license",
            license_hash.as_str(),
            "#license-title",
            ["License", "Lizenz", "Licence", "Licencia"],
        ),
        ("licenses", "#licenses", "#licenses-heading", ALL_LICENSES),
        (
            "staff",
            "#staff",
            "#staff-heading",
            ["Staff", "Team", "Équipe", "Equipo"],
        ),
        (
            "tokens",
            "#tokens",
            "#tokens-heading",
            ["API tokens", "API-Tokens", "Jetons d’API", "Tokens de API"],
        ),
        (
            "activity",
            "#activity",
            "#activity-heading",
            ["Activity", "Aktivität", "Activité", "Actividad"],
        ),
        (
            "account",
            "#account",
            "#account-heading",
            ["My account", "Mein Konto", "Mon compte", "Mi cuenta"],
        ),
    ];
    for (i, lang) in LANGUAGES.into_iter().enumerate() {
        choose_language(b, lang).await?;
        for (name, hash, css, words) in pages {
            let text = words[i];
            match name {
                "license" => {
                    b.client.execute(&format!("location.hash = {hash:?}"), vec![]).await?;
                    b.wait_for_text(css, text, |t| t.starts_with(text)).await?;
                    let status = ["Active", "Aktiv", "Active", "Activa"][i];
                    b.wait_for_text("#license-status", status, |t| t == status).await?;
                }
                "search" => {
                    // From another page, so that the hash changes; the webhooks section open.
                    page(b, "#licenses", "#licenses-heading", ALL_LICENSES[i]).await?;
                    page(b, hash, css, text).await?;
                    b.client
                        .execute(
                            "document.querySelector('#webhooks').open = true; document.querySelector('#mail-queue').open = true; return true",
                            vec![],
                        )
                        .await?;
                    b.wait_visible("#webhook-form").await?;
                    b.wait_visible("#mail-table").await?;
                }
                _ => page(b, hash, css, text).await?,
            }
            audit(b, &format!("{name}-{lang}")).await?;
        }
    }

    // Every code the console meets has plain words and a next step (in English; missingKeys()
    // checks the other languages have the same ones).
    let codes = serde_json::to_value(CONSOLE_CODES)?;
    let missing = b
        .client
        .execute_async(
            "const [codes, done] = arguments; import('/console/words_en.js').then((m) => \
             done(codes.filter((c) => !(Array.isArray(m.default.errors[c]) && m.default.errors[c].length === 2))));",
            vec![codes],
        )
        .await?;
    assert_eq!(missing, serde_json::json!([]), "codes without plain words");
    let missing = b
        .client
        .execute_async(
            "const done = arguments[0]; import('/console/i18n.js').then((m) => done(m.missingKeys()));",
            vec![],
        )
        .await?;
    assert_eq!(missing, serde_json::json!([]), "every language has every word");

    // The staff page by keyboard alone, in German: a weak password is refused in German words
    // (focus stays in the form), a good one adds the agent.
    choose_language(b, "de").await?;
    page(b, "#", "#search-heading", "Kunden finden").await?;
    b.client
        .execute("document.activeElement.blur(); return true", vec![])
        .await?;
    tab_to(b, "#nav-staff").await?;
    keys(b, ENTER).await?;
    b.wait_visible("#staff-view").await?;
    tab_to(b, "#new-staff-email").await?;
    keys(b, "kai@acme.com").await?;
    tab_to(b, "#new-staff-password").await?;
    keys(b, &format!("kurz{ENTER}")).await?;
    b.wait_for_text("#error", "WEAK_PASSWORD in German", |t| {
        t.contains("Wählen Sie ein längeres Passwort") && t.contains("WEAK_PASSWORD")
    })
    .await?;
    audit(b, "staff-error-de").await?;
    b.client
        .execute("document.querySelector('#new-staff-password').focus()", vec![])
        .await?;
    b.client
        .execute("document.querySelector('#new-staff-password').value = ''", vec![])
        .await?;
    keys(b, "green lamps hum all night").await?;
    keys(b, ENTER).await?;
    b.wait_for_text("#status", "added in German", |t| {
        t.contains("kai@acme.com als Support hinzugefügt")
    })
    .await?;
    let row = b
        .find("#staff-table tr[data-email='kai@acme.com']")
        .await?
        .text()
        .await?;
    assert!(row.contains("Support") && row.contains("aktiv"), "{row}");
    audit(b, "staff-added-de").await?;

    // API tokens by keyboard: the header link, the name, Enter; the token is shown once.
    b.client
        .execute("document.activeElement.blur(); return true", vec![])
        .await?;
    tab_to(b, "#nav-tokens").await?;
    keys(b, ENTER).await?;
    b.wait_visible("#tokens-view").await?;
    tab_to(b, "#token-name").await?;
    keys(b, &format!("shop-backend{ENTER}")).await?;
    b.wait_for_text("#status", "created in German", |t| t == "shop-backend erstellt.")
        .await?;
    let token = b.find("#new-token-text").await?.text().await?;
    assert!(!token.is_empty(), "the new token is shown");
    let row = b
        .find("#tokens-table tr[data-name='shop-backend']")
        .await?
        .text()
        .await?;
    assert!(
        row.contains("Nur lesen") && row.contains("Alle Produkte") && row.contains("noch nicht"),
        "{row}"
    );
    audit(b, "tokens-added-de").await?;
    Ok(())
}
