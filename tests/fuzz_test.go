// Fuzzing the address-plan validation against an independent check of what it must guarantee.

package tests

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// FuzzAddressPlan feeds arbitrary strings as the address space and the four core subnets of the dev
// stack. Whatever the input, validation must not panic, every network problem must name a network key,
// and when it reports no network problem the plan must really be sound: every block a canonical IPv4
// prefix no longer than /29, every subnet inside the address space, no two subnets overlapping.
// Seeds live in testdata/fuzz/FuzzAddressPlan; run `make fuzz` to search further.
func FuzzAddressPlan(f *testing.F) {
	f.Add("10.42.0.0/16", "10.42.0.0/24", "10.42.1.0/27", "10.42.8.0/22", "10.42.2.0/27")
	f.Add("10.42.0.0/16", "10.42.0.0/24", "10.42.0.128/27", "10.42.8.0/22", "10.42.2.0/27")
	f.Add("192.168.0.0/24", "192.168.0.0/28", "192.168.0.16/29", "192.168.0.32/28", "192.168.0.48/28")
	f.Add("10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/8")
	f.Add("fd00::/48", "10.42.0.0/24", "::ffff:10.42.1.0/120", "10.42.8.0/22", "")

	project, baseline, err := harness.LoadStackConfig(projectDir, "dev")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, space, gateway, apim, nodes, endpoints string) {
		network := map[string]any{
			"addressSpace": space,
			"subnets": map[string]any{
				"applicationGateway": gateway, "apiManagement": apim, "kubernetesNodes": nodes, "privateEndpoints": endpoints,
			},
		}
		encoded, err := json.Marshal(network)
		if err != nil {
			t.Fatal(err)
		}
		raw := map[string]string{}
		for key, value := range baseline {
			raw[key] = value
		}
		raw[key("network")] = string(encoded)

		_, err = config.Load(project, "dev", raw)
		networkProblems := 0
		if err != nil {
			for _, problem := range problemsOf(t, err) {
				if strings.HasPrefix(problem.Key, key("network.")) {
					networkProblems++
				}
			}
		}
		if networkProblems > 0 {
			return
		}
		spacePrefix := soundPrefix(t, "addressSpace", space)
		subnets := map[string]netip.Prefix{}
		for name, value := range map[string]string{"applicationGateway": gateway, "apiManagement": apim, "kubernetesNodes": nodes, "privateEndpoints": endpoints} {
			prefix := soundPrefix(t, name, value)
			if prefix.Bits() > config.SmallestSubnetBits {
				t.Fatalf("accepted %s %s smaller than /%d", name, value, config.SmallestSubnetBits)
			}
			if prefix.Bits() < spacePrefix.Bits() || !spacePrefix.Contains(prefix.Addr()) {
				t.Fatalf("accepted %s %s outside %s", name, value, space)
			}
			for other, otherPrefix := range subnets {
				if otherPrefix.Overlaps(prefix) {
					t.Fatalf("accepted overlapping %s %s and %s %s", name, value, other, otherPrefix)
				}
			}
			subnets[name] = prefix
		}
	})
}

// soundPrefix fails unless value is a canonical IPv4 prefix.
func soundPrefix(t *testing.T, name, value string) netip.Prefix {
	t.Helper()
	prefix, err := netip.ParsePrefix(value)
	if err != nil || !prefix.Addr().Is4() || prefix.Masked() != prefix {
		t.Fatalf("accepted %s %q, which is not a canonical IPv4 prefix", name, value)
	}
	return prefix
}
