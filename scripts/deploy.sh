#!/usr/bin/env bash
# Deploys one stack with a local file state backend and passphrase-encrypted secrets: no Pulumi Cloud account needed.
# Usage: scripts/deploy.sh [STACK] [extra `pulumi up` flags...]   (STACK defaults to dev)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stack="${1:-dev}"
shift || true

fail() {
  echo "deploy: $*" >&2
  exit 2
}

# Check everything we can before touching any state, so a missing prerequisite never half-deploys.
if [[ ! -f "Pulumi.${stack}.yaml" ]]; then
  fail "no stack file Pulumi.${stack}.yaml; stacks here: $(ls Pulumi.*.yaml | sed -E 's/^Pulumi\.(.*)\.yaml$/\1/' | tr '\n' ' ')"
fi
command -v pulumi >/dev/null 2>&1 || fail "the Pulumi CLI is not installed: see https://www.pulumi.com/docs/iac/download-install/"
command -v go >/dev/null 2>&1 || fail "Go is not installed (pulumi up compiles the program): see https://go.dev/doc/install"
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+set}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  fail "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts this stack's secrets (private keys, PFX files) in the local state; keep it safe, it cannot be recovered"
fi
if [[ -z "${ARM_SUBSCRIPTION_ID:-}" ]]; then
  if ! command -v az >/dev/null 2>&1 || ! az account show >/dev/null 2>&1; then
    fail "sign in to Azure first: 'az login' then 'az account set --subscription <id>', or set ARM_SUBSCRIPTION_ID and the other ARM_* variables of a service principal"
  fi
fi

# Local file backend; override with PULUMI_BACKEND_URL (e.g. an azblob:// container shared by a team).
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${HOME}/.pulumi-local}"
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
  mkdir -p "${PULUMI_BACKEND_URL#file://}"
fi
echo "deploy: stack ${stack}, state in ${PULUMI_BACKEND_URL}"

pulumi stack select --create "$stack" --secrets-provider passphrase
pulumi up --stack "$stack" "$@"
