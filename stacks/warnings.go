// What a user should act on: the program's warnings, for the engine's log and for offline tools.

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// warnings writes each warning to the engine's log (`pulumi up` and `pulumi preview` show it) and
// hands it to an observer: Pulumi's mock engine drops log messages, so the offline review learns them
// here.
type warnings struct {
	// ctx is the program's context, whose log the engine shows.
	ctx *pulumi.Context
	// observe, when set, also receives every warning (Options.Warn).
	observe func(message string)
}

// warn logs one warning.
func (w warnings) warn(message string) {
	_ = w.ctx.Log.Warn(message, nil)
	if w.observe != nil {
		w.observe(message)
	}
}
