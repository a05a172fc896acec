#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit and integration tests of each crate,
# and the end-to-end tests that drive the real app in WebKit (each starts its own Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Formatting first (seconds): the tree stays as rustfmt writes it.
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
else
  echo "[test] rustfmt is not installed: formatting not checked"
fi
bash scripts/build.sh
# The UI: type check (svelte-check) and unit tests (Vitest with Tauri's IPC mocks).
(cd ui && npm run --silent check && npm test --silent)
# No display needed: the E2E harness starts a private Xvfb when DISPLAY is unset.
unset DISPLAY
# What the session around the tests provides (each test's keyring gets private folders anyway;
# printed so a keychain failure in a log can be matched to its environment).
echo "[test] XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-unset} DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS:-unset}" \
  "GNOME_KEYRING_CONTROL=${GNOME_KEYRING_CONTROL:-unset}"
cargo test --workspace --all-targets --locked --no-fail-fast
# The license server's suite once more against PostgreSQL (each test process starts a private
# cluster; tests/replicas.rs always runs on PostgreSQL, in the run above), with the client
# crate's tests against the real server (real_server, session) and one app end-to-end test.
KEYTURN_TEST_STORE=postgres cargo test --workspace --locked --no-fail-fast \
  --test admin_api --test basics --test errors --test paging --test policies --test races \
  --test events --test web --test selfhost --test real_server --test session --test staff_roles --test staff_sessions --test staff_accounts \
  --test staff_hardening --test upgrades --test floating --test rename --test license_list --test webhooks --test webhooks_order --test webhooks_upgrade --test webhooks_backlog --test webhooks_redeliver \
  --test payments --test payment_orders --test payment_merges --test payment_signatures --test payment_stripe_versions \
  --test payment_mail --test mail_queue --test payment_unmatched --test payment_throughput \
  --test hostile_input --test cli_exit_codes
KEYTURN_TEST_STORE=postgres cargo test --locked -p keyturn-e2e --test activation -- --exact \
  pasted_key_activates_this_computer_and_later_runs_open_on_the_dashboard

# Installers: two vendors' .deb and .rpm (release builds), then tests that check them with
# lintian and rpmlint, install both side by side into a scratch dpkg root, upgrade, remove and
# purge one, and read the manual against README. Each vendor's config is compiled into the app
# crate; incremental compilation makes the second vendor's build reuse the first one's work
# (here 30 s instead of 200 s). Vendors' own builds (package.sh alone, bench.sh) stay
# non-incremental.
PACKAGES=$(mktemp -d)
trap 'rm -rf "$PACKAGES"' EXIT
started=$SECONDS
for vendor in tests/package/vendor.json tests/package/vendor-pixelforge.json; do
  CARGO_INCREMENTAL=1 bash scripts/package.sh --config "$vendor" --icon icons/icon.png --out "$PACKAGES" >/dev/null
done
echo "[test] packaging both vendors took $((SECONDS - started)) s"
# The license server's .deb and .rpm (its own release build), checked by package_server.
started=$SECONDS
bash scripts/package-server.sh --out "$PACKAGES" >/dev/null
echo "[test] packaging the server took $((SECONDS - started)) s"
KEYTURN_PACKAGES=$PACKAGES cargo test --workspace --locked --test package_deb --test package_server

# The UI's TypeScript types are generated from Rust by that test run (ts-rs): they must be
# committed fresh.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
  echo "ui/src/lib/bindings is stale: commit the files cargo test regenerated:"
  git status --porcelain -- ui/src/lib/bindings
  exit 1
fi
