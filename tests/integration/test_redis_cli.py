#!/usr/bin/python3
"""redis-cli 7.0 against petrel-server, compared with the same against redis-server 7.0.

--pipe mass insertion, -3 (RESP3), --raw and formatted output, and the interactive mode in a
pseudo-terminal (argument hints from COMMAND DOCS, the [db] prompt after SELECT).
PETREL_TEST_TARGET=redis runs the target side on redis-server too (checks the tests).
"""

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402

REDIS_CLI = os.environ.get("REDIS_CLI_BIN", "/usr/bin/redis-cli")
CLI_TIMEOUT = 120


def run_cli(port, *args, stdin=None, timeout=CLI_TIMEOUT):
    """Run redis-cli non-interactively; returns (exit status, stdout bytes, stderr bytes)."""
    proc = subprocess.run([REDIS_CLI, "-h", tl.HOST, "-p", str(port), *args], input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          env=cli_env())
    return proc.returncode, proc.stdout, proc.stderr


def cli_env(home=None):
    env = dict(os.environ)
    env["REDISCLI_HISTFILE"] = "/dev/null"
    env["REDISCLI_RCFILE"] = "/dev/null"
    env.pop("REDISCLI_AUTH", None)
    if home:
        env["HOME"] = home
    env["TERM"] = "xterm"
    return env


class PtySession:
    """redis-cli running interactively in a pseudo-terminal.

    expect() reads the terminal output until a regular expression matches (bounded by a
    timeout) and returns the match; everything read stays in `self.output`.
    """

    def __init__(self, port, home):
        self.master, slave = os.openpty()
        # A fixed, wide window: linenoise reads it instead of probing the cursor position.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
        self.proc = subprocess.Popen([REDIS_CLI, "-h", tl.HOST, "-p", str(port)],
                                     stdin=slave, stdout=slave, stderr=slave,
                                     env=cli_env(home), start_new_session=True, close_fds=True)
        os.close(slave)
        self.output = b""
        self.pos = 0      # expect() searches output from here on

    def send(self, data):
        os.write(self.master, data)

    def expect(self, pattern, timeout=10.0, what=None):
        regex = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.output, self.pos)
            if m:
                self.pos = m.end()
                return m
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"redis-cli did not show {what or pattern!r} within {timeout}s; "
                    f"terminal output since last match: {self.output[self.pos:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:          # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(
                        f"redis-cli exited before showing {what or pattern!r}; "
                        f"output: {self.output[self.pos:]!r}")
                self.output += chunk

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send(b"\x15quit\r")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        os.close(self.master)


def normalize_hello(text):
    """Client ids differ between servers; everything else of HELLO must be identical."""
    text = re.sub(rb'("id" => \(integer\) )\d+', rb"\1<id>", text)        # -3 formatted
    text = re.sub(rb'("id"\n *\d+\) \(integer\) )\d+', rb"\1<id>", text)   # RESP2 formatted
    text = re.sub(rb"(^|\n)id \d+\n", rb"\1id <id>\n", text)                 # -3 raw
    return re.sub(rb"(^|\n)id\n\d+\n", rb"\1id\n<id>\n", text)              # RESP2 raw


