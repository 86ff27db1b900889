// The mock resource monitor: records each registration and answers with realistic outputs.

package harness

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Identifiers the mocks use wherever Azure would return the caller's tenant and subscription.
const (
	// SubscriptionID is the subscription every mocked ARM ID lives in.
	SubscriptionID = "00000000-1111-2222-3333-444444444444"
	// TenantID is the Microsoft Entra tenant of every mocked identity.
	TenantID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	// ClientObjectID is the object ID of the principal running the deployment.
	ClientObjectID = "99999999-8888-7777-6666-555555555555"
)

// mocks implements pulumi.MockResourceMonitor over a recording.
type mocks struct {
	mu        sync.Mutex
	recording *Recording
	// landingZone is what exists before the stack (nil: nothing).
	landingZone *LandingZone
	// zoneGroupReads counts the reads of each private endpoint's zone group.
	zoneGroupReads map[string]int
}

func newMocks(recording *Recording, landingZone *LandingZone) *mocks {
	return &mocks{recording: recording, landingZone: landingZone, zoneGroupReads: map[string]int{}}
}

// NewResource records a registration and returns its ID and outputs.
func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	request := args.RegisterRPC
	res := &Resource{
		URN:                     urnFor(m.recording, request.GetParent(), args.TypeToken, args.Name),
		Type:                    args.TypeToken,
		Name:                    args.Name,
		Custom:                  args.Custom,
		Inputs:                  args.Inputs,
		Parent:                  request.GetParent(),
		Provider:                args.Provider,
		Providers:               request.GetProviders(),
		Dependencies:            request.GetDependencies(),
		PropertyDependencies:    map[string][]string{},
		Protect:                 request.GetProtect(),
		RetainOnDelete:          request.GetRetainOnDelete(),
		IgnoreChanges:           request.GetIgnoreChanges(),
		AdditionalSecretOutputs: request.GetAdditionalSecretOutputs(),
	}
	for property, dependencies := range request.GetPropertyDependencies() {
		res.PropertyDependencies[property] = dependencies.GetUrns()
	}
	if timeouts := request.GetCustomTimeouts(); timeouts != nil {
		res.CustomTimeouts = Timeouts{Create: timeouts.GetCreate(), Update: timeouts.GetUpdate(), Delete: timeouts.GetDelete()}
	}

	id, outputs, err := m.answer(res)
	if err != nil {
		return "", nil, fmt.Errorf("mocking %s %s: %w", args.TypeToken, args.Name, err)
	}
	// The engine keeps additionalSecretOutputs secret; the mocks do the same so tests see what users get.
	for _, name := range res.AdditionalSecretOutputs {
		key := resource.PropertyKey(name)
		if value, ok := outputs[key]; ok && !value.IsSecret() {
			outputs[key] = resource.MakeSecret(value)
		}
	}
	res.ID, res.Outputs = id, outputs

	m.mu.Lock()
	m.recording.Resources = append(m.recording.Resources, res)
	m.mu.Unlock()
	return id, outputs, nil
}

// answer computes the ID and outputs of a resource from its type and inputs.
func (m *mocks) answer(res *Resource) (string, resource.PropertyMap, error) {
	outputs := res.Inputs.Copy()
	switch {
	case !res.Custom:
		return "", outputs, nil
	case strings.HasPrefix(res.Type, "pulumi:providers:"):
		return res.Name + "-provider-id", outputs, nil
	case strings.HasPrefix(res.Type, "azure-native:"):
		return m.azureResource(res, outputs)
	case strings.HasPrefix(res.Type, "random:"):
		return randomResource(res, outputs)
	case strings.HasPrefix(res.Type, "tls:"):
		return tlsResource(res, outputs)
	case strings.HasPrefix(res.Type, "kubernetes:"):
		if err := m.checkAddOnObjects(res); err != nil {
			return "", nil, err
		}
		return res.Name + "-id", outputs, nil
	case res.Type == "pulumiservice:index:AgentPool":
		// Pulumi Cloud assigns the pool an ID and a registration token for its agents.
		outputs["agentPoolId"] = resource.NewProperty(guid(res.URN))
		outputs["tokenValue"] = resource.MakeSecret(resource.NewProperty("pul-" + strings.ReplaceAll(guid(res.URN+"/token"), "-", "")))
		return guid(res.URN), outputs, nil
	default:
		return res.Name + "-id", outputs, nil
	}
}

