using System;
using System.Collections.Generic;

namespace WecomPS.Session
{
    public enum LogLevel { Debug, Verbose, Warning }

    /// <summary>Receives what a session does on the wire. Cmdlets attach one for the time they run.</summary>
    public interface ILogSink
    {
        /// <summary>Debug lines (whole redacted frames) cost time to build: a sink that does not want them says
        /// so.</summary>
        bool WantsDebug { get; }
        /// <summary>Likewise for the Verbose lines built per message and per command on hot paths.</summary>
        bool WantsVerbose { get; }
        void Write(LogLevel level, string message);
    }

    /// <summary>Fans log lines out to the attached sinks. Callers redact before writing: nothing here sees
    /// secrets.</summary>
    public sealed class SessionLog
    {
        private readonly object _gate = new object();
        private ILogSink[] _sinks = new ILogSink[0];

        private volatile bool _debug, _verbose;

        /// <summary>True when some attached sink shows Debug lines: only then are frames redacted for
        /// display.</summary>
        public bool DebugEnabled => _debug;
        /// <summary>True when some attached sink shows Verbose lines: per-message and per-command lines are built only
        /// then.</summary>
        public bool VerboseEnabled => _verbose;

        public IDisposable Attach(ILogSink sink)
        {
            lock (_gate) { var list = new List<ILogSink>(_sinks) { sink }; _sinks = list.ToArray(); Recompute(); }
            return new Detacher(this, sink);
        }

        private void Recompute()
        {
            bool debug = false, verbose = false;
            foreach (var s in _sinks) { debug |= s.WantsDebug; verbose |= s.WantsVerbose; }
            _debug = debug;
            _verbose = verbose || debug;
        }

        public void Write(LogLevel level, string message)
        {
            var sinks = _sinks;
            foreach (var s in sinks)
            {
                try { s.Write(level, message); } catch { /* a sink never breaks the session */ }
            }
        }

        public void Verbose(string message) => Write(LogLevel.Verbose, message);
        public void Debug(string message) => Write(LogLevel.Debug, message);
        public void Warning(string message) => Write(LogLevel.Warning, message);

        private sealed class Detacher : IDisposable
        {
            private SessionLog _log; private readonly ILogSink _sink;
            public Detacher(SessionLog log, ILogSink sink) { _log = log; _sink = sink; }
            public void Dispose()
            {
                var log = _log; if (log == null) return; _log = null;
                lock (log._gate) { var list = new List<ILogSink>(log._sinks); list.Remove(_sink); log._sinks =
                    list.ToArray(); log.Recompute(); }
            }
        }
    }
}
