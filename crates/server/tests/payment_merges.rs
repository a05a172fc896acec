//! Orders merged while other events of them arrive: a Stripe subscription paid by an invoice of
//! the newer shape (naming the subscription and the invoice), refunded through its payment intent
//! (naming the payment intent and the charge), the two linked by `invoice_payment.paid`, while a
//! lost dispute naming only the charge and a cancellation naming only the subscription arrive at
//! the same moment, at two replicas on PostgreSQL. A merge rewrites names that the other events
//! hold: every delivery must still be answered 200 (no deadlock, no 500 for the provider to
//! retry), and each order ends with one license, revoked. Runs on the
//! store under test (`KEYTURN_TEST_STORE=postgres`).

mod payments_common;

use keyturn_testkit::Store;
use payments_common::*;
use serde_json::{json, Value};
use std::sync::Arc;

/// The events of order `i`, each sent twice (Stripe redelivers, and each is another chance
/// for the merge to meet an event holding one of its names).
fn order_events(i: String, end: i64) -> Vec<Value> {
    let (sub, invoice, pi) = (format!("sub_{i}"), format!("in_{i}"), format!("pi_{i}"));
    let paid = json!({"id": format!("evt_in_{i}"), "type": "invoice.paid", "created": now(), "data": {"object": {
        "id": invoice, "object": "invoice", "customer": "cus_ann", "customer_email": "ann@example.com",
        "parent": {"subscription_details": {"subscription": sub}},
        "lines": {"data": [{"period": {"start": end - 30 * DAY, "end": end},
            "pricing": {"price_details": {"price": "price_monthly", "product": "prod_app"}}}]}}}});
    let link = json!({"id": format!("evt_ip_{i}"), "type": "invoice_payment.paid", "created": now(),
        "data": {"object": {"id": format!("inpay_{i}"), "object": "invoice_payment", "invoice": invoice,
            "payment": {"type": "payment_intent", "payment_intent": pi}, "status": "paid"}}});
    let dispute = json!({"id": format!("evt_dp_{i}"), "type": "charge.dispute.closed", "created": now(),
        "data": {"object": {"id": format!("dp_{i}"), "object": "dispute", "charge": format!("ch_{pi}"),
            "payment_intent": null, "status": "lost"}}});
    let cancel = json!({"id": format!("evt_cu_{i}"), "type": "customer.subscription.updated", "created": now(),
        "data": {"object": {"id": sub, "object": "subscription", "status": "active", "cancel_at_period_end": true,
            "items": {"data": [{"current_period_end": end}]}}}});
    let refund = stripe_refund(&format!("evt_re_{i}"), &pi);
    let events = [paid, link, dispute, cancel, refund];
    events.iter().chain(events.iter()).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merges_meeting_other_events_of_their_orders_answer_200_and_end_right() {
    let replicas = if Store::under_test().is_postgres() { 2 } else { 1 };
    let shop = Arc::new(Shop::replicas(replicas, &[]));
    // Rounds of 16 orders: a deadlock, when possible, showed in most rounds.
    const ORDERS: usize = 16;
    const ROUNDS: usize = 3;
    for round in 0..ROUNDS {
        let end = now() + 30 * DAY;
        let events: Vec<Value> = (0..ORDERS)
            .flat_map(|i| order_events(format!("{round}_{i}"), end))
            .collect();
        let kinds: Vec<Value> = events.iter().map(|e| e["type"].clone()).collect();
        let answers = shop.stripe_at_once(events).await;
        let failed: Vec<String> = kinds
            .iter()
            .zip(answers)
            .filter(|(_, (status, _))| *status != reqwest::StatusCode::OK)
            .map(|(kind, (status, answer))| format!("{kind} {status} {answer}"))
            .collect();
        assert!(failed.is_empty(), "round {round}: {} failed: {failed:?}", failed.len());
    }
    let licenses = shop.licenses().await;
    assert_eq!(licenses.len(), ORDERS * ROUNDS);
    for license in &licenses {
        assert_eq!(license["status"], "REVOKED", "{license}");
    }
    // One license per subscription.
    assert_eq!(orders_of(&licenses), ORDERS * ROUNDS);
}
