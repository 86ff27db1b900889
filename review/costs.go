// The standing cost of reaching the private API server: what make deploy's tunnel goes through.

package review

import (
	"fmt"
	"math"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// HoursPerMonth is Azure's billing month (730 hours).
const HoursPerMonth = 730

// bastionHourly are Azure Bastion's list prices in USD per hour for a host with its two included
// instances, and per additional instance. Microsoft publishes them only on the pricing page and the
// Azure retail prices API (meters "Standard Gateway" / "Standard Additional Gateway", 2026); Microsoft
// Learn describes the model: "hourly pricing based on SKU and instances (scale units), plus data
// transfer" (bastion-faq), first 5 GB of outbound data a month free.
var bastionHourly = map[string]struct{ base, additional float64 }{
	"Basic":    {0.19, 0},
	"Standard": {0.29, 0.14},
	"Premium":  {0.45, 0},
}

// standardPublicIPHourly is a Standard static IPv4 public IP's list price in USD per hour.
const standardPublicIPHourly = 0.005

// AccessCost is the monthly list price of a Bastion host of the stack.
type AccessCost struct {
	// Name is the host's name.
	Name string
	// SKU is its tier.
	SKU string
	// Instances are its scale units.
	Instances int
	// Monthly is the host's and its public IP's list price for a month, in USD.
	Monthly float64
}

// AccessCosts returns the monthly list price of each Bastion host the stack creates.
func AccessCosts(recording *harness.Recording) ([]AccessCost, error) {
	var costs []AccessCost
	for _, res := range recording.OfType("azure-native:network:BastionHost") {
		sku, instances, hourly, err := bastionHostHourly(res)
		if err != nil {
			return nil, err
		}
		hourly += standardPublicIPHourly
		costs = append(costs, AccessCost{Name: res.Name, SKU: sku, Instances: instances, Monthly: math.Round(hourly*HoursPerMonth*100) / 100})
	}
	return costs, nil
}

// bastionHostHourly is a Bastion host's list price per hour without its public IP: the SKU with its
// two included instances, plus each instance above them.
func bastionHostHourly(res *harness.Resource) (sku string, instances int, hourly float64, err error) {
	sku = res.InputString("sku.name")
	price, ok := bastionHourly[sku]
	if !ok {
		return sku, 0, 0, fmt.Errorf("bastion %s: %w", sku, errNoPrice)
	}
	instances = number(res, "scaleUnits", 2)
	return sku, instances, price.base + float64(max(instances-2, 0))*price.additional, nil
}

// renderAccessCosts writes the costs section of the report.
func renderAccessCosts(r *Report) string {
	costs, err := AccessCosts(r.Recording)
	if err != nil {
		return "  " + err.Error() + "\n"
	}
	if len(costs) == 0 {
		return "  no Bastion: the in-cluster layer deploys from inside the virtual network (a Pulumi Deployments agent)\n"
	}
	text := ""
	for _, cost := range costs {
		text += fmt.Sprintf("  %-44s %s, %d instances, with its Standard public IP: about %.0f USD a month (list price)\n",
			pack.BaseType("azure-native:network:BastionHost")+" "+cost.Name, cost.SKU, cost.Instances, cost.Monthly)
	}
	return text
}
