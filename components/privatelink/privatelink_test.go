// Unit tests of the private link table: group IDs, zones, target resource IDs and zone overlaps.

package privatelink_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/privatelink"
)

// Resource IDs of the tests: a key vault, a Cosmos DB account and a storage account.
const (
	vaultID   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apiplat-dev-rg/providers/Microsoft.KeyVault/vaults/apiplat-dev-kvab12cd"
	cosmosID  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data-rg/providers/Microsoft.DocumentDB/databaseAccounts/orders"
	storageID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data-rg/providers/Microsoft.Storage/storageAccounts/ordersfiles"
)

// TestLookup checks zones and resource types by group ID, which are matched case-sensitively.
func TestLookup(t *testing.T) {
	cases := []struct {
		name, groupID, zone, resourceType string
		known                             bool
	}{
		{"key vault", "vault", "privatelink.vaultcore.azure.net", "Microsoft.KeyVault/vaults", true},
		{"Azure SQL", "sqlServer", "privatelink.database.windows.net", "Microsoft.Sql/servers", true},
		{"Cosmos DB for NoSQL", "Sql", "privatelink.documents.azure.com", "Microsoft.DocumentDB/databaseAccounts", true},
		{"event hubs share the service bus zone", "namespace", "privatelink.servicebus.windows.net", "Microsoft.EventHub/namespaces", true},
		{"wrong case", "sqlserver", "", "", false},
		{"unknown", "website", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			group, ok := privatelink.Lookup(tc.groupID)
			require.Equal(t, tc.known, ok)
			require.Equal(t, tc.zone, group.Zone)
			if tc.known {
				require.Contains(t, group.ResourceTypes, tc.resourceType)
			}
		})
	}
}

// TestSupportedGroupsAndZones checks the lists validation prints: sorted, and consistent with Lookup.
func TestSupportedGroupsAndZones(t *testing.T) {
	groups := privatelink.SupportedGroups()
	require.True(t, slices.IsSorted(groups))
	require.Contains(t, groups, "registry")
	zones := privatelink.Zones()
	require.True(t, slices.IsSorted(zones))
	require.Equal(t, len(zones), len(slices.Compact(slices.Clone(zones))), "each zone once, though namespace groups share one")
	for _, groupID := range groups {
		group, ok := privatelink.Lookup(groupID)
		require.True(t, ok, groupID)
		require.Contains(t, zones, group.Zone)
		require.True(t, strings.HasPrefix(group.Zone, "privatelink."), "zone %s", group.Zone)
		require.NoError(t, privatelink.CheckGroup(groupID))
	}
}

// TestServiceDomain checks the public domain a privatelink zone answers for.
func TestServiceDomain(t *testing.T) {
	require.Equal(t, "vaultcore.azure.net", privatelink.ServiceDomain("privatelink.vaultcore.azure.net"))
	require.Equal(t, "contoso.example", privatelink.ServiceDomain("contoso.example"), "other zones are returned as they are")
}

// TestResourceType checks the type read from a resource ID and what is refused.
func TestResourceType(t *testing.T) {
	cases := []struct {
		name, resourceID, want string
	}{
		{"key vault", vaultID, "Microsoft.KeyVault/vaults"},
		{"storage account", storageID, "Microsoft.Storage/storageAccounts"},
		{"subscription is not a GUID", strings.Replace(vaultID, "00000000-0000-0000-0000-000000000000", "my-subscription", 1), ""},
		{"child resource", vaultID + "/secrets/ca", ""},
		{"missing providers", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg", ""},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resourceType, err := privatelink.ResourceType(tc.resourceID)
			if tc.want == "" {
				require.ErrorContains(t, err, "is not an Azure resource ID")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, resourceType)
		})
	}
}

// TestCheckGroup checks the message for unsupported group IDs, with a hint when only the case differs.
func TestCheckGroup(t *testing.T) {
	cases := []struct {
		name, groupID string
		problems      []string // nil for a supported group
	}{
		{"supported", "blob", nil},
		{"unsupported", "website", []string{"is not a supported group ID; supported: ", "blob", "vault"}},
		{"wrong case", "SQLSERVER", []string{"did you mean sqlServer?"}},
		{"Cosmos DB in lower case", "sql", []string{"did you mean Sql?"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := privatelink.CheckGroup(tc.groupID)
			if tc.problems == nil {
				require.NoError(t, err)
				return
			}
			for _, problem := range tc.problems {
				require.ErrorContains(t, err, problem)
			}
		})
	}
}

// TestCheckTarget checks that a target's type must offer its group ID.
func TestCheckTarget(t *testing.T) {
	cases := []struct {
		name, resourceID, groupID, problem string
	}{
		{"key vault offers vault", vaultID, "vault", ""},
		{"types compare without case", strings.Replace(vaultID, "Microsoft.KeyVault", "microsoft.keyvault", 1), "vault", ""},
		{"Cosmos DB offers Sql", cosmosID, "Sql", ""},
		{"storage does not offer vault", storageID, "vault", "is a Microsoft.Storage/storageAccounts, which does not offer group ID vault (offered by Microsoft.KeyVault/vaults)"},
		{"invalid ID", "orders", "Sql", "is not an Azure resource ID"},
		{"unknown group is left to CheckGroup", storageID, "website", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := privatelink.CheckTarget(tc.resourceID, tc.groupID)
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestOverlaps checks which zones shadow each other.
func TestOverlaps(t *testing.T) {
	cases := []struct {
		name, a, b string
		overlap    bool
	}{
		{"equal", "internal.contoso.example", "internal.contoso.example", true},
		{"parent", "contoso.example", "gateway.contoso.example", true},
		{"child", "gateway.contoso.example", "contoso.example", true},
		{"case and trailing dot", "Contoso.Example.", "echo.contoso.example", true},
		{"siblings", "gateway.contoso.example", "echo.contoso.example", false},
		{"shared suffix but not a parent", "contoso.example", "notcontoso.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.overlap, privatelink.Overlaps(tc.a, tc.b))
		})
	}
}

// TestApprovalAction checks the permission that approves a connection to the target.
func TestApprovalAction(t *testing.T) {
	action, err := privatelink.ApprovalAction(cosmosID)
	require.NoError(t, err)
	require.Equal(t, "Microsoft.DocumentDB/databaseAccounts/privateEndpointConnectionsApproval/action", action)
	_, err = privatelink.ApprovalAction("not-an-id")
	require.ErrorContains(t, err, "is not an Azure resource ID")
}

// TestZoneHolding checks which zone holds a host name: the most specific parent, never a zone that
// merely ends with the same letters.
func TestZoneHolding(t *testing.T) {
	zones := []string{"contoso.com", "internal.contoso.com", "Internal.Fabrikam.com"}
	for _, tc := range []struct {
		name, host, zone string
		found            bool
	}{
		{"most specific parent", "gateway.internal.contoso.com", "internal.contoso.com", true},
		{"the zone's apex", "internal.contoso.com", "internal.contoso.com", true},
		{"only the outer zone", "api.contoso.com", "contoso.com", true},
		{"case-insensitive", "echo.internal.fabrikam.com", "Internal.Fabrikam.com", true},
		{"same letters, other domain", "gateway.notcontoso.com", "", false},
		{"no zone", "gateway.example.org", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zone, found := privatelink.ZoneHolding(tc.host, zones)
			require.Equal(t, tc.found, found)
			require.Equal(t, tc.zone, zone)
		})
	}
}
