// The Istio objects the program applies, validated against the upstream CRDs (Istio 1.30.3, the
// line of the AKS add-on's revisions), and the CRDs the readiness Job waits for checked against them.

package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// istioCRDFile holds every Istio CRD of Istio 1.30.3 (istio/api kubernetes/customresourcedefinitions.gen.yaml).
var istioCRDFile = filepath.Join(projectDir, "..", "shared", "schemas", "istio-1.30.3-crds.yaml")

// crd is the part of a CustomResourceDefinition the validation needs.
type crd struct {
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind   string `yaml:"kind"`
			Plural string `yaml:"plural"`
		} `yaml:"names"`
		Versions []struct {
			Name   string `yaml:"name"`
			Served bool   `yaml:"served"`
			Schema struct {
				OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
			} `yaml:"schema"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

// loadIstioCRDs reads the upstream CRDs by group/kind.
func loadIstioCRDs(t *testing.T) map[string]crd {
	t.Helper()
	file, err := os.Open(istioCRDFile)
	require.NoError(t, err, "the upstream schemas are read from ../shared/schemas")
	defer file.Close()
	crds := map[string]crd{}
	decoder := yaml.NewDecoder(file)
	for {
		var definition crd
		if err := decoder.Decode(&definition); err != nil {
			break
		}
		if definition.Spec.Group != "" {
			crds[definition.Spec.Group+"/"+definition.Spec.Names.Kind] = definition
		}
	}
	require.NotEmpty(t, crds)
	return crds
}

// validateSchema checks value against an OpenAPI v3 schema as the API server's structural validation
// does for these CRDs: types, enums, and unknown fields (refused unless the schema preserves them).
func validateSchema(path string, schema map[string]any, value any) []string {
	var problems []string
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(allowed any) bool { return fmt.Sprint(allowed) == fmt.Sprint(value) }) {
		problems = append(problems, fmt.Sprintf("%s: %v is not one of %v", path, value, enum))
	}
	switch schema["type"] {
	case "object":
		object, ok := value.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want an object, got %T", path, value))
		}
		properties, _ := schema["properties"].(map[string]any)
		additional, _ := schema["additionalProperties"].(map[string]any)
		preserve, _ := schema["x-kubernetes-preserve-unknown-fields"].(bool)
		for key, field := range object {
			switch property, known := properties[key].(map[string]any); {
			case known:
				problems = append(problems, validateSchema(path+"."+key, property, field)...)
			case additional != nil:
				problems = append(problems, validateSchema(path+"."+key, additional, field)...)
			case !preserve:
				problems = append(problems, fmt.Sprintf("%s: unknown field %q", path, key))
			}
		}
	case "array":
		items, ok := value.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want an array, got %T", path, value))
		}
		itemSchema, _ := schema["items"].(map[string]any)
		for i, item := range items {
			problems = append(problems, validateSchema(fmt.Sprintf("%s[%d]", path, i), itemSchema, item)...)
		}
	case "string":
		if _, ok := value.(string); !ok {
			problems = append(problems, fmt.Sprintf("%s: want a string, got %T", path, value))
		}
	case "integer":
		if number, ok := value.(float64); !ok || number != float64(int64(number)) {
			problems = append(problems, fmt.Sprintf("%s: want an integer, got %v", path, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: want a boolean, got %T", path, value))
		}
	}
	return problems
}

// TestIstioObjectsMatchTheUpstreamCRDs validates the spec of every Istio object of the in-cluster
// variants against its CRD's schema for the apiVersion used, which must be served.
func TestIstioObjectsMatchTheUpstreamCRDs(t *testing.T) {
	t.Parallel()
	crds := loadIstioCRDs(t)
	for _, variant := range []stackVariant{{"dev", "dev", []harness.Edit{inCluster}, nil}, featureVariants[2]} {
		t.Run(variant.name, func(t *testing.T) {
			validated := 0
			for _, res := range runVariant(t, variant).Resources {
				groupVersion, kind, ok := strings.Cut(strings.TrimPrefix(res.Type, "kubernetes:"), ":")
				group, version, _ := strings.Cut(groupVersion, "/")
				if !ok || !strings.HasSuffix(group, ".istio.io") {
					continue
				}
				definition, known := crds[group+"/"+kind]
				require.True(t, known, "%s is an upstream Istio kind", res.Type)
				var schema map[string]any
				for _, served := range definition.Spec.Versions {
					if served.Name == version && served.Served {
						schema = served.Schema.OpenAPIV3Schema
					}
				}
				require.NotNil(t, schema, "%s/%s is served", group, version)
				spec, _ := schema["properties"].(map[string]any)["spec"].(map[string]any)
				for _, problem := range validateSchema(kind+".spec", spec, res.Input("spec")) {
					t.Errorf("%s %s: %s", res.Type, res.Name, problem)
				}
				validated++
			}
			assert.GreaterOrEqual(t, validated, 5, "Gateway, VirtualService, Telemetry, PeerAuthentication, AuthorizationPolicy")
		})
	}
}

// TestReadinessJobWaitsForUpstreamCRDs checks the CRDs the readiness Job waits for are upstream names,
// and that every Istio kind the program applies is among them.
func TestReadinessJobWaitsForUpstreamCRDs(t *testing.T) {
	t.Parallel()
	crds := loadIstioCRDs(t)
	upstream := map[string]string{}
	for key, definition := range crds {
		upstream[definition.Metadata.Name] = key
	}
	var awaited []string
	for _, check := range components.IstioAddOnChecks([]string{"asm-1-31"}) {
		if name, ok := strings.CutPrefix(check.Path, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"); ok {
			assert.Contains(t, upstream, name, "the Job waits for a CRD Istio defines")
			awaited = append(awaited, name)
		}
	}
	for _, res := range runStack(t, "prod", everyFeature...).Resources {
		groupVersion, kind, _ := strings.Cut(strings.TrimPrefix(res.Type, "kubernetes:"), ":")
		group, _, _ := strings.Cut(groupVersion, "/")
		if strings.HasSuffix(group, ".istio.io") {
			assert.Contains(t, awaited, crds[group+"/"+kind].Metadata.Name, "%s is applied only after its CRD exists", res.Type)
		}
	}
}

// TestSchemaValidatorRefusesWhatTheAPIServerRefuses checks the validator itself on a Gateway: a typo'd
// field, a mode outside the enum and a port number given as text are each reported.
func TestSchemaValidatorRefusesWhatTheAPIServerRefuses(t *testing.T) {
	t.Parallel()
	crds := loadIstioCRDs(t)
	gateway := crds["networking.istio.io/Gateway"]
	var spec map[string]any
	for _, version := range gateway.Spec.Versions {
		if version.Name == "v1" {
			spec = version.Schema.OpenAPIV3Schema["properties"].(map[string]any)["spec"].(map[string]any)
		}
	}
	require.NotNil(t, spec)
	server := func(tls map[string]any, port any) map[string]any {
		return map[string]any{"servers": []any{map[string]any{"hosts": []any{"a.example"}, "port": map[string]any{"number": port, "name": "https", "protocol": "HTTPS"}, "tls": tls}}}
	}
	cases := []struct {
		name    string
		spec    map[string]any
		problem string
	}{
		{"valid", server(map[string]any{"mode": "MUTUAL", "credentialName": "c"}, float64(443)), ""},
		{"unknown field", server(map[string]any{"mode": "MUTUAL", "credentialNmae": "c"}, float64(443)), `unknown field "credentialNmae"`},
		{"mode outside the enum", server(map[string]any{"mode": "MUTUAL_TLS"}, float64(443)), "is not one of"},
		{"port as text", server(map[string]any{"mode": "MUTUAL"}, "443"), "want an integer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := validateSchema("Gateway.spec", spec, tc.spec)
			if tc.problem == "" {
				assert.Empty(t, problems)
				return
			}
			require.Len(t, problems, 1, "%v", problems)
			assert.Contains(t, problems[0], tc.problem)
		})
	}
}
