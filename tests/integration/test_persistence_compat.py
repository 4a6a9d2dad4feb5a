#!/usr/bin/python3
"""File compatibility between petrel-server and redis-server 7.0, both ways.

  Redis writes dump.rdb          -> Petrel starts on it and serves the same data
  Petrel writes dump.rdb         -> Redis starts on it and serves the same data
  Redis writes appendonlydir/    -> Petrel starts on it (RDB-preamble base, and RESP base)
  Petrel writes appendonlydir/   -> Redis starts on it
  Redis -> Petrel -> Redis       -> still the same data after each hop (RDB and AOF)

The data set mixes every encoding Redis writes for strings and hashes: integer strings
(C0/C1/C2), LZF strings, raw and binary strings, listpack hashes (type 16) and hashtable hashes
(type 4: 600 and 513 fields, values over 64 bytes), keys with TTLs, and three dbs; the AOF
tests add incr-file commands (SET .. PXAT, PEXPIREAT, INCRBYFLOAT as SET .. KEEPTTL,
HINCRBYFLOAT as HSET, MULTI/EXEC, SELECT, RENAME, MOVE, FLUSHDB). Every comparison is key by
key over all dbs: type, value, TTL present and close.

Needs both binaries (tl.petrel_bin(), tl.redis_bin()); skips otherwise. With
PETREL_TEST_TARGET=redis the "Petrel" side is redis-server as well (Redis <-> Redis), which
checks the tests themselves.
"""

import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402
import persistence_testlib as pt  # noqa: E402

KIND = tl.target_kind()          # the side under test ("petrel", or "redis" to validate)
AOF = ["--appendonly", "yes"]
BULK = 10000


def binaries_missing():
    missing = [b for b in {tl.redis_bin(), tl.petrel_bin() if KIND == "petrel" else None}
               if b and not os.access(b, os.X_OK)]
    return missing


@unittest.skipIf(binaries_missing(), f"server binaries missing: {binaries_missing()}")
class CompatTestCase(pt.PersistenceTestCase):
    def fill(self, c):
        pt.fill_mixed_dataset(c, bulk_keys=BULK)

    def incr_writes(self, c):
        """Writes that land in an incr file as Redis 7.0 rewrites them."""
        script = [
            ("SET", "aof:ex", "v", "EX", 5000), ("SETEX", "aof:setex", 6000, "v"),
            ("INCRBYFLOAT", "aof:float", "10.5"), ("INCRBYFLOAT", "aof:float", "0.25"),
            ("HINCRBYFLOAT", "aof:hf", "x", "1.5"), ("EXPIRE", "aof:hf", 7000),
            ("EXPIREAT", "aof:float", 4102444800), ("INCR", "int:small"),
            ("APPEND", "str:short", " again"), ("HSET", "hash:600", "f000", "changed"),
            ("HDEL", "hash:600", "f001"), ("DEL", "bulk:000003"),
            ("RENAME", "str:lzf:text", "renamed:lzf"), ("MOVE", "str:16", 1),
            ("PERSIST", "ttl:str"),
            ("MULTI",), ("SET", "tx:1", "a"), ("HSET", "tx:h", "f", "v"), ("INCR", "tx:n"),
            ("EXEC",),
            ("SELECT", 9), ("FLUSHDB",), ("SET", "db9:new", "after flush"),
            ("SELECT", 1), ("HSET", "db1:hash", "added", "in db1"), ("SELECT", 0),
            ("HSET", "aof:big", *[a for i in range(700) for a in (b"k%d" % i, b"v" * (i % 90))]),
        ]
        for cmd in script:
            reply = c.call(*cmd)
            self.assertNotIsInstance(reply, tl.RespError, f"{cmd}: {reply}")

    def rdb_from(self, writer_kind, args=()):
        """A dump.rdb written (SAVE) by a `writer_kind` server holding the data set; returns
        (path of a fresh directory holding only dump.rdb, the writer's keyspace)."""
        w = self.server(args, kind=writer_kind)
        c = self.client(w)
        self.fill(c)
        expected = pt.dump_keyspace(c)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        d = self.tempdir()
        shutil.copy(w.path("dump.rdb"), os.path.join(d, "dump.rdb"))
        w.stop(keep_dir=True)
        return d, expected

    def aof_from(self, writer_kind, args=()):
        """An appendonlydir written by a `writer_kind` server: the data set in a rewritten
        base, then incr-file writes; returns (fresh dir holding only appendonlydir/, the
        writer's keyspace)."""
        w = self.server(AOF + list(args), kind=writer_kind)
        c = self.client(w)
        self.fill(c)
        self.assertEqual(c.command("BGREWRITEAOF"),
                         b"+Background append only file rewriting started\r\n")
        manifest = w.path("appendonlydir", "appendonly.aof.manifest")

        def rewritten():
            try:
                with open(manifest) as f:
                    return "seq 2 type b" in f.read()
            except OSError:
                return False
        tl.wait_until(rewritten, timeout=30, what="the AOF rewrite")
        self.incr_writes(c)
        expected = pt.dump_keyspace(c)
        self.terminate(w)
        d = self.tempdir()
        shutil.copytree(w.path("appendonlydir"), os.path.join(d, "appendonlydir"))
        return d, expected

    def load_in(self, reader_kind, d, args=()):
        srv = self.server(args, kind=reader_kind, dir=d)
        return srv, pt.dump_keyspace(self.client(srv))


