// API credential policies: every API the edge publishes requires a credential, and each API policy
// authenticates, then limits the rate (by keys a caller cannot choose), then routes.

package pack

import (
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	apiType             = "azure-native:apimanagement:Api"
	apiPolicyType       = "azure-native:apimanagement:ApiPolicy"
	productType         = "azure-native:apimanagement:Product"
	productAPIType      = "azure-native:apimanagement:ProductApi"
	subscriptionType    = "azure-native:apimanagement:Subscription"
	clientAddressHeader = "X-Forwarded-For" // apimpolicy.ClientAddressHeader
	clientAddressValue  = "{var_client_ip}" // the address Application Gateway saw the caller connect from
)

// tokenValidators are the inbound policies that reject a request without a valid token.
var tokenValidators = []string{"validate-azure-ad-token", "validate-jwt"}

// authenticators are the inbound policies that establish who is calling: tokens, and the edge's
// verdict on a caller certificate (check-header) or API Management's own certificate check.
var authenticators = append([]string{"check-header", "validate-client-certificate"}, tokenValidators...)

// rateLimits are the inbound policies that throttle calls.
var rateLimits = []string{"rate-limit-by-key", "rate-limit"}

// firstEntry matches an expression that splits a value and takes its first part, as
// `.Split(',')[0]` or `.Split(',').First()` do with X-Forwarded-For.
var firstEntry = regexp.MustCompile(`\.Split\s*\([^)]*\)\s*(\[\s*0\s*\]|\.First(OrDefault)?\s*\()`)

var apiCredentialRule = stackRule{
	name:        "api-requires-credential",
	description: "Every API published through the Application Gateway requires a credential: a subscription key (with a product holding the API and an active subscription to it) or a Microsoft Entra token its policy validates; anonymousApisAllowed names the exceptions, for public samples only.",
	remediation: "set apiManagement.entraTenantId and apiManagement.entraAudience (callers present an Entra token), or remove apiManagement.anonymousAccessAllowed (callers present a subscription key: the API requires one, and the echo-callers product, its ProductApi and an active subscription are created); only a public sample may be listed in this policy's anonymousApisAllowed.",
	level:       Mandatory,
	schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
		"anonymousApisAllowed": {"type": "array", "items": map[string]any{"type": "string"},
			"description": "API IDs (apiId) that may take no credential at all: public samples only; default none."},
	}},
	check: func(resources []Resource, config map[string]any) []finding {
		if len(ofType(resources, applicationGatewayType)) == 0 {
			return nil // nothing is published: API Management is internal
		}
		allowed := stringList(config, "anonymousApisAllowed", nil)
		var findings []finding
		for _, api := range ofType(resources, apiType) {
			id := apiID(api)
			if slices.Contains(allowed, id) {
				continue
			}
			if problem := credentialProblem(resources, api, id); problem != "" {
				findings = append(findings, finding{api.URN, fmt.Sprintf("API %q (%s) %s.", id, api.Name, problem)})
			}
		}
		return findings
	},
}

var apiPolicyOrderRule = stackRule{
	name:        "api-policy-order",
	description: "Every API policy authenticates before any rate limit and limits the rate before routing, and keys no rate limit on an X-Forwarded-For a caller could have written.",
	remediation: "order the inbound section as apimpolicy.BackendAPI does (validate-azure-ad-token or check-header, then rate-limit-by-key, then set-backend-service), and key client-address limits on X-Forwarded-For only when every Application Gateway's routing rules apply a rewrite that sets it to {var_client_ip} (the caller-headers rewrite set), never on its first comma-separated entry; otherwise use context.Request.IpAddress.",
	level:       Mandatory,
	check: func(resources []Resource, _ map[string]any) []finding {
		rewritten := edgeRewritesClientAddress(resources)
		var findings []finding
		for _, policy := range ofType(resources, apiPolicyType) {
			if policy.Unknown("value") || !inlineFormat(policy.String("format")) {
				continue // a preview's unknown or a linked document: nothing to read
			}
			report := func(problem string) {
				findings = append(findings, finding{policy.URN, fmt.Sprintf("API policy %s (API %q): %s.", policy.Name, policy.String("apiId"), problem)})
			}
			inbound, err := inboundOf(policy.String("value"))
			if err != nil {
				report(err.Error())
				continue
			}
			for _, problem := range orderProblems(inbound) {
				report(problem)
			}
			for _, problem := range counterKeyProblems(inbound, rewritten) {
				report(problem)
			}
		}
		return findings
	},
}

