// The harness itself: CLI-equivalent config loading, type matching, and realistic mock outputs
// (ARM IDs, identities, APIM addresses, random strings, real certificates).

package tests

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	tlsprovider "github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// TestTypeMatches checks type-token matching with and without an API version segment.
func TestTypeMatches(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, token, want string
		match             bool
	}{
		{"same token", "azure-native:network:VirtualNetwork", "azure-native:network:VirtualNetwork", true},
		{"versioned token, unversioned want", "azure-native:containerservice/v20241001:ManagedCluster", "azure-native:containerservice:ManagedCluster", true},
		{"preview version", "azure-native:network/v20240601preview:PrivateZone", "azure-native:network:PrivateZone", true},
		{"versioned want matches exactly", "azure-native:containerservice/v20241001:ManagedCluster", "azure-native:containerservice/v20241001:ManagedCluster", true},
		{"other version", "azure-native:containerservice/v20230401:ManagedCluster", "azure-native:containerservice/v20241001:ManagedCluster", false},
		{"other type", "azure-native:network:Subnet", "azure-native:network:VirtualNetwork", false},
		{"other module", "azure-native:compute:VirtualNetwork", "azure-native:network:VirtualNetwork", false},
		{"other package", "azure:network:VirtualNetwork", "azure-native:network:VirtualNetwork", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.match, harness.TypeMatches(tc.token, tc.want))
		})
	}
}

// TestConfigLoadingMatchesTheCLI checks the CLI behaviours the harness reproduces on a small project:
// declared defaults merged by path into objects, required keys, declared types, unknown stacks.
func TestConfigLoadingMatchesTheCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Pulumi.yaml"), `name: demo
runtime: go
config:
  region:
    type: string
  size:
    type: integer
    default: 2
  group.child:
    type: string
    default: from-project
