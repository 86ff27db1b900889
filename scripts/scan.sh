#!/usr/bin/env bash
# Runs the independent scanners on the export of each stack (make export) and fails on any finding not
# in scanners/accepted-findings.txt, or on an accepted entry that no longer matches anything. Installs
# the pinned scanners from the Go module proxy first when they are missing.
# Usage: scripts/scan.sh [STACK ...]   (default: dev prod)
# APIPLATFORM_SCANNERS chooses the scanners, comma-separated: kube-score (the default, what CI runs)
# and trivy (Trivy's embedded checks on the ARM template and the manifests, offline; its first build
# takes about 9.5 minutes on 2 cores, which CI's 20-minute cold budget cannot take with the rest).
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
# Trivy v0.74.0 needs Go's experimental encoding/json/v2 to build.
trivy_version="0.74.0"
IFS=',' read -r -a scanners <<<"${APIPLATFORM_SCANNERS:-kube-score}"
for scanner in "${scanners[@]}"; do
	case "$scanner" in
	kube-score) install kube-score github.com/zegl/kube-score/cmd/kube-score "$kube_score_version" ;;
	trivy) install trivy github.com/aquasecurity/trivy/cmd/trivy "$trivy_version" GOEXPERIMENT=jsonv2 ;;
	*)
		echo "scan: unknown scanner $scanner in APIPLATFORM_SCANNERS (known: kube-score, trivy)" >&2
		exit 2
		;;
	esac
done
# The trivy findings, one line each: [SEVERITY] ID file: message.
trivy_template='{{range .}}{{$target := .Target}}{{range .Misconfigurations}}{{if eq .Status "FAIL"}}[{{.Severity}}] {{.ID}} {{$target}}: {{.Message}}
{{end}}{{end}}{{end}}'

findings="$(mktemp)"
trap 'rm -f "$findings"' EXIT
for stack in "${stacks[@]}"; do
	go run ./cmd/export -stack "$stack" >/dev/null
	for scanner in "${scanners[@]}"; do
		case "$scanner" in
		kube-score)
			# kube-score exits non-zero when it finds something; its findings are judged below.
			"$bin_dir/kube-score" score "build/export/$stack/manifests.yaml" --output-format ci |
				grep -vE '^\[(OK|SKIPPED)\] ' | sed "s/^/kube-score | $stack | /" >>"$findings" || true
			;;
		trivy)
			"$bin_dir/trivy" config --skip-check-update --quiet --format template --template "$trivy_template" "build/export/$stack" |
				grep -v '^$' | sed "s/^/trivy | $stack | /" >>"$findings" || true
			;;
		esac
	done
done

# The accepted entries, parsed once: scanner, stack and finding text, trimmed.
entry_scanners=() entry_stacks=() entry_texts=() entry_lines=()
trim() { sed -E 's/^ +//; s/ +$//' <<<"$1"; }
while IFS= read -r entry || [ -n "$entry" ]; do
	[[ -z "$entry" || "$entry" == \#* ]] && continue
	IFS='|' read -r entry_scanner entry_stack entry_text _ <<<"$entry"
	entry_scanners+=("$(trim "$entry_scanner")")
	entry_stacks+=("$(trim "$entry_stack")")
	entry_texts+=("$(trim "$entry_text")")
	entry_lines+=("$entry")
done <"$accepted_file"

status=0
used=()
while IFS= read -r finding; do
	scanner="${finding%% | *}"
	rest="${finding#* | }"
	stack="${rest%% | *}"
	text="${rest#* | }"
	matched=""
	for i in "${!entry_lines[@]}"; do
		if [[ "${entry_scanners[i]}" == "$scanner" && ("${entry_stacks[i]}" == "*" || "${entry_stacks[i]}" == "$stack") && "${entry_texts[i]}" == "$text" ]]; then
			matched="yes"
			used[i]=1
		fi
	done
	if [ -z "$matched" ]; then
		echo "scan: new finding ($scanner, $stack): $text"
		status=1
	fi
done <"$findings"
for i in "${!entry_lines[@]}"; do
	if [[ "${entry_stacks[i]}" != "*" && " ${stacks[*]} " != *" ${entry_stacks[i]} "* ]] || [[ " ${scanners[*]} " != *" ${entry_scanners[i]} "* ]]; then
		continue # a stack or a scanner not run this time
	fi
	if [ -z "${used[i]:-}" ]; then
		echo "scan: accepted finding no longer reported, remove it from $accepted_file: ${entry_lines[i]}"
		status=1
	fi
done
total="$(wc -l <"$findings")"
if [ "$status" -eq 0 ]; then
	echo "scan: ${stacks[*]}: $total findings, all accepted in $accepted_file"
fi
exit "$status"
