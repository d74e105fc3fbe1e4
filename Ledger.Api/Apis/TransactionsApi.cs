using System.ComponentModel;
using System.Globalization;
using Ledger.Api.Auth;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Ledger.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Apis;

/// <summary>Posting, reading and reversing transactions of 2 to 100 legs. A transfer is the two-leg transaction: it can
/// be read and reversed here too.</summary>
internal static class TransactionsApi
{
    /// <summary>The body of a bulk request may be this large (the host's default is 64 KiB): 1,000 transactions of 100
    /// legs with 64-character account ids, written compactly, take about 14 MB.</summary>
    public const int MaxBulkBodyBytes = 16 * 1024 * 1024;

    public static RouteGroupBuilder MapTransactionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/transactions").WithTags("Transactions");

        group.MapPost("/", PostTransactionAsync)
            .WithName("PostTransaction")
            .WithSummary("Post a transaction")
            .WithDescription("Posts 2 to 100 legs in one currency that sum to zero (negative amounts debit, positive " +
                             "credit, each account at most once) atomically and exactly once. 201 when posted; 200 with " +
                             "Idempotent-Replayed: true when the same id and content were posted before by the same key; " +
                             "409 idempotency_conflict when the id was used with other content or by another key. A leg's " +
                             "expectedVersion posts only while the account is at that version, else 409 version_mismatch " +
                             "and nothing changes. Needs the poster role.")
            .RequireAuthorization(Roles.Poster)
            .Refuses(
                accountInBody: true,
                LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound, LedgerErrorCode.CurrencyMismatch,
                LedgerErrorCode.InsufficientFunds, LedgerErrorCode.BalanceOutOfRange, LedgerErrorCode.VersionMismatch,
                LedgerErrorCode.IdempotencyConflict, LedgerErrorCode.ConcurrencyConflict, LedgerErrorCode.Overloaded)
            .WithReplayedHeader();

