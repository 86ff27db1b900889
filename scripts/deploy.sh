#!/usr/bin/env bash
# Deploys one stack and proves a request crosses every hop, the same way on the first run and every
# later one (README, Reaching the private API server):
#   1. `pulumi up` of the Azure layer: the in-cluster layer is excluded (--exclude of its provider with
#      --exclude-dependents), so nothing runs against the cluster and nothing in it changes;
#   2. a tunnel through the stack's Azure Bastion to the private API server on localhost, then
#      `pulumi up` of the whole program, whose Kubernetes provider goes through the tunnel; the tunnel
#      closes when this script ends, however it ends;
#   3. scripts/verify.sh: one request through Application Gateway, API Management and the ingress.
# State stays in a local file backend with passphrase-encrypted secrets: no Pulumi Cloud account.
# Usage: scripts/deploy.sh [STACK] [extra `pulumi up` flags, given to both runs, e.g. --yes]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stack="${1:-dev}"
shift || true

# The local end of the tunnel; the program puts it in the provider's kubeconfig.
tunnel_port="${APIPLATFORM_API_SERVER_TUNNEL_PORT:-16443}"
# --exclude needs 3.158.0; 3.188.0 fixed how it selects resources.
minimum_pulumi=3.188.0
# The bastion extension serves concurrent connections from 1.0.1 on (its HISTORY.rst); before, one
# connection at a time, and the Kubernetes provider opens several.
minimum_bastion_extension=1.0.1

fail() {
  echo "deploy: $*" >&2
  exit 2
}

version_at_least() { # version_at_least 3.190.1 3.188.0
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -t. -k1,1n -k2,2n -k3,3n | head -1)" == "$2" ]]
}

listening() { # listening PORT: something accepts TCP connections on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Check everything we can before touching any state, so a missing prerequisite never half-deploys.
if [[ ! -f "Pulumi.${stack}.yaml" ]]; then
  fail "no stack file Pulumi.${stack}.yaml; stacks here: $(ls Pulumi.*.yaml | sed -E 's/^Pulumi\.(.*)\.yaml$/\1/' | tr '\n' ' ')"
fi
command -v pulumi >/dev/null 2>&1 || fail "the Pulumi CLI is not installed: see https://www.pulumi.com/docs/iac/download-install/"
pulumi_version="$(pulumi version | sed 's/^v//')"
version_at_least "$pulumi_version" "$minimum_pulumi" ||
  fail "the Pulumi CLI is ${pulumi_version}; ${minimum_pulumi} or newer is needed (pulumi up --exclude): see https://www.pulumi.com/docs/iac/download-install/"
command -v go >/dev/null 2>&1 || fail "Go is not installed (pulumi up compiles the program): see https://go.dev/doc/install"
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+set}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  fail "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts this stack's secrets (private keys, PFX files) in the local state; keep it safe, it cannot be recovered"
fi
# The Azure CLI opens the Bastion tunnel and signs kubelogin in (kubernetes.loginMethod azurecli), so
# it must be signed in even when ARM_* variables sign the Azure provider in.
command -v az >/dev/null 2>&1 || fail "the Azure CLI is not installed (it opens the Bastion tunnel to the private API server): see https://learn.microsoft.com/cli/azure/install-azure-cli"
az account show >/dev/null 2>&1 ||
  fail "sign in to Azure first: 'az login' then 'az account set --subscription <id>' (a service principal: az login --service-principal)"
# A cached account is not a sign-in: its refresh token may have expired or been revoked. Asking for an
# Azure Resource Manager token is what every later step does, so ask now (for ARM_SUBSCRIPTION_ID's
# subscription when the provider is told to use it).
subscription_flag=()
[[ -n "${ARM_SUBSCRIPTION_ID:-}" ]] && subscription_flag=(--subscription "$ARM_SUBSCRIPTION_ID")
if ! token_error="$(az account get-access-token --resource https://management.azure.com/ "${subscription_flag[@]}" --output none 2>&1)"; then
  fail "the Azure CLI is signed in but cannot get a token for Azure Resource Manager ($(printf '%s' "$token_error" | head -1)): run 'az login' again${ARM_SUBSCRIPTION_ID:+, with access to subscription $ARM_SUBSCRIPTION_ID}"
fi
if ! command -v kubelogin >/dev/null 2>&1; then
  # The Kubernetes provider signs in with kubelogin: install it (with kubectl) for this user only.
  tools="${XDG_DATA_HOME:-$HOME/.local/share}/apiplatform/bin"
  echo "deploy: installing kubelogin and kubectl into ${tools} (az aks install-cli)"
  mkdir -p "$tools"
  az aks install-cli --install-location "$tools/kubectl" --kubelogin-install-location "$tools/kubelogin" --only-show-errors >/dev/null 2>&1 || true
  export PATH="$tools:$PATH"
  command -v kubelogin >/dev/null 2>&1 ||
    fail "kubelogin is not installed and 'az aks install-cli' could not install it (the Kubernetes provider signs in to the cluster with it): see https://azure.github.io/kubelogin/install.html"
