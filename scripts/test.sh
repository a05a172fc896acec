#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit and integration tests of each crate,
# and the end-to-end tests that drive the real app in WebKit (each starts its own Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# No display needed: the E2E harness starts a private Xvfb when DISPLAY is unset.
unset DISPLAY
cargo test --workspace --all-targets --locked --no-fail-fast
