using EdgeCommerce.Hosting.Processes;

namespace EdgeCommerce.Tests.Common;

/// <summary>Free loopback TCP ports for hosts that must be told their port before they start (see <see cref="LoopbackPorts"/>).</summary>
public static class FreePort
{
    public static int Next() => LoopbackPorts.Next();
}
