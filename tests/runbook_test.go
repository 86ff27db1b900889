// The operations runbook (docs/runbook.md) is exercised: every command block is marked offline, tested
// by a named test, or needing Azure; offline blocks run against the local rehearsal and must print
// what the runbook says (those marked "mutualTls required" against a stack that requires caller
// certificates at the edge); the phase durations are the deploy-time model's.

package tests

import (
	"context"
	"encoding/base64"
	"fmt"
	"go/ast"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
	"github.com/apiplatform/azure-api-platform/review"
)

// runbookPath is the runbook, relative to the project.
const runbookPath = "docs/runbook.md"

// Runbook block kinds, from the marker comment on the line before each sh block.
const (
	runbookOffline  = "offline"
	runbookTestedBy = "tested by"
	runbookAzure    = "needs Azure"
	// runbookMutualTLS marks an offline block that runs against a stack requiring caller certificates.
	runbookMutualTLS = "mutualTls required"
)

// runbookBlock is one sh block of the runbook.
type runbookBlock struct {
	line     int      // line of the opening fence
	kind     string   // offline, tested by, needs Azure
	argument string   // the test name of "tested by"
	expect   []string // what an offline block must print
	mutual   bool     // an offline block that needs applicationGateway.mutualTls required
	code     string   // the commands
	after    string   // the prose up to the next block or heading: what the reader is told to expect
}

var (
	runbookMarker = regexp.MustCompile(`^<!-- runbook: (offline|tested by|needs Azure)(.*?) -->$`)
	quoted        = regexp.MustCompile(`"([^"]*)"`)
)

// readRunbook parses the runbook's sh blocks and their markers.
func readRunbook(t *testing.T) []runbookBlock {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(projectDir, runbookPath))
	require.NoError(t, err)
	lines := strings.Split(string(text), "\n")
	var blocks []runbookBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```sh" {
			continue
		}
		block := runbookBlock{line: i + 1}
		if i > 0 {
			if marker := runbookMarker.FindStringSubmatch(lines[i-1]); marker != nil {
				block.kind = marker[1]
				rest := strings.TrimSpace(marker[2])
				switch block.kind {
				case runbookTestedBy:
					block.argument = rest
				case runbookOffline:
					for _, match := range quoted.FindAllStringSubmatch(rest, -1) {
						block.expect = append(block.expect, match[1])
					}
					block.mutual = strings.Contains(quoted.ReplaceAllString(rest, ""), runbookMutualTLS)
				}
			}
		}
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		require.Less(t, end, len(lines), "runbook line %d: unterminated sh block", i+1)
		block.code = strings.Join(lines[i+1:end], "\n")
		next := end + 1
		for next < len(lines) && !strings.HasPrefix(lines[next], "```") && !strings.HasPrefix(lines[next], "#") &&
			!strings.HasPrefix(lines[next], "<!-- runbook:") {
			next++
		}
		block.after = strings.Join(lines[end+1:next], "\n")
		blocks = append(blocks, block)
		i = end
	}
	return blocks
}

// TestRunbookBlocksAreAccountedFor checks every command block says how it is exercised, every
// "tested by" names a test that exists, and every expected output of an offline block is also what
// the reader is told right after the block.
func TestRunbookBlocksAreAccountedFor(t *testing.T) {
	t.Parallel()
	blocks := readRunbook(t)
	tests := testFunctions(t)
	kinds, mutual := map[string]int{}, 0
	for _, block := range blocks {
		kinds[block.kind]++
		if block.mutual {
			mutual++
		}
		switch block.kind {
		case "":
			t.Errorf("runbook line %d: the sh block has no <!-- runbook: offline|tested by|needs Azure --> marker", block.line)
		case runbookTestedBy:
			assert.True(t, tests[block.argument], "runbook line %d: tested by %q, which is not a test in tests/", block.line, block.argument)
		case runbookOffline:
			for _, want := range block.expect {
				assert.Contains(t, block.after, want, "runbook line %d: the reader is told the expected output %q", block.line, want)
			}
		}
	}
	assert.GreaterOrEqual(t, kinds[runbookOffline], 10, "the verification and troubleshooting commands run offline")
	assert.GreaterOrEqual(t, kinds[runbookTestedBy], 1)
	assert.GreaterOrEqual(t, kinds[runbookAzure], 10)
	assert.GreaterOrEqual(t, mutual, 3, "the caller mutual TLS checks run offline")
}

