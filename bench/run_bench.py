#!/usr/bin/env python3
"""Side-by-side benchmark of petrel-server and redis-server 7.0.

Throughput: redis-benchmark (-c 50, -r 100000) runs two groups of tests at -P 1 and -P 16
against both servers, alternating which server goes first, for several rounds:
  strings  SET, GET, INCR, MSET, PING_INLINE and PING_MBULK (redis-benchmark's built-in tests)
  hashes   HSET (built-in: random fields of one big hash), and as custom commands HGET of those
           fields, HINCRBY of a field of 10-field hashes and HGETALL of those 10-field hashes;
           both servers are pre-populated with the hashes first, so every read hits.
  pubsub   PUBLISH to a channel nobody subscribes to (a custom command).
For each test the report gives the median requests/s of each server and the median of the
per-round ratios Petrel/Redis.

Pub/sub fan-out (group pubsub, opt-in with --groups): bench/fanout.cc (petrel-fanout-bench, built
with CMake) runs one publisher against 1, 100 and 1000 subscribers of one channel and 1000
subscribers spread over 100 patterns, on each server in turn, alternating which goes first, and
reports delivered messages/s and publish-to-receive latency p50/p99.

Memory: for each test each server is started fresh, its VmRSS is read, the data is loaded with
`redis-cli --pipe`, and once DBSIZE reports every key the RSS is read again:
  strings     1,000,000 small string keys            -> RSS bytes per key
  hashes10    100,000 hashes of 10 small fields       -> RSS bytes per field
  hashes1000  1,000 hashes of 1,000 small fields      -> RSS bytes per field
The report gives the bytes per key or field for each server and the ratio Petrel/Redis.

Both servers run on free loopback ports with `--save '' --appendonly no`. Every step has a time
limit, and servers are always stopped (also on Ctrl-C, and killed if this script dies).
Progress goes to stderr; the final Markdown goes to stdout (and to --out if given).

Python standard library only. See docs/benchmarks.md.
"""

import argparse
import contextlib
import csv
import ctypes
import datetime
import io
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PETREL = REPO / "build" / "petrel-server"
DEFAULT_REDIS = Path("/usr/bin/redis-server")


class Test:
    """One redis-benchmark test: a built-in one (`-t name`) or a custom command line.

    `csv_name` is the row name redis-benchmark prints in its CSV output; for a custom command
    that is the command line itself. One test per invocation, so the two servers alternate test
    by test rather than suite by suite.
    """

    def __init__(self, group, label, builtin=None, command=None, csv_name=None):
        self.group = group
        self.label = label
        self.builtin = builtin
        self.command = command
        self.csv_name = csv_name or " ".join(command)

    def benchmark_args(self):
        return ["-t", self.builtin] if self.builtin else list(self.command)


# Keys of the hash tests. __rand_int__ becomes a 12-digit number below -r (the keyspace), so
# pre-populating the same names for 0 .. keyspace-1 makes every read hit.
BIG_HASH = "myhash"                      # redis-benchmark's own HSET test writes this key,
BIG_HASH_FIELD = "element:%012d"          # with fields named like this
BIG_HASH_VALUE = "xxx"                    # and this value (its default -d 3)
SMALL_HASH = "bench:h10:%012d"
SMALL_HASH_FIELDS = 10

TESTS = [
    Test("strings", "SET", builtin="set", csv_name="SET"),
    Test("strings", "GET", builtin="get", csv_name="GET"),
    Test("strings", "INCR", builtin="incr", csv_name="INCR"),
    Test("strings", "MSET (10 keys)", builtin="mset", csv_name="MSET (10 keys)"),
    Test("strings", "PING_INLINE", builtin="ping_inline", csv_name="PING_INLINE"),
    Test("strings", "PING_MBULK", builtin="ping_mbulk", csv_name="PING_MBULK"),
    Test("hashes", "HSET", builtin="hset", csv_name="HSET"),
    Test("hashes", "HGET", command=["HGET", BIG_HASH, "element:__rand_int__"]),
    Test("hashes", "HINCRBY", command=["HINCRBY", "bench:h10:__rand_int__", "field0", "1"]),
    Test("hashes", "HGETALL (10 fields)", command=["HGETALL", "bench:h10:__rand_int__"]),
    Test("pubsub", "PUBLISH (no subscribers)", command=["PUBLISH", "bench:nobody", "hello"]),
]
GROUPS = ("strings", "hashes", "pubsub")
DEFAULT_GROUPS = ("strings", "hashes")


