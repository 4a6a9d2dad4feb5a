#!/usr/bin/python3
"""Differential test: run command scripts against redis-server 7.0 and petrel-server and
compare the raw reply bytes.

Usage
  run_differential.py                      redis-server vs petrel-server (PETREL_SERVER_BIN)
  run_differential.py --redis-vs-redis     two redis-servers: proves the scripts are deterministic
  run_differential.py --script keys.txt    only the named script(s) (repeatable)
  run_differential.py --dump               print every step's replies (first server) for writing scripts
  run_differential.py --pending            the scripts in pending/ instead of scripts/: scripts for
                                           features Petrel does not have yet (CI runs scripts/
                                           only; a script moves to scripts/ once Petrel passes it)

One redis-server and one petrel-server are started on loopback. Each script in scripts/*.txt
(in name order) runs on a fresh connection to each server after FLUSHALL; every step is sent
to both and the two outcomes are compared. Mismatches are printed in one report (script,
line, command, both replies). The exit code is 1 if any mismatch is not listed in
allowlist.py, 2 if a script is malformed or a server could not be started, else 0.

Script format (one step per line)
  # text                    a comment; blank lines are ignored
  SET "a\\x00b" v EX 10      a command in redis-cli quoting: words split on blanks;
                            "double quotes" understand \\" \\\\ \\n \\r \\t \\b \\a \\xHH;
                            'single quotes' understand only \\'. The command is sent as a
                            RESP multibulk and the raw reply bytes are compared exactly.
  !shape CMD ...            compare only the reply's shape: the type of every node, the length
                            of every aggregate, the code (first word) of errors and the keys of
                            maps. For non-deterministic replies: TTLs, ids, TIME, INFO, ...
  !sorted CMD ...           compare with the elements of the top-level array/set sorted (and map
                            entries sorted by key): for KEYS and other hash-ordered replies.
  !sortedpairs CMD ...      like !sorted for a flat RESP2 array of name/value pairs
                            (CONFIG GET with a glob).
  !deepsorted CMD ...       every aggregate at every depth compared as a multiset (map entries
                            kept whole): for replies with nested hash-ordered parts, such as
                            the subcommand lists in COMMAND INFO of container commands.
  !scan CMD ...             a SCAN-family command: the cursor is followed until it returns to 0
                            and the sorted union of returned elements is compared. An error
                            reply is compared exactly. The cursor is SCAN's 1st argument and
                            the 2nd for HSCAN/SSCAN/ZSCAN.
  !noreply CMD ...          send a command that must get no reply (CLIENT REPLY OFF/SKIP, or a
                            command issued while replies are off); nothing is read. A stray
                            reply shows up as a mismatch of the next compared step.
  !pipeline N CMD ...       send CMD N times in one write; compare all N replies.
  !send BYTES               send raw bytes, read nothing.
  !read                     read one reply and compare it, without sending anything: for
                            unsolicited replies such as pub/sub messages and RESP3 pushes, or the
                            further replies of a command that answers several times (SUBSCRIBE
                            a b answers once per channel: the step reads the first, !read the
                            next). A reply that never comes shows up as a timeout.
  !sleep MS                 pause MS milliseconds (1-10000) before the next step, on both sides;
                            only to let a TTL of a few milliseconds pass (key expiry).
  !raw BYTES                send raw bytes, read one reply, then probe whether the server closed
                            the connection (see !alive); both the reply and the state compared.
  !alive                    probe the connection with PING and compare "open"/"closed".
  !reconnect                close the connection and open a fresh one (RESP2, db 0).
  !conn N                   make connection N (1-8) current; later steps use it until the next
                            !conn. Each is opened (RESP2, db 0) by the first step that uses it
                            and keeps its state (db, RESP version, MULTI, WATCH, MONITOR)
                            while others are current. A script starts on connection 1; all
                            are closed after the script. For WATCH invalidated by another
                            client, MONITOR, CLIENT KILL and the like.
  !monitorline              read one reply (a MONITOR line) and compare it with its timestamp
                            and the client's ip:port masked: "+<time> [0 <addr>] "set" "k"".
  BYTES is a Python bytes literal, optionally repeated or concatenated:
  b'*1\\r\\n$-1\\r\\n'  or  b'x' * 70000 + b'\\r\\n'.

Notes
  Whenever a connection is found closed (by !raw/!alive, a reply timeout or an unexpected
  close), the runner reconnects that side before the next step; a script can therefore test
  QUIT or protocol errors and carry on. RESP3 is selected by sending HELLO 3 as a command.
  After each script the runner sends CLIENT UNPAUSE and FLUSHALL on a new connection; if
  that fails (e.g. a script left requirepass set) the server is restarted.
  After a mismatch both sides' current connections are resynchronised (ECHO <token>, stray replies
  discarded and reported as a note), so one extra or missing reply does not turn every
  later step of the script into a mismatch.
"""

