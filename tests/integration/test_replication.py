#!/usr/bin/python3
"""Replication: primary/replica pairs, chains, promotion, and Redis 7.0 interop both ways.

Every expectation here was checked against Debian's redis-server 7.0.15 (run the suite with
PETREL_TEST_TARGET=redis). Primaries and replicas are of the target kind unless a test says
otherwise; the interop tests pair one Redis with one Petrel (Redis with Redis when the target
is redis). Servers bind 127.0.0.1 on free ports in temporary directories and get
`--repl-diskless-sync-delay 0`; nothing sleeps for a fixed time, every wait is on a condition
(link up, offsets equal) with a bounded timeout.

 1. `replicaof` in a config file and `--replicaof host port` on the command line.
 2. REPLICAOF / SLAVEOF replies (+OK, "+OK Already connected to specified master", NO ONE,
    -ERR Invalid master port, arity errors).
 3. Data written before and after attaching (strings, hashes, TTLs as the same absolute times,
    several dbs, MULTI/EXEC, FLUSHDB, SWAPDB, INCRBYFLOAT, expiry as a DEL from the primary).
 4. The command stream a raw replica receives: handshake replies, +FULLRESYNC, the payload,
    SELECT, absolute expiries (PXAT, PEXPIREAT), INCRBYFLOAT as SET KEEPTTL, MULTI/EXEC whole,
    DEL for expired keys, REPLCONF GETACK for WAIT, offsets counted byte by byte.
 5. The handshake a replica sends (to a fake primary): PING, AUTH user pass, REPLCONF
    listening-port, REPLCONF capa eof capa psync2, PSYNC ? -1.
 6. -READONLY on writes to a replica; replica-read-only no; -NOREPLICAS
    (min-replicas-to-write); -MASTERDOWN (replica-serve-stale-data no).
 7. Replicas hide logically expired keys and wait for the primary's DEL (a real primary paused
    with CLIENT PAUSE WRITE; a fake primary whose RDB holds expired keys).
 8. INFO replication field names in Redis's order (asked from live redis-servers) and values;
    ROLE; WAIT.
 9. Partial resync after a replica restart; a chain A -> B -> C; PSYNC2 after a promotion;
    masterauth / masteruser.
10. Interop under redis-benchmark load: Petrel replica of a Redis primary and Redis replica of a
    Petrel primary, keyspaces compared key by key.
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402
import replication_testlib as rl  # noqa: E402
from persistence_testlib import RdbWriter, parse_rdb  # noqa: E402

KIND = tl.target_kind()
HOST = tl.HOST

# Redis 7.0's replies, checked byte for byte.
OK = b"+OK\r\n"
ALREADY_CONNECTED = b"+OK Already connected to specified master\r\n"
READONLY = b"-READONLY You can't write against a read only replica.\r\n"
INVALID_PORT = b"-ERR Invalid master port\r\n"
NOREPLICAS = b"-NOREPLICAS Not enough good replicas to write.\r\n"
MASTERDOWN = (b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to "
              b"'no'.\r\n")
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
WAIT_ON_REPLICA = (b"-ERR WAIT cannot be used with replica instances. Please also note that "
                   b"since Redis 4.0 if a replica is configured to be writable (which is not "
                   b"the default) writes to replicas are just local and are not propagated.\r\n")

# INFO replication with the link up, in Redis 7.0's order (server.c genRedisInfoString); the
# live servers are asked too, these lists only document what they answer.
PRIMARY_FIELDS = [
    "role", "connected_slaves", "slave0", "master_failover_state", "master_replid",
    "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
    "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen",
]
REPLICA_FIELDS = [
    "role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
    "master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
    "slave_read_only", "replica_announced", "connected_slaves", "master_failover_state",
    "master_replid", "master_replid2", "master_repl_offset", "second_repl_offset",
    "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset",
    "repl_backlog_histlen",
]
REPLICA_DOWN_FIELDS = (REPLICA_FIELDS[:8] + ["master_link_down_since_seconds"] +
                       REPLICA_FIELDS[8:])
SLAVE_LINE = re.compile(r"^ip=([0-9.]+),port=(\d+),state=(\w+),offset=(-?\d+),lag=(\d+)$")
REPLID = re.compile(r"^[0-9a-f]{40}$")


def other_kind():
    """The kind an interop test pairs with Petrel: Redis, or Redis again under target redis."""
    return "redis"


def names(pairs):
    return [n for n, _ in pairs]


def int_reply(srv, *args):
    reply = srv.call(*args)
    if not isinstance(reply, int):
        raise AssertionError(f"{args}: {reply!r} is not an integer")
    return reply


def pexpiretimes(srv, dump):
    """{(db, key): PEXPIRETIME} of every key with a TTL in a dump_keyspace() result."""
    out = {}
    with srv.client() as c:
        for db, entries in dump.items():
            c.call("SELECT", db)
            keys = [k for k, (_, _, pttl) in entries.items() if pttl >= 0]
            for k, t in zip(keys, c.pipeline([("PEXPIRETIME", k) for k in keys])):
                out[(db, k)] = t
        c.call("SELECT", 0)
    return out


def dbsize(srv, db=0):
    with srv.client() as c:
        c.call("SELECT", db)
        return c.call("DBSIZE")


def fake_sync_reply(rdb, replid="a" * 40, offset=0):
    """What a primary sends for a full sync with a length-prefixed payload."""
    return b"+FULLRESYNC %s %d\r\n$%d\r\n" % (replid.encode(), offset, len(rdb)) + rdb


class Base(rl.ReplicationTestCase):
    def pair(self, primary_kind=None, replica_kind=None, primary_args=(), replica_args=()):
        p = self.server(primary_kind, primary_args, name="primary")
        r = self.replica(p, replica_kind, replica_args)
        return p, r


# ---------------------------------------------------------------------------------------------
# 1-2. configuration and the REPLICAOF command
# ---------------------------------------------------------------------------------------------

class ReplicaofTest(Base):
    def test_replicaof_in_config_file(self):
        p = self.server(name="primary")
        self.assertEqual(p.raw("SET", "before", "1"), OK)
        r = self.server(config=f"replicaof {HOST} {p.port}\n", name="replica")
        rl.wait_synced(p, [r])
        self.assertEqual(r.call("GET", "before"), b"1")
        i = r.info()
        self.assertEqual((i["role"], i["master_host"], i["master_port"]),
                         ("slave", HOST, str(p.port)))
        self.assertEqual(p.raw("SET", "after", "2"), OK)
        rl.wait_synced(p, [r])
        self.assertEqual(r.call("GET", "after"), b"2")
        cfg = r.call("CONFIG", "GET", "replicaof")
        # CONFIG GET replicaof answers "host port" (Redis: slaveof/replicaof as one string).
        self.assertEqual(cfg, [b"replicaof", f"{HOST} {p.port}".encode()])

    def test_replicaof_on_command_line(self):
        p = self.server(name="primary")
        self.assertEqual(p.raw("HSET", "h", "f", "v"), b":1\r\n")
        r1 = self.server(args=["--replicaof", HOST, str(p.port)], name="replica-2args")
        r2 = self.server(args=["--replicaof", f"{HOST} {p.port}"], name="replica-1arg")
        rl.wait_synced(p, [r1, r2])
        for r in (r1, r2):
            self.assertEqual(r.call("HGETALL", "h"), [b"f", b"v"])
            self.assertEqual(r.info()["master_port"], str(p.port))
        self.assertEqual(p.info()["connected_slaves"], "2")

    def test_replicaof_replies(self):
        p = self.server(name="primary")
        r = self.server(name="replica")
        self.assertEqual(p.raw("SET", "k", "v"), OK)
        # A master asked to stop replicating: +OK, nothing changes.
        self.assertEqual(r.raw("REPLICAOF", "NO", "ONE"), OK)
        self.assertEqual(r.raw("SLAVEOF", "no", "one"), OK)
        self.assertEqual(r.info()["role"], "master")
        # Bad ports and arity.
        self.assertEqual(r.raw("REPLICAOF", HOST, "abc"), INVALID_PORT)
        self.assertEqual(r.raw("REPLICAOF", HOST, "70000"), INVALID_PORT)
        self.assertEqual(r.raw("REPLICAOF", HOST, "-1"), INVALID_PORT)
        self.assertEqual(r.raw("REPLICAOF", HOST),
                         b"-ERR wrong number of arguments for 'replicaof' command\r\n")
        self.assertEqual(r.raw("SLAVEOF", HOST),
                         b"-ERR wrong number of arguments for 'slaveof' command\r\n")
        self.assertEqual(r.info()["role"], "master")
        # Attach; the same master again (before and after the link is up) is a no-op.
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), OK)
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), ALREADY_CONNECTED)
        rl.wait_synced(p, [r])
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), ALREADY_CONNECTED)
        self.assertEqual(r.raw("SLAVEOF", HOST, str(p.port)), ALREADY_CONNECTED)
        self.assertEqual(r.call("GET", "k"), b"v")
        self.assertEqual(p.info()["connected_slaves"], "1")
        # NO ONE: a master again, data kept, writable.
        self.assertEqual(r.raw("REPLICAOF", "no", "one"), OK)
        i = r.info()
        self.assertEqual(i["role"], "master")
        self.assertNotIn("master_host", i)
        self.assertEqual(r.call("GET", "k"), b"v")
        self.assertEqual(r.raw("SET", "k2", "local"), OK)
        tl.wait_until(lambda: p.info()["connected_slaves"] == "0", timeout=10,
                      what="the primary to drop the detached replica")
        # SLAVEOF is an alias.
        self.assertEqual(r.raw("SLAVEOF", HOST, str(p.port)), OK)
        rl.wait_synced(p, [r])
        self.assertIsNone(r.call("GET", "k2"))     # the full resync replaced the data
        self.assertEqual(r.info()["role"], "slave")


# ---------------------------------------------------------------------------------------------
# 3-4. data and the command stream
# ---------------------------------------------------------------------------------------------

def write_initial_data(c):
    """Strings, hashes and TTLs in dbs 0, 1 and 9."""
    now = int(time.time() * 1000)
    cmds = [("SELECT", 0)]
    cmds += [("SET", f"s:{i}", f"value-{i}") for i in range(300)]
    cmds += [("SET", "int", 12345), ("SET", "neg", -7), ("SET", "empty", ""),
             ("SET", b"bin\x00\r\nkey", b"\x00\xff\r\nvalue"),
             ("SET", "big", "x" * 100000),
             ("HSET", "h:small", "a", 1, "b", "two"),
             ("HSET", "h:big", *[x for i in range(600) for x in (f"f{i}", f"v{i}")]),
             ("SET", "ttl:ex", "v", "EX", 100000), ("SET", "ttl:px", "v", "PX", 90000000),
             ("SET", "ttl:exat", "v", "EXAT", now // 1000 + 200000),
             ("SET", "ttl:pxat", "v", "PXAT", now + 300000123),
             ("HSET", "ttl:hash", "f", "v"), ("PEXPIRE", "ttl:hash", 77777777),
             ("SELECT", 1)]
    cmds += [("SET", f"db1:{i}", i) for i in range(50)]
    cmds += [("SELECT", 9), ("SET", "db9:ttl", "v", "EX", 5000), ("HSET", "db9:h", "f", "v"),
             ("SELECT", 0)]
    for reply in c.pipeline(cmds):
        if isinstance(reply, tl.RespError):
            raise AssertionError(f"initial data: {reply.message}")


class DataTest(Base):
    def assert_same_with_expiry_times(self, p, r, what):
        dump = self.assert_same_keyspace(p, r, what)
        self.assertEqual(pexpiretimes(r, dump), pexpiretimes(p, dump),
                         f"{what}: PEXPIRETIME differs")
        return dump

    def test_data_before_and_after_attach(self):
        p = self.server(name="primary")
        with p.client() as c:
            write_initial_data(c)
        r = self.replica(p)
        dump = self.assert_same_with_expiry_times(p, r, "after the full sync")
        self.assertEqual(sorted(dump), [0, 1, 9])
        self.assertEqual(r.info("stats").get("expired_keys"), "0")

        with p.client() as c:
            replies = c.pipeline([
                ("SET", "later:ex", "v", "EX", 1000), ("SETEX", "later:setex", 2000, "v"),
                ("PSETEX", "later:psetex", 3000000, "v"), ("SET", "later:keep", "v"),
                ("EXPIRE", "later:keep", 4000), ("PEXPIREAT", "s:1", int(time.time() * 1000)
                                                 + 5000000),
                ("EXPIREAT", "s:2", int(time.time()) + 6000), ("PERSIST", "ttl:ex"),
                ("GETEX", "s:3", "EX", 7000), ("SET", "f", "10.5"), ("INCRBYFLOAT", "f", "0.1"),
                ("INCRBYFLOAT", "f", "1e3"), ("HINCRBYFLOAT", "h:small", "fl", "2.5"),
                ("INCR", "int"), ("INCRBY", "neg", -100), ("APPEND", "s:4", "-more"),
                ("HDEL", "h:big", "f1", "f2"), ("DEL", "s:5", "s:6", "missing"),
                ("MULTI",), ("SET", "tx:1", "a"), ("HSET", "tx:h", "f", "v"),
                ("INCR", "tx:n"), ("EXPIRE", "tx:1", 9000), ("EXEC",),
                ("SELECT", 2), ("SET", "db2:k", "v"), ("SELECT", 5), ("SET", "db5:k", "v"),
                ("SWAPDB", 1, 5), ("SELECT", 9), ("FLUSHDB",), ("SET", "db9:new", "v"),
                ("SELECT", 7), ("SET", "gone", "soon", "PX", 50), ("SELECT", 0),
                ("SET", "last", "write"),
            ])
        errors = [x for x in replies if isinstance(x, tl.RespError)]
        self.assertEqual(errors, [])
        self.assertEqual(replies[10], b"10.6")
        # The key with 50 ms to live expires on the primary; its DEL reaches the replica (the
        # replica never expires keys itself: its expired_keys stays 0).
        tl.wait_until(lambda: dbsize(p, 7) == 0 and dbsize(r, 7) == 0, timeout=10,
                      what="the expired key to be deleted on both sides")
        rl.wait_synced(p, [r])
        dump = self.assert_same_with_expiry_times(p, r, "after the writes")
        self.assertEqual(sorted(dump), [0, 1, 2, 5, 9])
        self.assertEqual(set(dump[1]), {b"db5:k"})           # SWAPDB 1 5
        self.assertEqual(len(dump[5]), 50)
        self.assertEqual(set(dump[9]), {b"db9:new"})
        self.assertGreaterEqual(int(p.info("stats")["expired_keys"]), 1)
        self.assertEqual(r.info("stats")["expired_keys"], "0")

    def test_command_stream(self):
        """A raw replica: what the primary answers and sends, byte counts included."""
        p = self.server(name="primary", args=["--repl-ping-replica-period", "3600"])
        self.assertEqual(p.raw("SET", "pre", "1"), OK)
        link = rl.ReplicaLink(p.port)
        self.addCleanup(link.close)
        self.assertEqual(link.handshake(), [b"+PONG\r\n", OK, OK])
        reply = link.psync()
        m = re.fullmatch(r"\+FULLRESYNC ([0-9a-f]{40}) (\d+)", reply)
        self.assertIsNotNone(m, reply)
        i = p.info()
        self.assertEqual((m.group(1), m.group(2)), (i["master_replid"], i["master_repl_offset"]))
        rdb, framing = link.read_payload()
        # capa eof + repl-diskless-sync yes (the default): an EOF-marked payload.
        self.assertEqual(framing, "eof")
        parsed = parse_rdb(rdb)
        self.assertEqual(parsed.version, 10)
        self.assertEqual(parsed.dbs[0][b"pre"].value, b"1")
        self.assertEqual(parsed.aux.get(b"repl-id"), m.group(1).encode())
        self.assertEqual(parsed.aux.get(b"repl-offset"), m.group(2).encode())
        link.start_stream(p)

        def expect(*expected):
            """The next stream commands (PINGs skipped), command names compared without case."""
            got = []
            for _ in expected:
                args = link.read_commands_until(lambda a: True)[0]
                got.append([args[0].upper()] + args[1:])
            self.assertEqual(got, [[e[0]] + list(e[1:]) for e in
                                   [[bytes(str(x), "utf-8") if not isinstance(x, bytes) else x
                                     for x in e] for e in expected]])
            return got

        def pexpiretime(key, db=0):
            with p.client() as c:
                c.call("SELECT", db)
                return c.call("PEXPIRETIME", key)

        with p.client() as c:
            self.assertEqual(c.call("SET", "a", "1"), b"OK")
            expect(("SELECT", 0), ("SET", "a", "1"))
            self.assertEqual(c.call("SET", "c", "3", "EX", "100"), b"OK")
            expect(("SET", "c", "3", "PXAT", pexpiretime("c")))
            self.assertEqual(c.call("EXPIRE", "a", "100"), 1)
            expect(("PEXPIREAT", "a", pexpiretime("a")))
            self.assertEqual(c.call("SETEX", "z", "100", "v"), b"OK")
            expect(("SET", "z", "v", "PXAT", pexpiretime("z")))
            self.assertEqual(c.call("SET", "y", "1", "EXAT", "99999999999"), b"OK")
            expect(("SET", "y", "1", "PXAT", "99999999999000"))
            self.assertEqual(c.call("INCRBYFLOAT", "f", "1.5"), b"1.5")
            expect(("SET", "f", "1.5", "KEEPTTL"))
            # No-op writes are not propagated: the next item is the marker.
            self.assertEqual(c.call("DEL", "nonexistent"), 0)
            self.assertEqual(c.call("SET", "marker1", "x"), b"OK")
            expect(("SET", "marker1", "x"))
            self.assertEqual(c.call("SELECT", 2), b"OK")
            self.assertEqual(c.call("SET", "x", "y"), b"OK")
            expect(("SELECT", 2), ("SET", "x", "y"))
            self.assertEqual(c.pipeline([("MULTI",), ("SET", "m1", "1"), ("INCR", "m2"),
                                         ("EXEC",)]),
                             [b"OK", b"QUEUED", b"QUEUED", [b"OK", 1]])
            expect(("MULTI",), ("SET", "m1", "1"), ("INCR", "m2"), ("EXEC",))
            t0 = int(time.time() * 1000)
            self.assertEqual(c.call("SET", "e", "1", "PX", "50"), b"OK")
            t1 = int(time.time() * 1000)
            got = link.read_commands_until(lambda a: True)[0]
            self.assertEqual([got[0].upper()] + got[1:4], [b"SET", b"e", b"1", b"PXAT"])
            self.assertEqual(len(got), 5)
            self.assertTrue(t0 + 50 <= int(got[4]) <= t1 + 50, (t0, got, t1))
            # Expiry on the primary: a DEL in the stream (same db, so no SELECT).
            expect(("DEL", "e"))
            self.assertEqual(c.call("SWAPDB", 0, 1), b"OK")
            expect(("SWAPDB", "0", "1"))
            self.assertEqual(c.call("FLUSHDB"), b"OK")
            expect(("FLUSHDB",))
            # The offset counts every byte of the stream (still in db 2: no SELECT).
            self.assertEqual(link.offset, int(p.info()["master_repl_offset"]))
            before = link.offset
            cmd = tl.encode_command("SET", "counted", "v" * 100)
            self.assertEqual(c.call("SET", "counted", "v" * 100), b"OK")
            args, raw = link.read_command()
            self.assertEqual(raw, cmd)
            self.assertEqual(int(p.info()["master_repl_offset"]), before + len(cmd))
            # WAIT asks the replica for an ACK: REPLCONF GETACK * (37 bytes, counted too).
            self.assertEqual(c.call("WAIT", 1, 100), 0)
            args, raw = link.read_command()
            self.assertEqual(raw, b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n")
            self.assertEqual(link.offset, before + len(cmd) + 37)
            link.ack()
            # Once the ACK is registered WAIT answers at once (no new GETACK is sent).
            tl.wait_until(lambda: rl.parse_slave_line(p.info()["slave0"])["offset"] ==
                          str(link.offset), timeout=10, what="the ACK to be registered")
            self.assertEqual(c.call("WAIT", 1, 5000), 1)
            role = c.call("ROLE")
            self.assertEqual(role, [b"master", link.offset,
                                    [[b"127.0.0.1", b"12345", str(link.offset).encode()]]])
            slave0 = rl.parse_slave_line(p.info()["slave0"])
            self.assertEqual((slave0["port"], slave0["state"], slave0["offset"]),
                             ("12345", "online", str(link.offset)))

    def test_sync_framing_and_diskless_load(self):
        """repl-diskless-sync no: the payload is `$<length>` (an RDB file); a replica without
        capa eof gets that framing from a diskless primary too. Replicas loading with
        repl-diskless-load swapdb / on-empty-db end with the same data."""
        for diskless, capa_eof, framing in (("no", True, "length"), ("yes", False, "length"),
                                            ("yes", True, "eof")):
            p = self.server(name=f"primary-diskless-{diskless}",
                            args=["--repl-diskless-sync", diskless])
            self.assertEqual(p.raw("HSET", "h", "f", "v"), b":1\r\n")
            link = rl.ReplicaLink(p.port)
            self.addCleanup(link.close)
            self.assertEqual(link.handshake(capa_eof=capa_eof), [b"+PONG\r\n", OK, OK])
            self.assertTrue(link.psync().startswith("+FULLRESYNC "))
            rdb, got = link.read_payload()
            self.assertEqual(got, framing, (diskless, capa_eof))
            self.assertEqual(parse_rdb(rdb).dbs[0][b"h"].value, {b"f": b"v"})
            link.close()
        with p.client() as c:
            write_initial_data(c)
        for load in ("swapdb", "on-empty-db", "disabled"):
            r = self.replica(p, args=["--repl-diskless-load", load], name=f"replica-{load}")
            self.assert_same_keyspace(p, r, f"repl-diskless-load {load}")

    def handshake_of(self, fake):
        with fake.cond:
            cmds = [d for kind, n, d in fake.events if kind == "command" and n == 0]
        handshake = cmds[:cmds.index(next(c for c in cmds if c[0].lower() == b"psync")) + 1]
        return [[a.lower() if i == 0 else a for i, a in enumerate(c)] for c in handshake]

    def test_replica_handshake(self):
        """What a replica sends to its primary (a fake one), masteruser/masterauth set. Started
        with --replicaof it has no history: PSYNC ? -1. Turned into a replica at run time, it
        offers its own replication id and offset + 1 (Redis: "using my own master parameters
        to synthesize a cached master"), which the primary may refuse."""
        rdb = RdbWriter().aux("repl-stream-db", 0).select(0).string("k", "v").finish()
        fake0 = self.fake_primary([fake_sync_reply(rdb)])
        r0 = self.server(args=["--masteruser", "repl", "--masterauth", "secret",
                               "--replicaof", HOST, fake0.port], name="replica-0")
        rl.wait_link_up(r0)
        self.assertEqual(r0.call("GET", "k"), b"v")
        # REPLCONF listening-port and capa may come in one write or two; the order is fixed.
        self.assertEqual(self.handshake_of(fake0),
                         [[b"ping"], [b"auth", b"repl", b"secret"],
                          [b"replconf", b"listening-port", str(r0.port).encode()],
                          [b"replconf", b"capa", b"eof", b"capa", b"psync2"],
                          [b"psync", b"?", b"-1"]])

        fake = self.fake_primary([fake_sync_reply(rdb)])
        r = self.server(args=["--masterauth", "secret"], name="replica")
        own_id = r.info()["master_replid"]
        self.assertEqual(r.raw("REPLICAOF", HOST, fake.port), OK)
        rl.wait_link_up(r)
        self.assertEqual(r.call("GET", "k"), b"v")
        self.assertEqual(self.handshake_of(fake),
                         [[b"ping"], [b"auth", b"secret"],
                          [b"replconf", b"listening-port", str(r.port).encode()],
                          [b"replconf", b"capa", b"eof", b"capa", b"psync2"],
                          [b"psync", own_id.encode(), b"1"]])
        # Then REPLCONF ACK <offset> (every second).
        fake.send(tl.encode_command("SELECT", 0) + tl.encode_command("SET", "k2", "v2"))
        tl.wait_until(lambda: r.call("GET", "k2") == b"v2", timeout=10, what="k2 on replica")
        offset = len(tl.encode_command("SELECT", 0) + tl.encode_command("SET", "k2", "v2"))

        def acked():
            with fake.cond:
                return any(kind == "command" and d[:2] == [b"REPLCONF", b"ACK"] and
                           d[2] == str(offset).encode() for kind, n, d in fake.events)
        tl.wait_until(acked, timeout=10, what=f"REPLCONF ACK {offset}")
        i = r.info()
        self.assertEqual((i["master_replid"], i["slave_repl_offset"], i["master_repl_offset"]),
                         ("a" * 40, str(offset), str(offset)))


# ---------------------------------------------------------------------------------------------
# 6. read-only replicas, min-replicas-to-write, replica-serve-stale-data
# ---------------------------------------------------------------------------------------------

class AccessTest(Base):
    def test_writes_to_replica_are_refused(self):
        p, r = self.pair()
        self.assertEqual(p.raw("SET", "k", "v"), OK)
        self.assertEqual(p.raw("HSET", "h", "f", "v"), b":1\r\n")
        rl.wait_synced(p, [r])
        for cmd in (("SET", "k", "x"), ("SET", "new", "x"), ("HSET", "h", "f", "x"),
                    ("DEL", "k"), ("EXPIRE", "k", 10), ("INCRBYFLOAT", "n", "1.5"),
                    ("FLUSHDB",), ("FLUSHALL",), ("APPEND", "k", "x")):
            self.assertEqual(r.raw(*cmd), READONLY, cmd)
        with r.client() as c:
            self.assertEqual(c.pipeline([("MULTI",), ("GET", "k"), ("SET", "k", "x")]),
                             [b"OK", b"QUEUED", tl.RespError(READONLY[1:-2].decode())])
            self.assertEqual(c.command("EXEC"), EXECABORT)
        self.assertEqual(r.call("GET", "k"), b"v")
        self.assertEqual(r.call("HGETALL", "h"), [b"f", b"v"])
        self.assertEqual(r.info()["slave_read_only"], "1")
        self.assertEqual(r.raw("WAIT", 0, 0), WAIT_ON_REPLICA)
        # replica-read-only no: local writes are accepted (and not sent anywhere).
        self.assertEqual(r.raw("CONFIG", "SET", "replica-read-only", "no"), OK)
        self.assertEqual(r.info()["slave_read_only"], "0")
        self.assertEqual(r.raw("SET", "local", "1"), OK)
        self.assertEqual(r.call("GET", "local"), b"1")
        self.assertIsNone(p.call("GET", "local"))
        self.assertEqual(r.raw("CONFIG", "SET", "replica-read-only", "yes"), OK)
        self.assertEqual(r.raw("SET", "local", "2"), READONLY)
        self.assertEqual(r.call("CONFIG", "GET", "slave-read-only"),
                         [b"slave-read-only", b"yes"])

    def test_min_replicas_to_write(self):
        p = self.server(name="primary", args=["--min-replicas-to-write", "1",
                                              "--min-replicas-max-lag", "10"])
        self.assertEqual(p.raw("SET", "k", "v"), NOREPLICAS)
        self.assertEqual(p.call("GET", "k"), None)
        self.assertEqual(p.info()["min_slaves_good_slaves"], "0")
        r = self.replica(p)
        tl.wait_until(lambda: p.raw("SET", "k", "v") == OK, timeout=10,
                      what="writes accepted once a replica is attached")
        self.assertEqual(p.info()["min_slaves_good_slaves"], "1")
        rl.wait_synced(p, [r])
        self.assertEqual(r.call("GET", "k"), b"v")
        self.assertEqual(p.raw("CONFIG", "SET", "min-replicas-to-write", "2"), OK)
        self.assertEqual(p.raw("SET", "k", "w"), NOREPLICAS)
        self.assertEqual(p.raw("CONFIG", "SET", "min-replicas-to-write", "0"), OK)
        self.assertEqual(p.raw("SET", "k", "w"), OK)
        self.assertNotIn("min_slaves_good_slaves", p.info())

    def test_replica_serve_stale_data(self):
        dead = tl.free_port()
        r = self.server(args=["--replica-serve-stale-data", "no", "--replicaof", HOST, dead],
                        name="replica")
        self.assertEqual(r.raw("GET", "k"), MASTERDOWN)
        self.assertEqual(r.info()["master_link_status"], "down")
        self.assertEqual(r.raw("CONFIG", "SET", "replica-serve-stale-data", "yes"), OK)
        self.assertEqual(r.raw("GET", "k"), b"$-1\r\n")
        self.assertEqual(r.raw("PING"), b"+PONG\r\n")


# ---------------------------------------------------------------------------------------------
# 7. logically expired keys on a replica
# ---------------------------------------------------------------------------------------------

class ExpiredKeysOnReplicaTest(Base):
    def test_replica_hides_expired_key_until_primary_deletes_it(self):
        """CLIENT PAUSE WRITE stops the primary's expiry (Redis 7.0: no active expiry and no
        deletion on access while writes are paused), so the replica holds a key that is
        logically expired and no DEL is coming until CLIENT UNPAUSE."""
        p, r = self.pair()
        self.assertEqual(p.raw("SET", "stays", "v"), OK)
        self.assertEqual(p.raw("SET", "k", "v", "PX", 1500), OK)
        rl.wait_synced(p, [r])
        self.assertEqual(p.raw("CLIENT", "PAUSE", 30000, "WRITE"), OK)
        self.addCleanup(lambda: p.alive() and p.call("CLIENT", "UNPAUSE"))
        self.assertEqual(dbsize(p), 2, "the key expired on the primary before CLIENT PAUSE "
                                      "took effect (machine too slow?)")
        tl.wait_until(lambda: r.call("GET", "k") is None, timeout=10,
                      what="the key to be logically expired on the replica")
        self.assertEqual(r.call("EXISTS", "k"), 0)
        self.assertEqual(r.call("PTTL", "k"), -2)
        self.assertEqual(r.call("KEYS", "*"), [b"stays"])
        self.assertEqual(r.call("DBSIZE"), 2, "the key is gone from the replica: the primary "
                         "expired it (and sent DEL) although writes are paused?")
        self.assertEqual(r.info("stats")["expired_keys"], "0")
        # On the paused primary the key reads as missing but is not deleted either.
        self.assertIsNone(p.call("GET", "k"))
        self.assertEqual(dbsize(p), 2, "the primary deleted an expired key during CLIENT PAUSE "
                         "WRITE")
        self.assertEqual(p.info("stats")["expired_keys"], "0")
        self.assertEqual(p.raw("CLIENT", "UNPAUSE"), OK)
        tl.wait_until(lambda: dbsize(r) == 1, timeout=10,
                      what="the primary's DEL to reach the replica")
        self.assertEqual(r.info("stats")["expired_keys"], "0")
        self.assertEqual(p.info("stats")["expired_keys"], "1")
        rl.wait_synced(p, [r])
        self.assert_same_keyspace(p, r)

    def test_replica_keeps_expired_keys_of_its_rdb_until_del(self):
        """A fake primary sends an RDB holding already expired keys: the replica loads them,
        hides them from reads, and drops them only when the primary's DEL comes."""
        now = int(time.time() * 1000)
        rdb = (RdbWriter().aux("repl-stream-db", 0).select(0)
               .string("live", "v")
               .expire_ms(now - 10000).string("dead", "v")
               .expire_ms(now + 10 ** 9).string("later", "v")
               .expire_ms(now - 5000).hash_table("hdead", {b"f": b"v"})
               .select(3).expire_ms(now - 1000).string("dead3", "v")
               .finish())
        fake = self.fake_primary([fake_sync_reply(rdb)])
        r = self.server(name="replica")
        self.assertEqual(r.raw("REPLICAOF", HOST, fake.port), OK)
        rl.wait_link_up(r)
        self.assertEqual(r.call("GET", "live"), b"v")
        self.assertIsNone(r.call("GET", "dead"))
        self.assertEqual(r.call("HGETALL", "hdead"), [])
        self.assertEqual(r.call("EXISTS", "dead", "hdead", "live"), 1)
        self.assertEqual(r.call("TTL", "dead"), -2)
        self.assertEqual(r.call("TYPE", "dead"), b"none")
        self.assertEqual(sorted(r.call("KEYS", "*")), [b"later", b"live"])
        self.assertEqual(dbsize(r), 4)
        self.assertEqual(dbsize(r, 3), 1)
        self.assertEqual(r.info("stats")["expired_keys"], "0")
        fake.send(tl.encode_command("SELECT", 0) + tl.encode_command("DEL", "dead") +
                  tl.encode_command("SELECT", 3) + tl.encode_command("DEL", "dead3"))
        tl.wait_until(lambda: dbsize(r) == 3 and dbsize(r, 3) == 0, timeout=10,
                      what="the DELs to be applied")
        self.assertEqual(r.info("stats")["expired_keys"], "0")
        self.assertTrue(r.alive())


# ---------------------------------------------------------------------------------------------
# 8. INFO replication, ROLE, WAIT
# ---------------------------------------------------------------------------------------------

class InfoRoleWaitTest(Base):
    def test_info_replication_field_names(self):
        """The target's INFO replication names, in order, are those live redis-servers give
        in the same state (link up; and link down on a replica)."""
        ref_p, ref_r = self.pair("redis", "redis")
        p, r = self.pair()
        self.assertEqual(names(ref_p.info_pairs()), PRIMARY_FIELDS)
        self.assertEqual(names(ref_r.info_pairs()), REPLICA_FIELDS)
        self.assertEqual(names(p.info_pairs()), names(ref_p.info_pairs()), "primary")
        self.assertEqual(names(r.info_pairs()), names(ref_r.info_pairs()), "replica")
        # The link down (the primary gone).
        dead = tl.free_port()
        for srv in (ref_r, r):
            self.assertEqual(srv.raw("REPLICAOF", HOST, dead), OK)
        for srv in (ref_r, r):
            tl.wait_until(lambda: srv.info()["master_link_status"] == "down", timeout=10,
                          what="link down")
        self.assertEqual(names(ref_r.info_pairs()), REPLICA_DOWN_FIELDS)
        self.assertEqual(names(r.info_pairs()), names(ref_r.info_pairs()), "replica, link down")
        # A primary with no replica, and with min-replicas-to-write set.
        for srv in (ref_p, p):
            tl.wait_until(lambda: srv.info()["connected_slaves"] == "0", timeout=10,
                          what="replica gone")
        self.assertEqual(names(p.info_pairs()), names(ref_p.info_pairs()), "primary alone")
        for srv in (ref_p, p):
            self.assertEqual(srv.raw("CONFIG", "SET", "min-replicas-to-write", "1"), OK)
        self.assertEqual(names(p.info_pairs()), names(ref_p.info_pairs()),
                         "primary with min-replicas-to-write")
        # INFO stats carries the sync counters.
        ref_stats, stats = names(ref_p.info_pairs("stats")), names(p.info_pairs("stats"))
        for field in ("sync_full", "sync_partial_ok", "sync_partial_err"):
            self.assertIn(field, ref_stats)
            self.assertIn(field, stats)

    def test_info_replication_values(self):
        p = self.server(name="primary", args=["--repl-ping-replica-period", "3600"])
        r = self.replica(p)
        self.assertEqual(p.raw("SET", "k", "v"), OK)
        rl.wait_synced(p, [r])
        pi, ri = p.info(), r.info()
        self.assertEqual(pi["role"], "master")
        self.assertEqual(pi["connected_slaves"], "1")
        self.assertRegex(pi["master_replid"], REPLID)
        self.assertEqual(ri["master_replid"], pi["master_replid"])
        for i in (pi, ri):
            self.assertEqual(i["master_replid2"], rl.ZERO_REPLID)
            self.assertEqual(i["second_repl_offset"], "-1")
            self.assertEqual(i["master_failover_state"], "no-failover")
            self.assertEqual(i["repl_backlog_active"], "1")
            self.assertEqual(i["repl_backlog_size"], "1048576")
            self.assertEqual(int(i["repl_backlog_histlen"]),
                             int(i["master_repl_offset"]) -
                             int(i["repl_backlog_first_byte_offset"]) + 1)
        self.assertEqual(pi["repl_backlog_first_byte_offset"], "1")
        self.assertEqual((ri["role"], ri["master_host"], ri["master_port"],
                          ri["master_link_status"], ri["master_sync_in_progress"],
                          ri["slave_priority"], ri["slave_read_only"], ri["replica_announced"],
                          ri["connected_slaves"]),
                         ("slave", HOST, str(p.port), "up", "0", "100", "1", "1", "0"))
        self.assertIn(int(ri["master_last_io_seconds_ago"]), range(0, 11))
        self.assertEqual(ri["slave_read_repl_offset"], pi["master_repl_offset"])
        self.assertEqual(ri["slave_repl_offset"], pi["master_repl_offset"])
        # The slave0 line; its offset is the replica's last ACK (sent every second).
        m = SLAVE_LINE.match(pi["slave0"])
        self.assertIsNotNone(m, pi["slave0"])
        self.assertEqual(m.group(1, 2, 3), (HOST, str(r.port), "online"))
        self.assertLessEqual(int(m.group(5)), 10)
        offset = pi["master_repl_offset"]
        tl.wait_until(lambda: SLAVE_LINE.match(p.info()["slave0"]).group(4) == offset,
                      timeout=10, what="slave0 offset to reach the primary's offset")
        # Offsets count the stream's bytes: a SET in the stream's current db adds its own size,
        # a write in another db adds a SELECT first.
        before = int(p.info()["master_repl_offset"])
        self.assertEqual(p.raw("SET", "key", "value"), OK)
        after = before + len(tl.encode_command("SET", "key", "value"))
        self.assertEqual(int(p.info()["master_repl_offset"]), after)
        with p.client() as c:
            c.call("SELECT", 3)
            self.assertEqual(c.call("SET", "k3", "v3"), b"OK")
        after += len(tl.encode_command("SELECT", "3") + tl.encode_command("SET", "k3", "v3"))
        self.assertEqual(int(p.info()["master_repl_offset"]), after)
        rl.wait_synced(p, [r])
        self.assertEqual(int(r.info()["slave_repl_offset"]), after)

    def test_role(self):
        # No periodic PING in the stream while offsets are compared.
        p = self.server(name="primary", args=["--repl-ping-replica-period", "3600"])
        self.assertEqual(p.raw("ROLE"), b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n")
        r = self.replica(p)
        self.assertEqual(p.raw("SET", "k", "v"), OK)
        rl.wait_synced(p, [r])
        offset = int(p.info()["master_repl_offset"])
        tl.wait_until(lambda: p.call("ROLE")[2] == [[HOST.encode(), str(r.port).encode(),
                                                     str(offset).encode()]],
                      timeout=10, what="ROLE to list the replica at the primary's offset")
        raw = p.raw("ROLE")
        self.assertEqual(raw, b"*3\r\n$6\r\nmaster\r\n:%d\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n"
                              b"$%d\r\n%d\r\n$%d\r\n%d\r\n"
                         % (offset, len(str(r.port)), r.port, len(str(offset)), offset))
        self.assertEqual(r.raw("ROLE"),
                         b"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:%d\r\n$9\r\nconnected\r\n"
                         b":%d\r\n" % (p.port, offset))
        # Pointed at nothing: state connect (or connecting), offset -1.
        dead = tl.free_port()
        self.assertEqual(r.raw("REPLICAOF", HOST, dead), OK)
        role = r.call("ROLE")
        self.assertEqual(role[:3], [b"slave", HOST.encode(), dead])
        self.assertIn(role[3], (b"connect", b"connecting"))
        self.assertEqual(role[4], -1)
        tl.wait_until(lambda: p.call("ROLE")[2] == [], timeout=10, what="replica gone")

    def test_wait(self):
        p, r = self.pair()
        with p.client() as c:
            self.assertEqual(c.call("WAIT", 1, 0), 1)       # nothing written yet
            self.assertEqual(c.call("SET", "k", "v"), b"OK")
            self.assertEqual(c.call("WAIT", 1, 10000), 1)
            self.assertEqual(c.call("WAIT", 0, 0), 1)
            self.assertEqual(c.call("SET", "k", "w"), b"OK")
            t0 = time.monotonic()
            self.assertEqual(c.call("WAIT", 2, 300), 1)     # only one replica: times out
            self.assertGreaterEqual(time.monotonic() - t0, 0.25)
            self.assertEqual(c.command("WAIT", "x", 0),
                             b"-ERR value is not an integer or out of range\r\n")
            self.assertEqual(c.command("WAIT", 1, -1),
                             b"-ERR timeout is negative\r\n")
        self.assertEqual(r.call("GET", "k"), b"w")


# ---------------------------------------------------------------------------------------------
# 9. partial resync, chains, promotion, authentication
# ---------------------------------------------------------------------------------------------

class ResyncTest(Base):
    def sync_stats(self, srv):
        """(sync_full, sync_partial_ok, sync_partial_err) of INFO stats. A replica attached
        with REPLICAOF at run time offers its own id first, so its first sync counts as one
        full sync and one partial error."""
        s = srv.info("stats")
        return int(s["sync_full"]), int(s["sync_partial_ok"]), int(s["sync_partial_err"])

    def test_replica_restart_resyncs_partially(self):
        p = self.server(name="primary")
        # Save points: SIGTERM saves the RDB (with the replication id and offset).
        r = self.replica(p, args=["--save", "3600 1"], at_start=True)
        with p.client() as c:
            write_initial_data(c)
        rl.wait_synced(p, [r])
        self.assertEqual(self.sync_stats(p), (1, 0, 0))
        replid = p.info()["master_replid"]
        self.assertEqual(r.terminate(), 0)
        with p.client() as c:
            c.pipeline([("SET", f"while-down:{i}", i) for i in range(100)])
        r.start()
        rl.wait_synced(p, [r])
        self.assertEqual(self.sync_stats(p), (1, 1, 0), "sync_full, sync_partial_ok, _err")
        self.assertEqual(r.info()["master_replid"], replid)
        self.assert_same_keyspace(p, r)

    def test_chain(self):
        a = self.server(name="A")
        with a.client() as c:
            write_initial_data(c)
        b = self.replica(a, name="B")
        cc = self.replica(b, name="C", args=["--save", "3600 1"], at_start=True)
        self.assertEqual(a.raw("SET", "after", "chain"), OK)
        rl.wait_synced(a, [b, cc])
        ids = {s.info()["master_replid"] for s in (a, b, cc)}
        self.assertEqual(len(ids), 1, "master_replid differs along the chain")
        self.assertEqual(b.info()["connected_slaves"], "1")
        self.assertEqual(b.info()["role"], "slave")
        self.assertEqual(cc.info()["master_port"], str(b.port))
        self.assert_same_keyspace(a, cc, "A vs C")
        a_stats = self.sync_stats(a)
        b_stats = self.sync_stats(b)
        self.assertEqual(b_stats, (1, 0, 0))
        # C restarts: a partial resync from B; A sees nothing.
        self.assertEqual(cc.terminate(), 0)
        with a.client() as c:
            c.pipeline([("HSET", "while-c-down", f"f{i}", i) for i in range(100)])
        cc.start()
        rl.wait_synced(a, [b, cc])
        self.assertEqual(self.sync_stats(b), (1, 1, 0), "B: sync_full, sync_partial_ok, _err")
        self.assertEqual(self.sync_stats(a), a_stats)
        self.assert_same_keyspace(a, cc, "A vs C after C's restart")

    def test_promotion_psync2(self):
        a = self.server(name="A")
        b = self.replica(a, name="B")
        cc = self.replica(a, name="C")
        with a.client() as c:
            write_initial_data(c)
        rl.wait_synced(a, [b, cc])
        ai = a.info()
        old_id, old_offset = ai["master_replid"], int(ai["master_repl_offset"])
        # B becomes a master: a new replication id, the old one kept as replid2.
        self.assertEqual(b.raw("REPLICAOF", "NO", "ONE"), OK)
        bi = b.info()
        self.assertEqual(bi["role"], "master")
        self.assertRegex(bi["master_replid"], REPLID)
        self.assertNotEqual(bi["master_replid"], old_id)
        self.assertEqual(bi["master_replid2"], old_id)
        self.assertEqual(bi["second_repl_offset"], str(old_offset + 1))
        self.assertEqual(bi["master_repl_offset"], str(old_offset))
        # C follows B: partial resync thanks to replid2.
        self.assertEqual(cc.raw("REPLICAOF", HOST, b.port), OK)
        rl.wait_synced(b, [cc])
        self.assertEqual(self.sync_stats(b), (0, 1, 0), "B: sync_full, sync_partial_ok, _err")
        ci = cc.info()
        self.assertEqual(ci["master_replid"], bi["master_replid"])
        self.assertEqual(ci["master_replid2"], old_id)
        self.assertEqual(b.raw("SET", "after-promotion", "1"), OK)
        rl.wait_synced(b, [cc])
        self.assertEqual(cc.call("GET", "after-promotion"), b"1")
        self.assert_same_keyspace(b, cc)
        # The old primary later follows B as well: it has the old id and a compatible
        # offset, so it also resyncs partially.
        self.assertEqual(a.raw("REPLICAOF", HOST, b.port), OK)
        rl.wait_synced(b, [a, cc])
        self.assertEqual(self.sync_stats(b), (0, 2, 0))
        self.assert_same_keyspace(b, a)

    def test_masterauth(self):
        """requirepass on the primary; masterauth (AUTH pw) and masteruser + masterauth
        (AUTH default pw) on two replicas."""
        p = self.server(name="primary", args=["--requirepass", "s3cret"], password="s3cret")
        with p.client() as c:
            write_initial_data(c)
        r = self.server(name="replica", args=["--masterauth", "s3cret"])
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), OK)
        r2 = self.server(name="replica-user", args=["--masteruser", "default",
                                                     "--masterauth", "s3cret"])
        self.assertEqual(r2.raw("REPLICAOF", HOST, p.port), OK)
        self.assertEqual(p.raw("SET", "k", "v"), OK)
        rl.wait_synced(p, [r, r2])
        self.assertEqual(p.info()["connected_slaves"], "2")
        for srv in (r, r2):
            self.assert_same_keyspace(p, srv, srv.name)


