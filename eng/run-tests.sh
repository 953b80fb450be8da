#!/usr/bin/env bash
# The README's test command (./edgecommerce test; .ci/run calls exactly that).
# Installs what the tests need when it is missing, builds once, runs every test project and
# prints a last line "N passed, N failed".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Workstation GC: with 2 cores, many test hosts with server GC each fight over the same CPUs.
export DOTNET_gcServer=0

# shellcheck source=eng/packages.sh
source "$ROOT/eng/packages.sh"

# What the tests need beyond the .NET SDK (Debian packages):
#   postgresql  the server binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) and client tools
#               (pg_dump, pg_restore). The tests start their own throwaway server on a free port
#               (tests/EdgeCommerce.Tests.Common/PostgresServer.cs); the packaged cluster is not used.
#   chromium    headless browser for the dashboard check (tests/EdgeCommerce.FunctionalTests/Observability).
ensure_packages postgresql chromium

# Node with npm (nodesource's nodejs bundles npm; Debian's splits it into its own package) and the
# npm packages of the README's webhook receiver (docs/examples/webhook-receiver), which
# tests/EdgeCommerce.FunctionalTests/Webhooks/NodeReceiverTests.cs runs against a real origin.
# Offline, the install fails and that test is skipped saying so; the rest still runs.
command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
RECEIVER="$ROOT/docs/examples/webhook-receiver"
if [[ ! -d "$RECEIVER/node_modules/standardwebhooks" ]] && command -v npm >/dev/null 2>&1; then
  (cd "$RECEIVER" && npm ci --no-audit --no-fund --prefer-offline >&2) \
    || echo "edgecommerce: could not install the webhook receiver's npm packages (offline?); its test will be skipped" >&2
fi

CONFIGURATION="${EDGECOMMERCE_TEST_CONFIGURATION:-Release}"
LOG_DIR="$ROOT/artifacts/test-results"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/dotnet-test.log"

if ! dotnet build EdgeCommerce.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test --solution EdgeCommerce.sln -c "$CONFIGURATION" --no-build --no-progress \
  --results-directory "$LOG_DIR" "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

passed=$(grep -a -E '^\s+succeeded: [0-9]+' "$LOG" | tail -1 | grep -oE '[0-9]+' || true)
failed=$(grep -a -E '^\s+failed: [0-9]+' "$LOG" | tail -1 | grep -oE '[0-9]+' || true)
passed=${passed:-0}
failed=${failed:-0}
if [[ $failed -gt 0 ]]; then
  # The failures again, at the end: a CI log is often read from its tail, and each failed test's
  # captured output can run to thousands of lines after its name.
  echo "Failed tests (name and the start of the failure; the whole report is above and in $LOG):"
  awk '/^failed / { shown = 12 } shown > 0 { if ($0 ~ /^  (Standard|Error) output/) shown = 0; else { print substr($0, 1, 400); shown-- } }' "$LOG"
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  # The run broke before reporting a failure (crash, timeout): never report it as green.
  failed=1
fi
echo "$passed passed, $failed failed"
exit $status
