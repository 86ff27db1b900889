// The monthly cost estimate of a stack: each billable resource at list price, from a dated and sourced
// price table, and what is billed by use and so left out of the total.

package review

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// Price is one list price: USD per unit, with where it comes from.
type Price struct {
	// USD is the price of one unit.
	USD float64
	// Unit is what one unit is: "hour", "month" or "day".
	Unit string
	// Source names the page or price list it is read from, with its date.
	Source string
}

// monthly is the price of one unit for a month (730 hours, 30.42 days).
func (p Price) monthly() float64 {
	switch p.Unit {
	case "hour":
		return p.USD * HoursPerMonth
	case "day":
		return p.USD * HoursPerMonth / 24
	default:
		return p.USD
	}
}

// CostItem is one billable resource of the stack.
type CostItem struct {
	// Type and Name identify the resource.
	Type, Name string
	// What describes the SKU and quantity priced, e.g. "Premium, 2 units".
	What string
	// Monthly is the list price for a month in USD; 0 with Unpriced set.
	Monthly float64
	// Unpriced says why the item has no figure (billed by use, or no sourced price).
	Unpriced string
}

// Estimate is a stack's monthly cost at list price.
type Estimate struct {
	// Items are the billable resources, most expensive first; unpriced ones last.
	Items []CostItem
	// Total is the sum of the priced items.
	Total float64
}

// billing says, for every azure-native type the program creates, how it is billed: a function that
// prices one resource, or why it adds nothing to a monthly estimate. A test keeps it covering every
// type of every stack variant.
var billing = map[string]billingRule{
	"azure-native:apimanagement:ApiManagementService":       {price: priceAPIManagement},
	"azure-native:network:ApplicationGateway":               {price: priceApplicationGateway},
	"azure-native:network:PublicIPAddress":                  {price: fixedPrice("Standard static IPv4", publicIPStandard)},
	"azure-native:containerservice:ManagedCluster":          {price: priceCluster},
	"azure-native:containerregistry:Registry":               {price: priceRegistry},
	"azure-native:network:AzureFirewall":                    {price: priceFirewall},
	"azure-native:network:BastionHost":                      {price: priceBastion},
	"azure-native:compute:VirtualMachine":                   {price: priceVirtualMachine},
	"azure-native:network:PrivateEndpoint":                  {price: fixedPrice("endpoint", privateEndpoint)},
	"azure-native:network:PrivateZone":                      {price: fixedPrice("zone", privateZone)},
	"azure-native:sql:Database":                             {byUse: "serverless: billed per vCore-second while active and per GB stored"},
	"azure-native:operationalinsights:Workspace":            {byUse: "billed per GB ingested and retained"},
	"azure-native:insights:Component":                       {byUse: "workspace-based: its data is the workspace's"},
	"azure-native:keyvault:Vault":                           {byUse: "billed per 10,000 operations: cents a month here"},
	"azure-native:insights:MetricAlert":                     {byUse: "billed per monitored time series: cents a month"},
	"azure-native:insights:DataCollectionRule":              {byUse: "the data it collects is billed by the workspace"},
	"azure-native:cdn:Profile":                              {price: fixedPrice("Premium base fee (requests and data transfer billed by use)", frontDoorPremium)},
	"azure-native:documentdb:DatabaseAccount":               {byUse: "billed per request unit when serverless, else through its containers' throughput; and per GB stored (continuous backup beyond 7 days per GB)"},
	"azure-native:documentdb:SqlResourceSqlContainer":       {price: priceCosmosContainer},
	"azure-native:securityinsights:SentinelOnboardingState": {byUse: "billed per GB analysed on top of the workspace's ingestion; 10 GB a day free for the first 31 days"},
	"azure-native:network:VirtualNetworkPeering":            {byUse: "billed per GB crossing the peering, both ways"},
}

// billingRule is how one type is billed.
type billingRule struct {
	// price prices one resource (nil: billed by use, see byUse).
	price func(res *harness.Resource) (CostItem, error)
	// byUse says why the type has no monthly figure.
	byUse string
}

