#!/usr/bin/python3
"""Transactions, hashes and MONITOR through redis-py 4.3.4 and redis-cli, against petrel-server.

Pipelines with and without MULTI/EXEC, WATCH conflicts between two clients in a fixed order,
Redis.transaction() and the optimistic-locking counter from redis-py's documentation (also run
by several threads at once, each with its own connection), hash round trips, MONITOR through
redis-py's monitor() and `redis-cli monitor`, and the introspection that sees transactions
(CLIENT LIST flags=x, INFO commandstats).

Runs against the binary in PETREL_SERVER_BIN; PETREL_TEST_TARGET=redis runs the same tests
against Debian's redis-server to check the expectations themselves.
"""

import os
import re
import select
import subprocess
import sys
import threading
import time
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402
from redis.exceptions import ExecAbortError, ResponseError, WatchError  # noqa: E402

from redis_py_case import RedisPyCase  # noqa: E402
import petrel_testlib as tl  # noqa: E402

REDIS_CLI = os.environ.get("REDIS_CLI_BIN", "/usr/bin/redis-cli")
SEQUENCE_KEY = "OUR-SEQUENCE-KEY"   # the key name used by redis-py's documentation


def client_side_incr(pipe):
    """The function from redis-py's documentation for Redis.transaction()."""
    current_value = pipe.get(SEQUENCE_KEY)
    next_value = int(current_value or 0) + 1
    pipe.multi()
    pipe.set(SEQUENCE_KEY, next_value)


class Base(RedisPyCase):
    def commandstat(self, r, name):
        """One cmdstat_<name> entry of INFO commandstats as a dict (empty if absent)."""
        return r.info("commandstats").get(f"cmdstat_{name}", {})


# ---------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------