class RdbCompatTest(CompatTestCase):
    def test_redis_rdb_loads_in_the_target(self):
        d, expected = self.rdb_from("redis")
        # The file really holds every encoding the data set is meant to exercise.
        rdb = pt.parse_rdb(self.read_bytes(os.path.join(d, "dump.rdb")))
        types = rdb.type_codes()
        self.assertIn(16, types)
        self.assertIn(4, types)
        for enc in ("int8", "int16", "int32", "lzf", "raw"):
            self.assertIn(enc, rdb.string_encodings)
        data = self.read_bytes(os.path.join(d, "dump.rdb"))
        srv, got = self.load_in(KIND, d)
        self.assert_same_keyspace(expected, got, what="Redis RDB loaded by " + KIND)
        self.assertEqual(self.read_bytes(os.path.join(d, "dump.rdb")), data)

    def test_redis_rdb_without_compression_or_checksum_loads_in_the_target(self):
        d, expected = self.rdb_from("redis", ["--rdbcompression", "no", "--rdbchecksum", "no"])
        srv, got = self.load_in(KIND, d)
        self.assert_same_keyspace(expected, got)

    def test_target_rdb_loads_in_redis(self):
        d, expected = self.rdb_from(KIND)
        srv, got = self.load_in("redis", d)
        self.assert_same_keyspace(expected, got, what=KIND + " RDB loaded by Redis")
        keys = sum(len(e) for e in expected.values())
        self.assertIn(f"Done loading RDB, keys loaded: {keys}, keys expired: 0.",
                      srv.log_since_start())

    def test_target_rdb_without_compression_or_checksum_loads_in_redis(self):
        d, expected = self.rdb_from(KIND, ["--rdbcompression", "no", "--rdbchecksum", "no"])
        srv, got = self.load_in("redis", d)
        self.assert_same_keyspace(expected, got)
        self.assertIn("RDB file was saved with checksum disabled: no check performed.",
                      srv.log_since_start())

    def test_redis_to_target_to_redis(self):
        d, expected = self.rdb_from("redis")
        mid, got = self.load_in(KIND, d)
        self.assert_same_keyspace(expected, got, what="hop 1 (Redis -> " + KIND + ")")
        c = self.client(mid)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        d2 = self.tempdir()
        shutil.copy(mid.path("dump.rdb"), os.path.join(d2, "dump.rdb"))
        srv, got2 = self.load_in("redis", d2)
        self.assert_same_keyspace(expected, got2, what="hop 2 (" + KIND + " -> Redis)")


