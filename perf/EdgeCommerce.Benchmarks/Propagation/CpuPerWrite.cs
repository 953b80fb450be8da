namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>CPU milliseconds per measured write (or per second, for the idle figures); <see cref="MachineTotal"/> is wall time × CPUs.</summary>
internal sealed record CpuPerWrite(double Origin, double Edges, double Client, double MachineBusy, double MachineTotal);
