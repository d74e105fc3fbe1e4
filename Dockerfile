# syntax=docker/dockerfile:1
# The Ledger API image. Build from the repository root:
#   docker build -t ledger-api .
# Run the API:                docker run --rm -p 8080:8080 -e ConnectionStrings__Ledger="..." ledger-api
#                             (health and metrics on 8081: add -p 127.0.0.1:8081:8081 to reach them from the host)
# Apply the migrations, exit: docker run --rm -e ConnectionStrings__Ledger="..." ledger-api migrate
# See docs/container.md.

# ---------------------------------------------------------------- build
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# What restore needs, first, so that the restore layer is reused until a project or package version changes.
COPY Directory.Build.props Directory.Packages.props nuget.config BannedSymbols.txt .editorconfig ./
COPY Ledger.Core/Ledger.Core.csproj Ledger.Core/
COPY Ledger.Api/Ledger.Api.csproj Ledger.Api/
RUN dotnet restore Ledger.Api/Ledger.Api.csproj

# The SQL that Ledger.Core embeds, then the sources.
COPY db/ db/
COPY Ledger.Core/ Ledger.Core/
COPY Ledger.Api/ Ledger.Api/
RUN dotnet publish Ledger.Api/Ledger.Api.csproj -c Release --no-restore -o /app/publish -p:UseAppHost=false

# ---------------------------------------------------------------- run
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app

# The API on 8080, health and metrics on the management port 8081 (Api__ManagementPort: /metrics and /health/*
# answer only there, and nothing else does), both above 1024 since a non-root user cannot bind below. Publish 8080
# to clients; 8081 only to probes and Prometheus. The image's ASPNETCORE_HTTP_PORTS is cleared so that
# ASPNETCORE_URLS is the one setting and the host does not warn about overriding it.
# DOTNET_EnableDiagnostics=0: the runtime then creates no diagnostics socket in /tmp, so the container runs with a
# read-only root filesystem and no writable mount at all; TMPDIR says where temporary files go if that is re-enabled.
ENV ASPNETCORE_URLS="http://+:8080;http://+:8081" \
    Api__ManagementPort=8081 \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_EnableDiagnostics=0 \
    TMPDIR=/tmp

# Owned by root and not writable by the app user: the application cannot change its own files.
COPY --from=build /app/publish .

# The aspnet image's non-root 'app' user (UID 1654).
USER $APP_UID
EXPOSE 8080 8081

# Arguments go to the application: `docker run image migrate` applies the migrations and exits.
ENTRYPOINT ["dotnet", "Ledger.Api.dll"]
