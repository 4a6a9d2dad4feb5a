#!/usr/bin/python3
"""RDB persistence of petrel-server, with redis-server 7.0's behaviour as the reference.

1. SAVE, restart in the same directory: every key of a mixed data set comes back (strings at
   every integer/LZF/raw encoding, binary values and key names, listpack and hashtable hashes,
   TTLs, three dbs); keys that expired while the server was down are not loaded.
2. The file itself: REDIS0010, AUX fields, SELECTDB/RESIZEDB, integer and LZF encodings as
   Redis chooses them, CRC64; redis-check-rdb accepts it; rdbcompression no / rdbchecksum no.
3. BGSAVE, BGSAVE SCHEDULE, LASTSAVE, save points, CONFIG SET dir/dbfilename/save.
4. SHUTDOWN [SAVE|NOSAVE] and SIGTERM with and without save points.
5. Hand-made files: hashes as ziplists (Redis 6.2's RDB 9), listpacks and hashtables, LZF and
   integer strings, unknown AUX fields, expired keys.
6. Bad files (a flipped byte, a bad checksum, truncations): start-up fails with a non-zero
   exit and a clear log line, and the file is left as it was. Petrel only: an RDB holding a
   list or a set is refused, naming the type.

Every test starts its own servers in directories kept across restarts. PETREL_TEST_TARGET=redis
runs everything against Debian's redis-server to check the expectations themselves.

Redis 7.0.15's log lines seen by these tests (Petrel's wording may differ; the tests check
them only against Redis, and check Petrel for the same meaning):
  "Done loading RDB, keys loaded: N, keys expired: M."
  "RDB file was saved with checksum disabled: no check performed."
  "Wrong RDB checksum expected: (0x...) got (0x...). Aborting now."
  "Short read or OOM loading DB. Unrecoverable error, aborting now."
  "Internal error in RDB reading offset 0, function at rdb.c:NNN -> Unexpected EOF reading
   RDB file"
  "Internal error in RDB reading offset 0, function at rdb.c:NNN -> RDB CRC error"
  "Internal error in RDB reading offset 0, function at rdb.c:NNN -> Unknown RDB encoding type
   99" (a bad value type byte), "... -> Unknown RDB string encoding type 57" (a bad length)
  "Wrong signature trying to load DB from file", "Can't handle RDB format version 12", then
  "Fatal error loading the DB: Invalid argument. Exiting."
  "DB saved on disk", "Background saving started by pid N",
  "User requested shutdown...", "Saving the final RDB snapshot before exiting."
"""

import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402
import persistence_testlib as pt  # noqa: E402

KIND = tl.target_kind()
REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB_BIN", "/usr/bin/redis-check-rdb")

BGSAVE_STARTED = b"+Background saving started\r\n"
BGSAVE_SCHEDULED = b"+Background saving scheduled\r\n"
BGSAVE_IN_PROGRESS = b"-ERR Background save already in progress\r\n"
BGSAVE_CHILD_ACTIVE = (b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                       b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                       b"possible.\r\n")
BGREWRITEAOF_STARTED = b"+Background append only file rewriting started\r\n"

# How a corrupt or truncated file may be described in Petrel's log (any of these; Redis's own
# phrases are checked exactly when the target is redis).
CORRUPT_WORDS = re.compile(r"(?i)checksum|corrupt|truncat|short read|unexpected (eof|end)|"
                           r"bad|invalid|wrong|unknown|malformed|unsupported|can't handle|"
                           r"signature|version")
TRUNCATED_WORDS = re.compile(r"(?i)truncat|short read|unexpected (eof|end)|end of file")


def bulk_dataset(client, keys):
    """`keys` strings and a hash per 10 keys in db 0, written with pipelining."""
    cmds = []
    for i in range(keys):
        if i % 10 == 0:
            cmds.append(("HSET", b"h:%06d" % i, "a", i, "b", b"text-%d" % i))
        else:
            cmds.append(("SET", b"k:%06d" % i, b"value-%d-" % i + b"p" * (i % 40)))
    for reply in client.pipeline(cmds):
        assert not isinstance(reply, tl.RespError), reply


class RdbTestCase(pt.PersistenceTestCase):
    def save_and_parse(self, srv, c):
        """SAVE and return (file bytes, RdbFile)."""
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        data = self.read_bytes(srv.path("dump.rdb"))
        try:
            rdb = pt.parse_rdb(data)
        except pt.RdbFormatError as e:
            self.fail(f"dump.rdb ({len(data)} bytes) cannot be parsed: {e}")
        return data, rdb

    def wait_next_second(self, c):
        """Wait (bounded) until the clock is past LASTSAVE's second, so that the next save
        gives LASTSAVE a larger value; return LASTSAVE."""
        last = c.call("LASTSAVE")
        self.assertIsInstance(last, int)
        tl.wait_until(lambda: time.time() >= last + 1, timeout=5, what="the next second")
        return last

    def wait_lastsave_after(self, c, last, timeout=20):
        return tl.wait_until(lambda: c.call("LASTSAVE") > last, timeout=timeout,
                             what=f"LASTSAVE to advance past {last}")


# -------------------------------------------------------------------------------------------
# 1. round trips
# -------------------------------------------------------------------------------------------

