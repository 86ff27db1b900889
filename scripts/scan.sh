#!/usr/bin/env bash
# Runs the independent scanners on the export of each stack (make export) and fails on any finding not
# in scanners/accepted-findings.txt, or on an accepted entry that no longer matches anything. Installs
# the pinned scanners from the Go module proxy first when they are missing.
# Usage: scripts/scan.sh [STACK ...]   (default: dev prod)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin_dir="${APIPLATFORM_BIN:-$HOME/.local/share/apiplatform/bin}"
accepted_file="${APIPLATFORM_ACCEPTED_FINDINGS:-scanners/accepted-findings.txt}"
stacks=("$@")
[ ${#stacks[@]} -gt 0 ] || stacks=(dev prod)

# kube-score v1.20.0: Kubernetes manifests (about 30 s to build on 2 cores, then reused).
kube_score_version="1.20.0"
install() { # install NAME MODULE/cmd/path VERSION [env...]
	local name="$1" package="$2" version="$3"
	shift 3
	if [ -x "$bin_dir/$name" ] && [ "$(cat "$bin_dir/$name.version" 2>/dev/null)" == "$version" ]; then
		return
	fi
	echo "scan: installing $name $version into $bin_dir"
	mkdir -p "$bin_dir"
	(cd / && env GOBIN="$bin_dir" GOFLAGS=-buildvcs=false "$@" go install "$package@v$version")
	echo "$version" >"$bin_dir/$name.version"
}
install kube-score github.com/zegl/kube-score/cmd/kube-score "$kube_score_version"

findings="$(mktemp)"
trap 'rm -f "$findings"' EXIT
for stack in "${stacks[@]}"; do
	go run ./cmd/export -stack "$stack" >/dev/null
	# kube-score exits non-zero when it finds something; its findings are judged below.
	"$bin_dir/kube-score" score "build/export/$stack/manifests.yaml" --output-format ci |
		grep -vE '^\[(OK|SKIPPED)\] ' | sed "s/^/kube-score | $stack | /" >>"$findings" || true
done

status=0
declare -A used
while IFS= read -r finding; do
	scanner="${finding%% | *}"
	rest="${finding#* | }"
	stack="${rest%% | *}"
	text="${rest#* | }"
	matched=""
	while IFS= read -r entry || [ -n "$entry" ]; do
		[[ -z "$entry" || "$entry" == \#* ]] && continue
		IFS='|' read -r entry_scanner entry_stack entry_text _ <<<"$entry"
		entry_scanner="$(echo "$entry_scanner" | xargs)"
		entry_stack="$(echo "$entry_stack" | xargs)"
		entry_text="$(echo "$entry_text" | sed -E 's/^ +//; s/ +$//')"
		if [[ "$entry_scanner" == "$scanner" && ("$entry_stack" == "*" || "$entry_stack" == "$stack") && "$entry_text" == "$text" ]]; then
			matched="yes"
			used["$entry_scanner|$entry_stack|$entry_text"]=1
		fi
	done <"$accepted_file"
	if [ -z "$matched" ]; then
		echo "scan: new finding ($scanner, $stack): $text"
		status=1
	fi
done <"$findings"
while IFS= read -r entry || [ -n "$entry" ]; do
	[[ -z "$entry" || "$entry" == \#* ]] && continue
	IFS='|' read -r entry_scanner entry_stack entry_text _ <<<"$entry"
	entry_stack="$(echo "$entry_stack" | xargs)"
	key="$(echo "$entry_scanner" | xargs)|$entry_stack|$(echo "$entry_text" | sed -E 's/^ +//; s/ +$//')"
	if [[ "$entry_stack" != "*" && " ${stacks[*]} " != *" $entry_stack "* ]]; then
		continue # a stack not scanned this time
	fi
	if [ -z "${used[$key]:-}" ]; then
		echo "scan: accepted finding no longer reported, remove it from $accepted_file: $entry"
		status=1
	fi
done <"$accepted_file"
total="$(wc -l <"$findings")"
if [ "$status" -eq 0 ]; then
	echo "scan: ${stacks[*]}: $total findings, all accepted in $accepted_file"
fi
exit "$status"
