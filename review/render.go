// The review's readable report: resources by component with their key settings, policy results and
// the deploy-time model.

package review

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// keySettings are the inputs worth seeing per type in a review; everything else is in the recording.
var keySettings = map[string][]string{
	"azure-native:resources:ResourceGroup":              {"location"},
	"azure-native:network:VirtualNetwork":               {"addressSpace.addressPrefixes"},
	"azure-native:network:ApplicationGateway":           {"sku.tier", "autoscaleConfiguration.minCapacity", "autoscaleConfiguration.maxCapacity", "zones", "sslPolicy.policyName"},
	"azure-native:network:WebApplicationFirewallPolicy": {"policySettings.mode", "managedRules.managedRuleSets[0].ruleSetVersion"},
	"azure-native:apimanagement:ApiManagementService":   {"sku.name", "sku.capacity", "virtualNetworkType", "zones"},
	"azure-native:apimanagement:Backend":                {"url", "tls.validateCertificateChain", "tls.validateCertificateName"},
	"azure-native:keyvault:Vault":                       {"properties.publicNetworkAccess", "properties.enablePurgeProtection", "properties.networkAcls.defaultAction"},
	"azure-native:containerservice:ManagedCluster":      {"sku.tier", "apiServerAccessProfile.enablePrivateCluster", "networkProfile.outboundType", "serviceMeshProfile.istio.revisions"},
	"azure-native:containerregistry:Registry":           {"sku.name", "publicNetworkAccess"},
	"azure-native:network:PrivateEndpoint":              {"privateLinkServiceConnections[0].groupIds"},
	"azure-native:network:PrivateZone":                  {"privateZoneName"},
	"azure-native:network:AzureFirewall":                {"sku.tier", "zones"},
	"azure-native:network:Route":                        {"addressPrefix", "nextHopIpAddress"},
	"azure-native:network:BastionHost":                  {"sku.name", "enableTunneling"},
	"azure-native:compute:VirtualMachine":               {"hardwareProfile.vmSize", "securityProfile.securityType"},
	"azure-native:sql:Server":                           {"publicNetworkAccess", "minimalTlsVersion"},
	"azure-native:sql:Database":                         {"sku.name", "zoneRedundant"},
	"azure-native:operationalinsights:Workspace":        {"retentionInDays"},
	"azure-native:insights:MetricAlert":                 {"criteria.allOf[0].metricName"},
}

// Render writes the report.
func (r *Report) Render(w io.Writer) {
	recording := r.Recording
	custom, components := 0, 0
	for _, res := range recording.Resources {
		if res.Custom {
			custom++
		} else {
			components++
		}
	}
	fmt.Fprintf(w, "Offline review of stack %q (project %s)\n", r.Stack, recording.Project)
	fmt.Fprintf(w, "  %d resources (%d custom, %d components); the program ran in %s under mocks.\n\n",
		len(recording.Resources), custom, components, r.Evaluation.Round(time.Millisecond))

	fmt.Fprintln(w, "Resources by component")
	for _, group := range groups(recording) {
		fmt.Fprintf(w, "  %s\n", group.title)
		for _, res := range group.members {
			settings := describeSettings(res)
			fmt.Fprintf(w, "    %-48s %s%s\n", pack.BaseType(res.Type), res.Name, settings)
		}
	}

	renderPolicies(w, r)

	renderWarnings(w, r.Recording.Warnings)

	renderBrought(w, r.Recording)
	if r.LandingZoneAssumed {
		fmt.Fprintln(w, "  network.mode existing: the review cannot read the landing zone's network and assumed one that meets every check; pulumi preview reads the real one and refuses what does not")
	}

	renderEstimate(w, r)

	fmt.Fprintln(w, "\nStanding cost of reaching the private API server (make deploy tunnels through Azure Bastion)")
	fmt.Fprint(w, renderAccessCosts(r))

	fmt.Fprintln(w, "\nDeploy-time model of the first `make deploy`, both runs of `pulumi up` (figures and their sources: review/durations.go)")
	fmt.Fprintf(w, "  Critical path: %s\n", formatDuration(r.Model.Length))
	for _, step := range r.Model.CriticalPath {
		fmt.Fprintf(w, "    done at %8s  %-44s %s (%s)\n", formatDuration(step.Finish), pack.BaseType(step.Type), step.Name, formatDuration(step.Duration))
	}
	target := Target(r.Model)
	verdict := "met"
	if r.Model.Length > target {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "  Target: at most %s = %s: %s\n", targetFormula(r.Model), formatDuration(target), verdict)
	if len(r.Model.UpdatedTwice) == 0 {
		fmt.Fprintln(w, "  Updated twice on first deploy: none")
	} else {
		fmt.Fprintf(w, "  Updated twice on first deploy: %s\n", strings.Join(r.Model.UpdatedTwice, "; "))
	}
	fmt.Fprintf(w, "  Alternative ordering (API Management created bare, granted Key Vault, then updated with its custom domain): %s, %s longer\n",
		formatDuration(r.Alternative.Length), formatDuration(r.Alternative.Length-r.Model.Length))
	if len(r.Races) == 0 {
		fmt.Fprintf(w, "  Key Vault reads before their grant takes effect (%s): none\n", formatDuration(RBACPropagation))
	}
	for _, race := range r.Races {
		fmt.Fprintf(w, "  FAIL  %s\n", race)
	}
}

// InClusterBudget is what the in-cluster layer may take in make deploy's second run, after that run's
// start: the readiness Job, the workload's rollout and the ingress objects.
const InClusterBudget = 4 * time.Minute

