// Physical names: the name Azure Resource Manager gives a recorded azure-native resource.

package harness

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// missingName stands in for the logical name while deriving the physical one, so a resource whose
// name input is absent cannot pass its logical name off as the physical one. A NUL never appears in
// an input.
const missingName = "\x00"

// azureNativePrefix starts the type token of every azure-native resource.
const azureNativePrefix = "azure-native:"

// PhysicalName returns the name Azure gives an azure-native custom resource: its ARM path's name (all
// of it when the name itself holds a slash, so the rule refuses it), read from the input the path template names (serviceName, vaultName, apiId, ...; see
// armPathFor). It reports false for other resources and when that input is missing, for example
// when azure-native generates the name (a role assignment's GUID).
func PhysicalName(res *Resource) (string, bool) {
	if !res.Custom || !strings.HasPrefix(res.Type, azureNativePrefix) {
		return "", false
	}
	if TypeMatches(res.Type, GenericResourceType) {
		name := res.InputString("resourceName")
		return name, name != ""
	}
	probe := *res
	probe.Name = missingName
	path, _, _ := armPathFor(&probe)
	// The same template with no inputs says how many segments come before the name; a name with a
	// slash adds segments, and is kept whole so that its check sees the slash.
	template := probe
	template.Inputs = resource.PropertyMap{}
	templatePath, _, _ := armPathFor(&template)
	segments := strings.Split(path, "/")
	before := strings.Count(templatePath, "/")
	if before >= len(segments) {
		return "", false
	}
	name := strings.Join(segments[before:], "/")
	if name == "" || strings.Contains(name, missingName) {
		return "", false
	}
	return name, true
}
