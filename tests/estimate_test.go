// The monthly cost estimate: every type the program creates has a billing rule, every price a dated
// source, and the figures follow the stack's SKUs and counts.

package tests

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/review"
)

// TestCostEstimateCoversEveryType checks every azure-native type of every stack variant is priced,
// billed by use (and said so) or free, and that the estimate lists the priced items biggest first.
func TestCostEstimateCoversEveryType(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			t.Parallel()
			recording := runVariant(t, variant)
			for _, res := range recording.Resources {
				if res.Custom && strings.HasPrefix(res.Type, "azure-native:") {
					assert.True(t, review.Billed(res.TypeKey()), "%s has a billing rule in review/estimate.go", res.TypeKey())
				}
			}
			estimate, err := review.EstimateCosts(recording)
			require.NoError(t, err)
			require.NotEmpty(t, estimate.Items)
			sum, previous, pricedDone := 0.0, estimate.Items[0].Monthly, false
			for _, item := range estimate.Items {
				if item.Unpriced != "" {
					pricedDone = true
					continue
				}
				assert.False(t, pricedDone, "priced items come before the ones billed by use")
				assert.Positive(t, item.Monthly, item.Name)
				assert.LessOrEqual(t, item.Monthly, previous, "biggest first")
				previous = item.Monthly
				sum += item.Monthly
			}
			assert.InDelta(t, sum, estimate.Total, 0.01)
		})
	}
}

// TestCostEstimateFollowsTheStack checks the figures move with the configuration: prod's Premium
// units are its biggest item, twice the units cost twice as much, and dev's Developer tier is far
// cheaper.
func TestCostEstimateFollowsTheStack(t *testing.T) {
	t.Parallel()
	item := func(t *testing.T, recording *harness.Recording, typ string) review.CostItem {
		estimate, err := review.EstimateCosts(recording)
		require.NoError(t, err)
		for _, item := range estimate.Items {
			if item.Type == typ {
				return item
			}
		}
		require.Failf(t, "missing item", "%s is not in the estimate", typ)
		return review.CostItem{}
	}
	const apim = "azure-native:apimanagement:ApiManagementService"
	prod := runStack(t, "prod")
	estimate, err := review.EstimateCosts(prod)
	require.NoError(t, err)
	assert.Equal(t, apim, estimate.Items[0].Type, "API Management Premium is prod's biggest item")
	doubled := runStack(t, "prod", harness.Set("apiManagement.capacity", 4), harness.Set("apiManagement.zones", []any{"1", "2"}))
	assert.InDelta(t, 2*item(t, prod, apim).Monthly, item(t, doubled, apim).Monthly, 0.01)
	dev := item(t, runStack(t, "dev"), apim)
	assert.Less(t, dev.Monthly*10, item(t, prod, apim).Monthly, "Developer costs a fraction of two Premium units")
	assert.Contains(t, dev.What, "Developer, 1 unit")
}

// TestPricesAreSourced checks every list price is positive and names its source with a date.
func TestPricesAreSourced(t *testing.T) {
	t.Parallel()
	dated := regexp.MustCompile(`\b20\d\d-\d\d\b`)
	for name, price := range review.Prices() {
		assert.Positive(t, price.USD, name)
		assert.Contains(t, []string{"hour", "day", "month"}, price.Unit, name)
		assert.Regexp(t, dated, price.Source, "%s's source is dated", name)
	}
}
