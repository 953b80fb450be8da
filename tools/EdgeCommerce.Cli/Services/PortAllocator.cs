namespace EdgeCommerce.Cli.Services;

/// <summary>
/// Chooses loopback ports for the services of one stack: the preferred port when it is free,
/// otherwise a free one (<see cref="LoopbackPorts"/>). A taken port is no failure. Ports handed out
/// once are never handed out again, so two services of the same stack cannot be given the same one.
/// </summary>
/// <remarks>
/// A port found free here can still be taken before the child binds it; the child then fails to
/// start and <c>up</c> reports which service died and why (see its log).
/// </remarks>
internal sealed class PortAllocator
{
    private readonly HashSet<int> _assigned = [];

    /// <summary>A free port: <paramref name="preferred"/> when it is free and not yet handed out, otherwise another.</summary>
    public int Allocate(int? preferred)
    {
        if (preferred is { } port && !_assigned.Contains(port) && LoopbackPorts.IsFree(port))
        {
            _assigned.Add(port);
            return port;
        }

        while (true)
        {
            var any = LoopbackPorts.Next();
            if (_assigned.Add(any))
            {
                return any;
            }
        }
    }
}