// Target is the deploy-time target of a model: API Management's creation, Application Gateway's
// creation (it waits for API Management) and two minutes for everything around them; with an
// in-cluster layer, also the start of make deploy's second run and InClusterBudget, because nothing
// runs against the cluster before the Azure layer's run has succeeded.
func Target(model *Model) time.Duration {
	apim, _ := DurationFor("azure-native:apimanagement:ApiManagementService")
	gateway, _ := DurationFor("azure-native:network:ApplicationGateway")
	target := apim.Create + gateway.Create + 2*time.Minute
	if model.TwoRuns {
		target += SecondRun.Create + InClusterBudget
	}
	return target
}

// targetFormula says what Target adds up.
func targetFormula(model *Model) string {
	if model.TwoRuns {
		return "API Management creation + Application Gateway creation + 2m, then make deploy's second run (start + in-cluster layer budget)"
	}
	return "API Management creation + Application Gateway creation + 2m"
}

// group is a component and the resources inside it.
type group struct {
	title   string
	members []*harness.Resource
}

// groups lists the custom resources by their nearest component, the stack's own first.
func groups(recording *harness.Recording) []group {
	byParent := map[string]*group{}
	var order []string
	for _, res := range recording.Resources {
		if !res.Custom || strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		owner := recording.ByURN(res.Parent)
		key, title := "", "(stack)"
		if owner != nil && !owner.Custom && owner.Type != "pulumi:pulumi:Stack" {
			key, title = owner.URN, fmt.Sprintf("%s  %s", owner.Type, owner.Name)
		}
		if _, ok := byParent[key]; !ok {
			byParent[key] = &group{title: title}
			order = append(order, key)
		}
		byParent[key].members = append(byParent[key].members, res)
	}
	if i := slices.Index(order, ""); i > 0 {
		order = append([]string{""}, slices.Delete(order, i, i+1)...)
	}
	var result []group
	for _, key := range order {
		result = append(result, *byParent[key])
	}
	return result
}

// describeSettings renders a resource's key settings as "  key=value ...".
func describeSettings(res *harness.Resource) string {
	var parts []string
	for token, paths := range keySettings {
		if !pack.TypeIs(res.Type, token) {
			continue
		}
		for _, path := range paths {
			if value := res.Input(path); value != nil {
				parts = append(parts, fmt.Sprintf("%s=%v", path[strings.LastIndex(path, ".")+1:], value))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, " ")
}

// urnName returns the logical name at the end of a URN.
func urnName(urn string) string {
	return urn[strings.LastIndex(urn, "::")+2:]
}

// formatDuration writes a duration as 1h02m30s / 52m15s / 45s.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	hours, minutes, seconds := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case hours > 0:
		return fmt.Sprintf("%dh%02dm%02ds", hours, minutes, seconds)
	case minutes > 0:
		return fmt.Sprintf("%dm%02ds", minutes, seconds)
	default:
		return fmt.Sprintf("%ds", seconds)
	}
}

// renderWarnings lists what the program told the user to act on, as `pulumi up` would show it.
func renderWarnings(w io.Writer, warnings []string) {
	if len(warnings) == 0 {
		fmt.Fprintln(w, "\nWarnings from the program: none")
		return
	}
	fmt.Fprintf(w, "\nWarnings from the program: %d to act on (pulumi up shows them too)\n", len(warnings))
	for _, warning := range warnings {
		fmt.Fprintf(w, "  warning  %s\n", warning)
	}
}

// renderEstimate writes the monthly cost estimate: the total, then every item, biggest first.
func renderEstimate(w io.Writer, r *Report) {
	estimate, err := EstimateCosts(r.Recording)
	if err != nil {
		fmt.Fprintf(w, "\nMonthly cost estimate: %v\n", err)
		return
	}
	fmt.Fprintf(w, "\nMonthly cost estimate at list price (USD, %s; prices and their sources: review/prices.go): about %.0f USD a month\n",
		PricesRegion, estimate.Total)
	for _, item := range estimate.Items {
		if item.Unpriced != "" {
			fmt.Fprintf(w, "  %10s  %-44s %s: %s\n", "by use", item.Type, item.Name, item.Unpriced)
			continue
		}
		fmt.Fprintf(w, "  %10.2f  %-44s %s: %s\n", item.Monthly, item.Type, item.Name, item.What)
	}
}

// renderPolicies lists every policy with its result: pass, part (not evaluated for what the stack
// brings), or each violation.
func renderPolicies(w io.Writer, r *Report) {
	policies := pack.Policies()
	fmt.Fprintf(w, "\nPolicy pack %s %s: %d policies, %d mandatory and %d advisory violations\n",
		pack.Name, pack.Version, len(policies), r.MandatoryViolations(), len(r.Violations)-r.MandatoryViolations())
	byPolicy := map[string][]pack.Violation{}
	for _, violation := range r.Violations {
		byPolicy[violation.Policy] = append(byPolicy[violation.Policy], violation)
	}
	unevaluated := map[string]string{}
	for _, policy := range r.NotEvaluated {
		unevaluated[policy.Policy] = policy.Reason
	}
	for _, policy := range policies {
		found := byPolicy[policy.Name()]
		if reason, partly := unevaluated[policy.Name()]; partly && len(found) == 0 {
			fmt.Fprintf(w, "  part  %s  not evaluated for what the stack brings: %s\n", policy.Name(), reason)
			continue
		}
		if len(found) == 0 {
			fmt.Fprintf(w, "  pass  %s\n", policy.Name())
			continue
		}
		for _, violation := range found {
			level := "FAIL"
			if violation.Level == pack.Advisory {
				level = "warn"
			}
			fmt.Fprintf(w, "  %s  %s  %s\n        %s\n", level, policy.Name(), urnName(violation.URN), strings.ReplaceAll(violation.Message, "\n", " "))
		}
	}
}
