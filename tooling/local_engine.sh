#!/usr/bin/env bash
# Deploys the `local` stack with the real Pulumi engine and AWS provider against the local
# environment's moto backend, serves what was deployed through the emulator's data plane, and
# runs the smoke tests against it. Needs the Pulumi CLI and `make venv`; no AWS account.
# The pull-request workflow runs it; on a workstation: tooling/local_engine.sh
set -euo pipefail

cd "$(dirname "$0")/.."
work="${RUNNER_TEMP:-$(mktemp -d)}/local-engine"
mkdir -p "$work"
python=.venv/bin/python
# The emulator's commands start their servers in the background and return; `down` stops them.
trap '"$python" -m emulator down >/dev/null 2>&1 || true' EXIT

# A file backend of its own and an empty passphrase: the local stack holds no real secret.
export PULUMI_BACKEND_URL="file://$work/state"
export PULUMI_CONFIG_PASSPHRASE=""
mkdir -p "$work/state"

echo "::group::moto backend"
"$python" -m emulator up --moto-only
echo "::endgroup::"

echo "::group::pulumi up --stack local"
pulumi stack select --create local
pulumi up --stack local --yes \
  --policy-pack policy --policy-pack-config policy/config/local.json
pulumi stack export --stack local --file "$work/local-state.json"
echo "::endgroup::"

echo "::group::data plane"
# It prints the base URL (invoke URL of the deployed stage) as its last line.
base_url="$("$python" -m emulator gateway-from-state "$work/local-state.json" | tail -n 1)"
case "$base_url" in
  http://* | https://*) echo "data plane at $base_url" ;;
  *)
    echo "local-engine: expected a base URL from gateway-from-state, got '$base_url'" >&2
    exit 1
    ;;
esac
echo "::endgroup::"

make smoke ENV=local SMOKE_BASE_URL="$base_url"
