using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FakeMx.Web;

/// <summary>
/// The HTTP listener once Kestrel has bound it, so tests and the start-up log can name the real
/// port when the configured one was 0.
/// </summary>
public sealed class WebListener
{
    private ListenOptions? _listener;

    internal void Set(ListenOptions listener) => _listener = listener;

    /// <summary>The bound endpoint; null when the endpoint is off or not bound yet.</summary>
    public IPEndPoint? Endpoint => _listener?.IPEndPoint;
}
