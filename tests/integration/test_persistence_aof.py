#!/usr/bin/python3
"""AOF persistence of petrel-server (Redis 7 multi-part AOF), with redis-server 7.0's
behaviour as the reference.

1. Layout: appendonlydir/ with appendonly.aof.manifest, appendonly.aof.1.base.rdb (RDB
   preamble) or .base.aof (aof-use-rdb-preamble no) and appendonly.aof.1.incr.aof; custom
   appenddirname/appendfilename; the persistence config defaults.
2. The incr file: each write as Redis 7.0 propagates it (SET .. EX -> SET .. PXAT <ms>,
   INCRBYFLOAT -> SET .. KEEPTTL, HINCRBYFLOAT -> HSET, EXPIRE -> PEXPIREAT, SELECT when the
   db changes, MULTI/EXEC around transactions, nothing for no-op writes).
3. Replay: strings, hashes, expiries (absolute: a key that expires while the server is down is
   gone), transactions, several dbs, FLUSHDB/DEL/RENAME/MOVE/SWAPDB... survive restarts.
4. BGREWRITEAOF (new base seq, manifest updated, history removed), automatic rewrite,
   CONFIG SET appendonly yes/no at run time.
5. Bad files: a truncated last command is repaired (aof-load-truncated yes: the file is cut
   back to the last whole command, an incomplete MULTI is dropped) or refused (no); a garbage
   byte, a corrupt base or a bad manifest stop start-up with a non-zero exit, files untouched;
   redis-check-aof accepts the server's files.

PETREL_TEST_TARGET=redis runs everything against Debian's redis-server.

Redis 7.0.15's log lines seen by these tests (checked only against Redis):
  "Creating AOF base file appendonly.aof.1.base.rdb on server start"
  "Creating AOF incr file appendonly.aof.1.incr.aof on server start"
  "DB loaded from base file appendonly.aof.N.base.rdb", "DB loaded from incr file ...",
  "DB loaded from append only file: N seconds"
  "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!"
  "!!! Truncating the AOF appendonly.aof.1.incr.aof at offset N !!!"
  "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled"
  "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof"
  "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1)
   Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2)
   Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart
   the server."
  "Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of
   your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
  "Background append only file rewriting started by pid N", "Background AOF rewrite finished
   successfully", "Removing the history file appendonly.aof.1.incr.aof in the background"
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402
import persistence_testlib as pt  # noqa: E402

KIND = tl.target_kind()
REDIS_CHECK_AOF = os.environ.get("REDIS_CHECK_AOF_BIN", "/usr/bin/redis-check-aof")

AOF = ["--appendonly", "yes"]
BGREWRITEAOF_STARTED = b"+Background append only file rewriting started\r\n"
BGREWRITEAOF_IN_PROGRESS = b"-ERR Background append only file rewriting already in progress\r\n"

CORRUPT_WORDS = re.compile(r"(?i)bad|corrupt|invalid|malformed|format|unexpected|wrong|"
                           r"checksum|truncat|short read|end of file")


def manifest_text(seq, base_ext="rdb", name="appendonly.aof"):
    return (f"file {name}.{seq}.base.{base_ext} seq {seq} type b\n"
            f"file {name}.{seq}.incr.aof seq {seq} type i\n")


class AofTestCase(pt.PersistenceTestCase):
    def aofdir(self, srv, name="appendonlydir"):
        return srv.path(name)

    def aof_files(self, srv, name="appendonlydir"):
        return sorted(os.listdir(self.aofdir(srv, name)))

    def read_manifest_text(self, srv, name="appendonlydir", fname="appendonly.aof"):
        with open(os.path.join(self.aofdir(srv, name), fname + ".manifest")) as f:
            return f.read()

    def incr_commands(self, srv, seq=1):
        data = self.read_bytes(os.path.join(self.aofdir(srv), f"appendonly.aof.{seq}.incr.aof"))
        commands, complete = pt.parse_aof(data)
        self.assertEqual(complete, len(data), "the incr file ends mid-command")
        return [args for _, _, args in commands]

    def wait_layout(self, srv, seq, base_ext="rdb", timeout=30):
        """Wait until the manifest names base/incr `seq` and the directory holds exactly the
        manifest and those two files (history removed, no temp files)."""
        expected_files = sorted(["appendonly.aof.manifest",
                                 f"appendonly.aof.{seq}.base.{base_ext}",
                                 f"appendonly.aof.{seq}.incr.aof"])

        def done():
            try:
                return (self.read_manifest_text(srv) == manifest_text(seq, base_ext) and
                        self.aof_files(srv) == expected_files)
            except OSError:
                return False
        try:
            tl.wait_until(done, timeout=timeout, what=f"AOF layout with seq {seq}")
        except TimeoutError:
            listing = self.aof_files(srv) if os.path.isdir(self.aofdir(srv)) else "(no dir)"
            manifest = ""
            try:
                manifest = self.read_manifest_text(srv)
            except OSError:
                pass
            self.fail(f"AOF dir never became {expected_files} with manifest seq {seq}; "
                      f"files: {listing}; manifest: {manifest!r}")

    def snapshot_dir(self, path):
        """{relative name: bytes} of every file under path."""
        out = {}
        for root, _, files in os.walk(path):
            for f in files:
                full = os.path.join(root, f)
                out[os.path.relpath(full, path)] = self.read_bytes(full)
        return out


# -------------------------------------------------------------------------------------------
# 1. layout and config
# -------------------------------------------------------------------------------------------

class LayoutTest(AofTestCase):
    def test_appendonly_yes_creates_the_multipart_layout(self):
        srv = self.server(AOF)
        self.assertEqual(self.aof_files(srv), ["appendonly.aof.1.base.rdb",
                                               "appendonly.aof.1.incr.aof",
                                               "appendonly.aof.manifest"])
        self.assertEqual(self.read_manifest_text(srv), manifest_text(1))
        base = pt.parse_rdb(self.read_bytes(os.path.join(self.aofdir(srv),
                                                         "appendonly.aof.1.base.rdb")))
        self.assertEqual(base.version, 10)
        self.assertEqual(base.aux.get(b"aof-base"), b"1")
        self.assertEqual(base.dbs, {})
        self.assertEqual(os.path.getsize(os.path.join(self.aofdir(srv),
                                                      "appendonly.aof.1.incr.aof")), 0)
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        if KIND == "redis":
            log = srv.log_since_start()
            self.assertIn("Creating AOF base file appendonly.aof.1.base.rdb on server start",
                          log)
            self.assertIn("Creating AOF incr file appendonly.aof.1.incr.aof on server start",
                          log)
        # A restart keeps the same files (nothing new is created).
        c = self.client(srv)
        c.call("SET", "k", "v")
        srv.restart(same_dir=True)
        self.assertEqual(self.read_manifest_text(srv), manifest_text(1))
        self.assertEqual(self.client(srv).call("GET", "k"), b"v")

    def test_custom_dir_and_file_names(self):
        srv = self.server(AOF + ["--appenddirname", "mydir", "--appendfilename", "my.aof"])
        self.assertEqual(sorted(os.listdir(srv.path("mydir"))),
                         ["my.aof.1.base.rdb", "my.aof.1.incr.aof", "my.aof.manifest"])
        self.assertEqual(self.read_manifest_text(srv, "mydir", "my.aof"),
                         manifest_text(1, name="my.aof"))
        self.assertFalse(os.path.exists(srv.path("appendonlydir")))
        c = self.client(srv)
        c.call("SET", "k", "v")
        self.assertEqual(c.call("CONFIG", "GET", "appenddirname"), [b"appenddirname", b"mydir"])
        self.assertEqual(c.call("CONFIG", "GET", "appendfilename"),
                         [b"appendfilename", b"my.aof"])
        srv.restart(same_dir=True)
        self.assertEqual(self.client(srv).call("GET", "k"), b"v")

    def test_rdb_preamble_no_makes_a_resp_base(self):
        srv = self.server(AOF + ["--aof-use-rdb-preamble", "no"])
        self.assertEqual(self.aof_files(srv), ["appendonly.aof.1.base.aof",
                                               "appendonly.aof.1.incr.aof",
                                               "appendonly.aof.manifest"])
        self.assertEqual(self.read_manifest_text(srv), manifest_text(1, "aof"))
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=1000)
        self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
        self.wait_layout(srv, 2, "aof")
        base = self.read_bytes(os.path.join(self.aofdir(srv), "appendonly.aof.2.base.aof"))
        commands, complete = pt.parse_aof(base)
        self.assertEqual(complete, len(base))
        self.assertFalse(base.startswith(b"REDIS"))
        names = {args[0].upper() for _, _, args in commands}
        self.assertIn(b"SELECT", names)
        self.assertTrue(names & {b"SET"}, names)
        self.assertTrue(names & {b"HSET", b"HMSET"}, names)
        # Absolute expiries in the base too.
        self.assertTrue(names & {b"PEXPIREAT"}, names)
        c.call("SET", "after", "rewrite")
        before = pt.dump_keyspace(c)
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_aof_config_defaults_and_set(self):
        srv = self.server()
        c = self.client(srv)
        expected = {"appendonly": b"no", "appendfilename": b"appendonly.aof",
                    "appenddirname": b"appendonlydir", "appendfsync": b"everysec",
                    "no-appendfsync-on-rewrite": b"no", "auto-aof-rewrite-percentage": b"100",
                    "auto-aof-rewrite-min-size": b"67108864", "aof-load-truncated": b"yes",
                    "aof-use-rdb-preamble": b"yes"}
        got = {}
        for name in expected:
            reply = c.call("CONFIG", "GET", name)
            got[name] = reply[1] if isinstance(reply, list) and len(reply) == 2 else reply
        self.assertEqual(got, expected)
        for value in ("always", "no", "everysec"):
            self.assertEqual(c.command("CONFIG", "SET", "appendfsync", value), b"+OK\r\n")
            self.assertEqual(c.call("CONFIG", "GET", "appendfsync"),
                             [b"appendfsync", value.encode()])
        self.assertIsInstance(c.call("CONFIG", "SET", "appendfsync", "sometimes"), tl.RespError)
        self.assertEqual(c.command("CONFIG", "SET", "auto-aof-rewrite-min-size", "1mb"),
                         b"+OK\r\n")
        self.assertEqual(c.call("CONFIG", "GET", "auto-aof-rewrite-min-size"),
                         [b"auto-aof-rewrite-min-size", b"1048576"])
        self.assertEqual(c.command("CONFIG", "SET", "no-appendfsync-on-rewrite", "yes"),
                         b"+OK\r\n")
        self.assertEqual(c.command("CONFIG", "SET", "aof-load-truncated", "no"), b"+OK\r\n")
        # The directory and file names are fixed at start-up.
        for name in ("appenddirname", "appendfilename"):
            reply = c.call("CONFIG", "SET", name, "x")
            self.assertIsInstance(reply, tl.RespError)
            if KIND == "redis":
                self.assertEqual(reply.message, f"ERR CONFIG SET failed (possibly related to "
                                                f"argument '{name}') - can't set immutable "
                                                f"config")


# -------------------------------------------------------------------------------------------
# 2. what the incr file holds
# -------------------------------------------------------------------------------------------

class IncrFileTest(AofTestCase):
    def test_writes_are_logged_as_redis_propagates_them(self):
        srv = self.server(AOF + ["--appendfsync", "always"])
        c = self.client(srv)
        t0 = int(time.time() * 1000)
        steps = [
            (("SET", "plain", "v"), [b"SET", b"plain", b"v"]),
            (("SET", "k", "v", "EX", 100), [b"SET", b"k", b"v", b"PXAT", 100000]),
            (("SET", "kp", "v", "PX", 200000), [b"SET", b"kp", b"v", b"PXAT", 200000]),
            (("SETEX", "sx", 300, "v"), [b"SET", b"sx", b"v", b"PXAT", 300000]),
            (("PSETEX", "px", 400000, "v"), [b"SET", b"px", b"v", b"PXAT", 400000]),
            (("INCRBYFLOAT", "f", "1.5"), [b"SET", b"f", b"1.5", b"KEEPTTL"]),
            (("HINCRBYFLOAT", "h", "a", "2.5"), [b"HSET", b"h", b"a", b"2.5"]),
            (("EXPIRE", "plain", 500), [b"PEXPIREAT", b"plain", 500000]),
            (("GETEX", "h2", "EX", 5), None),                 # no such key: nothing
            (("HSET", "h2", "x", "1"), [b"HSET", b"h2", b"x", b"1"]),
            (("PEXPIRE", "h2", 600000), [b"PEXPIREAT", b"h2", 600000]),
            (("EXPIREAT", "f", 4102444800), [b"PEXPIREAT", b"f", b"4102444800000"]),
            (("DEL", "missing"), None),
            (("SET", "plain", "x", "NX"), None),
            (("GET", "plain"), None),
            (("HSET", "plain", "f", "v"), None),              # WRONGTYPE
            (("INCR", "h"), None),                            # WRONGTYPE
            (("HDEL", "h", "nope"), None),
            (("INCR", "n"), [b"INCR", b"n"]),
        ]
        expected = [[b"SELECT", b"0"]]
        for cmd, logged in steps:
            c.call(*cmd)
            if logged is not None:
                expected.append(logged)
        # A transaction is logged whole, between MULTI and EXEC.
        self.assertEqual(c.pipeline([("MULTI",), ("SET", "t1", "1"), ("INCR", "t1"),
                                     ("HSET", "t2", "a", "b"), ("EXEC",)])[-1],
                         [b"OK", 2, 1])
        expected += [[b"MULTI"], [b"SET", b"t1", b"1"], [b"INCR", b"t1"],
                     [b"HSET", b"t2", b"a", b"b"], [b"EXEC"]]
        # SELECT is logged when the db of the next write differs.
        c.call("SELECT", 3)
        c.call("SET", "in3", "v")
        c.call("SELECT", 0)
        c.call("GET", "plain")
        c.call("SELECT", 3)
        c.call("DEL", "in3")
        c.call("SELECT", 0)
        c.call("DEL", "plain")
        expected += [[b"SELECT", b"3"], [b"SET", b"in3", b"v"], [b"DEL", b"in3"],
                     [b"SELECT", b"0"], [b"DEL", b"plain"]]
        t1 = int(time.time() * 1000)
        got = self.incr_commands(srv)
        # Compare with command names case-insensitively and relative expiries as ranges.
        self.assertEqual(len(got), len(expected), self._show(got, expected))
        for g, e in zip(got, expected):
            self.assertEqual(len(g), len(e), self._show(got, expected))
            self.assertEqual(g[0].upper(), e[0], self._show(got, expected))
            for ga, ea in zip(g[1:], e[1:]):
                if isinstance(ea, int):
                    self.assertTrue(ga.isdigit(), self._show(got, expected))
                    self.assertTrue(t0 + ea <= int(ga) <= t1 + ea,
                                    f"{g}: expected an absolute time {ea} ms after the "
                                    f"command ({t0 + ea}..{t1 + ea})")
                else:
                    self.assertEqual(ga.upper() if ea.isupper() else ga, ea,
                                     self._show(got, expected))

    @staticmethod
    def _show(got, expected):
        return ("incr file:\n  " + "\n  ".join(map(repr, got)) + "\nexpected:\n  " +
                "\n  ".join(map(repr, expected)))

    def test_failed_command_in_exec_is_not_logged_but_the_rest_is(self):
        srv = self.server(AOF + ["--appendfsync", "always"])
        c = self.client(srv)
        c.call("HSET", "h", "f", "1")
        replies = c.pipeline([("MULTI",), ("SET", "a", "1"), ("INCR", "h"), ("SET", "b", "2"),
                              ("EXEC",)])
        self.assertIsInstance(replies[-1][1], tl.RespError)
        got = [[a[0].upper()] + a[1:] for a in self.incr_commands(srv)]
        self.assertEqual(got, [[b"SELECT", b"0"], [b"HSET", b"h", b"f", b"1"], [b"MULTI"],
                               [b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"EXEC"]])
        # A transaction that writes nothing is not logged at all.
        c.pipeline([("MULTI",), ("GET", "a"), ("EXEC",)])
        self.assertEqual(len(self.incr_commands(srv)), 6)
        srv.restart(same_dir=True)
        c = self.client(srv)
        self.assertEqual((c.call("GET", "a"), c.call("GET", "b")), (b"1", b"2"))


# -------------------------------------------------------------------------------------------
# 3. replay
# -------------------------------------------------------------------------------------------

class ReplayTest(AofTestCase):
    def test_writes_of_every_kind_survive_restarts(self):
        srv = self.server(AOF)
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=3000)
        script = [
            ("SET", "exp:ex", "v", "EX", 1000), ("SET", "exp:px", "v", "PX", 2000000),
            ("SETEX", "exp:setex", 3000, "v"), ("PSETEX", "exp:psetex", 4000000, "v"),
            ("INCRBYFLOAT", "float", "1.25"), ("INCRBYFLOAT", "float", "-0.5"),
            ("EXPIRE", "float", 5000),
            ("HINCRBYFLOAT", "hf", "a", "2.5"), ("HINCRBYFLOAT", "hf", "a", "0.25"),
            ("HINCRBY", "hf", "n", 7), ("HSETNX", "hf", "n", 9), ("HSETNX", "hf", "m", 9),
            ("INCR", "int:small"), ("DECRBY", "int:neg", 10), ("INCRBY", "ctr", 1 << 40),
            ("APPEND", "str:short", " world"), ("SETRANGE", "str:15", 20, "tail"),
            ("GETSET", "int:zero", "zero"), ("GETDEL", "int:float"),
            ("MSET", "m1", "1", "m2", "2"), ("MSETNX", "m1", "x", "m3", "3"),
            ("SETNX", "m2", "no"), ("HDEL", "hash:small", "f1"), ("HMSET", "hm", "a", "1"),
            ("PERSIST", "ttl:str"), ("PEXPIRE", "ttl:int", 123456789),
            ("EXPIREAT", "m1", 4102444800), ("GETEX", "m2", "PX", 7777777),
            ("GETEX", "ttl:str:ms", "PERSIST"),
            ("DEL", "hash:600", "str:empty"), ("UNLINK", "hash:513"),
            ("RENAME", "str:utf8", "renamed"), ("RENAMENX", "hash:ints", "renamed:h"),
            ("MOVE", "str:lzf:1000", 1), ("COPY", "hash:small", "copied"),
            ("SELECT", 1), ("SET", "db1:new", "x"), ("DEL", "db1:int"),
            ("HSET", "db1:hash", "z", "26"), ("SELECT", 9), ("FLUSHDB",),
            ("SET", "db9:after-flush", "1"), ("SELECT", 4), ("SET", "in4", "4"),
            ("SWAPDB", 4, 5), ("SELECT", 0), ("SET", "binary\r\nkey\x00", "\x00\r\n"),
            ("MULTI",), ("SET", "tx:a", "1"), ("INCR", "tx:a"), ("HSET", "tx:h", "f", "v"),
            ("EXPIRE", "tx:h", 9999), ("EXEC",),
            ("SET", "gone:soon", "x", "PX", 1),
        ]
        for cmd in script:
            c.call(*cmd)
        tl.wait_until(lambda: c.call("EXISTS", "gone:soon") == 0, timeout=5,
                      what="gone:soon to expire")
        before = pt.dump_keyspace(c)
        self.assertIn(5, before)
        self.assertNotIn(4, before)
        srv.restart(same_dir=True)
        c = self.client(srv)
        self.assert_same_keyspace(before, pt.dump_keyspace(c), ttl_tolerance_ms=10000)
        self.assertEqual(c.call("GET", "float"), b"0.75")
        self.assertEqual(c.call("HGET", "hf", "a"), b"2.75")
        # Restarting again (now replaying the same files once more) changes nothing.
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)),
                                  ttl_tolerance_ms=10000)

    def test_expiries_are_absolute(self):
        srv = self.server(AOF)
        c = self.client(srv)
        c.call("SET", "soon", "1", "PX", 1500)
        c.call("HSET", "soon:h", "f", "v")
        c.call("PEXPIRE", "soon:h", 1500)
        c.call("SET", "later", "1", "EX", 1000)
        c.call("HSET", "later:h", "f", "v")
        c.call("EXPIRE", "later:h", 2000)
        deadline = c.call("PEXPIRETIME", "soon")
        later = (c.call("PEXPIRETIME", "later"), c.call("PEXPIRETIME", "later:h"))
        srv.stop(keep_dir=True)
        tl.wait_until(lambda: time.time() * 1000 > deadline + 50, timeout=5,
                      what="the keys' expiry")
        srv.start()
        c = self.client(srv)
        self.assertEqual(sorted(c.call("KEYS", "*")), [b"later", b"later:h"])
        # Exactly the same deadline: nothing was re-computed relative to the load time.
        self.assertEqual((c.call("PEXPIRETIME", "later"), c.call("PEXPIRETIME", "later:h")),
                         later)

    def test_appendfsync_modes_all_replay(self):
        for mode in ("always", "everysec", "no"):
            with self.subTest(appendfsync=mode):
                srv = self.server(AOF + ["--appendfsync", mode])
                c = self.client(srv)
                for i in range(200):
                    c.call("SET", f"k{i}", i)
                c.call("HSET", "h", "mode", mode)
                before = pt.dump_keyspace(c)
                # With "always", written (and fsynced) before the reply; otherwise soon after.
                if mode == "always":
                    self.assertEqual(len(self.incr_commands(srv)), 202)
                else:
                    tl.wait_until(lambda: len(self.incr_commands(srv)) == 202, timeout=5,
                                  what="the writes in the incr file")
                srv.restart(same_dir=True)
                self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_aof_wins_over_dump_rdb(self):
        # With appendonly yes the AOF is loaded and dump.rdb is ignored.
        srv = self.server(["--save", ""])
        c = self.client(srv)
        c.call("SET", "from", "rdb")
        c.call("SET", "only:rdb", "1")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        srv.stop(keep_dir=True)
        srv.extra_args = AOF
        srv.start()                    # no AOF yet: starts empty and creates one
        c = self.client(srv)
        self.assertEqual(c.call("DBSIZE"), 0)
        c.call("SET", "from", "aof")
        srv.restart(same_dir=True)
        c = self.client(srv)
        self.assertEqual(c.call("GET", "from"), b"aof")
        self.assertEqual(c.call("EXISTS", "only:rdb"), 0)


# -------------------------------------------------------------------------------------------
# 4. rewrites, and switching AOF on and off
# -------------------------------------------------------------------------------------------

class RewriteTest(AofTestCase):
    def test_bgrewriteaof_makes_a_new_base_and_removes_history(self):
        srv = self.server(AOF)
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=5000)
        c.call("INCRBYFLOAT", "float", "3.5")
        snapshot = pt.dump_keyspace(c)
        self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
        self.wait_layout(srv, 2)
        base = pt.parse_rdb(self.read_bytes(os.path.join(self.aofdir(srv),
                                                         "appendonly.aof.2.base.rdb")))
        self.assertEqual(base.aux.get(b"aof-base"), b"1")
        self.assert_same_keyspace(snapshot, pt.keyspace_from_rdb(base), what="base vs server")
        # Writes after the rewrite go to the new incr file.
        c.call("SET", "after", "1")
        c.call("DEL", "bulk:000003")
        # (appendfsync everysec may postpone the write while a background fsync runs.)
        tl.wait_until(lambda: [a[0].upper() for a in self.incr_commands(srv, 2)] ==
                      [b"SELECT", b"SET", b"DEL"], timeout=5,
                      what="SELECT, SET, DEL in appendonly.aof.2.incr.aof")
        before = pt.dump_keyspace(c)
        # A second rewrite: seq 3.
        self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
        self.wait_layout(srv, 3)
        self.assertEqual(self.incr_commands(srv, 3), [])
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))
        self.assertEqual(self.read_manifest_text(srv), manifest_text(3))

    def test_writes_during_a_rewrite_are_kept(self):
        srv = self.server(AOF)
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=20000)
        replies = c.pipeline([("BGREWRITEAOF",)] + [("SET", f"during:{i}", i)
                                                     for i in range(2000)] +
                             [("BGREWRITEAOF",)])
        self.assertEqual(replies[0], b"Background append only file rewriting started")
        self.assertEqual(replies[-1], tl.RespError("ERR Background append only file rewriting "
                                                   "already in progress"))
        self.wait_layout(srv, 2)
        before = pt.dump_keyspace(c)
        self.assertEqual(c.call("GET", "during:1999"), b"1999")
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_bgrewriteaof_during_bgsave_is_scheduled(self):
        srv = self.server(AOF)
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=20000)
        replies = c.pipeline([("BGSAVE",), ("BGREWRITEAOF",)])
        self.assertEqual(replies, [b"Background saving started",
                                   b"Background append only file rewriting scheduled"])
        self.wait_layout(srv, 2)

    def test_automatic_rewrite_when_the_aof_grows(self):
        srv = self.server(AOF + ["--auto-aof-rewrite-percentage", "100",
                                 "--auto-aof-rewrite-min-size", "64kb"])
        c = self.client(srv)
        c.pipeline([("SET", f"key:{i}", "x" * 60) for i in range(3000)])   # ~300 kB of AOF
        self.wait_layout(srv, 2)
        c.call("SET", "after", "1")
        before = pt.dump_keyspace(c)
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_config_set_appendonly_yes_at_run_time(self):
        srv = self.server()                         # appendonly no, save ""
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=3000)
        self.assertFalse(os.path.exists(self.aofdir(srv)))
        self.assertEqual(c.command("CONFIG", "SET", "appendonly", "yes"), b"+OK\r\n")
        self.wait_layout(srv, 1)
        c.call("SET", "after", "switch")
        c.call("DEL", "bulk:000001")
        before = pt.dump_keyspace(c)
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        srv.stop(keep_dir=True)
        srv.extra_args = AOF
        srv.start()
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_config_set_appendonly_no_stops_logging(self):
        srv = self.server(AOF)
        c = self.client(srv)
        c.call("SET", "a", "1")
        self.assertEqual(c.command("CONFIG", "SET", "appendonly", "no"), b"+OK\r\n")
        size = os.path.getsize(os.path.join(self.aofdir(srv), "appendonly.aof.1.incr.aof"))
        c.call("SET", "b", "2")
        self.assertEqual(os.path.getsize(os.path.join(self.aofdir(srv),
                                                      "appendonly.aof.1.incr.aof")), size)
        srv.restart(same_dir=True)            # still started with appendonly yes
        c = self.client(srv)
        self.assertEqual((c.call("GET", "a"), c.call("GET", "b")), (b"1", None))


# -------------------------------------------------------------------------------------------
# 5. bad files and redis-check-aof
# -------------------------------------------------------------------------------------------

class BadAofTest(AofTestCase):
    INCR = os.path.join("appendonlydir", "appendonly.aof.1.incr.aof")

    def make_aof(self, extra_args=()):
        """A server's directory with an AOF: base (with the mixed data set via a rewrite) and
        an incr file of known commands; the server is stopped. Returns (srv, dump)."""
        srv = self.server(AOF + list(extra_args))
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=500)
        self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
        self.wait_layout(srv, 2)
        self.INCR = os.path.join("appendonlydir", "appendonly.aof.2.incr.aof")
        for i in range(20):
            c.call("SET", f"incr:{i}", f"value-{i}")
        c.pipeline([("MULTI",), ("SET", "tx:a", "1"), ("HSET", "tx:h", "f", "v"),
                    ("SET", "tx:b", "2"), ("EXEC",)])
        c.call("SET", "last", "x" * 100)
        dump = pt.dump_keyspace(c)
        self.terminate(srv)
        return srv, dump

    def test_truncated_last_command_is_repaired_when_allowed(self):
        srv, dump = self.make_aof()
        path = srv.path(self.INCR)
        data = self.read_bytes(path)
        commands, _ = pt.parse_aof(data)
        last_start = commands[-1][0]
        self.write_bytes(path, data[:len(data) - 30])          # mid "SET last xxx..."
        srv.start()
        c = self.client(srv)
        del dump[0][b"last"]
        self.assert_same_keyspace(dump, pt.dump_keyspace(c))
        # The file is cut back to the end of the last whole command.
        self.assertEqual(self.read_bytes(path), data[:last_start])
        log = srv.log_since_start()
        if KIND == "redis":
            self.assertIn("!!! Warning: short read while loading the AOF file "
                          "appendonly.aof.2.incr.aof!!!", log)
            self.assertIn(f"!!! Truncating the AOF appendonly.aof.2.incr.aof at offset "
                          f"{last_start} !!!", log)
            self.assertIn("AOF appendonly.aof.2.incr.aof loaded anyway because "
                          "aof-load-truncated is enabled", log)
        else:
            self.assertRegex(log, r"(?i)truncat")
        # New writes go after the repaired end and replay.
        c.call("SET", "new", "1")
        srv.restart(same_dir=True)
        self.assertEqual(self.client(srv).call("GET", "new"), b"1")

    def test_truncated_inside_multi_drops_the_transaction(self):
        srv, dump = self.make_aof()
        path = srv.path(self.INCR)
        data = self.read_bytes(path)
        commands, _ = pt.parse_aof(data)
        multi = next(i for i, (_, _, a) in enumerate(commands) if a[0].upper() == b"MULTI")
        before_multi = data[:commands[multi][0]]
        # Cut in the middle of the transaction (after MULTI and one queued command, inside
        # the next one), and at a command boundary just before EXEC.
        for where, cut in (("mid-command", commands[multi + 2][0] + 5),
                           ("before EXEC", commands[multi + 3][1])):
            with self.subTest(cut=where):
                try:
                    self.write_bytes(path, data[:cut])
                    srv.start()
                    c = self.client(srv)
                    expected = {db: dict(e) for db, e in dump.items()}
                    for k in (b"tx:a", b"tx:h", b"tx:b", b"last"):
                        del expected[0][k]
                    self.assert_same_keyspace(expected, pt.dump_keyspace(c))
                    log = srv.log_since_start()
                    repaired = self.read_bytes(path)
                    if where == "before EXEC":
                        # Whole commands but no EXEC: the transaction is reverted and cut off.
                        self.assertEqual(repaired, before_multi)
                        if KIND == "redis":
                            self.assertIn("Revert incomplete MULTI/EXEC transaction in AOF file "
                                          "appendonly.aof.2.incr.aof", log)
                    elif KIND == "redis":
                        # Redis 7.0.15 cuts back to the last whole command, keeping the
                        # dangling MULTI and its first queued command.
                        self.assertEqual(repaired, data[:commands[multi + 1][1]])
                    else:
                        self.assertIn(repaired, (before_multi, data[:commands[multi + 1][1]]))
                    # Writes acknowledged after the repair survive the next restart. Redis
                    # 7.0.15 loses them after a mid-command cut (its dangling MULTI swallows
                    # them and is reverted again): a Redis bug Petrel must not copy.
                    c.call("SET", "after:repair", where)
                    c.call("HSET", "after:repair:h", "f", "v")
                    srv.restart(same_dir=True)
                    c = self.client(srv)
                    if not (KIND == "redis" and where == "mid-command"):
                        self.assertEqual(c.call("GET", "after:repair"), where.encode())
                        self.assertEqual(c.call("HGET", "after:repair:h", "f"), b"v")
                        self.assertEqual(c.call("EXISTS", "tx:a", "tx:h", "tx:b"), 0)
                    self.terminate(srv)
                finally:
                    if srv.alive():
                        srv.stop(keep_dir=True)

    def test_truncated_file_is_refused_when_not_allowed(self):
        srv, dump = self.make_aof(["--aof-load-truncated", "no"])
        path = srv.path(self.INCR)
        data = self.read_bytes(path)
        self.write_bytes(path, data[:-7])
        files = self.snapshot_dir(srv.path("appendonlydir"))
        log = self.assert_refuses_to_start(srv)
        self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)
        if KIND == "redis":
            self.assertIn("Unexpected end of file reading the append only file "
                          "appendonly.aof.2.incr.aof", log)
        else:
            self.assertRegex(log, r"(?i)unexpected end|truncat|short read")

    def test_garbage_byte_in_the_middle_is_refused(self):
        srv, dump = self.make_aof()
        path = srv.path(self.INCR)
        data = self.read_bytes(path)
        commands, _ = pt.parse_aof(data)
        for how, bad in (
                ("replace *", data[:commands[5][0]] + b"x" + data[commands[5][0] + 1:]),
                ("insert byte", data[:commands[8][0]] + b"\x00" + data[commands[8][0]:]),
                ("bad bulk length", data[:commands[3][0]] +
                 data[commands[3][0]:commands[3][1]].replace(b"$3\r\n", b"$Z\r\n", 1) +
                 data[commands[3][1]:])):
            with self.subTest(how=how):
                self.assertNotEqual(bad, data)
                self.write_bytes(path, bad)
                files = self.snapshot_dir(srv.path("appendonlydir"))
                log = self.assert_refuses_to_start(srv)
                self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)
                if KIND == "redis":
                    self.assertIn("Bad file format reading the append only file "
                                  "appendonly.aof.2.incr.aof", log)
                else:
                    self.assertRegex(log, CORRUPT_WORDS)

    def test_corrupt_base_is_refused(self):
        srv, dump = self.make_aof()
        path = srv.path("appendonlydir", "appendonly.aof.2.base.rdb")
        data = bytearray(self.read_bytes(path))
        data[-1] ^= 0x40                                  # checksum
        self.write_bytes(path, bytes(data))
        files = self.snapshot_dir(srv.path("appendonlydir"))
        log = self.assert_refuses_to_start(srv)
        self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)
        if KIND == "redis":
            self.assertIn("Wrong RDB checksum", log)
        else:
            self.assertRegex(log, r"(?i)checksum")
        # A truncated base is refused too, even with aof-load-truncated yes.
        self.write_bytes(path, bytes(data[:len(data) // 2]))
        files = self.snapshot_dir(srv.path("appendonlydir"))
        self.assert_refuses_to_start(srv)
        self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)

    def test_bad_manifest_is_refused(self):
        srv, dump = self.make_aof()
        path = srv.path("appendonlydir", "appendonly.aof.manifest")
        # Redis: "*** FATAL AOF MANIFEST FILE ERROR ***", "Reading the manifest file, at line
        # N", ">>> '<the line>'", then the reason.
        for how, text, reason in (
                ("garbage", b"this is not a manifest\n", "Invalid AOF manifest file format"),
                ("two bases", manifest_text(2).encode() +
                 b"file appendonly.aof.1.base.rdb seq 1 type b\n",
                 "Found duplicate base file information"),
                ("unknown type", b"file appendonly.aof.2.base.rdb seq 2 type x\n",
                 "Unknown AOF file type")):
            with self.subTest(how=how):
                self.write_bytes(path, text)
                files = self.snapshot_dir(srv.path("appendonlydir"))
                log = self.assert_refuses_to_start(srv)
                self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)
                if KIND == "redis":
                    self.assertIn("*** FATAL AOF MANIFEST FILE ERROR ***", log)
                    self.assertIn(reason, log)
                else:
                    self.assertRegex(log, r"(?i)manifest")

    def test_missing_incr_file_named_in_the_manifest_is_refused(self):
        srv, dump = self.make_aof()
        os.unlink(srv.path(self.INCR))
        files = self.snapshot_dir(srv.path("appendonlydir"))
        log = self.assert_refuses_to_start(srv)
        self.assertEqual(self.snapshot_dir(srv.path("appendonlydir")), files)
        if KIND == "petrel":
            self.assertIn("appendonly.aof.2.incr.aof", log)

    def test_redis_check_aof_accepts_the_files(self):
        if not os.access(REDIS_CHECK_AOF, os.X_OK):
            self.skipTest(f"{REDIS_CHECK_AOF} not installed")
        for preamble in ("yes", "no"):
            with self.subTest(aof_use_rdb_preamble=preamble):
                srv = self.server(AOF + ["--aof-use-rdb-preamble", preamble])
                c = self.client(srv)
                pt.fill_mixed_dataset(c, bulk_keys=2000)
                self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
                self.wait_layout(srv, 2, "rdb" if preamble == "yes" else "aof")
                c.pipeline([("SET", "x", "1"), ("MULTI",), ("INCR", "x"), ("EXEC",),
                            ("SET", "e", "1", "EX", 100)])
                self.terminate(srv)
                proc = subprocess.run(
                    [REDIS_CHECK_AOF, srv.path("appendonlydir", "appendonly.aof.manifest")],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, cwd=srv.dir)
                out = proc.stdout.decode("utf-8", "replace")
                self.assertEqual(proc.returncode, 0, out)
                self.assertIn("All AOF files and manifest are valid", out)
                if preamble == "yes":
                    self.assertIn("RDB preamble is OK, proceeding with AOF tail", out)


if __name__ == "__main__":
    unittest.main()