// testFunctions returns the names of the Test functions in tests/.
func testFunctions(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, file := range parseDir(t, ".", isTestFile) {
		for _, declaration := range file.Decls {
			if function, ok := declaration.(*ast.FuncDecl); ok && strings.HasPrefix(function.Name.Name, "Test") {
				names[function.Name.Name] = true
			}
		}
	}
	return names
}

// runbookVariable finds shell variables ($NAME or ${NAME}) and assignments (NAME=).
var (
	runbookVariable   = regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]*)`)
	runbookAssignment = regexp.MustCompile(`(?m)^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=`)
	runbookOutputFile = regexp.MustCompile(`(?:>|--file)\s+([A-Za-z0-9._-]+)`)
)

// runbookHops are the hops the runbook addresses by a host-name and an address variable, each with the
// rehearsal hop that stands in for it: "$HOST:443" and "https://$HOST/" reach that hop's loopback port.
var runbookHops = []struct {
	hostVariable, addressVariable string
	host                          func(*rehearsal.Plan) string
	port                          func(*rehearsal.Stack) int
}{
	{"PUBLIC_HOST", "PUBLIC_IP", func(plan *rehearsal.Plan) string { return plan.PublicHost }, func(running *rehearsal.Stack) int { return running.EdgePort }},
	{"GATEWAY_HOST", "APIM_IP", func(plan *rehearsal.Plan) string { return plan.GatewayHost }, func(running *rehearsal.Stack) int { return running.GatewayPort }},
	{"BACKEND_HOST", "INGRESS_IP", func(plan *rehearsal.Plan) string { return plan.BackendHost }, func(running *rehearsal.Stack) int { return running.IngressPort }},
}

// toRehearsal rewrites a block's port 443 to the rehearsal ports, and reports any 443 it could not
// place: a command the rehearsal would not reach. The check runs on the block with the known patterns
// taken out, not on the result, whose random ports may themselves contain "443".
func toRehearsal(code string, ports map[string]int) (string, error) {
	unplaced := code
	for variable, port := range ports {
		for _, pattern := range []struct{ from, to string }{
			{"$" + variable + ":443", "$" + variable + ":" + strconv.Itoa(port)},
			{"https://$" + variable + "/", "https://$" + variable + ":" + strconv.Itoa(port) + "/"},
		} {
			unplaced = strings.ReplaceAll(unplaced, pattern.from, "")
			code = strings.ReplaceAll(code, pattern.from, pattern.to)
		}
	}
	if strings.Contains(unplaced, "443") {
		return "", fmt.Errorf("a port 443 that is not $HOST:443 or https://$HOST/ of a known host:\n%s", unplaced)
	}
	return code, nil
}

// runbookRehearsals are the rehearsals the offline blocks run against: the shipped stacks run every
// block not marked "mutualTls required", and dev with caller certificates required at the edge runs
// the marked ones.
var runbookRehearsals = func() []runbookRehearsal {
	rehearsals := []runbookRehearsal{}
	for _, stack := range stackNames {
		rehearsals = append(rehearsals, runbookRehearsal{name: stack, stack: stack})
	}
	return append(rehearsals, runbookRehearsal{name: "dev with mutualTls required", stack: "dev", mutual: true,
		edits: []harness.Edit{harness.Set("applicationGateway.mutualTls", "required")}})
}()

// runbookRehearsal is one stack configuration the offline blocks run against.
type runbookRehearsal struct {
	name, stack string
	mutual      bool // runs the blocks marked "mutualTls required", and only those
	edits       []harness.Edit
}

// runbookCredentials are the variables and files with the caller's credentials that the Azure-only
// blocks produce: the subscription key the rehearsal's API Management accepts and, with mutual TLS,
// the callers' CA and the sample caller's certificate and key, as the stack outputs them.
func runbookCredentials(t *testing.T, plan *rehearsal.Plan, recording *harness.Recording, mutual bool) (map[string]string, map[string][]byte) {
	t.Helper()
	require.NotEmpty(t, plan.SubscriptionKeys, "the shipped stacks require a subscription key")
	key, _ := recording.Outputs["apiSubscriptionKey"].Value.(string)
	assert.Contains(t, plan.SubscriptionKeys, key, "the output apiSubscriptionKey is a key API Management accepts")
	variables := map[string]string{"API_KEY": plan.SubscriptionKeys[0]}
	files := map[string][]byte{}
	if mutual {
		for file, output := range map[string]string{"caller-ca.pem": "callerCaCertificatePem", "caller.crt": "sampleCallerCertificatePem",
			"caller.key": "sampleCallerPrivateKeyPem"} {
			value, _ := recording.Outputs[output].Value.(string)
			require.NotEmpty(t, value, "output %s", output)
			files[file] = []byte(value)
		}
	}
	return variables, files
}

// TestRunbookOfflineCommands runs every offline block, in order, in one working directory against the
// local rehearsal of each stack, as the on-call engineer would on the jumpbox: the files and variables
// the Azure-only blocks would have produced come from the recording, and each block must succeed and
// print what the runbook says.
func TestRunbookOfflineCommands(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	blocks := readRunbook(t)

	// What the blocks that need Azure produce: variables and files, before any offline block uses them.
	fromAzure := map[string]bool{}
	filesFromAzure := map[string]bool{}
	for _, block := range blocks {
		if block.kind != runbookAzure {
			continue
		}
		for _, match := range runbookAssignment.FindAllStringSubmatch(block.code, -1) {
			fromAzure[match[1]] = true
		}
		for _, match := range runbookOutputFile.FindAllStringSubmatch(block.code, -1) {
			filesFromAzure[match[1]] = true
		}
	}

	for _, hop := range runbookHops {
		for _, name := range []string{hop.hostVariable, hop.addressVariable} {
			assert.True(t, fromAzure[name], "the runbook sets %s from the stack before using it", name)
		}
	}

	for _, variant := range runbookRehearsals {
		t.Run(variant.name, func(t *testing.T) {
			running, recording := startRehearsal(t, variant.stack, variant.edits...)
			plan := running.Plan
			variables, credentialFiles := runbookCredentials(t, plan, recording, variant.mutual)
			ports := map[string]int{}
			for _, hop := range runbookHops {
				variables[hop.hostVariable], variables[hop.addressVariable] = hop.host(plan), "127.0.0.1"
				ports[hop.hostVariable], ports[hop.addressVariable] = hop.port(running), hop.port(running)
			}
			for name := range variables {
				assert.True(t, fromAzure[name], "the runbook sets %s from the stack before using it", name)
			}
			files := map[string][]byte{"ca.pem": []byte(plan.CAPEM), "apim-client.pfx": keyVaultPFX(t, recording, "apim-client")}
			maps.Copy(files, credentialFiles)
			for name := range files {
				assert.True(t, filesFromAzure[name], "the runbook downloads %s before using it", name)
			}
			workdir := t.TempDir()
			for name, content := range files {
				require.NoError(t, os.WriteFile(filepath.Join(workdir, name), content, 0o600))
			}
			var preamble strings.Builder
			for _, name := range slices.Sorted(maps.Keys(variables)) {
				fmt.Fprintf(&preamble, "%s=%s\n", name, strconv.Quote(variables[name]))
			}

			defined := slices.Collect(maps.Keys(variables))
			for _, block := range blocks {
				if block.kind != runbookOffline || block.mutual != variant.mutual {
					continue
				}
				for _, match := range runbookAssignment.FindAllStringSubmatch(block.code, -1) {
					defined = append(defined, match[1])
				}
				for _, match := range runbookVariable.FindAllStringSubmatch(block.code, -1) {
					assert.Contains(t, defined, match[1], "runbook line %d uses $%s, which nothing before it sets", block.line, match[1])
				}
				code, err := toRehearsal(block.code, ports)
				if !assert.NoError(t, err, "runbook line %d", block.line) {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				command := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", preamble.String()+code)
				command.Dir = workdir
				// Loopback only: no proxy from the environment may take the requests elsewhere.
				command.Env = append(os.Environ(), "NO_PROXY=*", "no_proxy=*")
				output, err := command.CombinedOutput()
				cancel()
				outputText := string(output)
				require.NoError(t, err, "runbook line %d:\n%s\n%s", block.line, block.code, outputText)
				for _, want := range block.expect {
					assert.Contains(t, outputText, os.Expand(want, func(name string) string { return variables[name] }),
						"runbook line %d:\n%s", block.line, block.code)
				}
			}
		})
	}
}

// keyVaultPFX returns the PKCS#12 the program stores in Key Vault under a secret name, decoded as
// `az keyvault secret download --encoding base64` writes it.
func keyVaultPFX(t *testing.T, recording *harness.Recording, secretName string) []byte {
	t.Helper()
	secret := single(t, recording.OfType(secretType), "Key Vault secret "+secretName, func(res *harness.Resource) bool {
		return res.InputString("secretName") == secretName
	})
	pfx, err := base64.StdEncoding.DecodeString(secret.InputString("properties.value"))
	require.NoError(t, err)
	return pfx
}

// runbookMilestones are the rows of the runbook's phase table: the resource types whose last
// creation ends each phase in the deploy-time model.
var runbookMilestones = []struct {
	phase string
	types []string
}{
	{"Foundation", []string{"azure-native:resources:ResourceGroup", "azure-native:network:NetworkSecurityGroup",
		"azure-native:network:VirtualNetwork", "azure-native:network:RouteTable", "azure-native:managedidentity:UserAssignedIdentity",
		"tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"}},
	{"Key Vault", []string{"azure-native:keyvault:Vault", "azure-native:keyvault:Secret",
		"azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup"}},
	{"Cluster", []string{"azure-native:containerservice:ManagedCluster", "azure-native:containerregistry:Registry",
		"azure-native:network:AzureFirewall", "azure-native:network:FirewallPolicyRuleCollectionGroup"}},
	{"Bastion and jumpbox", []string{"azure-native:network:BastionHost", "azure-native:compute:VirtualMachine",
		"azure-native:compute:VirtualMachineExtension"}},
	{"API Management", []string{"azure-native:apimanagement:ApiManagementService"}},
	{"API Management configured", []string{"azure-native:apimanagement:"}},
	{"Application Gateway", []string{"azure-native:network:ApplicationGateway"}},
	{"In-cluster layer", []string{"kubernetes:"}},
}

// milestones computes when each phase of the runbook's table is done, per the deploy-time model, and
// the total; a phase a stack does not have is "-".
func milestones(t *testing.T, stack string) map[string]string {
	t.Helper()
	recording := runStack(t, stack)
	model, err := review.BuildModel(recording)
	require.NoError(t, err)
	done := map[string]string{"Done": model.Length.String()}
	layer, azure := review.InClusterLayer(recording), time.Duration(0)
	for _, step := range model.Steps {
		if step.URN != "" && !layer[step.URN] {
			azure = max(azure, step.Finish)
		}
	}
	done["Azure layer done"] = azure.String()
	for _, milestone := range runbookMilestones {
		var finish time.Duration
		found := false
		for _, step := range model.Steps {
			if slices.ContainsFunc(milestone.types, func(key string) bool { return review.TypeUnder(step.Type, key) }) {
				finish, found = max(finish, step.Finish), true
			}
		}
		done[milestone.phase] = "-"
		if found {
			done[milestone.phase] = finish.String()
		}
	}
	return done
}

// TestRunbookPhaseDurations checks the runbook's phase table against the deploy-time model of both
// stacks: the "done at" of every phase and the total.
func TestRunbookPhaseDurations(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join(projectDir, runbookPath))
	require.NoError(t, err)
	rows := map[string][]string{}
	for _, line := range strings.Split(string(text), "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 4 {
			continue
		}
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "*")
		}
		rows[cells[0]] = cells
	}
	expected := map[string]map[string]string{}
	for _, stack := range stackNames {
		expected[stack] = milestones(t, stack)
	}
	phases := []string{"Done", "Azure layer done"}
	for _, milestone := range runbookMilestones {
		phases = append(phases, milestone.phase)
	}
	sort.Strings(phases)
	for _, phase := range phases {
		t.Run(phase, func(t *testing.T) {
			row, ok := rows[phase]
			require.True(t, ok, "the runbook's phase table has a row %q", phase)
			assert.Equal(t, expected["dev"][phase], row[2], "dev: done at")
			assert.Equal(t, expected["prod"][phase], row[3], "prod: done at")
		})
	}
}

// headingAnchors returns the anchors of a Markdown document's headings as GitHub makes them: lower
// case, punctuation dropped, spaces to hyphens.
func headingAnchors(document string) map[string]bool {
	found := map[string]bool{}
	for _, heading := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(document, -1) {
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				return r
			}
			return -1
		}, strings.ToLower(heading[1]))
		found[slug] = true
	}
	return found
}

// TestRunbookLinksResolve checks every in-page link of the runbook, and README's links into it, name a
// heading that exists (GitHub's anchors: lower case, punctuation dropped, spaces to hyphens).
func TestRunbookLinksResolve(t *testing.T) {
	t.Parallel()
	runbook, err := os.ReadFile(filepath.Join(projectDir, runbookPath))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	runbookAnchors := headingAnchors(string(runbook))
	links := 0
	for _, link := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(runbook), -1) {
		assert.True(t, runbookAnchors[link[1]], "runbook links to #%s, which is no heading", link[1])
		links++
	}
	for _, link := range regexp.MustCompile(`\]\(docs/runbook\.md#([^)]+)\)`).FindAllStringSubmatch(string(readme), -1) {
		assert.True(t, runbookAnchors[link[1]], "README links to runbook #%s, which is no heading", link[1])
		links++
	}
	assert.Greater(t, links, 10)
}

