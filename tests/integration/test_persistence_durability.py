#!/usr/bin/python3
"""Durability of petrel-server's persistence, with redis-server 7.0's behaviour as the reference.

1. appendonly yes + appendfsync always: client threads write counters and hash fields while
   the server is killed with SIGKILL at random moments (seeded) and restarted in the same
   directory; nothing acknowledged may be missing after any restart.
2. appendfsync everysec: after SIGKILL, every write acknowledged more than ~2 s before the
   kill is present, and what is lost is a suffix of each client's writes.
3. stop-writes-on-bgsave-error: a failing BGSAVE turns writes (and PING) into Redis's MISCONF
   error while reads keep working; a successful BGSAVE lifts it; with "no" writes go on.
4. INFO persistence: Redis 7.0's field names in Redis's order (asked live from redis-server)
   and real values (changes since last save, SAVE/BGSAVE/BGREWRITEAOF progress and results,
   AOF sizes).
5. SIGTERM and SHUTDOWN save before exiting when save points are set; a save that fails keeps
   the server running (SHUTDOWN answers -ERR Errors trying to SHUTDOWN. Check logs.).

Failures of the save are caused with a directory where the RDB file should go (dump.rdb is
a directory, so the final rename fails): this works as root, where chmod would not.

Every server runs in its own session, in a directory of its own that survives restarts; a
kill takes the whole process group (forked BGSAVE/BGREWRITEAOF children included) and waits
until none of it is left. PETREL_TEST_TARGET=redis runs everything against Debian's
redis-server; PETREL_TEST_SEED=<n> replays the random kill schedule of a failed run.
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import petrel_testlib as tl  # noqa: E402

KIND = tl.target_kind()
SEED = int(os.environ.get("PETREL_TEST_SEED") or random.SystemRandom().randrange(1 << 31))

# Redis 7.0's replies, checked byte for byte.
MISCONF = (
    b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    b"to disk. Commands that may modify the data set are disabled, because this instance is "
    b"configured to report errors during writes if RDB snapshotting fails "
    b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    b"RDB error.\r\n"
)
SHUTDOWN_FAILED = b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
BGSAVE_STARTED = b"+Background saving started\r\n"
BGSAVE_IN_PROGRESS = b"-ERR Background save already in progress\r\n"
BGREWRITEAOF_STARTED = b"+Background append only file rewriting started\r\n"
BGREWRITEAOF_IN_PROGRESS = b"-ERR Background append only file rewriting already in progress\r\n"
BGSAVE_CHILD_ACTIVE = (b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                       b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                       b"possible.\r\n")

# Redis 7.0's log lines (the text after "pid:role date time level").
LOG_BGSAVE_ERROR = "Background saving error"
LOG_RENAME_FAILED = re.compile(r"Error moving temp DB file \S+ on the final destination "
                               r"dump\.rdb \(in server root dir [^)]*\): Is a directory")
LOG_SAVE_BEFORE_EXIT = "Saving the final RDB snapshot before exiting."
LOG_DB_SAVED = "DB saved on disk"
LOG_CANT_EXIT = "Error trying to save the DB, can't exit."
LOG_SHUTDOWN_ERRORS = ("Errors trying to shut down the server. Check the logs for more "
                       "information.")


def log_seed():
    sys.stderr.write(f"\n[durability seed {SEED}; replay with PETREL_TEST_SEED={SEED}] ")
    sys.stderr.flush()


# -------------------------------------------------------------------------------------------
# processes
# -------------------------------------------------------------------------------------------


class DirServer:
    """petrel-server or redis-server bound to one directory, which survives restarts.

    start() launches the server in its own session (cwd = the directory, log appended to
    server.log there) on a free port and waits until PING answers +PONG (loading can take a
    while). kill9() sends SIGKILL to the whole process group and to every descendant, and
    waits until all are gone, so a forked BGSAVE/BGREWRITEAOF child never keeps the port or
    writes into the directory after the "crash". terminate() sends SIGTERM to the server
    only and returns its exit status. close() stops whatever still runs.
    """

    START_TIMEOUT = 30.0
    EXIT_TIMEOUT = 20.0

    def __init__(self, directory, args=(), kind=KIND):
        self.kind = kind
        self.binary = tl.petrel_bin() if kind == "petrel" else tl.redis_bin()
        self.dir = directory
        self.args = list(args)
        self.log_path = os.path.join(directory, "server.log")
        self.proc = None
        self.port = None
        self.log_offset = 0

    def command_line(self, port):
        return [self.binary, "--port", str(port), "--bind", tl.HOST, "--daemonize", "no",
                "--save", "", "--appendonly", "no"] + self.args

    def start(self, args=None):
        if args is not None:
            self.args = list(args)
        if not os.access(self.binary, os.X_OK):
            raise tl.ServerError(f"server binary not found or not executable: {self.binary}")
        for attempt in range(3):
            port = tl.free_port()
            self.log_offset = os.path.getsize(self.log_path) if os.path.exists(
                self.log_path) else 0
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(self.command_line(port), cwd=self.dir, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            self.port = port
            if self._wait_ready():
                return self
            self.kill9()
            if "in use" not in self.log() or attempt == 2:
                break
        raise tl.ServerError(f"{self.kind} server did not become ready in {self.dir}; "
                             f"log:\n{self.log()[-4000:]}")

    def _wait_ready(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        pause = 0.005
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with tl.RespClient(self.port, timeout=2.0) as c:
                    if c.command("PING") == b"+PONG\r\n":
                        return True
            except (OSError, tl.ConnectionClosed, tl.ReplyTimeout, tl.RespProtocolError):
                pass
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def client(self, timeout=10.0):
        return tl.RespClient(self.port, timeout=timeout)

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

    def kill9(self):
        """SIGKILL the server, its process group and its descendants; wait until all are gone.

        Returns how many child processes (BGSAVE/BGREWRITEAOF children) were running."""
        if self.proc is None:
            return 0
        pgid = self.proc.pid
        kids = tl.descendants(self.proc.pid)
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in kids:          # in case a child left the group
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(self.EXIT_TIMEOUT)
        tl.wait_until(lambda: not tl.live_group_members(pgid) and not any(map(tl.process_alive, kids)),
                      timeout=self.EXIT_TIMEOUT,
                      what=f"the killed server's processes (group {pgid}) to disappear")
        self.proc = None
        return len(kids)

    def terminate(self, timeout=None):
        """SIGTERM the server itself; return its exit status (children must be gone too)."""
        pgid = self.proc.pid
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout or self.EXIT_TIMEOUT)
        self.proc = None
        try:
            tl.wait_until(lambda: not tl.live_group_members(pgid), timeout=self.EXIT_TIMEOUT,
                          what="the server's children to exit with it")
        finally:
            if tl.live_group_members(pgid):
                os.killpg(pgid, signal.SIGKILL)
        return status

    def wait_exit(self, timeout=None):
        """Wait for the server to exit on its own (SHUTDOWN); return the exit status."""
        pgid = self.proc.pid
        status = self.proc.wait(timeout or self.EXIT_TIMEOUT)
        self.proc = None
        tl.wait_until(lambda: not tl.live_group_members(pgid), timeout=self.EXIT_TIMEOUT,
                      what="the server's children to exit with it")
        return status

    def close(self):
        """Stop whatever still runs: SHUTDOWN NOSAVE (a failing save must not keep it up),
        then SIGTERM, then SIGKILL of the whole group."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                with self.client(timeout=5) as c:
                    c.send_command("SHUTDOWN", "NOSAVE")
                    c.wait_closed(5)
            except (OSError, tl.ConnectionClosed, tl.ReplyTimeout):
                pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.kill9()

    def sanitizer_marker(self):
        text = self.full_log()
        for marker in tl.SANITIZER_MARKERS:
            if marker in text:
                return marker
        return None


