// Protocol test: the built policy pack, started the way the Pulumi CLI starts an analyzer, answers the
// analyzer gRPC protocol and reports violations.

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// startPack builds the policy pack, starts it, and connects to the port it prints, as the engine does.
func startPack(t *testing.T) pulumirpc.AnalyzerClient {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "apiplatform-policy")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "the policy pack builds")

	server := exec.Command(binary)
	stdout, err := server.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, server.Start())
	t.Cleanup(func() {
		_ = server.Process.Kill()
		_ = server.Wait()
	})
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	var address string
	select {
	case address = <-port:
	case <-time.After(30 * time.Second):
		t.Fatal("the policy pack did not print its port")
	}
	require.Regexp(t, `^\d+$`, address, "the first line of output is the port")
	connection, err := grpc.NewClient("127.0.0.1:"+address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = connection.Close() })
	return pulumirpc.NewAnalyzerClient(connection)
}

// properties marshals a property map for the protocol.
func properties(t *testing.T, values map[string]any) *pulumirpc.AnalyzeRequest {
	t.Helper()
	marshalled, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(values), plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true})
	require.NoError(t, err)
	return &pulumirpc.AnalyzeRequest{Properties: marshalled}
}

// configuredPack starts the built pack and does what the engine does first: the handshake and the
// stack configuration (dev, a preview). The context ends with the test.
func configuredPack(t *testing.T) (pulumirpc.AnalyzerClient, context.Context) {
	t.Helper()
	client := startPack(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	directory, err := os.Getwd()
	require.NoError(t, err)
	_, err = client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{RootDirectory: &directory, ProgramDirectory: &directory})
	require.NoError(t, err)
	_, err = client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: "dev", Project: "apiplatform", DryRun: true})
	require.NoError(t, err)
	return client, ctx
}

// TestPolicyPackSpeaksTheAnalyzerProtocol runs handshake, stack configuration, analyzer info, resource
// analysis and stack analysis over gRPC against the real binary.
func TestPolicyPackSpeaksTheAnalyzerProtocol(t *testing.T) {
	client, ctx := configuredPack(t)

	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, pack.Name, info.GetName())
	assert.Len(t, info.GetPolicies(), len(pack.Policies()))
	levels := map[string]pulumirpc.EnforcementLevel{}
	for _, policy := range info.GetPolicies() {
		levels[policy.GetName()] = policy.GetEnforcementLevel()
	}
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, levels["agw-waf-prevention"])
	assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, levels["secrets-sensitive-names"])
	pluginInfo, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, pack.Version.String(), pluginInfo.GetVersion())

	request := properties(t, map[string]any{"properties": map[string]any{
		"enableRbacAuthorization": true, "enablePurgeProtection": false,
		"networkAcls": map[string]any{"defaultAction": "Deny", "ipRules": []any{}},
	}})
	request.Type, request.Name = "azure-native:keyvault:Vault", "kv"
	request.Urn = "urn:pulumi:dev::apiplatform::azure-native:keyvault:Vault::kv"
	analysis, err := client.Analyze(ctx, request)
	require.NoError(t, err)
	require.Len(t, analysis.GetDiagnostics(), 1, "one violation: %v", analysis.GetDiagnostics())
	violation := analysis.GetDiagnostics()[0]
	assert.Equal(t, "keyvault-purge-protection", violation.GetPolicyName())
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, violation.GetEnforcementLevel())
	assert.Equal(t, request.Urn, violation.GetUrn())
	assert.Contains(t, violation.GetMessage(), "Fix: set properties.enablePurgeProtection true.")

	registry := properties(t, map[string]any{"adminUserEnabled": false, "publicNetworkAccess": "Disabled"})
	stack, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{{
		Type: "azure-native:containerregistry:Registry", Name: "acr", Urn: "urn:pulumi:dev::apiplatform::azure-native:containerregistry:Registry::acr",
		Properties: registry.Properties,
	}}})
	require.NoError(t, err)
	var policies []string
	for _, diagnostic := range stack.GetDiagnostics() {
		policies = append(policies, diagnostic.GetPolicyName())
	}
	assert.ElementsMatch(t, []string{"paas-private-endpoint", "diagnostics-everywhere"}, policies,
		"a registry alone has neither a private endpoint nor a diagnostic setting")

	_, err = client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
		"keyvault-purge-protection": {EnforcementLevel: pulumirpc.EnforcementLevel_DISABLED},
	}})
	require.NoError(t, err)
	analysis, err = client.Analyze(ctx, request)
	require.NoError(t, err)
	assert.Empty(t, analysis.GetDiagnostics(), "a disabled policy reports nothing")
}

