// The API's inbound policy and its subscriptions, read from the recording so the gateway hop enforces
// what API Management would: every inbound element is either understood here or fails the plan.

package rehearsal

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// DefaultSubscriptionKeyHeader is the header API Management reads a subscription key from unless the
// API names another (subscriptionKeyParameterNames.header).
const DefaultSubscriptionKeyHeader = "Ocp-Apim-Subscription-Key"

// GatewayPolicy is what the API's inbound policy asks of API Management, in the rehearsal's terms.
type GatewayPolicy struct {
	// AllowedRange is the ip-filter's one allowed address range (nil without an ip-filter).
	AllowedRange *AddressRange
	// HeaderChecks are the check-header policies, in order.
	HeaderChecks []HeaderCheck
	// RateLimits are the rate-limit-by-key policies, in order.
	RateLimits []RateLimit
	// DeletedHeaders are the request headers set-header exists-action="delete" removes.
	DeletedHeaders []string
}

// AddressRange is an inclusive range of IPv4 or IPv6 addresses.
type AddressRange struct {
	// From and To are the first and last address.
	From, To netip.Addr
}

// HeaderCheck is a check-header policy: the request must carry Name with one of Values.
type HeaderCheck struct {
	// Name is the checked header.
	Name string
	// Values are the accepted values.
	Values []string
	// IgnoreCase compares the values case-insensitively.
	IgnoreCase bool
	// Code and Message are the refusal's status and message.
	Code int
	// Message is the refusal's message (API Management's JSON "message").
	Message string
}

// RateLimit is a rate-limit-by-key policy: Calls per RenewalPeriod seconds for each counter key.
type RateLimit struct {
	// Calls is the number of calls allowed in one period.
	Calls int
	// RenewalPeriod is the period in seconds.
	RenewalPeriod int
	// Header is the request header the counter key reads (its default, the connection's address, when
	// absent); empty when PerSubscription.
	Header string
	// PerSubscription keys the counter on the caller's subscription (context.Subscription.Id).
	PerSubscription bool
}

// Zone names the rate limit's nginx zone; the gateway's error log names the zone that refused a call.
func (r RateLimit) Zone() string {
	if r.PerSubscription {
		return "by_subscription"
	}
	return "by_" + headerVariable(r.Header)
}

// policyElement is one element of the inbound section, kept generic so an unknown one can be refused.
type policyElement struct {
	XMLName       xml.Name
	Attrs         []xml.Attr `xml:",any,attr"`
	Values        []string   `xml:"value"`
	AddressRanges []struct {
		From string `xml:"from,attr"`
		To   string `xml:"to,attr"`
	} `xml:"address-range"`
	Addresses []string `xml:"address"`
}

// attr returns an attribute's value, or "".
func (e policyElement) attr(name string) string {
	for _, attr := range e.Attrs {
		if attr.Name.Local == name {
			return attr.Value
		}
	}
	return ""
}

// onlyAttrs fails when the element has an attribute the rehearsal would silently ignore.
func (e policyElement) onlyAttrs(known ...string) error {
	for _, attr := range e.Attrs {
		if !slices.Contains(known, attr.Name.Local) {
			return fmt.Errorf("rehearsal: the policy's <%s> has attribute %s, which the rehearsal does not enforce", e.XMLName.Local, attr.Name.Local)
		}
	}
	return nil
}

// counterHeader finds the header a counter-key expression reads with GetValueOrDefault.
var counterHeader = regexp.MustCompile(`GetValueOrDefault\("([^"]+)"`)

// ParsePolicy reads an API policy document's inbound section. An element the rehearsal cannot enforce
// fails, so a new policy is never silently left out of the rehearsal.
func ParsePolicy(document string) (*GatewayPolicy, error) {
	var parsed struct {
		Inbound struct {
			Elements []policyElement `xml:",any"`
		} `xml:"inbound"`
	}
	if err := xml.Unmarshal([]byte(document), &parsed); err != nil {
		return nil, fmt.Errorf("rehearsal: the API policy is not XML: %w", err)
	}
	policy := &GatewayPolicy{}
	for _, element := range parsed.Inbound.Elements {
		if err := policy.add(element); err != nil {
			return nil, err
		}
	}
	return policy, nil
}

// add takes one inbound element into the policy.
func (p *GatewayPolicy) add(element policyElement) error {
	switch element.XMLName.Local {
	case "base", "set-backend-service":
		// Nothing is inherited in the rehearsal, and the gateway hop has one upstream: the backend.
		return nil
	case "ip-filter":
		return p.addIPFilter(element)
	case "check-header":
		return p.addHeaderCheck(element)
	case "rate-limit-by-key":
		return p.addRateLimit(element)
	case "set-header":
		return p.addSetHeader(element)
	default:
		return fmt.Errorf("rehearsal: the policy's inbound <%s> is not rehearsed; teach internal/rehearsal to enforce it", element.XMLName.Local)
	}
}

// addIPFilter takes an ip-filter that allows one range (or one address).
func (p *GatewayPolicy) addIPFilter(element policyElement) error {
	if err := element.onlyAttrs("action"); err != nil {
		return err
	}
	if element.attr("action") != "allow" || p.AllowedRange != nil || len(element.AddressRanges)+len(element.Addresses) != 1 {
		return fmt.Errorf("rehearsal: only one ip-filter allowing one address range is rehearsed")
	}
	from, to := "", ""
	if len(element.Addresses) == 1 {
		from, to = element.Addresses[0], element.Addresses[0]
	} else {
		from, to = element.AddressRanges[0].From, element.AddressRanges[0].To
	}
	first, err := netip.ParseAddr(strings.TrimSpace(from))
	if err != nil {
		return fmt.Errorf("rehearsal: ip-filter address %q: %w", from, err)
	}
	last, err := netip.ParseAddr(strings.TrimSpace(to))
	if err != nil {
		return fmt.Errorf("rehearsal: ip-filter address %q: %w", to, err)
	}
	p.AllowedRange = &AddressRange{From: first, To: last}
	return nil
}

