// The network security groups' inline rules, from the platform's rule table (package netrules).

package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/netrules"
)

// securityRuleArgs converts plain rules to the inline security rule inputs of a network security group.
func securityRuleArgs(rules []netrules.Rule) network.SecurityRuleTypeArray {
	array := make(network.SecurityRuleTypeArray, 0, len(rules))
	for _, rule := range rules {
		args := &network.SecurityRuleTypeArgs{
			Name:                     pulumi.String(rule.Name),
			Priority:                 pulumi.Int(rule.Priority),
			Direction:                pulumi.String(rule.Direction),
			Access:                   pulumi.String(rule.Access),
			Protocol:                 pulumi.String(rule.Protocol),
			SourceAddressPrefix:      pulumi.String(rule.Source),
			SourcePortRange:          pulumi.String("*"),
			DestinationAddressPrefix: pulumi.String(rule.Destination),
			Description:              pulumi.String(rule.Description),
		}
		if len(rule.DestinationPorts) == 1 {
			args.DestinationPortRange = pulumi.String(rule.DestinationPorts[0])
		} else {
			args.DestinationPortRanges = pulumi.ToStringArray(rule.DestinationPorts)
		}
		array = append(array, args)
	}
	return array
}
