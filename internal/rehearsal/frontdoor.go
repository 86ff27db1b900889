// Front Door in front of the edge, read from the recording: the ID it sends, the host it calls the
// origin by, and the edge WAF's rule that admits only that ID.

package rehearsal

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// FrontDoorPlan is the Front Door profile in front of the edge.
type FrontDoorPlan struct {
	// ID is the profile's X-Azure-FDID, as Azure reports it (frontDoorId).
	ID string
	// PublicHost is the custom domain callers reach Front Door by.
	PublicHost string
	// OriginHost is the name Front Door calls the edge by: its TLS name, the name it checks the edge's
	// certificate against, and (as the origin host header) the Host header.
	OriginHost string
}

// RequiredHeader is an edge WAF rule that blocks every request whose header is not one of the values: a
// Block rule with a negated Equal match on RequestHeaders.
type RequiredHeader struct {
	// Rule is the custom rule's name.
	Rule string
	// Name is the header.
	Name string
	// Values are the accepted values.
	Values []string
	// IgnoreCase is the rule's Lowercase transform (its values are lower case).
	IgnoreCase bool
}

// WAFForbiddenBody is Application Gateway v2's page for a request its WAF blocks, as an nginx
// single-quoted string.
const WAFForbiddenBody = `'<html>\n<head><title>403 Forbidden</title></head>\n<body>\n<center><h1>403 Forbidden</h1></center>\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\n</body>\n</html>\n'`

// readFrontDoor reads the Front Door profile, its one origin and its route, when the stack has one.
func (p *Plan) readFrontDoor(recording *harness.Recording) error {
	profiles := recording.OfType("azure-native:cdn:Profile")
	if len(profiles) == 0 {
		return nil
	}
	origins, routes := recording.OfType("azure-native:cdn:AFDOrigin"), recording.OfType("azure-native:cdn:Route")
	domains := recording.OfType("azure-native:cdn:AFDCustomDomain")
	if len(profiles) != 1 || len(origins) != 1 || len(routes) != 1 || len(domains) != 1 {
		return fmt.Errorf("rehearsal: want one Front Door profile, origin, route and custom domain, found %d, %d, %d and %d",
			len(profiles), len(origins), len(routes), len(domains))
	}
	origin := origins[0]
	if header := origin.InputString("originHostHeader"); header != "" && header != origin.InputString("hostName") {
		return fmt.Errorf("rehearsal: the Front Door origin is called %s but sent Host %s; the rehearsal uses one name for both", origin.InputString("hostName"), header)
	}
	if protocol := routes[0].InputString("forwardingProtocol"); protocol != "HttpsOnly" {
		return fmt.Errorf("rehearsal: the Front Door route forwards with %q; the rehearsal calls the origin over HTTPS only", protocol)
	}
	if routes[0].Input("cacheConfiguration") != nil {
		return fmt.Errorf("rehearsal: the Front Door route caches, which the rehearsal does not")
	}
	if origin.Input("enforceCertificateNameCheck") != true {
		return fmt.Errorf("rehearsal: the Front Door origin does not check its certificate's name; the rehearsal always does")
	}
	p.FrontDoor = &FrontDoorPlan{ID: profiles[0].OutputString("frontDoorId"), PublicHost: domains[0].InputString("hostName"), OriginHost: origin.InputString("hostName")}
	if p.FrontDoor.ID == "" || p.FrontDoor.PublicHost == "" || p.FrontDoor.OriginHost == "" {
		return fmt.Errorf("rehearsal: the Front Door profile's ID, custom domain or origin host is not recorded")
	}
	return nil
}

// readWAFRules reads the edge WAF's custom rules: each match rule must be one the rehearsal enforces (a
// required header); rate-limit rules are left to API Management's counters, which the gateway hop
// enforces.
func (p *Plan) readWAFRules(waf *harness.Resource) error {
	for _, item := range asList(waf.Input("customRules")) {
		rule := asObject(item)
		name, _ := rule["name"].(string)
		switch {
		case rule["state"] == "Disabled" || rule["ruleType"] == "RateLimitRule":
			continue
		case rule["ruleType"] != "MatchRule" || rule["action"] != "Block":
			return fmt.Errorf("rehearsal: WAF custom rule %s is a %v %v rule, which the rehearsal does not enforce", name, rule["ruleType"], rule["action"])
		}
		required, err := requiredHeader(name, asList(rule["matchConditions"]))
		if err != nil {
			return err
		}
		p.EdgeRequiredHeaders = append(p.EdgeRequiredHeaders, required)
	}
	return nil
}

