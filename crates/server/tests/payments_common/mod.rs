//! What the payment tests share beside the test kit's shop ([`keyturn_testkit::shop`]: a product,
//! a policy the test prices map to, one server or replicas, events signed with each provider's
//! documented scheme): Stripe events in the shapes the tests send.
#![allow(dead_code)]

#[allow(unused_imports)] // each test file uses some
pub use keyturn_testkit::shop::{
    hex_hmac, paddle_header, stripe_header, unix_now as now, Shop, PADDLE_SECRET as PADDLE, STRIPE_SECRET as STRIPE,
};
use serde_json::{json, Value};

pub const DAY: i64 = 86_400;
pub const GRACE: i64 = 3 * DAY;

pub fn stripe_invoice(event_id: &str, sub: &str, pi: &str, price: &str, period_end: i64) -> Value {
    json!({
        "id": event_id, "object": "event", "type": "invoice.paid", "created": now(),
        "data": {"object": {
            "id": format!("in_{event_id}"), "object": "invoice", "customer": "cus_ann",
            "customer_email": "ann@example.com", "customer_name": "Ann Buyer",
            "subscription": sub, "payment_intent": pi, "billing_reason": "subscription_cycle",
            "lines": {"object": "list", "data": [{"id": "il_1", "period": {"start": period_end - 30 * DAY, "end": period_end},
                "price": {"id": price, "object": "price", "product": "prod_app"}}]}
        }}
    })
}

/// A completed Checkout session (Stripe's documented shape; no line items, as sent by default).
pub fn stripe_checkout(event_id: &str, session: &str, mode: &str, paid_by: &str, extra: Value) -> Value {
    let mut object = json!({
        "id": session, "object": "checkout.session", "mode": mode, "status": "complete",
        "payment_status": "paid", "created": now(), "customer": "cus_bob",
        "customer_details": {"email": "bob@example.com", "name": "Bob Buyer"},
        "metadata": {}, "payment_link": "plink_shop", "invoice": null,
        "payment_intent": null, "subscription": null,
    });
    let field = if mode == "subscription" {
        "subscription"
    } else {
        "payment_intent"
    };
    object[field] = json!(paid_by);
    if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    json!({"id": event_id, "object": "event", "type": "checkout.session.completed", "created": now(),
        "data": {"object": object}})
}

/// `charge.refunded` of a payment intent, in full.
pub fn stripe_refund(event_id: &str, pi: &str) -> Value {
    json!({"id": event_id, "object": "event", "type": "charge.refunded", "created": now(),
        "data": {"object": {"id": format!("ch_{pi}"), "object": "charge", "payment_intent": pi,
            "amount": 1900, "amount_refunded": 1900, "refunded": true}}})
}

/// `charge.dispute.closed` of a payment intent's charge.
pub fn stripe_dispute(event_id: &str, pi: &str, status: &str) -> Value {
    json!({"id": event_id, "object": "event", "type": "charge.dispute.closed", "created": now(),
        "data": {"object": {"id": format!("dp_{event_id}"), "object": "dispute", "charge": format!("ch_{pi}"),
            "payment_intent": pi, "status": status}}})
}

/// How many different orders (`metadata.payment`) these licenses were made for.
pub fn orders_of(licenses: &[Value]) -> usize {
    let mut orders: Vec<&str> = licenses
        .iter()
        .map(|l| l["metadata"]["payment"].as_str().expect("a payment's license"))
        .collect();
    orders.sort();
    orders.dedup();
    orders.len()
}

// Stripe's shapes since API version 2025-03-31 ("basil").

/// `invoice.paid` of the newer shape: subscription under `parent`, price under `pricing`, no
/// payment intent, no charge, no `payments` (not expanded).
pub fn basil_invoice(event_id: &str, invoice: &str, sub: &str, period_end: i64) -> Value {
    json!({"id": event_id, "object": "event", "api_version": "2025-03-31.basil", "type": "invoice.paid",
        "created": now(), "data": {"object": {
            "id": invoice, "object": "invoice", "customer": "cus_ann", "customer_email": "ann@example.com",
            "customer_name": "Ann Buyer", "billing_reason": "subscription_create", "status": "paid",
            "parent": {"type": "subscription_details", "quote_details": null,
                "subscription_details": {"metadata": {}, "subscription": sub}},
            "lines": {"object": "list", "data": [{"id": "il_1", "object": "line_item",
                "period": {"start": period_end - 30 * DAY, "end": period_end},
                "pricing": {"type": "price_details", "price_details": {"price": "price_monthly", "product": "prod_app"}}}]}}}})
}

/// `invoice_payment.paid`: the Invoice Payment linking `invoice` and its payment intent.
pub fn invoice_payment_paid(event_id: &str, invoice: &str, pi: &str) -> Value {
    json!({"id": event_id, "object": "event", "api_version": "2025-03-31.basil", "type": "invoice_payment.paid",
        "created": now(), "data": {"object": {
            "id": format!("inpay_{invoice}"), "object": "invoice_payment", "amount_paid": 1900,
            "amount_requested": 1900, "created": now(), "currency": "eur", "invoice": invoice,
            "is_default": true, "livemode": false, "payment": {"type": "payment_intent", "payment_intent": pi},
            "status": "paid", "status_transitions": {"canceled_at": null, "paid_at": now()}}}})
}

/// `charge.refunded` of the newer shape: the charge names its payment intent, no invoice.
pub fn basil_refund(event_id: &str, pi: &str) -> Value {
    let mut refund = stripe_refund(event_id, pi);
    refund["api_version"] = json!("2025-03-31.basil");
    refund
}