// freeTypes are the types with no charge of their own (configuration of other resources, or free).
var freeTypes = []string{
	"azure-native:resources:ResourceGroup", "azure-native:network:VirtualNetwork", "azure-native:network:NetworkSecurityGroup",
	"azure-native:network:RouteTable", "azure-native:network:Route", "azure-native:network:SecurityRule", "azure-native:network:NetworkInterface",
	"azure-native:network:WebApplicationFirewallPolicy", "azure-native:network:FirewallPolicy", "azure-native:network:FirewallPolicyRuleCollectionGroup",
	"azure-native:network:PrivateDnsZoneGroup", "azure-native:network:PrivateRecordSet", "azure-native:network:VirtualNetworkLink",
	"azure-native:managedidentity:UserAssignedIdentity", "azure-native:managedidentity:FederatedIdentityCredential",
	"azure-native:authorization:RoleAssignment", "azure-native:keyvault:Secret", "azure-native:insights:DiagnosticSetting",
	"azure-native:insights:ActionGroup", "azure-native:insights:DataCollectionRuleAssociation",
	"azure-native:containerservice:MaintenanceConfiguration", "azure-native:compute:VirtualMachineExtension",
	"azure-native:sql:Server", "azure-native:sql:ServerAzureADOnlyAuthentication", "azure-native:sql:ServerBlobAuditingPolicy",
	"azure-native:sql:ServerSecurityAlertPolicy",
	// The Front Door WAF policy, its rule sets and bot protection are part of the Premium base fee.
	"azure-native:network:Policy", "azure-native:cdn:AFDEndpoint", "azure-native:cdn:AFDCustomDomain", "azure-native:cdn:AFDOriginGroup",
	"azure-native:cdn:AFDOrigin", "azure-native:cdn:Route", "azure-native:cdn:SecurityPolicy",
	"azure-native:documentdb:SqlResourceSqlDatabase", "azure-native:documentdb:SqlResourceSqlRoleAssignment",
	// Activity log data and Defender for Cloud alerts are free to ingest into Sentinel (sentinel/billing.md).
	"azure-native:securityinsights:ASCDataConnector", "azure-native:insights:SubscriptionDiagnosticSetting",
}

// Billed reports whether the estimate knows how a type is billed (priced, by use, or free).
func Billed(token string) bool {
	base := pack.BaseType(token)
	_, known := billing[base]
	return known || slices.Contains(freeTypes, base) || strings.HasPrefix(base, "azure-native:apimanagement:") && base != "azure-native:apimanagement:ApiManagementService"
}

// EstimateCosts prices every billable resource of a recording.
func EstimateCosts(recording *harness.Recording) (Estimate, error) {
	var estimate Estimate
	for _, res := range recording.Resources {
		if !res.Custom || !strings.HasPrefix(res.Type, "azure-native:") {
			continue
		}
		rule, ok := billing[res.TypeKey()]
		switch {
		case !ok && !Billed(res.TypeKey()):
			return Estimate{}, fmt.Errorf("cost estimate: no billing rule for %s (review/estimate.go)", res.Type)
		case !ok:
			continue // free
		case rule.price == nil:
			estimate.Items = append(estimate.Items, CostItem{Type: res.TypeKey(), Name: res.Name, Unpriced: rule.byUse})
			continue
		}
		item, err := rule.price(res)
		if errors.Is(err, errNoPrice) {
			// Listed, not guessed: the estimate says which price is missing.
			estimate.Items = append(estimate.Items, CostItem{Type: res.TypeKey(), Name: res.Name, Unpriced: err.Error()})
			continue
		}
		if err != nil {
			return Estimate{}, err
		}
		item.Type, item.Name = res.TypeKey(), res.Name
		item.Monthly = math.Round(item.Monthly*100) / 100
		estimate.Items = append(estimate.Items, item)
		estimate.Total += item.Monthly
	}
	slices.SortStableFunc(estimate.Items, func(a, b CostItem) int {
		switch {
		case (a.Unpriced == "") != (b.Unpriced == ""):
			if a.Unpriced == "" {
				return -1
			}
			return 1
		case a.Monthly > b.Monthly:
			return -1
		case a.Monthly < b.Monthly:
			return 1
		}
		return 0
	})
	estimate.Total = math.Round(estimate.Total*100) / 100
	return estimate, nil
}

// fixedPrice prices a resource at one price, whatever its inputs.
func fixedPrice(what string, price Price) func(*harness.Resource) (CostItem, error) {
	return func(*harness.Resource) (CostItem, error) {
		return CostItem{What: what, Monthly: price.monthly()}, nil
	}
}

// number reads a recorded number input, or fallback.
func number(res *harness.Resource, path string, fallback int) int {
	if value, ok := res.Input(path).(float64); ok {
		return int(value)
	}
	return fallback
}

// errNoPrice marks a resource whose SKU has no sourced list price in review/prices.go.
var errNoPrice = errors.New("no sourced list price in review/prices.go")

// lookup finds a price by key.
func lookup(table map[string]Price, key, what string) (Price, error) {
	price, ok := table[key]
	if !ok {
		return Price{}, fmt.Errorf("%s %s: %w", what, key, errNoPrice)
	}
	return price, nil
}

