// Generic resources: Azure types the platform creates through azure-native's generic resources:Resource,
// seen by every table keyed by type token as the typed resource they stand for.

package pack

import "strings"

// GenericType is azure-native's generic resource: any ARM type, named by provider namespace, parent
// path and type, with an explicit API version.
const GenericType = "azure-native:resources:Resource"

// genericTokens maps the ARM types the platform creates as generic resources to the token of the typed
// azure-native resource they stand for (in modules this project cannot download), so policies,
// naming rules, durations and prices name them as they would name the typed resource.
var genericTokens = map[string]string{
	"Microsoft.DocumentDB/databaseAccounts":                         "azure-native:documentdb:DatabaseAccount",
	"Microsoft.DocumentDB/databaseAccounts/sqlDatabases":            "azure-native:documentdb:SqlResourceSqlDatabase",
	"Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers": "azure-native:documentdb:SqlResourceSqlContainer",
	"Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments":      "azure-native:documentdb:SqlResourceSqlRoleAssignment",
	"Microsoft.SecurityInsights/onboardingStates":                   "azure-native:securityinsights:SentinelOnboardingState",
	"Microsoft.SecurityInsights/dataConnectors":                     "azure-native:securityinsights:ASCDataConnector",
}

// GenericARMType is the ARM resource type a generic resource creates, from its namespace, parent path
// and type: Microsoft.DocumentDB/databaseAccounts/sqlDatabases for a database under an account. A
// parent path that enters another provider (workspaces/<ws>/providers/Microsoft.SecurityInsights)
// makes an extension resource, whose type is the last provider's.
func GenericARMType(namespace, parentPath, resourceType string) string {
	path := strings.Trim(parentPath, "/")
	if cut := strings.LastIndex(path, "providers/"); cut >= 0 {
		rest := strings.SplitN(path[cut+len("providers/"):], "/", 2)
		namespace, path = rest[0], ""
		if len(rest) == 2 {
			path = rest[1]
		}
	}
	types := []string{namespace}
	segments := strings.Split(path, "/")
	for i := 0; i+1 < len(segments); i += 2 {
		types = append(types, segments[i])
	}
	return strings.Join(append(types, resourceType), "/")
}

// TypeKey is the token a resource is known by in the tables keyed by type: BaseType of a typed
// resource's token, and for a generic resource the typed token it stands for (genericTokens), or the
// generic token itself when its ARM type is not one of them.
func TypeKey(token, namespace, parentPath, resourceType string) string {
	if !TypeIs(token, GenericType) {
		return BaseType(token)
	}
	if typed, ok := genericTokens[GenericARMType(namespace, parentPath, resourceType)]; ok {
		return typed
	}
	return GenericType
}

// TypeKey is the token the resource is known by (see the package function TypeKey).
func (r Resource) TypeKey() string {
	return TypeKey(r.Type, r.String("resourceProviderNamespace"), r.String("parentResourcePath"), r.String("resourceType"))
}
