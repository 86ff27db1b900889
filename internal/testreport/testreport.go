// Package testreport turns `go test -json` into what `make test` shows: a line per package, the
// output of every failed test, and one summary line naming each skipped test and why, which plain
// `go test` hides for passing packages.
package testreport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Event is one line of `go test -json` (cmd/test2json).
type Event struct {
	// Action is run, pause, cont, pass, bench, fail, output, skip, start or build-output/build-fail.
	Action string
	// Package is the package being tested.
	Package string
	// Test is the test's name; empty for package-level events.
	Test string
	// Elapsed is the test's or package's duration in seconds, on pass, fail and skip.
	Elapsed float64
	// Output is a line of output, on output events.
	Output string
}

// Skip is one skipped test and the reason it gave.
type Skip struct {
	// Package and Test name the test.
	Package, Test string
	// Reason is the message it skipped with.
	Reason string
}

// Summary is what a run came to.
type Summary struct {
	// Failed counts failed tests and packages.
	Failed int
	// Skipped are the skipped tests, in the order they ended.
	Skipped []Skip
}

// testKey identifies a test across packages.
type testKey struct{ pkg, test string }

// Report reads events from r and writes the report to w as they come; it returns the summary, whose
// Failed is non-zero when anything failed.
func Report(r io.Reader, w io.Writer) (Summary, error) {
	var summary Summary
	output := map[testKey][]string{}
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 1024*1024), 16*1024*1024)
	for scanner.Scan() {
		var event Event
		if err := json.Unmarshal(scanner.Bytes(), &event); err != nil {
			fmt.Fprintln(w, scanner.Text()) // build errors and other plain lines pass through
			continue
		}
		key := testKey{event.Package, event.Test}
		switch event.Action {
		case "output", "build-output":
			output[key] = append(output[key], event.Output)
		case "skip":
			if event.Test != "" {
				summary.Skipped = append(summary.Skipped, Skip{Package: event.Package, Test: event.Test, Reason: skipReason(output[key])})
			}
			delete(output, key)
		case "fail", "build-fail":
			summary.Failed++
			if event.Test != "" {
				fmt.Fprint(w, strings.Join(output[key], ""))
			} else {
				fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", event.Package, event.Elapsed)
			}
			delete(output, key)
		case "pass":
			if event.Test == "" {
				fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", event.Package, event.Elapsed)
			}
			delete(output, key)
		}
	}
	if err := scanner.Err(); err != nil {
		return summary, fmt.Errorf("reading go test -json: %w", err)
	}
	fmt.Fprintln(w, SkipLine(summary.Skipped))
	return summary, nil
}

// skipReason is the message of a skipped test: its output lines other than the === and --- markers,
// without the file:line prefix t.Skip adds.
func skipReason(lines []string) string {
	var reasons []string
	for _, line := range lines {
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "=== ") || strings.HasPrefix(text, "--- ") {
			continue
		}
		if location, message, found := strings.Cut(text, ": "); found && strings.Contains(location, ".go:") {
			text = message
		}
		reasons = append(reasons, text)
	}
	if len(reasons) == 0 {
		return "no reason given"
	}
	return strings.Join(reasons, " ")
}

// SkipLine is the one summary line of the skipped tests: "skipped: none", or each with its reason.
func SkipLine(skipped []Skip) string {
	if len(skipped) == 0 {
		return "skipped: none"
	}
	entries := make([]string, 0, len(skipped))
	for _, skip := range skipped {
		entries = append(entries, fmt.Sprintf("%s (%s)", skip.Test, skip.Reason))
	}
	slices.Sort(entries)
	return fmt.Sprintf("skipped: %d: %s", len(skipped), strings.Join(entries, "; "))
}
