// pulumi-random mocks: strings of the requested length and alphabet, stable for a given resource name.

package harness

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// randomResource answers RandomString and RandomPassword with a `result` built from the inputs: the
// requested length, drawn only from the enabled character classes. The seed is the URN, so a rerun
// of the same program yields the same result, as the real provider's stored state would.
func randomResource(res *Resource, outputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	if !strings.HasSuffix(res.Type, ":RandomString") && !strings.HasSuffix(res.Type, ":RandomPassword") {
		return res.Name + "-id", outputs, nil
	}
	enabled := func(name string) bool {
		value, ok := res.Input(name).(bool)
		return !ok || value // every class defaults to on, as in pulumi-random
	}
	alphabet := ""
	if enabled("lower") {
		alphabet += "abcdefghijklmnopqrstuvwxyz"
	}
	if enabled("upper") {
		alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	if enabled("numeric") && enabled("number") {
		alphabet += "0123456789"
	}
	if enabled("special") {
		special, ok := res.Input("overrideSpecial").(string)
		if !ok {
			special = "!@#$%&*()-_=+[]{}<>:?"
		}
		alphabet += special
	}
	length := 16
	if value, ok := res.Input("length").(float64); ok {
		length = int(value)
	}
	sum := sha256.Sum256([]byte(res.URN))
	generator := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	var result strings.Builder
	for range length {
		result.WriteByte(alphabet[generator.IntN(len(alphabet))])
	}
	value := resource.NewProperty(result.String())
	if strings.HasSuffix(res.Type, ":RandomPassword") {
		value = resource.MakeSecret(value)
	}
	outputs["result"] = value
	return "none", outputs, nil
}