import argparse
import ast
import glob
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import petrel_testlib as tl  # noqa: E402
from allowlist import ALLOWED  # noqa: E402

SCRIPTS_DIR = os.path.join(HERE, "scripts")
PENDING_DIR = os.path.join(HERE, "pending")
READ_TIMEOUT = 5.0
MAX_CONNECTIONS = 8
MAX_SCAN_ROUNDS = 100000


class ScriptError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Script parsing
# ---------------------------------------------------------------------------------------------

_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a", '"': b'"', "\\": b"\\"}


def split_words(line):
    """Split a line into byte-string words using redis-cli's quoting rules."""
    words = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return words
        word = bytearray()
        if line[i] == '"':
            i += 1
            while True:
                if i >= n:
                    raise ScriptError("unbalanced double quote")
                ch = line[i]
                if ch == "\\" and i + 1 < n:
                    nxt = line[i + 1]
                    if nxt == "x" and i + 3 < n and all(c in "0123456789abcdefABCDEF"
                                                        for c in line[i + 2:i + 4]):
                        word.append(int(line[i + 2:i + 4], 16))
                        i += 4
                        continue
                    word += _ESCAPES.get(nxt, nxt.encode())
                    i += 2
                    continue
                if ch == '"':
                    i += 1
                    break
                word += ch.encode()
                i += 1
        elif line[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ScriptError("unbalanced single quote")
                ch = line[i]
                if ch == "\\" and i + 1 < n and line[i + 1] == "'":
                    word += b"'"
                    i += 2
                    continue
                if ch == "'":
                    i += 1
                    break
                word += ch.encode()
                i += 1
        else:
            while i < n and line[i] not in " \t":
                word += line[i].encode()
                i += 1
            words.append(bytes(word))
            continue
        if i < n and line[i] not in " \t":
            raise ScriptError("closing quote must be followed by a blank")
        words.append(bytes(word))


def eval_bytes(text):
    """Evaluate a bytes expression: literals joined by + and repeated by * int."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ScriptError(f"bad bytes expression: {e}") from None

    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, int)):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            left, right = ev(node.left), ev(node.right)
            return left + right if isinstance(node.op, ast.Add) else left * right
        raise ScriptError(f"unsupported bytes expression: {ast.dump(node)}")

    value = ev(tree)
    if not isinstance(value, bytes):
        raise ScriptError("bytes expression must produce bytes")
    return value


class Step:
    def __init__(self, lineno, text, kind, args=None, data=None, count=1):
        self.lineno = lineno
        self.text = text          # the script line, stripped
        self.kind = kind          # cmd, or a directive name without the !
        self.args = args          # list of bytes words for command steps
        self.data = data          # raw bytes for send/raw
        self.count = count        # repetitions for pipeline


def parse_script(path):
    steps = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                steps.append(parse_step(lineno, text))
            except ScriptError as e:
                raise ScriptError(f"{os.path.basename(path)}:{lineno}: {e}: {text}") from None
    return steps


def parse_step(lineno, text):
    if not text.startswith("!"):
        words = split_words(text)
        return Step(lineno, text, "cmd", args=words)
    directive, _, rest = text.partition(" ")
    directive = directive[1:]
    rest = rest.strip()
    if directive in ("shape", "sorted", "sortedpairs", "deepsorted", "scan", "noreply"):
        words = split_words(rest)
        if not words:
            raise ScriptError(f"!{directive} needs a command")
        return Step(lineno, text, directive, args=words)
    if directive == "pipeline":
        count_text, _, cmd = rest.partition(" ")
        if not count_text.isdigit() or int(count_text) < 1:
            raise ScriptError("!pipeline needs a positive count")
        words = split_words(cmd)
        if not words:
            raise ScriptError("!pipeline needs a command")
        return Step(lineno, text, "pipeline", args=words, count=int(count_text))
    if directive in ("send", "raw"):
        return Step(lineno, text, directive, data=eval_bytes(rest))
    if directive == "conn":
        if not rest.isdigit() or not 1 <= int(rest) <= MAX_CONNECTIONS:
            raise ScriptError(f"!conn needs a connection number from 1 to {MAX_CONNECTIONS}")
        return Step(lineno, text, "conn", count=int(rest))
    if directive == "sleep":
        if not rest.isdigit() or not 1 <= int(rest) <= 10000:
            raise ScriptError("!sleep needs a number of milliseconds from 1 to 10000")
        return Step(lineno, text, "sleep", count=int(rest))
    if directive in ("read", "alive", "reconnect", "monitorline"):
        if rest:
            raise ScriptError(f"!{directive} takes no argument")
        return Step(lineno, text, directive)
    raise ScriptError(f"unknown directive !{directive}")


# ---------------------------------------------------------------------------------------------
# Reply normalisation
# ---------------------------------------------------------------------------------------------

def shape(node):
    """Render a reply's shape: types, aggregate lengths, error codes, map keys."""
    kind, payload = node
    if kind in "-!":
        return f"{kind}{payload.split(b' ', 1)[0].decode('latin-1')}"
    if kind in "$*" and payload is None:
        return f"{kind}-1"
    if kind in "*~>":
        return f"{kind}{len(payload)}[" + " ".join(shape(c) for c in payload) + "]"
    if kind in "%|":
        parts = []
        pairs = payload[:-1] if kind == "|" else payload
        for i in range(0, len(pairs), 2):
            k = pairs[i]
            key = repr(k[1]) if k[0] in "$+" else shape(k)
            parts.append(f"{key}:{shape(pairs[i + 1])}")
        text = f"{kind}{len(pairs) // 2}{{" + " ".join(parts) + "}"
        return text + shape(payload[-1]) if kind == "|" else text
    return kind


_MONITOR_LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]*)\] ")