class FanoutScenario:
    """One run of petrel-fanout-bench: `subscribers` connections on one channel, or spread
    over `patterns` patterns; `messages` is scaled by --fanout-scale."""

    def __init__(self, label, subscribers, patterns, messages):
        self.label = label
        self.subscribers = subscribers
        self.patterns = patterns
        self.messages = messages


FANOUT_SCENARIOS = [
    FanoutScenario("1 subscriber", 1, 0, 500000),
    FanoutScenario("100 subscribers", 100, 0, 50000),
    FanoutScenario("1000 subscribers", 1000, 0, 5000),
    FanoutScenario("1000 subscribers, 100 patterns", 1000, 100, 50000),
]
FANOUT_CANDIDATES = (REPO / "build" / "bench" / "petrel-fanout-bench",
                     REPO / "build-bench" / "petrel-fanout-bench")
MEMORY_TESTS = ("strings", "hashes10", "hashes1000")

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it if this script goes away."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# --- A minimal RESP client (enough for PING, DBSIZE, INFO and sanity checks) -------------------


class RespError(Exception):
    pass


class Client:
    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            value, self.buf = self.buf[:n], self.buf[n + 2:]
            return value
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ConnectionError("unexpected reply %r" % line[:40])

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()


# --- Server processes -------------------------------------------------------------------------


