// Jumpbox component: a small Linux VM with no public IP and Microsoft Entra SSH login, for operators.

package components

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/compute/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// JumpboxType is the Jumpbox component's type token.
const JumpboxType = Project + ":perimeter:Jumpbox"

// jumpboxAdminUser is the VM's local account. Nobody logs in with it: its key is generated here and
// never leaves the (encrypted) state; operators log in with their Entra identity.
const jumpboxAdminUser = "azureops"

// JumpboxArgs configures the Jumpbox component.
type JumpboxArgs struct {
	// ResourceGroupName holds the VM and its network interface.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// VMSize is the VM size.
	VMSize string
	// SubnetID is the jumpbox subnet (reachable only from Bastion).
	SubnetID pulumi.StringInput
	// AdministratorGroupObjectIDs are the Entra groups that may log in with sudo.
	AdministratorGroupObjectIDs []string
	// EgressReady, when set, is what the subnet's egress needs (the firewall, its rules and the route): the
	// VM's extensions install packages at creation, so it waits.
	EgressReady []pulumi.Resource
	// LogAnalyticsWorkspaceID receives the VM's update-assessment logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on every resource.
	Tags map[string]string
}

// Jumpbox is the operators' VM.
type Jumpbox struct {
	pulumi.ResourceState

	// VirtualMachineID is the VM's ARM ID, the --target-resource-id of `az network bastion ssh`.
	VirtualMachineID pulumi.StringOutput `pulumi:"virtualMachineId"`
}

// jumpboxScope is what every resource of one Jumpbox component is created with.
type jumpboxScope struct {
	scope
	// args configures the component.
	args *JumpboxArgs
}

// NewJumpbox creates the network interface, the VM (Ubuntu 24.04 LTS, Trusted Launch, platform-managed
// patching, system-assigned identity) and the Entra login extension, and lets the administrator
// groups log in.
func NewJumpbox(ctx *pulumi.Context, name string, args *JumpboxArgs, opts ...pulumi.ResourceOption) (*Jumpbox, error) {
	if args == nil {
		return nil, errors.New("creating jumpbox: args are required")
	}
	component := &Jumpbox{}
	if err := ctx.RegisterComponentResource(JumpboxType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering jumpbox %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := jumpboxScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	networkInterface, err := s.newNetworkInterface()
	if err != nil {
		return nil, err
	}
	key, err := s.newBreakGlassKey()
	if err != nil {
		return nil, err
	}
	vm, err := s.newVirtualMachine(networkInterface, key)
	if err != nil {
		return nil, err
	}
	vmID, err := s.newEntraLogin(vm)
	if err != nil {
		return nil, err
	}

	component.VirtualMachineID = vmID
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering jumpbox %s outputs: %w", name, err)
	}
	return component, nil
}

// vmName is the VM's name, which its extension, role assignments and diagnostic setting are named after.
func (s jumpboxScope) vmName() string {
	return naming.Child(s.name, naming.RoleJumpbox)
}