# -------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------

def info_pairs(client, section="persistence"):
    """[(name, value), ...] of one INFO section, in the server's order."""
    text = client.call("INFO", section)
    if isinstance(text, tl.RespError):
        raise AssertionError(f"INFO {section} failed: {text.message}")
    pairs = []
    for line in text.decode().splitlines():
        if line and not line.startswith("#") and ":" in line:
            name, value = line.split(":", 1)
            pairs.append((name, value))
    return pairs


def info(client, section="persistence"):
    return dict(info_pairs(client, section))


def is_subsequence(needles, haystack):
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def pipeline_ok(client, commands, batch=5000):
    """Send encoded commands in batches and check that every reply is +OK."""
    for start in range(0, len(commands), batch):
        chunk = commands[start:start + batch]
        client.send(b"".join(chunk))
        want = b"+OK\r\n" * len(chunk)
        got = b""
        deadline = time.monotonic() + 60
        while len(client.buf) + len(got) < len(want):
            if time.monotonic() > deadline:
                raise AssertionError("pipelined replies did not arrive within 60 s")
            client.sock.settimeout(max(0.1, deadline - time.monotonic()))
            data = client.sock.recv(1 << 20)
            if not data:
                raise AssertionError("server closed the connection during the load")
            got += data
        got = client.buf + got
        client.buf = got[len(want):]
        if got[:len(want)] != want:
            bad = next(i for i in range(0, len(want), 5) if got[i:i + 5] != b"+OK\r\n")
            raise AssertionError(f"pipelined reply {start + bad // 5} is not +OK: "
                                 f"{got[bad:bad + 200]!r}")


def aof_files(directory):
    """{name: size} of the files in appendonlydir (missing dir: {})."""
    d = os.path.join(directory, "appendonlydir")
    try:
        names = os.listdir(d)
    except OSError:
        return {}
    return {n: os.path.getsize(os.path.join(d, n)) for n in names}


def manifest_files(directory):
    """[(name, type), ...] listed by appendonlydir/appendonly.aof.manifest."""
    path = os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")
    out = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            fields = dict(zip(words[0::2], words[1::2]))
            out.append((fields["file"], fields["type"]))
    return out


