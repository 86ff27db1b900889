# Sourced by deploy.sh and verify.sh: the state backend both use. A local file backend needs no
# Pulumi Cloud account; PULUMI_BACKEND_URL overrides it (e.g. an azblob:// container shared by a team).
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${HOME}/.pulumi-local}"
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
  mkdir -p "${PULUMI_BACKEND_URL#file://}"
fi
