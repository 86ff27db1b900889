// Generic ARM resources: Azure types whose azure-native module the Go module proxy does not serve
// (documentdb, securityinsights), sent through azure-native's generic resources:Resource with a pinned
// API version and properties built from typed structs of our own, so a misspelt property does not
// compile.

package components

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// armResource is one generic resource: where it lives in ARM and what it is.
type armResource struct {
	// resourceGroupName holds the resource (or the resource its parent path starts from).
	resourceGroupName pulumi.StringInput
	// namespace is the resource provider of the first type in the path, e.g. Microsoft.DocumentDB.
	namespace string
	// parentPath is the path below the namespace to the parent: "" for a top-level resource,
	// databaseAccounts/<account> for a child, and workspaces/<ws>/providers/<namespace> for an
	// extension resource. The provider does not URL-encode it (Resources_CreateOrUpdate,
	// x-ms-skip-url-encoding).
	parentPath pulumi.StringInput
	// resourceType is the last type segment, e.g. sqlDatabases.
	resourceType string
	// name is the resource's name. It is always given: without it the provider would add a random
	// suffix to the logical name.
	name pulumi.StringInput
	// apiVersion is the REST API version of the resource type (the provider sends it as api-version).
	apiVersion string
	// location, when set, is the region; child and extension resources leave it empty.
	location string
	// kind, when set, is the resource's kind.
	kind string
	// properties are the ARM properties, an output of a typed struct turned into a map (armProperties).
	properties pulumi.Input
	// tags, when set, are the resource's tags.
	tags pulumi.StringMap
}

// newARMResource registers a generic resource as logical name name.
func newARMResource(ctx *pulumi.Context, name string, r armResource, opts ...pulumi.ResourceOption) (*resources.Resource, error) {
	args := &resources.ResourceArgs{
		ResourceGroupName:         r.resourceGroupName,
		ResourceProviderNamespace: pulumi.String(r.namespace),
		ParentResourcePath:        r.parentPath,
		ResourceType:              pulumi.String(r.resourceType),
		ResourceName:              r.name,
		ApiVersion:                pulumi.String(r.apiVersion),
		Properties:                r.properties,
		Tags:                      r.tags,
	}
	if r.location != "" {
		args.Location = pulumi.String(r.location)
	}
	if r.kind != "" {
		args.Kind = pulumi.String(r.kind)
	}
	created, err := resources.NewResource(ctx, name, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating %s/%s %s: %w", r.namespace, r.resourceType, name, err)
	}
	return created, nil
}

// armProperties turns a typed properties struct into the map the generic resource sends: the struct's
// json tags are ARM's property names.
func armProperties(properties any) (map[string]any, error) {
	encoded, err := json.Marshal(properties)
	if err != nil {
		return nil, fmt.Errorf("encoding ARM properties: %w", err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		return nil, fmt.Errorf("decoding ARM properties: %w", err)
	}
	return decoded, nil
}

// propertiesOf is armProperties of a value that is known before deployment, as an input.
func propertiesOf(properties any) (pulumi.Input, error) {
	decoded, err := armProperties(properties)
	if err != nil {
		return nil, err
	}
	return pulumi.ToMap(decoded), nil
}

// NameGUID is a stable GUID-shaped name derived from seed, for ARM resources whose name must be a GUID
// (Cosmos DB role assignments, Sentinel data connectors): the same seed gives the same name on every
// run, so the resource is never replaced by accident.
func NameGUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	// Version 4 and RFC 4122 variant bits, so the value is a well-formed GUID.
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
