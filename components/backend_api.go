// BackendAPI component: an API Management API that calls the cluster over mutual TLS.

package components

import (
	"errors"
	"fmt"
	"strings"

	apimanagement "github.com/pulumi/pulumi-azure-native-sdk/apimanagement/v2/v20240501"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// BackendAPIType is the BackendAPI component's type token.
const BackendAPIType = Project + ":apim:BackendAPI"

// ClientCertificateID is the ID of the client certificate entity API Management presents to backends.
const ClientCertificateID = "apim-client"

// ApplicationInsightsLogger connects API Management to Application Insights.
type ApplicationInsightsLogger struct {
	// ResourceID is the Application Insights component's ARM ID.
	ResourceID pulumi.StringInput
	// ConnectionString is the component's connection string (secret).
	ConnectionString pulumi.StringInput
}

// BackendAPIArgs configures the BackendAPI component.
type BackendAPIArgs struct {
	// ResourceGroupName holds the API Management service.
	ResourceGroupName pulumi.StringInput
	// ServiceName is the API Management service.
	ServiceName pulumi.StringInput
	// ClientCertificatePFX is the client certificate API Management presents to the backend: base64
	// PKCS#12 without a password, from the program's own (secret) state.
	ClientCertificatePFX pulumi.StringInput
	// BackendHostName is the ingress host; its certificate's chain and name are validated.
	BackendHostName string
	// Path is the API's path on the gateway and the prefix of its entity IDs, e.g. "echo".
	Path string
	// DisplayName is the API's name in the portal.
	DisplayName string
	// Policy chooses the credential, the edge's ranges, caller certificates and the rate limits (its
	// BackendID is set by the component). With apimpolicy.CredentialSubscriptionKey the component
	// creates a product, adds the API and creates one subscription whose keys it generates.
	Policy apimpolicy.BackendAPIOptions
	// ApplicationInsights, when set, receives request telemetry of the API.
	ApplicationInsights *ApplicationInsightsLogger
}

// BackendAPI is the client certificate entity, the backend, the API with its operations and policy.
type BackendAPI struct {
	pulumi.ResourceState

	// APIID is the API's ARM ID.
	APIID pulumi.StringOutput `pulumi:"apiId"`
	// BackendID is the backend entity's ID, which the policy routes to.
	BackendID pulumi.StringOutput `pulumi:"backendId"`
	// PolicyXML is the API policy document as deployed.
	PolicyXML pulumi.StringOutput `pulumi:"policyXml"`
	// SubscriptionKey is the sample subscription's primary key (secret; empty unless the API takes
	// subscription keys).
	SubscriptionKey pulumi.StringOutput
}

// Product and subscription of an API that takes subscription keys.
const (
	// productSuffix makes the product's ID from the API's path: "echo-callers".
	productSuffix = "-callers"
	// subscriptionSuffix makes the sample subscription's ID: "echo-sample-caller".
	subscriptionSuffix = "-sample-caller"
	// subscriptionKeyLength is the generated keys' length: 32 letters and digits (190 bits), the
	// length of the keys API Management generates itself.
	subscriptionKeyLength = 32
)

// httpMethod is the HTTP method of an API operation.
type httpMethod string

// The methods of the sample API's operations.
const (
	// methodGet reads.
	methodGet httpMethod = "GET"
	// methodPost sends a body.
	methodPost httpMethod = "POST"
	// methodDelete deletes.
	methodDelete httpMethod = "DELETE"
)

// apiMethods are the sample API's operations; each matches every path below the API.
var apiMethods = []httpMethod{methodGet, methodPost, methodDelete}

// apiScope is what every entity of one BackendAPI component is created with.
type apiScope struct {
	scope
	// args configures the component.
	args *BackendAPIArgs
}

// NewBackendAPI creates the API's entities inside an existing service. They are child entities, each
// created in seconds, so none of them lengthens API Management's own creation.
func NewBackendAPI(ctx *pulumi.Context, name string, args *BackendAPIArgs, opts ...pulumi.ResourceOption) (*BackendAPI, error) {
	if args == nil || args.ClientCertificatePFX == nil {
		return nil, errors.New("creating backend API: args with ClientCertificatePFX are required")
	}
	component := &BackendAPI{}
	if err := ctx.RegisterComponentResource(BackendAPIType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering backend API %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	s := apiScope{scope: scope{ctx: ctx, name: name, parent: parent}, args: args}

	certificate, err := s.newClientCertificate()
	if err != nil {
		return nil, err
	}
	backendID := naming.Child(args.Path, naming.RoleAPIBackend)
	backend, err := s.newBackend(backendID, certificate)
	if err != nil {
		return nil, err
	}
	api, err := s.newAPI()
	if err != nil {
		return nil, err
	}
	policyXML, err := s.newPolicy(backendID, api, backend)
	if err != nil {
		return nil, err
	}
	component.SubscriptionKey = pulumi.String("").ToStringOutput()
	if args.Policy.Credential == apimpolicy.CredentialSubscriptionKey {
		if component.SubscriptionKey, err = s.newSubscription(api); err != nil {
			return nil, err
		}
	}
	if insights := args.ApplicationInsights; insights != nil {
		if err := s.newTelemetry(insights, api); err != nil {
			return nil, err
		}
	}

	component.APIID = api.ID().ToStringOutput()
	component.BackendID = pulumi.String(backendID).ToStringOutput()
	component.PolicyXML = pulumi.String(policyXML).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering backend API %s outputs: %w", name, err)
	}
	return component, nil
}

// newClientCertificate creates the client certificate entity API Management presents to the backend.
//
// The client certificate is uploaded from the program's state, like the gateway's custom domain, not
// referenced in Key Vault. A Key Vault reference is read by the service's system-assigned identity,
// which exists only once the service does: its Secrets User grant would be seconds old when the
// entity is created, and role assignments take up to 10 minutes to take effect
// (role-based-access-control/troubleshooting.md), so the first `pulumi up` would fail or wait on
// API Management's critical path. Nothing is lost: the certificate changes only when `pulumi up`
// renews it, and the same run updates this entity in seconds (a child entity, not the service).
func (s apiScope) newClientCertificate() (*apimanagement.Certificate, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	certificate, err := apimanagement.NewCertificate(ctx, name+"-client-certificate", &apimanagement.CertificateArgs{
		CertificateId:     pulumi.String(ClientCertificateID),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		Data:              pulumi.ToSecret(args.ClientCertificatePFX).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating client certificate entity of %s: %w", name, err)
	}
	return certificate, nil
}

// newBackend creates the backend entity backendID: the ingress host over HTTPS, authenticated with the
// client certificate, its certificate chain and name validated.
func (s apiScope) newBackend(backendID string, certificate *apimanagement.Certificate) (*apimanagement.Backend, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	backend, err := apimanagement.NewBackend(ctx, name+"-backend", &apimanagement.BackendArgs{
		BackendId:         pulumi.String(backendID),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		Url:               pulumi.Sprintf("https://%s", args.BackendHostName),
		Protocol:          pulumi.String("http"),
		Description:       pulumi.String("The cluster ingress, over mutual TLS"),
		Credentials: &apimanagement.BackendCredentialsContractArgs{
			CertificateIds: pulumi.StringArray{certificate.ID().ToStringOutput()},
		},
		Tls: &apimanagement.BackendTlsPropertiesArgs{
			ValidateCertificateChain: pulumi.Bool(true),
			ValidateCertificateName:  pulumi.Bool(true),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating backend of %s: %w", name, err)
	}
	return backend, nil
}

// newAPI creates the API at args.Path, HTTPS only, requiring a subscription key exactly when that is
// the caller's credential, and one operation per method of apiMethods.
func (s apiScope) newAPI() (*apimanagement.Api, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	api, err := apimanagement.NewApi(ctx, name+"-api", &apimanagement.ApiArgs{
		ApiId:                pulumi.String(args.Path),
		ServiceName:          args.ServiceName,
		ResourceGroupName:    args.ResourceGroupName,
		DisplayName:          pulumi.String(args.DisplayName),
		Path:                 pulumi.String(args.Path),
		Protocols:            pulumi.StringArray{pulumi.String("https")},
		ApiType:              pulumi.String("http"),
		SubscriptionRequired: pulumi.Bool(args.Policy.Credential == apimpolicy.CredentialSubscriptionKey),
		SubscriptionKeyParameterNames: &apimanagement.SubscriptionKeyParameterNamesContractArgs{
			Header: pulumi.String(apimpolicy.SubscriptionKeyHeader), Query: pulumi.String("subscription-key"),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating API of %s: %w", name, err)
	}
	for _, method := range apiMethods {
		if _, err := apimanagement.NewApiOperation(ctx, fmt.Sprintf("%s-api-%s", name, lower(method)), &apimanagement.ApiOperationArgs{
			OperationId:       pulumi.String(lower(method)),
			ApiId:             pulumi.String(args.Path),
			ServiceName:       args.ServiceName,
			ResourceGroupName: args.ResourceGroupName,
			DisplayName:       pulumi.String(method + " any path"),
			Method:            pulumi.String(method),
			UrlTemplate:       pulumi.String("/*"),
		}, parent, pulumi.DependsOn([]pulumi.Resource{api})); err != nil {
			return nil, fmt.Errorf("creating %s operation of %s: %w", method, name, err)
		}
	}
	return api, nil
}

// newPolicy renders the API policy (args.Policy routed to backendID) and creates it once the API and
// the backend exist; it returns the policy document as deployed.
func (s apiScope) newPolicy(backendID string, api *apimanagement.Api, backend *apimanagement.Backend) (string, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	options := args.Policy
	options.BackendID = backendID
	policyXML, err := apimpolicy.Render(apimpolicy.BackendAPI(options))
	if err != nil {
		return "", fmt.Errorf("rendering the API policy of %s: %w", name, err)
	}
	if _, err := apimanagement.NewApiPolicy(ctx, name+"-api-policy", &apimanagement.ApiPolicyArgs{
		PolicyId:          pulumi.String("policy"),
		ApiId:             pulumi.String(args.Path),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		Format:            pulumi.String("xml"),
		Value:             pulumi.String(policyXML),
	}, parent, pulumi.DependsOn([]pulumi.Resource{api, backend})); err != nil {
		return "", fmt.Errorf("creating API policy of %s: %w", name, err)
	}
	return policyXML, nil
}

// newSubscription creates the product that holds the API, requiring a subscription, and one active
// subscription to it with generated keys; it returns the primary key (secret). The product stays
// unpublished: nobody subscribes through a developer portal, the platform team hands out keys. Keys
// are generated here rather than read back, because API Management does not return them on a read
// (they come from the listSecrets action), and a generated key is a secret in the state from birth.
func (s apiScope) newSubscription(api *apimanagement.Api) (pulumi.StringOutput, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	productID := args.Path + productSuffix
	product, err := apimanagement.NewProduct(ctx, name+"-product", &apimanagement.ProductArgs{
		ProductId:            pulumi.String(productID),
		ServiceName:          args.ServiceName,
		ResourceGroupName:    args.ResourceGroupName,
		DisplayName:          pulumi.String(args.DisplayName + " callers"),
		Description:          pulumi.String("Callers of the " + args.DisplayName + " API, with a subscription key"),
		SubscriptionRequired: pulumi.Bool(true),
		State:                apimanagement.ProductStateEnumNotPublished,
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating product of %s: %w", name, err)
	}
	link, err := apimanagement.NewProductApi(ctx, name+"-product-api", &apimanagement.ProductApiArgs{
		ProductId:         pulumi.String(productID),
		ApiId:             pulumi.String(args.Path),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
	}, parent, pulumi.DependsOn([]pulumi.Resource{product, api}))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("adding the API of %s to its product: %w", name, err)
	}
	keys := map[string]pulumi.StringOutput{}
	for _, which := range []string{"primary", "secondary"} {
		key, err := random.NewRandomPassword(ctx, fmt.Sprintf("%s-subscription-%s-key", name, which), &random.RandomPasswordArgs{
			Length: pulumi.Int(subscriptionKeyLength), Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("generating the %s subscription key of %s: %w", which, name, err)
		}
		keys[which] = key.Result
	}
	if _, err := apimanagement.NewSubscription(ctx, name+"-subscription", &apimanagement.SubscriptionArgs{
		Sid:               pulumi.String(args.Path + subscriptionSuffix),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		DisplayName:       pulumi.String(args.DisplayName + " sample caller"),
		Scope:             pulumi.String("/products/" + productID),
		State:             apimanagement.SubscriptionStateEnumActive,
		PrimaryKey:        pulumi.ToSecret(keys["primary"]).(pulumi.StringOutput),
		SecondaryKey:      pulumi.ToSecret(keys["secondary"]).(pulumi.StringOutput),
	}, parent, pulumi.DependsOn([]pulumi.Resource{link}), pulumi.AdditionalSecretOutputs([]string{"primaryKey", "secondaryKey"})); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating subscription of %s: %w", name, err)
	}
	return pulumi.ToSecret(keys["primary"]).(pulumi.StringOutput), nil
}

// newTelemetry connects the API to Application Insights: a logger with the component's connection
// string and the API's diagnostic, which samples every request with W3C correlation and always logs
// errors.
func (s apiScope) newTelemetry(insights *ApplicationInsightsLogger, api *apimanagement.Api) error {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	logger, err := apimanagement.NewLogger(ctx, name+"-logger", &apimanagement.LoggerArgs{
		LoggerId:          pulumi.String(naming.Child(args.Path, naming.RoleAPILogger)),
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		LoggerType:        pulumi.String("applicationInsights"),
		ResourceId:        insights.ResourceID,
		Credentials:       pulumi.StringMap{"connectionString": pulumi.ToSecret(insights.ConnectionString).(pulumi.StringOutput)},
	}, parent)
	if err != nil {
		return fmt.Errorf("creating logger of %s: %w", name, err)
	}
	if _, err := apimanagement.NewApiDiagnostic(ctx, name+"-api-diagnostic", &apimanagement.ApiDiagnosticArgs{
		DiagnosticId:            pulumi.String("applicationinsights"),
		ApiId:                   pulumi.String(args.Path),
		ServiceName:             args.ServiceName,
		ResourceGroupName:       args.ResourceGroupName,
		LoggerId:                logger.ID().ToStringOutput(),
		AlwaysLog:               pulumi.String("allErrors"),
		HttpCorrelationProtocol: pulumi.String("W3C"),
		Verbosity:               pulumi.String("information"),
		LogClientIp:             pulumi.Bool(true),
		Sampling:                &apimanagement.SamplingSettingsArgs{SamplingType: pulumi.String("fixed"), Percentage: pulumi.Float64(100)},
	}, parent, pulumi.DependsOn([]pulumi.Resource{api})); err != nil {
		return fmt.Errorf("creating API diagnostic of %s: %w", name, err)
	}
	return nil
}

// lower is an HTTP method in lower case, as the operation's ID and resource name carry it.
func lower(method httpMethod) string {
	return strings.ToLower(string(method))
}
