#!/usr/bin/env python3
"""Side-by-side benchmark of petrel-server and redis-server 7.0.

Throughput: redis-benchmark (-c 50, -r 100000) runs SET, GET, INCR, MSET, PING_INLINE and
PING_MBULK at -P 1 and -P 16 against both servers, alternating which server goes first, for
several rounds. For each test the report gives the median requests/s of each server and the
median of the per-round ratios Petrel/Redis.

Memory: each server is started fresh, its VmRSS is read, 1,000,000 small string keys are loaded
with `redis-cli --pipe`, and once DBSIZE reports them all the RSS is read again. The report gives
RSS bytes per key for each and the ratio.

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

# (redis-benchmark -t name, name in its CSV output). One test per invocation, so the two servers
# alternate test by test rather than suite by suite.
TESTS = [
    ("set", "SET"),
    ("get", "GET"),
    ("incr", "INCR"),
    ("mset", "MSET (10 keys)"),
    ("ping_inline", "PING_INLINE"),
    ("ping_mbulk", "PING_MBULK"),
]

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

    def __init__(self, name, binary, workdir):
        self.name = name
        self.binary = str(binary)
        self.workdir = Path(workdir)
        self.proc = None
        self.port = None
        self.log_path = None

    def start(self):
        attempts = []
        for attempt in range(3):
            self.port = free_port()
            run_dir = Path(tempfile.mkdtemp(prefix=self.name + "-", dir=self.workdir))
            self.log_path = run_dir / "server.log"
            args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no"]
            with open(self.log_path, "wb") as logf:
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
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self._listens() and self._answers_ping():
                return True
            time.sleep(0.02)
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


def check_commands(server):
    """Warns if a benchmarked command answers with an error (the rates would be meaningless)."""
    with Client(server.port) as c:
        for args in (("SET", "bench:check", "1"), ("GET", "bench:check"),
                     ("INCR", "bench:counter"), ("MSET", "bench:a", "1", "bench:b", "2"),
                     ("PING",)):
            reply = c.call(*args)
            if isinstance(reply, RespError):
                log("  WARNING: %s answers %s with an error: %s" % (server.name, args[0], reply))
        c.call("DEL", "bench:check", "bench:counter", "bench:a", "bench:b")


def run_benchmark(opts, server, test, pipeline, requests):
    """One redis-benchmark run; returns requests/s, or None on failure or timeout."""
    name, csv_name = test
    cmd = [opts.benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c", str(opts.clients),
           "-n", str(requests), "-r", str(opts.keyspace), "-P", str(pipeline), "-t", name, "--csv"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=opts.run_timeout,
                                preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        log("  %s %s -P %d: timed out after %ss" % (server.name, csv_name, pipeline,
                                                     opts.run_timeout))
        return None
    for row in csv.reader(io.StringIO(result.stdout)):
        if len(row) >= 2 and row[0] == csv_name:
            return float(row[1])
    log("  %s %s -P %d: no result (exit %d): %s" % (server.name, csv_name, pipeline,
                                                     result.returncode,
                                                     (result.stderr or result.stdout)[-300:]))
    return None


def throughput(opts, petrel, redis, deadline):
    """Returns {(test csv name, pipeline): {"petrel": [rps...], "redis": [...], "ratios": [...]}}."""
    for server in (petrel, redis):
        check_commands(server)
    if opts.warmup:
        log("warm-up (not recorded)")
        for server in (petrel, redis):
            for test in TESTS:
                run_benchmark(opts, server, test, 16, max(1000, opts.requests // 10))
    results = {}
    for pipeline in opts.pipelines:
        for test in TESTS:
            results[(test[1], pipeline)] = {"petrel": [], "redis": [], "ratios": []}
    for rnd in range(opts.rounds):
        if time.monotonic() > deadline:
            log("time budget used up; stopping after %d round(s)" % rnd)
            break
        log("round %d/%d" % (rnd + 1, opts.rounds))
        index = 0
        for pipeline in opts.pipelines:
            for test in TESTS:
                # Alternate who goes first, so slow drift of the machine hits both equally.
                order = [("petrel", petrel), ("redis", redis)]
                if (rnd + index) % 2 == 1:
                    order.reverse()
                index += 1
                got = {}
                for key, server in order:
                    got[key] = run_benchmark(opts, server, test, pipeline, opts.requests)
                entry = results[(test[1], pipeline)]
                for key in ("petrel", "redis"):
                    if got[key] is not None:
                        entry[key].append(got[key])
                if got["petrel"] and got["redis"]:
                    entry["ratios"].append(got["petrel"] / got["redis"])
                log("  %-15s -P %-2d petrel %12s  redis %12s" % (
                    test[1], pipeline, fmt_rate(got["petrel"]), fmt_rate(got["redis"])))
    return results


# --- Memory ------------------------------------------------------------------------------------


def mass_insert_payload(keys):
    parts = []
    for n in range(keys):
        k = b"key:%d" % n
        v = b"val:%d" % n
        parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    return b"".join(parts)


def memory(opts, name, binary, workdir, payload):
    """Starts a fresh server, loads opts.keys keys, returns (rss_before, rss_after) or None."""
    server = Server(name, binary, workdir).start()
    try:
        before = server.rss()
        try:
            result = subprocess.run([opts.cli, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"],
                                    input=payload, capture_output=True, timeout=opts.load_timeout,
                                    preexec_fn=_die_with_parent)
        except subprocess.TimeoutExpired:
            log("  %s: redis-cli --pipe timed out after %ss" % (name, opts.load_timeout))
            return None
        summary = result.stdout.decode(errors="replace").strip().splitlines()
        log("  %s: %s" % (name, summary[-1] if summary else "(no output from redis-cli --pipe)"))
        if result.returncode != 0 or "errors: 0," not in (summary[-1] if summary else ""):
            log("  %s: mass insertion failed: %s" % (name, result.stderr.decode(errors="replace")))
            return None
        dbsize = None
        wait_until = time.monotonic() + 120
        with Client(server.port, timeout=10) as c:
            while time.monotonic() < wait_until:
                dbsize = c.call("DBSIZE")
                if dbsize == opts.keys:
                    break
                time.sleep(0.1)
        if dbsize != opts.keys:
            log("  %s: DBSIZE is %r, expected %d" % (name, dbsize, opts.keys))
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


def report(opts, results, mem):
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
        lines.append("")
        lines.append("| Test | -P | Petrel req/s | Redis req/s | Petrel/Redis | Ratio range |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for (test, pipeline), entry in results.items():
            p = statistics.median(entry["petrel"]) if entry["petrel"] else None
            r = statistics.median(entry["redis"]) if entry["redis"] else None
            rng = ("%.2f–%.2f" % (min(entry["ratios"]), max(entry["ratios"]))
                   if entry["ratios"] else "n/a")
            lines.append("| %s | %d | %s | %s | %s | %s |" % (
                test, pipeline, fmt_rate(p), fmt_rate(r), fmt_ratio(entry["ratios"]), rng))
    if mem:
        lines.append("")
        lines.append("Memory: %s keys `key:<n>` → `val:<n>` loaded with `redis-cli --pipe` "
                     "into a fresh server; RSS is VmRSS." % "{:,}".format(opts.keys))
        lines.append("")
        lines.append("| Server | RSS before | RSS after | RSS bytes/key |")
        lines.append("|---|---:|---:|---:|")
        per_key = {}
        for name in ("petrel", "redis"):
            if mem.get(name):
                before, after = mem[name]
                per_key[name] = (after - before) / opts.keys
                lines.append("| %s | %s | %s | %.1f |" % (
                    name.capitalize(), "{:,}".format(before), "{:,}".format(after),
                    per_key[name]))
            else:
                lines.append("| %s | n/a | n/a | n/a |" % name.capitalize())
        if len(per_key) == 2 and per_key["redis"] > 0:
            lines.append("")
            lines.append("Memory per key, Petrel/Redis: **%.2f**" % (
                per_key["petrel"] / per_key["redis"]))
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per test")
    ap.add_argument("--requests", type=int, default=200000, help="redis-benchmark -n per run")
    ap.add_argument("--quick", action="store_true",
                    help="a fast smoke run: 1 round, 20000 requests, 100000 keys")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    ap.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r")
    ap.add_argument("--pipelines", default="1,16", help="comma-separated -P values")
    ap.add_argument("--keys", type=int, default=1000000, help="keys loaded for the memory test")
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
                    help="seconds allowed for loading the keys of the memory test")
    ap.add_argument("--budget", type=float, default=3600,
                    help="seconds after which no new throughput round starts")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    opts = ap.parse_args()
    if opts.quick:
        opts.rounds, opts.requests, opts.keys = 1, 20000, 100000
    opts.pipelines = [int(p) for p in opts.pipelines.split(",") if p]
    return opts


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    opts = parse_args()
    for label, path in (("petrel-server", opts.petrel), ("redis-server", opts.redis),
                        ("redis-benchmark", opts.benchmark), ("redis-cli", opts.cli)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            sys.exit("%s not found at %s%s" % (
                label, path, " (build Release first: see docs/benchmarks.md)"
                if label == "petrel-server" else ""))
    if build_type(opts.petrel) not in ("Release", "unknown"):
        log("WARNING: %s is a %s build; numbers will not be representative"
            % (opts.petrel, build_type(opts.petrel)))

    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the servers get stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    results, mem = None, {}
    with tempfile.TemporaryDirectory(prefix="petrel-bench-") as workdir:
        if not opts.skip_throughput:
            petrel = Server("petrel", opts.petrel, workdir)
            redis = Server("redis", opts.redis, workdir)
            try:
                petrel.start()
                redis.start()
                log("petrel on port %d (pid %d), redis on port %d (pid %d)" % (
                    petrel.port, petrel.proc.pid, redis.port, redis.proc.pid))
                results = throughput(opts, petrel, redis, started + opts.budget)
            finally:
                petrel.stop()
                redis.stop()
        if not opts.skip_memory:
            log("memory: building %d SET commands" % opts.keys)
            payload = mass_insert_payload(opts.keys)
            for name, binary in (("petrel", opts.petrel), ("redis", opts.redis)):
                log("memory: %s" % name)
                mem[name] = memory(opts, name, binary, workdir, payload)
    text = report(opts, results, mem)
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
