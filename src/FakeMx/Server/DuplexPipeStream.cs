using System.Buffers;
using System.IO.Pipelines;

namespace FakeMx.Server;

/// <summary>
/// The connection's pipes as one Stream, for <see cref="System.Net.Security.SslStream"/> to
/// run TLS over after STARTTLS. Disposing it leaves the pipes to Kestrel, which owns them.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    public DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        _input = input;
        _output = output;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(
        Memory<byte> destination,
        CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                // The monitor asked this connection to end (timeout, shutdown).
                _input.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The connection was asked to end.");
            }

            if (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, length).CopyTo(destination.Span);
                _input.AdvanceTo(buffer.GetPosition(length));
                return length;
            }

            _input.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return 0;
            }
        }
    }

    public override async ValueTask WriteAsync(
        ReadOnlyMemory<byte> source,
        CancellationToken cancellationToken = default)
    {
        var result = await _output.WriteAsync(source, cancellationToken);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The client is gone.");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Synchronous reads would block a thread on a hostile client.");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Synchronous writes would block a thread on a hostile client.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
