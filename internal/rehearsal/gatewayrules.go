// The API layer's checks in nginx terms: the plan's subscription keys and inbound policy turned into
// maps, if-returns and limit_req zones for the gateway hop.

package rehearsal

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// EdgeSourceAddress is the loopback address the edge connects to the gateway from: it stands in for the
// Application Gateway subnet, so the gateway's ip-filter can tell the edge from any other caller.
const EdgeSourceAddress = "127.0.0.2"

// API Management's own refusals, as its gateway words them.
const (
	// MissingKeyMessage answers a request without a subscription key.
	MissingKeyMessage = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	// InvalidKeyMessage answers a request with a key no active subscription has.
	InvalidKeyMessage = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
	// ForbiddenMessage answers a caller the ip-filter refuses.
	ForbiddenMessage = "Forbidden"
)

// GatewayRules are the gateway hop's API Management checks, rendered for nginx; the zero value checks
// nothing.
type GatewayRules struct {
	// KeyVariable is the nginx variable of the subscription key header ("" when no key is required).
	KeyVariable string
	// Subscriptions map each accepted key (a quoted nginx map key) to its subscription.
	Subscriptions []MapEntry
	// MissingKeyBody and InvalidKeyBody are the 401 bodies (nginx single-quoted strings).
	MissingKeyBody, InvalidKeyBody string
	// AllowedAddress is the one address the ip-filter admits ("" without an ip-filter).
	AllowedAddress string
	// ForbiddenBody is the ip-filter's 403 body.
	ForbiddenBody string
	// Checks are the check-header policies.
	Checks []CheckRule
	// Limits are the rate limits, in policy order.
	Limits []LimitRule
	// RateLimitedBody is the 429 body; RetryAfter its Retry-After seconds.
	RateLimitedBody string
	// RetryAfter is the longest renewal period: a caller waiting that long is counted afresh.
	RetryAfter int
}

// MapEntry is one line of an nginx map.
type MapEntry struct {
	// Key is the source value, quoted (or a quoted regular expression).
	Key string
	// Value is the resulting value, quoted.
	Value string
}

// CheckRule is a check-header policy for nginx: a map from the header to 1 when a value matches.
type CheckRule struct {
	// Variable is the header's nginx variable.
	Variable string
	// Accepted are the map keys of the accepted values.
	Accepted []string
	// Status and Body are the refusal.
	Status int
	// Body is the refusal's body (nginx single-quoted).
	Body string
}

// LimitRule is a rate limit for nginx: a limit_req zone keyed by the counter.
type LimitRule struct {
	// Zone is the zone's name.
	Zone string
	// Header is the counter header's nginx variable ("" for the subscription).
	Header string
	// Rate is the nginx rate ("5r/m").
	Rate string
	// Burst lets a whole period's calls through at once, as API Management's window does.
	Burst int
}

// headerVariable is the nginx name (without $http_) of a request header.
func headerVariable(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "-", "_"))
}

// ManagementBody is API Management's JSON error body, as an nginx single-quoted string.
func ManagementBody(status int, message string) (string, error) {
	encoded, err := json.Marshal(message)
	if err != nil {
		return "", err
	}
	return quote(fmt.Sprintf(`{"statusCode": %d, "message": %s}`, status, encoded))
}

// quote single-quotes text for an nginx value; a $ would be read as a variable, so it is refused.
func quote(text string) (string, error) {
	if strings.Contains(text, "$") {
		return "", fmt.Errorf("rehearsal: %q cannot be written literally in nginx", text)
	}
	return quoteKey(text), nil
}

// quoteKey single-quotes an nginx map key, which nginx reads literally ($ included).
func quoteKey(text string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(text) + "'"
}

// NginxRate is the nginx limit_req rate closest to calls per period seconds: r/s for one second, r/m
// otherwise (nginx has no other unit; a period that does not divide a minute is rounded, at least 1r/m).
func NginxRate(calls, period int) string {
	if period == 1 {
		return fmt.Sprintf("%dr/s", calls)
	}
	perMinute := (calls*60 + period/2) / period
	return fmt.Sprintf("%dr/m", max(perMinute, 1))
}

