using System;
using System.Buffers;

namespace WecomPS.Protocol
{
    /// <summary>An <see cref="IBufferWriter{T}"/> over pooled arrays: frames are written once and sent from
    /// here.</summary>
    public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private readonly ArrayPool<byte> _pool;
        private byte[] _buffer;
        private int _written;

        public PooledBufferWriter(int initialCapacity = 512)
        {
            _pool = FramePools.For(initialCapacity);
            _buffer = _pool.Rent(initialCapacity);
        }

        public ArraySegment<byte> WrittenSegment => new ArraySegment<byte>(_buffer, 0, _written);
        public int WrittenCount => _written;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) { Ensure(sizeHint); return _buffer.AsMemory(_written); }
        public Span<byte> GetSpan(int sizeHint = 0) { Ensure(sizeHint); return _buffer.AsSpan(_written); }

        public void Clear() => _written = 0;

        private void Ensure(int sizeHint)
        {
            if (sizeHint < 1) sizeHint = 256;
            if (_buffer.Length - _written >= sizeHint) return;
            var bigger = _pool.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _written);
            _pool.Return(_buffer);
            _buffer = bigger;
        }

        public void Dispose()
        {
            var b = _buffer;
            _buffer = Array.Empty<byte>();
            _written = 0;
            if (b.Length > 0) _pool.Return(b);
        }
    }

    /// <summary>
    /// Where frame buffers come from. Small frames use the shared pool. Upload chunk frames (~700 KB) and chunk data
    /// use a bounded pool of their own: the shared pool keeps per-thread copies of big arrays, which made a 20 MB
    /// upload hold several MB more than its window of 4 chunks needs.
    /// </summary>
    public static class FramePools
    {
        private const int LargeThreshold = 64 * 1024;

        /// <summary>At most 8 arrays per size class, up to 2 MiB: a window of 4 chunks plus their frames
        /// fits.</summary>
        public static readonly ArrayPool<byte> Large = ArrayPool<byte>.Create(2 * 1024 * 1024, 8);

        public static ArrayPool<byte> For(int size) => size > LargeThreshold ? Large : ArrayPool<byte>.Shared;
    }
}
