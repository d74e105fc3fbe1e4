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
        if (await Postings.RefuseReversalByOthersAsync(context, "transfer",
                async token => (await ledger.GetTransferAsync(transferId, token)).Value?.PostedBy, cancellationToken) is { } refused)
        {
            return refused;
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

    private static Results<Created<TransferResponse>, Ok<TransferResponse>, ProblemHttpResult> Answer(
        LedgerResult<Transfer> result, HttpContext context, bool accountInBody) =>
        Postings.Answer(result, context, accountInBody, TransferResponse.From, response => $"/v1/transfers/{response.Id}");

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
