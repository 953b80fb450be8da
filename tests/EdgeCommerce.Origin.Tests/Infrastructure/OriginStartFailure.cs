namespace EdgeCommerce.Origin.Tests.Infrastructure;

/// <summary>An origin host that must refuse to start on its data directory.</summary>
internal static class OriginStartFailure
{
    /// <summary>
    /// Starts <paramref name="origin"/>, which must fail; returns what the origin said (its critical
    /// KeyEncryptionFailed entry, the message the process also writes to standard error).
    /// </summary>
    public static async Task<string> KeyEncryptionFailedAsync(OriginApiFixture origin)
    {
        var failure = Record.Exception(() => origin.Server);
        var said = origin.ErrorLogs.SingleOrDefault(static entry => entry.Contains("[1507 KeyEncryptionFailed]", StringComparison.Ordinal));
        try
        {
            await origin.DisposeAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or AggregateException)
        {
            // A host that never started may not stop cleanly either.
        }

        Assert.NotNull(failure);
        Assert.NotNull(said);
        return said;
    }
}