class RoundTripTest(RdbTestCase):
    def test_save_then_restart_restores_every_key_of_every_db(self):
        srv = self.server()
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=10000)
        before = pt.dump_keyspace(c)
        self.assertEqual(sorted(before), [0, 1, 9])
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        srv.restart(same_dir=True)
        after = pt.dump_keyspace(self.client(srv))
        self.assert_same_keyspace(before, after, ttl_tolerance_ms=20000)
        # Spot checks that the comparison really covers what matters.
        self.assertEqual(after[0][b"str:binary"][1], b"\x00\r\n\x00bin\xff\xfe\r\n\x00")
        self.assertEqual(after[0][b"str:empty"], ("string", b"", -1))
        self.assertEqual(after[0][b"int:int64min"][1], b"-9223372036854775808")
        self.assertEqual(len(after[0][b"hash:600"][1]), 600)
        self.assertEqual(after[0][b"hash:65val"][1][b"a"], b"x" * 65)
        self.assertGreater(after[0][b"ttl:str"][2], 2_900_000)
        self.assertEqual(after[1][b"str:short"][1], b"same key name as in db 0, other value")
        if KIND == "redis":
            keys = sum(len(e) for e in before.values())
            self.assertIn(f"Done loading RDB, keys loaded: {keys}, keys expired: 0.",
                          srv.log_since_start())

    def test_a_second_save_replaces_the_first(self):
        srv = self.server()
        c = self.client(srv)
        c.call("SET", "a", "1")
        c.call("SET", "gone", "x")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        c.call("SET", "a", "2")
        c.call("DEL", "gone")
        c.call("HSET", "h", "f", "v")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        srv.restart(same_dir=True)
        c = self.client(srv)
        self.assertEqual(sorted(c.call("KEYS", "*")), [b"a", b"h"])
        self.assertEqual(c.call("GET", "a"), b"2")
        # No temporary file is left next to dump.rdb.
        self.assertEqual(sorted(f for f in os.listdir(srv.dir) if f != "server.log"),
                         ["dump.rdb"])

    def test_empty_keyspace_saves_and_loads(self):
        srv = self.server()
        c = self.client(srv)
        data, rdb = self.save_and_parse(srv, c)
        self.assertEqual(rdb.dbs, {})
        srv.restart(same_dir=True)
        self.assertEqual(self.client(srv).call("DBSIZE"), 0)

    def test_keys_that_expired_while_the_server_was_down_are_not_loaded(self):
        srv = self.server()
        c = self.client(srv)
        c.call("SET", "stays", "1")
        c.call("SET", "short", "1", "PX", 1500)
        c.call("HSET", "short:h", "f", "v")
        c.call("PEXPIRE", "short:h", 1500)
        c.call("SET", "long", "1", "EX", 1000)
        data, rdb = self.save_and_parse(srv, c)
        deadline = rdb.dbs[0][b"short"].expire_ms
        self.assertIsNotNone(deadline, "the key's expiry is not in the file")
        self.assertIsNotNone(rdb.dbs[0][b"short:h"].expire_ms)
        srv.stop(keep_dir=True)
        tl.wait_until(lambda: time.time() * 1000 > deadline + 50, timeout=5,
                      what="the keys' expiry time")
        srv.start()
        c = self.client(srv)
        # Right after loading: DBSIZE counts no expired key (they were skipped, not loaded).
        self.assertEqual(c.call("DBSIZE"), 2)
        self.assertEqual(sorted(c.call("KEYS", "*")), [b"long", b"stays"])
        self.assertGreater(c.call("TTL", "long"), 900)
        if KIND == "redis":
            self.assertIn("keys loaded: 2, keys expired: 2.", srv.log_since_start())

    def test_ttls_are_absolute_in_the_file(self):
        srv = self.server()
        c = self.client(srv)
        now = time.time() * 1000
        c.call("SET", "k", "v", "PX", 100000)
        c.call("SET", "at", "v", "PXAT", 4102444800000)          # 2100-01-01
        data, rdb = self.save_and_parse(srv, c)
        self.assertLess(abs(rdb.dbs[0][b"k"].expire_ms - (now + 100000)), 10000)
        self.assertEqual(rdb.dbs[0][b"at"].expire_ms, 4102444800000)
        srv.restart(same_dir=True)
        c = self.client(srv)
        self.assertEqual(c.call("PEXPIRETIME", "at"), 4102444800000)
        self.assertLess(abs(c.call("PEXPIRETIME", "k") - rdb.dbs[0][b"k"].expire_ms), 2)


# -------------------------------------------------------------------------------------------
# 2. the file
# -------------------------------------------------------------------------------------------

