//! Seats that free themselves, as the freed computer's user sees it: the license frees a computer
//! unseen for the policy's days when a new one activates, and the old computer's next check says
//! in plain words that its seat went to another computer and that it can activate again.

mod common;

use common::activate_to_dashboard;
use keyturn_e2e::{server, App};

#[tokio::test]
async fn a_computer_whose_seat_went_to_another_after_days_unused_is_told_why() {
    let server = server::start();
    server.set_clock_offset(0).await;
    let key = server.new_license_with(1, &["--release-unseen-days", "30"]);
    let app = App::launch("auto-released", &server, "e2e-auto-released").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        // 31 days later a new laptop activates: the unseen computer's seat goes to it.
        server.set_clock_offset(31 * 86_400).await;
        let (status, body) = server.activate(&key, "the-new-laptop").await;
        assert_eq!(status.as_u16(), 201, "{body}");
        app.click_button("Check now").await?;
        app.find("[data-code=AUTO_RELEASED]").await?;
        let words = app.text("[data-code=AUTO_RELEASED]").await?;
        assert!(
            words.contains("given to another computer") && words.contains("Activate again"),
            "{words}"
        );
        app.screenshot("auto-released").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
