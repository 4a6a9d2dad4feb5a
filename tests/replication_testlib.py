"""Helpers for the replication tests (primary/replica pairs, chains, faults, interop with Redis).

Contents
  ReplServer           petrel-server or redis-server in its own session and directory; restarts
                       keep the directory and (by default) the port; kill9() takes the whole
                       process group; pause()/resume() send SIGSTOP/SIGCONT
  info() / info_pairs() one INFO section as a dict / as (name, value) pairs in server order
  wait_link_up(), wait_synced()   wait for master_link_status:up / equal replication offsets
  ReplicaLink          a raw replica: handshake, PSYNC, RDB payload, then the command stream
                       with Redis's offset arithmetic (every byte of the stream counts)
  FakePrimary          a Python socket server that answers a replica's handshake and then
                       sends whatever a test scripts (a crafted RDB, garbage, commands)
  TcpProxy             a forwarding proxy that can cut a link after N bytes or hold it down
  LoadWriter           a thread writing strings, hashes and counters until stopped
  start_benchmark()    redis-benchmark in its own session
  ReplicationTestCase  unittest base: servers always stopped (children included), logs printed
                       on failure (always with PETREL_TEST_SHOW_LOGS=1), keyspaces compared
                       key by key

Every server binds 127.0.0.1 on a free port, in a temporary directory, and gets
`--repl-diskless-sync-delay 0` unless the test passes that option itself (Redis 7.0 defaults to
diskless sync after a 5 s delay). Only the standard library is used (/usr/bin/python3).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import petrel_testlib as tl
from persistence_testlib import compare_keyspaces, dump_keyspace

HOST = tl.HOST
ZERO_REPLID = "0" * 40

# Options every server gets unless the test gives them itself (name -> value).
DEFAULT_OPTIONS = (
    ("save", ""),
    ("appendonly", "no"),
    ("repl-diskless-sync-delay", "0"),
)


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------


class ReplServer:
    """petrel-server or redis-server bound to one directory that survives restarts.

    kind      "petrel" or "redis"
    args      extra command-line arguments (after the defaults; an option given here replaces
              the default of the same name)
    config    optional text written to server.conf, passed as the first argument
    password  if set, client()/call()/info() authenticate with AUTH first (requirepass)
    start() runs the server in its own session (cwd = the directory, log appended to
    server.log) and waits until it answers PING with anything but -LOADING. The first start
    picks a free port; later starts reuse it (a restarted primary must be found by its
    replicas) unless new_port=True. kill9() kills the process group and every descendant
    (diskless-sync and BGSAVE children) and waits until all are gone. close() stops whatever
    still runs; it reports (returns) problems: an exit the test did not cause, a sanitizer
    report.
    """

    START_TIMEOUT = 30.0
    EXIT_TIMEOUT = 20.0

    def __init__(self, kind, directory, args=(), config=None, name=None, password=None):
        self.kind = kind
        self.password = password
        self.binary = tl.petrel_bin() if kind == "petrel" else tl.redis_bin()
        self.dir = directory
        self.args = [str(a) for a in args]
        self.config = config
        self.name = name or kind
        self.log_path = os.path.join(directory, "server.log")
        self.proc = None
        self.port = None
        self.log_offset = 0
        self.paused = False
        self.unexpected_exit = None      # set by check_alive()/close() when it died by itself

    def __repr__(self):
        return f"<{self.name} {self.kind} port {self.port}>"

    # -- lifecycle ------------------------------------------------------------------------
    def command_line(self, port):
        cmd = [self.binary]
        if self.config is not None:
            cmd.append(os.path.join(self.dir, "server.conf"))
        cmd += ["--port", str(port), "--bind", HOST, "--daemonize", "no"]
        given = {a[2:].lower() for a in self.args if a.startswith("--")}
        for name, value in DEFAULT_OPTIONS:
            if name not in given:
                cmd += ["--" + name, value]
        return cmd + self.args

    def start(self, args=None, new_port=False, wait_ready=True):
        if args is not None:
            self.args = [str(a) for a in args]
        if not os.access(self.binary, os.X_OK):
            raise tl.ServerError(f"server binary not found or not executable: {self.binary}")
        if self.config is not None:
            with open(os.path.join(self.dir, "server.conf"), "w") as f:
                f.write(self.config)
        fixed = self.port is not None and not new_port
        for attempt in range(1 if fixed else 3):
            port = self.port if fixed else tl.free_port()
            self.log_offset = (os.path.getsize(self.log_path)
                               if os.path.exists(self.log_path) else 0)
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command_line(port), cwd=self.dir, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            self.port = port
            if not wait_ready or self._wait_ready():
                return self
            self.kill9()
            if "in use" not in self.log() or attempt == 2:
                break
        raise tl.ServerError(f"{self.name} ({self.kind}) did not become ready in {self.dir}; "
                             f"log:\n{self.log()[-4000:]}")

    def _wait_ready(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        pause = 0.005
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with tl.RespClient(self.port, timeout=2.0) as c:
                    reply = c.command("PING")
                    if not reply.startswith(b"-LOADING"):
                        return True
            except (OSError, tl.ConnectionClosed, tl.ReplyTimeout, tl.RespProtocolError):
                pass
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pause(self):
        """SIGSTOP the server (it stops reading its sockets)."""
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.proc is not None and self.paused:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.paused = False

    def kill9(self):
        """SIGKILL the server, its process group and descendants; wait until all are gone."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        kids = tl.descendants(self.proc.pid)
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(self.EXIT_TIMEOUT)
        tl.wait_until(lambda: not tl.live_group_members(pgid) and not any(map(tl.process_alive, kids)),
                      timeout=self.EXIT_TIMEOUT,
                      what=f"the killed server's processes (group {pgid}) to disappear")
        self.proc = None
        self.paused = False

    def terminate(self):
        """SIGTERM the server (it may save first); return its exit status. Children left in
        its process group are killed."""
        self.resume()
        pgid = self.proc.pid
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(self.EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise tl.ServerError(f"{self.name} did not exit within {self.EXIT_TIMEOUT}s of "
                                 f"SIGTERM") from None
        self.proc = None
        try:
            tl.wait_until(lambda: not tl.live_group_members(pgid), timeout=self.EXIT_TIMEOUT,
                          what="the server's children to exit with it")
        finally:
            if tl.live_group_members(pgid):
                os.killpg(pgid, signal.SIGKILL)
        return status

    def restart(self, args=None, kill=False, new_port=False):
        """Stop (SIGTERM, or SIGKILL with kill=True) and start again in the same directory,
        on the same port unless new_port."""
        if kill:
            self.kill9()
        else:
            status = self.terminate()
            if status != 0:
                raise tl.ServerError(f"{self.name} exited with status {status} on SIGTERM")
        return self.start(args, new_port=new_port)

    def check_alive(self):
        """Raise ServerError if the process exited by itself (crashed)."""
        if self.proc is not None and self.proc.poll() is not None:
            self.unexpected_exit = self.proc.returncode
            raise tl.ServerError(f"{self.name} ({self.kind}) exited by itself with status "
                                 f"{self.proc.returncode}")

    def close(self):
        """Stop whatever still runs; return a list of problems (crash, sanitizer report)."""
        problems = []
        if self.proc is not None:
            if self.proc.poll() is not None:
                problems.append(f"{self.name} exited by itself with status "
                                f"{self.proc.returncode}")
            else:
                self.resume()
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    problems.append(f"{self.name} did not exit within 10 s of SIGTERM")
            self.kill9()
        marker = self.sanitizer_marker()
        if marker:
            problems.append(f"{self.name}: sanitizer report in log ({marker!r})")
        return problems

    # -- logs -----------------------------------------------------------------------------
    def log(self):
        """The log of the current (or last) run only."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def full_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def sanitizer_marker(self):
        text = self.full_log()
        for marker in tl.SANITIZER_MARKERS:
            if marker in text:
                return marker
        return None

    # -- clients --------------------------------------------------------------------------
    def client(self, timeout=10.0):
        c = tl.RespClient(self.port, timeout=timeout)
        if self.password is not None:
            reply = c.call("AUTH", self.password)
            if reply != b"OK":
                c.close()
                raise tl.ServerError(f"AUTH to {self!r} failed: {reply!r}")
        return c

    def call(self, *args, timeout=10.0):
        """One command on a fresh connection; the reply as Python values (errors as
        RespError values, not raised)."""
        with self.client(timeout) as c:
            return c.call(*args)

    def raw(self, *args, timeout=10.0):
        """One command on a fresh connection; the raw reply bytes."""
        with self.client(timeout) as c:
            return c.command(*args)

    def info(self, section="replication"):
        return info(self, section)

    def info_pairs(self, section="replication"):
        return info_pairs(self, section)


# ---------------------------------------------------------------------------------------------
# INFO and waiting
# ---------------------------------------------------------------------------------------------

def info_pairs(srv, section="replication"):
    """[(name, value), ...] of one INFO section of `srv` (a ReplServer or RespClient), in the
    server's order."""
    text = srv.call("INFO", section)
    if isinstance(text, tl.RespError):
        raise AssertionError(f"INFO {section} failed: {text.message}")
    pairs = []
    for line in text.decode().splitlines():
        if line and not line.startswith("#") and ":" in line:
            name, value = line.split(":", 1)
            pairs.append((name, value))
    return pairs


def info(srv, section="replication"):
    return dict(info_pairs(srv, section))


def parse_slave_line(value):
    """`ip=127.0.0.1,port=6380,state=online,offset=14,lag=0` -> dict of str."""
    return dict(part.split("=", 1) for part in value.split(","))


def link_up(replica):
    try:
        return replica.info().get("master_link_status") == "up"
    except (OSError, tl.ConnectionClosed, tl.ReplyTimeout):
        return False


def wait_link_up(replica, timeout=30.0):
    tl.wait_until(lambda: link_up(replica), timeout=timeout,
                  what=f"master_link_status:up on {replica!r}")


def synced(primary, replicas):
    """True when every replica's link is up and its slave_repl_offset equals the primary's
    master_repl_offset (and, for replicas, their own master_repl_offset too)."""
    try:
        offset = primary.info()["master_repl_offset"]
        for r in replicas:
            ri = r.info()
            if ri.get("master_link_status") != "up":
                return False
            if ri.get("slave_repl_offset") != offset or ri.get("master_repl_offset") != offset:
                return False
        return primary.info()["master_repl_offset"] == offset
    except (OSError, tl.ConnectionClosed, tl.ReplyTimeout, KeyError):
        return False


def wait_synced(primary, replicas, timeout=30.0):
    """Wait until the replicas have processed everything the primary has sent."""
    def describe():
        parts = []
        for s in [primary] + list(replicas):
            try:
                i = s.info()
                parts.append(f"{s!r}: link={i.get('master_link_status')} "
                             f"master_repl_offset={i.get('master_repl_offset')} "
                             f"slave_repl_offset={i.get('slave_repl_offset')}")
            except Exception as e:   # noqa: BLE001 - diagnostics only
                parts.append(f"{s!r}: {e}")
        return "; ".join(parts)
    try:
        tl.wait_until(lambda: synced(primary, replicas), timeout=timeout,
                      what="replication offsets to be equal")
    except TimeoutError as e:
        raise TimeoutError(f"{e}: {describe()}") from None


# ---------------------------------------------------------------------------------------------
# A raw replica: handshake, PSYNC, the RDB payload and the command stream
# ---------------------------------------------------------------------------------------------

class ReplicaLink:
    """Talks to a primary as a replica would, on raw bytes.

        link = ReplicaLink(port); link.handshake(); reply = link.psync()
        rdb = link.read_payload(); cmd = link.read_command()

    `offset` follows Redis's arithmetic: it starts at the FULLRESYNC (or CONTINUE) offset and
    every byte of the command stream after the payload adds one.
    """

    def __init__(self, port, timeout=10.0):
        self.client = tl.RespClient(port, timeout=timeout)
        self.offset = None
        self.replid = None

    def close(self):
        self.client.close()

    def request(self, *args):
        return self.client.command(*args)

    def handshake(self, password=None, user=None, listening_port=12345, capa_eof=True):
        """PING, [AUTH], REPLCONF listening-port, REPLCONF capa; returns the raw replies."""
        replies = [self.request("PING")]
        if password is not None:
            replies.append(self.request(*(["AUTH"] + ([user] if user else []) + [password])))
        replies.append(self.request("REPLCONF", "listening-port", listening_port))
        if capa_eof:
            replies.append(self.request("REPLCONF", "capa", "eof", "capa", "psync2"))
        else:
            replies.append(self.request("REPLCONF", "capa", "psync2"))
        return replies

    def _line(self, timeout):
        """The next CRLF-terminated line, skipping the bare "\\n" keepalives a primary sends
        while it prepares the payload."""
        c = self.client
        deadline = time.monotonic() + timeout
        while True:
            while c.buf.startswith(b"\n"):
                c.buf = c.buf[1:]
            end = c.buf.find(b"\r\n")
            if end >= 0:
                line, c.buf = c.buf[:end], c.buf[end + 2:]
                return line
            if not c._fill(deadline):
                raise tl.ConnectionClosed("primary closed the link", c.buf)

    def read_exact(self, n, timeout):
        c = self.client
        deadline = time.monotonic() + timeout
        while len(c.buf) < n:
            if not c._fill(deadline):
                raise tl.ConnectionClosed("primary closed the link", c.buf)
        data, c.buf = c.buf[:n], c.buf[n:]
        return data

    def psync(self, replid="?", offset=-1, timeout=30.0):
        """Send PSYNC; return the reply line (str), e.g. "+FULLRESYNC <id> <offset>"."""
        self.client.send_command("PSYNC", replid, offset)
        line = self._line(timeout).decode()
        words = line.split()
        if words and words[0] == "+FULLRESYNC" and len(words) == 3:
            self.replid, self.offset = words[1], int(words[2])
        elif words and words[0] == "+CONTINUE":
            if len(words) > 1:
                self.replid = words[1]
            self.offset = offset - 1
        return line

    def read_payload(self, timeout=30.0):
        """After +FULLRESYNC: the RDB bytes (`$<len>\\r\\n<rdb>` or `$EOF:<mark>...<mark>`).
        Returns (rdb_bytes, "length" | "eof")."""
        header = self._line(timeout)
        if not header.startswith(b"$"):
            raise AssertionError(f"payload header {header[:80]!r} does not start with $")
        if header.startswith(b"$EOF:"):
            mark = header[5:]
            if len(mark) != 40:
                raise AssertionError(f"EOF mark {mark!r} is not 40 bytes")
            c = self.client
            deadline = time.monotonic() + timeout
            while True:
                pos = c.buf.find(mark)
                if pos >= 0:
                    rdb, c.buf = c.buf[:pos], c.buf[pos + 40:]
                    return rdb, "eof"
                if not c._fill(deadline):
                    raise tl.ConnectionClosed("primary closed the link mid payload", c.buf)
        return self.read_exact(int(header[1:]), timeout), "length"

    def read_command(self, timeout=10.0):
        """The next command of the stream as a list of bytes; offset advances by its size."""
        raw = self.client.read_reply(timeout)
        node, _ = tl.parse_reply(raw)
        if node[0] != "*":
            raise AssertionError(f"stream item is not an array: {raw[:100]!r}")
        self.offset += len(raw)
        return [child[1] for child in node[1]], raw

    def read_commands_until(self, predicate, timeout=10.0, skip_ping=True):
        """Read commands until predicate(args) holds; return the list read (PINGs dropped
        unless skip_ping=False), the matching one last."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            args, _ = self.read_command(max(0.01, deadline - time.monotonic()))
            if skip_ping and [a.lower() for a in args] == [b"ping"]:
                continue
            out.append(args)
            if predicate(args):
                return out

    def ack(self, offset=None):
        self.client.send_command("REPLCONF", "ACK", self.offset if offset is None else offset)

    def start_stream(self, primary, timeout=20.0):
        """After the payload: wait until `primary` lists this link as online, then send
        REPLCONF ACK (after a diskless sync Redis 7.0 holds the stream until the first ACK
        that arrives once the replica is online)."""
        def online():
            return any(k.startswith("slave") and k[5:].isdigit() and
                       parse_slave_line(v).get("state") == "online"
                       for k, v in primary.info().items())
        tl.wait_until(online, timeout=timeout, what="the raw replica to be online")
        self.ack()


# ---------------------------------------------------------------------------------------------
# A fake primary
# ---------------------------------------------------------------------------------------------

class FakePrimary:
    """A socket server on 127.0.0.1 that answers a replica's handshake like a primary.

    PING -> +PONG, AUTH -> +OK (or `auth_reply`), REPLCONF -> +OK; on PSYNC/SYNC it sends
    `scripts[i]` for the i-th sync (the last one repeats): bytes, or a callable(sock) that
    sends whatever it wants. The connection then stays open (REPLCONF ACKs are read and
    recorded) until the replica closes it; send() writes more bytes on the newest link.
    Every event is recorded in `events` as (kind, connection number, detail):
    "connect", "command" (args), "psync" (args), "closed" (by the replica).
    """

    def __init__(self, scripts, auth_reply=b"+OK\r\n"):
        self.scripts = list(scripts)
        self.auth_reply = auth_reply
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)        # the accept loop notices close() within 0.1 s
        self.port = self.sock.getsockname()[1]
        self.events = []
        self.cond = threading.Condition()
        self.conns = []
        self.syncs = 0
        self.stopping = False
        self.threads = []
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self.threads.append(t)

    def _record(self, kind, n, detail=None):
        with self.cond:
            self.events.append((kind, n, detail))
            self.cond.notify_all()

    def count(self, kind):
        with self.cond:
            return sum(1 for e in self.events if e[0] == kind)

    def wait_count(self, kind, n, timeout=20.0):
        """Wait until `n` events of `kind` were recorded."""
        try:
            tl.wait_until(lambda: self.count(kind) >= n, timeout=timeout,
                          what=f"{n} {kind!r} events at the fake primary")
        except TimeoutError as e:
            raise TimeoutError(f"{e}; last events: {self.summary()}") from None

    def summary(self):
        with self.cond:
            return [(k, n, d if k != "command" else d[:3]) for k, n, d in self.events[-20:]]

    def _accept_loop(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self.cond:
                n = len(self.conns)
                self.conns.append(conn)
            self._record("connect", n)
            t = threading.Thread(target=self._serve, args=(conn, n), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, conn, n):
        buf = b""
        synced = False
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    args, buf, done = self._parse(buf)
                    if not done:
                        break
                    if args is None:
                        continue
                    name = args[0].lower() if args else b""
                    if synced:
                        self._record("command", n, args)
                        continue
                    if name == b"ping":
                        conn.sendall(b"+PONG\r\n")
                    elif name == b"auth":
                        conn.sendall(self.auth_reply)
                    elif name == b"replconf":
                        conn.sendall(b"+OK\r\n")
                    elif name in (b"psync", b"sync"):
                        self._record("psync", n, args)
                        with self.cond:
                            i = min(self.syncs, len(self.scripts) - 1)
                            self.syncs += 1
                        script = self.scripts[i]
                        if callable(script):
                            script(conn)
                        else:
                            conn.sendall(script)
                        synced = True
                    else:
                        conn.sendall(b"-ERR unknown command\r\n")
                    self._record("command", n, args)
        except OSError:
            pass
        finally:
            self._record("closed", n)
            try:
                conn.close()
            except OSError:
                pass

    @staticmethod
    def _parse(buf):
        """(args or None for an empty line, rest, complete?) for one request in buf."""
        if not buf:
            return None, buf, False
        if buf[:1] == b"*":
            try:
                node, end = tl.parse_reply(buf)
            except tl.Incomplete:
                return None, buf, False
            return [c[1] for c in node[1]], buf[end:], True
        end = buf.find(b"\n")
        if end < 0:
            return None, buf, False
        line = buf[:end].strip()
        return (line.split() or None), buf[end + 1:], True

    def send(self, data):
        """Send bytes on the newest connection."""
        with self.cond:
            conn = self.conns[-1]
        conn.sendall(data)

    def close(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.cond:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        for t in self.threads:
            t.join(5)


# ---------------------------------------------------------------------------------------------
# A TCP proxy that can cut a link after N bytes
# ---------------------------------------------------------------------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target_port>.

    cut_downstream(n): the next accepted connection is closed (both sides) once n bytes have
    gone from the target to the client. `downstream_bytes` counts per connection.
    block(): close every open connection and close new ones at once until unblock() (the
    link is down; the client keeps retrying).
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)        # the accept loop notices close() within 0.1 s
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.cuts = []               # pending cut limits, one per next connection
        self.connections = 0
        self.cut_done = threading.Event()
        self.downstream_bytes = []
        self.sockets = []
        self.threads = []
        self.stopping = False
        self.blocked = False
        self.refused = 0
        self.pairs = []
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self.threads.append(t)

    def block(self):
        with self.lock:
            self.blocked = True
            pairs, self.pairs = list(self.pairs), []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def unblock(self):
        with self.lock:
            self.blocked = False

    def cut_downstream(self, n):
        with self.lock:
            self.cuts.append(n)

    def _accept_loop(self):
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self.lock:
                blocked = self.blocked
                if blocked:
                    self.refused += 1
            if blocked:
                client.close()
                continue
            try:
                upstream = socket.create_connection((HOST, self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                n = self.connections
                self.connections += 1
                limit = self.cuts.pop(0) if self.cuts else None
                self.downstream_bytes.append(0)
                self.sockets += [client, upstream]
                pair = (client, upstream)
                self.pairs.append(pair)
            for src, dst, down in ((client, upstream, False), (upstream, client, True)):
                t = threading.Thread(target=self._pump,
                                     args=(src, dst, pair, n, limit if down else None, down),
                                     daemon=True)
                t.start()
                self.threads.append(t)

    def _pump(self, src, dst, pair, n, limit, down):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None:
                    with self.lock:
                        left = limit - self.downstream_bytes[n]
                    if len(data) >= left:
                        dst.sendall(data[:left])
                        with self.lock:
                            self.downstream_bytes[n] += left
                        self.cut_done.set()
                        break
                dst.sendall(data)
                if down:
                    with self.lock:
                        self.downstream_bytes[n] += len(data)
        except OSError:
            pass
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self.sockets)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        for t in self.threads:
            t.join(5)


# ---------------------------------------------------------------------------------------------
# Write load
# ---------------------------------------------------------------------------------------------

class LoadWriter(threading.Thread):
    """Writes pipelined batches (SET, HSET, INCR, SET with EX, in db 0 and db 3) to a server
    until stop(); counts acknowledged commands. Errors end the thread and are kept in
    `error` (the test asserts there is none)."""

    def __init__(self, port, prefix="load", batch=200, keys=5000, pause=0.0, seed=1):
        super().__init__(daemon=True)
        self.port = port
        self.prefix = prefix
        self.batch = batch
        self.keys = keys
        self.pause = pause
        self.seed = seed
        self.done = threading.Event()
        self.acked = 0
        self.error = None
        self.progress = threading.Condition()

    def run(self):
        import random
        rnd = random.Random(self.seed)
        try:
            with tl.RespClient(self.port, timeout=30) as c:
                i = 0
                while not self.done.is_set():
                    cmds = []
                    for _ in range(self.batch):
                        k = rnd.randrange(self.keys)
                        r = rnd.random()
                        if r < 0.4:
                            cmds.append(("SET", f"{self.prefix}:s:{k}", f"v{i}"))
                        elif r < 0.6:
                            cmds.append(("HSET", f"{self.prefix}:h:{k % 500}", f"f{k}", i))
                        elif r < 0.8:
                            cmds.append(("INCR", f"{self.prefix}:n:{k % 100}"))
                        elif r < 0.9:
                            cmds.append(("SET", f"{self.prefix}:t:{k}", i, "EX", 100000))
                        else:
                            cmds.append(("SELECT", 3))
                            cmds.append(("SET", f"{self.prefix}:db3:{k}", i))
                            cmds.append(("SELECT", 0))
                        i += 1
                    replies = c.pipeline(cmds)
                    bad = [r for r in replies if isinstance(r, tl.RespError)]
                    if bad:
                        raise AssertionError(f"load writer got errors: {bad[:3]}")
                    with self.progress:
                        self.acked += len(cmds)
                        self.progress.notify_all()
                    if self.pause:
                        time.sleep(self.pause)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        finally:
            with self.progress:
                self.progress.notify_all()

    def wait_acked(self, n, timeout=30.0):
        tl.wait_until(lambda: self.acked >= n or self.error is not None, timeout=timeout,
                      what=f"{n} acknowledged writes")
        if self.error is not None:
            raise AssertionError(f"load writer failed: {self.error!r}")

    def stop(self):
        self.done.set()
        self.join(30)
        if self.error is not None:
            raise AssertionError(f"load writer failed: {self.error!r}")


def benchmark_bin():
    return os.environ.get("REDIS_BENCHMARK_BIN") or "/usr/bin/redis-benchmark"


def start_benchmark(port, tests="set,incr,hset", requests=50000, keyspace=10000, clients=20,
                    extra=()):
    """redis-benchmark -t tests -r keyspace -n requests against port, in its own session;
    returns the Popen (stdout/stderr captured)."""
    cmd = [benchmark_bin(), "-h", HOST, "-p", str(port), "-t", tests, "-r", str(keyspace),
           "-n", str(requests), "-c", str(clients), "-q"] + list(extra)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


# ---------------------------------------------------------------------------------------------
# unittest base
# ---------------------------------------------------------------------------------------------

class ReplicationTestCase(unittest.TestCase):
    """Each test starts its own servers (each in a directory of its own, removed at the end
    unless the test failed) and they are always stopped, children included. A failed test
    prints its servers' logs. A server that exited by itself fails the test."""

    LOG_LINES = 120

    def tempdir(self, prefix):
        d = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(self._remove_dir, d)
        return d

    def _remove_dir(self, d):
        if not tl.test_has_failed(self):
            shutil.rmtree(d, ignore_errors=True)
        else:
            sys.stderr.write(f"\n(kept directory {d} of failed test {self.id()})\n")

    def server(self, kind=None, args=(), config=None, name=None, start=True, password=None):
        kind = kind or tl.target_kind()
        srv = ReplServer(kind, self.tempdir(f"petrel-repl-{kind}-"), args, config=config,
                         name=name, password=password)
        self.addCleanup(self._finish, srv)
        if start:
            srv.start()
        return srv

    def _finish(self, srv):
        problems = srv.close()
        failed = tl.test_has_failed(self)
        if failed or problems or os.environ.get("PETREL_TEST_SHOW_LOGS"):
            lines = srv.full_log().splitlines()
            sys.stderr.write(f"\n===== {srv.name} ({srv.kind}) log, {self.id()}, dir {srv.dir}"
                             f" =====\n")
            if len(lines) > self.LOG_LINES:
                sys.stderr.write(f"... ({len(lines) - self.LOG_LINES} earlier lines)\n")
            for line in lines[-self.LOG_LINES:]:
                sys.stderr.write(line + "\n")
            sys.stderr.write("===== end of log =====\n")
        if problems and not failed:
            raise AssertionError("; ".join(problems))

    def replica(self, primary, kind=None, args=(), name="replica", wait=True, at_start=False):
        """A new server that replicates `primary`: REPLICAOF at run time, or with
        at_start=True `--replicaof host port` on its command line (kept across restarts);
        waits until its link is up and it has caught up unless wait=False."""
        if at_start:
            srv = self.server(kind, list(args) + ["--replicaof", HOST, primary.port], name=name)
        else:
            srv = self.server(kind, args, name=name)
            self.assertEqual(srv.raw("REPLICAOF", HOST, primary.port), b"+OK\r\n")
        if wait:
            wait_synced(primary, [srv])
        return srv

    def fake_primary(self, scripts, **kw):
        fp = FakePrimary(scripts, **kw)
        self.addCleanup(fp.close)
        return fp

    def proxy(self, target_port):
        p = TcpProxy(target_port)
        self.addCleanup(p.close)
        return p

    def load_writer(self, srv, **kw):
        w = LoadWriter(srv.port, **kw)
        self.addCleanup(w.done.set)
        w.start()
        return w

    def benchmark(self, srv, **kw):
        proc = start_benchmark(srv.port, **kw)

        def cleanup():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(10)
            if proc.stdout:
                proc.stdout.close()
        self.addCleanup(cleanup)
        return proc

    def finish_benchmark(self, proc, timeout=60):
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            self.fail(f"redis-benchmark did not finish in {timeout}s: {out[-2000:]!r}")
        self.assertEqual(proc.returncode, 0, f"redis-benchmark failed: {out[-2000:]!r}")
        return out.decode("utf-8", "replace")

    def assert_same_keyspace(self, primary, replica, what="", ttl_tolerance_ms=5000):
        """Dump both keyspaces (every db, key, type, value, TTL) and compare them key by key."""
        with primary.client(30) as a, replica.client(30) as b:
            expected = dump_keyspace(a)
            actual = dump_keyspace(b)
        problems = compare_keyspaces(expected, actual, ttl_tolerance_ms)
        if problems:
            self.fail((what + ": " if what else "") + f"{replica!r} differs from {primary!r}:\n  "
                      + "\n  ".join(problems))
        return expected

    def assert_synced_and_same(self, primary, replicas, what="", timeout=30.0):
        wait_synced(primary, replicas, timeout)
        dumps = [self.assert_same_keyspace(primary, r, what) for r in replicas]
        return dumps[0] if dumps else None
