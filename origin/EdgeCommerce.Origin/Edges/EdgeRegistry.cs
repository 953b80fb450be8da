using System.Collections.Concurrent;
using EdgeCommerce.Origin.Storage;
using Grpc.Core;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// The edges connected to this origin process: what each acknowledged and when it was last heard
/// from. Changes are marked dirty and written to the store in batches by
/// <see cref="EdgeRegistryFlusher"/>, so every origin replica sharing the store sees every edge.
/// A stream token tells a reconnect race apart: only the newest stream of an edge may mark it gone,
/// and a new stream ends the one it replaces (two streams under one id are a stale connection or a
/// copied identity: either way the newest wins, and the older one hears so instead of lingering).
/// An edge a relay reports as a follower (<see cref="RelayLink"/>) is resolved when read: its applied
/// revision is the one its relay's followers all acknowledged, its last contact its relay stream's,
/// so a write moves no entry here; its stored record is rewritten at most once per the flusher's
/// refresh (<see cref="TakeDirty"/>).
/// </summary>
internal sealed class EdgeRegistry(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _nextToken;

    /// <summary>Registers a new stream for <paramref name="edgeId"/> and returns its token.</summary>
    /// <param name="appliedRevision">What the edge is known to hold: 0 for a new stream, whose claims count only once acknowledged.</param>
    /// <param name="stream">The stream's handle, so a revocation or a newer stream can end it; null when nothing can.</param>
    public long OnConnected(string edgeId, string region, string publicUrl, int protocolVersion, long appliedRevision, EdgeStream? stream = null)
    {
        var token = Interlocked.Increment(ref _nextToken);
        var entry = _entries.GetOrAdd(edgeId, static id => new Entry(id));
        EdgeStream? replaced;
        lock (entry)
        {
            replaced = entry.Connected ? entry.Stream : null;
            entry.Stream = stream;
            entry.Token = token;
            entry.Region = region;
            entry.PublicUrl = publicUrl;
            entry.ProtocolVersion = protocolVersion;
            entry.AppliedRevision = appliedRevision;
            entry.Connected = true;
            entry.LastRejection = null;
            entry.Via = null;
            entry.Link = null;
            entry.Follower = false;
            Touch(entry);
        }

        replaced?.End(StatusCode.Aborted, "A newer stream of this edge replaced this one.");
        return token;
    }

    /// <summary>
    /// A relay reported <paramref name="edgeId"/> streaming from it (its token verified by the relay)
    /// at <paramref name="appliedRevision"/> (already capped by the caller at what the relay itself
    /// acknowledged), or, with <paramref name="follower"/>, as keeping up with it: then the edge's
    /// applied revision is <paramref name="link"/>'s followed revision whenever it is read. An edge
    /// with its own stream to this process is left alone: the direct stream knows better.
    /// </summary>
    /// <param name="link">The relay stream's shared state: its last contact (and followed revision) resolve the entry while it is connected through that stream.</param>
    public void OnRelayed(string relayId, string edgeId, string region, string publicUrl, long appliedRevision, RelayLink? link = null, bool follower = false)
    {
        var entry = _entries.GetOrAdd(edgeId, static id => new Entry(id));
        lock (entry)
        {
            if (entry.Connected && entry.Via is null && entry.Stream is not null)
            {
                return;
            }

            entry.Token = Interlocked.Increment(ref _nextToken);
            entry.Stream = null;
            entry.Region = region;
            entry.PublicUrl = publicUrl;
            entry.ProtocolVersion = 2;
            entry.AppliedRevision = appliedRevision;
            entry.Connected = true;
            entry.Via = relayId;
            entry.Link = link;
            entry.Follower = follower && link is not null;
            Touch(entry);
        }
    }

    /// <summary><paramref name="edgeId"/>'s stream from <paramref name="relayId"/> ended (unless it has since moved elsewhere).</summary>
    public void OnRelayGone(string relayId, string edgeId)
    {
        if (!_entries.TryGetValue(edgeId, out var entry))
        {
            return;
        }

        lock (entry)
        {
            if (entry.Connected && string.Equals(entry.Via, relayId, StringComparison.Ordinal))
            {
                Unlink(entry);
                entry.Connected = false;
                Touch(entry);
            }
        }
    }

    /// <summary>Marks the edges <paramref name="relayId"/> relayed, other than <paramref name="reported"/>, disconnected (all of them when its stream ends).</summary>
    public void OnRelayReported(string relayId, IReadOnlySet<string> reported)
    {
        foreach (var entry in _entries.Values)
        {
            lock (entry)
            {
                if (entry.Connected && string.Equals(entry.Via, relayId, StringComparison.Ordinal) && !reported.Contains(entry.Id))
                {
                    Unlink(entry);
                    entry.Connected = false;
                    Touch(entry);
                }
            }
        }
    }

    /// <summary>The relay <paramref name="edgeId"/> was last reported behind, or null when it streams from an origin itself (or is unknown).</summary>
    public string? ViaOf(string edgeId)
    {
        if (!_entries.TryGetValue(edgeId, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            return entry.Via;
        }
    }

    /// <summary>Ends the open stream of <paramref name="edgeId"/> (if this process serves one) with <paramref name="code"/>.</summary>
    public void EndStream(string edgeId, StatusCode code, string detail)
    {
        if (!_entries.TryGetValue(edgeId, out var entry))
        {
            return;
        }

        EdgeStream? stream;
        lock (entry)
        {
            stream = entry.Connected ? entry.Stream : null;
        }

        stream?.End(code, detail);
    }

    /// <summary>The edge applied <paramref name="revision"/> (an acknowledgement, or a send to a version 1 edge).</summary>
    public void OnApplied(string edgeId, long token, long revision, string? rejection = null)
        => Update(edgeId, token, entry =>
        {
            entry.AppliedRevision = revision;
            if (rejection is not null)
            {
                entry.LastRejection = rejection;
            }
        });

    /// <summary>The stream is alive (a heartbeat went out or a message came in).</summary>
    public void OnContact(string edgeId, long token) => Update(edgeId, token, static _ => { });

    public void OnDisconnected(string edgeId, long token) => Update(edgeId, token, static entry =>
    {
        entry.Connected = false;
        entry.Stream = null;
    });

    /// <summary>
    /// Entries changed since the last call, as records to persist. An entry resolved through its
    /// relay (<see cref="RelayLink"/>) changes with every write and every report without being
    /// touched: it is written when its resolved revision or contact moved and its stored record is
    /// <paramref name="relayedRefresh"/> old, so the store costs per edge per refresh, not per write
    /// (the flusher passes a third of <see cref="RoutingOptions.ContactTimeout"/>, so another replica
    /// reading the store still sees the edge connected, its revision at most that stale).
    /// </summary>
    public IReadOnlyList<EdgeRecord> TakeDirty(TimeSpan relayedRefresh = default)
    {
        var now = timeProvider.GetUtcNow();
        var dirty = new List<EdgeRecord>();
        foreach (var entry in _entries.Values)
        {
            lock (entry)
            {
                if (entry.Dirty || (entry.Link is not null && now - entry.FlushedAt >= relayedRefresh && entry.ResolvedDiffersFromFlushed()))
                {
                    entry.Dirty = false;
                    var record = entry.ToRecord();
                    entry.FlushedApplied = record.AppliedRevision;
                    entry.FlushedContact = record.LastContact;
                    entry.FlushedAt = now;
                    dirty.Add(record);
                }
            }
        }

        return dirty;
    }

    /// <summary>This process's view of the edges it has seen (fresher than the store for its own edges).</summary>
    public IReadOnlyList<EdgeRecord> Local()
    {
        var records = new List<EdgeRecord>(_entries.Count);
        foreach (var entry in _entries.Values)
        {
            lock (entry)
            {
                records.Add(entry.ToRecord());
            }
        }

        return records;
    }

    /// <summary>Marks every local edge disconnected: this process is stopping.</summary>
    public void DisconnectAll()
    {
        foreach (var entry in _entries.Values)
        {
            lock (entry)
            {
                if (entry.Connected)
                {
                    Unlink(entry);
                    entry.Connected = false;
                    Touch(entry);
                }
            }
        }
    }

    private void Update(string edgeId, long token, Action<Entry> update)
    {
        if (!_entries.TryGetValue(edgeId, out var entry))
        {
            return;
        }

        lock (entry)
        {
            // A stale stream of a reconnected edge must not overwrite the new stream's state.
            if (entry.Token != token)
            {
                return;
            }

            update(entry);
            Touch(entry);
        }
    }

    private void Touch(Entry entry)
    {
        entry.LastContact = timeProvider.GetUtcNow();
        entry.Dirty = true;
    }

    /// <summary>Fixes what the entry's relay link resolved (the edge left that relay stream): it no longer moves with the relay.</summary>
    private static void Unlink(Entry entry)
    {
        entry.AppliedRevision = entry.ResolvedApplied;
        entry.Link = null;
        entry.Follower = false;
    }

    private sealed class Entry(string id)
    {
        public string Id => id;

        /// <summary>The relay this edge streams through; null for an edge with its own stream.</summary>
        public string? Via { get; set; }

        public long Token { get; set; }

        public string Region { get; set; } = "";

        public string PublicUrl { get; set; } = "";

        public int ProtocolVersion { get; set; }

        public long AppliedRevision { get; set; }

        public bool Connected { get; set; }

        public DateTimeOffset LastContact { get; set; }

        public string? LastRejection { get; set; }

        public bool Dirty { get; set; }

        public EdgeStream? Stream { get; set; }

        /// <summary>The relay stream this edge is reported on, or null (a direct stream, or none now).</summary>
        public RelayLink? Link { get; set; }

        /// <summary>Whether the relay reports the edge as keeping up: its applied revision is <see cref="Link"/>'s followed revision.</summary>
        public bool Follower { get; set; }

        /// <summary>What the last <see cref="TakeDirty"/> wrote for this entry.</summary>
        public long FlushedApplied { get; set; }

        public DateTimeOffset FlushedContact { get; set; }

        public DateTimeOffset FlushedAt { get; set; }

        public long ResolvedApplied => Follower && Link is { } link ? link.FollowedRevision : AppliedRevision;

        /// <summary>Heard from as recently as the relay stream it is reported on (the relay vouches for it while that stream lasts).</summary>
        public DateTimeOffset ResolvedContact => Connected && Link is { } link && link.LastContact > LastContact ? link.LastContact : LastContact;

        public bool ResolvedDiffersFromFlushed() => ResolvedApplied != FlushedApplied || ResolvedContact != FlushedContact;

        public EdgeRecord ToRecord() => new(id, Region, PublicUrl, ProtocolVersion, ResolvedApplied, Connected, ResolvedContact, LastRejection);
    }
}

/// <summary>
/// What one relay stream tells the origin about all its followers at once: the revision they all
/// acknowledged (capped at the relay's own acknowledgement) and when the relay was last heard from.
/// Written by the stream's <see cref="RelayReportIntake"/>, read by <see cref="EdgeRegistry"/>'s
/// entries of the edges it reports, so one write per report moves every follower.
/// </summary>
internal sealed class RelayLink
{
    private long _followedRevision;
    private long _lastContactTicks;

    /// <summary>A revision every follower on this stream holds.</summary>
    public long FollowedRevision => Volatile.Read(ref _followedRevision);

    public DateTimeOffset LastContact => new(Volatile.Read(ref _lastContactTicks), TimeSpan.Zero);

    public void Follow(long revision) => Volatile.Write(ref _followedRevision, revision);

    public void Heard(DateTimeOffset at) => Volatile.Write(ref _lastContactTicks, at.UtcTicks);
}