`)
	writeFile(t, filepath.Join(dir, "Pulumi.ok.yaml"), "config:\n  demo:region: here\n  demo:group:\n    other: from-stack\n")
	writeFile(t, filepath.Join(dir, "Pulumi.missing.yaml"), "config:\n  demo:size: 3\n")
	writeFile(t, filepath.Join(dir, "Pulumi.badtype.yaml"), "config:\n  demo:region: here\n  demo:size: large\n")
	writeFile(t, filepath.Join(dir, "Pulumi.secret.yaml"), "config:\n  demo:region:\n    secure: AAABAKk=\n")

	project, raw, err := harness.LoadStackConfig(dir, "ok")
	require.NoError(t, err)
	assert.Equal(t, "demo", project)
	assert.Equal(t, "here", raw["demo:region"])
	assert.Equal(t, "2", raw["demo:size"], "a declared default applies when the stack has no value")
	assert.JSONEq(t, `{"child":"from-project","other":"from-stack"}`, raw["demo:group"], "a dotted default merges into the stack's object")

	_, _, err = harness.LoadStackConfig(dir, "missing")
	assert.EqualError(t, err, "Stack 'missing' is missing configuration values region")
	_, _, err = harness.LoadStackConfig(dir, "badtype")
	assert.EqualError(t, err, "Stack 'badtype' with configuration key 'size' must be of type 'integer'")
	_, _, err = harness.LoadStackConfig(dir, "secret")
	assert.ErrorContains(t, err, "must be secret-free")
	_, _, err = harness.LoadStackConfig(dir, "nosuch")
	assert.True(t, errors.Is(err, harness.ErrUnknownStack))
	assert.ErrorContains(t, err, "stacks here: badtype, missing, ok, secret")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
}

// mockedResource lets a test register any type with raw inputs.
type mockedResource struct {
	pulumi.CustomResourceState
}

// TestAzureMocksAnswerLikeAzure checks ARM IDs, managed identity principals and the APIM private
// address taken from its subnet.
func TestAzureMocksAnswerLikeAzure(t *testing.T) {
	t.Parallel()
	recording, err := harness.Run(func(ctx *pulumi.Context) error {
		var network mockedResource
		if err := ctx.RegisterResource("azure-native:network:VirtualNetwork", "vnet", pulumi.Map{
			"resourceGroupName":  pulumi.String("rg"),
			"virtualNetworkName": pulumi.String("vnet"),
			"subnets":            pulumi.Array{pulumi.Map{"name": pulumi.String("apim"), "addressPrefix": pulumi.String("10.1.2.0/27")}},
		}, &network); err != nil {
			return err
		}
		var apim mockedResource
		return ctx.RegisterResource("azure-native:apimanagement/v20240501:ApiManagementService", "apim", pulumi.Map{
			"resourceGroupName": pulumi.String("rg"),
			"serviceName":       pulumi.String("apim-x1"),
			"identity":          pulumi.Map{"type": pulumi.String("SystemAssigned")},
			"virtualNetworkConfiguration": pulumi.Map{
				"subnetResourceId": network.ID().ToStringOutput().ApplyT(func(id string) string { return id + "/subnets/apim" }),
			},
		}, &apim)
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)

	network := recording.Find("azure-native:network:VirtualNetwork", "vnet")
	assert.Equal(t, "/subscriptions/"+harness.SubscriptionID+"/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet", network.ID)
	apim := recording.Find("azure-native:apimanagement:ApiManagementService", "apim")
	require.NotNil(t, apim, "versioned tokens are found by their unversioned type")
	assert.Equal(t, "/subscriptions/"+harness.SubscriptionID+"/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x1", apim.ID)
	addresses, _ := apim.Output("privateIPAddresses").([]any)
	require.Len(t, addresses, 1)
	address := netip.MustParseAddr(addresses[0].(string))
	assert.True(t, address.Compare(netip.MustParseAddr("10.1.2.4")) >= 0 && address.Compare(netip.MustParseAddr("10.1.2.30")) <= 0,
		"one of the addresses Azure hands out in 10.1.2.0/27 (.4 to .30): %s", address)
	assert.Equal(t, addresses, recording.Find("azure-native:apimanagement:ApiManagementService", "apim").Output("privateIPAddresses"), "stable: Azure keeps it")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, apim.OutputString("identity.principalId"))
	assert.Equal(t, harness.TenantID, apim.OutputString("identity.tenantId"))
	assert.True(t, apim.DependsOn(network), "the subnet ID input makes APIM wait for the network")
}

// TestRandomMockHonoursItsInputs checks length and alphabet, and that reruns give the same result.
func TestRandomMockHonoursItsInputs(t *testing.T) {
	t.Parallel()
	first := runStack(t, "dev").OfType("random:index/randomString:RandomString")[0]
	second := runStack(t, "dev").OfType("random:index/randomString:RandomString")[0]
	assert.Regexp(t, `^[a-z0-9]{6}$`, first.OutputString("result"))
	assert.Equal(t, first.OutputString("result"), second.OutputString("result"), "stable across runs, like stored state")
}

// TestTLSMocksProduceRealCertificates builds a CA and mutually authenticated leaves through pulumi-tls
// under the harness, then verifies them with crypto/x509 and a real TLS handshake.
func TestTLSMocksProduceRealCertificates(t *testing.T) {
	t.Parallel()
	recording, err := harness.Run(func(ctx *pulumi.Context) error {
		caKey, err := tlsprovider.NewPrivateKey(ctx, "ca", &tlsprovider.PrivateKeyArgs{Algorithm: pulumi.String("RSA"), RsaBits: pulumi.Int(3072)})
		if err != nil {
			return err
		}
		ca, err := tlsprovider.NewSelfSignedCert(ctx, "ca", &tlsprovider.SelfSignedCertArgs{
			PrivateKeyPem:       caKey.PrivateKeyPem,
			Subject:             &tlsprovider.SelfSignedCertSubjectArgs{CommonName: pulumi.String("Unit CA")},
			IsCaCertificate:     pulumi.Bool(true),
			ValidityPeriodHours: pulumi.Int(48),
			AllowedUses:         pulumi.ToStringArray([]string{"cert_signing", "crl_signing"}),
		})
		if err != nil {
			return err
		}
		for _, leaf := range []struct{ name, host, use, algorithm string }{
			{"server", "echo.internal.example", "server_auth", "ECDSA"},
			{"client", "gateway.internal.example", "client_auth", "RSA"},
		} {
			key, err := tlsprovider.NewPrivateKey(ctx, leaf.name, &tlsprovider.PrivateKeyArgs{Algorithm: pulumi.String(leaf.algorithm), EcdsaCurve: pulumi.String("P256")})
			if err != nil {
				return err
			}
			request, err := tlsprovider.NewCertRequest(ctx, leaf.name, &tlsprovider.CertRequestArgs{
				PrivateKeyPem: key.PrivateKeyPem,
				DnsNames:      pulumi.ToStringArray([]string{leaf.host}),
				Subject:       &tlsprovider.CertRequestSubjectArgs{CommonName: pulumi.String(leaf.host)},
			})
			if err != nil {
				return err
			}
			if _, err := tlsprovider.NewLocallySignedCert(ctx, leaf.name, &tlsprovider.LocallySignedCertArgs{
				CertRequestPem:      request.CertRequestPem,
				CaPrivateKeyPem:     caKey.PrivateKeyPem,
				CaCertPem:           ca.CertPem,
				ValidityPeriodHours: pulumi.Int(24),
				EarlyRenewalHours:   pulumi.Int(2),
				AllowedUses:         pulumi.ToStringArray([]string{"digital_signature", "key_encipherment", leaf.use}),
			}); err != nil {
				return err
			}
		}
		return nil
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)

	keyOf := func(name string) *harness.Resource { return recording.Find("tls:index/privateKey:PrivateKey", name) }
	certOf := func(token, name string) *x509.Certificate {
		res := recording.Find(token, name)
		require.NotNil(t, res, "%s %s", token, name)
		cert, err := harness.CertificateFromPEM(res.OutputString("certPem"))
		require.NoError(t, err)
		return cert
	}
	for _, name := range []string{"ca", "server", "client"} {
		assert.True(t, keyOf(name).IsSecretOutput("privateKeyPem"), "%s private key is a secret, as the engine keeps it", name)
		assert.False(t, keyOf(name).IsSecretOutput("publicKeyPem"), "%s public key is not", name)
	}
	for _, name := range []string{"server", "client"} {
		assert.True(t, recording.Find("tls:index/certRequest:CertRequest", name).IsSecretInput("privateKeyPem"),
			"secret inputs stay secret in the recording")
		assert.True(t, recording.Find("tls:index/locallySignedCert:LocallySignedCert", name).IsSecretInput("caPrivateKeyPem"))
	}
	ca := certOf("tls:index/selfSignedCert:SelfSignedCert", "ca")
	assert.True(t, ca.IsCA)
	assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, ca.KeyUsage)
	assert.Equal(t, 3072, ca.PublicKey.(*rsa.PublicKey).N.BitLen())
	assert.WithinDuration(t, time.Now().Add(48*time.Hour), ca.NotAfter, time.Minute)

	roots := x509.NewCertPool()
	roots.AddCert(ca)
	server := certOf("tls:index/locallySignedCert:LocallySignedCert", "server")
	client := certOf("tls:index/locallySignedCert:LocallySignedCert", "client")
	assert.Equal(t, []string{"echo.internal.example"}, server.DNSNames)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, server.ExtKeyUsage)
	assert.IsType(t, &ecdsa.PublicKey{}, server.PublicKey)
	assert.Equal(t, ca.SubjectKeyId, server.AuthorityKeyId)
	_, err = server.Verify(x509.VerifyOptions{Roots: roots, DNSName: "echo.internal.example"})
	assert.NoError(t, err)
	_, err = client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err)
	_, err = client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	assert.Error(t, err, "the client certificate cannot serve")

	pair := func(name string) tls.Certificate {
		certificate, err := tls.X509KeyPair([]byte(recording.Find("tls:index/locallySignedCert:LocallySignedCert", name).OutputString("certPem")),
			[]byte(keyOf(name).OutputString("privateKeyPem")))
		require.NoError(t, err)
		return certificate
	}
	assert.NoError(t, handshake(t, pair("server"), &tls.Config{RootCAs: roots, ServerName: "echo.internal.example", Certificates: []tls.Certificate{pair("client")}}, roots))
	assert.Error(t, handshake(t, pair("server"), &tls.Config{RootCAs: roots, ServerName: "echo.internal.example"}, roots), "no client certificate")
	assert.Error(t, handshake(t, pair("server"), &tls.Config{RootCAs: roots, ServerName: "other.internal.example", Certificates: []tls.Certificate{pair("client")}}, roots), "wrong server name")
}

// handshake runs one mutual TLS handshake over loopback: the server answers one byte after a
// successful handshake, and the client must read it. It returns the server's or the client's error.
func handshake(t *testing.T, server tls.Certificate, client *tls.Config, clientRoots *x509.CertPool) error {
	t.Helper()
	listener, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientRoots, MinVersion: tls.VersionTLS12,
	})
	require.NoError(t, err)
	defer listener.Close()
	serverErr := make(chan error, 1)
	go func() {
		connection, err := listener.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer connection.Close()
		_ = connection.SetDeadline(time.Now().Add(5 * time.Second))
		if err := connection.(*tls.Conn).Handshake(); err != nil {
			serverErr <- err
			return
		}
		_, err = connection.Write([]byte{1})
		serverErr <- err
	}()
	connection, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", listener.Addr().String(), client)
	if err == nil {
		// TLS 1.3 reports a rejected client certificate only when the client reads.
		_ = connection.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = connection.Read(make([]byte, 1))
		connection.Close()
	}
	if serverError := <-serverErr; serverError != nil {
		return serverError
	}
	return err
}
