#!/usr/bin/python3
"""Replication under faults; every test ends comparing keyspaces key by key.

Checked against Debian's redis-server 7.0.15 (PETREL_TEST_TARGET=redis). Servers of the target
kind bind 127.0.0.1 on free ports in temporary directories, each in its own session (a kill
takes the whole process group, diskless-sync children included), with
`--repl-diskless-sync-delay 0`. Links are dropped with a forwarding proxy (TcpProxy) or by
stopping a replica with SIGSTOP; a fake primary (a Python socket server) sends garbage. No
fixed sleeps: every wait is on a condition with a bounded timeout.

1. A replica restarted (SIGTERM, RDB saved) under write load resyncs partially.
2. A primary killed and restarted empty: the replica resyncs fully and keeps no stale key.
3. The link dropped in the middle of a full sync: the replica retries and completes. A replica
   asking for a full sync while a diskless transfer to a stalled replica runs gets its own;
   so do replicas that take full syncs back to back, each closing right after its payload.
4. A write burst larger than repl-backlog-size while the link is down: full resync (a small
   gap resyncs partially), no divergence.
5. A stopped replica past `client-output-buffer-limit replica 1mb 0 0` is disconnected by the
   primary and resyncs when it runs again.
6. Wrong masterauth: the replica logs the AUTH failure, retries, the link stays down; CONFIG SET
   masterauth brings it up. No masterauth at all: the link stays down too.
7. A primary sending garbage (PSYNC reply, payload header, RDB signature, command stream): the
   replica drops the link, retries, never crashes, and ends with the good data. A command the
   replica does not know is reported to the primary and the link is kept. A corrupt RDB
   (checksum, truncation) must not crash Petrel either (redis-server 7.0 exits on it: that
   test runs against Petrel only).
"""

import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402
import replication_testlib as rl  # noqa: E402
from persistence_testlib import RdbWriter, compare_keyspaces, dump_keyspace  # noqa: E402

KIND = tl.target_kind()
HOST = tl.HOST
OK = b"+OK\r\n"

# Redis 7.0's log lines (the text after "pid:role date time level").
LOG_AUTH_FAILED = ("Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user "
                   "is disabled.")


def sync_stats(srv):
    """(sync_full, sync_partial_ok, sync_partial_err) from INFO stats."""
    s = srv.info("stats")
    return int(s["sync_full"]), int(s["sync_partial_ok"]), int(s["sync_partial_err"])


def write_dataset(srv, prefix, n=2000, value_size=64, seed=1):
    """Strings, hashes and TTL keys under `prefix` in dbs 0 and 4."""
    rnd = random.Random(seed)
    cmds = [("SELECT", 0)]
    for i in range(n):
        cmds.append(("SET", f"{prefix}:s:{i}", rnd.randbytes(value_size)))
        if i % 10 == 0:
            cmds.append(("HSET", f"{prefix}:h:{i}", "a", i, "b", rnd.randbytes(20)))
        if i % 25 == 0:
            cmds.append(("SET", f"{prefix}:ttl:{i}", i, "EX", 100000 + i))
    cmds += [("SELECT", 4)] + [("SET", f"{prefix}:db4:{i}", i) for i in range(200)]
    cmds.append(("SELECT", 0))
    with srv.client(30) as c:
        bad = [r for r in c.pipeline(cmds) if isinstance(r, tl.RespError)]
    if bad:
        raise AssertionError(f"dataset writes failed: {bad[:3]}")


