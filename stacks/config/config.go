// Package config is the platform's typed stack configuration: one struct, loaded once from the Pulumi
// config, filled with the environment profile's defaults, and validated as a whole.
//
// Keys live in the project's namespace and are grouped into objects (`network`, `apiManagement`, ...)
// set with `pulumi config set --path network.subnets.apiManagement 10.42.1.0/27`. Defaults that do not
// depend on the environment are declared in Pulumi.yaml (the CLI applies them); defaults that do
// (SKUs, zones, node counts, perimeter, resource protection) come from the profile in profiles.go,
// because a Pulumi.yaml default would be applied by the CLI to every stack and silently override the
// profile. A test proves the two sets of keys partition the struct exactly.
package config

import (
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/kubeconfig"
	"github.com/apiplatform/azure-api-platform/components/naming"
)

// Environment is a deployment profile: it chooses the defaults of every setting that differs between
// a cheap development deployment and a production one.
type Environment string

// The two environment profiles.
const (
	// Development is the cheapest sensible deployment: APIM Developer, one system node, no zones, no
	// perimeter.
	Development Environment = "dev"
	// Production is the production posture: APIM Premium across zones, zone-redundant Application
	// Gateway with autoscale, AKS across three zones, egress firewall, Bastion and resource protection.
	Production Environment = "prod"
)

// Config is the whole stack configuration.
type Config struct {
	// Project is the Pulumi project name; it is the config namespace and the `project` tag.
	Project string `json:"-"`
	// Stack is the Pulumi stack name; it is the environment segment of every resource name, so two
	// stacks of one profile never collide.
	Stack string `json:"-"`
	// Runner is where the program runs: read from the environment, not from the stack file.
	Runner Runner `json:"-"`

	// Environment selects the profile: dev or prod. Empty means the stack name, when that is dev or prod.
	Environment Environment `json:"environment"`
	// Location is the Azure region of every resource, e.g. westeurope.
	Location string `json:"location"`
	// NamePrefix starts every resource name: `<namePrefix>-<stack>-<role>`.
	NamePrefix string `json:"namePrefix"`
	// Tags are the organisational tags put on every taggable resource.
	Tags Tags `json:"tags"`
	// Network is the virtual network's address plan.
	Network Network `json:"network"`
	// HostNames are the DNS names every hop agrees on.
	HostNames HostNames `json:"hostNames"`
	// APIManagement sizes the API Management service.
	APIManagement APIManagement `json:"apiManagement"`
	// ApplicationGateway sizes the WAF Application Gateway.
	ApplicationGateway ApplicationGateway `json:"applicationGateway"`
	// Kubernetes sizes the AKS cluster.
	Kubernetes Kubernetes `json:"kubernetes"`
	// Perimeter switches the optional perimeter services.
	Perimeter Perimeter `json:"perimeter"`
	// Protection guards stateful resources against deletion.
	Protection Protection `json:"protection"`
	// Certificates configures the private CA and the certificates it signs.
	Certificates Certificates `json:"certificates"`
	// Ingress configures the cluster's mTLS ingress.
	Ingress Ingress `json:"ingress"`
	// Workload configures the sample workload.
	Workload Workload `json:"workload"`
	// Monitoring configures logs, telemetry and alerts.
	Monitoring Monitoring `json:"monitoring"`
	// SQL configures the optional Azure SQL database.
	SQL SQL `json:"sql"`
	// CosmosDB configures the optional Azure Cosmos DB for NoSQL account.
	CosmosDB CosmosDB `json:"cosmosDb"`
	// FrontDoor configures the optional Azure Front Door edge in front of Application Gateway.
	FrontDoor FrontDoor `json:"frontDoor"`
	// PrivateDNS says whether the private DNS zones are the stack's own or a landing zone's.
	PrivateDNS PrivateDNS `json:"privateDns"`
	// PrivateEndpoints are bring-your-own data stores (Cosmos DB, Storage, ...) reached through a
	// private endpoint, keyed by a short name used in resource names.
	PrivateEndpoints map[string]PrivateEndpoint `json:"privateEndpoints"`
}

