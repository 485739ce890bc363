#!/usr/bin/env bash
# Deploys the `local` stack with the real Pulumi engine and AWS provider against a moto backend of
# its own, serves what was deployed through the emulator's data plane, and runs the smoke tests
# against it. Needs the Pulumi CLI and `make venv`; no AWS account.
# The pull-request workflow runs it; on a workstation: make local-engine
#
# It never touches the environment `make deploy` runs: its servers live in a state directory of
# their own, on COMMENTS_MOTO_PORT / COMMENTS_GATEWAY_PORT (default: free ports), and on exit it
# stops only those.
set -euo pipefail

cd "$(dirname "$0")/.."
python=.venv/bin/python
if ! command -v pulumi >/dev/null 2>&1; then
  echo "error: make local-engine needs the Pulumi CLI (https://www.pulumi.com/docs/install/); make deploy needs none" >&2
  exit 2
fi

work="${RUNNER_TEMP:-$(mktemp -d)}/local-engine"
mkdir -p "$work/state"
export COMMENTS_LOCAL_DIR="$work/environment"
export COMMENTS_MOTO_PORT="${COMMENTS_MOTO_PORT:-0}"
export COMMENTS_GATEWAY_PORT="${COMMENTS_GATEWAY_PORT:-0}"
# The emulator's commands start their servers in the background and return; `down` stops the
# ones recorded in COMMENTS_LOCAL_DIR, which are this script's.
trap '"$python" -m emulator down >/dev/null 2>&1 || true' EXIT

# A file backend of its own and an empty passphrase: the local stack holds no real secret.
export PULUMI_BACKEND_URL="file://$work/state"
export PULUMI_CONFIG_PASSPHRASE=""

echo "::group::moto backend"
"$python" -m emulator up --moto-only
echo "::endgroup::"

echo "::group::pulumi up --stack local"
pulumi stack select --create local
# The stack's config with aws:endpoints aimed at the moto just started (its port may differ from
# the one environments/Pulumi.local.yaml names).
"$python" -m tooling.local_engine_config "$work/Pulumi.local.yaml"
pulumi up --stack local --yes --config-file "$work/Pulumi.local.yaml" \
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
