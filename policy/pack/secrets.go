// Secret-handling policy: private keys and PFX data only ever travel as Pulumi secrets.

package pack

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// sensitiveName matches property names that usually carry credentials; their plain values are reported
// as advisory, because offline nothing proves the value is one.
var sensitiveName = regexp.MustCompile(`(?i)(password|passphrase|pfx|privatekey|connectionstring|clientsecret)`)

// pkcs7Data is the DER encoding of the OID 1.2.840.113549.1.7.1 (PKCS#7 data), which every PFX contains.
var pkcs7Data = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}

var secretRules = []resourceRule{
	{
		name:        "secrets-private-keys-and-pfx",
		description: "Private keys and PFX data are Pulumi secrets, never plain values in state or previews.",
		remediation: "wrap the value with pulumi.ToSecret (or take it from an output the provider marks secret), or use additionalSecretOutputs.",
		level:       Mandatory,
		types:       nil, // every type
		check: func(r Resource, _ map[string]any) []string {
			var problems []string
			walkStrings(property.New(r.Properties), "", func(path string, value property.Value) {
				text := value.AsString()
				switch {
				case value.Secret():
				case strings.Contains(text, "PRIVATE KEY-----"):
					problems = append(problems, fmt.Sprintf("%s holds a PEM private key in plain text.", path))
				case looksLikePFX(text):
					problems = append(problems, fmt.Sprintf("%s holds PFX (PKCS#12) data in plain text.", path))
				}
			})
			return problems
		},
	},
	{
		name:        "secrets-sensitive-names",
		description: "Properties named like credentials (password, pfx, private key, connection string) hold secrets.",
		remediation: "make the value a Pulumi secret; if it is not sensitive, ignore this advisory.",
		level:       Advisory,
		types:       nil,
		check: func(r Resource, _ map[string]any) []string {
			var problems []string
			walkStrings(property.New(r.Properties), "", func(path string, value property.Value) {
				text := value.AsString()
				if value.Secret() || text == "" || !sensitiveName.MatchString(lastKey(path)) ||
					strings.HasPrefix(text, "https://") || strings.HasPrefix(text, "/subscriptions/") {
					return
				}
				problems = append(problems, fmt.Sprintf("%s is a plain value.", path))
			})
			return problems
		},
	},
}

// walkStrings calls visit for every string inside v, with its path; a secret container marks its
// contents secret.
func walkStrings(v property.Value, path string, visit func(path string, value property.Value)) {
	switch {
	case v.IsString():
		visit(path, v)
	case v.IsMap():
		for key, child := range v.AsMap().AllStable {
			walkStrings(child.WithSecret(child.Secret() || v.Secret()), joinKey(path, key), visit)
		}
	case v.IsArray():
		for index, child := range v.AsArray().All {
			walkStrings(child.WithSecret(child.Secret() || v.Secret()), fmt.Sprintf("%s[%d]", path, index), visit)
		}
	}
}

// looksLikePFX reports whether text is base64 of a PKCS#12 file: an ASN.1 sequence holding version 3
// and PKCS#7 data.
func looksLikePFX(text string) bool {
	if len(text) < 100 || !strings.HasPrefix(text, "MI") {
		return false
	}
	decoded, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(decoded) < 8 || decoded[0] != 0x30 {
		return false
	}
	return bytes.Contains(decoded[:min(len(decoded), 8)], []byte{0x02, 0x01, 0x03}) && bytes.Contains(decoded[:min(len(decoded), 64)], pkcs7Data)
}

// joinKey appends a map key to a path.
func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lastKey returns the last map key of a path.
func lastKey(path string) string {
	if i := strings.LastIndex(path, "."); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.Index(path, "["); i >= 0 {
		path = path[:i]
	}
	return path
}
