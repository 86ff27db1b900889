// Unit tests of the plan's pure parts with hand-made inputs: the policy parser, server-variable
// translation, nginx rates, subnet ranges and the gateway's rendered checks.

package rehearsal

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samplePolicy has the inbound section's shape the program renders (encoding/xml escapes quotes in
// attributes as &#34;).
const samplePolicy = `<policies>
  <inbound>
    <base></base>
    <ip-filter action="allow"><address-range from="10.42.0.0" to="10.42.0.255"></address-range></ip-filter>
    <check-header name="X-Client-Certificate-Verification" failed-check-httpcode="403" failed-check-error-message="no certificate" ignore-case="false"><value>SUCCESS</value></check-header>
    <rate-limit-by-key calls="5" renewal-period="60" counter-key="@(&#34;address:&#34; + context.Request.Headers.GetValueOrDefault(&#34;X-Forwarded-For&#34;, context.Request.IpAddress))"></rate-limit-by-key>
    <rate-limit-by-key calls="7" renewal-period="60" counter-key="@(&#34;subscription:&#34; + context.Subscription.Id)"></rate-limit-by-key>
    <set-header name="X-Client-Certificate-Subject" exists-action="delete"></set-header>
    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"></set-header>
    <set-header name="X-Request-ID" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault(&#34;x-appgw-trace-id&#34;, context.RequestId.ToString(&#34;N&#34;)))</value></set-header>
    <set-backend-service backend-id="echo-backend"></set-backend-service>
  </inbound>
  <backend><base></base></backend>
  <outbound><base></base><set-header name="Server" exists-action="delete"></set-header></outbound>
  <on-error><base></base></on-error>
</policies>`

// TestParsePolicyReadsEveryInboundElement reads every inbound element the program writes.
func TestParsePolicyReadsEveryInboundElement(t *testing.T) {
	t.Parallel()
	policy, err := ParsePolicy(samplePolicy)
	require.NoError(t, err)
	assert.Equal(t, &AddressRange{From: netip.MustParseAddr("10.42.0.0"), To: netip.MustParseAddr("10.42.0.255")}, policy.AllowedRange)
	assert.Equal(t, []HeaderCheck{{Name: "X-Client-Certificate-Verification", Values: []string{"SUCCESS"}, Code: 403, Message: "no certificate"}}, policy.HeaderChecks)
	assert.Equal(t, []RateLimit{{Calls: 5, RenewalPeriod: 60, Header: "X-Forwarded-For"}, {Calls: 7, RenewalPeriod: 60, PerSubscription: true}}, policy.RateLimits)
	assert.Equal(t, []string{"X-Client-Certificate-Subject", "Ocp-Apim-Subscription-Key"}, policy.DeletedHeaders, "outbound deletions are not request headers")
	assert.Equal(t, "by_x_forwarded_for", policy.RateLimits[0].Zone())
	assert.Equal(t, "by_subscription", policy.RateLimits[1].Zone())
}

// TestParsePolicyRefusesWhatItCannotEnforce checks that a policy the gateway hop could not enforce
// fails the plan instead of being skipped.
func TestParsePolicyRefusesWhatItCannotEnforce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, element, problem string }{
		{"an unknown policy", `<cors><allowed-origins><origin>*</origin></allowed-origins></cors>`, "<cors> is not rehearsed"},
		{"token validation", `<validate-azure-ad-token tenant-id="t" output-token-variable-name="caller-token"></validate-azure-ad-token>`, "<validate-azure-ad-token> is not rehearsed"},
		{"an attribute it ignores", `<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Subscription.Id)" increment-condition="@(true)"></rate-limit-by-key>`, "attribute increment-condition"},
		{"a counter key it cannot compute", `<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Request.IpAddress)"></rate-limit-by-key>`, "reads neither a header nor the subscription"},
		{"a header override", `<set-header name="X-Other" exists-action="override"><value>x</value></set-header>`, `set-header "X-Other"`},
		{"a deny filter", `<ip-filter action="forbid"><address>10.0.0.1</address></ip-filter>`, "only one ip-filter"},
		{"a check without values", `<check-header name="X" failed-check-httpcode="403" failed-check-error-message="m" ignore-case="true"></check-header>`, "at least one value"},
		{"two counters on one key", `<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Subscription.Id)"></rate-limit-by-key><rate-limit-by-key calls="9" renewal-period="60" counter-key="@(context.Subscription.Id)"></rate-limit-by-key>`, "same key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy("<policies><inbound><base />" + tc.element + "</inbound></policies>")
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestNginxValueTranslatesServerVariables checks the server variables the edge knows, and that every
// other value is refused.
func TestNginxValueTranslatesServerVariables(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"{var_client_ip}":                       "$remote_addr",
		"{var_client_certificate_verification}": "$ssl_client_verify",
		"{var_client_certificate_subject}":      "$ssl_client_s_dn",
		"{var_client_certificate_issuer}":       "$ssl_client_i_dn",
		"{var_client_certificate_fingerprint}":  "$ssl_client_fingerprint",
		"{var_client_certificate_serial}":       "$ssl_client_serial",
		"{var_client_ip}:{var_client_port}":     "$remote_addr:$remote_port",
		"{var_add_x_forwarded_for_proxy}":       "$proxy_add_x_forwarded_for",
		"{http_req_X-Azure-SocketIP}":           "$http_x_azure_socketip",
		"":                                      "",
	} {
		got, err := NginxValue(value)
		require.NoError(t, err, value)
		assert.Equal(t, want, got, value)
	}
	for _, value := range []string{"{var_unknown}", "a;b", "$remote_addr", "two words", "{http_req_X Y}"} {
		_, err := NginxValue(value)
		assert.Error(t, err, value)
	}
}

// TestNginxRate checks how a rate-limit-by-key window becomes an nginx rate.
func TestNginxRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		calls, period int
		want          string
	}{{100, 60, "100r/m"}, {5, 60, "5r/m"}, {10, 1, "10r/s"}, {30, 30, "60r/m"}, {100, 3600, "2r/m"}, {1, 3600, "1r/m"}, {100, 90, "67r/m"}} {
		assert.Equal(t, tc.want, NginxRate(tc.calls, tc.period), "%d per %d s", tc.calls, tc.period)
	}
}

