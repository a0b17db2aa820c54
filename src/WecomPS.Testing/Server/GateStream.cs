using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace WecomPS.Testing.Server
{
    /// <summary>
    /// The stream the server-side WebSocket reads from. It first replays bytes read past the HTTP head, and while
    /// the server is silent it swallows everything that arrives, so the WebSocket sees nothing: no frames, and
    /// no WebSocket pings to auto-answer with pongs.
    /// </summary>
    internal sealed class GateStream : Stream
    {
        private readonly Stream _inner;
        private readonly Func<bool> _isSilent;
        private byte[] _prefix;
        private int _prefixOffset;
        private int _swallowed;

        public GateStream(Stream inner, byte[] prefix, Func<bool> isSilent)
        {
            _inner = inner;
            _prefix = prefix != null && prefix.Length > 0 ? prefix : null;
            _isSilent = isSilent;
        }

        /// <summary>True once bytes were discarded: the WebSocket framing is then broken and the connection
        /// unusable.</summary>
        public bool HasSwallowed => Volatile.Read(ref _swallowed) != 0;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set
            => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer,
            CancellationToken cancellationToken = default)
        {
            if (_prefix != null)
            {
                int count = Math.Min(buffer.Length, _prefix.Length - _prefixOffset);
                _prefix.AsMemory(_prefixOffset, count).CopyTo(buffer);
                _prefixOffset += count;
                if (_prefixOffset == _prefix.Length) _prefix = null;
                return count;
            }

            while (true)
            {
                int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0 || !_isSilent()) return read;
                Volatile.Write(ref _swallowed, 1);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count,
            CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count,
            CancellationToken.None).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer,
            CancellationToken cancellationToken = default) =>
            _inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override void Flush() => _inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
