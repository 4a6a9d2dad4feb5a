#!/usr/bin/python3
"""Pub/sub with redis-cli 7.0, and a slow subscriber that must not hurt the server.

redis-cli: `redis-cli subscribe ch`, `redis-cli --csv psubscribe 'p*'` and `redis-cli -3
subscribe` run against the server under test and against Debian's redis-server with the same
publications; each cli is killed once the expected lines have appeared, and the outputs must be
identical (and equal to the literal expected text).

Slow subscriber: the server runs with `client-output-buffer-limit pubsub 1mb 256kb 2`. One
subscriber never reads; a publisher sends 10 KB messages until the server disconnects it (or a
bound on messages/time is hit). The server must log the disconnect, drop its subscriptions, keep
its RSS bounded, and a second subscriber that reads must receive every message.

Pending: ctest only runs test_*.py; rename this file once Petrel passes it.
PETREL_TEST_TARGET=redis runs the target side on redis-server too (checks the tests).
"""

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402

REDIS_CLI = os.environ.get("REDIS_CLI_BIN", "/usr/bin/redis-cli")
OUTPUT_TIMEOUT = 10.0


def cli_env():
    env = dict(os.environ)
    env["REDISCLI_HISTFILE"] = "/dev/null"
    env["REDISCLI_RCFILE"] = "/dev/null"
    env.pop("REDISCLI_AUTH", None)
    return env


def call(server, *args):
    with server.client() as c:
        return c.call(*args)