// apiID returns an API's apiId input, or its logical name when the input is not a known string.
func apiID(api Resource) string {
	if id := api.String("apiId"); id != "" {
		return id
	}
	return api.Name
}

// credentialProblem says what an API lacks for its callers to need a credential, or "" when it needs
// one (or a preview does not know enough to tell).
func credentialProblem(resources []Resource, api Resource, id string) string {
	if api.Unknown("subscriptionRequired") {
		return ""
	}
	policies := policiesOf(resources, api, id)
	for _, policy := range policies {
		if policy.Unknown("value") {
			return ""
		}
		if inbound, err := inboundOf(policy.String("value")); err == nil && inlineFormat(policy.String("format")) && validatesToken(inbound) {
			return ""
		}
	}
	// Azure's default for an API is to require a subscription.
	if required, known := api.Bool("subscriptionRequired"); required || !known {
		return subscriptionProblem(resources, api, id)
	}
	tokens := strings.Join(tokenValidators, " or ")
	if len(policies) == 0 {
		return fmt.Sprintf("takes no credential: subscriptionRequired is false and it has no API policy, so none validates a token (%s)", tokens)
	}
	policy := policies[0]
	if !inlineFormat(policy.String("format")) {
		return fmt.Sprintf("takes no credential the pack can see: subscriptionRequired is false and its API policy %s is a link (format %s), not an inline document with %s", policy.Name, policy.String("format"), tokens)
	}
	if _, err := inboundOf(policy.String("value")); err != nil {
		return fmt.Sprintf("takes no credential the pack can see: subscriptionRequired is false and its API policy %s: %v", policy.Name, err)
	}
	return fmt.Sprintf("takes no credential: subscriptionRequired is false and the inbound section of its API policy %s validates no token (%s)", policy.Name, tokens)
}

// subscriptionProblem says what is missing for callers of an API that requires a subscription key to
// hold one: a product containing the API (ProductApi) that requires subscriptions, and an active
// subscription to that product (or to the API itself).
func subscriptionProblem(resources []Resource, api Resource, id string) string {
	for _, subscription := range ofType(resources, subscriptionType) {
		if active(subscription) && scopedTo(subscription, api, "/apis/"+id) {
			return ""
		}
	}
	var products []Resource
	for _, product := range ofType(resources, productType) {
		if on, known := product.Bool("subscriptionRequired"); known && !on {
			continue // an open product has no subscriptions
		}
		if slices.ContainsFunc(ofType(resources, productAPIType), func(link Resource) bool {
			return links(link, "productId", product, productID(product)) && links(link, "apiId", api, id) && sameService(link, api)
		}) {
			products = append(products, product)
		}
	}
	if len(products) == 0 {
		return fmt.Sprintf("requires a subscription key, but no product that requires subscriptions contains it (no %s with apiId %q), so no caller can hold a key for it", shortType(productAPIType), id)
	}
	var names []string
	for _, product := range products {
		for _, subscription := range ofType(resources, subscriptionType) {
			if active(subscription) && scopedTo(subscription, product, "/products/"+productID(product)) {
				return ""
			}
		}
		names = append(names, fmt.Sprintf("%q", productID(product)))
	}
	return fmt.Sprintf("requires a subscription key, but no subscription with state \"active\" is scoped to its product %s, so no caller holds a key for it", strings.Join(names, ", "))
}

// policiesOf returns the API policies of an API: by apiId (and service), or by property dependency.
func policiesOf(resources []Resource, api Resource, id string) []Resource {
	var policies []Resource
	for _, policy := range ofType(resources, apiPolicyType) {
		if links(policy, "apiId", api, id) && sameService(policy, api) {
			policies = append(policies, policy)
		}
	}
	return policies
}

