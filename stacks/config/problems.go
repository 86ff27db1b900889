// Config problems: every check reports into one list, so a user fixes all mistakes in one round.

package config

import (
	"fmt"
	"strings"
)

// Problem is one invalid setting: which key, what value, and what would be valid.
type Problem struct {
	// Key is the full config key, e.g. apiplatform:network.subnets.apiManagement.
	Key string
	// Value is the offending value as the user wrote it (empty when the key is missing).
	Value string
	// Message says what is wrong and what is valid.
	Message string
}

// String renders the problem as `key = "value": message`.
func (p Problem) String() string {
	return fmt.Sprintf("%s = %q: %s", p.Key, p.Value, p.Message)
}

// Problems is the error returned for invalid configuration; it lists every problem found.
type Problems struct {
	// Stack is the stack whose configuration was checked.
	Stack string
	// List holds the problems in the order they were found.
	List []Problem
}

// Error lists every problem on its own line.
func (p *Problems) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(p.List) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "stack %q: %d configuration %s (nothing was deployed):", p.Stack, len(p.List), noun)
	for _, problem := range p.List {
		b.WriteString("\n  - ")
		b.WriteString(problem.String())
	}
	return b.String()
}

// problemList collects problems for one configuration.
type problemList struct {
	project string
	list    []Problem
	// unreadable are the paths whose value had the wrong type: the field kept its default, so a
	// check of it would only report that default as if the user had written it.
	unreadable map[string]bool
}

// undecodable marks a path whose value could not be read; later problems of that path are dropped.
func (l *problemList) undecodable(path string) {
	if l.unreadable == nil {
		l.unreadable = map[string]bool{}
	}
	l.unreadable[path] = true
}

// addEnvironment records a problem for an environment variable of the runner.
func (l *problemList) addEnvironment(name string, value any, format string, args ...any) {
	l.list = append(l.list, Problem{Key: "environment variable " + name, Value: render(value), Message: fmt.Sprintf(format, args...)})
}

// add records a problem for the setting at path (without the project namespace), unless its value
// could not be read (its type problem is already recorded).
func (l *problemList) add(path string, value any, format string, args ...any) {
	if l.unreadable[path] {
		return // marked after its type problem was recorded
	}
	l.list = append(l.list, Problem{
		Key:     l.project + ":" + path,
		Value:   render(value),
		Message: fmt.Sprintf(format, args...),
	})
}