class AofCompatTest(CompatTestCase):
    def test_redis_aof_loads_in_the_target(self):
        d, expected = self.aof_from("redis")
        before = self.snapshot(d)
        srv, got = self.load_in(KIND, d, AOF)
        self.assert_same_keyspace(expected, got, what="Redis AOF loaded by " + KIND)
        # Loading keeps the files (same names, same manifest; nothing truncated).
        after = self.snapshot(d)
        self.assertEqual(sorted(after), sorted(before))
        self.assertEqual(after["appendonlydir/appendonly.aof.manifest"],
                         before["appendonlydir/appendonly.aof.manifest"])
        for name, data in before.items():
            self.assertTrue(after[name].startswith(data), f"{name} changed")

    def test_redis_aof_with_resp_base_loads_in_the_target(self):
        d, expected = self.aof_from("redis", ["--aof-use-rdb-preamble", "no"])
        self.assertTrue(os.path.exists(os.path.join(d, "appendonlydir",
                                                    "appendonly.aof.2.base.aof")))
        srv, got = self.load_in(KIND, d, AOF)
        self.assert_same_keyspace(expected, got)

    def test_target_aof_loads_in_redis(self):
        d, expected = self.aof_from(KIND)
        srv, got = self.load_in("redis", d, AOF)
        self.assert_same_keyspace(expected, got, what=KIND + " AOF loaded by Redis")
        log = srv.log_since_start()
        self.assertIn("DB loaded from base file appendonly.aof.2.base.rdb", log)
        self.assertIn("DB loaded from incr file appendonly.aof.2.incr.aof", log)
        self.assertNotIn("Truncating the AOF", log)

    def test_target_aof_with_resp_base_loads_in_redis(self):
        d, expected = self.aof_from(KIND, ["--aof-use-rdb-preamble", "no"])
        self.assertTrue(os.path.exists(os.path.join(d, "appendonlydir",
                                                    "appendonly.aof.2.base.aof")))
        srv, got = self.load_in("redis", d, AOF)
        self.assert_same_keyspace(expected, got)
        self.assertIn("DB loaded from base file appendonly.aof.2.base.aof",
                      srv.log_since_start())

    def test_redis_to_target_to_redis(self):
        d, expected = self.aof_from("redis")
        mid, got = self.load_in(KIND, d, AOF)
        self.assert_same_keyspace(expected, got, what="hop 1 (Redis -> " + KIND + ")")
        # The target goes on appending to Redis's incr file, then rewrites.
        c = self.client(mid)
        c.call("SET", "hop1", "x", "EX", 8000)
        c.call("HSET", "hash:small", "hop1", "y")
        self.assertEqual(c.command("BGREWRITEAOF"),
                         b"+Background append only file rewriting started\r\n")
        manifest = mid.path("appendonlydir", "appendonly.aof.manifest")
        tl.wait_until(lambda: b"seq 3 type b" in self.read_bytes(manifest), timeout=30,
                      what="the AOF rewrite")
        c.call("SET", "hop1:after-rewrite", "z")
        expected2 = pt.dump_keyspace(c)
        self.terminate(mid)
        d2 = self.tempdir()
        shutil.copytree(mid.path("appendonlydir"), os.path.join(d2, "appendonlydir"))
        srv, got2 = self.load_in("redis", d2, AOF)
        self.assert_same_keyspace(expected2, got2, what="hop 2 (" + KIND + " -> Redis)")

    def snapshot(self, d):
        out = {}
        for root, _, files in os.walk(d):
            for f in files:
                if f == "server.log":
                    continue
                full = os.path.join(root, f)
                out[os.path.relpath(full, d)] = self.read_bytes(full)
        return out


if __name__ == "__main__":
    unittest.main()
