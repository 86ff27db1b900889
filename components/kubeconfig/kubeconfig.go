// Package kubeconfig builds the kubeconfig the program's Kubernetes provider uses from the one AKS
// returns for a Microsoft Entra cluster (listClusterUserCredential, format exec).
//
// AKS's kubeconfig runs kubelogin with `--login devicecode`, which prompts for a code in a browser and
// hangs any run without a person at the keyboard; the API offers no parameter to choose another login
// (Azure/AKS#4990). The kubeconfig built here keeps the cluster's address, CA and server application,
// and states a non-interactive login method and that kubelogin must never prompt. For a private cluster reached through a local tunnel, it points the
// server at the tunnel and keeps the API server's own name for TLS, as `az aks bastion` does.
//
// It is pure Go (no Pulumi), so it is unit-tested beside the code.
package kubeconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoginMethod is how kubelogin obtains the Microsoft Entra token for the API server
// (https://azure.github.io/kubelogin/cli/get-token.html).
type LoginMethod string

// The non-interactive login methods the program offers.
const (
	// AzureCLILogin reuses the Azure CLI's sign-in (`az login`): a workstation, or an agent whose job
	// signs the CLI in.
	AzureCLILogin LoginMethod = "azurecli"
	// WorkloadIdentityLogin exchanges a federated token (AZURE_CLIENT_ID, AZURE_TENANT_ID,
	// AZURE_FEDERATED_TOKEN_FILE): an agent running in Kubernetes with workload identity.
	WorkloadIdentityLogin LoginMethod = "workloadidentity"
	// ServicePrincipalLogin uses a service principal's secret or certificate (AZURE_CLIENT_ID with
	// AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH).
	ServicePrincipalLogin LoginMethod = "spn"
	// ManagedIdentityLogin uses the managed identity of the VM the runner is on.
	ManagedIdentityLogin LoginMethod = "msi"
)

// LoginMethods lists every supported login method, the default first.
func LoginMethods() []LoginMethod {
	return []LoginMethod{AzureCLILogin, WorkloadIdentityLogin, ServicePrincipalLogin, ManagedIdentityLogin}
}

// LoginMethodEnvironment is kubelogin's environment variable for the login method. It overrides the
// command line (kubelogin's UpdateFromEnv), so a runner that signs in differently from the stack's
// default sets it rather than changing the kubeconfig: the Pulumi Deployments settings set it to
// workloadidentity, with the deployment's OIDC token file.
const LoginMethodEnvironment = "AAD_LOGIN_METHOD"

// Access says how the runner reaches the API server.
type Access struct {
	// TunnelPort, when not zero, is the local port of a tunnel to the API server (Azure Bastion's
	// native client tunnel, which binds IPv4 loopback): the server becomes https://127.0.0.1:<port>
	// and TLS still verifies the API server's own name. Zero means the runner resolves and reaches the
	// private FQDN itself (a Pulumi Deployments agent or the jumpbox, inside the virtual network).
	TunnelPort int
	// Login is kubelogin's login method.
	Login LoginMethod
}

// file is the part of a kubeconfig the program reads and writes; field order is kubectl's.
type file struct {
	APIVersion     string         `yaml:"apiVersion" json:"apiVersion"`
	Kind           string         `yaml:"kind" json:"kind"`
	Clusters       []namedCluster `yaml:"clusters" json:"clusters"`
	Contexts       []namedContext `yaml:"contexts" json:"contexts"`
	CurrentContext string         `yaml:"current-context" json:"current-context"`
	Users          []namedUser    `yaml:"users" json:"users"`
}

type namedCluster struct {
	Name    string  `yaml:"name" json:"name"`
	Cluster cluster `yaml:"cluster" json:"cluster"`
}

type cluster struct {
	Server                   string `yaml:"server" json:"server"`
	TLSServerName            string `yaml:"tls-server-name,omitempty" json:"tls-server-name,omitempty"`
	CertificateAuthorityData string `yaml:"certificate-authority-data" json:"certificate-authority-data"`
}

type namedContext struct {
	Name    string  `yaml:"name" json:"name"`
	Context context `yaml:"context" json:"context"`
}

type context struct {
	Cluster string `yaml:"cluster" json:"cluster"`
	User    string `yaml:"user" json:"user"`
}

type namedUser struct {
	Name string `yaml:"name" json:"name"`
	User user   `yaml:"user" json:"user"`
}

type user struct {
	Exec *exec `yaml:"exec" json:"exec"`
}

type exec struct {
	APIVersion         string        `yaml:"apiVersion" json:"apiVersion"`
	Command            string        `yaml:"command" json:"command"`
	Args               []string      `yaml:"args" json:"args"`
	Env                []environment `yaml:"env" json:"env"`
	InstallHint        string        `yaml:"installHint,omitempty" json:"installHint,omitempty"`
	ProvideClusterInfo bool          `yaml:"provideClusterInfo" json:"provideClusterInfo"`
	InteractiveMode    string        `yaml:"interactiveMode,omitempty" json:"interactiveMode,omitempty"`
}

