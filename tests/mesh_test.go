// The Istio add-on revision: checked against what Azure supports in the region before anything is
// created, upgraded by canary, and never held to a list kept in the program.

package tests

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// meshRevisionsOf builds Azure's answer for a day from revision/upgrade pairs, compatible with the
// Kubernetes versions AKS offered in 2026-2027.
func meshRevisionsOf(revisions map[string][]string) harness.MeshRevisions {
	profile := config.MeshRevisionProfile{}
	for _, name := range []string{"asm-1-29", "asm-1-30", "asm-1-31", "asm-1-32", "asm-1-33", "asm-1-34"} {
		if upgrades, ok := revisions[name]; ok {
			profile.MeshRevisions = append(profile.MeshRevisions, config.MeshRevision{Revision: name, Upgrades: upgrades,
				CompatibleWith: []config.MeshCompatibility{{Name: "KubernetesOfficial", Versions: []string{"1.33", "1.34", "1.35", "1.36"}}}})
		}
	}
	return harness.MeshRevisions{Profile: profile}
}

// spring2027 is a later day: asm-1-31 has left support, asm-1-32 and asm-1-33 are offered.
var spring2027 = meshRevisionsOf(map[string][]string{"asm-1-32": {"asm-1-33"}, "asm-1-33": nil})

// TestIstioRevisionIsCheckedAgainstAzure runs the program against Azure's answer on different days:
// whatever revision is configured, only what the region supports that day is installed, and a refusal
// names the key, the value, what Azure supports and the way out, with nothing registered.
func TestIstioRevisionIsCheckedAgainstAzure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		day       harness.MeshRevisions
		edits     []harness.Edit
		revisions []any  // installed on success
		problem   string // refusal text, when refused
	}{
		{"the default revision today", harness.MeshRevisions{}, nil, []any{"asm-1-31"}, ""},
		{"a retired revision", harness.MeshRevisions{}, []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-29")}, nil,
			`asm-1-29 is not a revision AKS supports in westeurope today (az aks mesh get-revisions: asm-1-30, asm-1-31), and AKS refuses new installs of a revision past its end of life; for a new cluster use asm-1-31; for a running cluster start a canary upgrade: set ingress.istioRevisions to ["asm-1-29", "asm-1-31"]`},
		{"a revision not released yet", harness.MeshRevisions{}, []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-33")}, nil,
			"asm-1-33 is not a revision AKS supports in westeurope today"},
		{"the same revision once Azure offers it", spring2027, []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-33")}, []any{"asm-1-33"}, ""},
		{"the default revision after it left support", spring2027, nil, nil,
			`for a running cluster start a canary upgrade: set ingress.istioRevisions to ["asm-1-31", "asm-1-33"]`},
		{"leaving a retired revision by canary", spring2027, []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-31", "asm-1-33"})},
			[]any{"asm-1-31", "asm-1-33"}, ""},
		{"a canary upgrade Azure offers", harness.MeshRevisions{}, []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-30"),
			harness.Set("ingress.istioRevisions", []any{"asm-1-30", "asm-1-31"})}, []any{"asm-1-30", "asm-1-31"}, ""},
		{"a canary target that is no upgrade of the running revision", spring2027, []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-32"),
			harness.Set("ingress.istioRevisions", []any{"asm-1-32", "asm-1-34"})}, nil, "asm-1-34 is not a revision AKS supports"},
		{"a canary skipping an offered step", meshRevisionsOf(map[string][]string{"asm-1-31": {"asm-1-32"}, "asm-1-32": nil, "asm-1-33": nil}),
			[]harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-31", "asm-1-33"})}, nil,
			"asm-1-31 cannot be upgraded to asm-1-33 in westeurope: its upgrade targets are asm-1-32"},
		{"a Kubernetes version the revision does not run on", harness.MeshRevisions{}, []harness.Edit{harness.Set("kubernetes.version", "1.29.4")}, nil,
			"asm-1-31 does not run on kubernetes.version 1.29.4 (it supports 1.31, 1.32, 1.33, 1.34, 1.35)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			day := tc.day
			if day.Profile.MeshRevisions == nil {
				profile, err := config.ParseMeshRevisionProfile([]byte(harness.MeshRevisionsLateNovember2026))
				require.NoError(t, err)
				day = harness.MeshRevisions{Profile: profile}
			}
			_, err := loadConfig(t, "dev", tc.edits...)
			require.NoError(t, err, "offline, any well-formed revision is accepted: no list is kept in the program")
			recording, err := harness.RunStackWith(projectDir, "dev", day, tc.edits...)
			if tc.problem != "" {
				require.Error(t, err)
				problems := problemsOf(t, err)
				require.Len(t, problems, 1)
				assert.Contains(t, problems[0].Key, "apiplatform:ingress.istioRevision")
				assert.Contains(t, problems[0].Message, tc.problem)
				assert.Contains(t, err.Error(), "(nothing was deployed)")
				assert.Empty(t, recording.Resources, "checked before anything is created")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.revisions, stackCluster(t, recording).Input("serviceMeshProfile.istio.revisions"))
		})
	}
}

