// The in-cluster objects as Kubernetes YAML, for manifest scanners.

package export

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// Redacted stands for a secret value in the manifests.
const Redacted = "<redacted>"

// Manifests renders every Kubernetes object of the recording as one YAML stream, in recording order.
// A patch (ServicePatch) is written as the object it patches. Secrets' data and every secret input are
// redacted.
func Manifests(recording *harness.Recording) (string, error) {
	var out bytes.Buffer
	for _, res := range recording.Resources {
		if !res.Custom || !strings.HasPrefix(res.Type, "kubernetes:") || strings.HasPrefix(res.Type, "pulumi:") {
			continue
		}
		apiVersion, kind, err := kubernetesKind(res.Type)
		if err != nil {
			return "", err
		}
		object := map[string]any{}
		for key, value := range res.Inputs {
			object[string(key)] = manifestValue(value)
		}
		object["apiVersion"], object["kind"] = apiVersion, kind
		if kind == "Secret" {
			for _, field := range []string{"data", "stringData"} {
				if data, ok := object[field].(map[string]any); ok {
					for name := range data {
						data[name] = Redacted
					}
				}
			}
		}
		var encoded bytes.Buffer
		encoder := yaml.NewEncoder(&encoded)
		encoder.SetIndent(2) // Kubernetes' usual indentation; yaml.v3's default 4 mis-indents some block scalars
		if err := encoder.Encode(object); err != nil {
			return "", fmt.Errorf("encoding %s: %w", res.Name, err)
		}
		if err := encoder.Close(); err != nil {
			return "", fmt.Errorf("encoding %s: %w", res.Name, err)
		}
		fmt.Fprintf(&out, "---\n# %s\n%s", res.URN, encoded.String())
	}
	return out.String(), nil
}

// kubernetesKind reads apiVersion and kind from a pulumi-kubernetes type token:
// kubernetes:apps/v1:Deployment is apps/v1 Deployment, kubernetes:core/v1:Namespace is v1 Namespace.
func kubernetesKind(token string) (string, string, error) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return "", "", fmt.Errorf("type token %q is not kubernetes:group/version:Kind", token)
	}
	apiVersion := strings.TrimPrefix(parts[1], "core/")
	return apiVersion, strings.TrimSuffix(parts[2], "Patch"), nil
}

// manifestValue is a recorded input as plain YAML data, every secret redacted; a secret map keeps its
// keys, so a scanner still sees which entries a Secret has.
func manifestValue(value resource.PropertyValue) any {
	return plainData(value, "", func(secret resource.PropertyValue, _ string) any {
		if !secret.IsObject() {
			return Redacted
		}
		redacted := map[string]any{}
		for key := range secret.ObjectValue() {
			redacted[string(key)] = Redacted
		}
		return redacted
	})
}
