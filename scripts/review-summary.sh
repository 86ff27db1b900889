#!/usr/bin/env bash
# Prints the offline review of each named stack as Markdown for a GitHub job summary: the review's
# text (plan, policy results, modeled deploy time) and its Mermaid architecture diagram. Reads
# review-<stack>.txt (saved from `make review`) and build/review/architecture-<stack>.md (written by it).
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 STACK..." >&2
	exit 2
fi
for stack in "$@"; do
	review="review-$stack.txt"
	diagram="build/review/architecture-$stack.md"
	echo "## Offline review: $stack"
	echo
	if [ ! -f "$review" ]; then
		echo "No review was produced for $stack (see the job log)."
		echo
		continue
	fi
	verdict="$(grep -E '^Review (passed|FAILED)' "$review" || echo 'Review did not finish')"
	echo "**$verdict** $(grep -E '^  Critical path:' "$review" | sed 's/^ *//')"
	echo
	echo '<details><summary>Plan, policy results and deploy-time model</summary>'
	echo
	echo '```text'
	cat "$review"
	echo '```'
	echo
	echo '</details>'
	echo
	if [ -f "$diagram" ]; then
		sed -n '/^```mermaid$/,/^```$/p' "$diagram"
		echo
	fi
done