// GatewayRulesFrom renders the plan's subscription keys and inbound policy for the gateway hop.
func GatewayRulesFrom(plan *Plan) (GatewayRules, error) {
	rules := GatewayRules{}
	var err error
	if plan.SubscriptionKeyHeader != "" {
		if err = rules.addSubscriptions(plan); err != nil {
			return GatewayRules{}, err
		}
	}
	if plan.Policy == nil {
		return rules, nil
	}
	if plan.Policy.AllowedRange != nil {
		rules.AllowedAddress = EdgeSourceAddress
		if rules.ForbiddenBody, err = ManagementBody(403, ForbiddenMessage); err != nil {
			return GatewayRules{}, err
		}
	}
	for _, check := range plan.Policy.HeaderChecks {
		rule, err := checkRule(check)
		if err != nil {
			return GatewayRules{}, err
		}
		rules.Checks = append(rules.Checks, rule)
	}
	for _, limit := range plan.Policy.RateLimits {
		if limit.PerSubscription && rules.KeyVariable == "" {
			return GatewayRules{}, fmt.Errorf("rehearsal: a rate limit counts by subscription, but the API requires none")
		}
		rule := LimitRule{Zone: limit.Zone(), Rate: NginxRate(limit.Calls, limit.RenewalPeriod), Burst: limit.Calls - 1}
		if !limit.PerSubscription {
			rule.Header = "$http_" + headerVariable(limit.Header)
		}
		rules.Limits = append(rules.Limits, rule)
		rules.RetryAfter = max(rules.RetryAfter, limit.RenewalPeriod)
	}
	if len(rules.Limits) > 0 {
		message := fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", rules.RetryAfter)
		if rules.RateLimitedBody, err = ManagementBody(429, message); err != nil {
			return GatewayRules{}, err
		}
	}
	return rules, nil
}

// addSubscriptions maps every accepted key to one subscription ID: the keys of one subscription are one
// caller (context.Subscription.Id), which is how a per-subscription counter sees them.
func (r *GatewayRules) addSubscriptions(plan *Plan) error {
	r.KeyVariable = "$http_" + headerVariable(plan.SubscriptionKeyHeader)
	for i, key := range plan.SubscriptionKeys {
		// A leading ~ would make the key a regular expression.
		if key == "" || strings.HasPrefix(key, "~") {
			return fmt.Errorf("rehearsal: subscription key %d cannot be written in an nginx map", i)
		}
		subscription := plan.KeySubscriptions[key]
		if subscription == "" {
			subscription = fmt.Sprintf("key-%d", i) // unknown: a caller of its own
		}
		value, err := quote(subscription)
		if err != nil {
			return err
		}
		r.Subscriptions = append(r.Subscriptions, MapEntry{Key: quoteKey(key), Value: value})
	}
	var err error
	if r.MissingKeyBody, err = ManagementBody(401, MissingKeyMessage); err != nil {
		return err
	}
	r.InvalidKeyBody, err = ManagementBody(401, InvalidKeyMessage)
	return err
}

// checkRule renders a check-header: exact values, or case-insensitive regular expressions.
func checkRule(check HeaderCheck) (CheckRule, error) {
	rule := CheckRule{Variable: "$http_" + headerVariable(check.Name), Status: check.Code}
	for _, value := range check.Values {
		key := value
		if check.IgnoreCase {
			key = "~*^" + regexp.QuoteMeta(value) + "$"
		}
		if !check.IgnoreCase && strings.HasPrefix(value, "~") {
			return CheckRule{}, fmt.Errorf("rehearsal: check-header %s value %q cannot be written in an nginx map", check.Name, value)
		}
		rule.Accepted = append(rule.Accepted, quoteKey(key))
	}
	var err error
	rule.Body, err = ManagementBody(check.Code, check.Message)
	return rule, err
}
