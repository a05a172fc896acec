//! The same creation sent many times at once, as a retrying client or a double click does:
//! exactly one is created, every other answer is a refusal with a stable code (never a 5xx
//! from a unique index), and a license's status changes race to one end state.

use crate::probe::{Auth, Probe};
use crate::{fixture, JSON_CT};
use reqwest::Method;
use serde_json::json;

const AT_ONCE: usize = 16;

#[tokio::test(flavor = "multi_thread")]
async fn the_same_creation_at_once_creates_one_and_refuses_the_rest_with_a_code() {
    let (server, key) = fixture().await;
    let probe = Probe::new(&server, &key).await;
    let (_, licenses) = server.admin(Method::GET, "/licenses", None).await;
    let license = licenses[0]["id"].as_str().unwrap().to_string();
    let creations = [
        (
            "a product with one id",
            "/admin/v1/products",
            json!({"name": "Twin", "id": "twin"}),
        ),
        (
            "a staff account with one email",
            "/admin/v1/staff",
            json!({"email": "twin@example.com", "role": "viewer", "password": "correct horse battery staple"}),
        ),
        (
            "an API token with one name",
            "/admin/v1/tokens",
            json!({"name": "twin", "role": "viewer"}),
        ),
    ];
    for (what, path, body) in creations {
        let body = body.to_string().into_bytes();
        let answers = join_all(
            (0..AT_ONCE)
                .map(|_| Box::pin(probe.send(Auth::Admin, "POST", path, &[JSON_CT], Some(body.clone()))))
                .collect(),
        )
        .await;
        let created = answers.iter().filter(|a| a.status.is_success()).count();
        probe.check(created == 1, format!("{what}: {created} of {AT_ONCE} created"));
        for answer in answers.iter().filter(|a| !a.status.is_success()) {
            probe.assert_refused(&format!("{what}, sent {AT_ONCE} times at once"), answer);
        }
    }
    for action in ["suspend", "revoke", "reinstate"] {
        let path = format!("/admin/v1/licenses/{license}/{action}");
        let answers = join_all(
            (0..AT_ONCE)
                .map(|_| Box::pin(probe.send(Auth::Admin, "POST", &path, &[], None)))
                .collect(),
        )
        .await;
        for answer in &answers {
            probe.check(
                answer.status.is_success() || answer.status.is_client_error(),
                format!("{action} at once: {} {}", answer.status, answer.text),
            );
        }
    }
    probe.finish();
}

/// Every future polled at once until all are done (the workspace has no futures crate; one
/// join does not need one).
async fn join_all<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, future) in futures.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match std::pin::Pin::new(future).poll(cx) {
                    std::task::Poll::Ready(out) => outputs[i] = Some(out),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}
