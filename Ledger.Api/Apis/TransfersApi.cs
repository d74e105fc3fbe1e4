using System.ComponentModel;
using Ledger.Api.Auth;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Ledger.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.Apis;

/// <summary>Posting and reading transfers.</summary>
internal static class TransfersApi
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static RouteGroupBuilder MapTransfersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/transfers").WithTags("Transfers");

        group.MapPost("/", PostTransferAsync)
            .WithName("PostTransfer")
            .WithSummary("Post a transfer")
            .WithDescription("Moves money from the source to the destination account atomically and exactly once. " +
                             "201 when posted; 200 with Idempotent-Replayed: true when the same id and content were " +
                             "posted before by the same key; 409 idempotency_conflict when the id was used with other " +
                             "content or by another key. Ids of UUID version 5 are reserved for derived reversal ids. " +
                             "Needs the poster role.")
            .RequireAuthorization(Roles.Poster)
            .Refuses(
                accountInBody: true,
                LedgerErrorCode.ValidationFailed, LedgerErrorCode.AccountNotFound, LedgerErrorCode.CurrencyMismatch,
                LedgerErrorCode.InsufficientFunds, LedgerErrorCode.BalanceOutOfRange, LedgerErrorCode.IdempotencyConflict,
                LedgerErrorCode.ConcurrencyConflict, LedgerErrorCode.Overloaded)
            .WithReplayedHeader();

        group.MapPost("/{id}/reversal", ReverseTransferAsync)
            .WithName("ReverseTransfer")
            .WithSummary("Reverse a transfer")
            .WithDescription("Posts the compensating transfer (same amount, accounts swapped) linked by reversalOf. " +
                             "201 when posted; 200 with Idempotent-Replayed: true for a retry of the same reversal; " +
                             "409 already_reversed when the transfer was reversed by another reversal. The body is " +
                             "optional. Needs the poster role, and the key that posted the transfer or the admin role.")
            .RequireAuthorization(Roles.Poster)
            .Refuses(
                LedgerErrorCode.ValidationFailed, LedgerErrorCode.TransferNotFound, LedgerErrorCode.InsufficientFunds,
                LedgerErrorCode.BalanceOutOfRange, LedgerErrorCode.IdempotencyConflict, LedgerErrorCode.AlreadyReversed,
                LedgerErrorCode.ConcurrencyConflict, LedgerErrorCode.Overloaded)
            .WithReplayedHeader();

        group.MapGet("/{id}", GetTransferAsync)
            .WithName("GetTransfer")
            .WithSummary("Read a transfer")
            .RequireAuthorization(Roles.Reader)
            .Refuses(LedgerErrorCode.ValidationFailed, LedgerErrorCode.TransferNotFound);

        return group;
    }

    /// <summary>Idempotent-Replayed on a replay (200) and on a refusal that is the recorded outcome of an earlier
    /// identical request (422), as <see cref="Answer"/> sets it.</summary>
    private static RouteHandlerBuilder WithReplayedHeader(this RouteHandlerBuilder builder) =>
        builder.WithResponseHeader(ReplayedHeader,
            "true when this is the recorded outcome of an earlier request with the same id and content: nothing was posted again.",
            ["true"], StatusCodes.Status200OK, StatusCodes.Status422UnprocessableEntity);

    private static async Task<Results<Created<TransferResponse>, Ok<TransferResponse>, ProblemHttpResult>> PostTransferAsync(
        PostTransferBody? body, ILedger ledger, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Validation(context, "body", "A JSON body is required.");
        }

        // The id is chosen here when the caller sent none (as the ledger would), so every later line of the request
        // can carry it.
        var id = body.Id ?? Guid.CreateVersion7(time.GetUtcNow());
        CorrelationId.SetTransferId(context, id);

        if (body.Amount is null)
        {
            return Problems.Validation(context, "amount", "The amount is required.");
        }

        var result = await ledger.PostTransferAsync(
            new PostTransferRequest
            {
                Id = id,
                SourceAccountId = body.SourceAccountId,
                DestinationAccountId = body.DestinationAccountId,
                Amount = body.Amount.Value,
                Currency = body.Currency,
                Timestamp = body.Timestamp,
                Reference = body.Reference,
                PostedBy = context.User.Identity?.Name,
                CorrelationId = CorrelationId.Get(context),
            },
            cancellationToken);

        return Answer(result, context, accountInBody: true);
    }

    private static async Task<Results<Created<TransferResponse>, Ok<TransferResponse>, ProblemHttpResult>> ReverseTransferAsync(
        [Description("The transfer id."), UuidParameter] string id, ReversalBody? body, ILedger ledger, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var transferId))
        {
            return Problems.Validation(context, "id", "A transfer id is a UUID.");
        }

        CorrelationId.SetTransferId(context, transferId);
        // Only whoever posted a transfer, or an admin, may undo it. (Who posted it never changes, so reading it first
        // is safe.) An unknown transfer is left to the ledger, which answers 404.
        if (!context.User.IsInRole(Roles.Admin) &&
            await ledger.GetTransferAsync(transferId, cancellationToken) is { IsSuccess: true } original &&
            !string.Equals(original.Value.PostedBy, context.User.Identity?.Name, StringComparison.Ordinal))
        {
            return Problems.Create(context, StatusCodes.Status403Forbidden, Problems.Forbidden,
                "Only the key that posted the transfer, or a key with the admin role, may reverse it.");
        }

        var result = await ledger.ReverseTransferAsync(
            new ReverseTransferRequest
            {
                TransferId = transferId,
                Id = body?.Id,
                Reference = body?.Reference,
                PostedBy = context.User.Identity?.Name,
                CorrelationId = CorrelationId.Get(context),
            },
            cancellationToken);
        return Answer(result, context, accountInBody: false);
    }

    /// <summary>201 for a new transfer, 200 for a replay; a refusal that is the recorded outcome of an earlier
    /// identical request carries Idempotent-Replayed too.</summary>
    private static Results<Created<TransferResponse>, Ok<TransferResponse>, ProblemHttpResult> Answer(
        LedgerResult<Transfer> result, HttpContext context, bool accountInBody)
    {
        if (result.Replayed)
        {
            context.Response.Headers[ReplayedHeader] = "true";
        }

        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context, accountInBody);
        }

        var response = TransferResponse.From(result.Value);
        return result.Replayed
            ? TypedResults.Ok(response)
            : TypedResults.Created($"/v1/transfers/{response.Id}", response);
    }

    private static async Task<Results<Ok<TransferResponse>, ProblemHttpResult>> GetTransferAsync(
        [Description("The transfer id."), UuidParameter] string id, ILedger ledger, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var transferId))
        {
            return Problems.Validation(context, "id", "A transfer id is a UUID.");
        }

        CorrelationId.SetTransferId(context, transferId);
        var result = await ledger.GetTransferAsync(transferId, cancellationToken);
        return result.IsSuccess ? TypedResults.Ok(TransferResponse.From(result.Value)) : Problems.From(result.Error, context);
    }
}
