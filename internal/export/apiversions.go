// The REST API versions of the azure-native modules' default resource types.

package export

// DefaultAPIVersions are the REST API versions the pinned azure-native modules send the resource types
// without a version in their token, as each type's SDK source says ("Uses Azure REST API version
// ..."); a test reads them from the module cache, so the table follows go.mod. Keys are module:Type.
var DefaultAPIVersions = map[string]string{
	"authorization:RoleAssignment":                "2022-04-01",
	"compute:VirtualMachine":                      "2023-03-01",
	"compute:VirtualMachineExtension":             "2023-03-01",
	"insights:ActionGroup":                        "2023-01-01",
	"insights:Component":                          "2020-02-02",
	"insights:DataCollectionRule":                 "2022-06-01",
	"insights:DataCollectionRuleAssociation":      "2022-06-01",
	"insights:DiagnosticSetting":                  "2021-05-01-preview",
	"insights:MetricAlert":                        "2018-03-01",
	"keyvault:Secret":                             "2023-02-01",
	"keyvault:Vault":                              "2023-02-01",
	"managedidentity:FederatedIdentityCredential": "2023-01-31",
	"managedidentity:UserAssignedIdentity":        "2023-01-31",
	"network:ApplicationGateway":                  "2023-02-01",
	"network:AzureFirewall":                       "2023-02-01",
	"network:BastionHost":                         "2023-02-01",
	"network:FirewallPolicy":                      "2023-02-01",
	"network:FirewallPolicyRuleCollectionGroup":   "2023-02-01",
	"network:NetworkInterface":                    "2023-02-01",
	"network:NetworkSecurityGroup":                "2023-02-01",
	"network:PrivateDnsZoneGroup":                 "2023-02-01",
	"network:PrivateEndpoint":                     "2023-02-01",
	"network:PrivateRecordSet":                    "2020-06-01",
	"network:PrivateZone":                         "2020-06-01",
	"network:PublicIPAddress":                     "2023-02-01",
	"network:Route":                               "2023-02-01",
	"network:RouteTable":                          "2023-02-01",
	"network:VirtualNetwork":                      "2023-02-01",
	"network:VirtualNetworkLink":                  "2020-06-01",
	"network:WebApplicationFirewallPolicy":        "2023-02-01",
	"operationalinsights:Workspace":               "2022-10-01",
	"resources:ResourceGroup":                     "2022-09-01",
	"sql:Database":                                "2021-11-01",
	"sql:Server":                                  "2021-11-01",
	"sql:ServerAzureADOnlyAuthentication":         "2021-11-01",
	"sql:ServerBlobAuditingPolicy":                "2021-11-01",
	"sql:ServerSecurityAlertPolicy":               "2021-11-01",
}
