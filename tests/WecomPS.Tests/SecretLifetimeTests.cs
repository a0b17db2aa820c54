using System;
using System.Threading;
using System.Threading.Tasks;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>The secret lives in memory only as long as auth and reconnects need it.</summary>
    public sealed class SecretLifetimeTests
    {
        [Fact]
        public async Task The_session_keeps_its_own_copy_and_wipes_it_when_it_ends()
        {
            using (var h = new SessionHarness())
            {
                var callerSecret = SessionHarness.Secure(h.Server.Secret);
                var session = new WecomSession(h.Options(o => o.Secret = callerSecret));
                await session.ConnectAsync(CancellationToken.None);
                Assert.NotSame(callerSecret, session.Options.Secret);
                Assert.Equal(callerSecret.Length, session.Options.Secret.Length);

                await session.DisconnectAsync();
                Assert.Throws<ObjectDisposedException>(() => session.Options.Secret.Length);
                Assert.Equal(h.Server.Secret.Length, callerSecret.Length);   // the caller's SecureString is untouched
            }
        }

        [Fact]
        public async Task A_rejected_secret_is_wiped_too()
        {
            using (var h = new SessionHarness())
            {
                var session = new WecomSession(h.Options(o => o.Secret = SessionHarness.Secure("wrong")));
                await Assert.ThrowsAsync<WecomCommandException>(() => session.ConnectAsync(CancellationToken.None));
                Assert.Equal(WecomSessionState.Failed, session.State);
                Assert.Throws<ObjectDisposedException>(() => session.Options.Secret.Length);
            }
        }
    }
}
