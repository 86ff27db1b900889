// The runner: where `pulumi up` runs, read from its environment rather than from the stack file.

package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/kubeconfig"
)

// APIServerTunnelPortVariable names the environment variable scripts/deploy.sh sets to the local port
// of the Azure Bastion tunnel it opens to the private API server.
const APIServerTunnelPortVariable = "APIPLATFORM_API_SERVER_TUNNEL_PORT"

// InClusterExcludedVariable names the environment variable scripts/deploy.sh sets to true for its
// first run, which excludes the in-cluster layer (`pulumi up --exclude`): the program registers the
// layer as always, and its inCluster output says what that run left out.
const InClusterExcludedVariable = "APIPLATFORM_IN_CLUSTER_EXCLUDED"

// Runner is what the program learns from the environment it runs in. The same stack is deployed from a
// workstation through a tunnel (`make deploy`) and from a Pulumi Deployments agent inside the virtual
// network, so how the API server is reached is not a setting of the stack.
type Runner struct {
	// APIServerTunnelPort is the raw value of APIPLATFORM_API_SERVER_TUNNEL_PORT; empty means the
	// runner reaches the private API server directly.
	APIServerTunnelPort string
	// InClusterExcluded is true when the run excludes the in-cluster layer (deploy.sh's first run).
	InClusterExcluded bool
}

// RunnerFromEnvironment reads the runner from the environment through lookup (os.LookupEnv).
func RunnerFromEnvironment(lookup func(string) (string, bool)) Runner {
	port, _ := lookup(APIServerTunnelPortVariable)
	excluded, _ := lookup(InClusterExcludedVariable)
	return Runner{APIServerTunnelPort: strings.TrimSpace(port), InClusterExcluded: strings.TrimSpace(excluded) == "true"}
}

// KubernetesAccess is how the provider reaches the API server: the tunnel's port (zero: directly)
// and the login method.
func (c *Config) KubernetesAccess() kubeconfig.Access {
	port, _ := strconv.Atoi(c.Runner.APIServerTunnelPort)
	return kubeconfig.Access{TunnelPort: port, Login: c.Kubernetes.LoginMethod}
}

// validateClusterAccess checks the login method and, when the runner tunnels, that the tunnel has
// something to go through.
func validateClusterAccess(c *Config, problems *problemList) {
	if !slices.Contains(kubeconfig.LoginMethods(), c.Kubernetes.LoginMethod) {
		problems.add("kubernetes.loginMethod", c.Kubernetes.LoginMethod, "must be one of %s: kubelogin signs in without a person at the keyboard "+
			"(devicecode and interactive would wait for one, Azure/AKS#4990)", kubeconfig.LoginMethodNames())
	}
	raw := c.Runner.APIServerTunnelPort
	if raw == "" {
		return
	}
	if port, err := strconv.Atoi(raw); err != nil || port < 1024 || port > 65535 {
		problems.addEnvironment(APIServerTunnelPortVariable, raw, "must be a TCP port from 1024 to 65535: the local end of the Bastion tunnel to the API server")
	}
	if c.Kubernetes.DeployInCluster && !c.Perimeter.BastionEnabled {
		problems.add("perimeter.bastionEnabled", false, "must be true when the in-cluster layer is deployed through the Bastion tunnel (%s is set, as `make deploy` does); "+
			"or deploy from inside the virtual network (a Pulumi Deployments agent) without it, or set kubernetes.deployInCluster false", APIServerTunnelPortVariable)
	}
}