        group.MapPost("/batch", PostTransactionsAsync)
            .WithName("PostTransactions")
            .WithSummary("Post up to 1,000 transactions")
            .WithDescription("Posts 1 to 1,000 transactions, each with the shape of the body of POST /v1/transactions, " +
                             "in the order given (a later one sees the balances the earlier ones left), each exactly once " +
                             "by its id. Without atomic (or with false): 200 with every item's own outcome in input order: " +
                             "status 201 posted, 200 replayed, or the 4xx of its refusal with its code, as a single post " +
                             "would answer. With atomic: true every item is posted (or replayed) or none is and nothing " +
                             "changes; the first item at fault is then the problem of the whole request, with its index " +
                             "in item. Ids given twice: 400 naming the second. Counts one post per item against the key's " +
                             "rate. Needs the poster role.")
            .RequireAuthorization(Roles.Poster)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBulkBodyBytes))
            .Refuses(
                accountInBody: true,
                LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound, LedgerErrorCode.CurrencyMismatch,
                LedgerErrorCode.InsufficientFunds, LedgerErrorCode.BalanceOutOfRange, LedgerErrorCode.VersionMismatch,
                LedgerErrorCode.IdempotencyConflict, LedgerErrorCode.ConcurrencyConflict);

        group.MapPost("/{id}/reversal", ReverseTransactionAsync)
            .WithName("ReverseTransaction")
            .WithSummary("Reverse a transaction")
            .WithDescription("Posts the compensating transaction (every leg negated) linked by reversalOf; transfers " +
                             "included. 201 when posted; 200 with Idempotent-Replayed: true for a retry of the same " +
                             "reversal; 409 already_reversed when the transaction was reversed by another reversal. The " +
                             "body is optional. Needs the poster role, and the key that posted the transaction or the " +
                             "admin role.")
            .RequireAuthorization(Roles.Poster)
            .Refuses(
                LedgerErrorCode.ValidationFailed, LedgerErrorCode.TransactionNotFound, LedgerErrorCode.InsufficientFunds,
                LedgerErrorCode.BalanceOutOfRange, LedgerErrorCode.IdempotencyConflict, LedgerErrorCode.AlreadyReversed,
                LedgerErrorCode.ConcurrencyConflict, LedgerErrorCode.Overloaded)
            .WithReplayedHeader();

        group.MapGet("/{id}", GetTransactionAsync)
            .WithName("GetTransaction")
            .WithSummary("Read a transaction")
            .WithDescription("Any posted transaction, transfers included. Needs the reader role.")
            .RequireAuthorization(Roles.Reader)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.TransactionNotFound);

        return group;
    }

    private static async Task<Results<Created<TransactionResponse>, Ok<TransactionResponse>, ProblemHttpResult>> PostTransactionAsync(
        PostTransactionBody? body, ILedger ledger, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Validation(context, "body", "A JSON body is required.");
        }

        // The id is chosen here when the caller sent none (as the ledger would), so every later line of the request
        // can carry it.
        var id = body.Id ?? Guid.CreateVersion7(time.GetUtcNow());
        CorrelationId.SetTransferId(context, id);
        var (request, field, message) = ToRequest(body, id, context);
        if (request is null)
        {
            return Problems.Validation(context, field!, message!);
        }

        var result = await ledger.PostTransactionAsync(request, cancellationToken);

        return Answer(result, context, accountInBody: true);
    }

    /// <summary>The ledger's request for a body. The ledger judges the legs (how many, which accounts, the amounts, the
    /// sum); the host only refuses what it cannot hand over: a leg that is not an object, and an amount left out (the
    /// ledger's amount is not nullable). Then the field at fault (<c>legs[2].amount</c>) and why.</summary>
    private static (PostTransactionRequest? Request, string? Field, string? Message) ToRequest(
        PostTransactionBody body, Guid id, HttpContext context)
    {
        List<TransactionLegRequest>? legs = null;
        if (body.Legs is { } given)
        {
            legs = new List<TransactionLegRequest>(given.Count);
            for (var i = 0; i < given.Count; i++)
            {
                if (given[i] is not { } leg)
                {
                    return (null, LegField(i, null), "A leg is an object with accountId and amount.");
                }

                if (leg.Amount is not { } amount)
                {
                    return (null, LegField(i, "amount"), "The amount is required.");
                }

                legs.Add(new TransactionLegRequest { AccountId = leg.AccountId, Amount = amount, ExpectedVersion = leg.ExpectedVersion });
            }
        }

        return (new PostTransactionRequest
        {
            Id = id,
            Legs = legs,
            Currency = body.Currency,
            Timestamp = body.Timestamp,
            Reference = body.Reference,
            PostedBy = context.User.Identity?.Name,
            CorrelationId = CorrelationId.Get(context),
        }, null, null);
    }

    private static async Task<Results<Ok<PostTransactionsResponse>, ProblemHttpResult>> PostTransactionsAsync(
        PostTransactionsBody? body, ILedger ledger, TimeProvider time, KeyLimits limits, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Validation(context, "body", "A JSON body is required.");
        }

        if (body.Items is not { } items)
        {
            return Problems.Validation(context, "items", "The items are required.");
        }

        // As for one transaction: the ids left out are chosen here, the host refuses only what it cannot hand over
        // (naming items[i].legs[j]...), and the ledger judges the rest, the number of items included.
        var requests = new List<PostTransactionRequest>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemField = string.Create(CultureInfo.InvariantCulture, $"items[{i}]");
            if (items[i] is not { } item)
            {
                return Problems.Validation(context, itemField, "An item is a transaction object with legs.");
            }

            var (request, field, message) = ToRequest(item, item.Id ?? Guid.CreateVersion7(time.GetUtcNow()), context);
            if (request is null)
            {
                return Problems.Validation(context, $"{itemField}.{field}", message!);
            }

            requests.Add(request);
        }

        // The per-key rate counts a bulk as one post per item (the middleware took the first).
        if (context.User.Identity?.Name is { } key &&
            limits.TryTakeMorePosts(key, Math.Min(requests.Count, PostTransactionsRequest.MaxItems)) is { } retryAfter)
        {
            return Problems.Overloaded(context, StatusCodes.Status429TooManyRequests, retryAfter,
                "This API key is posting more than its share (Api:PostsPerSecondPerKey; a bulk request counts one post per " +
                "item); nothing was done. Send the same request again after Retry-After.");
        }

        var result = await ledger.PostTransactionsAsync(
            new PostTransactionsRequest { Items = requests, Atomic = body.Atomic ?? false }, cancellationToken);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context, accountInBody: true);
        }

        var outcomes = new TransactionOutcomeResponse[result.Value.Items.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var outcome = result.Value.Items[i];
            outcomes[i] = TransactionOutcomeResponse.From(
                outcome, outcome.IsSuccess ? 0 : Problems.StatusOf(outcome.Error.Code, accountInBody: true));
        }

        return TypedResults.Ok(new PostTransactionsResponse(outcomes));
    }

    private static async Task<Results<Created<TransactionResponse>, Ok<TransactionResponse>, ProblemHttpResult>> ReverseTransactionAsync(
        [Description("The transaction id (a transfer's id too)."), UuidParameter] string id, ReversalBody? body, ILedger ledger,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var transactionId))
        {
            return Problems.Validation(context, "id", "A transaction id is a UUID.");
        }

        CorrelationId.SetTransferId(context, transactionId);
        if (await Postings.RefuseReversalByOthersAsync(context, "transaction",
                async token => (await ledger.GetTransactionAsync(transactionId, token)).Value?.PostedBy, cancellationToken) is { } refused)
        {
            return refused;
        }

        var result = await ledger.ReverseTransactionAsync(
            new ReverseTransactionRequest
            {
                TransactionId = transactionId,
                Id = body?.Id,
                Reference = body?.Reference,
                PostedBy = context.User.Identity?.Name,
                CorrelationId = CorrelationId.Get(context),
            },
            cancellationToken);
        return Answer(result, context, accountInBody: false);
    }

    private static async Task<Results<Ok<TransactionResponse>, ProblemHttpResult>> GetTransactionAsync(
        [Description("The transaction id (a transfer's id too)."), UuidParameter] string id, ILedger ledger, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var transactionId))
        {
            return Problems.Validation(context, "id", "A transaction id is a UUID.");
        }

        CorrelationId.SetTransferId(context, transactionId);
        var result = await ledger.GetTransactionAsync(transactionId, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(TransactionResponse.From(result.Value)) : Problems.From(result.Error, context);
    }

    private static Results<Created<TransactionResponse>, Ok<TransactionResponse>, ProblemHttpResult> Answer(
        LedgerResult<Transaction> result, HttpContext context, bool accountInBody) =>
        Postings.Answer(result, context, accountInBody, TransactionResponse.From, response => $"/v1/transactions/{response.Id}");

    /// <summary><c>legs[2]</c> or <c>legs[2].amount</c>: where in the body, as a JSON path names it (and as the field
    /// errors of a body the framework could not read name it).</summary>
    private static string LegField(int index, string? property) => property is null
        ? string.Create(CultureInfo.InvariantCulture, $"legs[{index}]")
        : string.Create(CultureInfo.InvariantCulture, $"legs[{index}].{property}");
}
