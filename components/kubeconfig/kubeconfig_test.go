// Unit tests of the provider kubeconfig: every runner and login method, and what is refused.

package kubeconfig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aksUserKubeconfig is what listClusterUserCredential (format exec) returns for a private Microsoft
// Entra cluster: kubelogin in device-code mode (Azure/AKS#4990), the private FQDN as server.
const aksUserKubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUU2RENDQXRDZ0F3SUJBZ0lRCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://apiplat-dev-aks-3f9c1a2b.7d0c2e44-1b9e-4a55-9d8e-0c6f2a1b3c4d.privatelink.westeurope.azmk8s.io:443
  name: apiplat-dev-aks
contexts:
- context:
    cluster: apiplat-dev-aks
    user: clusterUser_apiplat-dev-rg_apiplat-dev-aks
  name: apiplat-dev-aks
current-context: apiplat-dev-aks
kind: Config
preferences: {}
users:
- name: clusterUser_apiplat-dev-rg_apiplat-dev-aks
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
      - aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.
      provideClusterInfo: false
`

// built is the provider kubeconfig, decoded.
type built struct {
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server        string `json:"server"`
			TLSServerName string `json:"tls-server-name"`
			CA            string `json:"certificate-authority-data"`
		} `json:"cluster"`
	} `json:"clusters"`
	CurrentContext string `json:"current-context"`
	Contexts       []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			Exec struct {
				Command         string `json:"command"`
				Args            []string
				Env             []struct{ Name, Value string }
				InteractiveMode string `json:"interactiveMode"`
			} `json:"exec"`
		} `json:"user"`
	} `json:"users"`
}

func TestForProvider(t *testing.T) {
	const fqdn = "apiplat-dev-aks-3f9c1a2b.7d0c2e44-1b9e-4a55-9d8e-0c6f2a1b3c4d.privatelink.westeurope.azmk8s.io"
	for _, tc := range []struct {
		name          string
		access        Access
		server        string
		tlsServerName string
		args          []string
	}{
		{"workstation through the Bastion tunnel", Access{TunnelPort: 16443, Login: AzureCLILogin}, "https://127.0.0.1:16443", fqdn,
			[]string{"get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--environment", "AzurePublicCloud"}},
		{"agent inside the network with workload identity", Access{Login: WorkloadIdentityLogin}, "https://" + fqdn + ":443", "",
			[]string{"get-token", "--login", "workloadidentity", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--environment", "AzurePublicCloud",
				"--tenant-id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}},
		{"service principal", Access{Login: ServicePrincipalLogin}, "https://" + fqdn + ":443", "",
			[]string{"get-token", "--login", "spn", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--environment", "AzurePublicCloud",
				"--tenant-id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}},
		{"managed identity of the jumpbox", Access{Login: ManagedIdentityLogin}, "https://" + fqdn + ":443", "",
			[]string{"get-token", "--login", "msi", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--environment", "AzurePublicCloud"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, err := ForProvider(aksUserKubeconfig, tc.access)
			require.NoError(t, err)
			assert.NotContains(t, text, "devicecode", "no trace of the device-code login AKS wrote")
			var config built
			require.NoError(t, json.Unmarshal([]byte(text), &config))
			require.Len(t, config.Clusters, 1)
			assert.Equal(t, tc.server, config.Clusters[0].Cluster.Server)
			assert.Equal(t, tc.tlsServerName, config.Clusters[0].Cluster.TLSServerName)
			assert.True(t, strings.HasPrefix(config.Clusters[0].Cluster.CA, "LS0tLS1CRUdJTi"), "the cluster CA is kept")
			require.Len(t, config.Contexts, 1)
			assert.Equal(t, config.CurrentContext, config.Contexts[0].Name)
			assert.Equal(t, config.Clusters[0].Name, config.Contexts[0].Context.Cluster)
			require.Len(t, config.Users, 1)
			assert.Equal(t, config.Users[0].Name, config.Contexts[0].Context.User)
			exec := config.Users[0].User.Exec
			assert.Equal(t, "kubelogin", exec.Command)
			assert.Equal(t, tc.args, exec.Args)
			assert.Empty(t, exec.Env, "a runner may override the method with its own %s", LoginMethodEnvironment)
			assert.Equal(t, "Never", exec.InteractiveMode, "client-go never hands kubelogin a terminal")
		})
	}
}

func TestForProviderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, kubeconfig string
		access           Access
		message          string
	}{
		{"device code", aksUserKubeconfig, Access{Login: "devicecode"}, `login method "devicecode" is not one of azurecli, workloadidentity, spn, msi`},
		{"interactive", aksUserKubeconfig, Access{Login: "interactive"}, `login method "interactive"`},
		{"a port that is not one", aksUserKubeconfig, Access{Login: AzureCLILogin, TunnelPort: 70000}, "tunnel port 70000"},
		{"not YAML", "{", Access{Login: AzureCLILogin}, "reading the cluster's user kubeconfig"},
		{"a local account's kubeconfig", strings.Replace(aksUserKubeconfig, "command: kubelogin", "command: other", 1), Access{Login: AzureCLILogin}, "does not run kubelogin"},
		{"no server application", strings.Replace(aksUserKubeconfig, "--server-id", "--other", 1), Access{Login: AzureCLILogin}, "no --server-id"},
		{"no current cluster", strings.Replace(aksUserKubeconfig, "current-context: apiplat-dev-aks", "current-context: other", 1), Access{Login: AzureCLILogin}, `current context "other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ForProvider(tc.kubeconfig, tc.access)
			require.ErrorContains(t, err, tc.message)
		})
	}
}
