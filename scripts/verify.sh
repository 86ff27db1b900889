#!/usr/bin/env bash
# The post-deploy smoke check (cmd/verify) for one stack, against the same state backend as
# deploy.sh. It needs the stack's passphrase (PULUMI_CONFIG_PASSPHRASE) to read the outputs.
# Usage: scripts/verify.sh [STACK] [cmd/verify flags, e.g. -timeout 15m]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stack="${1:-dev}"
shift || true

# shellcheck source=scripts/backend.sh
source "$root/scripts/backend.sh"
go run ./cmd/verify -stack "$stack" "$@"