class FileFormatTest(RdbTestCase):
    def test_file_layout_aux_fields_dbs_and_checksum(self):
        srv = self.server()
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=2000)
        expected = pt.dump_keyspace(c)
        start = time.time()
        data, rdb = self.save_and_parse(srv, c)
        self.assertEqual(data[:9], b"REDIS0010")
        self.assertEqual(rdb.version, 10)
        for name in (b"redis-ver", b"redis-bits", b"ctime", b"used-mem", b"aof-base"):
            self.assertIn(name, rdb.aux, f"AUX {name!r} missing; AUX: {rdb.aux}")
        self.assertEqual(rdb.aux[b"redis-bits"], b"64")
        self.assertEqual(rdb.aux[b"aof-base"], b"0")
        self.assertLess(abs(int(rdb.aux[b"ctime"]) - start), 60)
        self.assertGreater(int(rdb.aux[b"used-mem"]), 0)
        self.assertRegex(rdb.aux[b"redis-ver"], rb"^\d+\.\d+\.\d+$")
        # AUX fields come first, then one SELECTDB per non-empty db, in order.
        self.assertEqual(rdb.select_order, [0, 1, 9])
        for db, entries in rdb.dbs.items():
            expires = sum(1 for e in entries.values() if e.expire_ms is not None)
            self.assertEqual(rdb.resizedb.get(db), (len(entries), expires), f"RESIZEDB db {db}")
        self.assertEqual(rdb.stored_checksum, rdb.computed_checksum, "CRC64 mismatch")
        self.assertEqual(rdb.eof_offset, len(data) - 9)
        # The file holds exactly the server's data.
        self.assert_same_keyspace(expected, pt.keyspace_from_rdb(rdb), what="file vs server")

    def test_strings_are_int_encoded_and_lzf_compressed_as_redis_does(self):
        srv = self.server()
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=100)
        _, rdb = self.save_and_parse(srv, c)
        db0 = rdb.dbs[0]
        # Redis: canonical integers that fit in 32 bits, in the smallest of C0/C1/C2.
        expected = {
            b"int:zero": "int8", b"int:small": "int8", b"int:neg": "int8",
            b"int:int8max": "int8", b"int:int8min": "int8", b"int:128": "int16",
            b"int:int16max": "int16", b"int:int16min": "int16", b"int:32768": "int32",
            b"int:int32max": "int32", b"int:int32min": "int32",
            b"int:2p31": "raw", b"int:12digits": "raw", b"int:int64max": "raw",
            b"int:int64min": "raw", b"int:leadzero": "raw", b"int:plus": "raw",
            b"int:space": "raw", b"int:negzero": "raw", b"int:float": "raw",
            b"str:empty": "raw", b"str:short": "raw", b"str:15": "raw", b"str:16": "raw",
            b"str:20": "raw",       # LZF is tried only above 20 bytes
            b"str:lzf:1000": "lzf", b"str:lzf:text": "lzf", b"str:lzf:numbers": "lzf",
            b"str:random:100": "raw", b"str:random:20000": "raw",    # incompressible
        }
        got = {k: db0[k].encoding for k in expected}
        self.assertEqual(got, expected)
        self.assertEqual(db0[b"str:lzf:text"].value,
                         b"The quick brown fox jumps over the lazy dog. " * 800)
        # Hashes: Redis writes listpacks (16) under the listpack limits (512 entries, 64-byte
        # values), hashtables (4) above.
        for key in (b"hash:600", b"hash:513", b"hash:65val", b"hash:longval", b"hash:lzfval"):
            self.assertIn(db0[key].type_code, (4, 16) if KIND == "petrel" else (4,), key)
        for key in (b"hash:small", b"hash:ints", b"hash:512", b"hash:64val", b"hash:binary"):
            self.assertIn(db0[key].type_code, (4, 16) if KIND == "petrel" else (16,), key)

    def test_redis_check_rdb_accepts_the_file(self):
        if not os.access(REDIS_CHECK_RDB, os.X_OK):
            self.skipTest(f"{REDIS_CHECK_RDB} not installed")
        srv = self.server()
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=5000)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        proc = subprocess.run([REDIS_CHECK_RDB, srv.path("dump.rdb")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60, cwd=srv.dir)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn("RDB looks OK", out)
        dump = pt.dump_keyspace(c)
        keys = sum(len(e) for e in dump.values())
        expires = sum(1 for e in dump.values() for v in e.values() if v[2] >= 0)
        self.assertIn(f"[info] {keys} keys read", out)
        self.assertIn(f"[info] {expires} expires", out)

    def test_rdbcompression_no_writes_no_lzf_and_the_file_loads(self):
        srv = self.server(["--rdbcompression", "no"])
        c = self.client(srv)
        self.assertEqual(c.call("CONFIG", "GET", "rdbcompression"), [b"rdbcompression", b"no"])
        pt.fill_mixed_dataset(c, bulk_keys=1000)
        before = pt.dump_keyspace(c)
        data, rdb = self.save_and_parse(srv, c)
        self.assertNotIn("lzf", rdb.string_encodings)
        self.assertIn("int8", rdb.string_encodings)    # integer encoding is not compression
        self.assertGreater(len(data), 36000 + 30000)    # the compressible strings are in full
        # And CONFIG SET turns it back on.
        self.assertEqual(c.command("CONFIG", "SET", "rdbcompression", "yes"), b"+OK\r\n")
        _, rdb2 = self.save_and_parse(srv, c)
        self.assertIn("lzf", rdb2.string_encodings)
        self.assertEqual(c.command("CONFIG", "SET", "rdbcompression", "no"), b"+OK\r\n")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_rdbchecksum_no_writes_a_zero_checksum_that_still_loads(self):
        srv = self.server(["--rdbchecksum", "no"])
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=1000)
        before = pt.dump_keyspace(c)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        data = self.read_bytes(srv.path("dump.rdb"))
        self.assertEqual(data[-9:], b"\xff" + b"\x00" * 8)
        rdb = pt.parse_rdb(data, verify_checksum=False)
        self.assertEqual(rdb.stored_checksum, 0)
        # Loaded by a server that checks checksums (the default): a zero checksum is skipped.
        srv.extra_args = []
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))
        if KIND == "redis":
            self.assertIn("RDB file was saved with checksum disabled: no check performed.",
                          srv.log_since_start())

    def test_persistence_config_defaults(self):
        srv = self.server(["--save", "3600 1 300 100 60 10000"])
        c = self.client(srv)
        got = {}
        for name in ("save", "dbfilename", "rdbcompression", "rdbchecksum",
                     "stop-writes-on-bgsave-error", "dir"):
            reply = c.call("CONFIG", "GET", name)
            self.assertEqual(len(reply), 2, f"CONFIG GET {name}: {reply}")
            got[name] = reply[1]
        self.assertEqual(got["save"], b"3600 1 300 100 60 10000")
        self.assertEqual(got["dbfilename"], b"dump.rdb")
        self.assertEqual(got["rdbcompression"], b"yes")
        self.assertEqual(got["rdbchecksum"], b"yes")
        self.assertEqual(got["stop-writes-on-bgsave-error"], b"yes")
        self.assertEqual(got["dir"], os.path.realpath(srv.dir).encode())