class RedisCliTest(unittest.TestCase):
    """Each test runs the same redis-cli invocations against the target and redis-server."""

    @classmethod
    def setUpClass(cls):
        cls.target = tl.Server(tl.target_kind()).start()
        try:
            cls.reference = tl.Server("redis").start()
        except Exception:
            cls.target.stop()
            raise
        cls.failed = False

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.failed:
                cls.target.failed = True
                cls.target.report_log(f"{cls.target.kind} log for failed redis-cli tests")
            cls.target.stop()
        finally:
            cls.reference.stop()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            type(self).failed = True
        return out

    def setUp(self):
        for srv in (self.target, self.reference):
            with srv.client() as c:
                self.assertEqual(c.command("FLUSHALL"), b"+OK\r\n")

    def both(self, *args, stdin=None):
        """Run the same redis-cli arguments against both servers: (target, reference)."""
        return (run_cli(self.target.port, *args, stdin=stdin),
                run_cli(self.reference.port, *args, stdin=stdin))

    def assertSameOutput(self, *args, normalize=None):
        got, want = self.both(*args)
        if normalize:
            got = (got[0], normalize(got[1]), got[2])
            want = (want[0], normalize(want[1]), want[2])
        self.assertEqual(got, want, f"redis-cli {' '.join(args)}: target output differs from "
                                    f"redis-server's")
        return got

    # -- --pipe ---------------------------------------------------------------------------
    def test_pipe_mass_insertion_of_100k_keys(self):
        n = 100000
        payload = b"".join(
            b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
            % (len(k), k, len(v), v)
            for k, v in ((b"key:%d" % i, b"value:%d" % i) for i in range(n)))
        status, out, err = run_cli(self.target.port, "--pipe", stdin=payload)
        self.assertEqual(status, 0, (out, err))
        self.assertIn(b"errors: 0, replies: 100000", out, (out, err))
        with self.target.client() as c:
            self.assertEqual(c.command("DBSIZE"), b":100000\r\n")
            self.assertEqual(c.command("GET", "key:99999"), b"$11\r\nvalue:99999\r\n")
            self.assertEqual(c.command("GET", "key:0"), b"$7\r\nvalue:0\r\n")

    def test_pipe_counts_errors(self):
        payload = (b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
                   b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"
                   b"*1\r\n$3\r\nGET\r\n"
                   b"*2\r\n$3\r\nFOO\r\n$1\r\nx\r\n")
        got, want = self.both("--pipe", stdin=payload)
        self.assertIn(b"errors: 2, replies: 4", got[1], got)
        self.assertEqual(got, want)
        self.assertEqual(got[0], 1)   # redis-cli --pipe exits 1 when a reply was an error

    # -- RESP3 --------------------------------------------------------------------------------
    def test_resp3_hello_output_matches_redis(self):
        out = self.assertSameOutput("-3", "--no-raw", "hello", normalize=normalize_hello)[1]
        self.assertIn(b'"proto" => (integer) 3', out)
        self.assertRegex(out, rb"^1# ")
        self.assertSameOutput("-3", "hello", normalize=normalize_hello)
        self.assertSameOutput("--no-raw", "hello", "3", normalize=normalize_hello)
        self.assertSameOutput("--no-raw", "hello", "2", normalize=normalize_hello)
        self.assertSameOutput("hello", "2", normalize=normalize_hello)
        self.assertSameOutput("-3", "--no-raw", "hello", "4")

    def test_resp3_replies_are_printed_like_redis(self):
        for srv in (self.target, self.reference):
            with srv.client() as c:
                c.command("MSET", "k", "v", "n", "10", "a", "ohmytext", "b", "mynewtext")
        for args in (["get", "missing"], ["get", "k"], ["mget", "k", "missing"],
                     ["config", "get", "databases"], ["config", "get", "nosuchdirective"],
                     ["incr", "n"], ["incrbyfloat", "n", "1.5"], ["exists", "k"],
                     ["lcs", "a", "b", "idx", "withmatchlen"], ["ttl", "k"],
                     ["object", "encoding", "k"], ["get"], ["foo", "bar"],
                     ["set", "k", "v", "nx"], ["command", "info", "get"]):
            with self.subTest(args=args):
                self.assertSameOutput("-3", "--no-raw", *args)
                self.assertSameOutput("-3", "--raw", *args)

    # -- formatted and raw output -----------------------------------------------------------
    def test_normal_and_raw_output_match_redis(self):
        steps = [
            ["set", "k", "v"], ["get", "k"], ["get", "missing"], ["set", "n", "10"],
            ["incr", "n"], ["incrby", "n", "-20"], ["incrbyfloat", "n", "0.5"],
            ["mset", "a", "1", "b", "2"], ["mget", "a", "missing", "b"], ["exists", "a", "b"],
            ["append", "k", " world"], ["strlen", "k"], ["getrange", "k", "0", "2"],
            ["setrange", "k", "0", "V"], ["get", "k"], ["type", "k"], ["type", "missing"],
            ["object", "encoding", "a"], ["ttl", "k"], ["expire", "k", "100"], ["persist", "k"],
            ["keys", "k"], ["keys", "nomatch*"], ["dbsize"], ["echo", "a b"],
            ["echo", "line1\nline2"], ["ping"], ["ping", "hi"], ["set", "bin", "a\x01b"],
            ["get", "bin"], ["lcs", "a", "b"], ["lcs", "a", "b", "len"],
            ["lcs", "a", "b", "idx"], ["config", "get", "databases"],
            ["config", "get", "nosuchdirective"], ["client", "getname"],
            ["client", "setname", "x y"], ["select", "16"], ["foo", "a", "b"], ["get"],
            ["set", "k", "v", "ex", "0"], ["incr", "k"], ["copy", "a", "c"], ["rename", "c", "d"],
            ["del", "d", "missing"], ["swapdb", "0", "1"], ["dbsize"], ["swapdb", "0", "1"],
            ["getex", "a", "persist"], ["getdel", "a"], ["scan", "0", "match", "nomatch*"],
            ["command", "getkeys", "mset", "a", "1", "b", "2"],
            ["flushdb"], ["randomkey"],
        ]
        for mode in ("--no-raw", "--raw"):
            for srv in (self.target, self.reference):
                with srv.client() as c:
                    c.command("FLUSHALL")
            for args in steps:
                with self.subTest(mode=mode, args=args):
                    self.assertSameOutput(mode, *args)

    def test_select_with_n_option(self):
        for srv in (self.target, self.reference):
            with srv.client() as c:
                c.command("SELECT", "4")
                c.command("SET", "k", "in-db-4")
        self.assertEqual(self.assertSameOutput("-n", "4", "get", "k")[1], b"in-db-4\n")
        self.assertSameOutput("-n", "0", "get", "k")
        self.assertSameOutput("-n", "16", "get", "k")

    # -- interactive mode ----------------------------------------------------------------------
    def interactive_hint(self, srv, home):
        """Type `set k` in interactive redis-cli; return the grey hint text shown after it."""
        session = PtySession(srv.port, home)
        try:
            prompt = b"127.0.0.1:%d> " % srv.port
            session.expect(re.escape(prompt), what="the prompt")
            session.send(b"set k")
            m = session.expect(rb"set k\x1b\[[0-9;]*m([^\x1b]+)\x1b\[0m", what="a hint after 'set k'")
            return m.group(1)
        finally:
            session.close()

    def test_interactive_hints_and_db_prompt(self):
        home = tempfile.mkdtemp(prefix="petrel-cli-home-")
        expected_hint = self.interactive_hint(self.reference, home)
        self.assertIn(b"value [NX|XX]", expected_hint)

        with self.target.client() as c:
            c.command("CONFIG", "RESETSTAT")
        session = PtySession(self.target.port, home)
        try:
            prompt = b"127.0.0.1:%d> " % self.target.port
            session.expect(re.escape(prompt), what="the prompt")
            session.send(b"set k")
            session.expect(rb"set k\x1b\[[0-9;]*m" + re.escape(expected_hint) + rb"\x1b\[0m",
                           what=f"the hint {expected_hint!r}")
            # clear the line, then switch databases: the prompt shows [2]
            session.send(b"\x15select 2\r")
            session.expect(rb"\r\nOK\r\n" + re.escape(b"127.0.0.1:%d[2]> " % self.target.port),
                           what="OK and the [2] prompt")
            session.send(b"set k in-db-2\r")
            session.expect(rb"\r\nOK\r\n" + re.escape(b"127.0.0.1:%d[2]> " % self.target.port),
                           what="OK after SET")
            session.send(b"get k\r")
            # Wait for the prompt before typing: linenoise discards input typed ahead of it.
            session.expect(rb'\r\n"in-db-2"\r\n' + re.escape(b"127.0.0.1:%d[2]> " % self.target.port),
                           what='"in-db-2" and the prompt')
            session.send(b"select 16\r")
            session.expect(rb"\(error\) ERR DB index is out of range\r\n"
                           + re.escape(b"127.0.0.1:%d[2]> " % self.target.port),
                           what="the error and an unchanged prompt")
            session.send(b"select 0\r")
            session.expect(rb"\r\nOK\r\n" + re.escape(b"127.0.0.1:%d> " % self.target.port),
                           what="the prompt without [db]")
        finally:
            session.close()
        self.assertEqual(session.proc.returncode, 0)
        with self.target.client() as c:
            self.assertEqual(c.command("SELECT", "2"), b"+OK\r\n")
            self.assertEqual(c.command("GET", "k"), b"$7\r\nin-db-2\r\n")
            # the hints came from the server's COMMAND DOCS, not redis-cli's built-in help
            stats = c.command("INFO", "commandstats")
            self.assertIn(b"cmdstat_command|docs:calls=1,", stats)


if __name__ == "__main__":
    unittest.main(verbosity=2)