class RedisCliPubSubTest(unittest.TestCase):
    """The same redis-cli session against the reference redis-server and the target."""

    @classmethod
    def setUpClass(cls):
        cls.reference = tl.Server("redis").start()
        try:
            cls.target = tl.Server(tl.target_kind()).start()
        except BaseException:
            cls.reference.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.target.stop()
        finally:
            cls.reference.stop()

    def session(self, server, cli_args, ready, publications, expected_lines):
        """Start redis-cli with `cli_args`, wait until `ready(server)` (the subscription is
        registered), publish, and return stdout once it holds `expected_lines` lines.
        The cli is always killed; a missing line fails after OUTPUT_TIMEOUT seconds."""
        proc = subprocess.Popen([REDIS_CLI, "-h", tl.HOST, "-p", str(server.port), *cli_args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=cli_env())
        output = b""
        try:
            tl.wait_until(lambda: ready(server), timeout=OUTPUT_TIMEOUT,
                          what=f"redis-cli {' '.join(cli_args)} to subscribe on {server.kind}")
            for channel, payload in publications:
                call(server, "PUBLISH", channel, payload)
            deadline = time.monotonic() + OUTPUT_TIMEOUT
            while output.count(b"\n") < expected_lines:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.fail(f"{server.kind}: redis-cli printed only {output!r}")
                readable, _, _ = select.select([proc.stdout], [], [], remaining)
                if readable:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        self.fail(f"{server.kind}: redis-cli exited early after {output!r}")
                    output += chunk
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()
        return output

    def compare(self, cli_args, ready, publications, expected):
        expected_lines = expected.count(b"\n")
        outputs = {}
        for name, server in (("redis", self.reference), ("target", self.target)):
            outputs[name] = self.session(server, cli_args, ready, publications, expected_lines)
        self.assertEqual(outputs["redis"], expected, "the reference output changed")
        self.assertEqual(outputs["target"], outputs["redis"])

    @staticmethod
    def numsub_is(channel, count):
        return lambda server: call(server, "PUBSUB", "NUMSUB", channel) == [channel.encode(),
                                                                           count]

    @staticmethod
    def numpat_is(count):
        return lambda server: call(server, "PUBSUB", "NUMPAT") == count

    def test_subscribe(self):
        self.compare(["subscribe", "cli.ch"], self.numsub_is("cli.ch", 1),
                     [("cli.ch", "hello"), ("cli.other", "unseen"), ("cli.ch", "two words"),
                      ("cli.ch", "")],
                     b"subscribe\ncli.ch\n1\n"
                     b"message\ncli.ch\nhello\n"
                     b"message\ncli.ch\ntwo words\n"
                     b"message\ncli.ch\n\n")

    def test_subscribe_several_channels(self):
        self.compare(["subscribe", "cli.a", "cli.b"], self.numsub_is("cli.b", 1),
                     [("cli.b", "to b"), ("cli.a", "to a")],
                     b"subscribe\ncli.a\n1\nsubscribe\ncli.b\n2\n"
                     b"message\ncli.b\nto b\nmessage\ncli.a\nto a\n")

    def test_csv_psubscribe(self):
        for server in (self.reference, self.target):
            tl.wait_until(lambda: self.numpat_is(0)(server), timeout=OUTPUT_TIMEOUT,
                          what="no pattern subscribers left")
        self.compare(["--csv", "psubscribe", "p*"], self.numpat_is(1),
                     [("pa", 'x"y'), ("q", "unseen"), ("pb", "plain text")],
                     b"Reading messages... (press Ctrl-C to quit)\n"
                     b'"psubscribe","p*",1\n'
                     b'"pmessage","p*","pa","x\\"y"\n'
                     b'"pmessage","p*","pb","plain text"\n')

    def test_resp3_subscribe(self):
        self.compare(["-3", "subscribe", "cli.r3"], self.numsub_is("cli.r3", 1),
                     [("cli.r3", "pushed")],
                     b"subscribe\ncli.r3\n1\nmessage\ncli.r3\npushed\n")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Reader(threading.Thread):
    """A subscriber that reads everything: counts `message` frames of a fixed size on one
    channel and checks their sequence numbers."""

    def __init__(self, port, channel, payload_size):
        super().__init__(daemon=True)
        self.sock = socket.create_connection((tl.HOST, port), timeout=30)
        self.sock.sendall(tl.encode_command("SUBSCRIBE", channel))
        confirmation = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(channel),
                                                                        channel.encode())
        self.buf = b""
        while len(self.buf) < len(confirmation):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("reader: closed before the confirmation")
            self.buf += chunk
        if not self.buf.startswith(confirmation):
            raise AssertionError(f"reader: unexpected confirmation {self.buf[:100]!r}")
        self.buf = self.buf[len(confirmation):]
        self.prefix = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n" % (
            len(channel), channel.encode(), payload_size)
        self.frame = len(self.prefix) + payload_size + 2
        self.count = 0
        self.error = None
        self.stop = threading.Event()

    def run(self):
        try:
            self.sock.settimeout(0.2)
            while not self.stop.is_set():
                try:
                    chunk = self.sock.recv(1 << 20)
                except socket.timeout:
                    continue
                if not chunk:
                    self.error = "reader: the server closed the reading subscriber"
                    return
                self.buf += chunk
                while len(self.buf) >= self.frame:
                    frame, self.buf = self.buf[:self.frame], self.buf[self.frame:]
                    seq = frame[len(self.prefix):len(self.prefix) + 8]
                    if not frame.startswith(self.prefix) or seq != b"%08d" % self.count:
                        self.error = f"reader: message {self.count} is {frame[:80]!r}"
                        return
                    self.count += 1
        except OSError as e:
            self.error = f"reader: {e}"
        finally:
            self.sock.close()


