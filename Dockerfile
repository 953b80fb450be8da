# syntax=docker/dockerfile:1
# Two images from one file:
#   docker build --target origin -t edgecommerce-origin .
#   docker build --target edge   -t edgecommerce-edge .
# Both run as the non-root 'app' user of the ASP.NET base image and are configured entirely
# through environment variables (ASP.NET Core maps Section__Key to Section:Key).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the build files and project files only, so source edits reuse the layer.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY eng/ eng/
COPY shared/EdgeCommerce.Contracts/EdgeCommerce.Contracts.csproj shared/EdgeCommerce.Contracts/
COPY shared/EdgeCommerce.ServiceDefaults/EdgeCommerce.ServiceDefaults.csproj shared/EdgeCommerce.ServiceDefaults/
COPY origin/EdgeCommerce.Origin/EdgeCommerce.Origin.csproj origin/EdgeCommerce.Origin/
COPY origin/EdgeCommerce.Recommendations/EdgeCommerce.Recommendations.csproj origin/EdgeCommerce.Recommendations/
COPY edge-node/EdgeCommerce.Edge/EdgeCommerce.Edge.csproj edge-node/EdgeCommerce.Edge/
RUN dotnet restore origin/EdgeCommerce.Origin/EdgeCommerce.Origin.csproj \
 && dotnet restore edge-node/EdgeCommerce.Edge/EdgeCommerce.Edge.csproj
COPY shared/ shared/
COPY origin/EdgeCommerce.Origin/ origin/EdgeCommerce.Origin/
COPY origin/EdgeCommerce.Recommendations/ origin/EdgeCommerce.Recommendations/
COPY edge-node/ edge-node/

FROM build AS publish-origin
RUN dotnet publish origin/EdgeCommerce.Origin/EdgeCommerce.Origin.csproj -c Release --no-restore -o /out

FROM build AS publish-edge
RUN dotnet publish edge-node/EdgeCommerce.Edge/EdgeCommerce.Edge.csproj -c Release --no-restore -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The state directory belongs to the unprivileged user the services run as.
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME /data
# With two cores or fewer, workstation GC serves the cached path faster (docs/architecture.md).
ENV DOTNET_gcServer=0 \
    ASPNETCORE_ENVIRONMENT=Production
WORKDIR /app
USER $APP_UID

FROM runtime AS origin
COPY --from=publish-origin /out .
# Port 8080: cleartext HTTP/1.1 for health probes from the orchestrator (and the admin API on the
# pod's own loopback): it listens on all interfaces so the probes reach it, and the origin answers
# callers from other hosts there with /healthz and /readyz only (everything else is a 404) unless
# Network__AllowRemoteCleartext=true. Port 8443: TLS for everything that carries a token across the network (the
# admin API and the edges' gRPC sync on one port, HTTP/1.1 and HTTP/2 chosen by ALPN). Mount the
# certificate at /certs/tls.pfx (or set ...__Certificate__Path/KeyPath/Password); without it the
# origin does not start. Keys__Issuer is what tokens say they come from: the URL viewers and
# edges know the origin by, the same on every replica.
ENV Kestrel__Endpoints__Http__Url=http://+:8080 \
    Kestrel__Endpoints__Http__Protocols=Http1 \
    Kestrel__Endpoints__Tls__Url=https://+:8443 \
    Kestrel__Endpoints__Tls__Protocols=Http1AndHttp2 \
    Kestrel__Endpoints__Tls__Certificate__Path=/certs/tls.pfx \
    Keys__Issuer=https://origin:8443 \
    Storage__DataDirectory=/data
# Several replicas share one PostgreSQL database: Storage__Provider=Postgres and
# Storage__ConnectionString=Host=...;Database=...;Username=...;Password=... (then /data holds only
# the key-encryption key). The signing keys are sealed under the KEK at Keys__EncryptionKeyPath
# (default /data/keys/kek, created on the first start): mount it from a secret, the same file on
# every replica, and never in the backups. An edge's hello is refused unless its public URL (which
# viewers are sent to) matches Routing__AllowedEdgeUrls__0, __1, ... (exact hosts or *.suffix);
# unset means loopback only, so set it in every real deployment.
# Probe /healthz (alive) and /readyz (store open) from the orchestrator; the base image has no curl.
EXPOSE 8080 8443
ENTRYPOINT ["dotnet", "EdgeCommerce.Origin.dll"]

FROM runtime AS edge
COPY --from=publish-edge /out .
# Required at run time: Edge__Id, Edge__Region, Edge__PublicUrl, and the edge's edge:sync token
# (minted for Edge__Id: `edgecommerce token --sub <id> --scope edge:sync --audience origin`) in the
# file Sync__TokenPath names; the origin renews it into that file, so mount it writable. The origin
# is reached over TLS only (an http:// origin that is not loopback is refused at start); for a
# private CA set Sync__TrustedCertificatePath. Serve viewers over TLS the same way as the origin
# (Kestrel__Endpoints__Https__*).
ENV Kestrel__Endpoints__Http__Url=http://+:8080 \
    Kestrel__Endpoints__Http__Protocols=Http1 \
    Edge__DataDirectory=/data \
    Sync__OriginAddress=https://origin:8443 \
    Sync__TokenPath=/data/sync.token
# Probe /healthz (alive) and /readyz (holds a snapshot: only then route viewers here).
EXPOSE 8080
ENTRYPOINT ["dotnet", "EdgeCommerce.Edge.dll"]
