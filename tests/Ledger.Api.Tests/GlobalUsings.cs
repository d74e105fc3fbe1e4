global using System.Net;
global using System.Text.Json;
global using Ledger.Api.Tests.Infrastructure;
global using Ledger.IntegrationTests.Infrastructure;
global using Ledger.Testing;