// TestStackPolicyConfigurationOverTheProtocol checks a stack policy's configuration reaches it under
// the engine: `--policy-pack-config` arrives in Configure, the engine asks for remediations of each
// resource (which hand it over, and change nothing) before it analyzes the stack, so the opt-out of
// api-requires-credential lets the named API through, and only while it is configured.
func TestStackPolicyConfigurationOverTheProtocol(t *testing.T) {
	client, ctx := configuredPack(t)
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err)
	var schema map[string]any
	for _, policy := range info.GetPolicies() {
		if policy.GetName() == "api-requires-credential" {
			assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, policy.GetEnforcementLevel())
			schema = policy.GetConfigSchema().GetProperties().AsMap()
		}
	}
	assert.Contains(t, schema, "anonymousApisAllowed", "the engine validates the opt-out against the schema")

	urn := func(token, name string) string { return "urn:pulumi:dev::apiplatform::" + token + "::" + name }
	stackResource := func(token, name string, values map[string]any) *pulumirpc.AnalyzerResource {
		return &pulumirpc.AnalyzerResource{Type: token, Name: name, Urn: urn(token, name), Properties: properties(t, values).Properties}
	}
	apiProperties := map[string]any{"apiId": "echo", "path": "echo", "subscriptionRequired": false}
	stack := []*pulumirpc.AnalyzerResource{
		stackResource("azure-native:network:ApplicationGateway", "agw", map[string]any{"sku": map[string]any{"tier": "WAF_v2"}}),
		stackResource("azure-native:apimanagement:Api", "echo-api", apiProperties),
		stackResource("azure-native:apimanagement:ApiPolicy", "echo-api-policy", map[string]any{"apiId": "echo", "format": "rawxml",
			"value": `<policies><inbound><base /><set-backend-service backend-id="echo-backend" /></inbound></policies>`}),
	}
	credentialViolations := func(config map[string]any) []string {
		settings, err := structpb.NewStruct(config)
		require.NoError(t, err)
		_, err = client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
			"api-requires-credential": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY, Properties: settings},
		}})
		require.NoError(t, err)
		remediate := analyzeRequest(t, "azure-native:apimanagement:Api", "echo-api", urn("azure-native:apimanagement:Api", "echo-api"), apiProperties)
		remediation, err := client.Remediate(ctx, remediate)
		require.NoError(t, err)
		assert.Empty(t, remediation.GetRemediations(), "the configuration hook changes nothing")
		analysis, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: stack})
		require.NoError(t, err)
		var messages []string
		for _, diagnostic := range analysis.GetDiagnostics() {
			if diagnostic.GetPolicyName() == "api-requires-credential" {
				assert.Equal(t, urn("azure-native:apimanagement:Api", "echo-api"), diagnostic.GetUrn())
				messages = append(messages, diagnostic.GetMessage())
			}
		}
		return messages
	}
	messages := credentialViolations(map[string]any{})
	require.Len(t, messages, 1, "an anonymous API behind the edge")
	assert.Contains(t, messages[0], `API "echo" (echo-api) takes no credential`)
	assert.Empty(t, credentialViolations(map[string]any{"anonymousApisAllowed": []any{"echo"}}), "the opt-out is honoured")
	assert.Len(t, credentialViolations(map[string]any{"anonymousApisAllowed": []any{"sample"}}), 1, "the opt-out names APIs")
}

// analyzeRequest builds an analyze request for one resource.
func analyzeRequest(t *testing.T, token, name, urn string, values map[string]any) *pulumirpc.AnalyzeRequest {
	t.Helper()
	request := properties(t, values)
	request.Type, request.Name, request.Urn = token, name, urn
	return request
}