// links reports whether from's property refers to target: it came from target (a dependency, which a
// first preview knows), or it holds target's ID (the apiId or productId string).
func links(from Resource, property string, target Resource, id string) bool {
	return from.DependsThrough(property, target.URN) || (id != "" && from.String(property) == id)
}

// sameService reports whether two API Management child resources may belong to the same service: their
// serviceName inputs are equal or not both known.
func sameService(a, b Resource) bool {
	first, second := a.String("serviceName"), b.String("serviceName")
	return first == "" || second == "" || first == second
}

// productID returns a product's productId input, or its logical name.
func productID(product Resource) string {
	if id := product.String("productId"); id != "" {
		return id
	}
	return product.Name
}

// active reports whether a subscription is active (or a preview does not know its state yet).
func active(subscription Resource) bool {
	return subscription.Unknown("state") || strings.EqualFold(subscription.String("state"), "active")
}

// scopedTo reports whether a subscription's scope is target: by dependency, or a scope ending in
// suffix (/products/{productId} or /apis/{apiId}, alone or at the end of a full resource ID).
func scopedTo(subscription, target Resource, suffix string) bool {
	if subscription.DependsThrough("scope", target.URN) {
		return true
	}
	scope := strings.ToLower(subscription.String("scope"))
	return scope != "" && strings.HasSuffix(scope, strings.ToLower(suffix))
}

// inlineFormat reports whether an API policy's format means its value is the document itself (absent:
// Azure's default, xml).
func inlineFormat(format string) bool {
	return format == "" || format == "xml" || format == "rawxml"
}

// policyElement is one element of a policy document, with its attributes and child elements.
type policyElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr      `xml:",any,attr"`
	Children []policyElement `xml:",any"`
}

// attr returns an attribute's value, or "".
func (e policyElement) attr(name string) string {
	for _, attribute := range e.Attrs {
		if attribute.Name.Local == name {
			return attribute.Value
		}
	}
	return ""
}

// walk returns the element's descendants in document order (depth first), without the element.
func (e policyElement) walk() []policyElement {
	var all []policyElement
	for _, child := range e.Children {
		all = append(all, child)
		all = append(all, child.walk()...)
	}
	return all
}

// inboundOf parses a policy document and returns its inbound section.
func inboundOf(document string) (policyElement, error) {
	var root policyElement
	if err := xml.Unmarshal([]byte(document), &root); err != nil {
		return policyElement{}, fmt.Errorf("the document is not well-formed XML (%w)", err)
	}
	if root.XMLName.Local != "policies" {
		return policyElement{}, fmt.Errorf("the document's root is <%s>, not <policies>", root.XMLName.Local)
	}
	for _, section := range root.Children {
		if section.XMLName.Local == "inbound" {
			return section, nil
		}
	}
	return policyElement{}, errors.New("the document has no inbound section")
}

// validatesToken reports whether the inbound section itself (not a branch of a choose) validates a
// token on every request.
func validatesToken(inbound policyElement) bool {
	return slices.ContainsFunc(inbound.Children, func(child policyElement) bool {
		return slices.Contains(tokenValidators, child.XMLName.Local)
	})
}

// orderProblems checks the inbound order, element by element including those inside choose
// branches: every authenticator before the first rate limit, every rate limit before the first
// set-backend-service.
func orderProblems(inbound policyElement) []string {
	elements := inbound.walk()
	first := func(names []string) int {
		return slices.IndexFunc(elements, func(e policyElement) bool { return slices.Contains(names, e.XMLName.Local) })
	}
	var problems []string
	if limit := first(rateLimits); limit >= 0 {
		for i := limit + 1; i < len(elements); i++ {
			if name := elements[i].XMLName.Local; slices.Contains(authenticators, name) {
				problems = append(problems, fmt.Sprintf("%s comes after %s, so calls that fail authentication count against the limit and a counter key could read what no one has validated yet", name, elements[limit].XMLName.Local))
			}
		}
	}
	if backend := first([]string{"set-backend-service"}); backend >= 0 {
		for i := backend + 1; i < len(elements); i++ {
			if name := elements[i].XMLName.Local; slices.Contains(rateLimits, name) {
				problems = append(problems, fmt.Sprintf("%s comes after set-backend-service: rate limits must come before routing", name))
			}
		}
	}
	return problems
}

