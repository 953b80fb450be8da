using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCommerce.Tests.Common;

/// <summary>
/// A self-signed P-256 server certificate for 127.0.0.1 and localhost, made by the test: a PFX for
/// Kestrel (<c>Kestrel:Endpoints:*:Certificate:Path</c> and <c>:Password</c>) and the public
/// certificate as PEM for clients to trust (<c>Sync:TrustedCertificatePath</c>).
/// </summary>
public sealed class TestCertificate
{
    private TestCertificate(string pfxPath, string password, string pemPath, X509Certificate2 certificate)
    {
        PfxPath = pfxPath;
        Password = password;
        PemPath = pemPath;
        Certificate = certificate;
    }

    public string PfxPath { get; }

    public string Password { get; }

    public string PemPath { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>Kestrel settings for an HTTPS endpoint named <paramref name="endpoint"/> on <paramref name="port"/>.</summary>
    public string[] KestrelEndpoint(string endpoint, int port, string protocols) =>
    [
        $"--Kestrel:Endpoints:{endpoint}:Url=https://127.0.0.1:{port}",
        $"--Kestrel:Endpoints:{endpoint}:Protocols={protocols}",
        $"--Kestrel:Endpoints:{endpoint}:Certificate:Path={PfxPath}",
        $"--Kestrel:Endpoints:{endpoint}:Certificate:Password={Password}",
    ];

    /// <summary>An HTTP client that trusts this certificate alone (chain and host name still checked).</summary>
    public HttpClient CreateTrustingClient(Uri baseAddress)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(Certificate);
        return new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static TestCertificate Create(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=edgecommerce-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        Directory.CreateDirectory(directory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var pfxPath = Path.Combine(directory, "server.pfx");
        var pemPath = Path.Combine(directory, "server.pem");
        File.WriteAllBytes(pfxPath, certificate.Export(X509ContentType.Pfx, password));
        File.WriteAllText(pemPath, certificate.ExportCertificatePem());
        return new TestCertificate(pfxPath, password, pemPath, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }
}