// TestToRehearsal checks the port rewriting of runbook commands, including rehearsal ports that contain
// "443" (a random free port can), and that a 443 the rewrite cannot place is reported.
func TestToRehearsal(t *testing.T) {
	t.Parallel()
	ports := map[string]int{"PUBLIC_HOST": 35443, "PUBLIC_IP": 35443, "BACKEND_HOST": 44389, "INGRESS_IP": 44389}
	cases := []struct {
		name, code, want string
		placed           bool
	}{
		{"resolve and URL", `curl --resolve "$PUBLIC_HOST:443:$PUBLIC_IP" "https://$PUBLIC_HOST/echo/"`,
			`curl --resolve "$PUBLIC_HOST:35443:$PUBLIC_IP" "https://$PUBLIC_HOST:35443/echo/"`, true},
		{"address and port", `openssl s_client -connect "$INGRESS_IP:443" -servername "$BACKEND_HOST"`,
			`openssl s_client -connect "$INGRESS_IP:44389" -servername "$BACKEND_HOST"`, true},
		{"no port at all", `openssl x509 -in apim-client.crt -noout`, `openssl x509 -in apim-client.crt -noout`, true},
		{"a host the rehearsal does not know", `curl https://example.com:443/`, "", false},
		{"a literal address", `openssl s_client -connect 10.0.0.4:443`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, err := toRehearsal(tc.code, ports)
			if !tc.placed {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, code)
		})
	}
}