// counterKeyProblems checks every rate-limit-by-key's counter key: it may read X-Forwarded-For only
// when the edge overwrites that header, and never its first entry while the caller writes it.
func counterKeyProblems(inbound policyElement, rewritten bool) []string {
	var problems []string
	for _, element := range inbound.walk() {
		if element.XMLName.Local != "rate-limit-by-key" {
			continue
		}
		key := element.attr("counter-key")
		if rewritten || !strings.Contains(strings.ToLower(key), strings.ToLower(clientAddressHeader)) {
			continue
		}
		if firstEntry.MatchString(key) {
			problems = append(problems, fmt.Sprintf("the counter key %s takes the first %s entry, which is whatever the caller sent (Application Gateway appends its own entry after it), so a caller escapes the limit by changing it", key, clientAddressHeader))
		} else {
			problems = append(problems, fmt.Sprintf("the counter key %s reads %s, but no Application Gateway in the stack rewrites it to %s, so its value starts with whatever the caller sent", key, clientAddressHeader, clientAddressValue))
		}
	}
	return problems
}

// edgeRewritesClientAddress reports whether the stack has an Application Gateway and every one
// overwrites X-Forwarded-For with the address it saw: a rewrite rule set whose last rule (by
// ruleSequence) setting the header sets it to {var_client_ip} unconditionally, applied by every
// routing rule that forwards to a backend (a rule whose rewrite set ID a preview does not know yet
// counts). A gateway that admits only its Front Door profile (frontdoor-origin-closed) may set it to
// the address Front Door saw instead.
func edgeRewritesClientAddress(resources []Resource) bool {
	gateways := ofType(resources, applicationGatewayType)
	if len(gateways) == 0 {
		return false
	}
	behindFrontDoor := len(ofType(resources, frontDoorProfileType)) > 0
	for _, gateway := range gateways {
		accepted := []string{clientAddressValue}
		if behindFrontDoor && gatewayWAFRequiresFrontDoor(resources, gateway) {
			accepted = append(accepted, frontDoorClientAddressValue)
		}
		rewriting := map[string]bool{}
		for _, set := range gateway.Array("rewriteRuleSets") {
			if setsClientAddress(valuesOf(at(set, "rewriteRules")), accepted) {
				rewriting[stringOf(at(set, "name"))] = true
			}
		}
		for _, rule := range gateway.Array("requestRoutingRules") {
			if at(rule, "backendAddressPool").IsNull() {
				continue // a redirect forwards nothing
			}
			id := at(rule, "rewriteRuleSet", "id")
			if !id.IsComputed() && !rewriting[lastSegment(stringOf(id))] {
				return false
			}
		}
	}
	return true
}

// setsClientAddress reports whether the last of the rules that set X-Forwarded-For (by ruleSequence,
// then position) sets it to one of the accepted values without conditions.
func setsClientAddress(rules []property.Value, accepted []string) bool {
	var last property.Value
	lastSequence, found := 0.0, false
	for _, rule := range rules {
		if _, sets := clientAddressValueOf(rule); !sets {
			continue
		}
		sequence := 0.0
		if value := at(rule, "ruleSequence"); value.IsNumber() {
			sequence = value.AsNumber()
		}
		if !found || sequence >= lastSequence {
			last, lastSequence, found = rule, sequence, true
		}
	}
	if !found || len(valuesOf(at(last, "conditions"))) > 0 {
		return false
	}
	value, _ := clientAddressValueOf(last)
	return slices.Contains(accepted, value)
}

// clientAddressValueOf returns the value a rewrite rule sets X-Forwarded-For to, and whether it sets it.
func clientAddressValueOf(rule property.Value) (string, bool) {
	for _, header := range valuesOf(at(rule, "actionSet", "requestHeaderConfigurations")) {
		if strings.EqualFold(stringOf(at(header, "headerName")), clientAddressHeader) {
			return stringOf(at(header, "headerValue")), true
		}
	}
	return "", false
}

// valuesOf returns an array value's items (none when it is not an array).
func valuesOf(value property.Value) []property.Value {
	if !value.IsArray() {
		return nil
	}
	return value.AsArray().AsSlice()
}