class DurabilityTest(unittest.TestCase):
    """Base: servers in directories of their own that are always stopped and removed."""

    def new_dir(self):
        d = tempfile.mkdtemp(prefix=f"petrel-durability-{KIND}-")
        self.addCleanup(self._remove_dir, d)
        return d

    def has_failed(self):
        return tl.test_has_failed(self)

    def _remove_dir(self, d):
        if not self.has_failed():
            shutil.rmtree(d, ignore_errors=True)
        else:
            sys.stderr.write(f"\n(kept {d} of the failed test)\n")

    def server(self, args=(), directory=None, kind=KIND, start=True):
        srv = DirServer(directory or self.new_dir(), args, kind=kind)
        self.addCleanup(self._finish, srv)     # runs before the directory is removed
        if start:
            srv.start()
        return srv

    def _finish(self, srv):
        failed = self.has_failed()
        srv.close()
        marker = srv.sanitizer_marker()
        if failed or marker:
            lines = srv.full_log().splitlines()
            sys.stderr.write(f"\n===== {srv.kind} server log ({self.id()}; dir {srv.dir}) =====\n")
            for line in lines[-150:]:
                sys.stderr.write(line + "\n")
            sys.stderr.write("===== end of log =====\n")
        if marker:
            self.fail(f"sanitizer report in the server log ({marker!r})")

    def raw(self, srv, timeout=10.0):
        c = srv.client(timeout)
        self.addCleanup(c.close)
        return c

    def wait_info(self, client, predicate, what, timeout=30.0):
        """Poll INFO persistence until predicate(fields) holds; return those fields."""
        def check():
            fields = info(client)
            return fields if predicate(fields) else None
        return tl.wait_until(check, timeout=timeout, what=what)


# -------------------------------------------------------------------------------------------
# 1. appendfsync always: nothing acknowledged is lost across kill -9
# -------------------------------------------------------------------------------------------

class WriterState:
    """What one client thread has written and what the server acknowledged."""

    def __init__(self, idx):
        self.idx = idx
        self.counter_key = f"dur:c:{idx}"
        self.hash_key = f"dur:h:{idx}"
        self.acked = 0            # last counter value the server acknowledged
        self.attempted = 0        # highest value a sent INCR could have produced
        self.fields_acked = set()  # hash fields (numbers) acknowledged
        self.next_field = 0       # every field number below this may have been sent
        self.acks = 0             # acknowledged writes in the current round
        self.error = None
        self.step = 0


def writer_loop(state, port, stop):
    """Alternate INCR and HSET as fast as the server answers, until the connection dies."""
    try:
        client = tl.RespClient(port, timeout=15.0)
    except OSError as e:
        state.error = f"connect failed: {e}"
        return
    with client:
        try:
            while not stop.is_set():
                state.step += 1
                if state.step % 2:
                    state.attempted = state.acked + 1
                    reply = client.command("INCR", state.counter_key)
                    if reply != b":%d\r\n" % (state.acked + 1):
                        state.error = f"INCR {state.counter_key} answered {reply!r}, " \
                                      f"expected {state.acked + 1}"
                        return
                    state.acked += 1
                else:
                    n = state.next_field
                    state.next_field += 1
                    reply = client.command("HSET", state.hash_key, f"f{n}", f"v{n}")
                    if reply != b":1\r\n":
                        state.error = f"HSET {state.hash_key} f{n} answered {reply!r}"
                        return
                    state.fields_acked.add(n)
                state.acks += 1
        except tl.ConnectionClosed:
            return                       # the server was killed
        except tl.ReplyTimeout:
            state.error = "no reply within 15 s"
        except OSError as e:
            if not isinstance(e, (ConnectionError, socket.timeout)):
                state.error = f"socket error {e!r}"