# ---------------------------------------------------------------------------------------------
# 10. interop with redis-server under redis-benchmark load
# ---------------------------------------------------------------------------------------------

class InteropTest(Base):
    def interop(self, primary_kind, replica_kind):
        p = self.server(primary_kind, name=f"{primary_kind}-primary")
        with p.client() as c:
            write_initial_data(c)
        # First load before the replica exists (carried by the full sync) ...
        self.finish_benchmark(self.benchmark(p, requests=20000))
        r = self.server(replica_kind, name=f"{replica_kind}-replica")
        # ... then the replica attaches while the load runs (streamed after the sync).
        base = int(p.info("stats")["total_commands_processed"])
        bench = self.benchmark(p, requests=50000)
        tl.wait_until(lambda: int(p.info("stats")["total_commands_processed"]) > base + 20000,
                      timeout=30, what="the benchmark to be under way")
        self.assertEqual(r.raw("REPLICAOF", HOST, p.port), OK)
        self.assertIsNone(bench.poll(), "the benchmark ended before the replica attached")
        self.finish_benchmark(bench)
        rl.wait_synced(p, [r])
        dump = self.assert_same_keyspace(p, r, f"{replica_kind} replica of {primary_kind}")
        self.assertGreater(len(dump[0]), 10000)
        self.assertIn(b"myhash", dump[0])
        # And a load that only streams.
        self.finish_benchmark(self.benchmark(p, requests=50000))
        rl.wait_synced(p, [r])
        self.assert_same_keyspace(p, r, "after streaming only")

    def test_petrel_replica_of_redis_primary(self):
        self.interop(other_kind(), KIND)

    def test_redis_replica_of_petrel_primary(self):
        self.interop(KIND, other_kind())


if __name__ == "__main__":
    unittest.main(verbosity=2)
