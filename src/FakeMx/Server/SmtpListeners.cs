using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FakeMx.Server;

/// <summary>
/// The SMTP listeners as configured, and once Kestrel has bound them, the real endpoints
/// (port 0 becomes the port the kernel chose).
/// </summary>
public sealed class SmtpListeners
{
    private readonly List<ListenOptions> _listeners = [];

    internal void Add(ListenOptions listener) => _listeners.Add(listener);

    public IReadOnlyList<IPEndPoint> Endpoints => _listeners.Select(l => l.IPEndPoint!).ToList();
}