// Call answers provider function invocations the program makes.
func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.recording.Invokes = append(m.recording.Invokes, Invoke{Token: args.Token, Args: args.Args})
	m.mu.Unlock()
	if result, handled, err := m.answerLandingZone(args); handled {
		return result, err
	}
	switch {
	case TypeMatches(args.Token, "azure-native:authorization:getClientConfig"):
		return resource.NewPropertyMapFromMap(map[string]any{
			"clientId":       ClientObjectID,
			"objectId":       ClientObjectID,
			"subscriptionId": SubscriptionID,
			"tenantId":       TenantID,
		}), nil
	case TypeMatches(args.Token, "azure-native:containerservice:listManagedClusterUserCredentials"):
		group, name := args.Args["resourceGroupName"].StringValue(), args.Args["resourceName"].StringValue()
		fqdn, err := m.clusterFQDN(group, name)
		if err != nil {
			return nil, err
		}
		kubeconfig := ClusterUserKubeconfig(group, name, fqdn)
		return resource.NewPropertyMapFromMap(map[string]any{
			"kubeconfigs": []any{map[string]any{"name": "clusterUser", "value": base64.StdEncoding.EncodeToString([]byte(kubeconfig))}},
		}), nil
	default:
		return nil, fmt.Errorf("the harness has no mock for the function %s; add one to internal/harness/mocks.go", args.Token)
	}
}

// urnFor computes a resource's URN exactly as the mock monitor does, so recorded parents and
// dependencies can be resolved to recorded resources.
func urnFor(recording *Recording, parent, typ, name string) string {
	parentType := tokens.Type("")
	if parentURN := resource.URN(parent); parentURN != "" && parentURN.QualifiedType() != resource.RootStackType {
		parentType = parentURN.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(recording.Stack), tokens.PackageName(recording.Project), parentType,
		tokens.Type(typ), name))
}

// clusterFQDN returns the private API server name Azure gave a recorded cluster.
func (m *mocks) clusterFQDN(group, name string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, res := range m.recording.Resources {
		if strings.HasSuffix(res.Type, ":ManagedCluster") && res.InputString("resourceName") == name && res.InputString("resourceGroupName") == group {
			return res.OutputString("privateFQDN"), nil
		}
	}
	return "", fmt.Errorf("listManagedClusterUserCredentials: no cluster %s in resource group %s (ResourceNotFound)", name, group)
}

// ClusterUserKubeconfig is the exec-format kubeconfig AKS returns for a private Microsoft Entra
// cluster: the private API server name, the cluster CA, and kubelogin in device-code mode with the AKS
// server and client applications (Azure/AKS#4990: the API offers no other login).
func ClusterUserKubeconfig(group, cluster, fqdn string) string {
	return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString([]byte(clusterCAPEM)) + `
    server: https://` + fqdn + `:443
  name: ` + cluster + `
contexts:
- context:
    cluster: ` + cluster + `
    user: clusterUser_` + group + `_` + cluster + `
  name: ` + cluster + `
current-context: ` + cluster + `
kind: Config
preferences: {}
users:
- name: clusterUser_` + group + `_` + cluster + `
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - ` + TenantID + `
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      provideClusterInfo: false
`
}

// clusterCAPEM stands for the cluster CA certificate AKS puts in its kubeconfigs.
const clusterCAPEM = "-----BEGIN CERTIFICATE-----\nMIIE6DCCAtCgAwIBAgIQ\n-----END CERTIFICATE-----\n"
