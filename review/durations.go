// Typical first-creation times per resource type, each with where the figure comes from.

package review

import "time"

// Duration is a modeled creation time and its source.
type Duration struct {
	// Create is the typical time ARM takes to create the resource.
	Create time.Duration
	// Source says where the figure comes from.
	Source string
}

// Sources of the figures. Microsoft publishes few provisioning times; where it does not, the figure is
// an estimate and says so, with the evidence it rests on.
const (
	sourceAPIM      = "Microsoft Learn, powershell-create-service-instance: \"30 and 40 minutes to create and activate\" (Developer); Microsoft's APIM lab: \"~45-75 minutes\"; modeled at 45 min for internal VNet injection"
	sourceAPIMEdit  = "Microsoft Learn, api-management-using-with-internal-vnet / configure-custom-domain: infrastructure changes \"can take 15 minutes or longer\" (older text: \"15 to 45 minutes\"); modeled at 30 min"
	sourceGateway   = "Microsoft Learn, Application Gateway FAQ: \"Most deployments that use the v2 SKU take around 6 minutes to provision\""
	sourceBastion   = "Microsoft Learn, bastion/create-host-cli: \"It takes about 10 minutes for the Bastion resource to create and deploy\""
	sourceAKS       = "Microsoft Learn says \"a few minutes\"; Azure/AKS#1439 logs show 9-13 minutes; modeled at 10 min"
	sourceFirewall  = "Microsoft Learn, firewall tutorials: \"takes a few minutes to deploy\"; estimate 10 min"
	sourceFWRules   = "Microsoft Tech Community (Azure Network Security blog, 2025-07): \"Every change, however small, can take several minutes to deploy\"; estimate 3 min"
	sourceRBAC      = "ARM creates the assignment in seconds; Microsoft Learn, role-based-access-control/troubleshooting: changes \"can take up to 10 minutes\" to take effect (not modeled: consumers retry)"
	sourceVM        = "Microsoft Learn, quick-create-cli: \"a few minutes to create the VM\"; estimate 3 min, the extension 2 min"
	sourceSQL       = "no published figure; quickstarts say \"a few minutes\"; estimate server 3 min, database 3 min"
	sourceEndpoint  = "no published figure; estimate 2 min for the endpoint and its NIC, 45 s for a zone or link (an issue log shows a zone in 33 s)"
	sourceFast      = "no published figure; a synchronous ARM PUT (Terraform logs show seconds, e.g. a VNet \"after 5s\")"
	sourceMonitor   = "no published figure; estimate under a minute (workspace, component, alert, setting)"
	sourceKeyVault  = "no published figure; Terraform logs show tens of seconds to 3 min; estimate 1 min"
	sourceRegistry  = "no published figure; estimate 1 min for Premium"
	sourceLocal     = "computed by the provider on the machine running Pulumi (no cloud call)"
	sourceAPIMChild = "no published figure; API Management entities are synchronous PUTs of seconds"
	sourceCluster   = "no published figure; Kubernetes objects apply in seconds (server-side apply)"
	sourceAddOn     = "no published figure; the AKS Istio add-on deploys istiod, its CRDs and gateways after the cluster's creation returns; estimate 3 min"
	sourceJob       = "no published figure; the readiness Job's pod is scheduled, pulls the echo image (through the firewall in prod) and finds the add-on's objects; estimate 1 min"
	sourceRollout   = "no published figure; pulumi-kubernetes waits for the rollout: pods scheduled, the image pulled, the readiness probe passing; estimate 1 min"
	sourceCosmos    = "no published figure; Microsoft's quickstarts say the account \"takes a few minutes\"; Terraform issue logs show 5-12 minutes for a private, zone-redundant account; estimate 8 min, 30 s for a database, container or data-plane role assignment"
	sourceFrontDoor = "no published figure; ARM returns Front Door resources in seconds to a couple of minutes (Terraform logs: routes and security policies the slowest), while the edge takes up to about 20 minutes to serve a change (frontdoor/front-door-faq); estimate 1 min each, 2 min for a route"
	sourceSentinel  = "no published figure; onboarding and a data connector are synchronous PUTs on the workspace; estimate 30 s and 15 s"
	sourceSecondRun = "no published figure; make deploy's second pulumi up: opening the Bastion tunnel (seconds), compiling nothing new, previewing and diffing the unchanged Azure layer (one local Check and Diff per resource); estimate 2 min"
)

// SecondRun is the start of make deploy's second `pulumi up`, the one that deploys the in-cluster layer
// through the tunnel once the Azure layer's run is done.
var SecondRun = Duration{2 * time.Minute, sourceSecondRun}

// AddOnReady is how long after the cluster's creation the Istio add-on's objects exist.
var AddOnReady = Duration{3 * time.Minute, sourceAddOn}