class AlwaysFsyncKillTest(DurabilityTest):
    WRITERS = 4
    KILLS = 8

    def check_and_resync(self, srv, states, context):
        """Every acknowledged write is there; then take the server's state as the new base."""
        with srv.client(timeout=30) as c:
            for st in states:
                raw = c.call("GET", st.counter_key)
                value = 0 if raw is None else int(raw)
                self.assertGreaterEqual(
                    value, st.acked,
                    f"{context}: {st.counter_key} is {value} but {st.acked} was acknowledged")
                self.assertLessEqual(
                    value, st.attempted,
                    f"{context}: {st.counter_key} is {value} but only {st.attempted} INCRs "
                    f"were sent")
                flat = c.call("HGETALL", st.hash_key)
                fields = dict(zip(flat[0::2], flat[1::2]))
                present = set()
                for name, val in fields.items():
                    m = re.fullmatch(rb"f(\d+)", name)
                    self.assertIsNotNone(m, f"{context}: unexpected field {name!r}")
                    n = int(m.group(1))
                    self.assertLess(n, st.next_field, f"{context}: field f{n} was never sent")
                    self.assertEqual(val, b"v%d" % n, f"{context}: wrong value of f{n}")
                    present.add(n)
                missing = st.fields_acked - present
                self.assertFalse(missing, f"{context}: {len(missing)} acknowledged fields of "
                                          f"{st.hash_key} missing, e.g. "
                                          f"{sorted(missing)[:10]}")
                st.acked = st.attempted = value
                st.fields_acked = present

    def test_acknowledged_writes_survive_sigkill(self):
        log_seed()
        rng = random.Random(SEED)
        srv = self.server(["--appendonly", "yes", "--appendfsync", "always"])
        states = [WriterState(i) for i in range(self.WRITERS)]
        total_acks = kills_with_child = 0
        for round_no in range(1, self.KILLS + 1):
            # plain: kill after `target` acks; rewrite: BGREWRITEAOF first, kill later;
            # during: kill a few acks after BGREWRITEAOF, most likely while the child runs.
            mode = rng.choice(("plain", "rewrite", "during"))
            target = rng.randint(150, 2000)
            rewrite_at = rng.randint(0, target) if mode != "plain" else None
            if mode == "during":
                target = rewrite_at + rng.randint(0, 40)
            context = f"seed {SEED}, round {round_no} ({mode}, kill after {target} acks)"
            for st in states:
                st.acks = 0
            stop = threading.Event()
            threads = [threading.Thread(target=writer_loop, args=(st, srv.port, stop),
                                        daemon=True) for st in states]
            for t in threads:
                t.start()

            def acks():
                errors = [st.error for st in states if st.error]
                if errors:
                    raise AssertionError(f"{context}: {errors}")
                if not srv.alive():
                    raise AssertionError(f"{context}: the server exited on its own "
                                         f"(status {srv.proc.returncode})")
                return sum(st.acks for st in states)

            try:
                if rewrite_at is not None:
                    tl.wait_until(lambda: acks() >= rewrite_at, timeout=30,
                                  what=f"{rewrite_at} acknowledged writes ({context})")
                    with srv.client() as admin:
                        reply = admin.command("BGREWRITEAOF")
                    self.assertIn(reply, (BGREWRITEAOF_STARTED, BGREWRITEAOF_IN_PROGRESS),
                                  context)
                tl.wait_until(lambda: acks() >= target, timeout=30,
                              what=f"{target} acknowledged writes ({context})")
                kills_with_child += bool(srv.kill9())
            finally:
                stop.set()
                if srv.alive():
                    srv.kill9()
                for t in threads:
                    t.join(30)
            self.assertFalse([t for t in threads if t.is_alive()],
                             f"{context}: a writer thread hangs after the kill")
            errors = [st.error for st in states if st.error]
            self.assertFalse(errors, f"{context}: {errors}")
            total_acks += sum(st.acks for st in states)
            srv.start()
            self.check_and_resync(srv, states, context + ", after the restart")
        # A clean stop and start changes nothing.
        self.assertEqual(srv.terminate(), 0)
        srv.start()
        self.check_and_resync(srv, states, f"seed {SEED}, after SIGTERM and a restart")
        sys.stderr.write(f"({self.KILLS} kills, {kills_with_child} with a child running, "
                         f"{total_acks} acknowledged writes) ")


# -------------------------------------------------------------------------------------------
# 2. appendfsync everysec: the loss after kill -9 is bounded
# -------------------------------------------------------------------------------------------

class SetWriterState:
    def __init__(self, idx):
        self.idx = idx
        self.next = 0
        self.ack_times = []   # ack_times[n] = monotonic time SET e:<idx>:<n> was acknowledged
        self.base = 0         # sequence number of ack_times[0]
        self.error = None


def set_writer_loop(state, port, stop):
    try:
        client = tl.RespClient(port, timeout=15.0)
    except OSError as e:
        state.error = f"connect failed: {e}"
        return
    with client:
        try:
            while not stop.is_set():
                n = state.next
                state.next += 1
                reply = client.command("SET", f"e:{state.idx}:{n}", str(n))
                if reply != b"+OK\r\n":
                    state.error = f"SET e:{state.idx}:{n} answered {reply!r}"
                    return
                state.ack_times.append(time.monotonic())
        except tl.ConnectionClosed:
            return
        except tl.ReplyTimeout:
            state.error = "no reply within 15 s"
        except OSError as e:
            if not isinstance(e, (ConnectionError, socket.timeout)):
                state.error = f"socket error {e!r}"


class EverysecKillTest(DurabilityTest):
    WRITERS = 2
    KILLS = 2
    GRACE = 2.5   # Redis may postpone the write of the AOF buffer by up to 2 s

    def test_loss_after_sigkill_is_bounded_to_the_last_two_seconds(self):
        log_seed()
        rng = random.Random(SEED ^ 0x5EC)
        srv = self.server(["--appendonly", "yes", "--appendfsync", "everysec"])
        states = [SetWriterState(i) for i in range(self.WRITERS)]
        for round_no in range(1, self.KILLS + 1):
            context = f"seed {SEED}, everysec round {round_no}"
            for st in states:
                st.base = st.next
                st.ack_times = []
            stop = threading.Event()
            threads = [threading.Thread(target=set_writer_loop, args=(st, srv.port, stop),
                                        daemon=True) for st in states]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            load_for = rng.uniform(3.0, 3.6)
            try:
                tl.wait_until(lambda: time.monotonic() - t0 >= load_for
                              or any(st.error for st in states) or not srv.alive(),
                              timeout=load_for + 5, what=f"{load_for:.2f} s of load")
                self.assertTrue(srv.alive(), f"{context}: the server exited on its own")
                kill_time = time.monotonic()
                srv.kill9()
            finally:
                stop.set()
                if srv.alive():
                    srv.kill9()
                for t in threads:
                    t.join(30)
            errors = [st.error for st in states if st.error]
            self.assertFalse(errors, f"{context}: {errors}")
            srv.start()
            with srv.client(timeout=30) as c:
                for st in states:
                    old = sum(1 for t in st.ack_times if t < kill_time - self.GRACE)
                    self.assertGreater(old, 20, f"{context}: too little load to judge")
                    keys = [f"e:{st.idx}:{n}" for n in range(st.base, st.next)]
                    values = []
                    for i in range(0, len(keys), 5000):
                        values += c.call("MGET", *keys[i:i + 5000])
                    for n, v in zip(range(st.base, st.next), values):
                        if v is not None and v != str(n).encode():
                            self.fail(f"{context}: e:{st.idx}:{n} is {v!r}")
                    kept = sum(1 for v in values if v is not None)
                    # The AOF is a log: what is lost is a suffix of each client's writes.
                    holes = [st.base + i for i, v in enumerate(values[:kept]) if v is None]
                    self.assertFalse(holes, f"{context}: writer {st.idx} lost writes out of "
                                            f"order: e.g. e:{st.idx}:{holes[:5]} missing but "
                                            f"later ones present")
                    self.assertGreaterEqual(
                        kept, old,
                        f"{context}: writer {st.idx}: only {kept} of its writes survived, but "
                        f"{old} were acknowledged more than {self.GRACE} s before the kill")
                    if kept < len(st.ack_times):
                        sys.stderr.write(f"\n({context}: writer {st.idx} lost its last "
                                         f"{len(st.ack_times) - kept} acknowledged writes) ")
                    # The next round continues after everything that may exist.
                    st.next = st.base + len(keys)