// priceAPIManagement is the units of the service's tier.
func priceAPIManagement(res *harness.Resource) (CostItem, error) {
	sku, units := res.InputString("sku.name"), number(res, "sku.capacity", 1)
	price, err := lookup(apiManagementUnit, sku, "API Management")
	if err != nil {
		return CostItem{}, err
	}
	return CostItem{What: fmt.Sprintf("%s, %d unit(s)", sku, units), Monthly: price.monthly() * float64(units)}, nil
}

// priceApplicationGateway is the fixed price and the capacity units the minimum instances reserve: each
// instance reserves 10 capacity units, billed whatever the traffic (application-gateway
// understanding-pricing.md, "Instance count"); traffic above that adds more.
func priceApplicationGateway(res *harness.Resource) (CostItem, error) {
	minimum := number(res, "autoscaleConfiguration.minCapacity", 0)
	units := float64(10 * minimum)
	monthly := gatewayFixed.monthly() + units*gatewayCapacityUnit.monthly()
	return CostItem{What: fmt.Sprintf("WAF_v2, %d minimum instance(s) = %.0f reserved capacity units (traffic adds more)", minimum, units), Monthly: monthly}, nil
}

// priceCluster is the tier's uptime SLA and every node the pools start with (their minimum).
func priceCluster(res *harness.Resource) (CostItem, error) {
	monthly := 0.0
	if res.InputString("sku.tier") == "Standard" {
		monthly += clusterStandardTier.monthly()
	}
	pools, _ := res.Input("agentPoolProfiles").([]any)
	var parts []string
	for _, item := range pools {
		pool, _ := item.(map[string]any)
		size, _ := pool["vmSize"].(string)
		count, _ := pool["minCount"].(float64)
		if count == 0 {
			count, _ = pool["count"].(float64)
		}
		price, err := lookup(linuxVM, size, "virtual machine")
		if err != nil {
			return CostItem{}, err
		}
		monthly += price.monthly() * count
		parts = append(parts, fmt.Sprintf("%.0f x %s", count, size))
	}
	return CostItem{What: fmt.Sprintf("%s tier, nodes at their minimum: %s", res.InputString("sku.tier"), strings.Join(parts, ", ")), Monthly: monthly}, nil
}

// priceRegistry is the registry's tier.
func priceRegistry(res *harness.Resource) (CostItem, error) {
	sku := res.InputString("sku.name")
	price, err := lookup(registry, sku, "container registry")
	if err != nil {
		return CostItem{}, err
	}
	return CostItem{What: sku, Monthly: price.monthly()}, nil
}

// priceFirewall is the firewall's deployment hours (data processed adds per GB).
func priceFirewall(res *harness.Resource) (CostItem, error) {
	tier := res.InputString("sku.tier")
	price, err := lookup(firewall, tier, "Azure Firewall")
	if err != nil {
		return CostItem{}, err
	}
	return CostItem{What: tier + " (data processed adds per GB)", Monthly: price.monthly()}, nil
}

// priceBastion is the host with its instances, without its public IP (priced on its own).
func priceBastion(res *harness.Resource) (CostItem, error) {
	sku, instances, hourly, err := bastionHostHourly(res)
	if err != nil {
		return CostItem{}, err
	}
	return CostItem{What: fmt.Sprintf("%s, %d instances", sku, instances), Monthly: hourly * HoursPerMonth}, nil
}

// priceVirtualMachine is the VM's size (its disk adds a little).
func priceVirtualMachine(res *harness.Resource) (CostItem, error) {
	size := res.InputString("hardwareProfile.vmSize")
	price, err := lookup(linuxVM, size, "virtual machine")
	if err != nil {
		return CostItem{}, err
	}
	return CostItem{What: size + ", Linux", Monthly: price.monthly()}, nil
}

// priceCosmosContainer prices a container's autoscale throughput at its floor, a tenth of the maximum,
// where an idle container stays; serverless containers are billed by use.
func priceCosmosContainer(res *harness.Resource) (CostItem, error) {
	maximum := number(res, "properties.options.autoscaleSettings.maxThroughput", 0)
	if maximum == 0 {
		return CostItem{Unpriced: "serverless: billed per million request units"}, nil
	}
	hundreds := float64(maximum) / 10 / 100
	return CostItem{What: fmt.Sprintf("autoscale up to %d RU/s, at its floor of %d RU/s", maximum, maximum/10),
		Monthly: cosmosAutoscale.monthly() * hundreds}, nil
}