# -------------------------------------------------------------------------------------------
# 3. BGSAVE, LASTSAVE, save points, dir and dbfilename
# -------------------------------------------------------------------------------------------

class BackgroundSaveTest(RdbTestCase):
    def test_bgsave_writes_the_file_and_lastsave_advances(self):
        srv = self.server()
        c = self.client(srv)
        pt.fill_mixed_dataset(c, bulk_keys=5000)
        before = pt.dump_keyspace(c)
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        last = self.wait_next_second(c)
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        new = self.wait_lastsave_after(c, last)
        self.assertLessEqual(new, time.time() + 1)
        rdb = pt.parse_rdb(self.read_bytes(srv.path("dump.rdb")))
        self.assert_same_keyspace(before, pt.keyspace_from_rdb(rdb), what="file vs server")
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_bgsave_saves_a_snapshot_taken_when_it_started(self):
        srv = self.server()
        c = self.client(srv)
        bulk_dataset(c, 20000)
        last = self.wait_next_second(c)
        # Writes right after BGSAVE (same pipeline) are not in the snapshot.
        replies = c.pipeline([("SET", "before", "1"), ("BGSAVE",), ("SET", "after", "1"),
                              ("DEL", "k:000001"), ("HSET", "h:000000", "a", "changed")])
        self.assertEqual(replies[1], b"Background saving started")
        self.wait_lastsave_after(c, last)
        db0 = pt.parse_rdb(self.read_bytes(srv.path("dump.rdb"))).dbs[0]
        self.assertIn(b"before", db0)
        self.assertNotIn(b"after", db0)
        self.assertIn(b"k:000001", db0)
        self.assertEqual(db0[b"h:000000"].value[b"a"], b"0")
        self.assertEqual(len(db0), 20001)

    def test_dump_file_is_replaced_whole(self):
        # The save goes to a temporary file renamed over dump.rdb: at every moment dump.rdb
        # is the whole old file or the whole new one.
        srv = self.server()
        c = self.client(srv)
        c.call("SET", "old", "1")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        path = srv.path("dump.rdb")
        old = self.read_bytes(path)
        bulk_dataset(c, 30000)
        last = self.wait_next_second(c)
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        reads = []

        def finished():
            data = self.read_bytes(path)
            if data != old and data not in reads:
                reads.append(data)
                rdb = pt.parse_rdb(data)        # raises if incomplete
                self.assertEqual(len(rdb.dbs[0]), 30001)
            return c.call("LASTSAVE") > last
        tl.wait_until(finished, timeout=30, what="the BGSAVE to finish")
        self.assertEqual(len(pt.parse_rdb(self.read_bytes(path)).dbs[0]), 30001)
        self.assertEqual(sorted(f for f in os.listdir(srv.dir) if f != "server.log"),
                         ["dump.rdb"])

    def test_bgsave_or_save_while_a_bgsave_runs_is_refused(self):
        srv = self.server()
        c = self.client(srv)
        bulk_dataset(c, 20000)
        last = self.wait_next_second(c)
        # Pipelined, so the second BGSAVE and the SAVE arrive while the first one runs.
        replies = c.pipeline([("BGSAVE",), ("BGSAVE",), ("SAVE",), ("BGSAVE", "SCHEDULE")])
        self.assertEqual(replies[0], b"Background saving started")
        for r in replies[1:]:
            self.assertEqual(r, tl.RespError("ERR Background save already in progress"))
        self.wait_lastsave_after(c, last)
        # Once it is done, BGSAVE is accepted again.
        last = self.wait_next_second(c)
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        self.wait_lastsave_after(c, last)

    def test_bgsave_schedule_starts_now_when_nothing_runs(self):
        srv = self.server()
        c = self.client(srv)
        c.call("SET", "k", "v")
        last = self.wait_next_second(c)
        self.assertEqual(c.command("BGSAVE", "SCHEDULE"), BGSAVE_STARTED)
        self.wait_lastsave_after(c, last)
        self.assertIn(b"k", pt.parse_rdb(self.read_bytes(srv.path("dump.rdb"))).dbs[0])

    def test_bgsave_schedule_during_an_aof_rewrite_runs_after_it(self):
        srv = self.server(["--appendonly", "yes"])
        c = self.client(srv)
        bulk_dataset(c, 30000)
        last = self.wait_next_second(c)
        replies = c.pipeline([("BGREWRITEAOF",), ("BGSAVE",), ("BGSAVE", "SCHEDULE")])
        self.assertEqual(replies[0], b"Background append only file rewriting started")
        self.assertEqual(replies[1], tl.RespError(BGSAVE_CHILD_ACTIVE[1:-2].decode()))
        self.assertEqual(replies[2], b"Background saving scheduled")
        self.wait_lastsave_after(c, last)
        self.assertEqual(len(pt.parse_rdb(self.read_bytes(srv.path("dump.rdb"))).dbs[0]),
                         30000)

    def test_bgsave_unknown_argument(self):
        srv = self.server()
        c = self.client(srv)
        self.assertEqual(c.command("BGSAVE", "NOW"), b"-ERR syntax error\r\n")
        self.assertEqual(c.command("BGSAVE", "SCHEDULE", "x"), b"-ERR syntax error\r\n")
        self.assertEqual(c.command("SAVE", "x"),
                         b"-ERR wrong number of arguments for 'save' command\r\n")
        self.assertEqual(c.command("LASTSAVE", "x"),
                         b"-ERR wrong number of arguments for 'lastsave' command\r\n")

    def test_save_point_triggers_a_background_save(self):
        srv = self.server(["--save", "1 1"])
        c = self.client(srv)
        self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b"1 1"])
        last = c.call("LASTSAVE")
        c.call("SET", "k", "v")
        c.call("HSET", "h", "f", "v")
        tl.wait_until(lambda: os.path.exists(srv.path("dump.rdb")), timeout=15,
                      what="dump.rdb written by the save point")
        self.wait_lastsave_after(c, last)
        db0 = pt.parse_rdb(self.read_bytes(srv.path("dump.rdb"))).dbs[0]
        self.assertEqual(sorted(db0), [b"h", b"k"])
        srv.restart(same_dir=True)
        self.assertEqual(self.client(srv).call("GET", "k"), b"v")

    def test_save_points_set_at_run_time(self):
        srv = self.server()            # save ""
        c = self.client(srv)
        self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b""])
        c.call("SET", "k", "v")
        self.assertEqual(c.command("CONFIG", "SET", "save", "1 1 100 10"), b"+OK\r\n")
        self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b"1 1 100 10"])
        tl.wait_until(lambda: os.path.exists(srv.path("dump.rdb")), timeout=15,
                      what="dump.rdb written by the save point")
        self.assertEqual(c.command("CONFIG", "SET", "save", ""), b"+OK\r\n")
        self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b""])
        self.assertEqual(c.call("CONFIG", "SET", "save", "1"),
                         tl.RespError("ERR CONFIG SET failed (possibly related to argument "
                                      "'save') - Invalid save parameters"))
        self.assertEqual(c.call("CONFIG", "GET", "save"), [b"save", b""])

    def test_dir_and_dbfilename_are_protected_configs(self):
        # Redis 7.0: CONFIG SET of dir and dbfilename needs enable-protected-configs.
        srv = self.server()
        c = self.client(srv)
        for name in ("dir", "dbfilename"):
            self.assertEqual(c.call("CONFIG", "SET", name, "/tmp" if name == "dir" else "x"),
                             tl.RespError(f"ERR CONFIG SET failed (possibly related to "
                                          f"argument '{name}') - can't set protected config"))
        self.assertEqual(c.call("CONFIG", "GET", "enable-protected-configs"),
                         [b"enable-protected-configs", b"no"])

    def test_config_set_dir_and_dbfilename_then_save(self):
        srv = self.server()
        c = self.client(srv)
        if c.call("CONFIG", "GET", "enable-protected-configs"):
            # Redis 7.0 protects dir and dbfilename; a server without protected configs is
            # tested as it is (test_dir_and_dbfilename_are_protected_configs reports that).
            srv.extra_args = ["--enable-protected-configs", "yes"]
            srv.restart(same_dir=True)
            c = self.client(srv)
        c.call("SET", "k", "elsewhere")
        other = self.tempdir()
        self.assertEqual(c.command("CONFIG", "SET", "dir", other), b"+OK\r\n")
        self.assertEqual(c.command("CONFIG", "SET", "dbfilename", "other.rdb"), b"+OK\r\n")
        self.assertEqual(c.call("CONFIG", "GET", "dir"),
                         [b"dir", os.path.realpath(other).encode()])
        self.assertEqual(c.call("CONFIG", "GET", "dbfilename"), [b"dbfilename", b"other.rdb"])
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        self.assertTrue(os.path.exists(os.path.join(other, "other.rdb")))
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        self.assertFalse(os.path.exists(srv.path("other.rdb")))
        last = self.wait_next_second(c)
        c.call("SET", "k2", "bg")
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        self.wait_lastsave_after(c, last)
        self.assertIn(b"k2", pt.parse_rdb(self.read_bytes(os.path.join(other,
                                                                       "other.rdb"))).dbs[0])
        # A server started with that dir and dbfilename loads it.
        srv2 = self.server(["--dir", other, "--dbfilename", "other.rdb"])
        c2 = self.client(srv2)
        self.assertEqual(c2.call("GET", "k"), b"elsewhere")
        self.assertEqual(c2.call("GET", "k2"), b"bg")
        # A dir that does not exist is refused.
        missing = os.path.join(other, "missing")
        reply = c.call("CONFIG", "SET", "dir", missing)
        self.assertIsInstance(reply, tl.RespError)
        if KIND == "redis":
            self.assertEqual(reply.message, "ERR CONFIG SET failed (possibly related to "
                             "argument 'dir') - No such file or directory")
        # dbfilename must be a file name, not a path.
        reply = c.call("CONFIG", "SET", "dbfilename", "sub/x.rdb")
        self.assertIsInstance(reply, tl.RespError)
        if KIND == "redis":
            self.assertEqual(reply.message, "ERR CONFIG SET failed (possibly related to "
                             "argument 'dbfilename') - dbfilename can't be a path, just a "
                             "filename")