// newNetworkInterface creates the VM's network interface in the jumpbox subnet, with a private address
// only.
func (s jumpboxScope) newNetworkInterface() (*network.NetworkInterface, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	interfaceName := naming.Child(name, naming.RoleJumpboxNIC)
	networkInterface, err := network.NewNetworkInterface(ctx, interfaceName, &network.NetworkInterfaceArgs{
		NetworkInterfaceName: pulumi.String(interfaceName),
		ResourceGroupName:    args.ResourceGroupName,
		Location:             pulumi.String(args.Location),
		IpConfigurations: network.NetworkInterfaceIPConfigurationArray{&network.NetworkInterfaceIPConfigurationArgs{
			Name:                      pulumi.String("ipconfig"),
			Subnet:                    &network.SubnetTypeArgs{Id: args.SubnetID},
			PrivateIPAllocationMethod: pulumi.String("Dynamic"),
		}},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating network interface %s: %w", interfaceName, err)
	}
	return networkInterface, nil
}

// newBreakGlassKey creates the local account's SSH key. Azure requires a local account with a key or
// password on Linux; this key is the break-glass credential, kept only as a secret in the stack's state.
func (s jumpboxScope) newBreakGlassKey() (*tls.PrivateKey, error) {
	key, err := tls.NewPrivateKey(s.ctx, s.name+"-jumpbox-ssh", &tls.PrivateKeyArgs{
		Algorithm: pulumi.String("RSA"),
		RsaBits:   pulumi.Int(4096),
	}, s.parent, pulumi.AdditionalSecretOutputs([]string{"privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"}))
	if err != nil {
		return nil, fmt.Errorf("creating jumpbox SSH key: %w", err)
	}
	return key, nil
}

// newVirtualMachine creates the VM: Ubuntu 24.04 LTS on Trusted Launch with managed boot diagnostics,
// platform-managed patching, a system-assigned identity for Entra login, and the local account's key
// as its only credential. It waits for the subnet's egress (args.EgressReady).
func (s jumpboxScope) newVirtualMachine(networkInterface *network.NetworkInterface, key *tls.PrivateKey) (*compute.VirtualMachine, error) {
	ctx, args, parent, tags := s.ctx, s.args, s.parent, s.tags
	vmName := s.vmName()
	vm, err := compute.NewVirtualMachine(ctx, vmName, &compute.VirtualMachineArgs{
		VmName:            pulumi.String(vmName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		HardwareProfile:   &compute.HardwareProfileArgs{VmSize: pulumi.String(args.VMSize)},
		Identity:          &compute.VirtualMachineIdentityArgs{Type: compute.ResourceIdentityTypeSystemAssigned},
		StorageProfile: &compute.StorageProfileArgs{
			ImageReference: &compute.ImageReferenceArgs{
				Publisher: pulumi.String("Canonical"), Offer: pulumi.String("ubuntu-24_04-lts"),
				Sku: pulumi.String("server"), Version: pulumi.String("latest"),
			},
			OsDisk: &compute.OSDiskArgs{
				CreateOption: pulumi.String("FromImage"),
				DeleteOption: pulumi.String("Delete"),
				ManagedDisk:  &compute.ManagedDiskParametersArgs{StorageAccountType: pulumi.String("StandardSSD_LRS")},
			},
		},
		OsProfile: &compute.OSProfileArgs{
			ComputerName:  pulumi.String("jumpbox"),
			AdminUsername: pulumi.String(jumpboxAdminUser),
			LinuxConfiguration: &compute.LinuxConfigurationArgs{
				DisablePasswordAuthentication: pulumi.Bool(true),
				Ssh: &compute.SshConfigurationArgs{PublicKeys: compute.SshPublicKeyTypeArray{&compute.SshPublicKeyTypeArgs{
					Path:    pulumi.String("/home/" + jumpboxAdminUser + "/.ssh/authorized_keys"),
					KeyData: key.PublicKeyOpenssh,
				}}},
				PatchSettings: &compute.LinuxPatchSettingsArgs{
					PatchMode: pulumi.String("AutomaticByPlatform"), AssessmentMode: pulumi.String("AutomaticByPlatform"),
				},
			},
		},
		NetworkProfile: &compute.NetworkProfileArgs{NetworkInterfaces: compute.NetworkInterfaceReferenceArray{&compute.NetworkInterfaceReferenceArgs{
			Id: networkInterface.ID().ToStringOutput(), Primary: pulumi.Bool(true), DeleteOption: pulumi.String("Delete"),
		}}},
		// Trusted Launch: Secure Boot and a virtual TPM (https://learn.microsoft.com/azure/virtual-machines/trusted-launch).
		SecurityProfile: &compute.SecurityProfileArgs{
			SecurityType: pulumi.String("TrustedLaunch"),
			UefiSettings: &compute.UefiSettingsArgs{SecureBootEnabled: pulumi.Bool(true), VTpmEnabled: pulumi.Bool(true)},
		},
		// Managed boot diagnostics: the serial console works without a storage account.
		DiagnosticsProfile: &compute.DiagnosticsProfileArgs{BootDiagnostics: &compute.BootDiagnosticsArgs{Enabled: pulumi.Bool(true)}},
		Tags:               tags,
	}, parent, egressDependency(args.EgressReady))
	if err != nil {
		return nil, fmt.Errorf("creating jumpbox %s: %w", vmName, err)
	}
	return vm, nil
}

// newEntraLogin installs the Entra login extension, lets each administrator group log in with sudo,
// and sends the VM's update-assessment logs to the workspace; it returns the VM's ID.
func (s jumpboxScope) newEntraLogin(vm *compute.VirtualMachine) (pulumi.StringOutput, error) {
	ctx, args, parent, tags := s.ctx, s.args, s.parent, s.tags
	vmName := s.vmName()
	// Entra SSH login needs the VM's system identity and this extension
	// (https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux).
	if _, err := compute.NewVirtualMachineExtension(ctx, vmName+"-entra-login", &compute.VirtualMachineExtensionArgs{
		VmExtensionName:         pulumi.String("AADSSHLoginForLinux"),
		VmName:                  vm.Name,
		ResourceGroupName:       args.ResourceGroupName,
		Location:                pulumi.String(args.Location),
		Publisher:               pulumi.String("Microsoft.Azure.ActiveDirectory"),
		Type:                    pulumi.String("AADSSHLoginForLinux"),
		TypeHandlerVersion:      pulumi.String("1.0"),
		AutoUpgradeMinorVersion: pulumi.Bool(true),
		Tags:                    tags,
	}, parent); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating Entra login extension of %s: %w", vmName, err)
	}
	vmID := vm.ID().ToStringOutput()
	for _, group := range slices.Sorted(slices.Values(args.AdministratorGroupObjectIDs)) {
		if _, err := grantGroupRole(ctx, vmName+"-admin-login-"+group, vmID, VirtualMachineAdministratorLoginRole, group, parent); err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	if _, err := newDiagnosticSetting(ctx, vmName, ResourceTypeVirtualMachine, vmID, args.LogAnalyticsWorkspaceID, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	return vmID, nil
}

// egressDependency waits for the egress path when there is one; it is a no-op option otherwise.
func egressDependency(ready []pulumi.Resource) pulumi.ResourceOption {
	return pulumi.DependsOn(ready)
}