class PipelineTest(Base):
    def test_pipeline_is_a_transaction_by_default(self):
        r = self.client()
        before = self.commandstat(r, "exec").get("calls", 0)
        pipe = r.pipeline()
        pipe.set("foo", "bar").incr("counter").get("foo").hset("h", mapping={"a": 1, "b": 2})
        pipe.hgetall("h").hincrbyfloat("h", "a", 0.5).hget("h", "missing")
        self.assertEqual(pipe.execute(),
                         [True, 1, b"bar", 2, {b"a": b"1", b"b": b"2"}, 1.5, None])
        self.assertEqual(self.commandstat(r, "exec")["calls"], before + 1)
        self.assertEqual(r.get("counter"), b"1")

    def test_pipeline_as_context_manager_with_chained_calls(self):
        r = self.client(decode_responses=True)
        with r.pipeline() as pipe:
            pipe.set("a", 1).incr("a").incrby("a", 10).get("a")
            self.assertEqual(len(pipe), 4)
            self.assertEqual(pipe.execute(), [True, 2, 12, "12"])
            # the pipeline is reset after execute() and can be used again
            self.assertEqual(len(pipe), 0)
            self.assertEqual(pipe.get("a").execute(), ["12"])
        self.assertEqual(r.pipeline().execute(), [])

    def test_transaction_runtime_error_fails_only_that_command(self):
        r = self.client()
        r.set("s", "not a number")
        pipe = r.pipeline()
        pipe.set("before", 1).incr("s").hset("s", "f", "v").set("after", 2)
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[0], True)
        self.assertIsInstance(results[1], ResponseError)
        self.assertEqual(str(results[1]), "value is not an integer or out of range")
        self.assertIsInstance(results[2], ResponseError)
        self.assertEqual(str(results[2]),
                         "WRONGTYPE Operation against a key holding the wrong kind of value")
        self.assertEqual(results[3], True)
        self.assertEqual(r.mget("before", "after"), [b"1", b"2"])
        # raise_on_error=True (the default) raises the first error, annotated by redis-py,
        # after the whole transaction ran
        pipe = r.pipeline()
        pipe.set("x", 1).incr("s").set("y", 2)
        with self.assertRaises(ResponseError) as ctx:
            pipe.execute()
        self.assertEqual(str(ctx.exception),                 # redis-py sends INCR as INCRBY
                         "Command # 2 (INCRBY s 1) of pipeline caused error: "
                         "value is not an integer or out of range")
        self.assertEqual(r.mget("x", "y"), [b"1", b"2"])

    def test_transaction_queuing_error_aborts_everything(self):
        r = self.client()
        pipe = r.pipeline()
        pipe.set("a", 1).execute_command("NOSUCHCOMMAND", "x").set("b", 2)
        with self.assertRaises(ResponseError) as ctx:
            pipe.execute()
        self.assertEqual(str(ctx.exception),
                         "Command # 2 (NOSUCHCOMMAND x) of pipeline caused error: "
                         "unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ")
        self.assertEqual(r.exists("a", "b"), 0)
        pipe = r.pipeline()
        pipe.set("a", 1).execute_command("GET").set("b", 2)
        with self.assertRaises(ResponseError) as ctx:
            pipe.execute()
        self.assertIn("wrong number of arguments for 'get' command", str(ctx.exception))
        self.assertEqual(r.exists("a", "b"), 0)
        # the same abort seen without redis-py's re-raising: EXEC answers EXECABORT
        with self.server.client() as c:
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertTrue(c.command("HSET", "h", "f").startswith(b"-ERR wrong number"))
            self.assertEqual(c.command("SET", "a", "1"), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"),
                             b"-EXECABORT Transaction discarded because of previous errors.\r\n")
        self.assertEqual(r.exists("a", "h"), 0)
        pipe = r.pipeline()
        pipe.execute_command("NOSUCHCOMMAND")
        with self.assertRaises(ResponseError):
            pipe.execute()
        # a transaction with no queuing error whose EXEC is rejected maps to ExecAbortError
        conn = r.connection_pool.get_connection("EXEC")
        try:
            conn.send_command("EXEC", "extra")
            with self.assertRaises(ExecAbortError):
                conn.read_response()
        finally:
            r.connection_pool.release(conn)

    def test_pipeline_without_transaction_sends_no_multi(self):
        r = self.client()
        before = self.commandstat(r, "multi").get("calls", 0)
        pipe = r.pipeline(transaction=False)
        pipe.set("a", 1).incr("a").hset("h", "f", "v").hget("h", "f").execute_command("NOSUCH")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[:4], [True, 2, 1, b"v"])
        self.assertIsInstance(results[4], ResponseError)
        self.assertEqual(self.commandstat(r, "multi").get("calls", 0), before)

    def test_transaction_is_atomic_for_other_clients(self):
        """A writer increments two keys in one transaction, repeatedly; a reader that reads both
        keys in a transaction must never see them differ."""
        writer_client = self.client()
        reader_client = self.client()
        rounds = 300
        problems = []

        def writer():
            try:
                for _ in range(rounds):
                    writer_client.pipeline().incr("a").incr("b").execute()
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                problems.append(f"writer: {e!r}")

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        reads = 0
        deadline = time.monotonic() + 60
        while thread.is_alive() and time.monotonic() < deadline:
            a, b = reader_client.pipeline().get("a").get("b").execute()
            self.assertEqual(a, b, "a transaction was seen half done")
            reads += 1
        thread.join(60)
        self.assertFalse(thread.is_alive(), "writer did not finish in time")
        self.assertEqual(problems, [])
        self.assertEqual(reader_client.mget("a", "b"), [str(rounds).encode()] * 2)


# ---------------------------------------------------------------------------------------------
# WATCH
# ---------------------------------------------------------------------------------------------

