using System;
using System.Linq;
using WecomPS.Session;
using Xunit;

namespace WecomPS.Tests
{
    /// <summary>
    /// The dedup table keeps fingerprints instead of id strings and the chat table updates its entries in place
    /// (issue 14: nothing per message outlives the message). What a user sees must not change.
    /// </summary>
    public sealed class InboundTablesTests
    {
        [Fact]
        public void The_dedup_table_tells_apart_ids_that_differ_in_one_character_or_in_order()
        {
            var ids = new RecentIds(capacity: 300000, window: TimeSpan.FromHours(24), maxIds: 300000);
            var all = new[] { "a", "b", "ab", "ba", "aa", "\u4f60", "\u4f61", "msg\0", "msg", "MSG" }
                .Concat(Enumerable.Range(0, 200000).Select(i => "msgid-" + i.ToString("x")))
                .Concat(Enumerable.Range(0, 5000).Select(i => new string('x', i % 97 + 1) + i))
                .ToList();
            foreach (var id in all) Assert.True(ids.TryAccept(id, DateTime.UtcNow), "taken for a duplicate: " + id);
            foreach (var id in all.Take(50)) Assert.False(ids.TryAccept(id, DateTime.UtcNow), "redelivery kept: " + id);
            Assert.Equal(all.Count, ids.Count);
        }

        [Fact]
        public void Each_dedup_table_has_its_own_seed_so_colliding_ids_cannot_be_computed_in_advance()
        {
            var one = new RecentIds(10, TimeSpan.FromHours(1));
            var other = new RecentIds(10, TimeSpan.FromHours(1));
            Assert.Equal(one.PrintOf("msgid-1"), one.PrintOf("msgid-1"));
            Assert.NotEqual(one.PrintOf("msgid-1"), other.PrintOf("msgid-1"));
            Assert.NotEqual(one.PrintOf("msgid-1").GetHashCode(), other.PrintOf("msgid-1").GetHashCode());
        }

        [Fact]
        public void The_dedup_table_forgets_an_id_after_its_window_once_over_capacity()
        {
            var now = new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc);
            var ids = new RecentIds(capacity: 2, window: TimeSpan.FromMinutes(10), maxIds: 100);
            Assert.True(ids.TryAccept("m1", now));
            Assert.True(ids.TryAccept("m2", now));
            Assert.True(ids.TryAccept("m3", now));
            Assert.False(ids.TryAccept("m1", now.AddMinutes(9)));     // inside the window: still a redelivery
            Assert.True(ids.TryAccept("m4", now.AddMinutes(11)));     // m1 and m2 are now forgotten
            Assert.True(ids.TryAccept("m1", now.AddMinutes(11)));
        }

        [Fact]
        public void A_known_chat_shows_its_last_message_time_and_sender_and_snapshots_do_not_move()
        {
            var chats = new KnownChats(10);
            var t0 = DateTimeOffset.UtcNow;
            chats.Seen("wrchat1", "group", "alice", t0);
            var before = chats.Snapshot().Single();
            chats.Seen("wrchat1", "group", "alice", t0.AddSeconds(5));
            chats.Seen("wrchat1", "group", "bob", t0.AddSeconds(9));
            var after = chats.Snapshot().Single();
            Assert.Equal(t0, before.LastSeen);                          // a snapshot is a copy
            Assert.Equal("alice", before.LastUserId);
            Assert.Equal(t0.AddSeconds(9), after.LastSeen);
            Assert.Equal("bob", after.LastUserId);
            chats.Seen("wrchat1", "group", "bob", t0.AddSeconds(12));
            Assert.Equal(t0.AddSeconds(12), chats.Snapshot().Single().LastSeen);
            Assert.Equal(1, chats.Count);
        }
    }
}
