//! Every seat is taken: the user frees one from the app and the activation finishes by itself.

mod common;

use common::enter_key;
use keyturn_e2e::{server, App};

#[tokio::test]
async fn limit_reached_remove_a_device_then_activated() {
    let server = server::start();
    let key = server.new_license(1);
    let office = server
        .activate_other_device(&key, "office-pc-fingerprint", "Office PC")
        .await;
    let app = App::launch("seat-limit", &server, "e2e-laptop").await;
    let result = async {
        enter_key(&app, &key).await?;
        let title = app.text("[data-testid=limit-title]").await?;
        assert!(title.contains("1 of 1"), "limit title was: {title}");
        let row = app
            .find(&format!("[data-testid=machine-row][data-machine-id='{office}']"))
            .await?;
        assert!(row.text().await?.contains("Office PC"));
        app.screenshot("limit").await?;
        row.find(fantoccini::Locator::XPath(".//button[normalize-space(.)='Remove']"))
            .await?
            .click()
            .await?;
        app.find("[data-testid=confirm-remove]").await?;
        app.screenshot("confirm-remove").await?;
        app.find("[data-testid=confirm-remove]").await?.click().await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        assert_eq!(app.text("[data-testid=seats]").await?, "Seats used 1 of 1");
        app.screenshot("activated-after-removal").await?;
        let machines = server.machines(&key).await;
        assert_eq!(machines.len(), 1, "exactly one seat is taken: {machines:?}");
        assert_ne!(machines[0]["id"], office.as_str(), "the office PC was freed");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
