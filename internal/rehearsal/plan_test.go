// PlanFrom against the program's real recording, and against that recording changed the way a future
// program might change it: each change the rehearsal cannot follow must fail the plan.

package rehearsal

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// recordDev runs the dev stack with the in-cluster layer and the given edits.
func recordDev(t *testing.T, edits ...harness.Edit) *harness.Recording {
	t.Helper()
	recording, err := harness.RunStack("../..", "dev", append([]harness.Edit{harness.Set("kubernetes.deployInCluster", true)}, edits...)...)
	require.NoError(t, err)
	return recording
}

// only returns the one resource of a type.
func only(t *testing.T, recording *harness.Recording, token string) *harness.Resource {
	t.Helper()
	found := recording.OfType(token)
	require.Len(t, found, 1, token)
	return found[0]
}

// TestPlanFromTheRecording reads a real dev recording with caller mutual TLS: keys, gateway subnet,
// callers' CA (not the platform CA) and the edge's rewrites.
func TestPlanFromTheRecording(t *testing.T) {
	t.Parallel()
	plan, err := PlanFrom(recordDev(t, harness.Set("applicationGateway.mutualTls", "required")))
	require.NoError(t, err)
	assert.Equal(t, DefaultSubscriptionKeyHeader, plan.SubscriptionKeyHeader)
	assert.Len(t, plan.SubscriptionKeys, 2)
	assert.Equal(t, "10.42.0.0/24", plan.GatewaySubnet)
	assert.Contains(t, plan.EdgeClientCAPEM, "-----BEGIN CERTIFICATE-----")
	assert.NotEqual(t, plan.CAPEM, plan.EdgeClientCAPEM, "the platform CA and the callers' CA are not the same")
	require.NotNil(t, plan.SampleCaller)
	assert.Contains(t, plan.SampleCaller.KeyPEM, "PRIVATE KEY")
	assert.True(t, plan.EdgeVerifyIssuerDN)
	assert.Equal(t, HeaderRewrite{Name: "X-Forwarded-For", Value: "{var_client_ip}", Nginx: "$remote_addr"}, plan.EdgeHeaders[0])
	require.NotEmpty(t, plan.Policy.HeaderChecks)
	assert.Equal(t, "X-Client-Certificate-Verification", plan.Policy.HeaderChecks[0].Name)

	plain, err := PlanFrom(recordDev(t))
	require.NoError(t, err)
	assert.Empty(t, plain.EdgeClientCAPEM)
	assert.Nil(t, plain.SampleCaller)
	assert.Empty(t, plain.Policy.HeaderChecks)
	for _, rewrite := range plain.EdgeHeaders[1:] {
		assert.Empty(t, rewrite.Nginx, "with mutual TLS off the edge removes %s", rewrite.Name)
	}
}

// TestPlanFromRefusesWhatTheRehearsalCannotFollow changes a real recording in ways the rehearsal could
// only follow by guessing, and checks the plan is refused with the reason.
func TestPlanFromRefusesWhatTheRehearsalCannotFollow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, recording *harness.Recording)
		problem string
	}{
		{"an ip-filter that is not the gateway subnet", func(t *testing.T, recording *harness.Recording) {
			editPolicy(t, recording, `to="10.42.0.255"`, `to="10.42.0.127"`)
		}, "not the gateway subnet 10.42.0.0/24"},
		{"a new inbound policy", func(t *testing.T, recording *harness.Recording) {
			editPolicy(t, recording, "<base></base>", "<base></base><mock-response status-code=\"200\"></mock-response>")
		}, "<mock-response> is not rehearsed"},
		{"only suspended subscriptions", func(t *testing.T, recording *harness.Recording) {
			only(t, recording, "azure-native:apimanagement:Subscription").Inputs["state"] = resource.NewStringProperty("suspended")
		}, "no active subscription"},
		{"a subscription to another product", func(t *testing.T, recording *harness.Recording) {
			only(t, recording, "azure-native:apimanagement:Subscription").Inputs["scope"] = resource.NewStringProperty("/products/other")
		}, "no active subscription"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := cloneRecording(recordDev(t))
			tc.change(t, recording)
			_, err := PlanFrom(recording)
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestPlanFromRefusesFrontDoorRulesItCannotFollow changes a recording with Front Door in ways the
// rehearsal could only follow by guessing: another kind of WAF rule at the gateway, a rule that can
// never match, and a route that would call the gateway over plain HTTP.
func TestPlanFromRefusesFrontDoorRulesItCannotFollow(t *testing.T) {
	t.Parallel()
	frontDoor := []harness.Edit{harness.Set("frontDoor.enabled", true), harness.Set("frontDoor.originHostName", "origin-api.contoso.example"),
		harness.Set("certificates.listenerKeyVaultSecretId", "https://contoso-certs.vault.azure.net/secrets/api-contoso-example")}
	// setCondition rebuilds the gateway WAF's first rule with one condition key changed (a deep copy:
	// runs of one configuration share their recording's nested values).
	setCondition := func(recording *harness.Recording, key string, value any) {
		waf := recording.OfType("azure-native:network:WebApplicationFirewallPolicy")[0]
		rules := waf.Inputs["customRules"].Mappable().([]any)
		rule := rules[0].(map[string]any)
		rule["matchConditions"].([]any)[0].(map[string]any)[key] = value
		waf.Inputs["customRules"] = resource.NewPropertyValue(rules)
	}
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, recording *harness.Recording)
		problem string
	}{
		{"a header rule that matches by substring", func(_ *testing.T, recording *harness.Recording) {
			setCondition(recording, "operator", "Contains")
		}, "matches something else"},
		{"a lower-cased header compared with upper case", func(_ *testing.T, recording *harness.Recording) {
			setCondition(recording, "matchValues", []any{"ABC"})
		}, "never matches"},
		{"a route forwarding as the caller came", func(t *testing.T, recording *harness.Recording) {
			only(t, recording, "azure-native:cdn:Route").Inputs["forwardingProtocol"] = resource.NewStringProperty("MatchRequest")
		}, "over HTTPS only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := cloneRecording(recordDev(t, frontDoor...))
			_, err := PlanFrom(recording)
			require.NoError(t, err, "the recording as the program writes it is followed")
			tc.change(t, recording)
			_, err = PlanFrom(recording)
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// cloneRecording copies a recording deeply enough to change inputs: runs of one configuration share
// their recording.
func cloneRecording(recording *harness.Recording) *harness.Recording {
	clone := *recording
	clone.Resources = make([]*harness.Resource, len(recording.Resources))
	for i, res := range recording.Resources {
		copied := *res
		copied.Inputs = res.Inputs.Copy()
		clone.Resources[i] = &copied
	}
	return &clone
}

// editPolicy replaces text in the recorded API policy.
func editPolicy(t *testing.T, recording *harness.Recording, old, replacement string) {
	t.Helper()
	policy := only(t, recording, "azure-native:apimanagement:ApiPolicy")
	value := policy.InputString("value")
	require.Contains(t, value, old)
	policy.Inputs["value"] = resource.NewStringProperty(strings.Replace(value, old, replacement, 1))
}
