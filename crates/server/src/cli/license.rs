//! `keyturn-server license …` and `fingerprint …`: the admin commands that change licenses, each
//! through the store's rules and recorded in the event log with the actor `cli`.

use super::args::{LicenseArg, LicenseCmd};
use super::session::{describe, logged, print_json, with_existing_store, with_store, CLI};
use crate::domain::admin::{Extend, LicenseView, NewLicense};
use crate::domain::page::Page;
use crate::events::{self, Event};
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::LicenseKey;

pub fn run(cmd: LicenseCmd, now: i64) -> Result<(), String> {
    match cmd {
        LicenseCmd::Create {
            db,
            policy,
            owner_name,
            owner_email,
            entitlements,
            metadata,
            expires_at,
            json,
        } => {
            let new = NewLicense {
                policy_id: policy,
                owner_name,
                owner_email,
                entitlements,
                metadata: metadata.into_iter().collect(),
                expires_at,
            };
            let (license, key) = with_store(&db, |s| async move {
                let describe = move |(license, _): &(LicenseView, LicenseKey)| {
                    Event::new(now, "create_license", CLI).license(&license.license.id)
                };
                logged(&s, describe, s.create_license(now, new)).await
            })?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"id": license.license.id, "key": key.to_string()})
                );
            } else {
                println!("{key}");
            }
            Ok(())
        }
        LicenseCmd::List { db, product } => {
            print_json(&with_existing_store(
                &db,
                |s| async move { s.licenses(now, product).await },
            )?)
        }
        LicenseCmd::Show(a) => print_json(&with_existing_store(&a.db, |s| async move {
            s.license(now, a.license).await
        })?),
        LicenseCmd::Suspend(a) => set_status(a, LicenseStatus::Suspended, now),
        LicenseCmd::Reinstate(a) => set_status(a, LicenseStatus::Active, now),
        LicenseCmd::Revoke(a) => set_status(a, LicenseStatus::Revoked, now),
        LicenseCmd::Extend {
            license: a,
            secs,
            expires_at,
            never,
        } => {
            let how = Extend {
                secs,
                expires_at,
                never,
            };
            let view = with_store(&a.db, |s| async move {
                let describe = move |view: &LicenseView| {
                    let detail = events::expiry_detail(view.license.expires_at);
                    Event::new(now, "extend", CLI).license(&view.license.id).detail(detail)
                };
                logged(&s, describe, s.extend(now, a.license, how)).await
            })?;
            let expiry = view.license.expires_at;
            println!("{}", expiry.map_or_else(|| "never".to_string(), |e| e.to_string()));
            Ok(())
        }
        LicenseCmd::Reset(a) => {
            let n = with_store(&a.db, |s| async move {
                let id = s.license(now, a.license).await?.license.id;
                let event = Event::new(now, "reset", CLI).license(&id);
                let describe = move |n: &usize| event.detail(format!("{n} machines removed"));
                logged(&s, describe, s.reset(id)).await
            })?;
            println!("{n}");
            Ok(())
        }
        LicenseCmd::Machines {
            license: a,
            limit,
            after,
        } => {
            let page = Page::parse(limit, after.as_deref()).map_err(describe)?;
            print_json(&with_existing_store(&a.db, |s| async move {
                s.license_machines(a.license, page).await
            })?)
        }
        LicenseCmd::RemoveMachine { license: a, machine } => with_store(&a.db, |s| async move {
            let id = s.license(now, a.license).await?.license.id;
            let event = Event::new(now, "remove_machine", CLI).license(&id).activation(&machine);
            logged(&s, move |_: &()| event, s.remove_machine(id, machine)).await
        }),
    }
}

fn set_status(a: LicenseArg, status: LicenseStatus, now: i64) -> Result<(), String> {
    let action = match status {
        LicenseStatus::Active => "reinstate",
        LicenseStatus::Suspended => "suspend",
        LicenseStatus::Revoked => "revoke",
    };
    let view = with_store(&a.db, |s| async move {
        let describe = move |view: &LicenseView| Event::new(now, action, CLI).license(&view.license.id);
        logged(&s, describe, s.set_status(now, a.license, status)).await
    })?;
    println!("{} {}", view.license.id, crate::domain::model::status_str(status));
    Ok(())
}
