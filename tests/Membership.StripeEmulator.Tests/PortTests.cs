using System.Net;
using System.Net.Sockets;

namespace Membership.StripeEmulator.Tests;

public sealed class PortTests
{
    [Fact]
    public async Task StartAsync_FixedPortTaken_ThrowsSayingThePortIsInUse()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<StripeEmulatorPortInUseException>(() => StripeEmulator.StartAsync(new StripeEmulatorOptions { Port = port }));
        Assert.Contains($"127.0.0.1:{port} is already in use", ex.Message, StringComparison.Ordinal);
        Assert.Equal(port, ex.Port);
        Assert.IsAssignableFrom<IOException>(ex);
    }

    [Fact]
    public async Task StartAsync_FixedPortOfAnotherEmulator_ThrowsAndLeavesTheStateFolderFree()
    {
        await using var first = await StripeEmulator.StartAsync();
        var port = first.BaseUrl.Port;
        using var folder = new TempFolder();

        var ex = await Assert.ThrowsAsync<StripeEmulatorPortInUseException>(() => StripeEmulator.StartAsync(new StripeEmulatorOptions { Port = port, StateDirectory = folder.Path }));
        Assert.Contains($"127.0.0.1:{port} is already in use", ex.Message, StringComparison.Ordinal);

        // The failed start let go of the folder's lock.
        await using var second = await StripeEmulator.StartAsync(new StripeEmulatorOptions { StateDirectory = folder.Path });
        Assert.NotEqual(port, second.BaseUrl.Port);
    }

    [Fact]
    public async Task StartAsync_FreeFixedPort_ListensThere()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var emulator = await StripeEmulator.StartAsync(new StripeEmulatorOptions { Port = port });
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), emulator.BaseUrl);
    }
}
