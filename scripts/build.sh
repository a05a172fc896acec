#!/usr/bin/env bash
# Builds the UI (the app embeds ui/dist) and then the whole workspace in ONE cargo command line,
# so features are unified once and nothing is rebuilt between building and testing.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ui && npm run --silent build -- --logLevel warn)
cargo build --workspace --all-targets --locked