def burst(srv, prefix, total_bytes, value_size=1024):
    """Write about total_bytes of SETs (random values)."""
    rnd = random.Random(total_bytes)
    n = max(1, total_bytes // value_size)
    with srv.client(60) as c:
        for start in range(0, n, 500):
            cmds = [("SET", f"{prefix}:{i}", rnd.randbytes(value_size))
                    for i in range(start, min(n, start + 500))]
            bad = [r for r in c.pipeline(cmds) if isinstance(r, tl.RespError)]
            if bad:
                raise AssertionError(f"burst writes failed: {bad[:3]}")


class FaultTest(rl.ReplicationTestCase):
    def assert_same(self, primary, replica, what=""):
        rl.wait_synced(primary, [replica], timeout=60)
        return self.assert_same_keyspace(primary, replica, what)

    # 1 ------------------------------------------------------------------------------------
    def test_replica_restart_under_write_load(self):
        p = self.server(name="primary", args=["--repl-backlog-size", "64mb"])
        write_dataset(p, "pre")
        r = self.replica(p, args=["--save", "3600 1"], at_start=True)
        writer = self.load_writer(p, pause=0.001)
        writer.wait_acked(3000)
        rl.wait_link_up(r)
        before = sync_stats(p)
        self.assertEqual(r.terminate(), 0)           # saves the RDB with replid and offset
        writer.wait_acked(writer.acked + 3000)       # writes the replica misses
        r.start()
        rl.wait_link_up(r)
        writer.wait_acked(writer.acked + 3000)       # writes streamed after the resync
        writer.stop()
        self.assert_same(p, r, "after the restart under load")
        full, ok, err = sync_stats(p)
        self.assertEqual((full, ok, err), (before[0], before[1] + 1, before[2]),
                         "sync_full, sync_partial_ok, sync_partial_err: a partial resync")

    # 2 ------------------------------------------------------------------------------------
    def test_primary_restart_full_resync_no_stale_data(self):
        p = self.server(name="primary")
        write_dataset(p, "old")
        r = self.replica(p, at_start=True)
        rl.wait_synced(p, [r])
        old_id = p.info()["master_replid"]
        p.kill9()
        tl.wait_until(lambda: r.info()["master_link_status"] == "down", timeout=20,
                      what="the replica to notice the primary is gone")
        # Stale data is still served meanwhile (replica-serve-stale-data yes).
        self.assertIsNotNone(r.call("GET", "old:s:1"))
        p.start()                                    # same port, no persistence: empty
        write_dataset(p, "new", n=500, seed=2)
        self.assertEqual(p.raw("SET", "marker", "restarted"), OK)
        rl.wait_synced(p, [r], timeout=60)
        dump = self.assert_same(p, r, "after the primary's restart")
        stale = [k for db in dump.values() for k in db if k.startswith(b"old:")]
        self.assertEqual(stale, [])
        self.assertIsNone(r.call("GET", "old:s:1"))
        self.assertEqual(r.call("GET", "marker"), b"restarted")
        self.assertNotEqual(r.info()["master_replid"], old_id)
        self.assertEqual(r.info()["master_replid"], p.info()["master_replid"])
        self.assertEqual(sync_stats(p)[0], 1)

    # 3 ------------------------------------------------------------------------------------
    def test_link_dropped_mid_full_sync(self):
        p = self.server(name="primary")
        write_dataset(p, "big", n=4000, value_size=1000)   # about 4 MB of random values
        proxy = self.proxy(p.port)
        proxy.cut_downstream(400000)                       # the first link dies at 400 kB
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, proxy.port), OK)
        self.assertTrue(proxy.cut_done.wait(30), "the proxy never cut the first link")
        self.assertEqual(p.raw("SET", "after-cut", "1"), OK)
        rl.wait_synced(p, [r], timeout=60)
        self.assertGreaterEqual(proxy.connections, 2)
        self.assertGreaterEqual(sync_stats(p)[0], 2, "a second full sync")
        self.assertEqual(r.call("GET", "after-cut"), b"1")
        self.assert_same(p, r, "after the interrupted full sync")

    def full_sync_during_another_transfer(self, close_first):
        p = self.server(name="primary", args=["--repl-ping-replica-period", "3600"])
        write_dataset(p, "big", n=20000, value_size=1000)  # 20 MB: more than socket buffers
        stalled = rl.ReplicaLink(p.port)
        self.addCleanup(stalled.close)
        stalled.handshake()
        self.assertTrue(stalled.psync().startswith("+FULLRESYNC"))
        stalled.read_exact(100000, 30)                    # some of the payload, then no more
        if close_first:
            stalled.close()
            tl.wait_until(lambda: p.info()["connected_slaves"] == "0", timeout=20,
                          what="the primary to drop the stalled replica")
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), OK)
        port = f"port={r.port},"
        tl.wait_until(lambda: any(port in v for k, v in p.info().items()
                                  if k.startswith("slave")),
                      timeout=20, what="the primary to list the second replica")
        stalled.close()
        self.assert_same(p, r, "the replica that asked during the other transfer")
        self.assertGreaterEqual(sync_stats(p)[0], 2)

    def test_back_to_back_full_syncs(self):
        """Raw replicas that each take a full sync and disconnect right after the payload,
        one after the other, then a pair of them overlapping: every one gets its own
        +FULLRESYNC and payload (Redis starts the next transfer once the previous child has
        exited, about 0.1 s later), and a real replica attached afterwards syncs too."""
        p = self.server(name="primary", args=["--repl-ping-replica-period", "3600"])
        write_dataset(p, "d", n=200)

        def full_sync(tag):
            link = rl.ReplicaLink(p.port, timeout=20)
            self.addCleanup(link.close)
            link.handshake()
            line = link.psync(timeout=20)
            self.assertRegex(line, r"^\+FULLRESYNC [0-9a-f]{40} \d+$", tag)
            rdb, _ = link.read_payload(timeout=20)
            self.assertTrue(rdb.startswith(b"REDIS"), tag)
            return link

        for i in range(3):
            full_sync(f"sequential sync {i}").close()
        a = full_sync("overlapping sync A")
        b = full_sync("overlapping sync B (A still connected)")
        a.close()
        b.close()
        full_sync("sync after A and B closed").close()
        r = self.replica(p, wait=False)
        self.assert_same(p, r, "a real replica after the raw ones")

    def test_full_sync_requested_during_another_transfer(self):
        """A replica asks for a full sync while a diskless transfer to another (stalled)
        replica runs: it must get its own +FULLRESYNC and payload (Redis: "Current BGSAVE has
        socket target. Waiting for next BGSAVE for SYNC"; once the stalled replica is gone,
        "Diskless rdb transfer, last replica dropped, killing fork child." and a new transfer
        starts), not be counted as served by the transfer it never saw. No periodic PING, so
        a replica left waiting for its FULLRESYNC would wait for repl-timeout (60 s)."""
        self.full_sync_during_another_transfer(close_first=False)

    def test_full_sync_requested_after_a_transfer_lost_its_replica(self):
        """The same, the stalled replica's link closed first (the transfer has no replica
        left; Redis kills it) and the new replica asking right after."""
        self.full_sync_during_another_transfer(close_first=True)

    # 4 ------------------------------------------------------------------------------------
    def test_write_burst_larger_than_backlog(self):
        p = self.server(name="primary", args=["--repl-backlog-size", "64kb"])
        write_dataset(p, "pre", n=500)
        proxy = self.proxy(p.port)
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, proxy.port), OK)
        rl.wait_synced(p, [r])
        self.assertEqual(p.info()["repl_backlog_size"], str(64 * 1024))
        # A gap that fits in the backlog: partial resync.
        before = sync_stats(p)
        proxy.block()
        tl.wait_until(lambda: p.info()["connected_slaves"] == "0", timeout=20,
                      what="the primary to lose the replica")
        burst(p, "small", 16 * 1024)
        proxy.unblock()
        rl.wait_synced(p, [r], timeout=30)
        self.assertEqual(sync_stats(p), (before[0], before[1] + 1, before[2]),
                         "small gap: sync_full, sync_partial_ok, sync_partial_err")
        self.assert_same(p, r, "after the small gap")
        # A burst 30 times the backlog: the offset is gone from it, a full resync.
        before = sync_stats(p)
        proxy.block()
        tl.wait_until(lambda: p.info()["connected_slaves"] == "0", timeout=20,
                      what="the primary to lose the replica")
        burst(p, "burst", 2 * 1024 * 1024)
        proxy.unblock()
        rl.wait_synced(p, [r], timeout=60)
        self.assertEqual(sync_stats(p), (before[0] + 1, before[1], before[2] + 1),
                         "burst: sync_full, sync_partial_ok, sync_partial_err")
        self.assert_same(p, r, "after the burst")

    # 5 ------------------------------------------------------------------------------------
    def test_replica_past_output_buffer_limit(self):
        p = self.server(name="primary",
                        args=["--client-output-buffer-limit", "replica 1mb 0 0"])
        write_dataset(p, "pre", n=500)
        r = self.replica(p)
        before = sync_stats(p)
        r.pause()                                     # SIGSTOP: it reads nothing any more
        try:
            burst(p, "burst", 32 * 1024 * 1024, value_size=16 * 1024)
            tl.wait_until(lambda: p.info()["connected_slaves"] == "0", timeout=20,
                          what="the primary to disconnect the replica past its limit")
            self.assertEqual(p.raw("SET", "while-stopped", "1"), OK)
        finally:
            r.resume()
        rl.wait_synced(p, [r], timeout=60)
        self.assertEqual(sync_stats(p)[0], before[0] + 1, "a full resync")
        self.assertEqual(r.call("GET", "while-stopped"), b"1")
        self.assert_same(p, r, "after the output-buffer disconnection")

    # 6 ------------------------------------------------------------------------------------
    def test_wrong_masterauth(self):
        p = self.server(name="primary", args=["--requirepass", "right"], password="right")
        write_dataset(p, "pre", n=300)
        r = self.server(name="replica", args=["--masterauth", "wrong"])
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), OK)
        # The failure is logged on every attempt (one a second).
        tl.wait_until(lambda: r.log().count(LOG_AUTH_FAILED) >= 2, timeout=20,
                      what="two logged AUTH failures")
        self.assertEqual(r.info()["master_link_status"], "down")
        self.assertEqual(p.info()["connected_slaves"], "0")
        self.assertTrue(r.alive())
        self.assertEqual(r.raw("CONFIG", "SET", "masterauth", "right"), OK)
        rl.wait_link_up(r)
        self.assert_same(p, r, "after fixing masterauth")
        # No masterauth at all: the primary answers -NOAUTH, the link never comes up.
        r2 = self.server(name="replica-noauth")
        self.assertEqual(r2.raw("REPLICAOF", HOST, p.port), OK)
        self.assertEqual(r2.raw("SET", "x", "y"),
                         b"-READONLY You can't write against a read only replica.\r\n")
        tl.wait_until(lambda: "NOAUTH" in r2.log(), timeout=20,
                      what="the replica to log the primary's -NOAUTH")
        self.assertEqual(r2.info()["master_link_status"], "down")
        self.assertEqual(p.info()["connected_slaves"], "1")
        self.assertEqual(r2.raw("CONFIG", "SET", "masterauth", "right"), OK)
        rl.wait_synced(p, [r, r2], timeout=30)
        self.assert_same(p, r2, "second replica after setting masterauth")

    # 7 ------------------------------------------------------------------------------------
    def good_dataset(self):
        """(rdb bytes, stream bytes sent after it, the keyspace both make, in dump_keyspace()
        form with PTTLs about right)."""
        now = int(time.time() * 1000)
        w = RdbWriter().aux("repl-stream-db", 0).aux("repl-id", "f" * 40).aux("repl-offset", 0)
        w.select(0)
        expected = {0: {}, 2: {}}
        for i in range(200):
            w.string(f"k{i}", f"v{i}")
            expected[0][f"k{i}".encode()] = ("string", f"v{i}".encode(), -1)
        w.hash_table("h", {b"f1": b"1", b"f2": b"two"})
        expected[0][b"h"] = ("hash", {b"f1": b"1", b"f2": b"two"}, -1)
        w.expire_ms(now + 10 ** 8).string("ttl", "t")
        expected[0][b"ttl"] = ("string", b"t", 10 ** 8)
        w.select(2).string("db2", "x")
        expected[2][b"db2"] = ("string", b"x", -1)
        stream = (tl.encode_command("SELECT", 2) + tl.encode_command("SET", "streamed", "1") +
                  tl.encode_command("SELECT", 0) + tl.encode_command("DEL", "k0"))
        expected[2][b"streamed"] = ("string", b"1", -1)
        del expected[0][b"k0"]
        return w.finish(), stream, expected

    @staticmethod
    def full_sync(rdb):
        return b"+FULLRESYNC %s 0\r\n$%d\r\n" % (b"f" * 40, len(rdb)) + rdb

    def check_ends_with_good_data(self, r, fake, stream, expected):
        rl.wait_link_up(r, timeout=30)
        fake.send(stream)
        offset = str(len(stream))
        tl.wait_until(lambda: r.info()["slave_repl_offset"] == offset, timeout=20,
                      what="the stream to be applied")
        with r.client() as c:
            problems = compare_keyspaces(expected, dump_keyspace(c), ttl_tolerance_ms=60000)
        self.assertEqual(problems, [], "the replica's keyspace after the good sync")
        r.check_alive()

    def test_garbage_from_primary(self):
        rdb, stream, expected = self.good_dataset()
        good = self.full_sync(rdb)
        scripts = [
            # 1. A PSYNC reply that is no reply at all (Redis: "Unexpected reply to PSYNC from
            #    master", retries with SYNC on the same link, then "Bad protocol from MASTER,
            #    the first byte is not '$'" and reconnects).
            bytes(range(1, 256)) * 4,
            # 2. +FULLRESYNC, then a payload header that is not $<len> / $EOF:.
            b"+FULLRESYNC " + b"e" * 40 + b" 0\r\n#!garbage\r\n",
            # 3. A payload whose bytes are not an RDB ("Wrong signature").
            b"+FULLRESYNC " + b"e" * 40 + b" 0\r\n$40\r\n" + b"NOTANRDB" * 5,
            # 4. A good sync, then a command stream that is not RESP (protocol error).
            self.full_sync(RdbWriter().select(0).string("stale", "x").finish()) +
            b"*2\r\n$3\r\nSET\r\nxx\r\n\x00\xff garbage",
            # 5. Finally a good sync (repeated for any further attempt).
            good,
        ]
        fake = self.fake_primary(scripts)
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, fake.port), OK)
        fake.wait_count("psync", len(scripts), timeout=30)
        self.check_ends_with_good_data(r, fake, stream, expected)
        self.assertIsNone(r.call("GET", "stale"))
        # Every bad link was dropped by the replica, which connected again each time.
        self.assertGreaterEqual(fake.count("connect"), len(scripts))
        self.assertGreaterEqual(fake.count("closed"), len(scripts) - 1)

    def test_unknown_command_in_stream(self):
        """A command the replica does not know is answered with an error to the primary (the
        link stays up) and the following commands are applied; offsets count all bytes."""
        rdb, stream, expected = self.good_dataset()
        fake = self.fake_primary([self.full_sync(rdb)])
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, fake.port), OK)
        rl.wait_link_up(r)
        bad = tl.encode_command("NOSUCHCOMMAND", "x")
        fake.send(bad)
        fake.send(stream)
        total = str(len(bad) + len(stream))
        tl.wait_until(lambda: r.info()["slave_repl_offset"] == total, timeout=20,
                      what="the stream after the unknown command to be applied")
        with r.client() as c:
            self.assertEqual(compare_keyspaces(expected, dump_keyspace(c), 60000), [])
        self.assertEqual(fake.count("connect"), 1, "the link was dropped")
        self.assertEqual(r.info()["master_link_status"], "up")

        def acked():
            with fake.cond:
                return any(kind == "command" and d[:2] == [b"REPLCONF", b"ACK"] and
                           d[2] == total.encode() for kind, n, d in fake.events)
        tl.wait_until(acked, timeout=10, what=f"REPLCONF ACK {total}")
        r.check_alive()

    @unittest.skipIf(KIND == "redis", "redis-server 7.0 exits when its master sends an RDB with "
                     "a bad checksum ('Wrong RDB checksum ... Aborting now.', 'Internal error in "
                     "RDB reading offset 0, function at rdb.c:3225 -> RDB CRC error')")
    def test_corrupt_rdb_from_primary_does_not_crash(self):
        rdb, stream, expected = self.good_dataset()
        bad_crc = rdb[:-8] + bytes(8 * [1])
        truncated = rdb[:len(rdb) // 2]
        scripts = [
            b"+FULLRESYNC " + b"e" * 40 + b" 0\r\n$%d\r\n" % len(bad_crc) + bad_crc,
            # The length says more than comes; the primary then closes the link.
            lambda sock: (sock.sendall(b"+FULLRESYNC " + b"e" * 40 + b" 0\r\n$%d\r\n"
                                       % len(rdb) + truncated), sock.shutdown(2)),
            # A length-framed payload holding a truncated RDB.
            b"+FULLRESYNC " + b"e" * 40 + b" 0\r\n$%d\r\n" % len(truncated) + truncated,
            # An unknown value type inside a well-framed RDB.
            self.full_sync(RdbWriter().select(0).raw(b"\x77\x01k\x01v").finish()),
            self.full_sync(rdb),
        ]
        fake = self.fake_primary(scripts)
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, fake.port), OK)
        fake.wait_count("psync", len(scripts), timeout=30)
        self.check_ends_with_good_data(r, fake, stream, expected)


if __name__ == "__main__":
    unittest.main(verbosity=2)