// TestCanaryUpgradeMovesTheWorkloads walks the documented canary upgrade (aks/istio-upgrade.md) through
// the program: both revisions installed with the workloads on the old one, then the namespace label
// and the pods (restarted through their template) on the new one, then the new one alone.
func TestCanaryUpgradeMovesTheWorkloads(t *testing.T) {
	t.Parallel()
	phases := []struct {
		name      string
		edits     []harness.Edit
		installed []any
		workloads string
	}{
		{"before", []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-30")}, []any{"asm-1-30"}, "asm-1-30"},
		{"upgrade started", []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-30"), harness.Set("ingress.istioRevisions", []any{"asm-1-30", "asm-1-31"})},
			[]any{"asm-1-30", "asm-1-31"}, "asm-1-30"},
		{"workloads moved", []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-31"), harness.Set("ingress.istioRevisions", []any{"asm-1-30", "asm-1-31"})},
			[]any{"asm-1-30", "asm-1-31"}, "asm-1-31"},
		{"upgrade completed", []harness.Edit{harness.Set("ingress.istioRevision", "asm-1-31")}, []any{"asm-1-31"}, "asm-1-31"},
	}
	for _, phase := range phases {
		t.Run(phase.name, func(t *testing.T) {
			recording := runStack(t, "dev", append([]harness.Edit{inCluster}, phase.edits...)...)
			assert.Equal(t, phase.installed, stackCluster(t, recording).Input("serviceMeshProfile.istio.revisions"))
			namespace := kubernetesObject(t, recording, "kubernetes:core/v1:Namespace", "echo")
			assert.Equal(t, phase.workloads, namespace.InputString(`metadata.labels.istio\.io/rev`), "the namespace label selects the sidecar injector")
			deployment := kubernetesObject(t, recording, "kubernetes:apps/v1:Deployment", "echo")
			assert.Equal(t, phase.workloads, deployment.InputString(`spec.template.metadata.annotations.apiplatform\.io/istio-revision`),
				"moving the label changes the pod template, so the pods restart with the new sidecar")
		})
	}
}

// TestIstioPatchesFollowTheDefaultMaintenanceWindow checks the "default" planned maintenance
// configuration exists with the configured window: the AKS releases that patch istiod and the ingress
// gateways respect it (aks/istio-upgrade.md), and without it they roll out at any time.
func TestIstioPatchesFollowTheDefaultMaintenanceWindow(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	window := single(t, recording.OfType("azure-native:containerservice:MaintenanceConfiguration"), "default maintenance", func(res *harness.Resource) bool {
		return res.InputString("configName") == "default"
	})
	assert.Equal(t, stackCluster(t, recording).OutputString("name"), window.InputString("resourceName"))
	assert.Equal(t, map[string]any{"weekly": map[string]any{"intervalWeeks": float64(1), "dayOfWeek": cfg.Kubernetes.MaintenanceWindow.DayOfWeek}},
		window.Input("maintenanceWindow.schedule"), "the default configuration takes weekly schedules only")
	assert.Equal(t, cfg.Kubernetes.MaintenanceWindow.StartTime, window.InputString("maintenanceWindow.startTime"))
	assert.Nil(t, window.Input("timeInWeek"), "timeInWeek is deprecated for the default configuration")
}

// TestUnreachableAzureDoesNotBlockTheDeployment checks that when Azure cannot be asked (no Azure CLI,
// not signed in) the program goes on with the configured revision, whatever well-formed revision it
// is (asm-1-33 here, newer than any the mocks' Azure offers today); AKS still refuses a retired one.
func TestUnreachableAzureDoesNotBlockTheDeployment(t *testing.T) {
	t.Parallel()
	for _, revision := range []string{"asm-1-31", "asm-1-33"} {
		recording, err := harness.RunStackWith(projectDir, "dev", harness.MeshRevisions{Err: errors.New("the Azure CLI is not installed")},
			harness.Set("ingress.istioRevision", revision))
		require.NoError(t, err)
		assert.Equal(t, []any{revision}, stackCluster(t, recording).Input("serviceMeshProfile.istio.revisions"))
		require.Len(t, recording.Warnings, 1, "the user learns the revision went unchecked")
		assert.Contains(t, recording.Warnings[0], "ingress.istioRevision "+revision+" is used unchecked: run `az login`")
	}
}

// TestAzureCLIMeshRevisions runs the real CLI call against a stand-in `az` on the PATH: the arguments
// it passes, the JSON it reads, and the errors of a CLI that is missing or not signed in.
func TestAzureCLIMeshRevisions(t *testing.T) {
	dir := t.TempDir()
	arguments := filepath.Join(dir, "arguments")
	script := "#!/bin/sh\necho \"$@\" > " + arguments + "\n" +
		"if [ -n \"$FAIL\" ]; then echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1; fi\n" +
		"printf '%s\\n' '" + harness.MeshRevisionsLateNovember2026 + "'\n" // shell built-ins only: PATH holds nothing else
	require.NoError(t, os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o755))
	t.Setenv("PATH", dir)

	profile, err := stacks.AzureCLIMeshRevisions{}.MeshRevisions(context.Background(), "westeurope")
	require.NoError(t, err)
	assert.Equal(t, []string{"asm-1-30", "asm-1-31"}, profile.Names())
	called, err := os.ReadFile(arguments)
	require.NoError(t, err)
	assert.Equal(t, "aks mesh get-revisions --location westeurope --output json", strings.TrimSpace(string(called)))

	t.Setenv("FAIL", "1")
	_, err = stacks.AzureCLIMeshRevisions{}.MeshRevisions(context.Background(), "westeurope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Please run 'az login'")

	t.Setenv("PATH", t.TempDir())
	_, err = stacks.AzureCLIMeshRevisions{}.MeshRevisions(context.Background(), "westeurope")
	require.EqualError(t, err, "the Azure CLI is not installed")
}
