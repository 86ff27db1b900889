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
	return grantRoleTo(ctx, name, scope, role, principalID, "ServicePrincipal", opts...)
}

// grantGroupRole assigns a built-in role to a Microsoft Entra group on one scope.
func grantGroupRole(ctx *pulumi.Context, name string, scope pulumi.StringOutput, role, groupObjectID string,
	opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	return grantRoleTo(ctx, name, scope, role, pulumi.String(groupObjectID), "Group", opts...)
}

// grantRoleTo assigns a built-in role to a principal of the given type on one scope.
func grantRoleTo(ctx *pulumi.Context, name string, scope pulumi.StringOutput, role string, principalID pulumi.StringInput,
	principalType string, opts ...pulumi.ResourceOption,
) (*authorization.RoleAssignment, error) {
	assignment, err := authorization.NewRoleAssignment(ctx, name, &authorization.RoleAssignmentArgs{
		Scope:            scope,
		RoleDefinitionId: roleDefinitionID(scope, role),
		PrincipalId:      principalID,
		PrincipalType:    pulumi.String(principalType),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("granting role %s as %s: %w", role, name, err)
	}
	return assignment, nil
}
