using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Session;

namespace WecomPS.Cmdlets
{
    /// <summary>
    /// Base of every WecomPS cmdlet: waits for the core's async work on the pipeline thread without blocking it
    /// forever (Ctrl+C cancels), and writes what background threads report (Verbose, Debug, Warning, Progress)
    /// from the pipeline thread only.
    /// </summary>
    public abstract class WecomCmdlet : PSCmdlet, ILogSink
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<object> _pending = new ConcurrentQueue<object>();
        // A semaphore rather than an event: its Wait spins briefly before blocking, so a pipeline thread that is
        // woken for every message (Receive-WecomMessage -Wait) gets it sooner, and it observes Ctrl+C by itself.
        private readonly SemaphoreSlim _wake = new SemaphoreSlim(0);

        /// <summary>Cancelled by Ctrl+C (StopProcessing).</summary>
        protected CancellationToken StopToken => _stop.Token;

        protected override void StopProcessing() => _stop.Cancel();

        // ------------------------------------------------------------ background -> pipeline thread

        bool ILogSink.WantsDebug => IsSwitchOn("Debug") || PreferenceOn("DebugPreference");

        bool ILogSink.WantsVerbose => IsSwitchOn("Verbose") || PreferenceOn("VerbosePreference");

        void ILogSink.Write(LogLevel level, string message)
        {
            _pending.Enqueue(new LogLine(level, message));
            Wake();
        }

        /// <summary>Queues a progress record from any thread; it is written on the pipeline thread.</summary>
        protected internal void PostProgress(ProgressRecord record)
        {
            _pending.Enqueue(record);
            Wake();
        }

        /// <summary>Writes everything background threads queued. Pipeline thread only.</summary>
        protected void Drain()
        {
            while (_pending.TryDequeue(out var item))
            {
                switch (item)
                {
                    case LogLine line when line.Level == LogLevel.Warning: WriteWarning(line.Message); break;
                    case LogLine line when line.Level == LogLevel.Debug: WriteDebug(line.Message); break;
                    case LogLine line: WriteVerbose(line.Message); break;
                    case ProgressRecord p: WriteProgress(p); break;
                }
            }
        }

        /// <summary>Waits for <paramref name="task"/>, pumping output; Ctrl+C ends the wait with
        /// PipelineStoppedException.</summary>
        protected T Await<T>(Task<T> task)
        {
            task.ContinueWith(_ => Wake(), TaskContinuationOptions.ExecuteSynchronously);
            while (!task.IsCompleted)
            {
                try { _wake.Wait(_stop.Token); } catch (OperationCanceledException) { }
                Drain();
                if (_stop.IsCancellationRequested && !task.IsCompleted) throw new PipelineStoppedException();
            }
            Drain();
            return task.GetAwaiter().GetResult();
        }

        protected void Await(Task task) => Await(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; },
            TaskContinuationOptions.ExecuteSynchronously));

        /// <summary>Sleeps until something is posted, <paramref name="wakeUp"/> fires, or the timeout passes. False on
        /// Ctrl+C.</summary>
        protected bool WaitForWork(TimeSpan timeout)
        {
            if (timeout < TimeSpan.Zero) timeout = TimeSpan.Zero;
            if (timeout > TimeSpan.FromDays(1)) timeout = TimeSpan.FromDays(1);
            try { _wake.Wait(timeout, _stop.Token); } catch (OperationCanceledException) { }
            Drain();
            return !_stop.IsCancellationRequested;
        }

        /// <summary>Wakes <see cref="WaitForWork"/> from any thread.</summary>
        protected void Wake()
        {
            // One pending wake-up is enough: the woken thread drains everything that is queued.
            if (_wake.CurrentCount == 0) _wake.Release();
        }

        // ------------------------------------------------------------ errors

        protected ErrorRecord ErrorFor(Exception e, object target, string fallbackId = ErrorIds.Error,
            ErrorCategory fallbackCategory = ErrorCategory.NotSpecified)
        {
            if (e is AggregateException agg && agg.InnerExceptions.Count == 1) e = agg.InnerException;
            if (e is WecomException w) return new ErrorRecord(w, w.ErrorId, w.Category, target);
            return new ErrorRecord(e, fallbackId, fallbackCategory, target);
        }

        protected void WriteWecomError(Exception e, object target) => WriteError(ErrorFor(e, target));

        /// <summary>
        /// Runs the work for one target: a failure becomes a non-terminating error record naming that target (the
        /// pipeline goes on with the next one); Ctrl+C still ends the pipeline. False when it failed.
        /// </summary>
        protected bool TryRun(Action work, object target)
        {
            try { work(); return true; }
            catch (PipelineStoppedException) { throw; }
            catch (Exception e) { WriteWecomError(e, target); return false; }
        }

        protected void ThrowWecomError(Exception e, object target) => ThrowTerminatingError(ErrorFor(e, target));

        protected void ThrowError(string id, ErrorCategory category, string message, object target) =>
            ThrowTerminatingError(new ErrorRecord(new WecomException(id, category, message), id, category, target));

        protected void WriteError(string id, ErrorCategory category, string message, object target) =>
            WriteError(new ErrorRecord(new WecomException(id, category, message), id, category, target));

        // ------------------------------------------------------------ preferences

        protected bool IsSwitchOn(string name) =>
            MyInvocation.BoundParameters.TryGetValue(name, out var v)
                && (v is SwitchParameter s ? s.IsPresent : v is bool b && b);

        private bool PreferenceOn(string variable)
        {
            try { return GetVariableValue(variable) is ActionPreference p && p != ActionPreference.SilentlyContinue
                && p != ActionPreference.Ignore; }
            catch { return false; }
        }

        private sealed class LogLine
        {
            public readonly LogLevel Level; public readonly string Message;
            public LogLine(LogLevel level, string message) { Level = level; Message = message; }
        }
    }

    /// <summary>A cmdlet that works on a session: <c>-Session</c>, else the default one.</summary>
    public abstract class WecomSessionCmdlet : WecomCmdlet, IDisposable
    {
        private IDisposable _logAttachment;

        /// <summary>The session to use (an object from Connect-WecomBot -PassThru / Get-WecomSession, or a session
        /// name). Default: the last connected session.</summary>
        [Parameter]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public WecomSession Session { get; set; }

        /// <summary>The session this invocation uses; a terminating error when there is none.</summary>
        protected WecomSession ResolveSession()
        {
            var s = Session ?? SessionStore.Default;
            if (s == null)
                ThrowError(ErrorIds.NoSession, ErrorCategory.InvalidOperation,
                    "There is no WeCom session. Run Connect-WecomBot first (or pass -Session).", null);
            if (_logAttachment == null) _logAttachment = s.AttachLog(this);
            return s;
        }

        protected override void EndProcessing() { DetachLog(); base.EndProcessing(); }

        protected override void StopProcessing() { base.StopProcessing(); }

        protected void DetachLog()
        {
            Drain();
            _logAttachment?.Dispose();
            _logAttachment = null;
        }

        /// <summary>Called by the engine when the pipeline ends, also after Ctrl+C or an error: the session stops
        /// feeding this cmdlet.</summary>
        public void Dispose()
        {
            try { OnPipelineEnded(); }
            finally
            {
                _logAttachment?.Dispose();
                _logAttachment = null;
            }
        }

        /// <summary>
        /// Last chance to finish work when the pipeline ends without EndProcessing (Ctrl+C, an error upstream). The
        /// engine does not call StopProcessing on every command in every case, but it always disposes them.
        /// </summary>
        protected virtual void OnPipelineEnded() { }
    }
}