// Tags are organisational tags; empty values are left off.
type Tags struct {
	// Owner is the team or person accountable for the deployment.
	Owner string `json:"owner"`
	// CostCenter is the cost centre billed for the deployment.
	CostCenter string `json:"costCenter"`
}

// Network is the address plan of the virtual network: IPv4 CIDR blocks, each subnet inside the
// address space and none overlapping another.
type Network struct {
	// AddressSpace is the virtual network's address space.
	AddressSpace string `json:"addressSpace"`
	// Subnets are the per-service subnets.
	Subnets Subnets `json:"subnets"`
	// HubVirtualNetworkID, when set, peers the network with this hub network (ARM ID).
	HubVirtualNetworkID string `json:"hubVirtualNetworkId"`
	// HubPeeringWritable says the deploying identity may write the hub network: the program then
	// creates the hub's side of the peering too, otherwise the hub's owner runs the command it outputs.
	HubPeeringWritable bool `json:"hubPeeringWritable"`
	// Mode is create (the stack's own network) or existing (a landing zone's, named in Existing).
	Mode NetworkMode `json:"mode"`
	// Existing names the landing zone's network and subnets with Mode existing.
	Existing ExistingNetwork `json:"existing"`
	// DNSServers are the custom DNS servers of the created network (the hub's resolvers); empty keeps
	// Azure's. They need PrivateDNS central: the hub's resolvers answer from the central zones only.
	DNSServers []string `json:"dnsServers"`
}

// ExistingNetwork is a landing zone's network the stack deploys into.
type ExistingNetwork struct {
	// VirtualNetworkID is the network's ARM ID.
	VirtualNetworkID string `json:"virtualNetworkId"`
	// SubnetIDs are the subnets' ARM IDs, by the same roles as Network.Subnets.
	SubnetIDs Subnets `json:"subnetIds"`
	// SecurityRules says whether the program adds its rules to the subnets' security groups (added) or
	// the landing zone holds them already (brought, README lists them).
	SecurityRules SecurityRulesSource `json:"securityRules"`
	// observed is what Azure reported about the network at deploy time (nil until AdoptNetwork).
	observed *ObservedNetwork
}

// PrivateDNS says where the platform's private DNS records live.
type PrivateDNS struct {
	// Mode is create (the stack's own zones) or central (the landing zone's).
	Mode PrivateDNSMode `json:"mode"`
	// CentralZones are the landing zone's private DNS zones with Mode central: every privatelink zone
	// the endpoints need (unless PolicyCreatesRecords) and a zone for each internal host name.
	CentralZones []CentralZone `json:"centralZones"`
	// PolicyCreatesRecords says Azure Policy gives each private endpoint its zone group (deployIfNotExists):
	// the program creates none and waits for the policy's before anything relies on the name.
	PolicyCreatesRecords bool `json:"policyCreatesRecords"`
	// PolicyZoneGroupName is the name the policy gives the zone group it creates.
	PolicyZoneGroupName string `json:"policyZoneGroupName"`
	// VaultZoneLinked says the landing zone already links its privatelink.vaultcore.azure.net zone to
	// the brought network; otherwise the program links it (Application Gateway resolves Key Vault only
	// through zones linked to its own network, and Azure refuses a second link of one network).
	VaultZoneLinked bool `json:"vaultZoneLinked"`
}

// CentralZone is one private DNS zone of the landing zone.
type CentralZone struct {
	// Name is the zone's DNS name, e.g. privatelink.vaultcore.azure.net.
	Name string `json:"name"`
	// ID is the zone's ARM ID, possibly in another subscription.
	ID string `json:"id"`
}