# -------------------------------------------------------------------------------------------
# 4. SHUTDOWN and SIGTERM
# -------------------------------------------------------------------------------------------

class ShutdownTest(RdbTestCase):
    def write_some(self, c, tag):
        c.call("SET", "tag", tag)
        c.call("HSET", "h", tag, "1")
        bulk_dataset(c, 1000)

    def test_shutdown_save_saves_without_save_points(self):
        srv = self.server()                        # save ""
        c = self.client(srv)
        self.write_some(c, "a")
        before = pt.dump_keyspace(c)
        self.shutdown(srv, "SAVE")
        self.assertTrue(os.path.exists(srv.path("dump.rdb")))
        srv.start()
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_shutdown_nosave_leaves_the_previous_file(self):
        srv = self.server(["--save", "3600 1"])
        c = self.client(srv)
        self.write_some(c, "a")
        saved = pt.dump_keyspace(c)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        data = self.read_bytes(srv.path("dump.rdb"))
        c.call("SET", "tag", "b")
        c.call("SET", "new", "1")
        self.shutdown(srv, "NOSAVE")
        self.assertEqual(self.read_bytes(srv.path("dump.rdb")), data)
        srv.start()
        c = self.client(srv)
        self.assert_same_keyspace(saved, pt.dump_keyspace(c))

    def test_shutdown_with_save_points_saves(self):
        srv = self.server(["--save", "3600 1"])
        c = self.client(srv)
        self.write_some(c, "a")
        before = pt.dump_keyspace(c)
        self.shutdown(srv)
        srv.start()
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_shutdown_without_save_points_does_not_save(self):
        srv = self.server()                        # save ""
        c = self.client(srv)
        self.write_some(c, "a")
        self.shutdown(srv)
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))

    def test_shutdown_bad_argument(self):
        srv = self.server()
        c = self.client(srv)
        self.assertEqual(c.command("SHUTDOWN", "MAYBE"), b"-ERR syntax error\r\n")
        self.assertEqual(c.command("SHUTDOWN", "SAVE", "NOSAVE"), b"-ERR syntax error\r\n")
        self.assertEqual(c.command("PING"), b"+PONG\r\n")

    def test_sigterm_with_save_points_saves(self):
        srv = self.server(["--save", "3600 1"])
        c = self.client(srv)
        self.write_some(c, "a")
        before = pt.dump_keyspace(c)
        self.terminate(srv)
        self.assertTrue(os.path.exists(srv.path("dump.rdb")))
        if KIND == "redis":
            self.assertIn("Saving the final RDB snapshot before exiting.",
                          srv.log_since_start())
        srv.start()
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_sigterm_without_save_points_does_not_save(self):
        srv = self.server()                        # save ""
        c = self.client(srv)
        self.write_some(c, "a")
        self.terminate(srv)
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        # With an older file in place, SIGTERM leaves it as it was.
        srv.start()
        c = self.client(srv)
        self.write_some(c, "b")
        saved = pt.dump_keyspace(c)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        data = self.read_bytes(srv.path("dump.rdb"))
        c.call("SET", "unsaved", "1")
        self.terminate(srv)
        self.assertEqual(self.read_bytes(srv.path("dump.rdb")), data)
        srv.start()
        self.assert_same_keyspace(saved, pt.dump_keyspace(self.client(srv)))

    def test_sigint_with_save_points_saves(self):
        srv = self.server(["--save", "3600 1"])
        c = self.client(srv)
        c.call("SET", "k", "v")
        srv.proc.send_signal(signal.SIGINT)
        self.assertEqual(srv.wait_exit(30), 0)
        srv.start()
        self.assertEqual(self.client(srv).call("GET", "k"), b"v")


