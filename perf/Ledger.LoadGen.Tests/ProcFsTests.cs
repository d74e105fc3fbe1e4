using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ledger.LoadGen.Tests;

public class ProcFsTests
{
    // A real line of /proc/PID/stat (mariadbd), fields 14 and 15 (utime, stime) = 14853 and 7205, field 22 = 118866.
    private const string MariadbdStat =
        "876 (mariadbd) S 1 875 875 0 -1 4194624 338126 0 1 0 14853 7205 0 0 20 0 47 0 118866 8797364273152 172345 "
        + "18446744073709551615 94558722244608 94558744066096 140723839440912 0 0 0 543239 4102 26345 0 0 0 17 1 0 0 0 0 0";

    [Fact]
    public void ParseStat_RealLine_SumsUserAndSystemTicks()
    {
        Assert.Equal(new ProcStat(14853 + 7205, 118866), ProcFs.ParseStat(MariadbdStat));
    }

    [Theory]
    [InlineData("(sd-pam)")]
    [InlineData("(a b) c)")]
    [InlineData("(Ledger.Api)")]
    public void ParseStat_NameWithSpacesOrParentheses_CountsFieldsFromTheLastParenthesis(string name)
    {
        var line = $"4242 {name} R 1 1 1 0 -1 0 0 0 0 0 300 45 0 0 20 0 1 0 999 0 0";
        Assert.Equal(new ProcStat(345, 999), ProcFs.ParseStat(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no parenthesis at all 1 2 3")]
    [InlineData("12 (short) S 1 2 3")]
    [InlineData("12 (bad) S 1 1 1 0 -1 0 0 0 0 0 x 45 0 0 20 0 1 0 999")]
    public void ParseStat_NotAStatLine_IsNull(string text)
    {
        Assert.Null(ProcFs.ParseStat(text));
    }

    [Fact]
    public void ParseMachineStat_FirstLine_BusyIsAllButIdleAndIowait()
    {
        const string stat = "cpu  100 5 50 800 20 3 2 7 40 0\ncpu0 50 2 25 400 10 1 1 3 20 0\nintr 1\n";
        // user+nice+system+irq+softirq+steal = 100+5+50+3+2+7; guest (40) is already in user.
        Assert.Equal((167L, 987L), ProcFs.ParseMachineStat(stat));
    }

    [Fact]
    public void ParseMachineStat_OtherText_IsNull()
    {
        Assert.Null(ProcFs.ParseMachineStat("intr 1 2 3"));
    }

    [Fact]
    public void ListeningInodes_ProcNetTcp_OnlyListeningSocketsOnThePort()
    {
        const string tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 22745 1 0000000000000000 100 0 0 10 0
               1: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22811 1 0000000000000000 100 0 0 10 0
               2: 0100007F:0CEA 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   106        0 98765 1 0000000000000000 20 4 30 10 -1
               3: 0100007F:9C40 0100007F:0CEA 01 00000000:00000000 00:00000000 00000000     0        0 98766 1 0000000000000000 20 4 30 10 -1
            """;
        Assert.Equal(22745L, Assert.Single(ProcFs.ListeningInodes(tcp, 3306)));
        Assert.Equal(22811L, Assert.Single(ProcFs.ListeningInodes(tcp, 6379)));
        Assert.Empty(ProcFs.ListeningInodes(tcp, 40000));
    }

    [Fact]
    public void ListeningInodes_ProcNetTcp6_ReadsTheSameColumns()
    {
        const string tcp6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:13D8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0
            """;
        Assert.Equal(555L, Assert.Single(ProcFs.ListeningInodes(tcp6, 5080)));
    }

    [Theory]
    [InlineData("socket:[22745]", 22745L)]
    [InlineData("pipe:[22745]", null)]
    [InlineData("/var/tmp/ledger-dev/mysql/data/ibdata1", null)]
    [InlineData("socket:[]", null)]
    public void SocketInode_LinkTarget(string target, long? expected)
    {
        Assert.Equal(expected, ProcFs.SocketInode(target));
    }

    [Theory]
    // 2.5 s of CPU (250 ticks at 100 Hz) over 10,000 transfers: 250 µs each.
    [InlineData(1000, 1250, 100, 10_000, 250.0)]
    // The same at 1000 Hz.
    [InlineData(0, 2500, 1000, 10_000, 250.0)]
    // One tick over 3 transfers.
    [InlineData(7, 8, 100, 3, 10_000.0 / 3)]
    public void MicrosecondsPerTransfer_TicksOverTransfers(long before, long after, long hz, long transfers, double expected)
    {
        Assert.Equal(expected, ProcFs.MicrosecondsPerTransfer(before, after, hz, transfers)!.Value, 6);
    }

    [Theory]
    [InlineData(100, 200, 100, 0)]      // nothing posted
    [InlineData(200, 100, 100, 10)]     // the counter went backwards: not the same process
    [InlineData(100, 200, 0, 10)]       // no clock
    public void MicrosecondsPerTransfer_NoMeaningfulFigure_IsNull(long before, long after, long hz, long transfers)
    {
        Assert.Null(ProcFs.MicrosecondsPerTransfer(before, after, hz, transfers));
    }

    [Fact]
    public void Cores_TicksOverTheWindow()
    {
        // 30 s of CPU in a 20 s window: one and a half cores.
        Assert.Equal(1.5, ProcFs.Cores(500, 3500, 100, 20)!.Value, 6);
        Assert.Null(ProcFs.Cores(500, 3500, 100, 0));
    }

    [Fact]
    public void Read_ThisProcess_CountsItsOwnCpu()
    {
        var before = ProcFs.Read(Environment.ProcessId);
        var spin = Stopwatch.StartNew();
        var x = 0.0;
        while (spin.ElapsedMilliseconds < 120)
        {
            x += Math.Sqrt(spin.ElapsedTicks);
        }

        var after = ProcFs.Read(Environment.ProcessId);
        Assert.True(x > 0);
        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.Equal(before.Value.StartTime, after.Value.StartTime);
        Assert.True(after.Value.CpuTicks > before.Value.CpuTicks, $"{before} then {after}");
    }

    [Fact]
    public void ListeningOn_ASocketThisProcessListensOn_FindsThisProcess()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Equal(Environment.ProcessId, ProcFs.ListeningOn(port, [Environment.ProcessId]));
        Assert.Equal(Environment.ProcessId, ProcFs.ListeningOn(port, null));
        Assert.Null(ProcFs.ListeningOn(port, [1]));
    }

    [Fact]
    public void ByComm_ThisProcess_IsAmongThem()
    {
        var comm = File.ReadAllText($"/proc/{Environment.ProcessId}/comm").TrimEnd('\n');
        Assert.Contains(Environment.ProcessId, ProcFs.ByComm(comm));
        Assert.Empty(ProcFs.ByComm("no-such-process-name"));
    }
}
