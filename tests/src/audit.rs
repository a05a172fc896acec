//! Accessibility audit: axe-core (the npm package the UI lists as a dev dependency, which ships
//! `axe.min.js`) injected into the real WebKit window and run on what it shows now.

use fantoccini::Client;
use std::error::Error;
use std::path::PathBuf;
use std::sync::OnceLock;

/// axe-core's browser build, read once per test binary.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("axe-core not found at {} ({e}): run npm ci in ui/", path.display()))
    })
}

/// The WCAG 2.1 A and AA rules; violations of impact serious or critical are answered as one
/// line each ("rule: help (selector, ...)"), an empty list when there are none.
pub async fn serious_violations(client: &Client) -> Result<Vec<String>, Box<dyn Error>> {
    let loaded = client
        .execute("return typeof window.axe === 'object'", vec![])
        .await?
        .as_bool()
        .unwrap_or(false);
    if !loaded {
        // Injected as a script of the page; axe defines window.axe.
        client
            .execute(&format!("{}\n;return true;", axe_source()), vec![])
            .await?;
    }
    let run = r#"
        const done = arguments[arguments.length - 1];
        window.axe
          .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
          .then((result) => done(result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.impact}): ${v.help} [${v.nodes.map((n) => n.target.join(' ')).join(', ')}]`)))
          .catch((error) => done([`axe failed: ${error}`]));
    "#;
    let answer = client.execute_async(run, vec![]).await?;
    Ok(answer
        .as_array()
        .map(|list| list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default())
}
