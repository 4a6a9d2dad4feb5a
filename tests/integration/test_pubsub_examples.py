#!/usr/bin/python3
"""examples/subscriber.py and examples/publisher.py against petrel-server: a channel subscriber
and a pattern subscriber print exactly what the publisher sent, and the publisher reports how
many subscribers each message reached.

Pending: ctest only runs test_*.py; rename this file once Petrel passes it.
PETREL_TEST_TARGET=redis runs it against Debian's redis-server to check the expectations.
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import petrel_testlib as tl  # noqa: E402

EXAMPLES = os.path.normpath(os.path.join(HERE, "..", "..", "examples"))
PYTHON = "/usr/bin/python3"
TIMEOUT = 20
ENV = dict(os.environ, PYTHONIOENCODING="utf-8")   # the messages include non-ASCII text


class ExamplesTest(tl.ServerTestCase):
    def start_subscriber(self, *args):
        proc = subprocess.Popen([PYTHON, os.path.join(EXAMPLES, "subscriber.py"),
                                 "--port", str(self.server.port), *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=ENV)
        self.addCleanup(self.stop, proc)
        return proc

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=TIMEOUT)

    def publish(self, channel, *messages, stdin=None):
        result = subprocess.run([PYTHON, os.path.join(EXAMPLES, "publisher.py"),
                                 "--port", str(self.server.port), "--channel", channel,
                                 *messages], input=stdin, capture_output=True,
                                timeout=TIMEOUT, text=True, encoding="utf-8", env=ENV)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def finish(self, proc):
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=TIMEOUT)
            self.fail(f"subscriber did not exit; printed {out!r}, stderr {err!r}")
        self.assertEqual(proc.returncode, 0, err)
        return out.decode("utf-8")

    def test_channel_and_pattern_subscribers(self):
        port = self.server.port
        by_channel = self.start_subscriber("--channel", "news", "--channel", "sport",
                                           "--count", "4")
        by_pattern = self.start_subscriber("--pattern", "news.*", "--count", "3")
        with self.server.client() as c:
            tl.wait_until(lambda: c.call("PUBSUB", "NUMSUB", "news", "sport")
                          == [b"news", 1, b"sport", 1] and c.call("PUBSUB", "NUMPAT") == 1,
                          timeout=TIMEOUT, what="both example subscribers to subscribe")

        self.assertEqual(self.publish("news", "hello", "second story"),
                         "news: 'hello' reached 1 subscriber(s)\n"
                         "news: 'second story' reached 1 subscriber(s)\n")
        self.assertEqual(self.publish("weather", "nobody listens"),
                         "weather: 'nobody listens' reached 0 subscriber(s)\n")
        self.assertEqual(self.publish("sport", "goal ⚽"),
                         "sport: 'goal ⚽' reached 1 subscriber(s)\n")
        self.assertEqual(self.publish("news.tech", "chips"),
                         "news.tech: 'chips' reached 1 subscriber(s)\n")
        self.assertEqual(self.publish("news.art", stdin="paint\nsculpt\n"),
                         "news.art: 'paint' reached 1 subscriber(s)\n"
                         "news.art: 'sculpt' reached 1 subscriber(s)\n")
        self.assertEqual(self.publish("sport", "final"),
                         "sport: 'final' reached 1 subscriber(s)\n")

        self.assertEqual(self.finish(by_channel),
                         f"Listening on channel news, channel sport at 127.0.0.1:{port}\n"
                         "news: hello\n"
                         "news: second story\n"
                         "sport: goal ⚽\n"
                         "sport: final\n")
        self.assertEqual(self.finish(by_pattern),
                         f"Listening on pattern news.* at 127.0.0.1:{port}\n"
                         "[news.*] news.tech: chips\n"
                         "[news.*] news.art: paint\n"
                         "[news.*] news.art: sculpt\n")
        # Both exited and closed their connections.
        with self.server.client() as c:
            tl.wait_until(lambda: c.call("PUBSUB", "NUMSUB", "news") == [b"news", 0]
                          and c.call("PUBSUB", "NUMPAT") == 0,
                          timeout=TIMEOUT, what="the subscribers' connections to close")

    def test_subscriber_needs_a_channel_or_pattern(self):
        result = subprocess.run([PYTHON, os.path.join(EXAMPLES, "subscriber.py"),
                                 "--port", str(self.server.port)],
                                capture_output=True, timeout=TIMEOUT, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("give at least one --channel or --pattern", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
