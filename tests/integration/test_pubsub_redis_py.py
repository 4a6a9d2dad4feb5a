#!/usr/bin/python3
"""redis-py 4.3.4 pub/sub against petrel-server, used the way redis-py's documentation shows.

pubsub(), subscribe/psubscribe with and without handlers, get_message() with timeouts,
listen(), run_in_thread() with stop() and an exception handler, ignore_subscribe_messages,
decode_responses, unsubscribe()/punsubscribe() without arguments, pubsub_channels/numsub/
numpat, health checks, re-subscription after a server restart, plus the server-side views of
subscribers (CLIENT LIST, INFO stats, CLIENT KILL TYPE pubsub) and delivery order.

Pending: ctest only runs test_*.py; rename this file once Petrel passes it.
PETREL_TEST_TARGET=redis runs it against Debian's redis-server to check the expectations.
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402

import petrel_testlib as tl  # noqa: E402
from redis_py_case import RedisPyCase  # noqa: E402

MESSAGE_TIMEOUT = 5.0


def next_message(pubsub, timeout=MESSAGE_TIMEOUT, **kwargs):
    """The next message get_message() returns (skipping Nones), polled up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no pub/sub message within {timeout}s")
        message = pubsub.get_message(timeout=min(0.25, remaining), **kwargs)
        if message is not None:
            return message