// requiredHeader reads a rule's one condition: a negated Equal on one request header, optionally
// lower-cased.
func requiredHeader(rule string, conditions []any) (RequiredHeader, error) {
	refuse := func(why string) (RequiredHeader, error) {
		return RequiredHeader{}, fmt.Errorf("rehearsal: WAF custom rule %s %s; the rehearsal enforces only a block of requests whose header differs", rule, why)
	}
	if len(conditions) != 1 {
		return refuse(fmt.Sprintf("has %d conditions", len(conditions)))
	}
	condition := asObject(conditions[0])
	variables := asList(condition["matchVariables"])
	if len(variables) != 1 || asObject(variables[0])["variableName"] != "RequestHeaders" || condition["operator"] != "Equal" || condition["negationConditon"] != true {
		return refuse("matches something else")
	}
	required := RequiredHeader{Rule: rule}
	required.Name, _ = asObject(variables[0])["selector"].(string)
	for _, transform := range asList(condition["transforms"]) {
		if transform != "Lowercase" {
			return refuse(fmt.Sprintf("transforms with %v", transform))
		}
		required.IgnoreCase = true
	}
	for _, value := range asList(condition["matchValues"]) {
		text, _ := value.(string)
		if required.IgnoreCase && text != strings.ToLower(text) {
			return refuse(fmt.Sprintf("lower-cases the header but compares it with %q, which never matches", text))
		}
		required.Values = append(required.Values, text)
	}
	if required.Name == "" || len(required.Values) == 0 {
		return refuse("names no header or value")
	}
	return required, nil
}

// edgeChecks are the edge WAF's required headers as nginx checks: the request's header compared
// exactly (or without case), and a missing header never accepted, as the rule blocks it.
func edgeChecks(required []RequiredHeader) []CheckRule {
	var checks []CheckRule
	for _, header := range required {
		check := CheckRule{Variable: "$http_" + headerVariable(header.Name), Status: 403, Body: WAFForbiddenBody}
		for _, value := range header.Values {
			key := value
			if header.IgnoreCase {
				key = "~*^" + regexp.QuoteMeta(value) + "$"
			}
			check.Accepted = append(check.Accepted, quoteKey(key))
		}
		checks = append(checks, check)
	}
	return checks
}

// startFrontDoor starts a Front Door stand-in in front of the edge on edgePort: it serves the public
// host with its managed certificate (issued by the stand-in public CA), and calls the edge over HTTPS by
// the origin host header, trusting public CAs only (Front Door accepts no origin certificate from a
// private CA: frontdoor/end-to-end-tls.md). Towards the origin it sets what Front Door sets: its
// profile's X-Azure-FDID, the connection's address as X-Azure-SocketIP and X-Azure-ClientIP, and the
// caller's X-Forwarded-For with that address appended (frontdoor/front-door-http-headers-protocol.md).
func (s *Stack) startFrontDoor(name string, edgePort int) (int, error) {
	dir := filepath.Join(s.Dir, name)
	hop := Hop{Name: name, ServerName: s.Plan.FrontDoor.PublicHost, Protocols: "TLSv1.2 TLSv1.3", Dir: dir,
		UpstreamPort: edgePort, UpstreamTLS: true, UpstreamName: s.Plan.FrontDoor.OriginHost, UpstreamVerify: true,
		ForwardHeaders: map[string]string{
			FrontDoorIDHeader: `"` + s.Plan.FrontDoor.ID + `"`, "X-Azure-SocketIP": "$remote_addr", "X-Azure-ClientIP": "$remote_addr",
			"X-Forwarded-For": "$proxy_add_x_forwarded_for",
		},
		BindAddress: FrontDoorSourceAddress}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair(name, s.publicLeaf); err != nil {
		return 0, err
	}
	if hop.UpstreamCA, err = s.Write(name+"-public-roots.pem", s.PublicCAPEM); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	port, _, err := s.start(hop)
	return port, err
}

// FrontDoorSourceAddress is the loopback address the Front Door stand-in calls the edge from: it stands
// in for Front Door's own addresses (the AzureFrontDoor.Backend service tag), which are never the
// caller's.
const FrontDoorSourceAddress = "127.0.0.3"

// FrontDoorIDHeader is the header Front Door sends its origin: the profile's ID.
const FrontDoorIDHeader = "X-Azure-FDID"

// standInPublicCA makes a CA standing in for a public one, and a server certificate it issues for the
// hosts: what the user's brought listener certificate and Front Door's managed certificate are to the
// rehearsal.
func standInPublicCA(hosts ...string) (caPEM string, leaf KeyPair, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", KeyPair{}, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Stand-in public root CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		return "", KeyPair{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", KeyPair{}, err
	}
	leafTemplate := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, caTemplate, leafKey.Public(), caKey)
	if err != nil {
		return "", KeyPair{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return "", KeyPair{}, err
	}
	encode := func(kind string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
	}
	return encode("CERTIFICATE", caDER), KeyPair{CertificatePEM: encode("CERTIFICATE", leafDER), KeyPEM: encode("PRIVATE KEY", keyDER)}, nil
}
