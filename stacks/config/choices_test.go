// Unit tests of the closed sets of choices and of how problems are collected and reported.

package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChoicesAreListedOnce checks each closed set: its values are distinct, non-empty and spelled
// the way Azure expects, and the message lists them in order.
func TestChoicesAreListedOnce(t *testing.T) {
	cases := []struct {
		name    string
		values  []string
		message string
		want    string
	}{
		{"API Management tiers", valuesOf(APIManagementSKUs), alternatives(APIManagementSKUs, " or "), "Developer or Premium"},
		{"WAF modes", valuesOf(WAFModes), alternatives(WAFModes, " or "), "Prevention or Detection"},
		{"AKS tiers", valuesOf(ClusterTiers), alternatives(ClusterTiers, " or "), "Free, Standard or Premium"},
		{"upgrade channels", valuesOf(UpgradeChannels), alternatives(UpgradeChannels, " or "), "none, patch, stable, rapid or node-image"},
		{"node OS channels", valuesOf(NodeOSUpgradeChannels), alternatives(NodeOSUpgradeChannels, " or "), "None, Unmanaged, NodeImage or SecurityPatch"},
		{"firewall tiers", valuesOf(FirewallSKUs), alternatives(FirewallSKUs, ", "), "Standard, Premium"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, value := range tc.values {
				require.NotEmpty(t, value)
				require.False(t, seen[value], "%s listed twice", value)
				seen[value] = true
			}
			assert.Equal(t, tc.want, tc.message)
		})
	}
}

// TestOneOf checks membership is exact: Azure's values are case-sensitive in these settings.
func TestOneOf(t *testing.T) {
	cases := []struct {
		name  string
		value WAFMode
		want  bool
	}{
		{"a listed value", WAFPrevention, true},
		{"another listed value", WAFDetection, true},
		{"another case", "prevention", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, oneOf(tc.value, WAFModes))
		})
	}
	assert.Equal(t, "", alternatives([]WAFMode{}, " or "), "no values, no words")
	assert.Equal(t, "Prevention", alternatives([]WAFMode{WAFPrevention}, " or "), "one value stands alone")
}

// TestEveryProblemIsReportedAtOnce checks that Load reports each bad value under its key, with the
// value and what is valid, all in one error.
func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	raw := map[string]string{
		"apiplatform:environment":        "dev",
		"apiplatform:applicationGateway": `{"wafMode":"Block"}`,
		"apiplatform:kubernetes":         `{"tier":"Gold","upgradeChannel":"weekly"}`,
		"apiplatform:apiManagement":      `{"sku":"Consumption"}`,
	}
	_, err := Load("apiplatform", "dev", raw)
	var problems *Problems
	require.ErrorAs(t, err, &problems)
	byKey := map[string]Problem{}
	for _, problem := range problems.List {
		byKey[problem.Key] = problem
	}
	cases := []struct {
		key, value, message string
	}{
		{"apiplatform:applicationGateway.wafMode", "Block", "must be Prevention (blocks attacks) or Detection (only logs them)"},
		{"apiplatform:kubernetes.tier", "Gold", "must be Free, Standard or Premium"},
		{"apiplatform:kubernetes.upgradeChannel", "weekly", "must be none, patch, stable, rapid or node-image"},
		{"apiplatform:apiManagement.sku", "Consumption", "cannot run in internal VNet mode"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			problem, found := byKey[tc.key]
			require.True(t, found, "no problem for %s in:\n%s", tc.key, err)
			assert.Equal(t, tc.value, problem.Value)
			assert.Contains(t, problem.Message, tc.message)
			assert.Contains(t, err.Error(), problem.String(), "the error lists the problem")
		})
	}
	assert.Contains(t, err.Error(), `stack "dev": `)
	assert.Contains(t, err.Error(), "configuration problems (nothing was deployed):")
}

// valuesOf turns a typed set into its values.
func valuesOf[T ~string](values []T) []string {
	words := make([]string, len(values))
	for index, value := range values {
		words[index] = string(value)
	}
	return words
}