type environment struct {
	Name  string `yaml:"name" json:"name"`
	Value string `yaml:"value" json:"value"`
}

// installHint is what kubectl-style clients print when kubelogin is missing.
const installHint = "kubelogin is required to sign in to this Microsoft Entra cluster: `az aks install-cli` installs it (https://azure.github.io/kubelogin/install.html)"

// ForProvider returns the provider's kubeconfig (JSON, which every kubeconfig reader accepts) built
// from AKS's user kubeconfig for access.
func ForProvider(userKubeconfig string, access Access) (string, error) {
	if !slices.Contains(LoginMethods(), access.Login) {
		return "", fmt.Errorf("kubeconfig: login method %q is not one of %s", access.Login, LoginMethodNames())
	}
	if access.TunnelPort < 0 || access.TunnelPort > 65535 {
		return "", fmt.Errorf("kubeconfig: tunnel port %d is not a TCP port", access.TunnelPort)
	}
	var source file
	if err := yaml.Unmarshal([]byte(userKubeconfig), &source); err != nil {
		return "", fmt.Errorf("kubeconfig: reading the cluster's user kubeconfig: %w", err)
	}
	server, err := currentCluster(source)
	if err != nil {
		return "", err
	}
	serverID, environmentName, tenantID, err := kubeloginArguments(source)
	if err != nil {
		return "", err
	}
	address, err := url.Parse(server.Cluster.Server)
	if err != nil || address.Scheme != "https" || address.Hostname() == "" {
		return "", fmt.Errorf("kubeconfig: the cluster's server %q is not an https URL", server.Cluster.Server)
	}
	built := cluster{Server: server.Cluster.Server, CertificateAuthorityData: server.Cluster.CertificateAuthorityData}
	if access.TunnelPort != 0 {
		// The API server's certificate names its FQDN, not localhost: TLS checks that name.
		built.Server = "https://127.0.0.1:" + strconv.Itoa(access.TunnelPort)
		built.TLSServerName = address.Hostname()
	}
	args := []string{"get-token", "--login", string(access.Login), "--server-id", serverID}
	if environmentName != "" {
		args = append(args, "--environment", environmentName)
	}
	// The Azure CLI and a managed identity know their tenant; the other methods are told it.
	if tenantID != "" && (access.Login == WorkloadIdentityLogin || access.Login == ServicePrincipalLogin) {
		args = append(args, "--tenant-id", tenantID)
	}
	userName := "clusterUser"
	config := file{
		APIVersion: "v1", Kind: "Config",
		Clusters:       []namedCluster{{Name: server.Name, Cluster: built}},
		Contexts:       []namedContext{{Name: server.Name, Context: context{Cluster: server.Name, User: userName}}},
		CurrentContext: server.Name,
		Users: []namedUser{{Name: userName, User: user{Exec: &exec{
			APIVersion: "client.authentication.k8s.io/v1beta1", Command: "kubelogin", Args: args,
			InstallHint: installHint, InteractiveMode: "Never",
		}}}},
	}
	encoded, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return "", fmt.Errorf("kubeconfig: encoding: %w", err)
	}
	return string(encoded), nil
}

// currentCluster returns the cluster of the current context.
func currentCluster(source file) (namedCluster, error) {
	clusterName := ""
	for _, named := range source.Contexts {
		if named.Name == source.CurrentContext {
			clusterName = named.Context.Cluster
		}
	}
	for _, named := range source.Clusters {
		if named.Name == clusterName {
			return named, nil
		}
	}
	return namedCluster{}, fmt.Errorf("kubeconfig: the cluster's user kubeconfig has no cluster for its current context %q", source.CurrentContext)
}

// kubeloginArguments reads the server application ID (required by every login method), the cloud
// environment and the tenant from the kubelogin command AKS wrote.
func kubeloginArguments(source file) (serverID, environmentName, tenantID string, err error) {
	if len(source.Users) != 1 || source.Users[0].User.Exec == nil || source.Users[0].User.Exec.Command != "kubelogin" {
		return "", "", "", errors.New("kubeconfig: the cluster's user kubeconfig does not run kubelogin (is Microsoft Entra integration on, and the format exec?)")
	}
	args := source.Users[0].User.Exec.Args
	value := func(flag string) string {
		for i, arg := range args {
			if arg == flag && i+1 < len(args) {
				return args[i+1]
			}
			if value, found := strings.CutPrefix(arg, flag+"="); found {
				return value
			}
		}
		return ""
	}
	serverID = value("--server-id")
	if serverID == "" {
		return "", "", "", errors.New("kubeconfig: the cluster's kubelogin command has no --server-id")
	}
	return serverID, value("--environment"), value("--tenant-id"), nil
}

// LoginMethodNames lists the supported login methods for messages, the default first.
func LoginMethodNames() string {
	methods := LoginMethods()
	names := make([]string, len(methods))
	for i, method := range methods {
		names[i] = string(method)
	}
	return strings.Join(names, ", ")
}