class WatchTest(Base):
    def test_watch_conflict_raises_watch_error(self):
        r = self.client()
        other = self.client()
        r.set(SEQUENCE_KEY, 10)
        with r.pipeline() as pipe:
            pipe.watch(SEQUENCE_KEY)
            # after WATCH the pipeline is in immediate execution mode
            current_value = pipe.get(SEQUENCE_KEY)
            self.assertEqual(current_value, b"10")
            other.set(SEQUENCE_KEY, 100)          # the other client gets in first
            pipe.multi()
            pipe.set(SEQUENCE_KEY, int(current_value) + 1)
            with self.assertRaises(WatchError):
                pipe.execute()
        self.assertEqual(r.get(SEQUENCE_KEY), b"100")

    def test_watch_without_conflict_executes(self):
        r = self.client()
        other = self.client()
        r.set(SEQUENCE_KEY, 10)
        with r.pipeline() as pipe:
            pipe.watch(SEQUENCE_KEY)
            current_value = pipe.get(SEQUENCE_KEY)
            other.get(SEQUENCE_KEY)               # reads do not invalidate
            other.set("unrelated", 1)
            pipe.multi()
            pipe.set(SEQUENCE_KEY, int(current_value) + 1)
            self.assertEqual(pipe.execute(), [True])
        self.assertEqual(r.get(SEQUENCE_KEY), b"11")

    def test_documented_retry_loop_with_a_forced_conflict(self):
        r = self.client()
        other = self.client()
        r.set(SEQUENCE_KEY, 1)
        attempts = 0
        with r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(SEQUENCE_KEY)
                    current_value = pipe.get(SEQUENCE_KEY)
                    next_value = int(current_value) + 1
                    attempts += 1
                    if attempts == 1:
                        other.incr(SEQUENCE_KEY)  # conflict on the first attempt only
                    pipe.multi()
                    pipe.set(SEQUENCE_KEY, next_value)
                    pipe.execute()
                    break
                except WatchError:
                    continue
        self.assertEqual(attempts, 2)
        self.assertEqual(r.get(SEQUENCE_KEY), b"3")

    def test_watch_conflicts_from_several_kinds_of_change(self):
        r = self.client()
        other = self.client()
        other1 = self.client(db=1)
        changes = [
            ("DEL", lambda: other.delete("k")),
            ("EXPIRE", lambda: other.expire("k", 100)),
            ("HSET", lambda: other.hset("k2", "f", "v")),
            ("RENAME onto", lambda: (other.set("src", 1), other.rename("src", "k"))),
            ("FLUSHALL", lambda: other.flushall()),
            ("FLUSHDB", lambda: other.flushdb()),
            ("SWAPDB", lambda: other.swapdb(0, 1)),
            ("SET same value", lambda: other.set("k", "v")),
            ("MOVE", lambda: other.move("k", 1)),
        ]
        for name, change in changes:
            with self.subTest(change=name):
                r.flushall()
                r.set("k", "v")
                with r.pipeline() as pipe:
                    pipe.watch("k", "k2")
                    change()
                    pipe.multi()
                    pipe.set("k", "mine")
                    with self.assertRaises(WatchError):
                        pipe.execute()
        no_changes = [
            ("failed SET NX", lambda: other.set("k", "x", nx=True)),
            ("HDEL of a missing field", lambda: other.hdel("k2", "f")),
            ("write in another db", lambda: other1.set("k", "x")),
            ("DEL of a missing key", lambda: other.delete("k2")),
            ("EXPIRE of a missing key", lambda: other.expire("k2", 10)),
        ]
        for name, change in no_changes:
            with self.subTest(change=name):
                r.flushall()
                r.set("k", "v")
                with r.pipeline() as pipe:
                    pipe.watch("k", "k2")
                    change()
                    pipe.multi()
                    pipe.set("k", "mine")
                    self.assertEqual(pipe.execute(), [True])
                self.assertEqual(r.get("k"), b"mine")

    def test_unwatch_and_reset(self):
        r = self.client()
        other = self.client()
        r.set("k", "v")
        with r.pipeline() as pipe:
            pipe.watch("k")
            pipe.unwatch()
            other.set("k", "changed")
            pipe.multi()
            pipe.get("k")
            self.assertEqual(pipe.execute(), [b"changed"])
        with r.pipeline() as pipe:
            pipe.watch("k")
            pipe.reset()                         # sends UNWATCH
            other.set("k", "again")
            pipe.multi()
            pipe.get("k")
            self.assertEqual(pipe.execute(), [b"again"])

    def test_watched_key_expiring_aborts_exec(self):
        with self.server.client() as c, self.server.client() as observer:
            self.assertEqual(c.command("SET", "k", "v", "PX", "100"), b"+OK\r\n")
            self.assertEqual(c.command("WATCH", "k"), b"+OK\r\n")
            # wait (bounded) until another client sees the key gone
            tl.wait_until(lambda: observer.call("EXISTS", "k") == 0, timeout=10,
                          what="the watched key to expire")
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertEqual(c.command("SET", "k", "mine"), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"), b"*-1\r\n")
            self.assertEqual(observer.call("EXISTS", "k"), 0)

    def test_watched_key_expiring_untouched_aborts_exec(self):
        """Nobody accesses the key after it expires: EXEC itself must notice."""
        with self.server.client() as c:
            self.assertEqual(c.command("SET", "k", "v", "PX", "50"), b"+OK\r\n")
            self.assertEqual(c.command("WATCH", "k"), b"+OK\r\n")
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:   # let wall-clock time pass the expiry
                time.sleep(deadline - time.monotonic())
            self.assertEqual(c.command("MULTI"), b"+OK\r\n")
            self.assertEqual(c.command("PING"), b"+QUEUED\r\n")
            self.assertEqual(c.command("EXEC"), b"*-1\r\n")

    def test_watch_inside_multi_and_nested_multi_errors(self):
        r = self.client()
        conn = r.connection_pool.get_connection("MULTI")
        try:
            conn.send_command("MULTI")
            self.assertEqual(conn.read_response(), b"OK")
            conn.send_command("WATCH", "k")
            with self.assertRaises(ResponseError) as ctx:
                conn.read_response()
            self.assertEqual(str(ctx.exception), "WATCH inside MULTI is not allowed")
            conn.send_command("MULTI")
            with self.assertRaises(ResponseError) as ctx:
                conn.read_response()
            self.assertEqual(str(ctx.exception), "MULTI calls can not be nested")
            conn.send_command("SET", "k", "v")
            self.assertEqual(conn.read_response(), b"QUEUED")
            conn.send_command("EXEC")
            self.assertEqual(conn.read_response(), [b"OK"])
            conn.send_command("EXEC")
            with self.assertRaises(ResponseError) as ctx:
                conn.read_response()
            self.assertEqual(str(ctx.exception), "EXEC without MULTI")
            conn.send_command("DISCARD")
            with self.assertRaises(ResponseError) as ctx:
                conn.read_response()
            self.assertEqual(str(ctx.exception), "DISCARD without MULTI")
        finally:
            r.connection_pool.release(conn)


# ---------------------------------------------------------------------------------------------
# Redis.transaction() and the optimistic-locking counter
# ---------------------------------------------------------------------------------------------

class TransactionHelperTest(Base):
    def test_transaction_helper_as_documented(self):
        r = self.client()
        r.set(SEQUENCE_KEY, 41)
        self.assertEqual(r.transaction(client_side_incr, SEQUENCE_KEY), [True])
        self.assertEqual(r.get(SEQUENCE_KEY), b"42")

    def test_transaction_helper_retries_after_a_conflict(self):
        r = self.client()
        other = self.client()
        r.set(SEQUENCE_KEY, 0)
        calls = []

        def incr_with_interference(pipe):
            calls.append(1)
            current_value = pipe.get(SEQUENCE_KEY)
            if len(calls) <= 2:
                other.incr(SEQUENCE_KEY, 10)    # conflict on the first two attempts
            pipe.multi()
            pipe.set(SEQUENCE_KEY, int(current_value) + 1)
            return int(current_value) + 1

        value = r.transaction(incr_with_interference, SEQUENCE_KEY, value_from_callable=True,
                              watch_delay=0.001)
        self.assertEqual(len(calls), 3)
        self.assertEqual(value, 21)
        self.assertEqual(r.get(SEQUENCE_KEY), b"21")

    def test_transaction_helper_watching_several_keys(self):
        r = self.client(decode_responses=True)
        r.hset("account:a", mapping={"balance": 100})
        r.hset("account:b", mapping={"balance": 5})

        def transfer(pipe):
            a = int(pipe.hget("account:a", "balance"))
            b = int(pipe.hget("account:b", "balance"))
            pipe.multi()
            pipe.hset("account:a", "balance", a - 30)
            pipe.hset("account:b", "balance", b + 30)
            pipe.hgetall("account:a")

        self.assertEqual(r.transaction(transfer, "account:a", "account:b"),
                         [0, 0, {"balance": "70"}])
        self.assertEqual(r.hget("account:b", "balance"), "35")

    def test_concurrent_optimistic_increments_are_exact(self):
        """The documented WATCH/MULTI/EXEC increment loop, run by several clients at once."""
        clients, increments = 8, 200
        problems = []
        retries = [0] * clients

        def worker(index):
            r = redis.Redis(host=tl.HOST, port=self.server.port, socket_timeout=30)
            try:
                deadline = time.monotonic() + 120
                with r.pipeline() as pipe:
                    for _ in range(increments):
                        while True:
                            if time.monotonic() > deadline:
                                problems.append(f"client {index}: out of time")
                                return
                            try:
                                pipe.watch(SEQUENCE_KEY)
                                current_value = pipe.get(SEQUENCE_KEY)
                                next_value = int(current_value or 0) + 1
                                pipe.multi()
                                pipe.set(SEQUENCE_KEY, next_value)
                                pipe.execute()
                                break
                            except WatchError:
                                retries[index] += 1
                                continue
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                problems.append(f"client {index}: {e!r}")
            finally:
                r.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(150)
        self.assertFalse(any(t.is_alive() for t in threads), "workers did not finish in time")
        self.assertEqual(problems, [])
        r = self.client()
        self.assertEqual(r.get(SEQUENCE_KEY), str(clients * increments).encode())
        # the same through Redis.transaction(), also concurrently
        r.set(SEQUENCE_KEY, 0)
        problems.clear()

        def helper_worker(index):
            r2 = redis.Redis(host=tl.HOST, port=self.server.port, socket_timeout=30)
            try:
                for _ in range(increments // 2):
                    r2.transaction(client_side_incr, SEQUENCE_KEY)
            except Exception as e:  # noqa: BLE001
                problems.append(f"client {index}: {e!r}")
            finally:
                r2.close()

        threads = [threading.Thread(target=helper_worker, args=(i,), daemon=True)
                   for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(150)
        self.assertFalse(any(t.is_alive() for t in threads), "workers did not finish in time")
        self.assertEqual(problems, [])
        self.assertEqual(r.get(SEQUENCE_KEY), str(clients * (increments // 2)).encode())


# ---------------------------------------------------------------------------------------------
# Hashes
# ---------------------------------------------------------------------------------------------

class HashTest(Base):
    def test_hash_round_trip(self):
        r = self.client(decode_responses=True)
        mapping = {"name": "Ünïcode ✓", "count": "10", "empty": "", "float": "1.5"}
        self.assertEqual(r.hset("user:1", mapping=mapping), 4)
        self.assertEqual(r.hset("user:1", "count", 11), 0)
        self.assertEqual(r.hset("user:1", "extra", "x", mapping={"more": "y"}), 2)
        expected = dict(mapping, count="11", extra="x", more="y")
        self.assertEqual(r.hgetall("user:1"), expected)
        self.assertEqual(list(r.hgetall("user:1")), list(expected))   # insertion order
        self.assertEqual(r.hkeys("user:1"), list(expected))
        self.assertEqual(r.hvals("user:1"), list(expected.values()))
        self.assertEqual(r.hlen("user:1"), 6)
        self.assertEqual(r.hget("user:1", "name"), "Ünïcode ✓")
        self.assertIsNone(r.hget("user:1", "missing"))
        self.assertEqual(r.hmget("user:1", ["name", "missing", "count"]),
                         ["Ünïcode ✓", None, "11"])
        self.assertEqual(r.hmget("user:1", "count", "float"), ["11", "1.5"])
        self.assertIs(r.hexists("user:1", "empty"), True)
        self.assertIs(r.hexists("user:1", "nope"), False)
        self.assertEqual(r.hstrlen("user:1", "name"), len("Ünïcode ✓".encode()))
        self.assertEqual(r.hincrby("user:1", "count", 5), 16)
        self.assertEqual(r.hincrby("user:1", "new", -2), -2)
        self.assertEqual(r.hincrbyfloat("user:1", "float", 0.25), 1.75)
        self.assertEqual(r.hincrbyfloat("user:1", "count", 0.5), 16.5)
        self.assertEqual(r.hget("user:1", "count"), "16.5")
        self.assertEqual(r.hsetnx("user:1", "name", "other"), False)
        self.assertEqual(r.hsetnx("user:1", "nick", "n"), True)
        self.assertEqual(r.hdel("user:1", "extra", "more", "missing"), 2)
        self.assertEqual(r.type("user:1"), "hash")
        self.assertEqual(r.object("encoding", "user:1"), "listpack")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # redis-py deprecates hmset
            self.assertIs(r.hmset("legacy", {"a": 1}), True)
        self.assertEqual(r.hgetall("legacy"), {"a": "1"})
        self.assertEqual(r.hgetall("missing"), {})
        fields = list(r.hkeys("user:1"))
        self.assertEqual(r.hdel("user:1", *fields), len(fields))
        self.assertEqual(r.exists("user:1"), 0)

    def test_hash_binary_round_trip(self):
        r = self.client()
        field = b"f\x00\r\n\xff"
        value = bytes(range(256))
        r.hset(b"bin\x00key", field, value)
        self.assertEqual(r.hget(b"bin\x00key", field), value)
        self.assertEqual(r.hgetall(b"bin\x00key"), {field: value})
        self.assertEqual(r.object("encoding", b"bin\x00key"), b"hashtable")  # value > 64 bytes

    def test_hash_errors(self):
        r = self.client()
        r.set("str", "v")
        r.hset("h", mapping={"s": "text", "n": "1", "max": 2**63 - 1})
        cases = [
            (lambda: r.hset("str", "f", "v"),
             "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (lambda: r.hgetall("str"),
             "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (lambda: r.get("h"),
             "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (lambda: r.hincrby("h", "s", 1), "hash value is not an integer"),
            (lambda: r.hincrbyfloat("h", "s", 1), "hash value is not a float"),
            (lambda: r.hincrby("h", "max", 1), "increment or decrement would overflow"),
            (lambda: r.hincrbyfloat("h", "n", "inf"), "value is NaN or Infinity"),
            (lambda: r.hincrby("h", "n", "x"), "value is not an integer or out of range"),
            (lambda: r.execute_command("HSET", "h", "a", "1", "b"),
             "wrong number of arguments for 'hset' command"),
            (lambda: r.hrandfield("h", 2**62, withvalues=True), "value is out of range"),
            (lambda: r.hscan("h", cursor="abc"), "invalid cursor"),
        ]
        for call, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ResponseError) as ctx:
                    call()
                self.assertEqual(str(ctx.exception), message)

    def test_hrandfield(self):
        r = self.client(decode_responses=True)
        for size, encoding in ((10, "listpack"), (1000, "hashtable")):
            with self.subTest(encoding=encoding):
                r.delete("h")
                data = {f"field:{i}": f"value:{i}" for i in range(size)}
                r.hset("h", mapping=data)
                self.assertEqual(r.object("encoding", "h"), encoding)
                self.assertIn(r.hrandfield("h"), data)
                for count in (1, 3, size - 1, size, size + 5):
                    fields = r.hrandfield("h", count)
                    self.assertEqual(len(fields), min(count, size))
                    self.assertEqual(len(set(fields)), len(fields), "fields repeated")
                    self.assertTrue(set(fields) <= set(data))
                pairs = r.hrandfield("h", 5, withvalues=True)
                self.assertEqual(len(pairs), 10)
                got = dict(zip(pairs[::2], pairs[1::2]))
                self.assertEqual(len(got), 5)
                self.assertEqual({k: data[k] for k in got}, got)
                repeated = r.hrandfield("h", -(size * 3))
                self.assertEqual(len(repeated), size * 3)
                self.assertTrue(set(repeated) <= set(data))
                pairs = r.hrandfield("h", -7, withvalues=True)
                self.assertEqual(len(pairs), 14)
                for k, v in zip(pairs[::2], pairs[1::2]):
                    self.assertEqual(data[k], v)
                self.assertEqual(r.hrandfield("h", 0), [])
        self.assertIsNone(r.hrandfield("missing"))
        self.assertEqual(r.hrandfield("missing", 3), [])

    def test_hscan_iter(self):
        r = self.client(decode_responses=True)
        big = {f"f{i}": str(i) for i in range(2000)}
        r.hset("big", mapping=big)
        self.assertEqual(dict(r.hscan_iter("big", count=50)), big)
        self.assertEqual(dict(r.hscan_iter("big", match="f1*", count=100)),
                         {k: v for k, v in big.items() if k.startswith("f1")})
        r.hset("small", mapping={"a": "1", "b": "2", "ab": "3"})
        self.assertEqual(r.hscan("small"), (0, {"a": "1", "b": "2", "ab": "3"}))
        self.assertEqual(r.hscan("small", match="a*"), (0, {"a": "1", "ab": "3"}))
        self.assertEqual(r.hscan("missing"), (0, {}))

    def test_encoding_follows_the_listpack_limits(self):
        r = self.client(decode_responses=True)
        defaults = r.config_get("hash-max-listpack-*")
        self.assertEqual(defaults, {"hash-max-listpack-entries": "512",
                                    "hash-max-listpack-value": "64"})
        self.addCleanup(r.config_set, "hash-max-listpack-value", 64)
        self.addCleanup(r.config_set, "hash-max-listpack-entries", 512)
        r.hset("h", mapping={f"f{i}": i for i in range(512)})
        self.assertEqual(r.object("encoding", "h"), "listpack")
        r.hset("h", "one-more", 1)
        self.assertEqual(r.object("encoding", "h"), "hashtable")
        self.assertIs(r.config_set("hash-max-listpack-entries", 128), True)
        r.hset("h128", mapping={f"f{i}": i for i in range(128)})
        self.assertEqual(r.object("encoding", "h128"), "listpack")
        r.hincrby("h128", "f128", 1)
        self.assertEqual(r.object("encoding", "h128"), "hashtable")
        self.assertIs(r.config_set("hash-max-listpack-value", 8), True)
        r.hset("v", "f", "12345678")
        self.assertEqual(r.object("encoding", "v"), "listpack")
        r.hset("v", "g", "123456789")
        self.assertEqual(r.object("encoding", "v"), "hashtable")
        self.assertEqual(r.hgetall("v"), {"f": "12345678", "g": "123456789"})


# ---------------------------------------------------------------------------------------------
# MONITOR
# ---------------------------------------------------------------------------------------------

MONITOR_LINE = re.compile(r"^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$")


class MonitorTest(Base):
    def test_redis_py_monitor_sees_other_clients(self):
        r = self.client()
        other = self.client()
        other3 = self.client(db=3)
        self.assertIs(other.ping(), True)          # connect (and select) before monitoring
        self.assertIs(other3.ping(), True)
        addr = other.client_info()["addr"]
        addr3 = other3.client_info()["addr"]
        started = time.time()
        with r.monitor() as m:
            other.set("foo", "bar")
            other.hset("h", mapping={"a": "1", "b": "two words"})
            other.set(b"bin\x00", b'\xff"q')
            other3.get("in-db-3")
            with other.pipeline() as pipe:
                pipe.incr("n").hget("h", "a").execute()
            seen = [m.next_command() for _ in range(8)]
        host, port = addr.rsplit(":", 1)
        for cmd in seen:
            self.assertLess(abs(cmd["time"] - started), 60)
            self.assertEqual(cmd["client_type"], "tcp")
            self.assertEqual(cmd["client_address"], host)
        self.assertEqual([c["command"] for c in seen], [
            "SET foo bar", "HSET h a 1 b two words", 'SET bin\\x00 \\xff"q', "GET in-db-3",
            "MULTI", "INCRBY n 1", "HGET h a", "EXEC"])   # redis-py sends INCR as INCRBY
        self.assertEqual([c["db"] for c in seen], [0, 0, 0, 3, 0, 0, 0, 0])
        self.assertEqual([c["client_port"] for c in seen],
                         [port] * 3 + [addr3.rsplit(":", 1)[1]] + [port] * 4)
        self.assertEqual(sorted(c["time"] for c in seen), [c["time"] for c in seen])

    def test_redis_cli_monitor_output(self):
        proc = subprocess.Popen([REDIS_CLI, "-h", tl.HOST, "-p", str(self.server.port), "monitor"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        self.addCleanup(self._stop_process, proc)
        reader = LineReader(proc.stdout)
        self.assertEqual(reader.line(10), "OK")
        c = self.raw()
        host, port = c.sock.getsockname()
        commands = [
            (("SET", "k", "v"), '"SET" "k" "v"'),
            (("set", "lower", "case"), '"set" "lower" "case"'),
            (("SET", b"a\x00b", b'\xe9"\\\n\r\t\x07\x08 x'),
             r'"SET" "a\x00b" "\xe9\"\\\n\r\t\a\b x"'),
            (("HSET", "h", "f", ""), '"HSET" "h" "f" ""'),
            (("AUTH", "secret"), '"AUTH" "(redacted)"'),
            (("AUTH", "user", "secret"), '"AUTH" "(redacted)" "(redacted)"'),
            (("HELLO", "2", "AUTH", "default", "secret"),
             '"HELLO" "2" "AUTH" "(redacted)" "(redacted)"'),
            (("ECHO", "end"), '"ECHO" "end"'),
        ]
        for args, _ in commands:
            c.command(*args)
        started = time.time()
        for _, expected in commands:
            line = reader.line(10)
            m = MONITOR_LINE.match(line)
            self.assertIsNotNone(m, f"not a MONITOR line: {line!r}")
            seconds, _, db, client, rest = m.groups()
            self.assertLess(abs(int(seconds) - started), 60)
            self.assertEqual(db, "0")
            self.assertEqual(client, f"{host}:{port}")
            self.assertEqual(rest, expected)

    @staticmethod
    def _stop_process(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()

    def test_monitor_client_is_listed_and_stops_on_disconnect(self):
        r = self.client()
        other = self.client()
        with r.monitor() as m:
            clients = other.client_list()
            self.assertIn("O", [c["flags"] for c in clients])
            # CLIENT LIST is an admin command, which MONITOR does not show
            other.echo("marker")
            self.assertEqual(m.next_command()["command"], "ECHO marker")
        tl.wait_until(lambda: "O" not in [c["flags"] for c in self.client().client_list()],
                      timeout=10, what="the monitor to disappear from CLIENT LIST")


class LineReader:
    """Reads text lines from a pipe with a timeout per line."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.buf = b""

    def line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no complete line within {timeout}s; got {self.buf!r}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise AssertionError(f"output closed; got {self.buf!r}")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")


# ---------------------------------------------------------------------------------------------
# Introspection
# ---------------------------------------------------------------------------------------------

class IntrospectionTest(Base):
    def test_client_list_shows_multi_state(self):
        r = self.client()
        c = self.raw()
        my_id = c.call("CLIENT", "ID")

        def me():
            return next(x for x in r.client_list() if int(x["id"]) == my_id)

        self.assertEqual((me()["flags"], me()["multi"]), ("N", "-1"))
        self.assertEqual(c.command("MULTI"), b"+OK\r\n")
        self.assertEqual(c.command("SET", "a", "1"), b"+QUEUED\r\n")
        self.assertEqual(c.command("HSET", "h", "f", "v"), b"+QUEUED\r\n")
        info = me()
        self.assertEqual((info["flags"], info["multi"], info["cmd"]), ("x", "2", "hset"))
        self.assertEqual(c.command("EXEC"), b"*2\r\n+OK\r\n:1\r\n")
        info = me()
        self.assertEqual((info["flags"], info["multi"], info["cmd"]), ("N", "-1", "exec"))
        self.assertEqual(c.command("MULTI"), b"+OK\r\n")
        self.assertEqual(c.command("DISCARD"), b"+OK\r\n")
        self.assertEqual(me()["flags"], "N")
        # CLIENT INFO run inside the transaction reports the flag as well
        self.assertEqual(c.command("MULTI"), b"+OK\r\n")
        self.assertEqual(c.command("CLIENT", "INFO"), b"+QUEUED\r\n")
        reply = c.call("EXEC")
        self.assertIn(b" flags=x ", reply[0])
        self.assertIn(b" multi=1 ", reply[0])

    def test_info_commandstats_counts_hash_and_transaction_commands(self):
        r = self.client()
        self.assertIs(r.config_resetstat(), True)
        c = self.raw()
        for line in (("HSET", "h", "a", "1", "b", "2"), ("HGET", "h", "a"), ("SET", "s", "x"),
                     ("MULTI",), ("HSET", "h", "c", "3"), ("HINCRBY", "h", "a", "1"),
                     ("HINCRBY", "s", "a", "1"), ("EXEC",),
                     ("MULTI",), ("GET",), ("EXEC",),
                     ("EXEC",), ("DISCARD",), ("MULTI",), ("DISCARD",),
                     ("WATCH", "h"), ("UNWATCH",)):
            c.command(*line)
        stats = r.info("commandstats")

        def counts(name):
            s = stats.get(f"cmdstat_{name}", {})
            return {k: s.get(k) for k in ("calls", "rejected_calls", "failed_calls")}

        self.assertEqual(counts("hset"), {"calls": 2, "rejected_calls": 0, "failed_calls": 0})
        self.assertEqual(counts("hget"), {"calls": 1, "rejected_calls": 0, "failed_calls": 0})
        self.assertEqual(counts("hincrby"), {"calls": 2, "rejected_calls": 0, "failed_calls": 1})
        self.assertEqual(counts("multi"), {"calls": 3, "rejected_calls": 0, "failed_calls": 0})
        # EXEC: one ran, one was EXECABORT (failed), one had no MULTI (failed)
        self.assertEqual(counts("exec"), {"calls": 3, "rejected_calls": 0, "failed_calls": 2})
        self.assertEqual(counts("get"), {"calls": 0, "rejected_calls": 1, "failed_calls": 0})
        self.assertEqual(counts("discard"), {"calls": 2, "rejected_calls": 0, "failed_calls": 1})
        self.assertEqual(counts("watch"), {"calls": 1, "rejected_calls": 0, "failed_calls": 0})
        self.assertEqual(counts("unwatch"), {"calls": 1, "rejected_calls": 0, "failed_calls": 0})
        for name in ("hset", "exec"):
            entry = stats[f"cmdstat_{name}"]
            self.assertIn("usec", entry)
            self.assertIn("usec_per_call", entry)
        errorstats = c.call("INFO", "errorstats").decode().split("\r\n")
        self.assertIn("errorstat_EXECABORT:count=1", errorstats)

    def test_info_keyspace_counts_hashes(self):
        r = self.client()
        r.hset("h1", "f", "v")
        r.hset("h2", mapping={"a": 1})
        r.set("s", 1)
        r.expire("h2", 100)
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 3)
        self.assertEqual(r.info("keyspace")["db0"]["expires"], 1)
        r.hdel("h1", "f")
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
