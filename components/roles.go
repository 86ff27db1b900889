// Built-in Azure role definitions the platform grants, and the role assignment they are granted with.

package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyVaultSecretsUserRole is the built-in role "Key Vault Secrets User": read secret contents, nothing
// else (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-user).
const KeyVaultSecretsUserRole = "4633458b-17de-408a-b874-0445c86b69e6"

// NetworkContributorRole is the built-in role "Network Contributor", which AKS's control-plane identity
// needs on a bring-your-own subnet to join it and manage internal load balancers
// (https://learn.microsoft.com/azure/aks/concepts-network-cni-overview).
const NetworkContributorRole = "4d97b98b-1d4f-4787-a291-c67834d212e7"

// PrivateDNSZoneContributorRole is the built-in Private DNS Zone Contributor role: a private cluster's
// identity needs it on a zone it is given for its API server
// (https://learn.microsoft.com/azure/aks/private-clusters#configuration-options-for-private-dns).
const PrivateDNSZoneContributorRole = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"

// VirtualMachineAdministratorLoginRole is the built-in role "Virtual Machine Administrator Login":
// Microsoft Entra SSH login with sudo, which Owner and Contributor do not grant
// (https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux#configure-role-assignments-for-the-vm).
const VirtualMachineAdministratorLoginRole = "1c0163c0-47e6-4577-8991-ea5c82e286e4"

// roleDefinitionID returns the subscription-scoped ID of a built-in role for a resource ID in that
// subscription, derived from the scope so no lookup is needed.
func roleDefinitionID(scope pulumi.StringOutput, role string) pulumi.StringOutput {
	return scope.ApplyT(func(id string) (string, error) {
		parts := strings.SplitN(strings.TrimPrefix(id, "/"), "/", 3)
		if len(parts) < 2 || !strings.EqualFold(parts[0], "subscriptions") {
			return "", fmt.Errorf("scope %q is not an ARM resource ID", id)
		}
		return "/subscriptions/" + parts[1] + "/providers/Microsoft.Authorization/roleDefinitions/" + role, nil
	}).(pulumi.StringOutput)
}

// grantRole assigns a built-in role to a managed identity's principal on one scope. The principal type
// is set explicitly: a new identity may not have replicated yet, and without it ARM rejects the
// assignment with PrincipalNotFound
// (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal).
func grantRole(ctx *pulumi.Context, name string, scope pulumi.StringOutput, role string, principalID pulumi.StringInput,
	opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	return grantRoleTo(ctx, name, scope, role, principal{id: principalID, kind: principalServicePrincipal}, opts...)
}

// grantGroupRole assigns a built-in role to a Microsoft Entra group on one scope.
func grantGroupRole(ctx *pulumi.Context, name string, scope pulumi.StringOutput, role, groupObjectID string,
	opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	return grantRoleTo(ctx, name, scope, role, principal{id: pulumi.String(groupObjectID), kind: principalGroup}, opts...)
}

// principalType is the kind of principal a role is assigned to, as a role assignment's principalType
// names it.
type principalType string

// The principal types the platform grants roles to.
const (
	// principalServicePrincipal is a managed identity's service principal.
	principalServicePrincipal principalType = "ServicePrincipal"
	// principalGroup is a Microsoft Entra group.
	principalGroup principalType = "Group"
)

// principal is who a role is assigned to: a principal's object ID and its type.
type principal struct {
	// id is the principal's object ID.
	id pulumi.StringInput
	// kind is the principal's type, which the assignment states explicitly (see grantRole).
	kind principalType
}

// grantRoleTo assigns a built-in role to a principal on one scope.
func grantRoleTo(ctx *pulumi.Context, name string, scope pulumi.StringOutput, role string, to principal,
	opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	assignment, err := authorization.NewRoleAssignment(ctx, name, &authorization.RoleAssignmentArgs{
		Scope:            scope,
		RoleDefinitionId: roleDefinitionID(scope, role),
		PrincipalId:      to.id,
		PrincipalType:    pulumi.String(to.kind),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("granting role %s as %s: %w", role, name, err)
	}
	return assignment, nil
}
