// Golden recordings: the resources both stack files register, pinned, so a refactor proves it changes nothing.

package tests

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// updateGolden rewrites the golden recordings: `go test ./tests -run TestRecordingMatchesGolden -update`.
var updateGolden = flag.Bool("update", false, "rewrite tests/testdata/golden from the current program")

// TestRecordingMatchesGolden pins everything the engine would receive from both stack files and from
// prod with every feature: URNs, inputs, parents, providers, options and dependencies. A refactor
// must leave the files unchanged; an intended change updates them with -update, and the diff shows
// the change in review.
func TestRecordingMatchesGolden(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runVariant(t, variant)
			rendered, err := recording.Canonical()
			require.NoError(t, err)
			path := filepath.Join("testdata", "golden", strings.ReplaceAll(variant.name, " ", "-")+".json")
			if *updateGolden {
				require.NoError(t, os.WriteFile(path, rendered, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "golden recording missing: run go test ./tests -run TestRecordingMatchesGolden -update")
			if !bytes.Equal(want, rendered) {
				require.Equal(t, string(want), string(rendered),
					"the recording differs from %s; if the change is intended, rerun with -update and review the diff", path)
			}
		})
	}
}
