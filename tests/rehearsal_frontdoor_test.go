// Front Door through the local rehearsal: a Front Door stand-in in front of the edge adds the profile's
// X-Azure-FDID, and the edge's WAF rule, read from the recording, refuses every request without it
// (issue 19).

package tests

import (
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
)

// TestRehearsalFrontDoor sends requests through Front Door and around it: through it they pass all
// five hops; straight to the gateway they are refused by its WAF, with or without a forged ID of
// another profile; and an origin certificate from the private CA fails at Front Door.
func TestRehearsalFrontDoor(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, recording := startRehearsal(t, "prod", edgeAndData...)
	plan := running.Plan
	require.NotNil(t, plan.FrontDoor, "the recording has a Front Door")
	profile := single(t, recording.OfType("azure-native:cdn:Profile"), "profile", func(*harness.Resource) bool { return true })
	assert.Equal(t, profile.OutputString("frontDoorId"), plan.FrontDoor.ID, "the stand-in sends the ID Azure gave the profile")
	require.Len(t, plan.EdgeRequiredHeaders, 1, "the gateway's WAF requires one header")
	assert.Equal(t, rehearsal.FrontDoorIDHeader, plan.EdgeRequiredHeaders[0].Name)
	assert.True(t, plan.ListenerBrought, "the listener is the user's public certificate")

	assert.Equal(t, "api.contoso.example", plan.FrontDoor.PublicHost, "callers use the public host")
	assert.Equal(t, frontDoorOrigin, plan.PublicHost, "the gateway's listener serves the origin host")
	frontDoorURL := func(port int) string { return rehearsal.URL(plan.FrontDoor.PublicHost, port, "/echo/") }
	url := func(port int) string { return rehearsal.URL(plan.PublicHost, port, "/echo/") }
	status, body := send(t, running.Client(running.FrontDoorPort, nil, 0), frontDoorURL(running.FrontDoorPort), withKey(plan))
	require.Equal(t, http.StatusOK, status, body)
	echo := echoOf(t, body)
	assert.Equal(t, "/", echo.Path, "through Front Door, the gateway, API Management and the ingress to the pod")
	assertNoCallerHeaders(t, plan, echo)

	around := running.Client(running.EdgePort, nil, 0)
	reached := strings.Count(running.GatewayAccessLog(), "\n")
	for _, tc := range []struct {
		name    string
		headers http.Header
	}{
		{"no Front Door ID", withKey(plan)},
		{"another profile's ID", withKey(plan, rehearsal.FrontDoorIDHeader, "a81fc6f3-0d7e-4c8b-9a54-7c1e2f3d4b5a")},
		{"the ID with a suffix", withKey(plan, rehearsal.FrontDoorIDHeader, plan.FrontDoor.ID+"x")},
	} {
		status, body := send(t, around, url(running.EdgePort), tc.headers)
		assert.Equal(t, http.StatusForbidden, status, "%s: the gateway's WAF blocks a request that did not come through this Front Door", tc.name)
		assert.Contains(t, body, "Microsoft-Azure-Application-Gateway/v2", tc.name)
	}
	assert.Equal(t, reached, strings.Count(running.GatewayAccessLog(), "\n"), "a refused request never reaches API Management")
	status, _ = send(t, around, url(running.EdgePort), withKey(plan, rehearsal.FrontDoorIDHeader, strings.ToUpper(plan.FrontDoor.ID)))
	assert.Equal(t, http.StatusOK, status, "the rule compares in lower case, as its Lowercase transform does")

	// An origin whose certificate the private CA signed: Front Door trusts public CAs only.
	privateListener := issue(t, plan, plan.PublicHost, x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	broken, err := running.StartPath("private-listener", rehearsal.Faults{Listener: &privateListener})
	require.NoError(t, err)
	status, _ = send(t, running.Client(broken.FrontDoorPort, nil, 0), frontDoorURL(broken.FrontDoorPort), withKey(plan))
	assert.Equal(t, http.StatusBadGateway, status, "Front Door refuses an origin certificate from a private CA")
}

// TestRehearsalFrontDoorCountsTheSocketAddress shows the per-address limit behind Front Door counts the
// address Front Door saw: callers who claim other addresses in X-Forwarded-For, X-Azure-ClientIP or
// X-Azure-SocketIP share one counter.
func TestRehearsalFrontDoorCountsTheSocketAddress(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, _ := startRehearsal(t, "prod", append(edgeAndData[:len(edgeAndData):len(edgeAndData)], harness.Set("apiManagement.rateLimitCalls", 5))...)
	plan := running.Plan
	client := running.Client(running.FrontDoorPort, nil, 0)
	passed, refused := callUntilLimited(t, 8, func(i int) (int, string) {
		spoofed := []string{"203.0.113.1", "198.51.100.2"}[i%2]
		return send(t, client, rehearsal.URL(plan.FrontDoor.PublicHost, running.FrontDoorPort, "/echo/"),
			withKey(plan, "X-Forwarded-For", spoofed, "X-Azure-ClientIP", spoofed, "X-Azure-SocketIP", spoofed))
	})
	assert.Equal(t, 5, passed, "spoofed addresses share the socket address's counter")
	assert.NotEmpty(t, refused, "the sixth call is limited")
	assert.Equal(t, 6, strings.Count(running.GatewayAccessLog(), `X-Forwarded-For="127.0.0.1"`),
		"the gateway wrote the address Front Door saw the caller at: neither a spoofed one nor Front Door's own ("+rehearsal.FrontDoorSourceAddress+")")
}
