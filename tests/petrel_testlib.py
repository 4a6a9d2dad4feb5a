"""Shared helpers for Petrel's Python integration and differential tests.

Contents
  free_port()          a currently unused TCP port on 127.0.0.1
  Server               context manager running petrel-server or redis-server on loopback
  RespClient           raw RESP client: send bytes, read exactly one complete reply (raw bytes)
  parse_reply()        RESP2/RESP3 framing -> (node, end); node = (type_char, payload)
  to_python()          node -> plain Python values, for assertions
  wait_until()         poll a condition with a bounded timeout (no fixed sleeps anywhere)
  target_kind()        "petrel", or "redis" when PETREL_TEST_TARGET=redis (to validate tests)
  ServerTestCase       unittest base class: one server per class, log printed on failure

Persistence tests have their own helpers in persistence_testlib.py.

Only the standard library is used, so every test can run with /usr/bin/python3.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

DEFAULT_PETREL_BIN = "/work/main/build/petrel-server"
DEFAULT_REDIS_BIN = "/usr/bin/redis-server"
HOST = "127.0.0.1"

# Text that marks a sanitizer report in a server log; any of them fails the owning test.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "WARNING: ThreadSanitizer",
)


def petrel_bin():
    """Path of the petrel-server under test (env PETREL_SERVER_BIN, else the default build)."""
    return os.environ.get("PETREL_SERVER_BIN") or DEFAULT_PETREL_BIN


def redis_bin():
    """Path of the reference redis-server (env REDIS_SERVER_BIN, else Debian's)."""
    return os.environ.get("REDIS_SERVER_BIN") or DEFAULT_REDIS_BIN


def target_kind():
    """Kind of server the integration tests exercise: "petrel" unless PETREL_TEST_TARGET=redis
    (running the suites against redis-server checks the tests' own expectations)."""
    kind = os.environ.get("PETREL_TEST_TARGET", "petrel")
    if kind not in ("petrel", "redis"):
        raise ValueError(f"PETREL_TEST_TARGET must be petrel or redis, not {kind!r}")
    return kind


def test_has_failed(test):
    """True once `test` (a running unittest.TestCase) has a failure or error. Usable inside its
    cleanups, where unittest has reset _outcome.success to True; the result's lists tell."""
    result = getattr(getattr(test, "_outcome", None), "result", None)
    if result is None:
        return False
    return any(t is test for t, _ in result.failures + result.errors)


def free_port():
    """Return a TCP port that nothing listens on at 127.0.0.1 right now.

    The kernel picks it; there is a small window before the server binds it, which
    Server covers by retrying start-up on a new port when the bind fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.01, what="condition"):
    """Call predicate() until it returns a truthy value or `timeout` seconds pass.

    Returns the truthy value; raises TimeoutError naming `what` otherwise. The pause
    between polls starts at `interval` and grows to at most 0.1 s.
    """
    deadline = time.monotonic() + timeout
    pause = interval
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.1)


# ---------------------------------------------------------------------------------------------
# RESP framing
# ---------------------------------------------------------------------------------------------

class Incomplete(Exception):
    """The buffer does not yet hold a complete reply."""


class RespProtocolError(Exception):
    """The bytes are not valid RESP."""


class RespError(Exception):
    """An error reply (- or !) turned into a Python value by to_python()."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)


_LINE_TYPES = b"+-:_,#("      # payload is the rest of the line
_BLOB_TYPES = b"$!="          # length-prefixed payload
_AGGREGATE_TYPES = b"*~>"     # N child replies
_MAX_DEPTH = 64


def _read_line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def _parse_length(text, allow_null):
    try:
        n = int(text)
    except ValueError:
        raise RespProtocolError(f"bad length {text!r}") from None
    if n < -1 or (n == -1 and not allow_null):
        raise RespProtocolError(f"bad length {text!r}")
    return n


def parse_reply(buf, pos=0, depth=0):
    """Parse one complete reply starting at buf[pos].

    Returns (node, end) where buf[pos:end] are the reply's raw bytes and node is
    (type_char, payload):
      + - : _ , # (   payload = bytes of the line
      $ ! =           payload = bytes, or None for $-1
      * ~ >           payload = list of child nodes, or None for *-1
      %               payload = flat list [k1, v1, k2, v2, ...]
      |               payload = flat list of attribute pairs followed by the reply they annotate
    Raises Incomplete if more bytes are needed and RespProtocolError on malformed input.
    """
    if depth > _MAX_DEPTH:
        raise RespProtocolError("replies nested too deeply")
    if pos >= len(buf):
        raise Incomplete()
    kind = buf[pos:pos + 1]
    code = kind[0]
    line, pos = _read_line(buf, pos + 1)
    if code in _LINE_TYPES:
        if kind == b"_" and line != b"":
            raise RespProtocolError("null with payload")
        if kind == b"#" and line not in (b"t", b"f"):
            raise RespProtocolError(f"bad boolean {line!r}")
        if kind in (b":", b"("):
            try:
                int(line)
            except ValueError:
                raise RespProtocolError(f"bad integer {line!r}") from None
        return (kind.decode(), line), pos
    if code in _BLOB_TYPES:
        n = _parse_length(line, kind == b"$")
        if n == -1:
            return ("$", None), pos
        if len(buf) < pos + n + 2:
            raise Incomplete()
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise RespProtocolError("blob not terminated by CRLF")
        return (kind.decode(), buf[pos:pos + n]), pos + n + 2
    if code in _AGGREGATE_TYPES or kind in (b"%", b"|"):
        n = _parse_length(line, kind == b"*")
        if n == -1:
            return ("*", None), pos
        count = n * 2 if kind in (b"%", b"|") else n
        children = []
        for _ in range(count):
            child, pos = parse_reply(buf, pos, depth + 1)
            children.append(child)
        if kind == b"|":
            # An attribute annotates the reply that follows it; both form one reply.
            annotated, pos = parse_reply(buf, pos, depth + 1)
            children.append(annotated)
        return (kind.decode(), children), pos
    raise RespProtocolError(f"unknown reply type byte {kind!r}")


def to_python(node):
    """Turn a parse_reply() node into plain Python values.

    Errors become RespError instances (not raised); maps become dicts when their keys
    are hashable, else lists of (key, value) pairs; sets become lists (order kept).
    """
    kind, payload = node
    if kind == "+":
        return payload
    if kind in "-!":
        return RespError(payload.decode("utf-8", "replace"))
    if kind in ":(":
        return int(payload)
    if kind == "$":
        return payload
    if kind == "=":
        return payload[4:] if payload is not None else None
    if kind == "_":
        return None
    if kind == ",":
        return float(payload.decode())
    if kind == "#":
        return payload == b"t"
    if kind in "*~>":
        return None if payload is None else [to_python(c) for c in payload]
    if kind == "%":
        pairs = [(to_python(payload[i]), to_python(payload[i + 1]))
                 for i in range(0, len(payload), 2)]
        try:
            return dict(pairs)
        except TypeError:
            return pairs
    if kind == "|":
        return to_python(payload[-1])
    raise RespProtocolError(f"unknown node {kind!r}")


def encode_command(*args):
    """Encode arguments (bytes, str or int) as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    """The peer closed (or reset) the connection; `partial` holds unparsed received bytes."""

    def __init__(self, message, partial=b""):
        super().__init__(message)
        self.partial = partial


class ReplyTimeout(Exception):
    """No complete reply arrived in time; `partial` holds what did arrive."""

    def __init__(self, message, partial=b""):
        super().__init__(message)
        self.partial = partial


class RespClient:
    """A minimal blocking RESP client that works on raw bytes.

    read_reply() returns the exact bytes of one complete reply (RESP2 or RESP3,
    nested), leaving any further bytes buffered for the next call.
    """

    def __init__(self, port, host=HOST, timeout=10.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        """Send raw bytes. A reset/broken pipe raises ConnectionClosed."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            self.eof = True
            raise ConnectionClosed(f"send failed: {e}", self.buf) from None

    def send_command(self, *args):
        self.send(encode_command(*args))

    def _fill(self, deadline):
        """Receive more bytes into the buffer; False on EOF/reset."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReplyTimeout("timed out waiting for a reply", self.buf)
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise ReplyTimeout("timed out waiting for a reply", self.buf) from None
        except (ConnectionResetError, ConnectionAbortedError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_reply(self, timeout=None):
        """Return the raw bytes of the next complete reply.

        Raises ReplyTimeout after `timeout` seconds (default: the client's timeout),
        ConnectionClosed if the peer closes first, RespProtocolError on bad framing.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if self.buf:
                try:
                    _, end = parse_reply(self.buf)
                except Incomplete:
                    pass
                else:
                    raw, self.buf = self.buf[:end], self.buf[end:]
                    return raw
            if self.eof or not self._fill(deadline):
                raise ConnectionClosed("connection closed by peer", self.buf)

    def command(self, *args, timeout=None):
        """Send one command and return its raw reply bytes."""
        self.send_command(*args)
        return self.read_reply(timeout)

    def call(self, *args, timeout=None):
        """Send one command and return its reply as Python values (see to_python)."""
        return to_python(parse_reply(self.command(*args, timeout=timeout))[0])

    def pipeline(self, commands, timeout=None, batch=500):
        """Send commands (each a tuple of arguments) in batches without waiting for each
        reply; return the replies as Python values (see to_python), errors included."""
        out = []
        commands = list(commands)
        for i in range(0, len(commands), batch):
            chunk = commands[i:i + batch]
            self.send(b"".join(encode_command(*c) for c in chunk))
            for _ in chunk:
                out.append(to_python(parse_reply(self.read_reply(timeout))[0]))
        return out

    def wait_closed(self, timeout=5.0):
        """Wait up to `timeout` for the peer to close; True if it did.

        Bytes that arrive meanwhile are kept in the buffer.
        """
        deadline = time.monotonic() + timeout
        while not self.eof:
            try:
                if not self._fill(deadline):
                    return True
            except ReplyTimeout:
                return False
        return True

    def is_closed(self, timeout=5.0):
        """Probe the connection: send PING and report whether the server has closed it.

        Any reply means open; EOF or reset means closed. Use after an error reply to
        learn whether the server dropped the client, without a timing-based guess.
        Raises ReplyTimeout if the server neither answers nor closes within `timeout`.
        """
        if self.eof:
            return True
        try:
            self.send(b"*1\r\n$4\r\nPING\r\n")
            self.read_reply(timeout)
        except ConnectionClosed:
            return True
        return False


# ---------------------------------------------------------------------------------------------
# Processes: what a server forked (its BGSAVE or rewrite children), for tests that kill -9
# ---------------------------------------------------------------------------------------------

def proc_stat(pid):
    """(state, ppid, pgrp) of a process from /proc/<pid>/stat, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    return fields[0].decode(), int(fields[1]), int(fields[2])


def process_alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def live_group_members(pgid):
    """Pids of the live (not zombie) processes in process group `pgid`."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st is not None and st[2] == pgid and st[0] not in ("Z", "X"):
                found.append(int(name))
    return found


def descendants(pid):
    """Pids of all descendants of `pid` (via /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out



# ---------------------------------------------------------------------------------------------
# Server process
# ---------------------------------------------------------------------------------------------

class ServerError(Exception):
    """The server failed to start, crashed, or printed a sanitizer report."""


class Server:
    """Run petrel-server or redis-server on 127.0.0.1 in a fresh temporary directory.

        with Server("petrel", ["--maxclients", "5"]) as srv:
            client = srv.client()

    kind       "petrel" or "redis" (or pass `binary` to run any compatible server)
    args       extra command-line arguments after the defaults
    config     optional text written to server.conf and passed as the first argument
    dir        optional existing directory to run in (kept on stop, reused by start()/restart);
               by default a fresh temporary directory, removed on a clean stop
    The server always gets `--port P --bind 127.0.0.1 --save '' --appendonly no
    --daemonize no`, runs with cwd = the temp dir, and logs to server.log there.
    start() waits (bounded) until it answers PING; stop() sends SIGTERM, waits, then
    SIGKILL, and raises ServerError if it crashed or its log has a sanitizer report.
    The temp dir is removed unless the server failed (its path is then printed).
    """

    START_TIMEOUT = 10.0
    STOP_TIMEOUT = 10.0

    def __init__(self, kind="petrel", args=(), config=None, binary=None, port=None, dir=None):
        self.kind = kind
        if binary is None:
            binary = petrel_bin() if kind == "petrel" else redis_bin()
        self.binary = binary
        self.extra_args = list(args)
        self.config = config
        self.fixed_port = port
        self.port = None
        self.proc = None
        self.dir = None
        self.log_path = None
        self.failed = False
        self.given_dir = dir        # caller-owned directory: never removed here
        self.log_offset = 0         # size of server.log when the current process started
        self._reuse_dir = False     # set by restart(same_dir=True) for the next start()

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.failed = True
            self.report_log(f"{self.kind} server log (test failed: {exc_type.__name__})")
        self.stop()
        return False

    def command_line(self, port):
        cmd = [self.binary]
        if self.config is not None:
            cmd.append(os.path.join(self.dir, "server.conf"))
        cmd += ["--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--daemonize", "no"]
        cmd += self.extra_args
        return cmd

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise ServerError(f"server binary not found or not executable: {self.binary}")
        if self.given_dir is not None:
            os.makedirs(self.given_dir, exist_ok=True)
            self.dir = self.given_dir
        elif not (self._reuse_dir and self.dir):
            self.dir = tempfile.mkdtemp(prefix=f"{self.kind}-test-")
        self._reuse_dir = False
        self.log_path = os.path.join(self.dir, "server.log")
        if self.config is not None:
            with open(os.path.join(self.dir, "server.conf"), "w") as f:
                f.write(self.config)
        attempts = 1 if self.fixed_port else 3
        for attempt in range(attempts):
            port = self.fixed_port or free_port()
            if self._try_start(port):
                self.port = port
                return self
            in_use = "in use" in self.log_text()
            if not in_use or attempt == attempts - 1:
                break
        self.failed = True
        self.report_log(f"{self.kind} server failed to start")
        self._kill()
        raise ServerError(f"{self.kind} server ({self.binary}) did not become ready; "
                          f"log: {self.log_path}")

    def _try_start(self, port):
        log = open(self.log_path, "ab")
        self.log_offset = log.tell()
        try:
            self.proc = subprocess.Popen(self.command_line(port), cwd=self.dir, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + self.START_TIMEOUT
        pause = 0.005
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self._answers_ping(port):
                return True
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        self._kill()
        return False

    @staticmethod
    def _answers_ping(port):
        try:
            with RespClient(port, timeout=1.0) as c:
                c.send_command("PING")
                reply = c.read_reply()  # +PONG, or -NOAUTH etc.: any reply means it is up,
                return not reply.startswith(b"-LOADING")  # except "still loading its data"
        except (OSError, ConnectionClosed, ReplyTimeout, RespProtocolError):
            return False

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(self.STOP_TIMEOUT)

    def stop(self, keep_dir=False):
        """Stop the server; raise ServerError if it crashed or reported sanitizer errors.

        The directory is removed after a clean stop unless keep_dir is set or it was given
        by the caller (Server(dir=...)).
        """
        if self.proc is None:
            return
        problems = []
        if self.proc.poll() is not None:
            problems.append(f"exited on its own with status {self.proc.returncode}")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append(f"did not exit within {self.STOP_TIMEOUT}s of SIGTERM; killed")
                self.proc.kill()
                self.proc.wait(self.STOP_TIMEOUT)
            if self.proc.returncode not in (0, None) and not problems:
                problems.append(f"exit status {self.proc.returncode} after SIGTERM")
        self.proc = None
        text = self.log_text()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                problems.append(f"sanitizer report in log ({marker!r})")
                break
        if problems:
            self.failed = True
            self.report_log(f"{self.kind} server problem: " + "; ".join(problems))
            raise ServerError(f"{self.kind} server: " + "; ".join(problems))
        if not self.failed and self.dir and not keep_dir and self.given_dir is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self, same_dir=False):
        """Stop and start again on a new port: in a new temp dir, or with same_dir=True in
        the same directory (so the new process finds the files the old one wrote)."""
        if same_dir:
            self.stop(keep_dir=True)
            self._reuse_dir = True
        else:
            self.stop()
        self.failed = False
        self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- helpers --------------------------------------------------------------------------
    def client(self, timeout=10.0):
        """A new RespClient connected to this server."""
        return RespClient(self.port, timeout=timeout)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def report_log(self, title, tail_lines=200):
        lines = self.log_text().splitlines()
        sys.stderr.write(f"\n===== {title}; binary {self.binary}; dir {self.dir} =====\n")
        if len(lines) > tail_lines:
            sys.stderr.write(f"... ({len(lines) - tail_lines} earlier lines omitted)\n")
        for line in lines[-tail_lines:]:
            sys.stderr.write(line + "\n")
        sys.stderr.write("===== end of log =====\n")
        sys.stderr.flush()

    # -- persistence helpers -------------------------------------------------------------
    def path(self, *parts):
        """A path inside the server's directory (its working directory)."""
        return os.path.join(self.dir, *parts)

    def log_since_start(self):
        """The log written by the current (or last) process only, not by earlier starts in
        the same directory."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def _check_sanitizer(self):
        text = self.log_since_start()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                self.failed = True
                self.report_log(f"{self.kind} server: sanitizer report")
                raise ServerError(f"{self.kind} server: sanitizer report in log ({marker!r})")

    def wait_exit(self, timeout=None):
        """Wait for the process to exit by itself (after SHUTDOWN or a signal sent by the
        test); return its exit status. The server then counts as stopped (the directory is
        kept) and start() may run it again. Raises ServerError on a timeout (the process is
        killed) or a sanitizer report."""
        timeout = self.STOP_TIMEOUT if timeout is None else timeout
        if self.proc is None:
            raise ServerError("wait_exit(): the server is not running")
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            self.proc = None
            self.failed = True
            raise ServerError(f"{self.kind} server did not exit within {timeout}s") from None
        self.proc = None
        self._check_sanitizer()
        return status

    def start_expect_exit(self, timeout=None):
        """Start the server expecting it to refuse to start (bad data files...): wait until
        it exits and return its exit status. Raises ServerError if it becomes ready instead
        (it is then stopped; its directory is kept) or neither exits nor answers in time."""
        timeout = self.START_TIMEOUT if timeout is None else timeout
        if not os.access(self.binary, os.X_OK):
            raise ServerError(f"server binary not found or not executable: {self.binary}")
        if self.given_dir is not None:
            os.makedirs(self.given_dir, exist_ok=True)
            self.dir = self.given_dir
        elif not self.dir:
            self.dir = tempfile.mkdtemp(prefix=f"{self.kind}-test-")
        self._reuse_dir = False
        self.log_path = os.path.join(self.dir, "server.log")
        if self.config is not None:
            with open(os.path.join(self.dir, "server.conf"), "w") as f:
                f.write(self.config)
        port = self.fixed_port or free_port()
        with open(self.log_path, "ab") as log:
            self.log_offset = log.tell()
            self.proc = subprocess.Popen(self.command_line(port), cwd=self.dir, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.port = port
        deadline = time.monotonic() + timeout
        pause = 0.005
        while time.monotonic() < deadline:
            status = self.proc.poll()
            if status is not None:
                self.proc = None
                self._check_sanitizer()
                return status
            if self._answers_ping(port):
                self.failed = True
                self.stop(keep_dir=True)
                raise ServerError(f"{self.kind} server started although it was expected to "
                                  f"refuse to (dir {self.dir})")
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        self._kill()
        self.proc = None
        self.failed = True
        raise ServerError(f"{self.kind} server neither exited nor became ready in {timeout}s")


class ServerTestCase(unittest.TestCase):
    """Base class: one server per test class, started in setUpClass, stopped in tearDownClass.

    Set `server_args` in subclasses; the server kind is target_kind() unless a subclass sets
    `server_kind` ("petrel" or "redis"). If any test
    of the class fails, the server log is printed when the class finishes. Helper
    `self.raw()` opens a RespClient that is closed at the end of the test.
    """

    server_kind = None
    server_args = ()
    server = None
    _had_failure = False

    @classmethod
    def setUpClass(cls):
        cls._had_failure = False
        cls.server = Server(cls.server_kind or target_kind(), cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        srv, cls.server = cls.server, None
        if srv is None:
            return
        if cls._had_failure:
            srv.failed = True
            srv.report_log(f"{srv.kind} server log for failed tests in {cls.__name__}")
        srv.stop()

    def run(self, result=None):
        before = None
        if result is not None:
            before = len(result.failures) + len(result.errors)
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            type(self)._had_failure = True
        return outcome

    def raw(self, timeout=10.0):
        c = self.server.client(timeout)
        self.addCleanup(c.close)
        return c