def mask_monitor_line(reply):
    """A MONITOR line with its timestamp and the client's address masked:
    +1700000000.123456 [0 127.0.0.1:51234] "set" "k"  ->  +<time> [0 <addr>] "set" "k".
    Only an address of the form host:port is masked (unix sockets and "lua" are kept)."""
    m = _MONITOR_LINE.match(reply)
    if not m:
        return reply
    addr = m.group(4)
    if re.fullmatch(rb"(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.]+\]):\d+", addr):
        addr = b"<addr>"
    return b"monitor +<time> [%s %s] %s" % (m.group(3), addr, reply[m.end():])


def sorted_reply(raw, node, pairs):
    """Top-level aggregate with its elements sorted (pairs kept together if asked)."""
    kind, payload = node
    if kind not in "*~%" or payload is None:
        return raw
    children = []
    pos = raw.index(b"\r\n") + 2
    for _ in payload:
        _, end = tl.parse_reply(raw, pos)
        children.append(raw[pos:end])
        pos = end
    if kind == "%" or pairs:
        children = [children[i] + children[i + 1] for i in range(0, len(children), 2)]
    header = raw[:raw.index(b"\r\n") + 2]
    return b"sorted " + header + b"".join(sorted(children))


def deep_sorted(node):
    """Re-encode a reply with every aggregate's elements sorted, recursively (map entries
    sorted as key+value units). Order-insensitive at every level, content-exact."""
    kind, payload = node
    if kind in "*~>" and payload is not None:
        items = sorted(deep_sorted(c) for c in payload)
        return b"%s%d\r\n" % (kind.encode(), len(items)) + b"".join(items)
    if kind in "%|":
        body = payload[:-1] if kind == "|" else payload
        items = sorted(deep_sorted(body[i]) + deep_sorted(body[i + 1])
                       for i in range(0, len(body), 2))
        out = b"%s%d\r\n" % (kind.encode(), len(items)) + b"".join(items)
        return out + deep_sorted(payload[-1]) if kind == "|" else out
    if kind in "$!=":
        if payload is None:
            return b"$-1\r\n"
        return b"%s%d\r\n%s\r\n" % (kind.encode(), len(payload), payload)
    if kind == "*":
        return b"*-1\r\n"
    return kind.encode() + payload + b"\r\n"


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------

