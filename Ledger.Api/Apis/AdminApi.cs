using System.ComponentModel;
using System.Globalization;
using Ledger.Api.Auth;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Ledger.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.Apis;

/// <summary>Operations for administrators: the integrity check.</summary>
internal static class AdminApi
{
    public const int DefaultMaxMismatches = 100;
    public const int MaxMaxMismatches = 10_000;

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin").WithTags("Admin");

        group.MapGet("/integrity", VerifyIntegrityAsync)
            .WithName("VerifyIntegrity")
            .WithSummary("Check that the ledger adds up")
            .WithDescription("Reads the whole ledger, a page at a time, and checks that per currency the balances sum " +
                             "to zero; that each account's balance is the sum of its entries, its version their count, " +
                             "and its last entry's balance-after its balance; that each transfer has exactly two " +
                             "entries, on its two accounts, that cancel; and that the cache holds no balance that " +
                             "differs from the database's at the same version. Read-only and safe while transfers are " +
                             "posted, but it reads every row: on a large ledger it takes minutes. maxMismatches " +
                             "(0-10000, default 100) caps the list; truncated says when there were more. Needs the " +
                             "admin role.")
            .RequireAuthorization(Roles.Admin)
            .Refuses(LedgerErrorCode.ValidationFailed)
            .Answers(StatusCodes.Status429TooManyRequests, LedgerError.ToCodeName(LedgerErrorCode.Overloaded));

        return group;
    }

    private static async Task<Results<Ok<IntegrityResponse>, ProblemHttpResult>> VerifyIntegrityAsync(
        [Description("How many mismatches the answer lists at most."), IntegerParameter(0, MaxMaxMismatches, DefaultMaxMismatches)] string? maxMismatches, ILedger ledger, IntegrityScans scans, HttpContext context, CancellationToken cancellationToken)
    {
        // Parsed here rather than bound, so a bad value is a validation_failed naming the parameter.
        var limit = DefaultMaxMismatches;
        if (maxMismatches is not null &&
            (!int.TryParse(maxMismatches, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit > MaxMaxMismatches))
        {
            return Problems.Validation(context, "maxMismatches", "maxMismatches is a whole number from 0 to 10000.");
        }

        if (!scans.TryEnter())
        {
            return Problems.Overloaded(context, StatusCodes.Status429TooManyRequests, retryAfterSeconds: 10,
                "An integrity scan is running already; one runs at a time. Retry when it is done.");
        }

        try
        {
            var report = await ledger.VerifyAsync(limit, cancellationToken);
            return TypedResults.Ok(IntegrityResponse.From(report));
        }
        finally
        {
            scans.Exit();
        }
    }
}