// Subnets holds one CIDR block per subnet role. The optional ones (bastion, firewall, jumpbox) are
// only created when their perimeter switch is on.
type Subnets struct {
	// ApplicationGateway is the dedicated Application Gateway v2 subnet.
	ApplicationGateway string `json:"applicationGateway"`
	// APIManagement is the subnet API Management is injected into (internal mode).
	APIManagement string `json:"apiManagement"`
	// KubernetesNodes is the AKS node subnet (Azure CNI Overlay: pods do not take subnet addresses).
	KubernetesNodes string `json:"kubernetesNodes"`
	// PrivateEndpoints holds the private endpoints of Key Vault, ACR, SQL and bring-your-own stores.
	PrivateEndpoints string `json:"privateEndpoints"`
	// Bastion is AzureBastionSubnet.
	Bastion string `json:"bastion"`
	// Firewall is AzureFirewallSubnet.
	Firewall string `json:"firewall"`
	// Jumpbox is the operators' jumpbox subnet.
	Jumpbox string `json:"jumpbox"`
}

// HostNames are the DNS names of the data path. One value per host feeds every place that must agree
// (certificate SAN, listener, private DNS record, backend URL).
type HostNames struct {
	// Public is the Internet-facing host served by Application Gateway.
	Public string `json:"public"`
	// APIGateway is the internal host name of the API Management gateway.
	APIGateway string `json:"apiGateway"`
	// Backend is the internal host name of the AKS ingress that API Management calls.
	Backend string `json:"backend"`
}

// APIManagement sizes the API Management service.
type APIManagement struct {
	// SKU is Developer or Premium, the only tiers that run in internal VNet mode.
	SKU APIManagementSKU `json:"sku"`
	// Capacity is the number of scale units.
	Capacity int `json:"capacity"`
	// Zones are the availability zones the units are pinned to; empty lets Azure place them.
	Zones []string `json:"zones"`
	// PublisherName is the organisation shown in the developer portal and e-mails.
	PublisherName string `json:"publisherName"`
	// PublisherEmail receives the service's system notifications.
	PublisherEmail string `json:"publisherEmail"`
	// EntraTenantID, with EntraAudience, turns on Microsoft Entra token validation for the sample API.
	EntraTenantID string `json:"entraTenantId"`
	// EntraAudience is the audience v1 tokens carry: the API registration's application ID URI (or its
	// client ID).
	EntraAudience string `json:"entraAudience"`
	// EntraAPIClientID is the API registration's application (client) ID, the audience of v2 tokens;
	// it can be left empty when EntraAudience is the client ID or api://<client ID>.
	EntraAPIClientID string `json:"entraApiClientId"`
	// EntraClientApplicationIDs are the client applications whose tokens are accepted (the policy's
	// required client-application-ids).
	EntraClientApplicationIDs []string `json:"entraClientApplicationIds"`
	// PublicIPAddressID optionally gives the service a customer-managed Standard public IP (ARM ID);
	// in internal mode it is optional and Azure manages one for control-plane traffic when empty.
	PublicIPAddressID string `json:"publicIpAddressId"`
	// AnonymousAccessAllowed lets the sample API answer callers without any credential: for a public
	// sample only. Without it, and without Microsoft Entra settings, callers need a subscription key.
	AnonymousAccessAllowed bool `json:"anonymousAccessAllowed"`
	// RateLimitCalls is how many calls one client address, and one caller, may make per
	// RateLimitPeriodSeconds.
	RateLimitCalls int `json:"rateLimitCalls"`
	// RateLimitPeriodSeconds is the rate limit's renewal period.
	RateLimitPeriodSeconds int `json:"rateLimitPeriodSeconds"`
}

// Credential is what a caller of the sample API presents: a Microsoft Entra token when token
// validation is configured, nothing when anonymous access is allowed, a subscription key otherwise.
func (a APIManagement) Credential() apimpolicy.Credential {
	switch {
	case a.TokenValidationEnabled():
		return apimpolicy.CredentialEntraToken
	case a.AnonymousAccessAllowed:
		return apimpolicy.CredentialNone
	default:
		return apimpolicy.CredentialSubscriptionKey
	}
}

