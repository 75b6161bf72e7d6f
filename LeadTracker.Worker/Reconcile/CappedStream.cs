namespace LeadTracker.Worker.Reconcile;

/// <summary>Thrown by <see cref="CappedStream"/> when the stream holds more than its cap.</summary>
internal sealed class StreamCapExceededException(long cap) : IOException($"more than {cap} bytes")
{
    public long Cap { get; } = cap;
}

/// <summary>
/// Reads through to another stream and throws <see cref="StreamCapExceededException"/> as soon as more than
/// <see cref="Cap"/> bytes came through, so a parser reading from it never holds more than the cap (plus one read),
/// whatever the server sends and whether or not it declared a length.
/// </summary>
internal sealed class CappedStream(Stream inner, long cap) : Stream
{
    private long _read;

    public long Cap => cap;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, Allowed(count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    // One byte past the cap is enough to know the body is too long; never ask for more than that.
    private int Allowed(int wanted) => (int)Math.Min(wanted, cap - _read + 1);

    private int Count(int read)
    {
        _read += read;
        if (_read > cap) throw new StreamCapExceededException(cap);
        return read;
    }
}
