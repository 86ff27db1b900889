// First-run races the deploy-time model reveals: Key Vault reads that start before the reader's role
// assignment can have taken effect.

package review

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// RBACPropagation is how long a new role assignment may take to take effect: "it can take up to 10
// minutes for changes to take effect" (Microsoft Learn, role-based-access-control/troubleshooting.md).
// ARM reports the assignment created at once; a Key Vault read with it fails until then, and the
// providers do not retry a refused read.
const RBACPropagation = 10 * time.Minute

// Race is a resource that reads a Key Vault secret with a managed identity before the identity's grant
// on the vault has had RBACPropagation to take effect, in the modeled first `pulumi up`.
type Race struct {
	// Reader and Grant are the resources' names.
	Reader, Grant string
	// Gap is the modeled time between the grant's creation and the reader's start.
	Gap time.Duration
}

// String describes the race and its fix.
func (r Race) String() string {
	return fmt.Sprintf("%s reads Key Vault %s after %s was granted; role assignments take up to %s to take effect, so the read can be refused: "+
		"create the grant earlier, or give the reader its secret another way", r.Reader, formatDuration(r.Gap), r.Grant, formatDuration(RBACPropagation))
}

// keyVaultRead is one Key Vault secret a resource reads, and the principal it reads it with.
type keyVaultRead struct {
	secretURI, principalID string
}

// Races finds the Key Vault reads of a recording that the model starts too early after their grant.
func Races(recording *harness.Recording, model *Model) []Race {
	steps := map[string]*Step{}
	for _, step := range model.Steps {
		steps[step.URN] = step
	}
	var races []Race
	for _, reader := range recording.Resources {
		for _, read := range keyVaultReads(recording, reader) {
			for _, grant := range grantsFor(recording, read) {
				readerStep, grantStep := steps[reader.URN], steps[grant.URN]
				if readerStep == nil || grantStep == nil {
					continue
				}
				start, finished := readerStep.start(), grantStep.Finish
				if gap := start - finished; gap < RBACPropagation {
					races = append(races, Race{Reader: reader.Name, Grant: grant.Name, Gap: max(gap, 0)})
				}
			}
		}
	}
	return races
}

// keyVaultReads lists the Key Vault secrets a resource references and the principal Azure reads them
// with: Application Gateway's listener certificates (its user-assigned identity), API Management
// certificate entities and custom domains from Key Vault (the service's system identity, or the
// user-assigned one named by identityClientId).
func keyVaultReads(recording *harness.Recording, res *harness.Resource) []keyVaultRead {
	var reads []keyVaultRead
	switch {
	case pack.TypeIs(res.Type, "azure-native:network:ApplicationGateway"):
		identities, _ := res.Input("identity.userAssignedIdentities").([]any)
		certificates, _ := res.Input("sslCertificates").([]any)
		for _, item := range certificates {
			certificate, _ := item.(map[string]any)
			uri, _ := certificate["keyVaultSecretId"].(string)
			for _, identity := range identities {
				if uri != "" {
					reads = append(reads, keyVaultRead{uri, principalOfIdentity(recording, fmt.Sprint(identity), "")})
				}
			}
		}
	case pack.TypeIs(res.Type, "azure-native:apimanagement:Certificate"):
		if uri := res.InputString("keyVault.secretIdentifier"); uri != "" {
			reads = append(reads, keyVaultRead{uri, apimReader(recording, res.InputString("serviceName"), res.InputString("keyVault.identityClientId"))})
		}
	case pack.TypeIs(res.Type, "azure-native:apimanagement:ApiManagementService"):
		configurations, _ := res.Input("hostnameConfigurations").([]any)
		for _, item := range configurations {
			configuration, _ := item.(map[string]any)
			if uri, _ := configuration["keyVaultId"].(string); uri != "" {
				clientID, _ := configuration["identityClientId"].(string)
				reads = append(reads, keyVaultRead{uri, apimReader(recording, res.InputString("serviceName"), clientID)})
			}
		}
	}
	return reads
}

// apimReader is the principal an API Management service reads Key Vault with: the user-assigned
// identity with clientID, or its system-assigned identity.
func apimReader(recording *harness.Recording, serviceName, clientID string) string {
	if clientID != "" {
		return principalOfIdentity(recording, "", clientID)
	}
	for _, service := range recording.OfType("azure-native:apimanagement:ApiManagementService") {
		if service.InputString("serviceName") == serviceName {
			return service.OutputString("identity.principalId")
		}
	}
	return ""
}

// principalOfIdentity returns the principal of a recorded user-assigned identity, by ARM ID or client ID.
func principalOfIdentity(recording *harness.Recording, id, clientID string) string {
	for _, identity := range recording.OfType("azure-native:managedidentity:UserAssignedIdentity") {
		if (id != "" && identity.ID == id) || (clientID != "" && identity.OutputString("clientId") == clientID) {
			return identity.OutputString("principalId")
		}
	}
	return ""
}

// grantsFor returns the recorded role assignments that let the read's principal read its secret: on
// the secret's vault or the secret itself.
func grantsFor(recording *harness.Recording, read keyVaultRead) []*harness.Resource {
	parsed, err := url.Parse(read.secretURI)
	if err != nil || read.principalID == "" {
		return nil
	}
	vaultName, _, _ := strings.Cut(parsed.Host, ".")
	var grants []*harness.Resource
	for _, vault := range recording.OfType("azure-native:keyvault:Vault") {
		if !strings.EqualFold(vault.OutputString("name"), vaultName) {
			continue
		}
		for _, grant := range recording.OfType("azure-native:authorization:RoleAssignment") {
			if grant.InputString("principalId") == read.principalID && strings.HasPrefix(grant.InputString("scope"), vault.ID) {
				grants = append(grants, grant)
			}
		}
	}
	return grants
}
