using System.Threading.Channels;

namespace Ledger.Posting;

/// <summary>
/// Forms the batches of the workers of <see cref="TransactionBatcher"/> from one queue. A batch takes, in order, the
/// transactions held back earlier and then queued ones, except those that touch an account of a batch in flight, whose id
/// is in the batch already, or that come once the batch is full; those are held back (at most one batch's worth) for a
/// later batch. Concurrent batches thus touch different accounts and do not wait for each other's locks in the
/// database (which would still serialize them correctly if they did). A transaction held back reserves its accounts for
/// the rest of the batch being formed, so transactions on one account keep their order and none waits for ever behind
/// newer ones.
/// </summary>
internal sealed class BatchFormer<T>(int maxBatchSize, Func<T, PostingCommand> commandOf)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reserved = new(StringComparer.Ordinal);
    private readonly Queue<T> _held = new();
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Completes when a batch in flight next finishes; taken before <see cref="Fill"/>, it cannot miss one.</summary>
    public Task NextRelease
    {
        get
        {
            lock (_gate)
            {
                return _released.Task;
            }
        }
    }

    public Batch Start() => new(maxBatchSize, commandOf);

    /// <summary>Adds what may go into <paramref name="batch"/> now, and marks its accounts busy.</summary>
    public void Fill(Batch batch, ChannelReader<T> reader)
    {
        lock (_gate)
        {
            _reserved.Clear();
            _reserved.UnionWith(_busy);
            for (var held = _held.Count; held > 0; held--)
            {
                var item = _held.Dequeue();
                if (!batch.TryAdd(item, _reserved))
                {
                    Hold(item);
                }
            }

            while (!batch.IsFull && _held.Count < maxBatchSize && reader.TryRead(out var item))
            {
                if (!batch.TryAdd(item, _reserved))
                {
                    Hold(item);
                }
            }

            _busy.UnionWith(batch.Accounts);
        }
    }

    /// <summary>The batch is done (committed or failed): its accounts are free again.</summary>
    public void Release(Batch batch)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _busy.ExceptWith(batch.Accounts);
            released = _released;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        released.SetResult();
    }

    private void Hold(T item)
    {
        _held.Enqueue(item);
        _reserved.UnionWith(commandOf(item).Keys);
    }

    /// <summary>One batch being formed: its items, ids and accounts (<see cref="PostingCommand.Keys"/>).</summary>
    public sealed class Batch(int capacity, Func<T, PostingCommand> commandOf)
    {
        private readonly HashSet<Guid> _ids = [];

        public List<T> Items { get; } = new(capacity);

        public HashSet<string> Accounts { get; } = new(StringComparer.Ordinal);

        public bool IsFull => Items.Count >= capacity;

        /// <summary>Adds the item unless the batch is full, its id is in the batch already (the procedure takes each
        /// id once per batch; posted later, it is answered as a replay), or it touches an unavailable account.</summary>
        public bool TryAdd(T item, HashSet<string> unavailable)
        {
            var command = commandOf(item);
            if (IsFull || _ids.Contains(command.Id) || command.Keys.Any(unavailable.Contains))
            {
                return false;
            }

            _ids.Add(command.Id);
            Accounts.UnionWith(command.Keys);
            Items.Add(item);
            return true;
        }
    }
}
