// Explicit providers: every resource names its provider through resource options, never a default one.

package stacks

import (
	"fmt"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// providers are the provider instances the stack passes to its resources and components. Both stack
// files set `pulumi:disable-default-providers: ["*"]`, so a resource that forgets its provider fails
// at preview instead of silently using ambient defaults.
type providers struct {
	azure  *azurenative.Provider
	random *random.Provider
	tls    *tls.Provider
	// hub is an azure-native provider for the hub network's subscription, for the hub's side of the
	// peering (nil unless network.hubPeeringWritable).
	hub *azurenative.Provider
	// dns are azure-native providers by subscription ID for the central private DNS zones the stack
	// writes into (privateDns.mode central), which may be in a connectivity subscription.
	dns map[string]pulumi.ProviderResource
}

// newProviders creates the providers. The azure-native provider takes its credentials and subscription
// from the environment (az login, or ARM_* variables such as ARM_USE_OIDC in Pulumi Deployments).
func newProviders(ctx *pulumi.Context, cfg *config.Config) (*providers, error) {
	azure, err := azurenative.NewProvider(ctx, "azure-native", &azurenative.ProviderArgs{
		Location: pulumi.String(cfg.Location),
	})
	if err != nil {
		return nil, fmt.Errorf("creating azure-native provider: %w", err)
	}
	randomProvider, err := random.NewProvider(ctx, "random", &random.ProviderArgs{})
	if err != nil {
		return nil, fmt.Errorf("creating random provider: %w", err)
	}
	tlsProvider, err := tls.NewProvider(ctx, "tls", &tls.ProviderArgs{})
	if err != nil {
		return nil, fmt.Errorf("creating tls provider: %w", err)
	}
	created := &providers{azure: azure, random: randomProvider, tls: tlsProvider}
	if cfg.Network.HubPeeringWritable {
		created.hub, err = azurenative.NewProvider(ctx, "azure-native-hub", &azurenative.ProviderArgs{
			Location:       pulumi.String(cfg.Location),
			SubscriptionId: pulumi.String(components.HubSubscription(cfg.Network.HubVirtualNetworkID)),
		})
		if err != nil {
			return nil, fmt.Errorf("creating azure-native provider for the hub's subscription: %w", err)
		}
	}
	if created.dns, err = newDNSProviders(ctx, cfg); err != nil {
		return nil, err
	}
	return created, nil
}

// newDNSProviders creates one provider per subscription of the central private DNS zones, named
// azure-native-dns-<subscription ID> so the name stays stable as zones are added.
func newDNSProviders(ctx *pulumi.Context, cfg *config.Config) (map[string]pulumi.ProviderResource, error) {
	providers := map[string]pulumi.ProviderResource{}
	if cfg.PrivateDNS.Mode != config.PrivateDNSCentral {
		return providers, nil
	}
	for _, zone := range cfg.PrivateDNS.CentralZones {
		subscription := components.ARMAddressOf(zone.ID).Subscription
		if _, created := providers[subscription]; created {
			continue
		}
		provider, err := azurenative.NewProvider(ctx, "azure-native-dns-"+subscription, &azurenative.ProviderArgs{
			Location:       pulumi.String(cfg.Location),
			SubscriptionId: pulumi.String(subscription),
		})
		if err != nil {
			return nil, fmt.Errorf("creating azure-native provider for the private DNS zones of subscription %s: %w", subscription, err)
		}
		providers[subscription] = provider
	}
	return providers, nil
}

// all returns every provider as a component option, so children of a component find theirs by package.
func (p *providers) all() pulumi.ResourceOption {
	return pulumi.Providers(p.azure, p.random, p.tls)
}
