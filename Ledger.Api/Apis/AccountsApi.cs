using System.ComponentModel;
using System.Globalization;
using Ledger.Api.Auth;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Ledger.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Apis;

/// <summary>Accounts, their balances and their entries.</summary>
internal static class AccountsApi
{
    public const int DefaultEntriesLimit = 50;
    public const int MaxEntriesLimit = 1000;
    public const string BalanceSourceHeader = "X-Balance-Source";
    private const string BalanceSourceCache = "cache";
    private const string BalanceSourceDatabase = "database";
    private const string AccountIdDescription = "The account id: 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'.";
    private const string ETagDescription = "The account's version as a strong entity tag: the version in decimal between double quotes.";
    private const string IfMatchDescription =
        "Change the account only while it is at this version: the ETag of GET /v1/accounts/{id}, for example \"7\" " +
        "(a list matches when any of its tags does; a weak tag, W/\"7\", never does), else 412 precondition_failed. " +
        "* or no If-Match: whatever the version.";

    public static RouteGroupBuilder MapAccountsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/accounts").WithTags("Accounts");

        group.MapPost("/", CreateAccountAsync)
            .WithName("CreateAccount")
            .WithSummary("Open an account")
            .WithDescription("Opens an account with a zero balance in the given currency. Needs the poster role; an " +
                             "overdraft limit above zero needs the admin role as well (it lets the account's holder " +
                             "spend money the account does not hold), and is at most the currency's cap (Ledger:Overdraft).")
            .RequireAuthorization(Roles.Poster)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountExists);

        group.MapGet("/{id}", GetAccountAsync)
            .WithName("GetAccount")
            .WithSummary("Read an account")
            .WithDescription("The ETag header is the account's version as a strong entity tag (\"7\"); send it back as " +
                             "If-Match to change the account only while it is at that version.")
            .RequireAuthorization(Roles.Reader)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound)
            .WithResponseHeader(VersionTags.ETagHeader, ETagDescription, null, StatusCodes.Status200OK);

        group.MapPatch("/{id}", UpdateAccountAsync)
            .WithName("UpdateAccount")
            .WithSummary("Change an account's overdraft limit")
            .WithDescription("Sets the overdraft limit (major units, zero or more). The change is written to the audit " +
                             "log with the key's name and the correlation id. Needs the admin role. With If-Match (the " +
                             "ETag of GET /v1/accounts/{id}) the change applies only while the account is at that " +
                             "version, else 412 precondition_failed and nothing changes; the version moves with every " +
                             "posting to the account, not with a change of the limit.")
            .RequireAuthorization(Roles.Admin)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound, LedgerErrorCode.PreconditionFailed)
            .WithResponseHeader(VersionTags.ETagHeader, ETagDescription, null, StatusCodes.Status200OK);

        group.MapGet("/{id}/balance", GetBalanceAsync)
            .WithName("GetBalance")
            .WithSummary("Read a balance")
            .WithDescription("Answers from the Redis cache when it holds the account, otherwise from the database; " +
                             "the X-Balance-Source header says which.")
            .RequireAuthorization(Roles.Reader)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound)
            .WithResponseHeader(BalanceSourceHeader, "Where the balance was read: the Redis cache or the database.",
                [BalanceSourceCache, BalanceSourceDatabase], StatusCodes.Status200OK);

        group.MapGet("/{id}/entries", ListEntriesAsync)
            .WithName("ListEntries")
            .WithSummary("List an account's entries, newest first")
            .WithDescription("Pages with limit (1-1000, default 50) and before (the next value of the previous page).")
            .RequireAuthorization(Roles.Reader)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound);

        return group;
    }

    private static async Task<Results<Created<AccountResponse>, ProblemHttpResult>> CreateAccountAsync(
        CreateAccountBody? body, ILedger ledger, HttpContext context, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Validation(context, "body", "A JSON body is required.");
        }

        // Granting credit is an admin's decision, at opening as later (PATCH): a poster opens accounts without one.
        if (body.OverdraftLimit > 0m && !context.User.IsInRole(Roles.Admin))
        {
            return Problems.Create(context, StatusCodes.Status403Forbidden, Problems.Forbidden,
                "Opening an account with an overdraft limit needs the admin role as well as poster; open it without one, " +
                "or have an admin set the limit (PATCH /v1/accounts/{id}).");
        }

        var result = await ledger.CreateAccountAsync(
            new CreateAccountRequest
            {
                Id = body.Id,
                Currency = body.Currency,
                OverdraftLimit = body.OverdraftLimit ?? 0m,
                Actor = context.User.Identity?.Name,
                CorrelationId = CorrelationId.Get(context),
            },
            cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/v1/accounts/{Uri.EscapeDataString(result.Value.Id)}", AccountResponse.From(result.Value))
            : Problems.From(result.Error, context);
    }

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> GetAccountAsync(
        [Description(AccountIdDescription)] string id, ILedger ledger, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await ledger.GetAccountAsync(id, cancellationToken);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context);
        }

        context.Response.Headers.ETag = VersionTags.Format(result.Value.Version);
        return TypedResults.Ok(AccountResponse.From(result.Value));
    }

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> UpdateAccountAsync(
        [Description(AccountIdDescription)] string id,
        [FromHeader(Name = VersionTags.IfMatchHeader), Description(IfMatchDescription)] string? ifMatch,
        UpdateAccountBody? body,
        ILedger ledger,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!VersionTags.TryParseIfMatch(ifMatch, out var versions))
        {
            return Problems.Validation(context, VersionTags.IfMatchHeader,
                "If-Match is * or a list of entity tags, such as \"7\": the ETag of GET /v1/accounts/{id}.");
        }

        if (body?.OverdraftLimit is not { } overdraftLimit)
        {
            return Problems.Validation(context, "overdraftLimit", "The overdraft limit is required.");
        }

        long? expectedVersion = null;
        if (versions is [var only])
        {
            expectedVersion = only;
        }
        else if (versions is not null)
        {
            // No tag that can match (weak ones never do), or several that might: the account's version picks the one
            // to check under the lock. An unknown account is 404 whatever If-Match says (RFC 9110, section 13.2.1).
            var current = await ledger.GetAccountAsync(id, cancellationToken);
            if (!current.IsSuccess)
            {
                return Problems.From(current.Error, context);
            }

            if (!versions.Contains(current.Value.Version))
            {
                return Problems.From(new LedgerError(LedgerErrorCode.PreconditionFailed,
                    $"Account '{id}' is at version {current.Value.Version}, which If-Match does not name; nothing changed. " +
                    "Read it again and decide afresh."), context);
            }

            expectedVersion = current.Value.Version;
        }

        var result = await ledger.SetOverdraftLimitAsync(
            new SetOverdraftLimitRequest
            {
                AccountId = id,
                OverdraftLimit = overdraftLimit,
                Actor = context.User.Identity?.Name,
                CorrelationId = CorrelationId.Get(context),
                ExpectedVersion = expectedVersion,
            },
            cancellationToken);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context);
        }

        context.Response.Headers.ETag = VersionTags.Format(result.Value.Version);
        return TypedResults.Ok(AccountResponse.From(result.Value));
    }

    private static async Task<Results<Ok<BalanceResponse>, ProblemHttpResult>> GetBalanceAsync(
        [Description(AccountIdDescription)] string id, ILedger ledger, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await ledger.GetBalanceAsync(id, cancellationToken);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context);
        }

        context.Response.Headers[BalanceSourceHeader] = result.Value.Source == BalanceSource.Cache ? BalanceSourceCache : BalanceSourceDatabase;
        return TypedResults.Ok(BalanceResponse.From(result.Value));
    }

    private static async Task<Results<Ok<EntriesResponse>, ProblemHttpResult>> ListEntriesAsync(
        [Description(AccountIdDescription)] string id,
        [Description("How many entries the page holds at most."), IntegerParameter(1, MaxEntriesLimit, DefaultEntriesLimit)] string? limit,
        [Description("The next value of the previous page: the page starts with the entry older than that. Left out, the page starts with the newest.")] string? before,
        ILedger ledger,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        // Parsed here rather than bound, so a bad value is a validation_failed naming the parameter.
        var pageSize = DefaultEntriesLimit;
        if (limit is not null && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize))
        {
            return Problems.Validation(context, "limit", "The limit is a whole number from 1 to 1000.");
        }

        long? beforeVersion = null;
        if (before is not null)
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Problems.Validation(context, "before", "The cursor is the 'next' value of the previous page.");
            }

            beforeVersion = parsed;
        }

        var result = await ledger.ListEntriesAsync(id, pageSize, beforeVersion, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(EntriesResponse.From(result.Value)) : Problems.From(result.Error, context);
    }
}