# -------------------------------------------------------------------------------------------
# 5. hand-made files
# -------------------------------------------------------------------------------------------

class CraftedFileTest(RdbTestCase):
    def load(self, data, args=()):
        d = self.tempdir()
        self.write_bytes(os.path.join(d, "dump.rdb"), data)
        srv = self.server(args, dir=d)
        return srv, self.client(srv)

    def test_redis_6_file_with_ziplist_hashes(self):
        # What Redis 6.2 wrote: RDB 9, small hashes as ziplists (type 13).
        w = pt.RdbWriter(9)
        w.aux("redis-ver", "6.2.14").aux("redis-bits", "64").aux("ctime", "1700000000")
        w.aux("used-mem", "866000").aux("aof-preamble", "0")
        w.select(0).resize(5, 1)
        w.hash_ziplist("zl", {b"f1": b"v1", b"n": b"12", b"neg": b"-7", b"big": b"300000",
                              b"i64": b"9223372036854775807", b"empty": b"",
                              b"long": b"L" * 100})
        w.hash_ziplist("zl:lzf", {b"f%d" % i: b"same value " * 3 for i in range(40)},
                       lzf=True)
        w.hash_ziplist("zl:int-fields", {b"1": b"2", b"3": b"-4", b"70000": b"x"})
        w.string("s", "plain")
        w.expire_ms(4102444800000).string("exp", "12345")
        w.select(3).resize(1, 0)
        w.hash_ziplist("db3", {b"a": b"b"})
        srv, c = self.load(w.finish())
        self.assertEqual(c.call("DBSIZE"), 5)
        self.assertEqual(pt.dump_keyspace(c)[0][b"zl"][1],
                         {b"f1": b"v1", b"n": b"12", b"neg": b"-7", b"big": b"300000",
                          b"i64": b"9223372036854775807", b"empty": b"", b"long": b"L" * 100})
        self.assertEqual(c.call("HGET", "zl:lzf", "f39"), b"same value " * 3)
        self.assertEqual(c.call("HLEN", "zl:lzf"), 40)
        self.assertEqual(c.call("HGETALL", "zl:int-fields"),
                         [b"1", b"2", b"3", b"-4", b"70000", b"x"])
        self.assertEqual(c.call("GET", "exp"), b"12345")
        self.assertEqual(c.call("PEXPIRETIME", "exp"), 4102444800000)
        c.call("SELECT", 3)
        self.assertEqual(c.call("HGET", "db3", "a"), b"b")
        # Loaded hashes are ordinary hashes: writable, and saved again in a loadable form.
        self.assertEqual(c.call("HSET", "db3", "c", "d"), 1)
        c.call("SELECT", 0)
        before = pt.dump_keyspace(c)
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        self.assertEqual(self.read_bytes(srv.path("dump.rdb"))[:9], b"REDIS0010")
        srv.restart(same_dir=True)
        self.assert_same_keyspace(before, pt.dump_keyspace(self.client(srv)))

    def test_every_hash_and_string_encoding_in_an_rdb_10_file(self):
        w = pt.RdbWriter(10)
        w.aux("redis-ver", "7.0.15").aux("redis-bits", 64).aux("ctime", int(time.time()))
        w.aux("used-mem", 1000000).aux("aof-base", 0)
        w.select(0).resize(12, 0)
        w.string("int8", "-100", "int").string("int16", "30000", "int")
        w.string("int32", "-2000000000", "int")
        w.string("lzf", b"abcabcabc" * 300, "lzf")
        w.string("lzf:binary", b"\x00\r\n" * 500, "lzf")
        w.string("raw", b"\x00\xffraw\r\n")
        w.hash_listpack("lp", {b"f": b"v", b"n": b"-4096", b"m": b"4095", b"x": b"70000",
                               b"y": b"-2147483649", b"long": b"z" * 100,
                               b"vlong": b"w" * 5000})
        w.hash_listpack("lp:lzf", {b"k%d" % i: b"val" * 10 for i in range(60)}, lzf=True)
        w.hash_ziplist("zl", {b"a": b"1", b"b": b"two"})
        w.hash_table("ht", {b"f%d" % i: b"%d" % (i - 300) for i in range(600)})
        w.hash_table("ht:lzf", {b"big": b"q" * 1000, b"n": b"12"}, encoding="lzf")
        w.hash_table("ht:int", {b"1": b"-1", b"2": b"70000"}, encoding="int")
        srv, c = self.load(w.finish())
        self.assertEqual(c.call("DBSIZE"), 12)
        self.assertEqual([c.call("GET", k) for k in ("int8", "int16", "int32")],
                         [b"-100", b"30000", b"-2000000000"])
        self.assertEqual(c.call("GET", "lzf"), b"abcabcabc" * 300)
        self.assertEqual(c.call("GET", "lzf:binary"), b"\x00\r\n" * 500)
        self.assertEqual(c.call("GET", "raw"), b"\x00\xffraw\r\n")
        self.assertEqual(pt.dump_keyspace(c)[0][b"lp"][1],
                         {b"f": b"v", b"n": b"-4096", b"m": b"4095", b"x": b"70000",
                          b"y": b"-2147483649", b"long": b"z" * 100, b"vlong": b"w" * 5000})
        self.assertEqual(c.call("HLEN", "lp:lzf"), 60)
        self.assertEqual(c.call("HGET", "lp:lzf", "k59"), b"val" * 10)
        self.assertEqual(c.call("HGETALL", "zl"), [b"a", b"1", b"b", b"two"])
        self.assertEqual(c.call("HLEN", "ht"), 600)
        self.assertEqual(c.call("HGET", "ht", "f0"), b"-300")
        self.assertEqual(c.call("HGET", "ht:lzf", "big"), b"q" * 1000)
        self.assertEqual(c.call("HGET", "ht:int", "2"), b"70000")
        self.assertEqual(c.call("INCRBY", "int32", 1), -1999999999)

    def test_unknown_aux_fields_and_no_aux_at_all(self):
        w = pt.RdbWriter(10)
        w.aux("redis-ver", "7.0.15").aux("some-future-field", "whatever")
        w.aux("int-valued", 123456).aux("lua", "return 1")
        w.select(0).string("k", "v")
        srv, c = self.load(w.finish())
        self.assertEqual(c.call("GET", "k"), b"v")
        # The minimal file: no AUX, no RESIZEDB; checksum disabled.
        srv2, c2 = self.load(pt.RdbWriter(10).select(0).string("k", "v").finish(False))
        self.assertEqual(c2.call("GET", "k"), b"v")

    def test_expired_keys_in_the_file_are_skipped(self):
        w = pt.RdbWriter(10)
        w.select(0).resize(5, 4)
        w.expire_ms(1000).string("old:str", "x")
        w.expire_ms(int(time.time() * 1000) - 5000).hash_listpack("old:hash", {b"a": b"b"})
        w.expire_ms(1).hash_table("old:ht", {b"f%d" % i: b"v" for i in range(600)})
        w.expire_ms(4102444800000).string("future", "x")
        w.string("plain", "y")
        w.select(1).resize(1, 1)
        w.expire_ms(1000).string("old:db1", "x")
        srv, c = self.load(w.finish())
        self.assertEqual(c.call("DBSIZE"), 2)
        self.assertEqual(sorted(c.call("KEYS", "*")), [b"future", b"plain"])
        c.call("SELECT", 1)
        self.assertEqual(c.call("DBSIZE"), 0)
        if KIND == "redis":
            self.assertIn("keys loaded: 2, keys expired: 4.", srv.log_since_start())

    def test_empty_file_dir_starts_empty_when_there_is_no_file(self):
        srv = self.server()
        self.assertFalse(os.path.exists(srv.path("dump.rdb")))
        self.assertEqual(self.client(srv).call("DBSIZE"), 0)


