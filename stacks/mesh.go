// The Istio add-on revisions Azure supports in the stack's region, asked before anything is created.

package stacks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// MeshRevisionSource answers which Istio add-on revisions AKS supports in a region today.
type MeshRevisionSource interface {
	// MeshRevisions returns the region's mesh revision profile.
	MeshRevisions(ctx context.Context, location string) (config.MeshRevisionProfile, error)
}

// AzureCLIMeshRevisions asks the Azure CLI (`az aks mesh get-revisions`), signed in as whoever runs
// `pulumi up`. The azure-native SDK has no function for Microsoft.ContainerService/locations/
// meshRevisionProfiles, and its generic getResource reads only resources inside a resource group.
type AzureCLIMeshRevisions struct{}

// meshRevisionsTimeout bounds the CLI call; it normally answers in a few seconds.
const meshRevisionsTimeout = 2 * time.Minute

// MeshRevisions runs `az aks mesh get-revisions --location <location> --output json`.
func (AzureCLIMeshRevisions) MeshRevisions(ctx context.Context, location string) (config.MeshRevisionProfile, error) {
	ctx, cancel := context.WithTimeout(ctx, meshRevisionsTimeout)
	defer cancel()
	command := exec.CommandContext(ctx, "az", "aks", "mesh", "get-revisions", "--location", location, "--output", "json")
	var stderr strings.Builder
	command.Stderr = &stderr
	output, err := command.Output()
	if err != nil {
		var missing *exec.Error
		if errors.As(err, &missing) {
			return config.MeshRevisionProfile{}, fmt.Errorf("the Azure CLI is not installed")
		}
		return config.MeshRevisionProfile{}, fmt.Errorf("az aks mesh get-revisions: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return config.ParseMeshRevisionProfile(output)
}

// checkMeshRevisions checks the configured Istio revisions against the region's supported ones. When
// Azure cannot be asked (no Azure CLI, not signed in), it warns and lets the deployment go on: AKS
// itself then refuses a revision past its end of life, when it creates or updates the cluster.
func checkMeshRevisions(ctx *pulumi.Context, cfg *config.Config, source MeshRevisionSource, warnings warnings) error {
	profile, err := source.MeshRevisions(ctx.Context(), cfg.Location)
	if err != nil {
		warnings.warn(fmt.Sprintf("could not ask Azure which Istio add-on revisions it supports in %s (%v); "+
			"ingress.istioRevision %s is used unchecked: run `az login`, or check it with `az aks mesh get-revisions --location %s`",
			cfg.Location, err, cfg.Ingress.IstioRevision, cfg.Location))
		return nil
	}
	return config.CheckMeshRevisions(cfg, profile)
}