// TokenValidationEnabled reports whether API Management validates Microsoft Entra tokens.
func (a APIManagement) TokenValidationEnabled() bool {
	return a.EntraTenantID != "" && a.EntraAudience != ""
}

// EntraAudiences are the aud claims a token for the API may carry: in v1 tokens the application ID
// URI (or the client ID, when that is what the client asked for), in v2 tokens always the API's client
// ID (Microsoft Entra, access-token-claims-reference: "In v2.0 tokens, this value is always the client
// ID of the API"). Both forms are accepted, so the API works whichever token version its registration
// issues (accessTokenAcceptedVersion).
func (a APIManagement) EntraAudiences() []string {
	audiences := []string{a.EntraAudience}
	clientID := a.EntraAPIClientID
	if clientID == "" {
		clientID = entraClientIDOf(a.EntraAudience)
	}
	for _, audience := range []string{clientID, "api://" + clientID} {
		if clientID != "" && !slices.Contains(audiences, audience) {
			audiences = append(audiences, audience)
		}
	}
	return audiences
}

// entraClientIDOf returns the client ID an audience names (a GUID, or api://<GUID>, the default
// application ID URI), or "".
func entraClientIDOf(audience string) string {
	if id := strings.TrimPrefix(audience, "api://"); guidPattern.MatchString(id) {
		return id
	}
	return ""
}

// ApplicationGateway sizes the WAF_v2 Application Gateway (autoscale).
type ApplicationGateway struct {
	// MinCapacity is the autoscale minimum instance count.
	MinCapacity int `json:"minCapacity"`
	// MaxCapacity is the autoscale maximum instance count; the subnet must hold this many instances.
	MaxCapacity int `json:"maxCapacity"`
	// Zones are the availability zones of the gateway and its public IP.
	Zones []string `json:"zones"`
	// WAFMode is the WAF policy's mode: Prevention blocks matching requests, Detection only logs them.
	WAFMode WAFMode `json:"wafMode"`
	// RateLimitPerMinute is the WAF's limit of requests per client address and minute, a second line
	// in front of API Management's own limits; 0 turns the rule off.
	RateLimitPerMinute int `json:"rateLimitPerMinute"`
	// MutualTLS is off (callers need no certificate) or required (the edge verifies one).
	MutualTLS MutualTLSMode `json:"mutualTls"`
	// CallerCACertificatePEM is the CA (PEM, one or more certificates) whose client certificates the
	// edge accepts when MutualTLS is required. Empty generates one with a sample caller certificate,
	// in the dev profile only.
	CallerCACertificatePEM string `json:"callerCaCertificatePem"`
}

// CallerCAGenerated reports whether the platform generates the callers' CA (caller mutual TLS on,
// no CA brought).
func (g ApplicationGateway) CallerCAGenerated() bool {
	return g.MutualTLS == MutualTLSRequired && g.CallerCACertificatePEM == ""
}

