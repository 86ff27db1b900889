// Tests of outputs.Of: which fields of a component struct become outputs, under which names, and
// which declarations it refuses.

package outputs_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// Output values shared by the cases: Of registers the values themselves, so the cases compare them.
var (
	alpha = pulumi.String("alpha").ToStringOutput()
	beta  = pulumi.String("beta").ToStringOutput()
	gamma = pulumi.String("gamma").ToStringOutput()
	ids   = pulumi.StringMap{"a": pulumi.String("1")}.ToStringMapOutput()
)

// component is a component struct with every kind of field Of reads or leaves out.
type component struct {
	pulumi.ResourceState

	Named      pulumi.StringOutput    `pulumi:"named"`
	IDs        pulumi.StringMapOutput `pulumi:"ids"`
	Input      pulumi.StringInput     `pulumi:"input"`
	Unset      pulumi.StringOutput    `pulumi:"unset"`
	Untagged   pulumi.StringOutput
	Skipped    pulumi.StringOutput `pulumi:"-"`
	Ready      []pulumi.Resource
	unexported pulumi.StringOutput `pulumi:"unexported"`
}

// issued is the value of an inline map entry.
type issued struct {
	CertificatePEM pulumi.StringOutput `pulumi:"certificatePem"`
	ExpiresAt      pulumi.StringOutput `pulumi:"expiresAt"`
	PrivateKeyPEM  pulumi.StringOutput
}

// withInline has an inline map of structs and a named map of outputs.
type withInline struct {
	pulumi.ResourceState

	Issued map[string]*issued             `pulumi:",inline"`
	ByName map[string]pulumi.StringOutput `pulumi:"byName"`
	Values map[string]issued              `pulumi:",inline"`
	Empty  map[string]pulumi.StringOutput `pulumi:"empty"`
	Nil    map[string]*issued             `pulumi:",inline"`
	Inputs map[string]pulumi.StringInput  `pulumi:"inputs"`
	Plain  map[string]pulumi.StringMapOutput
}

// TestOf checks which fields become outputs and under which names.
func TestOf(t *testing.T) {
	cases := []struct {
		name      string
		component any
		want      pulumi.Map
	}{
		{
			name:      "tags are honoured; untagged, dash-tagged, unexported and unset fields and the embedded ResourceState are left out",
			component: &component{Named: alpha, IDs: ids, Input: pulumi.String("input"), Untagged: beta, Skipped: gamma, unexported: gamma},
			want:      pulumi.Map{"named": alpha, "ids": ids, "input": pulumi.String("input")},
		},
		{
			name:      "a struct value reads like a pointer to it",
			component: component{Named: alpha},
			want:      pulumi.Map{"named": alpha},
		},
		{
			name:      "a nil Input interface is left out",
			component: &component{Named: alpha, Input: nil},
			want:      pulumi.Map{"named": alpha},
		},
		{
			name:      "an empty component registers nothing",
			component: &component{},
			want:      pulumi.Map{},
		},
		{
			name: "inline map entries register their tagged fields under the entry's key; a named map of outputs nests",
			component: &withInline{
				Issued: map[string]*issued{"apimClient": {CertificatePEM: alpha, ExpiresAt: beta, PrivateKeyPEM: gamma}, "skipped": nil},
				ByName: map[string]pulumi.StringOutput{"first": alpha, "unset": {}},
				Values: map[string]issued{"listener": {CertificatePEM: gamma}},
				Empty:  map[string]pulumi.StringOutput{},
				Inputs: map[string]pulumi.StringInput{"kept": pulumi.String("kept"), "nil": nil},
				Plain:  map[string]pulumi.StringMapOutput{"untagged": ids},
			},
			want: pulumi.Map{
				"apimClientCertificatePem": alpha,
				"apimClientExpiresAt":      beta,
				"listenerCertificatePem":   gamma,
				"byName":                   pulumi.Map{"first": alpha},
				"empty":                    pulumi.Map{},
				"inputs":                   pulumi.Map{"kept": pulumi.String("kept")},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, outputs.Of(tc.component))
		})
	}
}

// TestOfRefusesWhatItCannotRegister checks that a declaration mistake panics with the field's name.
func TestOfRefusesWhatItCannotRegister(t *testing.T) {
	cases := []struct {
		name      string
		component any
		message   string
	}{
		{
			name: "a tagged field that is not an Input",
			component: &struct {
				Name string `pulumi:"name"`
			}{},
			message: `outputs: field struct.Name (string) has tag pulumi:"name", but only a named pulumi.Input, a named map of them ` +
				`or an inline map of structs is an output; remove the tag of a field that is not one`,
		},
		{
			name: "a tagged slice of resources",
			component: &struct {
				Ready []pulumi.Resource `pulumi:"ready"`
			}{},
			message: `outputs: field struct.Ready ([]pulumi.Resource) has tag pulumi:"ready", but only a named pulumi.Input, a named map of them ` +
				`or an inline map of structs is an output; remove the tag of a field that is not one`,
		},
		{
			name: "an inline tag on an output",
			component: &struct {
				Value pulumi.StringOutput `pulumi:",inline"`
			}{},
			message: `outputs: field struct.Value (pulumi.StringOutput) has tag pulumi:",inline", but only a named pulumi.Input, a named map of them ` +
				`or an inline map of structs is an output; remove the tag of a field that is not one`,
		},
		{
			name: "an inline tag on a map of outputs",
			component: &struct {
				Values map[string]pulumi.StringOutput `pulumi:",inline"`
			}{},
			message: `outputs: field struct.Values (map[string]pulumi.StringOutput) has tag pulumi:",inline", but only a named pulumi.Input, ` +
				`a named map of them or an inline map of structs is an output; remove the tag of a field that is not one`,
		},
		{
			name: "an empty name",
			component: &struct {
				Value pulumi.StringOutput `pulumi:""`
			}{},
			message: `outputs: field struct.Value (pulumi.StringOutput) has tag pulumi:"", but only a named pulumi.Input, a named map of them ` +
				`or an inline map of structs is an output; remove the tag of a field that is not one`,
		},
		{
			name: "two fields with one name",
			component: &withDuplicate{
				ListenerCertificatePEM: alpha,
				Issued:                 map[string]*issued{"listener": {CertificatePEM: beta}},
			},
			message: `outputs: field issued.CertificatePEM registers "listenerCertificatePem", which another field already registers`,
		},
		{
			name:      "a value that is not a struct",
			component: "component",
			message:   "outputs: string is not a component struct or a non-nil pointer to one",
		},
		{
			name:      "a nil pointer",
			component: (*component)(nil),
			message:   "outputs: *outputs_test.component is not a component struct or a non-nil pointer to one",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.PanicsWithValue(t, tc.message, func() { outputs.Of(tc.component) })
		})
	}
}

// withDuplicate registers listenerCertificatePem twice: once by name, once through its inline map.
type withDuplicate struct {
	ListenerCertificatePEM pulumi.StringOutput `pulumi:"listenerCertificatePem"`
	Issued                 map[string]*issued  `pulumi:",inline"`
}
