#!/usr/bin/env bash
# Lints every Go module of the repository (each directory with a go.mod: the program and the policy
# pack) with the pinned golangci-lint and the root .golangci.yml, and fails if any module has a
# finding. Installs that golangci-lint first, from the Go module proxy, when it is missing or is
# another version (a cold build takes about 5 minutes on 2 cores; later runs reuse it).
# Usage: scripts/lint.sh [golangci-lint run flags, e.g. --fix or --enable-only funlen]
set -euo pipefail

# v2.15.0 is the newest golangci-lint the module proxy here serves, and it builds with go1.26.
version="2.15.0"
bin_dir="${APIPLATFORM_BIN:-$HOME/.local/share/apiplatform/bin}"
linter="$bin_dir/golangci-lint"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# golangci-lint cannot analyse code for a Go newer than the one it was built with, so a toolchain
# upgrade (another go1.X) also means a rebuild.
go_minor="$(go env GOVERSION | grep -oE '^go[0-9]+\.[0-9]+')"
installed=""
if [ -x "$linter" ]; then
	installed="$("$linter" version 2>/dev/null | head -n 1 || true)"
fi
if [[ "$installed" == *"has version $version built with $go_minor"* ]]; then
	echo "golangci-lint $version is installed: $linter"
else
	if [ -z "$installed" ]; then
		echo "golangci-lint is not installed in $bin_dir: installing v$version"
	else
		echo "found \"$installed\" in $bin_dir, want v$version built with $go_minor: reinstalling"
	fi
	mkdir -p "$bin_dir"
	rm -f "$linter" # go install refuses to replace a file that is not a Go binary
	# Outside any module, so no go.mod of the repository is read or changed.
	(cd / && GOBIN="$bin_dir" GOFLAGS=-buildvcs=false go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$version")
	"$linter" version
fi

modules=()
while IFS= read -r gomod; do
	modules+=("$(dirname "$gomod")")
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)

failed=()
for module in "${modules[@]}"; do
	echo "golangci-lint run ($module)"
	if ! (cd "$module" && "$linter" run --config "$root/.golangci.yml" "$@" ./...); then
		failed+=("$module")
	fi
done
if [ "${#failed[@]}" -gt 0 ]; then
	echo "golangci-lint failed in: ${failed[*]}" >&2
	exit 1
fi
echo "golangci-lint: no findings in ${modules[*]}"