class SlowSubscriberTest(unittest.TestCase):
    LIMIT_ARGS = ["--client-output-buffer-limit", "pubsub 1mb 256kb 2"]
    PAYLOAD = 10 * 1024
    MAX_MESSAGES = 20000          # 200 MB at most, far past any kernel and output buffer
    MAX_SECONDS = 60.0
    AFTER_DISCONNECT = 200        # messages published after the disconnect
    RSS_HEADROOM = 100 * 1024 * 1024

    def test_slow_subscriber_is_disconnected_and_others_keep_receiving(self):
        srv = tl.Server(tl.target_kind(), self.LIMIT_ARGS).start()
        try:
            self._run(srv)
        except BaseException:
            srv.failed = True
            srv.report_log("server log (slow subscriber test failed)")
            raise
        finally:
            srv.stop()

    def _run(self, srv):
        limits = call(srv, "CONFIG", "GET", "client-output-buffer-limit")[1].decode()
        self.assertIn("pubsub 1048576 262144 2", limits)

        # The slow subscriber: a tiny receive buffer, one read for the confirmations, then
        # nothing.
        slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.settimeout(10)
        slow.connect((tl.HOST, srv.port))
        self.addCleanup(slow.close)
        slow.sendall(tl.encode_command("SUBSCRIBE", "feed", "slow-only"))
        got = b""
        while got.count(b"subscribe") < 2:
            chunk = slow.recv(4096)
            self.assertTrue(chunk, "slow subscriber closed before its confirmations")
            got += chunk

        reader = Reader(srv.port, "feed", self.PAYLOAD)
        reader.start()
        self.addCleanup(reader.stop.set)

        publisher = srv.client(timeout=30)
        self.addCleanup(publisher.close)
        self.assertEqual(publisher.call("PUBSUB", "NUMSUB", "feed", "slow-only"),
                         [b"feed", 2, b"slow-only", 1])
        baseline = rss_bytes(srv.proc.pid)
        peak = baseline

        published = 0
        disconnected_at = None
        started = time.monotonic()
        filler = b"x" * (self.PAYLOAD - 8)
        while published < self.MAX_MESSAGES and time.monotonic() - started < self.MAX_SECONDS:
            receivers = publisher.call("PUBLISH", "feed", b"%08d" % published + filler)
            published += 1
            if published % 50 == 0:
                peak = max(peak, rss_bytes(srv.proc.pid))
            if disconnected_at is None:
                self.assertIn(receivers, (1, 2))
                if receivers == 1:
                    disconnected_at = published
            else:
                self.assertEqual(receivers, 1)
                if published - disconnected_at >= self.AFTER_DISCONNECT:
                    break
        peak = max(peak, rss_bytes(srv.proc.pid))
        elapsed = time.monotonic() - started
        self.assertIsNotNone(disconnected_at,
                             f"the slow subscriber was never disconnected ({published} "
                             f"messages of {self.PAYLOAD} bytes in {elapsed:.1f}s)")

        # Its subscriptions are gone, and the server logged why.
        self.assertEqual(publisher.call("PUBSUB", "NUMSUB", "feed", "slow-only"),
                         [b"feed", 1, b"slow-only", 0])
        self.assertEqual(publisher.call("PUBLISH", "slow-only", "x"), 0)
        tl.wait_until(lambda: re.search(r"output buffer limit", srv.log_text(), re.I),
                      timeout=5, what="the disconnect in the server log")

        # The slow subscriber's socket ends with EOF after the bytes already sent to it.
        slow.settimeout(0.5)
        deadline = time.monotonic() + 30
        closed = False
        while time.monotonic() < deadline:
            try:
                if not slow.recv(1 << 20):
                    closed = True
                    break
            except socket.timeout:
                continue
            except ConnectionResetError:
                closed = True
                break
        self.assertTrue(closed, "the slow subscriber's connection was not closed")

        # The reader got every message, in order.
        tl.wait_until(lambda: reader.count >= published or reader.error,
                      timeout=30, what=f"the reader to receive {published} messages")
        reader.stop.set()
        reader.join(10)
        self.assertIsNone(reader.error)
        self.assertEqual(reader.count, published)

        self.assertLess(peak, baseline + self.RSS_HEADROOM,
                        f"RSS grew from {baseline} to {peak} bytes")
        self.assertTrue(srv.alive())
        sys.stderr.write(f"\n  slow subscriber dropped after {disconnected_at} messages; "
                         f"{published} published in {elapsed:.1f}s; RSS {baseline >> 20} MB -> "
                         f"peak {peak >> 20} MB\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