// TestSubnetRange checks the first and last address of subnets, as the ip-filter must name them.
func TestSubnetRange(t *testing.T) {
	t.Parallel()
	for prefix, want := range map[string][2]string{
		"10.42.0.0/24":   {"10.42.0.0", "10.42.0.255"},
		"10.42.1.0/27":   {"10.42.1.0", "10.42.1.31"},
		"10.42.8.0/22":   {"10.42.8.0", "10.42.11.255"},
		"10.42.8.5/22":   {"10.42.8.0", "10.42.11.255"},
		"192.0.2.7/32":   {"192.0.2.7", "192.0.2.7"},
		"2001:db8::/120": {"2001:db8::", "2001:db8::ff"},
	} {
		got := SubnetRange(netip.MustParsePrefix(prefix))
		assert.Equal(t, want, [2]string{got.From.String(), got.To.String()}, prefix)
	}
}

// TestGatewayRulesFrom checks the gateway hop's rules derived from a policy and the subscriptions.
func TestGatewayRulesFrom(t *testing.T) {
	t.Parallel()
	policy, err := ParsePolicy(samplePolicy)
	require.NoError(t, err)
	plan := &Plan{SubscriptionKeyHeader: "Ocp-Apim-Subscription-Key", SubscriptionKeys: []string{"primary$x", "secondary"},
		KeySubscriptions: map[string]string{"primary$x": "sample", "secondary": "sample"}, Policy: policy}
	rules, err := GatewayRulesFrom(plan)
	require.NoError(t, err)
	assert.Equal(t, "$http_ocp_apim_subscription_key", rules.KeyVariable)
	assert.Equal(t, []MapEntry{{Key: "'primary$x'", Value: "'sample'"}, {Key: "'secondary'", Value: "'sample'"}}, rules.Subscriptions, "one subscription's keys are one caller")
	assert.Equal(t, EdgeSourceAddress, rules.AllowedAddress)
	assert.Equal(t, `'{"statusCode": 401, "message": "`+MissingKeyMessage+`"}'`, rules.MissingKeyBody)
	assert.Equal(t, []CheckRule{{Variable: "$http_x_client_certificate_verification", Accepted: []string{"'SUCCESS'"}, Status: 403,
		Body: `'{"statusCode": 403, "message": "no certificate"}'`}}, rules.Checks)
	assert.Equal(t, []LimitRule{{Zone: "by_x_forwarded_for", Header: "$http_x_forwarded_for", Rate: "5r/m", Burst: 4},
		{Zone: "by_subscription", Rate: "7r/m", Burst: 6}}, rules.Limits)
	assert.Contains(t, rules.RateLimitedBody, "Try again in 60 seconds.")

	plan.Policy.HeaderChecks[0].Message = "costs $5"
	_, err = GatewayRulesFrom(plan)
	assert.ErrorContains(t, err, "cannot be written literally", "a $ in a body would be an nginx variable")

	plan.Policy.HeaderChecks[0] = HeaderCheck{Name: "X", Values: []string{"a.b"}, IgnoreCase: true, Code: 403, Message: "it's"}
	rules, err = GatewayRulesFrom(plan)
	require.NoError(t, err)
	assert.Equal(t, []string{`'~*^a\\.b$'`}, rules.Checks[0].Accepted)
	assert.True(t, strings.Contains(rules.Checks[0].Body, `it\'s`), rules.Checks[0].Body)

	_, err = GatewayRulesFrom(&Plan{Policy: policy})
	assert.ErrorContains(t, err, "counts by subscription, but the API requires none")
}