// Kubernetes configures the private AKS cluster.
type Kubernetes struct {
	// Tier is the AKS pricing tier: Free (no uptime SLA) or Standard (SLA).
	Tier ClusterTier `json:"tier"`
	// Version is the Kubernetes version; empty lets AKS choose its default.
	Version string `json:"version"`
	// AdminGroupObjectIDs are the Microsoft Entra groups that administer the cluster. Local accounts
	// are disabled, so without them nobody could log in.
	AdminGroupObjectIDs []string `json:"adminGroupObjectIds"`
	// PodCIDR is the Azure CNI Overlay pod range; it must not overlap the virtual network.
	PodCIDR string `json:"podCidr"`
	// ServiceCIDR is the Kubernetes service range; it must not overlap the virtual network or pods.
	ServiceCIDR string `json:"serviceCidr"`
	// DNSServiceIP is the cluster DNS address, inside ServiceCIDR.
	DNSServiceIP string `json:"dnsServiceIp"`
	// DeployInCluster registers the in-cluster resources (ingress, workload). The API server is private:
	// `make deploy` reaches it through the stack's Bastion, a Deployments agent from inside the network
	// (see README, Reaching the private API server).
	DeployInCluster bool `json:"deployInCluster"`
	// LoginMethod is kubelogin's non-interactive login method in the provider's kubeconfig.
	LoginMethod kubeconfig.LoginMethod `json:"loginMethod"`
	// PrivateClusterPublicFQDNEnabled publishes a public DNS name for the private API server address.
	PrivateClusterPublicFQDNEnabled bool `json:"privateClusterPublicFqdnEnabled"`
	// UpgradeChannel is the cluster auto-upgrade channel (none, patch, stable, rapid, node-image).
	UpgradeChannel UpgradeChannel `json:"upgradeChannel"`
	// NodeOSUpgradeChannel is the node OS upgrade channel (None, Unmanaged, NodeImage, SecurityPatch).
	NodeOSUpgradeChannel NodeOSUpgradeChannel `json:"nodeOsUpgradeChannel"`
	// MaintenanceWindow is when AKS may apply both kinds of upgrade.
	MaintenanceWindow MaintenanceWindow `json:"maintenanceWindow"`
	// Zones are the availability zones of both node pools.
	Zones []string `json:"zones"`
	// SystemPool runs only critical add-ons.
	SystemPool NodePool `json:"systemPool"`
	// UserPool runs the workloads.
	UserPool NodePool `json:"userPool"`
}

// MaintenanceWindow is a weekly window for planned maintenance.
type MaintenanceWindow struct {
	// DayOfWeek is the day the window opens, e.g. Sunday.
	DayOfWeek string `json:"dayOfWeek"`
	// StartTime is the opening time, HH:mm.
	StartTime string `json:"startTime"`
	// DurationHours is the window's length (at least 4).
	DurationHours int `json:"durationHours"`
	// UTCOffset is the time zone of StartTime, e.g. +00:00 or +01:00.
	UTCOffset string `json:"utcOffset"`
}

// IngressController is a cluster ingress the platform can deploy.
type IngressController string

// IstioIngress is the AKS Istio add-on's internal ingress gateway in MUTUAL TLS mode, the only ingress:
// the application routing add-on's NGINX was retired (ingress-nginx in March 2026, AKS support in
// November 2026).
const IstioIngress IngressController = "istio"

// Ingress configures the cluster's internal, mTLS-verifying ingress.
type Ingress struct {
	// Controller is the ingress controller: istio, the AKS Istio add-on's internal gateway.
	Controller IngressController `json:"controller"`
	// IstioRevision is the Istio add-on revision the workloads run with (their namespace's istio.io/rev
	// label), e.g. asm-1-31.
	IstioRevision string `json:"istioRevision"`
	// IstioRevisions are the add-on revisions installed side by side during a canary upgrade: the
	// running one and its successor, older first, with IstioRevision one of them. Empty means
	// IstioRevision alone, as outside an upgrade.
	IstioRevisions []string `json:"istioRevisions"`
	// PrivateIP pins the ingress load balancer's address in the node subnet, so DNS and API Management
	// never wait for the cluster; empty means the subnet's last usable address.
	PrivateIP string `json:"privateIp"`
}

// Workload configures the sample echo workload.
type Workload struct {
	// Image is the echo server image; it must run as a non-root user on port 8080.
	Image string `json:"image"`
	// Replicas is the number of pods (2 or more get a PodDisruptionBudget).
	Replicas int `json:"replicas"`
}

// Monitoring configures the Log Analytics workspace and the alerts.
type Monitoring struct {
	// RetentionDays is how long logs are kept (30-730).
	RetentionDays int `json:"retentionDays"`
	// AlertEmail receives the platform's alerts; empty means apiManagement.publisherEmail.
	AlertEmail string `json:"alertEmail"`
	// SentinelEnabled onboards Microsoft Sentinel on the workspace, with the data connectors of the
	// subscription's activity log and Defender for Cloud alerts.
	SentinelEnabled bool `json:"sentinelEnabled"`
}