def no_message(pubsub, wait=0.2):
    """True if get_message() returns nothing for `wait` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if pubsub.get_message(timeout=0.05) is not None:
            return False
    return True


def message(kind, channel, data, pattern=None):
    return {"type": kind, "pattern": pattern, "channel": channel, "data": data}


class PubSubCase(RedisPyCase):
    def pubsub(self, client=None, **kwargs):
        p = (client or self.client()).pubsub(**kwargs)
        self.addCleanup(p.close)
        return p

    def wait_numsub(self, r, channel, count):
        """Wait until the server counts `count` subscribers of `channel` (a SUBSCRIBE sent by
        another connection may not have been processed yet)."""
        name = channel.encode() if isinstance(channel, str) else channel
        tl.wait_until(lambda: r.pubsub_numsub(channel) in ([(name, count)],
                                                           [(channel, count)]),
                      timeout=MESSAGE_TIMEOUT, what=f"{count} subscribers of {channel!r}")

    def wait_numpat(self, r, count):
        tl.wait_until(lambda: r.pubsub_numpat() == count, timeout=MESSAGE_TIMEOUT,
                      what=f"PUBSUB NUMPAT == {count}")


class RedisPyPubSubTest(PubSubCase):
    # -- subscribe, publish, get_message --------------------------------------------------
    def test_subscribe_confirmations_then_messages(self):
        r = self.client()
        p = self.pubsub(r)
        self.assertFalse(p.subscribed)
        self.assertIsNone(p.subscribe("news", "sport"))
        self.assertTrue(p.subscribed)
        self.assertEqual(next_message(p), message("subscribe", b"news", 1))
        self.assertEqual(next_message(p), message("subscribe", b"sport", 2))
        self.assertEqual(r.publish("news", "hello"), 1)
        self.assertEqual(r.publish("nobody-listens", "x"), 0)
        self.assertEqual(r.publish("sport", b"bin\x00\xff"), 1)
        self.assertEqual(next_message(p), message("message", b"news", b"hello"))
        self.assertEqual(next_message(p), message("message", b"sport", b"bin\x00\xff"))
        self.assertIsNone(p.get_message(timeout=0.1))

    def test_get_message_timeout_returns_none_when_idle(self):
        p = self.pubsub()
        self.assertIsNone(p.get_message(timeout=0.05))   # not subscribed: waits, then None
        p.subscribe("idle")
        self.assertEqual(next_message(p)["type"], "subscribe")
        started = time.monotonic()
        self.assertIsNone(p.get_message(timeout=0.3))
        self.assertGreaterEqual(time.monotonic() - started, 0.25)

    def test_psubscribe_and_pmessage(self):
        r = self.client()
        p = self.pubsub(r)
        p.psubscribe("news.*", "h?llo")
        self.assertEqual(next_message(p), message("psubscribe", b"news.*", 1))
        self.assertEqual(next_message(p), message("psubscribe", b"h?llo", 2))
        self.assertEqual(r.publish("news.tech", "t"), 1)
        self.assertEqual(r.publish("hello", "h"), 1)
        self.assertEqual(r.publish("news", "no match"), 0)
        self.assertEqual(next_message(p), message("pmessage", b"news.tech", b"t", b"news.*"))
        self.assertEqual(next_message(p), message("pmessage", b"hello", b"h", b"h?llo"))

    def test_channel_and_matching_pattern_both_deliver(self):
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("both.ch")
        p.psubscribe("both.*")
        self.assertEqual(next_message(p)["type"], "subscribe")
        self.assertEqual(next_message(p), message("psubscribe", b"both.*", 2))
        self.assertEqual(r.publish("both.ch", "m"), 2)
        self.assertEqual(next_message(p), message("message", b"both.ch", b"m"))
        self.assertEqual(next_message(p), message("pmessage", b"both.ch", b"m", b"both.*"))

    def test_several_subscribers_each_get_the_message(self):
        r = self.client()
        subs = [self.pubsub(r) for _ in range(3)]
        for p in subs:
            p.subscribe("fan")
            self.assertEqual(next_message(p), message("subscribe", b"fan", 1))
        self.assertEqual(r.publish("fan", "all"), 3)
        for p in subs:
            self.assertEqual(next_message(p), message("message", b"fan", b"all"))

    def test_ping_while_subscribed(self):
        p = self.pubsub()
        p.subscribe("pinged")
        next_message(p)
        p.ping()
        self.assertEqual(next_message(p), message("pong", None, b""))
        p.ping("hi")
        self.assertEqual(next_message(p), message("pong", None, b"hi"))

    def test_sharded_channel_with_raw_commands(self):
        # redis-py 4.3.4 has no ssubscribe(); the raw commands work through the pubsub object.
        # get_message() reads only while redis-py counts a channel or pattern subscription, so
        # the pubsub object subscribes to an ordinary channel first.
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("plain")
        self.assertEqual(next_message(p), message("subscribe", b"plain", 1))
        p.execute_command("SSUBSCRIBE", "shard1")
        self.assertEqual(next_message(p), message("ssubscribe", b"shard1", 1))
        self.assertEqual(r.execute_command("SPUBLISH", "shard1", "s"), 1)
        self.assertEqual(next_message(p), message("smessage", b"shard1", b"s"))
        self.assertEqual(r.execute_command("PUBSUB SHARDNUMSUB", "shard1"), [b"shard1", 1])
        self.assertEqual(r.execute_command("PUBSUB SHARDCHANNELS", "shard*"), [b"shard1"])
        p.execute_command("SUNSUBSCRIBE")
        self.assertEqual(next_message(p), message("sunsubscribe", b"shard1", 0))

    # -- handlers ---------------------------------------------------------------------------
    def test_handlers_receive_messages_instead_of_get_message(self):
        r = self.client()
        p = self.pubsub(r)
        received = []
        p.subscribe(**{"handled": received.append})
        p.psubscribe(**{"handled.*": received.append})
        p.subscribe("plain")
        # Confirmations are not handled: get_message returns them.
        self.assertEqual(next_message(p), message("subscribe", b"handled", 1))
        self.assertEqual(next_message(p), message("psubscribe", b"handled.*", 2))
        self.assertEqual(next_message(p), message("subscribe", b"plain", 3))
        self.assertEqual(r.publish("handled", "one"), 1)
        self.assertEqual(r.publish("handled.x", "two"), 1)
        self.assertEqual(r.publish("plain", "three"), 1)
        # Handled messages make get_message return None; the plain one is returned.
        self.assertEqual(next_message(p), message("message", b"plain", b"three"))
        self.assertEqual(received, [message("message", b"handled", b"one"),
                                    message("pmessage", b"handled.x", b"two", b"handled.*")])

    # -- options ------------------------------------------------------------------------------
    def test_ignore_subscribe_messages(self):
        r = self.client()
        p = self.pubsub(r, ignore_subscribe_messages=True)
        p.subscribe("quiet")
        p.psubscribe("quiet.*")
        self.wait_numsub(r, "quiet", 1)
        self.assertEqual(r.publish("quiet", "m"), 1)
        self.assertEqual(next_message(p), message("message", b"quiet", b"m"))
        p.unsubscribe("quiet")
        p.punsubscribe("quiet.*")
        self.assertTrue(no_message(p))
        self.assertFalse(p.subscribed)

    def test_ignore_subscribe_messages_per_call(self):
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("percall")
        self.wait_numsub(r, "percall", 1)
        r.publish("percall", "m")
        self.assertEqual(next_message(p, ignore_subscribe_messages=True),
                         message("message", b"percall", b"m"))

    def test_decode_responses(self):
        r = self.client(decode_responses=True)
        p = self.pubsub(r)
        p.subscribe("déjà")
        p.psubscribe("d*")
        self.assertEqual(next_message(p), message("subscribe", "déjà", 1))
        self.assertEqual(next_message(p), message("psubscribe", "d*", 2))
        self.assertEqual(r.publish("déjà", "vu ✓"), 2)
        self.assertEqual(next_message(p), message("message", "déjà", "vu ✓"))
        self.assertEqual(next_message(p), message("pmessage", "déjà", "vu ✓", "d*"))
        self.assertEqual(r.pubsub_channels("d*"), ["déjà"])
        self.assertEqual(r.pubsub_numsub("déjà"), [("déjà", 1)])

    def test_context_manager_closes_the_connection(self):
        r = self.client()
        with r.pubsub() as p:
            p.subscribe("ctx")
            self.assertEqual(next_message(p)["type"], "subscribe")
            self.assertEqual(r.pubsub_numsub("ctx"), [(b"ctx", 1)])
        self.wait_numsub(r, "ctx", 0)

    # -- listen -------------------------------------------------------------------------------
    def test_listen_yields_confirmations_and_messages(self):
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("listened")
        self.wait_numsub(r, "listened", 1)
        for i in range(3):
            r.publish("listened", f"m{i}")
        got = []
        for item in p.listen():
            got.append(item)
            if len(got) == 4:
                break
        self.assertEqual(got, [message("subscribe", b"listened", 1)]
                         + [message("message", b"listened", f"m{i}".encode())
                            for i in range(3)])

    def test_listen_ends_once_everything_is_unsubscribed(self):
        r = self.client()
        p = self.pubsub(r, ignore_subscribe_messages=True)
        p.subscribe("ending")
        self.wait_numsub(r, "ending", 1)
        r.publish("ending", "last")
        got = []
        for item in p.listen():      # ends by itself when the unsubscribe confirmation arrives
            got.append(item)
            p.unsubscribe()
        self.assertEqual(got, [message("message", b"ending", b"last")])
        self.assertFalse(p.subscribed)

    # -- run_in_thread ------------------------------------------------------------------------
    def test_run_in_thread_and_stop(self):
        r = self.client()
        p = self.pubsub(r)
        received = []
        lock = threading.Lock()

        def handler(msg):
            with lock:
                received.append(msg)

        p.subscribe(**{"worker": handler})
        p.psubscribe(**{"worker.*": handler})
        thread = p.run_in_thread(sleep_time=0.01)
        self.addCleanup(thread.stop)
        self.wait_numsub(r, "worker", 1)
        self.wait_numpat(r, 1)
        for i in range(5):
            r.publish("worker", f"c{i}")
        r.publish("worker.sub", "p")
        tl.wait_until(lambda: len(received) == 6, timeout=MESSAGE_TIMEOUT,
                      what="6 messages delivered to the handler thread")
        with lock:
            self.assertEqual([m["data"] for m in received],
                             [b"c0", b"c1", b"c2", b"c3", b"c4", b"p"])
            self.assertEqual(received[-1], message("pmessage", b"worker.sub", b"p",
                                                   b"worker.*"))
        thread.stop()
        thread.join(MESSAGE_TIMEOUT)
        self.assertFalse(thread.is_alive())
        # stop() closes the pubsub connection: the server drops the subscriptions.
        self.wait_numsub(r, "worker", 0)
        self.wait_numpat(r, 0)

    def test_run_in_thread_requires_handlers(self):
        p = self.pubsub()
        p.subscribe("no-handler")
        with self.assertRaises(redis.exceptions.PubSubError):
            p.run_in_thread(sleep_time=0.01)

    def test_run_in_thread_exception_handler(self):
        r = self.client()
        p = self.pubsub(r)
        errors = []
        good = []

        def handler(msg):
            if msg["data"] == b"bad":
                raise ValueError("handler failed")
            good.append(msg["data"])

        def on_error(exc, pubsub, thread):
            errors.append((type(exc), pubsub, thread))
            if isinstance(exc, redis.exceptions.ConnectionError):
                thread.stop()

        p.subscribe(**{"fragile": handler})
        thread = p.run_in_thread(sleep_time=0.01, exception_handler=on_error)
        self.addCleanup(thread.stop)
        self.wait_numsub(r, "fragile", 1)
        r.publish("fragile", "bad")
        r.publish("fragile", "good")
        tl.wait_until(lambda: good == [b"good"], timeout=MESSAGE_TIMEOUT,
                      what="the message after the failing one")
        self.assertEqual(errors, [(ValueError, p, thread)])
        # The server closing the connection reaches the exception handler too.
        self.assertEqual(r.client_kill_filter(_type="pubsub"), 1)
        thread.join(MESSAGE_TIMEOUT)
        self.assertFalse(thread.is_alive())
        self.assertEqual(len(errors), 2)
        self.assertTrue(issubclass(errors[1][0], redis.exceptions.ConnectionError))

    # -- unsubscribing ------------------------------------------------------------------------
    def test_unsubscribe_and_punsubscribe_without_arguments(self):
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("u1", "u2", "u3")
        p.psubscribe("up1*", "up2*")
        for _ in range(5):
            self.assertIn(next_message(p)["type"], ("subscribe", "psubscribe"))
        p.unsubscribe()
        got = [next_message(p) for _ in range(3)]
        self.assertEqual({m["type"] for m in got}, {"unsubscribe"})
        self.assertEqual(sorted(m["channel"] for m in got), [b"u1", b"u2", b"u3"])
        self.assertEqual([m["data"] for m in got], [4, 3, 2])   # the running count
        self.assertTrue(p.subscribed)
        p.punsubscribe()
        got = [next_message(p) for _ in range(2)]
        self.assertEqual({m["type"] for m in got}, {"punsubscribe"})
        self.assertEqual(sorted(m["channel"] for m in got), [b"up1*", b"up2*"])
        self.assertEqual([m["data"] for m in got], [1, 0])
        self.assertFalse(p.subscribed)
        self.assertEqual(r.pubsub_numsub("u1", "u2"), [(b"u1", 0), (b"u2", 0)])
        self.assertEqual(r.publish("u1", "gone"), 0)

    def test_unsubscribe_one_channel(self):
        r = self.client()
        p = self.pubsub(r)
        p.subscribe("keep", "drop")
        next_message(p)
        next_message(p)
        p.unsubscribe("drop")
        self.assertEqual(next_message(p), message("unsubscribe", b"drop", 1))
        self.assertTrue(p.subscribed)
        self.assertEqual(r.publish("drop", "x"), 0)
        self.assertEqual(r.publish("keep", "y"), 1)
        self.assertEqual(next_message(p), message("message", b"keep", b"y"))

    # -- introspection ------------------------------------------------------------------------
    def test_pubsub_channels_numsub_numpat(self):
        r = self.client()
        self.wait_numpat(r, 0)        # subscribers of earlier tests are gone
        self.assertEqual(r.pubsub_channels("intro.*"), [])
        self.assertEqual(r.pubsub_numsub("intro.a"), [(b"intro.a", 0)])
        p1, p2 = self.pubsub(r), self.pubsub(r)
        p1.subscribe("intro.a", "intro.b")
        p2.subscribe("intro.a")
        p2.psubscribe("intro.*", "other.*")
        for p, n in ((p1, 2), (p2, 3)):
            for _ in range(n):
                next_message(p)
        self.assertEqual(sorted(r.pubsub_channels("intro.*")), [b"intro.a", b"intro.b"])
        self.assertEqual(r.pubsub_channels("intro.b"), [b"intro.b"])
        self.assertIn(b"intro.a", r.pubsub_channels())
        self.assertEqual(r.pubsub_numsub("intro.a", "intro.b", "intro.none"),
                         [(b"intro.a", 2), (b"intro.b", 1), (b"intro.none", 0)])
        self.assertEqual(r.pubsub_numpat(), 2)
        self.assertEqual(r.publish("intro.a", "m"), 3)   # two channel subscribers + a pattern

    def test_client_list_and_info_stats(self):
        r = self.client()
        self.wait_numpat(r, 0)
        tl.wait_until(lambda: r.info("stats")["pubsub_channels"] == 0,
                      timeout=MESSAGE_TIMEOUT, what="no channels left by earlier tests")
        p = self.pubsub(self.client(client_name="listed-subscriber"))
        p.subscribe("cl1", "cl2")
        p.psubscribe("clp*")
        p.execute_command("SSUBSCRIBE", "cls")
        for _ in range(4):
            next_message(p)
        entries = [c for c in r.client_list() if c.get("name") == "listed-subscriber"]
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertIn("P", entry["flags"])
        self.assertEqual((entry["sub"], entry["psub"], entry["ssub"]), ("2", "1", "1"))
        self.assertEqual(entry["cmd"], "ssubscribe")
        mine = [c for c in r.client_list() if c.get("name") != "listed-subscriber"]
        self.assertTrue(all("P" not in c["flags"] and c["sub"] == "0" for c in mine))
        stats = r.info("stats")
        self.assertEqual(stats["pubsub_channels"], 2)
        self.assertEqual(stats["pubsub_patterns"], 1)
        self.assertEqual(stats["pubsubshard_channels"], 1)
        self.assertEqual(r.client_list(_type="pubsub")[0]["name"], "listed-subscriber")

    def test_client_kill_type_pubsub(self):
        r = self.client()
        subs = [self.pubsub(r) for _ in range(2)]
        subs[0].subscribe("victim")
        subs[1].psubscribe("vic*")
        next_message(subs[0])
        next_message(subs[1])
        bystander = self.client()
        self.assertIs(bystander.ping(), True)
        self.assertEqual(r.client_kill_filter(_type="pubsub"), 2)
        self.assertEqual(r.pubsub_numsub("victim"), [(b"victim", 0)])
        self.assertEqual(r.pubsub_numpat(), 0)
        self.assertEqual(r.publish("victim", "x"), 0)
        self.assertIs(bystander.ping(), True)
        with self.assertRaises(redis.exceptions.ConnectionError):
            subs[0].get_message(timeout=MESSAGE_TIMEOUT)

    # -- health checks ------------------------------------------------------------------------
    def test_health_check_ping_while_subscribed(self):
        r = self.client()
        sub_client = self.client(health_check_interval=1, client_name="health-checked")
        p = self.pubsub(sub_client)
        p.subscribe("hc")
        self.assertEqual(next_message(p), message("subscribe", b"hc", 1))
        conn = p.connection
        tl.wait_until(lambda: time.time() > conn.next_health_check, timeout=5,
                      what="the health check to come due")
        # get_message sends PING redis-py-health-check and swallows the answer
        # ["pong", "redis-py-health-check"]; anything else would come back as a message.
        self.assertIsNone(p.get_message(timeout=0.5))
        tl.wait_until(lambda: p.get_message(timeout=0.05) is None
                      and p.health_check_response_counter == 0,
                      timeout=MESSAGE_TIMEOUT, what="the health check answer")
        entry = [c for c in r.client_list() if c.get("name") == "health-checked"][0]
        self.assertEqual(entry["cmd"], "ping")
        self.assertEqual(r.publish("hc", "after-check"), 1)
        self.assertEqual(next_message(p), message("message", b"hc", b"after-check"))

    def test_health_check_reply_on_the_wire(self):
        with self.server.client() as c:
            c.command("SUBSCRIBE", "hc-raw")
            self.assertEqual(c.command("PING", "redis-py-health-check"),
                             b"*2\r\n$4\r\npong\r\n$21\r\nredis-py-health-check\r\n")
            self.assertEqual(c.command("PING", ""), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")

    # -- ordering -----------------------------------------------------------------------------
    def test_delivery_order_of_1000_messages(self):
        r = self.client()
        p = self.pubsub(r, ignore_subscribe_messages=True)
        p.subscribe("ordered")
        self.wait_numsub(r, "ordered", 1)
        pipe = r.pipeline(transaction=False)
        for i in range(1000):
            pipe.publish("ordered", str(i))
            if i % 100 == 99:
                self.assertEqual(pipe.execute(), [1] * 100)
        got = [next_message(p)["data"] for _ in range(1000)]
        self.assertEqual(got, [str(i).encode() for i in range(1000)])

    def test_order_per_publisher_with_concurrent_publishers(self):
        r = self.client()
        p = self.pubsub(r, ignore_subscribe_messages=True)
        p.subscribe("mixed")
        self.wait_numsub(r, "mixed", 1)
        failures = []

        def publish(name):
            try:
                pub = redis.Redis(host=tl.HOST, port=self.server.port, socket_timeout=10)
                try:
                    for i in range(1000):
                        pub.publish("mixed", f"{name}:{i}")
                finally:
                    pub.close()
            except Exception as e:  # noqa: BLE001 - reported by the test thread
                failures.append(e)

        threads = [threading.Thread(target=publish, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        got = [next_message(p)["data"].decode() for _ in range(2000)]
        for t in threads:
            t.join(30)
        self.assertEqual(failures, [])
        for name in ("a", "b"):
            seq = [int(m.split(":")[1]) for m in got if m.startswith(name + ":")]
            self.assertEqual(seq, list(range(1000)), f"publisher {name} out of order")


class RedisPyPubSubRestartTest(unittest.TestCase):
    """Re-subscription after the server restarts on the same port: redis-py reconnects on the
    next read and its on_connect callback subscribes again."""

    def test_resubscribe_after_restart(self):
        srv = tl.Server(tl.target_kind(), port=tl.free_port()).start()
        try:
            self._run(srv)
        except BaseException:
            srv.failed = True
            srv.report_log("server log (restart test failed)")
            raise
        finally:
            srv.stop()

    def _run(self, srv):
        r = redis.Redis(host=tl.HOST, port=srv.port, socket_timeout=10)
        self.addCleanup(r.close)
        p = r.pubsub()
        self.addCleanup(p.close)
        p.subscribe("survivor")
        p.psubscribe("surv*")
        self.assertEqual(next_message(p), message("subscribe", b"survivor", 1))
        self.assertEqual(next_message(p), message("psubscribe", b"surv*", 2))
        port = srv.port
        srv.restart()
        self.assertEqual(srv.port, port)
        # The first read finds the old connection closed; later reads reconnect, and the
        # on_connect callback sends SUBSCRIBE and PSUBSCRIBE again.
        confirmations = []
        errors = 0
        deadline = time.monotonic() + 15
        while len(confirmations) < 2 and time.monotonic() < deadline:
            try:
                m = p.get_message(timeout=0.2)
            except redis.exceptions.ConnectionError:
                errors += 1
                time.sleep(0.05)
                continue
            if m is not None:
                confirmations.append(m)
        self.assertGreaterEqual(errors, 1)
        self.assertEqual(sorted((m["type"], m["channel"]) for m in confirmations),
                         [("psubscribe", b"surv*"), ("subscribe", b"survivor")])
        self.assertEqual(r.publish("survivor", "back"), 2)
        self.assertEqual(next_message(p), message("message", b"survivor", b"back"))
        self.assertEqual(next_message(p), message("pmessage", b"survivor", b"back", b"surv*"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
