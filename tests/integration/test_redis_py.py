#!/usr/bin/python3
"""redis-py 4.3.4 against petrel-server: the client-level behaviour shown in redis-py's docs.

Runs against the binary in PETREL_SERVER_BIN; PETREL_TEST_TARGET=redis runs the same tests
against Debian's redis-server to check the expectations themselves.
"""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402
from redis.exceptions import ResponseError  # noqa: E402

import petrel_testlib as tl  # noqa: E402
from redis_py_case import RedisPyCase  # noqa: E402


class RedisPyTest(RedisPyCase):
    # -- basics ---------------------------------------------------------------------------
    def test_ping_and_echo(self):
        r = self.client()
        self.assertIs(r.ping(), True)
        self.assertEqual(r.echo("hello"), b"hello")
        self.assertEqual(self.client(decode_responses=True).echo("hello"), "hello")

    def test_set_get_returns_bytes_without_decode_responses(self):
        r = self.client()
        self.assertIs(r.set("greeting", "hello"), True)
        self.assertEqual(r.get("greeting"), b"hello")
        self.assertIsNone(r.get("missing"))
        self.assertEqual(r.strlen("greeting"), 5)
        self.assertEqual(r.append("greeting", " world"), 11)
        self.assertEqual(r.get("greeting"), b"hello world")
        self.assertEqual(r.getrange("greeting", -5, -1), b"world")
        self.assertEqual(r.setrange("greeting", 6, "there"), 11)
        self.assertEqual(r.get("greeting"), b"hello there")

    def test_decode_responses_returns_str(self):
        r = self.client(decode_responses=True)
        r.set("k", "välue ✓")
        self.assertEqual(r.get("k"), "välue ✓")
        r.mset({"a": "1", "b": "2"})
        self.assertEqual(r.mget(["a", "missing", "b"]), ["1", None, "2"])
        self.assertEqual(sorted(r.keys("*")), ["a", "b", "k"])
        self.assertEqual(r.type("k"), "string")
        self.assertEqual(r.object("encoding", "a"), "int")

    def test_binary_keys_and_values_with_nul_round_trip(self):
        r = self.client()
        key = b"k\x00\r\nx\xff"
        value = bytes(range(256)) * 4
        self.assertIs(r.set(key, value), True)
        self.assertEqual(r.get(key), value)
        self.assertEqual(r.strlen(key), 1024)
        self.assertEqual(r.keys("k*"), [key])
        self.assertEqual(r.exists(key), 1)
        self.assertEqual(r.exists(b"k"), 0)
        r.mset({b"\x00": b"\x00\x00", b"\r\n": b"\r\n"})
        self.assertEqual(r.mget([b"\x00", b"\r\n"]), [b"\x00\x00", b"\r\n"])
        self.assertEqual(r.getdel(key), value)
        self.assertIsNone(r.get(key))

    # -- databases ------------------------------------------------------------------------
    def test_db_argument_selects_an_isolated_database(self):
        r0 = self.client()
        r3 = self.client(db=3)
        r3.set("k", "three")
        self.assertEqual(r3.get("k"), b"three")
        self.assertIsNone(r0.get("k"))
        self.assertEqual(r3.dbsize(), 1)
        self.assertEqual(r0.dbsize(), 0)
        self.assertEqual(self.client(db=3).get("k"), b"three")
        self.assertIsNone(self.client(db=4).get("k"))
        r0.set("k", "zero")
        self.assertEqual(r3.get("k"), b"three")
        self.assertEqual(r0.get("k"), b"zero")
        r3.flushdb()
        self.assertEqual(r0.get("k"), b"zero")
        self.assertEqual(r3.dbsize(), 0)
        self.assertEqual(self.client(db=15).dbsize(), 0)

    def test_db_out_of_range_is_rejected(self):
        r = self.client(db=16)
        with self.assertRaises(ResponseError) as ctx:
            r.ping()
        self.assertEqual(str(ctx.exception), "DB index is out of range")

    def test_move_copy_swapdb(self):
        r0 = self.client()
        r1 = self.client(db=1)
        r0.set("a", "1")
        self.assertIs(r0.copy("a", "b"), True)
        self.assertIs(r0.copy("a", "b"), False)
        self.assertIs(r0.copy("a", "b", replace=True), True)
        self.assertIs(r0.copy("a", "c", destination_db=1), True)
        self.assertEqual(r1.get("c"), b"1")
        self.assertIs(r0.move("a", 1), True)
        self.assertIsNone(r0.get("a"))
        self.assertEqual(r1.get("a"), b"1")
        self.assertIs(r0.swapdb(0, 1), True)
        self.assertEqual(r0.get("a"), b"1")
        self.assertEqual(r1.get("b"), b"1")

    # -- pipelines ------------------------------------------------------------------------
    def test_pipeline_without_transaction(self):
        r = self.client()
        p = r.pipeline(transaction=False)
        p.set("a", 1).incr("a").get("a").mget("a", "missing").expire("a", 100).ttl("a")
        self.assertEqual(p.execute(), [True, 2, b"2", [b"2", None], True, 100])

    def test_pipeline_without_transaction_reports_errors_in_place(self):
        r = self.client()
        p = r.pipeline(transaction=False)
        p.set("s", "x").incr("s").get("s")
        results = p.execute(raise_on_error=False)
        self.assertEqual(results[0], True)
        self.assertIsInstance(results[1], ResponseError)
        self.assertEqual(str(results[1]), "value is not an integer or out of range")
        self.assertEqual(results[2], b"x")
        p = r.pipeline(transaction=False)
        p.incr("s").set("after", "1")
        with self.assertRaises(ResponseError):
            p.execute()
        self.assertEqual(r.get("after"), b"1")

    def test_large_pipeline(self):
        r = self.client()
        with r.pipeline(transaction=False) as p:
            for i in range(5000):
                p.incr("counter")
                p.set(f"key:{i}", i)
            results = p.execute()
        self.assertEqual(len(results), 10000)
        self.assertEqual(results[-2], 5000)
        self.assertEqual(r.dbsize(), 5001)
        self.assertEqual(r.get("key:4999"), b"4999")

    # -- strings and counters -------------------------------------------------------------
    def test_incr_family(self):
        r = self.client()
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incr("n", 10), 11)
        self.assertEqual(r.incrby("n", 5), 16)
        self.assertEqual(r.decr("n"), 15)
        self.assertEqual(r.decrby("n", 20), -5)
        self.assertEqual(r.incrbyfloat("f", 1.5), 1.5)
        self.assertEqual(r.incrbyfloat("f", 0.25), 1.75)
        self.assertEqual(r.get("f"), b"1.75")
        r.set("big", 2**63 - 1)
        self.assertResponseError("increment or decrement would overflow", r.incr, "big")

    def test_set_options(self):
        r = self.client()
        self.assertIs(r.set("k", "v1", nx=True), True)
        self.assertIsNone(r.set("k", "v2", nx=True))
        self.assertIsNone(r.set("missing", "v", xx=True))
        self.assertIs(r.set("k", "v2", xx=True), True)
        self.assertEqual(r.set("k", "v3", get=True), b"v2")
        self.assertIsNone(r.set("fresh", "v", get=True))
        r.set("k", "v", ex=100)
        self.assertIs(r.set("k", "v4", keepttl=True), True)
        self.assertGreater(r.ttl("k"), 90)
        r.set("k", "v", px=100000)
        self.assertLessEqual(r.pttl("k"), 100000)
        self.assertGreater(r.pttl("k"), 90000)
        r.set("k", "v", exat=datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc))
        self.assertGreater(r.ttl("k"), 10**9)
        self.assertEqual(r.getset("k", "new"), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.getex("k", ex=50), b"new")
        self.assertLessEqual(r.ttl("k"), 50)
        self.assertEqual(r.getex("k", persist=True), b"new")
        self.assertEqual(r.ttl("k"), -1)
        self.assertIs(r.setnx("k", "x"), False)
        self.assertIs(r.setex("e", 100, "v"), True)
        self.assertIs(r.psetex("p", 100000, "v"), True)
        self.assertEqual(r.msetnx({"k": "1", "other": "2"}), False)
        self.assertIsNone(r.get("other"))

    def test_mset_mget(self):
        r = self.client()
        self.assertIs(r.mset({"a": "1", "b": "2", "c": "3"}), True)
        self.assertEqual(r.mget("a", "b", "c", "d"), [b"1", b"2", b"3", None])
        self.assertEqual(r.mget(["c", "a"]), [b"3", b"1"])
        self.assertIs(r.msetnx({"x": "1", "y": "2"}), True)

    def test_lcs(self):
        r = self.client(decode_responses=True)
        r.mset({"a": "ohmytext", "b": "mynewtext"})
        self.assertEqual(r.lcs("a", "b"), "mytext")
        self.assertEqual(r.lcs("a", "b", len=True), 6)
        self.assertEqual(r.lcs("a", "b", idx=True, minmatchlen=4, withmatchlen=True),
                         ["matches", [[[4, 7], [5, 8], 4]], "len", 6])

    # -- expiry ---------------------------------------------------------------------------
    def test_expire_and_ttl(self):
        r = self.client()
        r.set("k", "v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.ttl("missing"), -2)
        self.assertEqual(r.pttl("missing"), -2)
        self.assertIs(r.expire("k", 100), True)
        self.assertIn(r.ttl("k"), (99, 100))
        self.assertIs(r.expire("k", 200, nx=True), False)
        self.assertIs(r.expire("k", 50, gt=True), False)
        self.assertIs(r.expire("k", 500, gt=True), True)
        self.assertIs(r.expire("k", 1000, lt=True), False)
        self.assertIs(r.expire("k", 10, xx=True), True)
        self.assertLessEqual(r.ttl("k"), 10)
        self.assertIs(r.persist("k"), True)
        self.assertEqual(r.ttl("k"), -1)
        self.assertIs(r.pexpire("k", 100000), True)
        self.assertGreater(r.pttl("k"), 90000)
        self.assertIs(r.expireat("k", datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)),
                      True)
        self.assertIs(r.pexpireat("k", 4102444800000), True)
        self.assertIs(r.expire("missing", 10), False)
        with self.assertRaises(ResponseError) as ctx:
            r.expire("k", 10, nx=True, xx=True)
        self.assertEqual(str(ctx.exception),
                         "NX and XX, GT or LT options at the same time are not compatible")

    def test_keys_expire_without_being_touched(self):
        r = self.client()
        r.set("short", "v", px=50)
        r.set("long", "v", ex=1000)
        # Poll DBSIZE (it does not touch keys): active expiry must reclaim "short" on its own.
        tl.wait_until(lambda: r.dbsize() == 1, timeout=10, what="active expiry of 'short'")
        self.assertEqual(r.keys("*"), [b"long"])

    def test_expired_key_is_gone_on_access(self):
        r = self.client()
        r.set("k", "v", px=20)
        deadline = time.monotonic() + 10
        while r.get("k") is not None:
            self.assertLess(time.monotonic(), deadline, "key never expired")
            time.sleep(0.01)
        self.assertEqual(r.exists("k"), 0)
        self.assertEqual(r.ttl("k"), -2)

    # -- keyspace iteration ----------------------------------------------------------------
    def test_scan_iter_and_keys(self):
        r = self.client(decode_responses=True)
        with r.pipeline(transaction=False) as p:
            for i in range(1000):
                p.set(f"user:{i}", i)
            for i in range(10):
                p.set(f"other:{i}", i)
            p.execute()
        users = {f"user:{i}" for i in range(1000)}
        self.assertEqual(set(r.scan_iter(match="user:*", count=50)), users)
        self.assertEqual(set(r.scan_iter(count=7)), users | {f"other:{i}" for i in range(10)})
        self.assertEqual(len(set(r.scan_iter(_type="string"))), 1010)
        self.assertEqual(set(r.scan_iter(_type="hash")), set())
        self.assertEqual(set(r.keys("user:1*")),
                         {k for k in users if k.startswith("user:1")})
        self.assertEqual(sorted(r.keys("other:[0-2]")), ["other:0", "other:1", "other:2"])
        self.assertEqual(r.keys("nomatch*"), [])
        cursor, batch = r.scan(0, match="other:*", count=2000)
        self.assertEqual(cursor, 0)
        self.assertEqual(len(batch), 10)

    def test_generic_key_commands(self):
        r = self.client()
        r.mset({"a": "1", "b": "2"})
        self.assertEqual(r.exists("a", "b", "missing", "a"), 3)
        self.assertEqual(r.touch("a", "missing"), 1)
        self.assertIs(r.rename("a", "c"), True)
        self.assertIs(r.renamenx("c", "b"), False)
        self.assertEqual(r.randomkey() in (b"b", b"c"), True)
        self.assertEqual(r.delete("b", "missing"), 1)
        self.assertEqual(r.unlink("c"), 1)
        self.assertIsNone(r.randomkey())
        self.assertEqual(r.type("c"), b"none")
        self.assertResponseError("no such key", r.rename, "missing", "x")

    # -- errors -----------------------------------------------------------------------------
    def test_response_errors_carry_redis_text(self):
        r = self.client()
        r.set("s", "x")
        self.assertResponseError("value is not an integer or out of range", r.incr, "s")
        self.assertResponseError("value is not a valid float", r.incrbyfloat, "s", 1)
        self.assertResponseError("increment would produce NaN or Infinity",
                                 r.incrbyfloat, "f", "inf")
        self.assertResponseError("unknown command 'FOO', with args beginning with: 'a' 'b' ",
                                 r.execute_command, "FOO", "a", "b")
        self.assertResponseError("wrong number of arguments for 'get' command",
                                 r.execute_command, "GET")
        self.assertResponseError("invalid expire time in 'set' command",
                                 r.set, "k", "v", ex=0)
        self.assertResponseError("syntax error", r.execute_command, "SET", "k", "v", "NX", "XX")
        self.assertResponseError("DB index is out of range", r.execute_command, "SELECT", 16)
        self.assertResponseError(
            "AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?", r.execute_command, "AUTH", "pw")
        self.assertResponseError("unknown subcommand 'FOO'. Try CLIENT HELP.",
                                 r.execute_command, "CLIENT", "FOO")
        # the connection stays usable after errors
        self.assertIs(r.ping(), True)

    # -- client and server introspection ------------------------------------------------------
    def test_client_setname_getname(self):
        r = self.client(decode_responses=True)
        self.assertIsNone(r.client_getname())
        self.assertIs(r.client_setname("py-client"), True)
        self.assertEqual(r.client_getname(), "py-client")
        self.assertResponseError(
            "Client names cannot contain spaces, newlines or special characters.",
            r.client_setname, "has space")
        self.assertEqual(r.client_getname(), "py-client")
        names = [c["name"] for c in r.client_list()]
        self.assertIn("py-client", names)
        self.assertIsInstance(r.client_id(), int)

    def test_client_name_given_at_connect(self):
        r = self.client(client_name="named-at-connect", decode_responses=True)
        self.assertEqual(r.client_getname(), "named-at-connect")
        r2 = self.client(client_name="named-db5", db=5, decode_responses=True)
        self.assertEqual(r2.client_getname(), "named-db5")
        r2.set("k", "v")
        self.assertEqual(self.client(db=5).get("k"), b"v")

    def test_info_reports_a_redis_7_version(self):
        r = self.client()
        info = r.info()
        version = str(info["redis_version"])
        parts = tuple(int(p) for p in version.split(".")[:2])
        self.assertGreaterEqual(parts, (7, 0), version)
        self.assertEqual(info["tcp_port"], self.server.port)
        self.assertEqual(len(str(info["run_id"])), 40)
        self.assertIn(info["arch_bits"], (32, 64))
        self.assertEqual(r.info("replication")["role"], "master")
        r.set("k", "v")
        self.assertEqual(r.info("keyspace"), {"db0": {"keys": 1, "expires": 0, "avg_ttl": 0}})
        self.assertIn("connected_clients", r.info("clients"))
        self.assertIn("used_memory", r.info("memory"))
        self.assertIn("total_commands_processed", r.info("stats"))

    def test_config_get(self):
        r = self.client(decode_responses=True)
        self.assertEqual(r.config_get("databases"), {"databases": "16"})
        self.assertEqual(r.config_get("port"), {"port": str(self.server.port)})
        self.assertEqual(r.config_get("nosuchdirective"), {})
        self.assertIs(r.config_set("hz", 15), True)
        self.assertEqual(r.config_get("hz"), {"hz": "15"})
        self.assertIs(r.config_set("hz", 10), True)

    def test_time_dbsize_flush(self):
        r = self.client()
        seconds, micros = r.time()
        self.assertLess(abs(seconds - time.time()), 60)
        self.assertTrue(0 <= micros < 1000000)
        r.mset({"a": 1, "b": 2})
        self.assertEqual(r.dbsize(), 2)
        self.assertIs(r.flushdb(asynchronous=True), True)
        self.assertEqual(r.dbsize(), 0)
        r.set("a", 1)
        self.assertIs(r.flushall(), True)
        self.assertEqual(r.dbsize(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
