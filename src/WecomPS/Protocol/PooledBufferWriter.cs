using System;
using System.Buffers;

namespace WecomPS.Protocol
{
    /// <summary>An <see cref="IBufferWriter{T}"/> over pooled arrays: frames are written once and sent from here.</summary>
    public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer;
        private int _written;

        public PooledBufferWriter(int initialCapacity = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

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
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _written);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        public void Dispose()
        {
            var b = _buffer;
            _buffer = Array.Empty<byte>();
            _written = 0;
            if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
        }
    }
}