class Server:
    """One server process on a free loopback port, in its own temporary directory."""

    def __init__(self, name, binary, workdir, extra_args=(), run_dir=None,
                 start_timeout=START_TIMEOUT):
        self.name = name
        self.binary = str(binary)
        self.workdir = Path(workdir)
        self.extra_args = [str(a) for a in extra_args]  # appended to the default arguments
        self.run_dir = Path(run_dir) if run_dir else None  # None: a new temporary directory
        self.start_timeout = start_timeout
        self.poll_interval = 0.02     # seconds between readiness checks while starting
        self.proc = None
        self.port = None
        self.log_path = None
        self.started_at = None        # time.monotonic() just before the process was spawned

    def start(self):
        attempts = []
        for attempt in range(3):
            self.port = free_port()
            run_dir = self.run_dir or Path(tempfile.mkdtemp(prefix=self.name + "-",
                                                            dir=self.workdir))
            self.log_path = run_dir / "server.log"
            args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"] + self.extra_args
            with open(self.log_path, "wb") as logf:
                self.started_at = time.monotonic()
                self.proc = subprocess.Popen(
                    args, cwd=run_dir, stdin=subprocess.DEVNULL, stdout=logf,
                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
            if self._wait_ready():
                return self
            self.stop()
            tail = self._log_tail()
            attempts.append("port %d: %s" % (self.port, tail))
            if "in use" not in tail.lower():  # only a lost race for the port is worth a retry
                break
        raise RuntimeError("%s (%s) did not start:\n%s"
                           % (self.name, self.binary, "\n".join(attempts)))

    def _log_tail(self, size=1500):
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return "(no log)"

    def _wait_ready(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self._listens() and self._answers_ping():
                return True
            time.sleep(self.poll_interval)
        return False

    def _listens(self):
        """True if the process itself listens on self.port (not some other server)."""
        inodes = set()
        fd_dir = "/proc/%d/fd" % self.proc.pid
        try:
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    target = os.readlink(os.path.join(fd_dir, fd))
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        except OSError:
            return False
        for table in ("tcp", "tcp6"):
            with contextlib.suppress(OSError), open("/proc/%d/net/%s" % (self.proc.pid, table)) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                        if int(fields[1].rsplit(":", 1)[1], 16) == self.port:
                            return True
        return False

    def _answers_ping(self):
        try:
            with Client(self.port, timeout=2.0) as c:
                return c.call("PING") is not None
        except (OSError, ConnectionError, ValueError):
            return False

    def rss(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS for %s" % self.name)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log("  %s ignored SIGTERM for %.0fs; killing it" % (self.name, STOP_TIMEOUT))
            self.proc.kill()
            self.proc.wait()


# --- Throughput --------------------------------------------------------------------------------


def check_commands(server, groups):
    """Warns if a benchmarked command answers with an error (the rates would be meaningless)."""
    checks = []
    if "strings" in groups:
        checks += [("SET", "bench:check", "1"), ("GET", "bench:check"),
                   ("INCR", "bench:counter"), ("MSET", "bench:a", "1", "bench:b", "2"),
                   ("PING",)]
    if "hashes" in groups:
        checks += [("HSET", "bench:hcheck", "f", "1"), ("HGET", "bench:hcheck", "f"),
                   ("HINCRBY", "bench:hcheck", "f", "1"), ("HGETALL", "bench:hcheck")]
    if "pubsub" in groups:
        checks += [("PUBLISH", "bench:nobody", "hello"), ("PUBSUB", "NUMSUB", "bench:nobody")]
    with Client(server.port) as c:
        for args in checks:
            reply = c.call(*args)
            if isinstance(reply, RespError):
                log("  WARNING: %s answers %s with an error: %s" % (server.name, args[0], reply))
        c.call("DEL", "bench:check", "bench:counter", "bench:a", "bench:b", "bench:hcheck")


def resp_command(*args):
    """One command in RESP, for redis-cli --pipe."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pipe_load(opts, server, payload, what):
    """Loads `payload` with redis-cli --pipe; True if it reports no errors."""
    try:
        result = subprocess.run([opts.cli, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
                                input=payload, capture_output=True, timeout=opts.load_timeout,
                                preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        log("  %s: redis-cli --pipe (%s) timed out after %ss" % (server.name, what,
                                                                 opts.load_timeout))
        return False
    summary = result.stdout.decode(errors="replace").strip().splitlines()
    last = summary[-1] if summary else "(no output from redis-cli --pipe)"
    log("  %s: %s: %s" % (server.name, what, last))
    if result.returncode != 0 or "errors: 0," not in last:
        log("  %s: loading %s failed: %s" % (server.name, what,
                                            result.stderr.decode(errors="replace")))
        return False
    return True


def hash_bench_payload(keyspace):
    """The data the hash throughput tests read: BIG_HASH with `keyspace` fields (the ones
    redis-benchmark's HSET test writes) and `keyspace` hashes of SMALL_HASH_FIELDS fields whose
    field0 is the counter HINCRBY increments."""
    parts = []
    chunk = 1000
    for start in range(0, keyspace, chunk):
        args = ["HSET", BIG_HASH]
        for n in range(start, min(start + chunk, keyspace)):
            args += [BIG_HASH_FIELD % n, BIG_HASH_VALUE]
        parts.append(resp_command(*args))
    for n in range(keyspace):
        args = ["HSET", SMALL_HASH % n, "field0", "0"]
        for i in range(1, SMALL_HASH_FIELDS):
            args += ["field%d" % i, "value-%d" % i]
        parts.append(resp_command(*args))
    return b"".join(parts)


def populate_hashes(opts, server, payload):
    """Pre-populates the hashes the hash tests read; warns if the data is not all there."""
    if not pipe_load(opts, server, payload, "hash test data"):
        log("  WARNING: %s: the hash tests will read missing keys" % server.name)
        return
    last = opts.keyspace - 1
    with Client(server.port, timeout=30) as c:
        big = c.call("HLEN", BIG_HASH)
        small = c.call("HLEN", SMALL_HASH % last)
        value = c.call("HGET", BIG_HASH, BIG_HASH_FIELD % last)
        everything = c.call("HGETALL", SMALL_HASH % last)
    if big != opts.keyspace or small != SMALL_HASH_FIELDS:
        log("  WARNING: %s holds HLEN %s=%r and %s=%r after pre-population"
            % (server.name, BIG_HASH, big, SMALL_HASH % last, small))
    if value != BIG_HASH_VALUE.encode() or not isinstance(everything, list) \
            or len(everything) != 2 * SMALL_HASH_FIELDS:
        log("  WARNING: %s answers HGET/HGETALL of the pre-populated hashes with %r / %r"
            % (server.name, value, everything))


def run_benchmark(opts, server, test, pipeline, requests):
    """One redis-benchmark run; returns requests/s, or None on failure or timeout."""
    csv_name = test.csv_name
    cmd = [opts.benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c", str(opts.clients),
           "-n", str(requests), "-r", str(opts.keyspace), "-P", str(pipeline), "--csv"]
    cmd += test.benchmark_args()
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=opts.run_timeout,
                                preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        log("  %s %s -P %d: timed out after %ss" % (server.name, test.label, pipeline,
                                                     opts.run_timeout))
        return None
    for row in csv.reader(io.StringIO(result.stdout)):
        if len(row) >= 2 and row[0] == csv_name:
            return float(row[1])
    log("  %s %s -P %d: no result (exit %d): %s" % (server.name, test.label, pipeline,
                                                     result.returncode,
                                                     (result.stderr or result.stdout)[-300:]))
    return None


def throughput(opts, petrel, redis, deadline):
    """Returns {(Test, pipeline): {"petrel": [rps...], "redis": [...], "ratios": [...]}}."""
    tests = [t for t in TESTS if t.group in opts.groups]
    for server in (petrel, redis):
        check_commands(server, opts.groups)
    if "hashes" in opts.groups:
        log("hash tests: pre-populating %s (%d fields) and %d hashes of %d fields"
            % (BIG_HASH, opts.keyspace, opts.keyspace, SMALL_HASH_FIELDS))
        payload = hash_bench_payload(opts.keyspace)
        for server in (petrel, redis):
            populate_hashes(opts, server, payload)
    if opts.warmup:
        log("warm-up (not recorded)")
        for server in (petrel, redis):
            for test in tests:
                run_benchmark(opts, server, test, 16, max(1000, opts.requests // 10))
    results = {}
    for pipeline in opts.pipelines:
        for test in tests:
            results[(test, pipeline)] = {"petrel": [], "redis": [], "ratios": []}
    for rnd in range(opts.rounds):
        if time.monotonic() > deadline:
            log("time budget used up; stopping after %d round(s)" % rnd)
            break
        log("round %d/%d" % (rnd + 1, opts.rounds))
        index = 0
        for pipeline in opts.pipelines:
            for test in tests:
                # Alternate who goes first, so slow drift of the machine hits both equally.
                order = [("petrel", petrel), ("redis", redis)]
                if (rnd + index) % 2 == 1:
                    order.reverse()
                index += 1
                got = {}
                for key, server in order:
                    got[key] = run_benchmark(opts, server, test, pipeline, opts.requests)
                entry = results[(test, pipeline)]
                for key in ("petrel", "redis"):
                    if got[key] is not None:
                        entry[key].append(got[key])
                if got["petrel"] and got["redis"]:
                    entry["ratios"].append(got["petrel"] / got["redis"])
                log("  %-19s -P %-2d petrel %12s  redis %12s" % (
                    test.label, pipeline, fmt_rate(got["petrel"]), fmt_rate(got["redis"])))
    return results


# --- Pub/sub fan-out ---------------------------------------------------------------------------


def run_fanout(opts, server, scenario):
    """One petrel-fanout-bench run; returns its RESULT fields as a dict, or None."""
    messages = max(100, int(scenario.messages * opts.fanout_scale))
    cmd = [opts.fanout, "--port", str(server.port), "--subscribers", str(scenario.subscribers),
           "--patterns", str(scenario.patterns), "--messages", str(messages),
           "--window", str(opts.fanout_window), "--payload", str(opts.fanout_payload),
           "--seconds", str(opts.fanout_seconds), "--label", server.name]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True,
                                timeout=opts.fanout_seconds + 120, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        log("  %s %s: petrel-fanout-bench timed out" % (server.name, scenario.label))
        return None
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            fields = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
            if result.returncode != 0 or fields.get("errors") != "0":
                log("  %s %s: petrel-fanout-bench reported errors: %s" % (
                    server.name, scenario.label, result.stderr.strip()[-500:]))
                return None
            if fields.get("time_limited") == "1":
                log("  %s %s: hit the --fanout-seconds limit; fewer messages measured"
                    % (server.name, scenario.label))
            return fields
    log("  %s %s: no result (exit %d): %s" % (server.name, scenario.label, result.returncode,
                                              (result.stderr or result.stdout).strip()[-500:]))
    return None


def fanout(opts, petrel, redis, deadline):
    """Returns {scenario label: {"petrel": [RESULT dicts], "redis": [...], "ratios": [...]}}
    for the pub/sub fan-out scenarios, servers alternating as in throughput()."""
    results = {s.label: {"petrel": [], "redis": [], "ratios": []} for s in FANOUT_SCENARIOS}
    if opts.warmup:
        log("fan-out warm-up (not recorded)")
        for server in (petrel, redis):
            run_fanout(opts, server, FanoutScenario("warm-up", 10, 0, 20000))
    for rnd in range(opts.rounds):
        if time.monotonic() > deadline:
            log("time budget used up; stopping fan-out after %d round(s)" % rnd)
            break
        log("fan-out round %d/%d" % (rnd + 1, opts.rounds))
        for index, scenario in enumerate(FANOUT_SCENARIOS):
            order = [("petrel", petrel), ("redis", redis)]
            if (rnd + index) % 2 == 1:
                order.reverse()
            got = {}
            for key, server in order:
                got[key] = run_fanout(opts, server, scenario)
            entry = results[scenario.label]
            for key in ("petrel", "redis"):
                if got[key] is not None:
                    entry[key].append(got[key])
            if got["petrel"] and got["redis"] and float(got["redis"]["delivered_per_sec"]) > 0:
                entry["ratios"].append(float(got["petrel"]["delivered_per_sec"])
                                       / float(got["redis"]["delivered_per_sec"]))
            log("  %-31s petrel %s  redis %s" % (scenario.label, fmt_fanout(got["petrel"]),
                                                 fmt_fanout(got["redis"])))
    return results


def fmt_fanout(fields):
    if not fields:
        return "%30s" % "n/a"
    return "%12s/s p50 %6s p99 %6s us" % (fmt_rate(float(fields["delivered_per_sec"])),
                                         fields["p50_us"], fields["p99_us"])


def fanout_median(runs, field):
    values = [float(r[field]) for r in runs]
    return statistics.median(values) if values else None


# --- Memory ------------------------------------------------------------------------------------


def mass_insert_payload(keys):
    parts = []
    for n in range(keys):
        k = b"key:%d" % n
        v = b"val:%d" % n
        parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    return b"".join(parts)


def hash_memory_payload(hashes, fields, per_command=100):
    """`hashes` hashes `hash:<n>` of `fields` fields `field:<i>` -> `value:<i>`, written with
    HSET commands of at most `per_command` fields each (so a big hash grows the way an
    application would fill it, converting from listpack to hashtable on the way)."""
    parts = []
    for n in range(hashes):
        key = "hash:%d" % n
        for start in range(0, fields, per_command):
            args = ["HSET", key]
            for i in range(start, min(start + per_command, fields)):
                args += ["field:%d" % i, "value:%d" % i]
            parts.append(resp_command(*args))
    return b"".join(parts)


class MemoryTest:
    """One memory measurement: what is loaded, and what the RSS growth is divided by."""

    def __init__(self, name, title, keys, units, unit_name, payload_fn, check=None):
        self.name = name
        self.title = title
        self.keys = keys              # DBSIZE expected once everything is loaded
        self.units = units            # the RSS growth is reported per key or per field
        self.unit_name = unit_name    # "key" or "field"
        self.payload_fn = payload_fn
        self.check = check            # optional (command args, expected reply) after loading


def memory_tests(opts):
    """The memory tests selected by --memory-tests, sized by the options."""
    tests = {
        "strings": MemoryTest(
            "strings", "%s keys `key:<n>` → `val:<n>`" % "{:,}".format(opts.keys),
            opts.keys, opts.keys, "key", lambda: mass_insert_payload(opts.keys)),
        "hashes10": MemoryTest(
            "hashes10", "%s hashes `hash:<n>` of 10 fields `field:<i>` → `value:<i>`"
            % "{:,}".format(opts.small_hashes),
            opts.small_hashes, opts.small_hashes * 10, "field",
            lambda: hash_memory_payload(opts.small_hashes, 10),
            (("HLEN", "hash:%d" % (opts.small_hashes - 1)), 10)),
        "hashes1000": MemoryTest(
            "hashes1000", "%s hashes `hash:<n>` of %s fields `field:<i>` → `value:<i>`"
            % ("{:,}".format(opts.large_hashes), "{:,}".format(opts.large_fields)),
            opts.large_hashes, opts.large_hashes * opts.large_fields, "field",
            lambda: hash_memory_payload(opts.large_hashes, opts.large_fields),
            (("HLEN", "hash:%d" % (opts.large_hashes - 1)), opts.large_fields)),
    }
    return [tests[name] for name in opts.memory_tests]


def memory(opts, name, binary, workdir, payload, test):
    """Starts a fresh server, loads the test's data, returns (rss_before, rss_after) or None."""
    server = Server(name, binary, workdir).start()
    try:
        before = server.rss()
        if not pipe_load(opts, server, payload, test.name):
            return None
        dbsize = None
        wait_until = time.monotonic() + 120
        with Client(server.port, timeout=30) as c:
            while time.monotonic() < wait_until:
                dbsize = c.call("DBSIZE")
                if dbsize == test.keys:
                    break
                time.sleep(0.1)
            if dbsize != test.keys:
                log("  %s: DBSIZE is %r, expected %d" % (name, dbsize, test.keys))
                return None
            if test.check:
                args, expected = test.check
                got = c.call(*args)
                if got != expected:
                    log("  %s: %s replied %r, expected %r" % (name, " ".join(args), got,
                                                             expected))
                    return None
        return before, server.rss()
    finally:
        server.stop()


# --- Report ------------------------------------------------------------------------------------


def fmt_rate(value):
    return "n/a" if value is None else "{:,.0f}".format(value)


def fmt_ratio(values):
    return "n/a" if not values else "%.2f" % statistics.median(values)


def command_output(args):
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def cpu_model():
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def build_type(binary):
    cache = Path(binary).resolve().parent / "CMakeCache.txt"
    with contextlib.suppress(OSError):
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1] or "(empty)"
    return "unknown"


def report(opts, results, mem, fan=None):
    lines = []
    lines.append("Run %s on %s, %d CPUs, Linux %s." % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), cpu_model(), os.cpu_count() or 0,
        platform.release()))
    lines.append("Petrel: `%s` (%s build); Redis: `%s`." % (
        command_output([opts.petrel, "--version"]), build_type(opts.petrel),
        command_output([opts.redis, "--version"])))
    if results:
        lines.append("")
        lines.append("redis-benchmark -c %d -n %d -r %d, %d round(s), servers alternating."
                     % (opts.clients, opts.requests, opts.keyspace, opts.rounds))
        lines.append("Requests/s are medians over rounds; the ratio is the median of the "
                     "per-round ratios Petrel/Redis.")
        for group in GROUPS:
            rows = [(test, pipeline, entry) for (test, pipeline), entry in results.items()
                    if test.group == group]
            if not rows:
                continue
            lines.append("")
            if group == "pubsub":
                lines.append("Pub/sub: PUBLISH to a channel nobody subscribes to (custom "
                             "command `PUBLISH bench:nobody hello`).")
                lines.append("")
            if group == "hashes":
                lines.append("Hashes: HSET writes random fields of one hash (redis-benchmark's "
                             "own test) and HGET reads them; HINCRBY and HGETALL use %s hashes "
                             "of %d fields. All keys were pre-populated."
                             % ("{:,}".format(opts.keyspace), SMALL_HASH_FIELDS))
                lines.append("")
            lines.append("| Test | -P | Petrel req/s | Redis req/s | Petrel/Redis | Ratio range |")
            lines.append("|---|---:|---:|---:|---:|---:|")
            for test, pipeline, entry in rows:
                p = statistics.median(entry["petrel"]) if entry["petrel"] else None
                r = statistics.median(entry["redis"]) if entry["redis"] else None
                rng = ("%.2f–%.2f" % (min(entry["ratios"]), max(entry["ratios"]))
                       if entry["ratios"] else "n/a")
                lines.append("| %s | %d | %s | %s | %s | %s |" % (
                    test.label, pipeline, fmt_rate(p), fmt_rate(r), fmt_ratio(entry["ratios"]),
                    rng))
    if fan:
        lines.append("")
        lines.append("Pub/sub fan-out: `petrel-fanout-bench`, one publisher, %d-byte payloads, "
                     "at most %d messages in flight, %d round(s), servers alternating. "
                     "Delivered messages/s and latencies are medians over rounds; the ratio is "
                     "the median of the per-round ratios of delivered messages/s."
                     % (opts.fanout_payload, opts.fanout_window, opts.rounds))
        lines.append("")
        lines.append("| Scenario | Petrel delivered/s | Redis delivered/s | Petrel/Redis "
                     "| Ratio range | Petrel p50 / p99 µs | Redis p50 / p99 µs |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for scenario in FANOUT_SCENARIOS:
            entry = fan[scenario.label]
            cells = {}
            for name in ("petrel", "redis"):
                runs = entry[name]
                if runs:
                    cells[name] = (fmt_rate(fanout_median(runs, "delivered_per_sec")),
                                   "%.0f / %.0f" % (fanout_median(runs, "p50_us"),
                                                    fanout_median(runs, "p99_us")))
                else:
                    cells[name] = ("n/a", "n/a")
            rng = ("%.2f–%.2f" % (min(entry["ratios"]), max(entry["ratios"]))
                   if entry["ratios"] else "n/a")
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                scenario.label, cells["petrel"][0], cells["redis"][0],
                fmt_ratio(entry["ratios"]), rng, cells["petrel"][1], cells["redis"][1]))
    for test, per_server in mem:
        lines.append("")
        lines.append("Memory (%s): %s loaded with `redis-cli --pipe` into a fresh server; "
                     "RSS is VmRSS." % (test.name, test.title))
        lines.append("")
        lines.append("| Server | RSS before | RSS after | RSS bytes/%s |" % test.unit_name)
        lines.append("|---|---:|---:|---:|")
        per_unit = {}
        for name in ("petrel", "redis"):
            if per_server.get(name):
                before, after = per_server[name]
                per_unit[name] = (after - before) / test.units
                lines.append("| %s | %s | %s | %.1f |" % (
                    name.capitalize(), "{:,}".format(before), "{:,}".format(after),
                    per_unit[name]))
            else:
                lines.append("| %s | n/a | n/a | n/a |" % name.capitalize())
        if len(per_unit) == 2 and per_unit["redis"] > 0:
            lines.append("")
            lines.append("Memory per %s, Petrel/Redis: **%.2f**" % (
                test.unit_name, per_unit["petrel"] / per_unit["redis"]))
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per test")
    ap.add_argument("--requests", type=int, default=200000, help="redis-benchmark -n per run")
    ap.add_argument("--quick", action="store_true",
                    help="a fast smoke run: 1 round, 20000 requests, smaller memory tests "
                         "(100000 keys, 20000 small hashes, 200 large hashes)")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    ap.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r")
    ap.add_argument("--pipelines", default="1,16", help="comma-separated -P values")
    ap.add_argument("--groups", default=",".join(DEFAULT_GROUPS),
                    help="comma-separated throughput test groups: strings, hashes, pubsub "
                         "(pubsub: PUBLISH in redis-benchmark and the fan-out program)")
    ap.add_argument("--fanout", default=None,
                    help="petrel-fanout-bench binary (default: build/bench/ or build-bench/)")
    ap.add_argument("--fanout-scale", type=float, default=1.0,
                    help="multiplies the message count of every fan-out scenario")
    ap.add_argument("--fanout-window", type=int, default=64,
                    help="fan-out: messages in flight at most (published, not yet received)")
    ap.add_argument("--fanout-payload", type=int, default=64, help="fan-out: payload bytes")
    ap.add_argument("--fanout-seconds", type=float, default=20,
                    help="fan-out: time limit of one run's measured phase")
    ap.add_argument("--memory-tests", default=",".join(MEMORY_TESTS),
                    help="comma-separated memory tests: strings, hashes10, hashes1000")
    ap.add_argument("--keys", type=int, default=1000000,
                    help="keys loaded for the strings memory test")
    ap.add_argument("--small-hashes", type=int, default=100000,
                    help="10-field hashes loaded for the hashes10 memory test")
    ap.add_argument("--large-hashes", type=int, default=1000,
                    help="hashes loaded for the hashes1000 memory test")
    ap.add_argument("--large-fields", type=int, default=1000,
                    help="fields per hash in the hashes1000 memory test")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the unrecorded warm-up pass")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--petrel", default=str(DEFAULT_PETREL), help="petrel-server binary")
    ap.add_argument("--redis", default=str(DEFAULT_REDIS), help="redis-server 7.0 binary")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    ap.add_argument("--cli", default=shutil.which("redis-cli") or "redis-cli")
    ap.add_argument("--run-timeout", type=float, default=300,
                    help="seconds allowed for one redis-benchmark run")
    ap.add_argument("--load-timeout", type=float, default=300,
                    help="seconds allowed for one redis-cli --pipe load")
    ap.add_argument("--budget", type=float, default=3600,
                    help="seconds after which no new throughput round starts")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    opts = ap.parse_args()
    if opts.quick:
        opts.rounds, opts.requests, opts.keys = 1, 20000, 100000
        opts.small_hashes, opts.large_hashes = 20000, 200
        opts.fanout_scale = min(opts.fanout_scale, 0.2)
    if opts.fanout is None:
        found = [str(p) for p in FANOUT_CANDIDATES if p.is_file()]
        opts.fanout = found[0] if found else str(FANOUT_CANDIDATES[0])
    opts.pipelines = [int(p) for p in opts.pipelines.split(",") if p]
    opts.groups = [g for g in opts.groups.split(",") if g]
    opts.memory_tests = [m for m in opts.memory_tests.split(",") if m]
    for values, known, option in ((opts.groups, GROUPS, "--groups"),
                                  (opts.memory_tests, MEMORY_TESTS, "--memory-tests")):
        unknown = [v for v in values if v not in known]
        if unknown:
            ap.error("%s: unknown %s (choose from %s)" % (option, ", ".join(unknown),
                                                          ", ".join(known)))
    for name in ("keys", "small_hashes", "large_hashes", "large_fields", "keyspace"):
        if getattr(opts, name) < 1:
            ap.error("--%s must be at least 1" % name.replace("_", "-"))
    return opts


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    opts = parse_args()
    tools = [("petrel-server", opts.petrel), ("redis-server", opts.redis),
             ("redis-benchmark", opts.benchmark), ("redis-cli", opts.cli)]
    if "pubsub" in opts.groups and not opts.skip_throughput:
        tools.append(("petrel-fanout-bench", opts.fanout))
    for label, path in tools:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            sys.exit("%s not found at %s%s" % (
                label, path, " (build Release first: see docs/benchmarks.md)"
                if label in ("petrel-server", "petrel-fanout-bench") else ""))
    if build_type(opts.petrel) not in ("Release", "unknown"):
        log("WARNING: %s is a %s build; numbers will not be representative"
            % (opts.petrel, build_type(opts.petrel)))

    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the servers get stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    results, mem, fan = None, [], None
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as workdir:
        if not opts.skip_throughput and opts.groups:
            petrel = Server("petrel", opts.petrel, workdir)
            redis = Server("redis", opts.redis, workdir)
            try:
                petrel.start()
                redis.start()
                log("petrel on port %d (pid %d), redis on port %d (pid %d)" % (
                    petrel.port, petrel.proc.pid, redis.port, redis.proc.pid))
                results = throughput(opts, petrel, redis, started + opts.budget)
                if "pubsub" in opts.groups:
                    fan = fanout(opts, petrel, redis, started + opts.budget)
            finally:
                petrel.stop()
                redis.stop()
        if not opts.skip_memory:
            for test in memory_tests(opts):
                log("memory (%s): building the data" % test.name)
                payload = test.payload_fn()
                per_server = {}
                for name, binary in (("petrel", opts.petrel), ("redis", opts.redis)):
                    log("memory (%s): %s" % (test.name, name))
                    per_server[name] = memory(opts, name, binary, workdir, payload, test)
                mem.append((test, per_server))
                del payload
    text = report(opts, results, mem, fan)
    log("done in %.0fs" % (time.monotonic() - started))
    print(text)
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(text)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; servers stopped")