// AlertRecipient returns the address alerts are sent to.
func (c *Config) AlertRecipient() string {
	if c.Monitoring.AlertEmail != "" {
		return c.Monitoring.AlertEmail
	}
	return c.APIManagement.PublisherEmail
}

// SQL configures the optional Azure SQL logical server and database. Authentication is Microsoft
// Entra only, so the administrator is an Entra group and workloads connect with workload identity.
type SQL struct {
	// Enabled creates the server, the database and their private endpoint.
	Enabled bool `json:"enabled"`
	// AdministratorGroupName is the display name of the Entra group that administers the server.
	AdministratorGroupName string `json:"administratorGroupName"`
	// AdministratorGroupObjectID is that group's object ID.
	AdministratorGroupObjectID string `json:"administratorGroupObjectId"`
	// DatabaseName is the application database.
	DatabaseName string `json:"databaseName"`
	// DatabaseSKU is the database's service objective, e.g. GP_S_Gen5_1 (serverless) or S0.
	DatabaseSKU string `json:"databaseSku"`
	// ZoneRedundant spreads the database's replicas across availability zones.
	ZoneRedundant bool `json:"zoneRedundant"`
}

// CosmosDB configures the optional Azure Cosmos DB for NoSQL account: Microsoft Entra only (no keys),
// private endpoint only, one database and one container, read and written by pods with workload
// identity.
type CosmosDB struct {
	// Enabled creates the account, its database and container, its private endpoint and the
	// workload identity pods connect with.
	Enabled bool `json:"enabled"`
	// DatabaseName is the NoSQL database.
	DatabaseName string `json:"databaseName"`
	// ContainerName is the container in it.
	ContainerName string `json:"containerName"`
	// PartitionKeyPath is the container's partition key, e.g. /tenantId.
	PartitionKeyPath string `json:"partitionKeyPath"`
	// CapacityMode is serverless (billed per request) or provisioned (autoscale throughput).
	CapacityMode CosmosCapacityMode `json:"capacityMode"`
	// AutoscaleMaxThroughput is the container's autoscale maximum in RU/s (provisioned only): it scales
	// between a tenth of it and it.
	AutoscaleMaxThroughput int `json:"autoscaleMaxThroughput"`
	// ZoneRedundant spreads the account's region across availability zones.
	ZoneRedundant bool `json:"zoneRedundant"`
	// BackupPolicy is the account's backup: continuous with 7 or 30 days of point-in-time restore, or
	// periodic.
	BackupPolicy CosmosBackupPolicy `json:"backupPolicy"`
}

// FrontDoor configures the optional Azure Front Door Premium edge: the public host is served by Front
// Door with its own WAF, and Application Gateway only answers Front Door.
type FrontDoor struct {
	// Enabled creates the Front Door profile and closes Application Gateway to every other caller.
	Enabled bool `json:"enabled"`
	// WAFMode is the Front Door WAF policy's mode.
	WAFMode WAFMode `json:"wafMode"`
	// OriginHostName is the name Front Door calls Application Gateway by: a name in your DNS zone whose
	// CNAME is the gateway's Azure DNS name, the gateway listener's host, and a name the listener
	// certificate covers (Front Door checks the origin's certificate against it).
	OriginHostName string `json:"originHostName"`
}

// GatewayHostName is the host Application Gateway's HTTPS listener serves: the public host, or behind
// Front Door the origin host Front Door calls it by.
func (c *Config) GatewayHostName() string {
	if c.FrontDoor.Enabled {
		return c.FrontDoor.OriginHostName
	}
	return c.HostNames.Public
}

// PrivateEndpoint is one existing resource reached through a private endpoint in the platform's network.
type PrivateEndpoint struct {
	// ResourceID is the ARM ID of the target, e.g. a Cosmos DB account or a storage account.
	ResourceID string `json:"resourceId"`
	// GroupID is the private link sub-resource, e.g. Sql (Cosmos DB NoSQL) or blob.
	GroupID string `json:"groupId"`
	// ManualApproval requests the connection for the target's owner to approve, for deployers without
	// the target's privateEndpointConnectionsApproval/action permission (auto-approval needs it).
	ManualApproval bool `json:"manualApproval"`
}