fi
command -v curl >/dev/null 2>&1 || fail "curl is not installed (the script checks the tunnel reaches the API server with it)"
bastion_extension="$(az extension show --name bastion --query version --output tsv 2>/dev/null || true)"
if [[ -z "$bastion_extension" ]] || ! version_at_least "$bastion_extension" "$minimum_bastion_extension"; then
  echo "deploy: adding or upgrading the Azure CLI's bastion extension (az network bastion tunnel; ${bastion_extension:-not installed})"
  az extension add --upgrade --name bastion --only-show-errors >/dev/null ||
    fail "could not add the Azure CLI extension bastion: run 'az extension add --upgrade --name bastion'"
fi
if listening "$tunnel_port"; then
  fail "localhost:${tunnel_port} is in use; the Bastion tunnel needs it: stop what listens there or set APIPLATFORM_API_SERVER_TUNNEL_PORT to a free port (1024-65535)"
fi

# shellcheck source=scripts/backend.sh
source "$root/scripts/backend.sh"
project="$(sed -n 's/^name: *//p' Pulumi.yaml | head -1)"
# The in-cluster layer is everything the Kubernetes provider deploys (stacks/kubernetes.go names it).
kubernetes_provider="urn:pulumi:${stack}::${project}::pulumi:providers:kubernetes::kubernetes"
export APIPLATFORM_API_SERVER_TUNNEL_PORT="$tunnel_port"
echo "deploy: stack ${stack}, state in ${PULUMI_BACKEND_URL}"

pulumi stack select --create "$stack" --secrets-provider passphrase

echo "deploy: 1/3 the Azure layer (the in-cluster layer is excluded from this run)"
APIPLATFORM_IN_CLUSTER_EXCLUDED=true pulumi up --stack "$stack" --exclude "$kubernetes_provider" --exclude-dependents "$@"

output() { pulumi stack output --stack "$stack" "$1" 2>/dev/null || true; }
if [[ "$(output inCluster)" == skipped:* ]]; then
  echo "deploy: 2/3 skipped: kubernetes.deployInCluster is false"
else
  resource_group="$(output bastionResourceGroupName)" bastion="$(output bastionName)" cluster_id="$(output clusterId)" api_server="$(output clusterPrivateFqdn)"
  [[ -n "$resource_group" && -n "$bastion" && -n "$cluster_id" && -n "$api_server" ]] ||
    fail "the stack has no outputs bastionResourceGroupName, bastionName, clusterId and clusterPrivateFqdn after the Azure layer; the in-cluster layer needs the stack's Bastion (perimeter.bastionEnabled)"

  tunnel_pid=""
  tunnel_log="$(mktemp)"
  # close_tunnel [status]: stops the tunnel (SIGINT first: the extension then ends its Bastion
  # session), and on failure shows what the tunnel said.
  close_tunnel() {
    if [[ -n "$tunnel_pid" ]]; then
      kill -INT -- "-$tunnel_pid" 2>/dev/null || kill -INT "$tunnel_pid" 2>/dev/null || true
      for _ in $(seq 1 25); do kill -0 "$tunnel_pid" 2>/dev/null || break; sleep 0.2; done
      kill -TERM -- "-$tunnel_pid" 2>/dev/null || true
      wait "$tunnel_pid" 2>/dev/null || true
      tunnel_pid=""
      echo "deploy: closed the tunnel on localhost:${tunnel_port}"
    fi
    if [[ "${1:-0}" != 0 && -s "$tunnel_log" ]]; then
      echo "deploy: the tunnel's output:" >&2
      tail -n 20 "$tunnel_log" >&2
    fi
    rm -f "$tunnel_log"
  }
  trap 'close_tunnel "$?"' EXIT
  trap 'exit 130' INT TERM

  echo "deploy: 2/3 the in-cluster layer, through a tunnel from localhost:${tunnel_port} to the API server (Bastion ${bastion})"
  # Its own process group (job control), so closing it also ends the Python process behind `az`.
  set -m
  az network bastion tunnel --name "$bastion" --resource-group "$resource_group" --subscription "$(cut -d/ -f3 <<<"$cluster_id")" \
    --target-resource-id "$cluster_id" --resource-port 443 --port "$tunnel_port" >"$tunnel_log" 2>&1 &
  tunnel_pid=$!
  set +m
  for _ in $(seq 1 300); do
    kill -0 "$tunnel_pid" 2>/dev/null || { tunnel_pid=""; fail "the Bastion tunnel ended before it listened (see its output below, and docs/runbook.md#the-bastion-tunnel-does-not-open)"; }
    if listening "$tunnel_port"; then break; fi
    sleep 0.2
  done
  listening "$tunnel_port" ||
    fail "the Bastion tunnel did not listen on localhost:${tunnel_port} within 60 seconds"
  # The extension reaches Bastion only once a connection arrives: only an answer from the API server
  # (any HTTP status; the provider verifies its certificate later), asked with its own name as SNI
  # as the provider will, shows the tunnel works.
  curl --silent --insecure --max-time 30 --output /dev/null --connect-to "${api_server}:443:127.0.0.1:${tunnel_port}" "https://${api_server}/version" ||
    fail "the Bastion tunnel listens on localhost:${tunnel_port} but does not reach the API server (Bastion refused the session: see its output below, and docs/runbook.md#the-bastion-tunnel-does-not-open)"

  pulumi up --stack "$stack" "$@"
  close_tunnel
fi

echo "deploy: 3/3 a request through every hop"
"$root/scripts/verify.sh" "$stack"
