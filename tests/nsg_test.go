// Network security groups evaluated as Azure evaluates them: the recorded rules, then Azure's default
// rules, first match by priority. A subnet that admits "only" some sources must refuse the rest of the
// network, which Azure's default AllowVnetInBound would otherwise let in.

package tests

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// azureHostAddress is 168.63.129.16, Azure's virtual host address: load balancer probes come from it,
// and the VirtualNetwork service tag includes it.
var azureHostAddress = netip.MustParseAddr("168.63.129.16")

// defaultInboundRules are the default rules Azure appends to every network security group
// (virtual-network/network-security-groups-overview.md, "Default security rules").
var defaultInboundRules = []map[string]any{
	{"name": "AllowVnetInBound", "priority": float64(65000), "access": "Allow", "protocol": "*",
		"sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "*"},
	{"name": "AllowAzureLoadBalancerInBound", "priority": float64(65001), "access": "Allow", "protocol": "*",
		"sourceAddressPrefix": "AzureLoadBalancer", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
	{"name": "DenyAllInBound", "priority": float64(65500), "access": "Deny", "protocol": "*",
		"sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
}

// flow is an inbound connection: source and destination addresses, protocol and port.
type flow struct {
	name        string
	source      string // an address, or "peered" for an address of a peered network (in VirtualNetwork, outside the space)
	destination string
	protocol    string
	port        int
	allowed     bool
}

// nsgEvaluator decides flows the way Azure does for one group and one virtual network.
type nsgEvaluator struct {
	space netip.Prefix
	rules []map[string]any
}

// inTag reports whether an address (or "peered") belongs to a service tag.
func (e nsgEvaluator) inTag(tag, address string) bool {
	if address == "peered" {
		return tag == "VirtualNetwork"
	}
	addr := netip.MustParseAddr(address)
	switch tag {
	case "VirtualNetwork":
		return e.space.Contains(addr) || addr == azureHostAddress
	case "AzureLoadBalancer":
		return addr == azureHostAddress
	case "Internet":
		return !e.space.Contains(addr) && addr != azureHostAddress && !addr.IsPrivate()
	}
	return false // other tags (GatewayManager, ApiManagement) are Azure's own ranges, never a flow here
}

// matchesAddress reports whether a rule's address prefix covers an address.
func (e nsgEvaluator) matchesAddress(prefix, address string) bool {
	if prefix == "*" {
		return true
	}
	if block, err := netip.ParsePrefix(prefix); err == nil {
		return address != "peered" && block.Contains(netip.MustParseAddr(address))
	}
	return e.inTag(prefix, address)
}

// matchesPort reports whether a rule's ports cover a port.
func matchesPort(rule map[string]any, port int) bool {
	for _, spec := range ports(rule) {
		low, high, ranged := strings.Cut(spec, "-")
		if spec == "*" {
			return true
		}
		from, _ := strconv.Atoi(low)
		to := from
		if ranged {
			to, _ = strconv.Atoi(high)
		}
		if port >= from && port <= to {
			return true
		}
	}
	return false
}

// decide returns whether the flow is allowed and the rule that decided it.
func (e nsgEvaluator) decide(f flow) (bool, string) {
	rules := append(slices.Clone(e.rules), defaultInboundRules...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i]["priority"].(float64) < rules[j]["priority"].(float64) })
	for _, rule := range rules {
		if direction, _ := rule["direction"].(string); direction == "Outbound" {
			continue
		}
		protocol := rule["protocol"].(string)
		if protocol != "*" && !strings.EqualFold(protocol, f.protocol) {
			continue
		}
		if e.matchesAddress(rule["sourceAddressPrefix"].(string), f.source) && e.matchesAddress(rule["destinationAddressPrefix"].(string), f.destination) &&
			matchesPort(rule, f.port) {
			return rule["access"] == "Allow", rule["name"].(string)
		}
	}
	return false, "none"
}

// hostIn returns the n-th address of a CIDR block (n >= 4 is an address Azure hands out).
func hostIn(cidr string, n int) string {
	address := netip.MustParsePrefix(cidr).Addr()
	for range n {
		address = address.Next()
	}
	return address.String()
}

// TestOnlyRulesHoldAgainstAzureDefaults evaluates inbound flows against each group's recorded rules
// followed by Azure's defaults: the jumpbox takes SSH only from Bastion; the nodes take only API
// Management on 443 (and the jumpbox), besides what AKS needs itself; API Management takes the
// gateway, its own units and the jumpbox; the rest of the network, peerings included, is refused.
func TestOnlyRulesHoldAgainstAzureDefaults(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	s := cfg.Network.Subnets
	ingress := cfg.IngressPrivateIP()
	pod := hostIn(cfg.Kubernetes.PodCIDR, 300)
	groups := map[naming.SubnetRole][]flow{
		naming.SubnetJumpbox: {
			{"SSH from Bastion", hostIn(s.Bastion, 5), hostIn(s.Jumpbox, 4), "Tcp", 22, true},
			{"SSH from a node", hostIn(s.KubernetesNodes, 6), hostIn(s.Jumpbox, 4), "Tcp", 22, false},
			{"SSH from API Management", hostIn(s.APIManagement, 5), hostIn(s.Jumpbox, 4), "Tcp", 22, false},
			{"SSH from a peered network", "peered", hostIn(s.Jumpbox, 4), "Tcp", 22, false},
		},
		naming.SubnetKubernetesNodes: {
			{"API Management to the ingress", hostIn(s.APIManagement, 5), ingress, "Tcp", 443, true},
			{"the gateway to the ingress", hostIn(s.ApplicationGateway, 10), ingress, "Tcp", 443, false},
			{"a private endpoint's subnet to the ingress", hostIn(s.PrivateEndpoints, 4), ingress, "Tcp", 443, false},
			{"a peered network to the ingress", "peered", ingress, "Tcp", 443, false},
			{"a peered network to a kubelet", "peered", hostIn(s.KubernetesNodes, 4), "Tcp", 10250, false},
			{"the jumpbox to the ingress", hostIn(s.Jumpbox, 4), ingress, "Tcp", 443, true},
			{"node to node", hostIn(s.KubernetesNodes, 4), hostIn(s.KubernetesNodes, 5), "Tcp", 10250, true},
			{"pod to pod across nodes", pod, hostIn(cfg.Kubernetes.PodCIDR, 900), "Udp", 53, true},
			{"load balancer probe", azureHostAddress.String(), ingress, "Tcp", 15021, true},
		},
		naming.SubnetAPIManagement: {
			{"the gateway to API Management", hostIn(s.ApplicationGateway, 10), hostIn(s.APIManagement, 6), "Tcp", 443, true},
			{"a node to API Management", hostIn(s.KubernetesNodes, 4), hostIn(s.APIManagement, 6), "Tcp", 443, false},
			{"the jumpbox to API Management", hostIn(s.Jumpbox, 4), hostIn(s.APIManagement, 6), "Tcp", 443, true},
			{"unit to unit rate-limit sync", hostIn(s.APIManagement, 5), hostIn(s.APIManagement, 6), "Udp", 4290, true},
			{"load balancer probe", azureHostAddress.String(), hostIn(s.APIManagement, 6), "Tcp", 6390, true},
			{"per-machine health probe", azureHostAddress.String(), hostIn(s.APIManagement, 6), "Tcp", 6391, true},
			{"unit to unit cache", hostIn(s.APIManagement, 5), hostIn(s.APIManagement, 6), "Tcp", 6381, true},
			{"unit to unit on another port", hostIn(s.APIManagement, 5), hostIn(s.APIManagement, 6), "Tcp", 22, false},
			{"a peered network to API Management", "peered", hostIn(s.APIManagement, 6), "Tcp", 443, false},
		},
	}
	base := naming.Base(cfg.NamePrefix, cfg.Stack)
	for role, flows := range groups {
		group := recording.Find(securityGroupType, naming.SubnetSecurityGroup(base, role))
		require.NotNil(t, group, "NSG of %s", role)
		rules, _ := group.Input("securityRules").([]any)
		evaluator := nsgEvaluator{space: netip.MustParsePrefix(cfg.Network.AddressSpace)}
		for _, rule := range rules {
			evaluator.rules = append(evaluator.rules, rule.(map[string]any))
		}
		for _, f := range flows {
			t.Run(string(role)+"/"+f.name, func(t *testing.T) {
				allowed, decidedBy := evaluator.decide(f)
				assert.Equal(t, f.allowed, allowed, "decided by %s", decidedBy)
			})
		}
	}
}

// TestNodeSubnetRulesNeedNoJumpbox checks dev, which has no jumpbox: the nodes still take API
// Management and what AKS needs, and refuse the rest of the network.
func TestNodeSubnetRulesNeedNoJumpbox(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev")
	recording := runStack(t, "dev")
	group := recording.Find(securityGroupType, naming.SubnetSecurityGroup(naming.Base(cfg.NamePrefix, cfg.Stack), naming.SubnetKubernetesNodes))
	require.NotNil(t, group)
	rules := securityRulesOf(group)
	assert.NotContains(t, rules, "allow-jumpbox-https-inbound")
	deny := rules["deny-virtual-network-inbound"]
	require.NotNil(t, deny)
	assert.Equal(t, []any{"Deny", "VirtualNetwork", float64(4000)}, []any{deny["access"], deny["sourceAddressPrefix"], deny["priority"]})
	for name, rule := range rules {
		if rule["access"] == "Allow" && rule["direction"] == "Inbound" {
			assert.Less(t, rule["priority"], deny["priority"], "%s comes before the deny", name)
		}
	}
	assert.Equal(t, cfg.Kubernetes.PodCIDR, rules["allow-cluster-pods-inbound"]["sourceAddressPrefix"])
}
