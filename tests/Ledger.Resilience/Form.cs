namespace Ledger.Resilience;

/// <summary>How long and how hard: the short form runs in CI (about three minutes in all), the long form gives the
/// published results in docs/resilience.md.</summary>
internal sealed record Form(
    string Name,
    int Accounts,
    int PostsPerSecond,
    int ReadsPerSecond,
    TimeSpan LeadIn,
    TimeSpan Hold,
    TimeSpan LeadOut,
    TimeSpan ShutdownDrainDelay)
{
    public static readonly Form Short = new("short", 40, 150, 50,
        TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1));

    public static readonly Form Long = new("long", 200, 500, 200,
        TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
}
