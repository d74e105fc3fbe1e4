global using Ledger.IntegrationTests.Infrastructure;
