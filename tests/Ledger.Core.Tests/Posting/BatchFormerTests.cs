using System.Threading.Channels;
using Ledger.Posting;

namespace Ledger.Core.Tests.Posting;

public sealed class BatchFormerTests
{
    [Fact]
    public void Fill_NothingInFlight_TakesEverythingQueuedInOrder()
    {
        var (former, queue) = Create(maxBatchSize: 10);
        var transfers = new[] { T("a", "b"), T("c", "d"), T("a", "c") };
        Enqueue(queue, transfers);

        var batch = former.Start();
        former.Fill(batch, queue.Reader);

        Assert.Equal(transfers, batch.Items);
        Assert.Equal(0, former.HeldCount);
    }

    [Fact]
    public void Fill_TransferOnAnAccountOfABatchInFlight_IsHeldBackUntilThatBatchIsReleased()
    {
        var (former, queue) = Create(maxBatchSize: 10);
        Enqueue(queue, T("a", "b"));
        var first = former.Start();
        former.Fill(first, queue.Reader);

        var blocked = T("b", "c");
        var free = T("d", "e");
        Enqueue(queue, blocked, free);
        var second = former.Start();
        former.Fill(second, queue.Reader);

        Assert.Equal([free], second.Items);
        Assert.Equal(1, former.HeldCount);

        var released = former.NextRelease;
        former.Release(first);
        Assert.True(released.IsCompleted);
        var third = former.Start();
        former.Fill(third, queue.Reader);
        Assert.Equal([blocked], third.Items);
        Assert.Equal(0, former.HeldCount);
    }

    [Fact]
    public void Fill_HeldTransfer_ReservesItsAccountsSoNewerTransfersOnThemWaitBehindIt()
    {
        var (former, queue) = Create(maxBatchSize: 10);
        Enqueue(queue, T("hot", "x"));
        var inFlight = former.Start();
        former.Fill(inFlight, queue.Reader);

        // Held because "hot" is busy; the newer transfer on "y" must not overtake it even though "y" is free.
        var older = T("hot", "y");
        var newer = T("y", "z");
        Enqueue(queue, older, newer);
        var next = former.Start();
        former.Fill(next, queue.Reader);

        Assert.Empty(next.Items);
        Assert.Equal(2, former.HeldCount);

        former.Release(inFlight);
        var after = former.Start();
        former.Fill(after, queue.Reader);
        Assert.Equal([older, newer], after.Items);
        Assert.Equal(0, former.HeldCount);
    }

    [Fact]
    public void Fill_SameIdTwice_TakesTheFirstAndHoldsTheSecondForTheNextBatch()
    {
        var (former, queue) = Create(maxBatchSize: 10);
        var transfer = T("a", "b");
        Enqueue(queue, transfer, transfer);

        var batch = former.Start();
        former.Fill(batch, queue.Reader);
        former.Release(batch);
        var next = former.Start();
        former.Fill(next, queue.Reader);

        Assert.Equal([transfer], batch.Items);
        Assert.Equal([transfer], next.Items);
    }

    [Fact]
    public void Fill_FullBatch_LeavesTheRestQueuedAndHoldsAtMostOneBatch()
    {
        var (former, queue) = Create(maxBatchSize: 2);
        Enqueue(queue, T("hot", "a"));
        var inFlight = former.Start();
        former.Fill(inFlight, queue.Reader);
        Enqueue(queue, T("hot", "b"), T("hot", "c"), T("hot", "d"), T("e", "f"));

        var next = former.Start();
        former.Fill(next, queue.Reader);

        // Two held back (the cap), the third and the free one still queued: nothing is read past the cap.
        Assert.Empty(next.Items);
        Assert.Equal(2, former.HeldCount);
        Assert.Equal(2, queue.Reader.Count);
    }

    private static (BatchFormer<PostingCommand> Former, Channel<PostingCommand> Queue) Create(int maxBatchSize) =>
        (new BatchFormer<PostingCommand>(maxBatchSize, t => t), Channel.CreateUnbounded<PostingCommand>());

    private static void Enqueue(Channel<PostingCommand> queue, params PostingCommand[] transfers)
    {
        foreach (var transfer in transfers)
        {
            Assert.True(queue.Writer.TryWrite(transfer));
        }
    }

    private static PostingCommand T(string source, string destination) =>
        new(Guid.CreateVersion7(), [new LegCommand(source, -1m), new LegCommand(destination, 1m)], null, null, null, null, "test", null);
}