// NodePool sizes one autoscaled AKS node pool.
type NodePool struct {
	// VMSize is the node VM size, e.g. Standard_D4ds_v5.
	VMSize string `json:"vmSize"`
	// MinCount is the autoscaler's lower bound.
	MinCount int `json:"minCount"`
	// MaxCount is the autoscaler's upper bound; the node subnet is sized for it.
	MaxCount int `json:"maxCount"`
}

// Perimeter switches the optional perimeter services (off in dev, on in prod).
type Perimeter struct {
	// Egress is where the cluster's and jumpbox's Internet traffic goes: straight out (none), through the
	// stack's own Azure Firewall (firewall; needs network.subnets.firewall), or to a hub's firewall
	// (hub; at HubNextHopIP).
	Egress EgressMode `json:"egress"`
	// HubNextHopIP is the hub firewall's private address, the next hop of the default route with
	// Egress hub.
	HubNextHopIP string `json:"hubNextHopIp"`
	// BastionEnabled deploys Azure Bastion; needs network.subnets.bastion.
	BastionEnabled bool `json:"bastionEnabled"`
	// JumpboxEnabled deploys the operators' jumpbox VM; needs network.subnets.jumpbox.
	JumpboxEnabled bool `json:"jumpboxEnabled"`
	// FirewallSKU is the Azure Firewall tier: Standard or Premium (Basic has no DNS proxy).
	FirewallSKU FirewallSKU `json:"firewallSku"`
	// EgressAllowList are host names (optionally `*.` wildcards) the cluster may reach over HTTPS
	// through the firewall, beyond what AKS itself needs.
	EgressAllowList []string `json:"egressAllowList"`
	// JumpboxVMSize is the jumpbox's VM size.
	JumpboxVMSize string `json:"jumpboxVmSize"`
}

// FirewallEnabled reports whether the stack deploys its own egress firewall.
func (p Perimeter) FirewallEnabled() bool {
	return p.Egress == EgressFirewall
}

// EgressRouted reports whether the cluster's and jumpbox's Internet traffic is routed to a firewall,
// the stack's or a hub's (a route table, and AKS outbound type userDefinedRouting).
func (p Perimeter) EgressRouted() bool {
	return p.Egress == EgressFirewall || p.Egress == EgressHub
}

// Protection guards stateful resources.
type Protection struct {
	// StatefulResourcesProtected sets Pulumi's `protect` on stateful resources (Key Vault, registry,
	// databases, workspace) so `pulumi destroy` cannot delete them by accident.
	StatefulResourcesProtected bool `json:"statefulResourcesProtected"`
}

// Subnets returns the subnets the platform creates, keyed by role: the four core subnets and the
// optional ones whose perimeter switch is on.
func (c *Config) Subnets() map[naming.SubnetRole]string {
	return createdByRole(c.subnetPlan())
}

// createdByRole maps each subnet of a plan that is created to its setting's value.
func createdByRole(plan []plannedSubnet) map[naming.SubnetRole]string {
	byRole := map[naming.SubnetRole]string{}
	for _, subnet := range plan {
		if subnet.created {
			byRole[subnet.role] = subnet.cidr
		}
	}
	return byRole
}

// ResourceTags returns the tags every taggable resource carries: environment, project, stack and
// managed-by always; owner and cost centre when configured. Components receive them explicitly
// because stack transforms do not run under test mocks.
func (c *Config) ResourceTags() map[string]string {
	tags := map[string]string{
		"environment": string(c.Environment),
		"project":     c.Project,
		"stack":       c.Stack,
		"managedBy":   "pulumi",
	}
	if c.Tags.Owner != "" {
		tags["owner"] = c.Tags.Owner
	}
	if c.Tags.CostCenter != "" {
		tags["costCenter"] = c.Tags.CostCenter
	}
	return tags
}