# -------------------------------------------------------------------------------------------
# 3. stop-writes-on-bgsave-error
# -------------------------------------------------------------------------------------------

class BgsaveErrorTest(DurabilityTest):
    def fail_bgsave(self, srv, c):
        """Make dump.rdb a directory, run BGSAVE and wait until it has failed."""
        os.mkdir(os.path.join(srv.dir, "dump.rdb"))
        before = int(info(c)["rdb_saves"])
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        i = self.wait_info(c, lambda i: i["rdb_bgsave_in_progress"] == "0",
                           "the failing BGSAVE to end")
        self.assertEqual(i["rdb_last_bgsave_status"], "err")
        self.assertEqual(int(i["rdb_saves"]), before + 1, "rdb_saves counts failed saves too")
        tl.wait_until(lambda: LOG_BGSAVE_ERROR in srv.log(), timeout=10,
                      what=f"{LOG_BGSAVE_ERROR!r} in the log")
        self.assertRegex(srv.log(), LOG_RENAME_FAILED)
        self.assertFalse(os.path.isfile(os.path.join(srv.dir, "dump.rdb")))

    def test_failed_bgsave_stops_writes_until_a_save_succeeds(self):
        srv = self.server(["--save", "3600 1"])
        c = self.raw(srv)
        self.assertEqual(c.command("CONFIG", "GET", "stop-writes-on-bgsave-error"),
                         tl.encode_command("stop-writes-on-bgsave-error", "yes"))
        self.assertEqual(c.command("SET", "k", "before"), b"+OK\r\n")
        self.assertEqual(c.command("HSET", "h", "f", "a", "g", "b"), b":2\r\n")
        self.fail_bgsave(srv, c)

        # Writes (and, as in Redis, PING) are refused with MISCONF; nothing changes.
        for cmd in (("SET", "k", "after"), ("DEL", "k"), ("INCR", "n"), ("HSET", "h", "f", "c"),
                    ("HDEL", "h", "g"), ("SET", "new", "v"), ("EXPIRE", "k", "100"), ("FLUSHALL",),
                    ("PING",)):
            self.assertEqual(c.command(*cmd), MISCONF, cmd)
        # Reads and other commands still work.
        self.assertEqual(c.command("GET", "k"), b"$6\r\nbefore\r\n")
        self.assertEqual(c.command("HMGET", "h", "f", "g"), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n")
        self.assertEqual(c.command("EXISTS", "n", "new"), b":0\r\n")
        self.assertEqual(c.command("DBSIZE"), b":2\r\n")
        self.assertEqual(c.command("ECHO", "hi"), b"$2\r\nhi\r\n")
        self.assertEqual(c.call("TTL", "k"), -1)
        # In a transaction the write is refused when queued.
        self.assertEqual(c.command("MULTI"), b"+OK\r\n")
        self.assertEqual(c.command("SET", "k", "tx"), MISCONF)
        self.assertEqual(c.command("EXEC"),
                         b"-EXECABORT Transaction discarded because of previous errors.\r\n")
        self.assertEqual(c.command("GET", "k"), b"$6\r\nbefore\r\n")

        # Without save points the error is not reported; with them back it is.
        self.assertEqual(c.command("CONFIG", "SET", "save", ""), b"+OK\r\n")
        self.assertEqual(c.command("SET", "k2", "v"), b"+OK\r\n")
        self.assertEqual(c.command("CONFIG", "SET", "save", "3600 1"), b"+OK\r\n")
        self.assertEqual(c.command("SET", "k3", "v"), MISCONF)

        # A failed foreground SAVE does not change the BGSAVE status; a good BGSAVE lifts it.
        saves = int(info(c)["rdb_saves"])
        self.assertEqual(c.command("SAVE"), b"-ERR\r\n")
        i = info(c)
        self.assertEqual(i["rdb_last_bgsave_status"], "err")
        self.assertEqual(int(i["rdb_saves"]), saves + 1, "a failed SAVE counts in rdb_saves")
        os.rmdir(os.path.join(srv.dir, "dump.rdb"))
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        i = self.wait_info(c, lambda i: i["rdb_bgsave_in_progress"] == "0",
                           "the second BGSAVE to end")
        self.assertEqual(i["rdb_last_bgsave_status"], "ok")
        self.assertEqual(i["rdb_changes_since_last_save"], "0")
        self.assertTrue(os.path.isfile(os.path.join(srv.dir, "dump.rdb")))
        self.assertEqual(c.command("PING"), b"+PONG\r\n")
        self.assertEqual(c.command("SET", "k", "after"), b"+OK\r\n")
        self.assertEqual(c.command("GET", "k"), b"$5\r\nafter\r\n")

    def test_failed_bgsave_with_stop_writes_off_keeps_writes_working(self):
        srv = self.server(["--save", "3600 1", "--stop-writes-on-bgsave-error", "no"])
        c = self.raw(srv)
        self.assertEqual(c.command("SET", "k", "before"), b"+OK\r\n")
        self.fail_bgsave(srv, c)
        self.assertEqual(c.command("SET", "k", "after"), b"+OK\r\n")
        self.assertEqual(c.command("PING"), b"+PONG\r\n")
        self.assertEqual(c.command("GET", "k"), b"$5\r\nafter\r\n")
        # Switching it on at run time refuses writes at once, and off again allows them.
        self.assertEqual(c.command("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"),
                         b"+OK\r\n")
        self.assertEqual(c.command("SET", "k", "x"), MISCONF)
        self.assertEqual(c.command("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"),
                         b"+OK\r\n")
        self.assertEqual(c.command("SET", "k", "y"), b"+OK\r\n")


# -------------------------------------------------------------------------------------------
# 4. INFO persistence
# -------------------------------------------------------------------------------------------

class InfoPersistenceTest(DurabilityTest):
    @unittest.skipUnless(os.access(tl.redis_bin(), os.X_OK), "no redis-server to compare with")
    def test_field_names_in_redis_order(self):
        for appendonly in ("no", "yes"):
            args = ["--appendonly", appendonly]
            reference = self.server(args, kind="redis")
            target = self.server(args)
            with reference.client() as rc, target.client() as tc:
                want = [n for n, _ in info_pairs(rc)]
                got = [n for n, _ in info_pairs(tc)]
                self.assertEqual(info(tc)["aof_enabled"], "1" if appendonly == "yes" else "0")
            missing = [n for n in want if n not in got]
            self.assertFalse(missing, f"appendonly {appendonly}: INFO persistence lacks "
                                      f"{missing}\nRedis: {want}\nthis server: {got}")
            self.assertTrue(is_subsequence(want, got),
                            f"appendonly {appendonly}: fields not in Redis's order\n"
                            f"Redis: {want}\nthis server: {got}")
            reference.close()
            target.close()

    def test_rdb_fields_follow_writes_and_saves(self):
        srv = self.server()
        c = self.raw(srv)
        i = info(c)
        self.assertEqual(i["loading"], "0")
        self.assertEqual(i["rdb_changes_since_last_save"], "0")
        self.assertEqual(i["rdb_bgsave_in_progress"], "0")
        self.assertEqual(i["rdb_last_bgsave_status"], "ok")
        self.assertEqual(i["rdb_saves"], "0")
        self.assertEqual(i["aof_enabled"], "0")
        self.assertEqual(i["aof_rewrite_in_progress"], "0")
        self.assertEqual(i["aof_last_write_status"], "ok")
        self.assertEqual(int(i["rdb_last_save_time"]), c.call("LASTSAVE"))
        for n in range(1, 4):
            self.assertEqual(c.command("SET", f"k{n}", "v"), b"+OK\r\n")
            self.assertEqual(info(c)["rdb_changes_since_last_save"], str(n))
        self.assertEqual(c.command("MSET", "a", "1", "b", "2"), b"+OK\r\n")
        self.assertEqual(info(c)["rdb_changes_since_last_save"], "5")
        self.assertEqual(c.command("GET", "a"), b"$1\r\n1\r\n")
        self.assertEqual(info(c)["rdb_changes_since_last_save"], "5", "a read is no change")
        before = c.call("LASTSAVE")
        self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        i = info(c)
        self.assertEqual(i["rdb_changes_since_last_save"], "0")
        self.assertEqual(i["rdb_saves"], "1")
        self.assertEqual(i["rdb_last_bgsave_status"], "ok")
        lastsave = c.call("LASTSAVE")
        self.assertGreaterEqual(lastsave, before)
        self.assertLessEqual(abs(lastsave - time.time()), 5)
        self.assertEqual(int(i["rdb_last_save_time"]), lastsave)
        self.assertTrue(os.path.isfile(os.path.join(srv.dir, "dump.rdb")))

    def test_bgsave_progress_and_result(self):
        keys, size = 100000, 1024
        srv = self.server()
        c = self.raw(srv, timeout=60)
        pool = os.urandom(65536 + size)      # incompressible values: the save takes a while
        pipeline_ok(c, [tl.encode_command("SET", b"big:%d" % n,
                                          pool[(n * 257) % 65536:(n * 257) % 65536 + size])
                        for n in range(keys)])
        i = info(c)
        self.assertEqual(i["rdb_changes_since_last_save"], str(keys))
        self.assertEqual(c.command("BGSAVE"), BGSAVE_STARTED)
        i = info(c)
        if i["rdb_bgsave_in_progress"] == "1":
            self.assertGreaterEqual(int(i["rdb_current_bgsave_time_sec"]), 0)
            self.assertEqual(i["current_save_keys_total"], str(keys))
            self.assertEqual(c.command("BGSAVE"), BGSAVE_IN_PROGRESS)
        else:
            sys.stderr.write("\n(BGSAVE ended before INFO could see it running) ")
        i = self.wait_info(c, lambda i: i["rdb_bgsave_in_progress"] == "0", "BGSAVE to end")
        self.assertEqual(i["rdb_last_bgsave_status"], "ok")
        self.assertEqual(i["rdb_saves"], "1")
        self.assertEqual(i["rdb_changes_since_last_save"], "0")
        self.assertEqual(i["rdb_current_bgsave_time_sec"], "-1")
        self.assertGreaterEqual(int(i["rdb_last_bgsave_time_sec"]), 0)
        self.assertEqual(int(i["rdb_last_save_time"]), c.call("LASTSAVE"))
        self.assertGreater(os.path.getsize(os.path.join(srv.dir, "dump.rdb")), keys * size)
        tl.wait_until(lambda: "Background saving terminated with success" in srv.log(),
                      timeout=10, what="'Background saving terminated with success' in the log")

    def test_aof_fields(self):
        # appendfsync always: every reply follows the write to the file, so sizes are exact.
        srv = self.server(["--appendonly", "yes", "--appendfsync", "always"])
        c = self.raw(srv)
        i = info(c)
        self.assertEqual(i["aof_enabled"], "1")
        self.assertEqual(i["aof_rewrite_in_progress"], "0")
        self.assertEqual(i["aof_last_write_status"], "ok")
        self.assertEqual(i["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(i["aof_rewrites"], "0")
        for name in ("aof_current_size", "aof_base_size", "aof_pending_rewrite",
                     "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"):
            self.assertRegex(i.get(name, "missing"), r"^\d+$", name)

        def incr_bytes():
            return sum(size for name, size in aof_files(srv.dir).items()
                       if name.endswith(".incr.aof"))

        size0, disk0 = int(i["aof_current_size"]), incr_bytes()
        commands = [("SET", f"key:{n}", "x" * n) for n in range(100)]
        for cmd in commands:
            self.assertEqual(c.command(*cmd), b"+OK\r\n")
        i = info(c)
        grown = int(i["aof_current_size"]) - size0
        self.assertGreaterEqual(grown, sum(len(tl.encode_command(*cmd)) for cmd in commands))
        self.assertEqual(grown, incr_bytes() - disk0,
                         "aof_current_size grows by what is appended to the incr file")

        self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_STARTED)
        if info(c)["aof_rewrite_in_progress"] == "1":
            self.assertEqual(c.command("BGREWRITEAOF"), BGREWRITEAOF_IN_PROGRESS)
            self.assertEqual(c.command("BGSAVE"), BGSAVE_CHILD_ACTIVE)
        else:
            sys.stderr.write("\n(BGREWRITEAOF ended before INFO could see it running) ")
        i = self.wait_info(c, lambda i: i["aof_rewrite_in_progress"] == "0"
                           and i["aof_rewrite_scheduled"] == "0", "BGREWRITEAOF to end")
        self.assertEqual(i["aof_last_bgrewrite_status"], "ok")
        self.assertEqual(i["aof_rewrites"], "1")
        self.assertEqual(i["aof_last_write_status"], "ok")
        self.assertGreaterEqual(int(i["aof_last_rewrite_time_sec"]), 0)
        files = aof_files(srv.dir)
        base = [n for n, t in manifest_files(srv.dir) if t == "b"]
        self.assertEqual(len(base), 1, files)
        self.assertEqual(int(i["aof_base_size"]), files[base[0]])
        self.assertEqual(int(i["aof_current_size"]), files[base[0]] + incr_bytes())
        self.assertEqual(c.command("SET", "after", "rewrite"), b"+OK\r\n")
        self.assertGreater(int(info(c)["aof_current_size"]), files[base[0]])
        self.assertEqual(int(info(c)["aof_base_size"]), files[base[0]])


# -------------------------------------------------------------------------------------------
# 5. SIGTERM and SHUTDOWN save first
# -------------------------------------------------------------------------------------------

class ShutdownSaveTest(DurabilityTest):
    KEYS = 1004

    def load_some(self, c):
        """Strings, a hash, a counter and a key with a TTL: 1006 changes, 1004 keys."""
        self.assertEqual(c.command("SET", "s", "string value"), b"+OK\r\n")
        self.assertEqual(c.command("HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"), b":3\r\n")
        self.assertEqual(c.command("INCRBY", "counter", "42"), b":42\r\n")
        self.assertEqual(c.command("SET", "ttl", "expiring", "EX", "1000"), b"+OK\r\n")
        pipeline_ok(c, [tl.encode_command("SET", f"n:{n}", str(n)) for n in range(1000)])

    def check_loaded(self, c):
        self.assertEqual(c.call("DBSIZE"), self.KEYS)
        self.assertEqual(c.command("GET", "s"), b"$12\r\nstring value\r\n")
        self.assertEqual(c.call("HMGET", "h", "f1", "f2", "f3"), [b"v1", b"v2", b"v3"])
        self.assertEqual(c.call("GET", "counter"), b"42")
        self.assertEqual(c.call("GET", "ttl"), b"expiring")
        ttl = c.call("TTL", "ttl")
        self.assertTrue(900 < ttl <= 1000, f"TTL {ttl} after reload")
        self.assertEqual(c.call("TTL", "s"), -1)
        self.assertEqual(c.call("MGET", "n:0", "n:999"), [b"0", b"999"])

    def test_sigterm_saves_dirty_data_before_exiting(self):
        srv = self.server(["--save", "3600 1"])
        with srv.client() as c:
            self.load_some(c)
            self.assertEqual(info(c)["rdb_changes_since_last_save"], "1006")
        dump = os.path.join(srv.dir, "dump.rdb")
        self.assertFalse(os.path.exists(dump))
        self.assertEqual(srv.terminate(), 0)
        log = srv.log()
        self.assertIn(LOG_SAVE_BEFORE_EXIT, log)
        self.assertIn(LOG_DB_SAVED, log)
        self.assertLess(log.index(LOG_SAVE_BEFORE_EXIT), log.index(LOG_DB_SAVED))
        self.assertTrue(os.path.isfile(dump), "no dump.rdb after SIGTERM")
        self.assertFalse([n for n in os.listdir(srv.dir) if n.startswith("temp-")],
                         "temporary RDB files left behind")
        srv.start()
        with srv.client() as c:
            self.check_loaded(c)
            i = info(c)
            self.assertEqual(i["rdb_changes_since_last_save"], "0")
            self.assertEqual(i["rdb_last_load_keys_loaded"], str(self.KEYS))
        self.assertIn("DB loaded from disk", srv.log())

    def test_sigterm_without_save_points_does_not_save(self):
        srv = self.server(["--save", ""])
        with srv.client() as c:
            self.assertEqual(c.command("SET", "k", "v"), b"+OK\r\n")
        self.assertEqual(srv.terminate(), 0)
        self.assertFalse(os.path.exists(os.path.join(srv.dir, "dump.rdb")))
        self.assertNotIn(LOG_SAVE_BEFORE_EXIT, srv.log())

    def refused_shutdown(self, c, *args):
        try:
            return c.command("SHUTDOWN", *args)
        except tl.ConnectionClosed:
            self.fail(f"{' '.join(('SHUTDOWN',) + args)}: the server exited although it "
                      f"could not save")

    def test_shutdown_that_cannot_save_keeps_the_server_running(self):
        srv = self.server(["--save", "3600 1"])
        c = self.raw(srv)
        self.load_some(c)
        os.mkdir(os.path.join(srv.dir, "dump.rdb"))
        self.assertEqual(self.refused_shutdown(c), SHUTDOWN_FAILED)
        self.assertEqual(self.refused_shutdown(c, "SAVE"), SHUTDOWN_FAILED)
        self.assertTrue(srv.alive())
        log = srv.log()
        self.assertIn(LOG_CANT_EXIT, log)
        self.assertIn(LOG_SHUTDOWN_ERRORS, log)
        self.assertRegex(log, LOG_RENAME_FAILED)
        # A failed foreground save is not a failed BGSAVE: writes and PING still work.
        self.assertEqual(c.command("PING"), b"+PONG\r\n")
        self.assertEqual(c.command("SET", "extra", "1"), b"+OK\r\n")
        self.assertEqual(c.command("DEL", "extra"), b":1\r\n")
        self.assertEqual(info(c)["rdb_last_bgsave_status"], "ok")

        # SIGTERM does not exit either while the save fails.
        srv.proc.send_signal(signal.SIGTERM)
        tl.wait_until(lambda: srv.log().count(LOG_CANT_EXIT) >= 3, timeout=10,
                      what="the failed save after SIGTERM in the log")
        self.assertEqual(c.command("PING"), b"+PONG\r\n")
        self.assertTrue(srv.alive())
        self.check_loaded(c)

        # Once the save can succeed, SHUTDOWN saves and exits 0 without a reply.
        os.rmdir(os.path.join(srv.dir, "dump.rdb"))
        c.send_command("SHUTDOWN")
        with self.assertRaises(tl.ConnectionClosed) as ctx:
            c.read_reply(timeout=20)
        self.assertEqual(ctx.exception.partial, b"")
        self.assertEqual(srv.wait_exit(), 0)
        self.assertTrue(os.path.isfile(os.path.join(srv.dir, "dump.rdb")))
        srv.start()
        with srv.client() as c2:
            self.check_loaded(c2)

    def test_shutdown_nosave_exits_even_when_saving_would_fail(self):
        srv = self.server(["--save", "3600 1"])
        c = self.raw(srv)
        self.assertEqual(c.command("SET", "k", "v"), b"+OK\r\n")
        os.mkdir(os.path.join(srv.dir, "dump.rdb"))
        c.send_command("SHUTDOWN", "NOSAVE")
        with self.assertRaises(tl.ConnectionClosed):
            c.read_reply(timeout=20)
        self.assertEqual(srv.wait_exit(), 0)
        self.assertTrue(os.path.isdir(os.path.join(srv.dir, "dump.rdb")))
        self.assertNotIn(LOG_SAVE_BEFORE_EXIT, srv.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