class Side:
    """One server under test and the script's connections to it.

    A script may hold several numbered connections (!conn N); `conn` is the current one,
    and every step acts on it. Connection 1 is current at the start of a script.
    """

    def __init__(self, name, server):
        self.name = name
        self.server = server
        self.conns = {}      # connection number -> RespClient (absent: not open)
        self.current = 1
        self.notes = []      # informational (restarts)
        self.problems = []   # failures of the server itself (crash, sanitizer report)

    @property
    def conn(self):
        return self.conns.get(self.current)

    @conn.setter
    def conn(self, value):
        if value is None:
            self.conns.pop(self.current, None)
        else:
            self.conns[self.current] = value

    def switch(self, number):
        """Make connection `number` current; it is opened by the next step that needs it."""
        self.current = number

    def connect(self):
        self.close()
        self.conn = tl.RespClient(self.server.port, timeout=READ_TIMEOUT)

    def close(self):
        """Close the current connection."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close_all(self):
        for number in list(self.conns):
            self.conns.pop(number).close()
        self.current = 1

    def ensure(self):
        if self.conn is None or self.conn.eof:
            self.connect()

    def reset_between_scripts(self, before):
        """Fresh state for the next script; restarts the server if it misbehaves."""
        self.close_all()
        try:
            with tl.RespClient(self.server.port, timeout=READ_TIMEOUT) as c:
                c.command("CLIENT", "UNPAUSE")
                reply = c.command("FLUSHALL")
            if reply != b"+OK\r\n":
                raise RuntimeError(f"FLUSHALL replied {reply!r}")
        except Exception as e:  # noqa: BLE001 - any failure means: restart
            self.notes.append(f"{self.name}: reset before {before} failed ({e}); "
                              f"server restarted")
            try:
                self.server.stop()
            except tl.ServerError as crash:
                self.problems.append(f"{self.name}: {crash}")
            self.server.failed = False
            self.server.start()
        self.connect()

    def resync(self):
        """After a mismatch: send ECHO <token> and discard replies until its echo arrives
        (or a -NOAUTH error, which is what ECHO gets before AUTH).

        Returns a note when stray replies were discarded or the connection had to be
        reopened (state such as the selected db or RESP version is then lost), else None.
        """
        if self.conn is None or self.conn.eof:
            return None
        self._sync_counter = getattr(self, "_sync_counter", 0) + 1
        token = b"differential-sync-%d" % self._sync_counter
        expected = b"$%d\r\n%s\r\n" % (len(token), token)
        try:
            self.conn.send(tl.encode_command(b"ECHO", token))
        except tl.ConnectionClosed:
            self.close()
            return "connection found closed while resynchronising; reconnected"
        stray = []
        while len(stray) < 100000:
            reply = self.read()
            if (reply == expected or reply.startswith(b"-NOAUTH ")
                    or reply.startswith(b"-ERR Can't execute 'echo'")):
                # The echo, or the error an unauthenticated client or a RESP2 client in
                # subscribed mode gets: either way every earlier reply has been read.
                break
            if reply.startswith(b"<"):
                return (f"no answer to the resync ECHO ({reply[:80]!r}); reconnected"
                        + (f" after {len(stray)} stray replies" if stray else ""))
            stray.append(reply)
        if not stray:
            return None
        return (f"discarded {len(stray)} stray repl{'y' if len(stray) == 1 else 'ies'} "
                f"(first: {stray[0][:120]!r})")

    def read(self):
        """Read one reply; a timeout/close is an outcome and leads to a reconnect."""
        try:
            return self.conn.read_reply()
        except tl.ReplyTimeout as e:
            self.close()
            return b"<timeout; partial %r>" % e.partial
        except tl.ConnectionClosed as e:
            self.close()
            return b"<connection closed; partial %r>" % e.partial
        except tl.RespProtocolError as e:
            self.close()
            return b"<bad RESP: %s>" % str(e).encode()

    def send(self, data):
        try:
            self.ensure()
            self.conn.send(data)
            return None
        except (tl.ConnectionClosed, OSError) as e:
            self.close()
            return b"<send failed: %s>" % str(e).encode()

    def alive(self):
        if self.conn is None:
            return b"<closed>"
        try:
            closed = self.conn.is_closed(READ_TIMEOUT)
        except tl.ReplyTimeout:
            self.close()
            return b"<open, but PING got no reply>"
        except tl.RespProtocolError as e:
            self.close()
            return b"<bad RESP: %s>" % str(e).encode()
        if closed:
            self.close()
            return b"<closed>"
        return b"<open>"


def run_step_send(side, step):
    """First half of a step: write to the server. Returns an early outcome or None."""
    try:
        return _run_step_send(side, step)
    except OSError as e:          # e.g. connection refused: the server is gone
        side.close()
        return b"<cannot connect: %s>" % str(e).encode()


def _run_step_send(side, step):
    if step.kind == "reconnect":
        side.connect()
        return b""
    if step.kind == "conn":
        side.switch(step.count)
        return b""
    if step.kind == "sleep":
        return b""
    if step.kind in ("read", "alive", "scan", "monitorline"):
        side.ensure()
        return None
    if step.kind in ("send", "raw"):
        return side.send(step.data)
    payload = tl.encode_command(*step.args)
    if step.kind == "pipeline":
        payload *= step.count
    return side.send(payload)


def run_step_receive(side, step):
    """Second half of a step: read and normalise the outcome."""
    kind = step.kind
    if kind in ("send", "noreply", "reconnect", "conn", "sleep"):
        return b""
    if kind == "alive":
        return side.alive()
    if kind == "raw":
        reply = side.read()
        state = side.alive() if side.conn is not None else b"<closed>"
        return reply + b" " + state
    if kind == "pipeline":
        out = []
        for _ in range(step.count):
            reply = side.read()
            out.append(reply)
            if reply.startswith(b"<"):
                break
        return b"".join(out)
    if kind == "scan":
        return run_scan(side, step)
    reply = side.read()
    if kind == "monitorline":
        return mask_monitor_line(reply)
    if reply.startswith(b"<"):
        return reply
    node, _ = tl.parse_reply(reply)
    if kind == "shape":
        return b"shape " + shape(node).encode("latin-1")
    if kind in ("sorted", "sortedpairs"):
        return sorted_reply(reply, node, kind == "sortedpairs")
    if kind == "deepsorted":
        return b"deep-sorted " + deep_sorted(node)
    return reply


def run_scan(side, step):
    args = list(step.args)
    cursor_at = 1 if args[0].upper() == b"SCAN" else 2
    if len(args) <= cursor_at:
        side.send(tl.encode_command(*args))
        return side.read()
    seen = set()
    for _ in range(MAX_SCAN_ROUNDS):
        err = side.send(tl.encode_command(*args))
        if err:
            return err
        reply = side.read()
        if reply.startswith(b"<"):
            return reply
        node, _ = tl.parse_reply(reply)
        value = tl.to_python(node)
        if isinstance(value, tl.RespError):
            return reply
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], bytes)
                and isinstance(value[1], list)):
            return b"<unexpected SCAN reply %r>" % reply
        seen.update(value[1])
        if value[0] == b"0":
            return b"scan union " + repr(sorted(seen)).encode()
        args[cursor_at] = value[0]
    return b"<SCAN did not finish in %d rounds>" % MAX_SCAN_ROUNDS


class Mismatch:
    def __init__(self, script, step, a, b):
        self.script = script
        self.step = step
        self.a = a
        self.b = b
        self.notes = []

    @property
    def key(self):
        return (self.script, self.step.text)


def show(data, limit=1500):
    text = repr(data)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(data)} bytes)"
    return text


def first_difference(a, b, context=60):
    """Where two long outcomes first differ, with some bytes of context from each."""
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    start = max(0, i - context)
    return i, a[start:i + context], b[start:i + context]


def run_script(name, steps, sides, dump=False):
    mismatches = []
    for side in sides:
        side.reset_between_scripts(name)
    for step in steps:
        if step.kind == "sleep":
            # Once for both sides: their connections are driven in lock step.
            time.sleep(step.count / 1000.0)
        early = [run_step_send(side, step) for side in sides]
        outcomes = []
        for side, pre in zip(sides, early):
            outcomes.append(pre if pre is not None else run_step_receive(side, step))
        if dump:
            print(f"{name}:{step.lineno}: {step.text}\n    {show(outcomes[0], 4000)}")
        if len(sides) == 2 and outcomes[0] != outcomes[1]:
            m = Mismatch(name, step, outcomes[0], outcomes[1])
            # Realign both reply streams so one bug does not shift every later comparison.
            for side in sides:
                note = side.resync()
                if note:
                    m.notes.append(f"{side.name}: {note}")
            mismatches.append(m)
    for side in sides:
        side.close_all()
    return mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-vs-redis", action="store_true",
                        help="compare two redis-servers (determinism check)")
    parser.add_argument("--script", action="append", default=[],
                        help="run only this script (file name in scripts/, or pending/ with "
                             "--pending); repeatable")
    parser.add_argument("--pending", action="store_true",
                        help="run the scripts in pending/ (features Petrel lacks so far)")
    parser.add_argument("--dump", action="store_true",
                        help="run only the first server and print every outcome")
    opts = parser.parse_args()

    scripts_dir = PENDING_DIR if opts.pending else SCRIPTS_DIR
    paths = sorted(glob.glob(os.path.join(scripts_dir, "*.txt")))
    if opts.script:
        wanted = {os.path.basename(s) for s in opts.script}
        paths = [p for p in paths if os.path.basename(p) in wanted]
        missing = wanted - {os.path.basename(p) for p in paths}
        if missing:
            print(f"no such script: {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    try:
        scripts = [(os.path.basename(p), parse_script(p)) for p in paths]
    except ScriptError as e:
        print(f"script error: {e}", file=sys.stderr)
        return 2

    second_kind = "redis" if opts.redis_vs_redis else "petrel"
    servers = []
    try:
        servers.append(tl.Server("redis").start())
        if not opts.dump:
            servers.append(tl.Server(second_kind).start())
    except tl.ServerError as e:
        print(f"could not start servers: {e}", file=sys.stderr)
        for s in servers:
            s.stop()
        return 2
    names = ["redis", "redis#2" if opts.redis_vs_redis else "petrel"]
    sides = [Side(names[i], s) for i, s in enumerate(servers)]

    all_mismatches = []
    total_steps = 0
    harness_problems = []
    try:
        for name, steps in scripts:
            total_steps += len(steps)
            found = run_script(name, steps, sides, opts.dump)
            all_mismatches += found
            if not opts.dump:
                print(f"{name}: {len(steps)} steps, {len(found)} mismatches")
    finally:
        for side in sides:
            side.close_all()
        for s in servers:
            try:
                s.stop()
            except tl.ServerError as e:
                harness_problems.append(str(e))
    notes = []
    for side in sides:
        harness_problems += side.problems
        notes += side.notes

    if opts.dump:
        return 0
    allowed_used = set()
    failing = []
    allowed = []
    for m in all_mismatches:
        # An entry whose line is "*" covers every line of its script.
        key = m.key if m.key in ALLOWED else (m.key[0], "*")
        if key in ALLOWED and not opts.redis_vs_redis:
            allowed.append(m)
            allowed_used.add(key)
        else:
            failing.append(m)

    print(f"\n{len(scripts)} scripts, {total_steps} steps; {names[0]} vs {names[1]}: "
          f"{len(failing)} unexpected mismatches, {len(allowed)} allowed")
    if failing:
        print("\n=== Mismatches ===")
        for m in failing:
            print(f"--- {m.script}:{m.step.lineno}: {m.step.text}")
            print(f"  {names[0]:>8}: {show(m.a)}")
            print(f"  {names[1]:>8}: {show(m.b)}")
            for note in m.notes:
                print(f"  note: {note}")
            if max(len(m.a), len(m.b)) > 200:
                at, ctx_a, ctx_b = first_difference(m.a, m.b)
                print(f"  first difference at byte {at}:")
                print(f"  {names[0]:>8}: ...{ctx_a!r}...")
                print(f"  {names[1]:>8}: ...{ctx_b!r}...")
    if allowed:
        print("\n=== Allowed differences (allowlist.py) ===")
        for m in allowed:
            reason = ALLOWED.get(m.key) or ALLOWED[(m.key[0], "*")]
            print(f"--- {m.script}:{m.step.lineno}: {m.step.text}  [{reason}]")
    ran = {name for name, _ in scripts}
    stale = {key for key in set(ALLOWED) - allowed_used if key[0] in ran}
    if stale and not opts.redis_vs_redis and not opts.script:
        print("\n=== Stale allow-list entries (no longer differ) ===")
        for key in sorted(stale):
            print(f"  {key}")
    if notes:
        print("\n=== Harness notes ===")
        for n in notes:
            print(f"  {n}")
    if harness_problems:
        print("\n=== Server problems (fail the run) ===")
        for p in harness_problems:
            print(f"  {p}")
    return 1 if failing or harness_problems else 0


if __name__ == "__main__":
    sys.exit(main())