# -------------------------------------------------------------------------------------------
# 6. bad files
# -------------------------------------------------------------------------------------------

class BadFileTest(RdbTestCase):
    @classmethod
    def setUpClass(cls):
        # One valid file for every corruption test: written by the target with SAVE.
        srv = tl.Server(KIND)
        srv.start()
        try:
            with srv.client() as c:
                pt.fill_mixed_dataset(c, bulk_keys=2000)
                assert c.command("SAVE") == b"+OK\r\n"
            with open(srv.path("dump.rdb"), "rb") as f:
                cls.good = f.read()
        finally:
            srv.stop()
        cls.rdb = pt.parse_rdb(cls.good)

    def refuse(self, data, *expect_redis):
        """Start on `data` as dump.rdb: the server must exit non-zero, leave the file byte
        for byte, create no other file, and log a reason (Redis: each of expect_redis)."""
        d = self.tempdir()
        path = os.path.join(d, "dump.rdb")
        self.write_bytes(path, data)
        srv = self.server(dir=d, start=False)
        log = self.assert_refuses_to_start(srv)
        self.assertEqual(self.read_bytes(path), data, "the bad file was modified")
        self.assertEqual(sorted(os.listdir(d)), ["dump.rdb", "server.log"])
        if KIND == "redis":
            for phrase in expect_redis:
                self.assertIn(phrase, log)
        else:
            self.assertRegex(log, CORRUPT_WORDS)
        return log

    def test_good_file_loads(self):
        # The control for the tests below: the unmodified file starts a server.
        d = self.tempdir()
        self.write_bytes(os.path.join(d, "dump.rdb"), self.good)
        srv = self.server(dir=d)
        self.assertEqual(self.client(srv).call("DBSIZE"), len(self.rdb.dbs[0]))

    def test_flipped_byte_in_a_value_fails_the_checksum(self):
        value = pt._pseudo_random_bytes(2, 20000)       # str:random:20000, stored raw
        at = self.good.find(value[:200])
        self.assertGreater(at, 0)
        bad = bytearray(self.good)
        bad[at + 10000] ^= 0x01
        log = self.refuse(bytes(bad), "Wrong RDB checksum")
        if KIND == "petrel":
            self.assertRegex(log, r"(?i)checksum")

    def test_bad_checksum_field(self):
        bad = bytearray(self.good)
        bad[-1] ^= 0x80
        log = self.refuse(bytes(bad), "Wrong RDB checksum")
        if KIND == "petrel":
            self.assertRegex(log, r"(?i)checksum")

    def test_flipped_byte_in_the_middle(self):
        for offset in (len(self.good) // 2, len(self.good) // 3, 20):
            with self.subTest(offset=offset):
                bad = bytearray(self.good)
                bad[offset] ^= 0xFF
                self.refuse(bytes(bad))

    def test_unknown_value_type_byte(self):
        key = b"\x00" + pt.rdb_string(b"str:short", "raw") + pt.rdb_string(b"hello", "raw")
        at = self.good.find(key)
        self.assertGreater(at, 0)
        bad = bytearray(self.good)
        bad[at] = 0x63                              # no RDB type 99
        self.refuse(bytes(bad))

    def test_wrong_signature_and_future_version(self):
        self.refuse(b"RODIS" + self.good[5:], "Wrong signature trying to load DB from file")
        self.refuse(b"REDIS0012" + self.good[9:], "Can't handle RDB format version 12")

    def test_truncated_files(self):
        size = len(self.good)
        for cut in (1, 5, 9, 30, size // 4, size // 2, size - 20, size - 9, size - 1):
            with self.subTest(cut=cut):
                log = self.refuse(self.good[:cut])
                if KIND == "redis":
                    self.assertRegex(log, r"Short read or OOM loading DB|Unexpected EOF "
                                          r"reading RDB file|Wrong signature")
                elif cut >= 9:
                    self.assertRegex(log, TRUNCATED_WORDS)

    def test_empty_file_is_refused(self):
        self.refuse(b"", "Short read or OOM loading DB")

    @unittest.skipIf(KIND == "redis", "Petrel only: Redis loads every type")
    def test_unsupported_types_are_refused_naming_the_type(self):
        if not os.access(tl.redis_bin(), os.X_OK):
            self.skipTest("redis-server is needed to write the file")
        for name, pattern, cmds in (
                ("list", r"\blist\b|quicklist", [("RPUSH", "l", "a", "b", "c")]),
                ("set", r"\bset\b|intset", [("SADD", "s", "1", "2", "3")]),
                ("zset", r"\bzset\b|sorted set", [("ZADD", "z", "1", "m")])):
            with self.subTest(type=name):
                writer = self.server(kind="redis")
                wc = self.client(writer)
                wc.call("SET", "str", "before")
                wc.call("HSET", "hash", "f", "v")
                for cmd in cmds:
                    self.assertNotIsInstance(wc.call(*cmd), tl.RespError)
                wc.call("SET", "zz", "after")
                self.assertEqual(wc.command("SAVE"), b"+OK\r\n")
                data = self.read_bytes(writer.path("dump.rdb"))
                d = self.tempdir()
                self.write_bytes(os.path.join(d, "dump.rdb"), data)
                srv = self.server(dir=d, start=False)
                log = self.assert_refuses_to_start(srv)
                self.assertEqual(self.read_bytes(os.path.join(d, "dump.rdb")), data)
                lines = [ln for ln in log.splitlines() if "Unsupported RDB value type" in ln]
                self.assertTrue(lines, f"no 'Unsupported RDB value type' line in:\n{log}")
                self.assertRegex(" ".join(lines), "(?i)" + pattern)


if __name__ == "__main__":
    unittest.main()