// addHeaderCheck takes a check-header.
func (p *GatewayPolicy) addHeaderCheck(element policyElement) error {
	if err := element.onlyAttrs("name", "failed-check-httpcode", "failed-check-error-message", "ignore-case"); err != nil {
		return err
	}
	code, err := strconv.Atoi(element.attr("failed-check-httpcode"))
	if err != nil || code < 400 || code > 599 {
		return fmt.Errorf("rehearsal: check-header %q: failed-check-httpcode %q", element.attr("name"), element.attr("failed-check-httpcode"))
	}
	if element.attr("name") == "" || len(element.Values) == 0 {
		return fmt.Errorf("rehearsal: check-header needs a name and at least one value")
	}
	p.HeaderChecks = append(p.HeaderChecks, HeaderCheck{Name: element.attr("name"), Values: element.Values,
		IgnoreCase: strings.EqualFold(element.attr("ignore-case"), "true"), Code: code, Message: element.attr("failed-check-error-message")})
	return nil
}

// addRateLimit takes a rate-limit-by-key whose counter key the rehearsal can compute: a header (with
// the connection's address as default) or the subscription.
func (p *GatewayPolicy) addRateLimit(element policyElement) error {
	if err := element.onlyAttrs("calls", "renewal-period", "counter-key"); err != nil {
		return err
	}
	calls, err := strconv.Atoi(element.attr("calls"))
	if err != nil || calls < 1 {
		return fmt.Errorf("rehearsal: rate-limit-by-key calls %q", element.attr("calls"))
	}
	period, err := strconv.Atoi(element.attr("renewal-period"))
	if err != nil || period < 1 {
		return fmt.Errorf("rehearsal: rate-limit-by-key renewal-period %q", element.attr("renewal-period"))
	}
	limit := RateLimit{Calls: calls, RenewalPeriod: period}
	key := element.attr("counter-key")
	switch match := counterHeader.FindStringSubmatch(key); {
	case strings.Contains(key, "context.Subscription.Id"):
		limit.PerSubscription = true
	case match != nil:
		limit.Header = match[1]
	default:
		return fmt.Errorf("rehearsal: rate-limit-by-key counter-key %q reads neither a header nor the subscription", key)
	}
	for _, existing := range p.RateLimits {
		if existing.Zone() == limit.Zone() {
			return fmt.Errorf("rehearsal: two rate limits count by the same key (%s)", limit.Zone())
		}
	}
	p.RateLimits = append(p.RateLimits, limit)
	return nil
}

// addSetHeader takes a header deletion, or the X-Request-ID override the gateway hop already makes
// (the edge's trace ID passed on).
func (p *GatewayPolicy) addSetHeader(element policyElement) error {
	if err := element.onlyAttrs("name", "exists-action"); err != nil {
		return err
	}
	name := element.attr("name")
	switch action := element.attr("exists-action"); {
	case action == "delete":
		p.DeletedHeaders = append(p.DeletedHeaders, name)
	case action == "override" && strings.EqualFold(name, apimpolicy.RequestIDHeader) && slices.Equal(element.Values, []string{apimpolicy.RequestIDExpression}):
	default:
		return fmt.Errorf("rehearsal: set-header %q exists-action %q is not rehearsed", name, action)
	}
	return nil
}

// readSubscriptions reads whether the API needs a subscription key, and the keys of the active
// subscriptions whose scope covers it.
func (p *Plan) readSubscriptions(recording *harness.Recording, api *harness.Resource) error {
	if api.Input("subscriptionRequired") != true {
		return nil
	}
	p.SubscriptionKeyHeader = DefaultSubscriptionKeyHeader
	if header := api.InputString("subscriptionKeyParameterNames.header"); header != "" {
		p.SubscriptionKeyHeader = header
	}
	apiID := api.InputString("apiId")
	p.KeySubscriptions = map[string]string{}
	for _, subscription := range recording.OfType("azure-native:apimanagement:Subscription") {
		if !scopeCovers(recording, subscription.InputString("scope"), apiID) {
			continue
		}
		// API Management refuses the keys of a suspended, cancelled or expired subscription.
		if subscription.InputString("state") != "active" {
			continue
		}
		for _, key := range []string{subscription.InputString("primaryKey"), subscription.InputString("secondaryKey")} {
			if key != "" {
				p.SubscriptionKeys = append(p.SubscriptionKeys, key)
				p.KeySubscriptions[key] = cmp.Or(subscription.InputString("sid"), subscription.Name)
			}
		}
	}
	if len(p.SubscriptionKeys) == 0 {
		return fmt.Errorf("rehearsal: API %q requires a subscription key, but no active subscription with keys covers it", apiID)
	}
	return nil
}

// scopeCovers reports whether a subscription scope (all APIs, one API, or a product) includes the API.
func scopeCovers(recording *harness.Recording, scope, apiID string) bool {
	scope = strings.TrimSuffix(scope, "/")
	switch {
	case strings.HasSuffix(scope, "/apis"):
		return true
	case strings.HasSuffix(scope, "/apis/"+apiID):
		return true
	case strings.Contains(scope, "/products/"):
		product := scope[strings.LastIndex(scope, "/products/")+len("/products/"):]
		for _, link := range recording.OfType("azure-native:apimanagement:ProductApi") {
			if link.InputString("productId") == product && link.InputString("apiId") == apiID {
				return true
			}
		}
	}
	return false
}
