#!/usr/bin/env bash
# The offline review of one stack (cmd/review) with its own exit codes: 0 passed (with or without
# warnings), 1 a mandatory violation or a deploy-time problem, 2 bad input (nothing written). `make
# review` runs this, but make itself exits 2 on any failing recipe; pipelines that tell a violation
# from bad input call this script directly.
# Usage: scripts/review.sh STACK [cmd/review flags, e.g. -policy-config policy-config.json]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="${1:?usage: scripts/review.sh STACK [flags]}"
shift
# Built rather than `go run`, which turns every non-zero exit into its own status 1.
go build -C "$root" -o build/bin/review ./cmd/review
exec "$root/build/bin/review" -project "$root" -stack "$stack" "$@"