// durations maps type tokens (module:Type, no API version; a trailing ":" matches a whole package) to
// their modeled creation time.
var durations = map[string]Duration{
	"azure-native:resources:ResourceGroup": {5 * time.Second, sourceFast},
	"random:":                              {0, sourceLocal},
	"tls:":                                 {0, sourceLocal},
	"pulumi:providers:":                    {0, sourceLocal},
	"kubernetes:":                          {10 * time.Second, sourceCluster},
	"kubernetes:batch/v1:Job":              {time.Minute, sourceJob},
	"kubernetes:apps/v1:Deployment":        {time.Minute, sourceRollout},

	"azure-native:network:NetworkSecurityGroup": {10 * time.Second, sourceFast},
	"azure-native:network:RouteTable":           {10 * time.Second, sourceFast},
	"azure-native:network:Route":                {10 * time.Second, sourceFast},
	"azure-native:network:SecurityRule":         {10 * time.Second, sourceFast},
	"azure-native:network:VirtualNetwork":       {15 * time.Second, sourceFast},
	"azure-native:network:PublicIPAddress":      {10 * time.Second, sourceFast},
	"azure-native:network:NetworkInterface":     {10 * time.Second, sourceFast},

	"azure-native:managedidentity:UserAssignedIdentity":        {10 * time.Second, sourceFast},
	"azure-native:managedidentity:FederatedIdentityCredential": {10 * time.Second, sourceFast},
	"azure-native:authorization:RoleAssignment":                {15 * time.Second, sourceRBAC},

	"azure-native:keyvault:Vault":  {time.Minute, sourceKeyVault},
	"azure-native:keyvault:Secret": {5 * time.Second, sourceFast},

	"azure-native:operationalinsights:Workspace":          {time.Minute, sourceMonitor},
	"azure-native:insights:Component":                     {30 * time.Second, sourceMonitor},
	"azure-native:insights:DiagnosticSetting":             {15 * time.Second, sourceMonitor},
	"azure-native:insights:ActionGroup":                   {15 * time.Second, sourceMonitor},
	"azure-native:insights:MetricAlert":                   {20 * time.Second, sourceMonitor},
	"azure-native:insights:DataCollectionRule":            {15 * time.Second, sourceMonitor},
	"azure-native:insights:DataCollectionRuleAssociation": {10 * time.Second, sourceMonitor},

	"azure-native:network:PrivateZone":         {45 * time.Second, sourceEndpoint},
	"azure-native:network:VirtualNetworkLink":  {45 * time.Second, sourceEndpoint},
	"azure-native:network:PrivateRecordSet":    {5 * time.Second, sourceFast},
	"azure-native:network:PrivateEndpoint":     {2 * time.Minute, sourceEndpoint},
	"azure-native:network:PrivateDnsZoneGroup": {30 * time.Second, sourceEndpoint},

	"azure-native:apimanagement:ApiManagementService": {45 * time.Minute, sourceAPIM},
	"azure-native:apimanagement:":                     {15 * time.Second, sourceAPIMChild},

	"azure-native:network:ApplicationGateway":           {6 * time.Minute, sourceGateway},
	"azure-native:network:WebApplicationFirewallPolicy": {30 * time.Second, sourceFast},

	"azure-native:containerservice:ManagedCluster":           {10 * time.Minute, sourceAKS},
	"azure-native:containerservice:MaintenanceConfiguration": {10 * time.Second, sourceFast},
	"azure-native:containerregistry:Registry":                {time.Minute, sourceRegistry},

	"azure-native:network:AzureFirewall":                     {10 * time.Minute, sourceFirewall},
	"azure-native:network:FirewallPolicy":                    {time.Minute, sourceFWRules},
	"azure-native:network:FirewallPolicyRuleCollectionGroup": {3 * time.Minute, sourceFWRules},
	"azure-native:network:BastionHost":                       {10 * time.Minute, sourceBastion},

	"azure-native:compute:VirtualMachine":          {3 * time.Minute, sourceVM},
	"azure-native:compute:VirtualMachineExtension": {2 * time.Minute, sourceVM},

	"azure-native:sql:Server":                          {3 * time.Minute, sourceSQL},
	"azure-native:sql:Database":                        {3 * time.Minute, sourceSQL},
	"azure-native:sql:ServerAzureADOnlyAuthentication": {30 * time.Second, sourceSQL},
	"azure-native:sql:ServerBlobAuditingPolicy":        {30 * time.Second, sourceSQL},
	"azure-native:sql:ServerSecurityAlertPolicy":       {30 * time.Second, sourceSQL},

	// Generic resources are known by the typed resource they stand for (pack.TypeKey).
	"azure-native:documentdb:DatabaseAccount":              {8 * time.Minute, sourceCosmos},
	"azure-native:documentdb:SqlResourceSqlDatabase":       {30 * time.Second, sourceCosmos},
	"azure-native:documentdb:SqlResourceSqlContainer":      {30 * time.Second, sourceCosmos},
	"azure-native:documentdb:SqlResourceSqlRoleAssignment": {30 * time.Second, sourceCosmos},

	"azure-native:securityinsights:SentinelOnboardingState": {30 * time.Second, sourceSentinel},
	"azure-native:securityinsights:ASCDataConnector":        {15 * time.Second, sourceSentinel},
	"azure-native:insights:SubscriptionDiagnosticSetting":   {15 * time.Second, sourceMonitor},

	"azure-native:network:VirtualNetworkPeering": {30 * time.Second, sourceFast},
	"azure-native:network:Policy":                {time.Minute, sourceFrontDoor},
	"azure-native:cdn:Profile":                   {time.Minute, sourceFrontDoor},
	"azure-native:cdn:AFDEndpoint":               {time.Minute, sourceFrontDoor},
	"azure-native:cdn:AFDCustomDomain":           {time.Minute, sourceFrontDoor},
	"azure-native:cdn:AFDOriginGroup":            {time.Minute, sourceFrontDoor},
	"azure-native:cdn:AFDOrigin":                 {time.Minute, sourceFrontDoor},
	"azure-native:cdn:Route":                     {2 * time.Minute, sourceFrontDoor},
	"azure-native:cdn:SecurityPolicy":            {time.Minute, sourceFrontDoor},
}

// APIManagementUpdate is the modeled time of an update of the API Management service (custom domain,
// certificates, scaling), used by the alternative-ordering comparison.
var APIManagementUpdate = Duration{30 * time.Minute, sourceAPIMEdit}
