#!/usr/bin/env python3
"""Persistence benchmark of petrel-server against redis-server 7.0.

Four groups of workloads, each run on both servers in one invocation, for --rounds rounds with
the servers alternating which goes first; only one server runs at a time:

  save    fill a fresh server with `redis-cli --pipe` (data sets: 1,000,000 string keys;
          100,000 hashes of 10 fields (listpacks); 1,000 hashes of 1,000 fields (hash tables)),
          time SAVE (client round trip) and record the size of dump.rdb.
  load    restart the server on that dump.rdb, in the same directory, and time from spawning
          the process to the first PING answered +PONG (not -LOADING); also the load time the
          server logs, if it logs one ("DB loaded from disk: 0.532 seconds").
  bgsave  with the string keys loaded and `redis-benchmark -t set -r <keys> -c 50` overwriting
          them, run BGSAVE and sample every 20 ms until INFO says rdb_bgsave_in_progress:0 the
          RSS and PSS (/proc/<pid>/smaps_rollup) of the server and of its forked children.
          Reports the RSS just before BGSAVE and the peaks of the summed RSS and PSS.
  aof     SET throughput (redis-benchmark -t set -c 50) with --appendonly yes and
          --appendfsync everysec (-P 1 and -P 16) or always (-P 1).

For each metric the report gives the median over rounds of each server and the median of the
per-round ratios Petrel/Redis. A workload that fails on one server (say, SAVE is an unknown
command) is reported as "n/a: <error>" for that server; the others still run.

Reuses the server, client and benchmark helpers of bench/run_bench.py. Python standard library
only. See docs/benchmarks.md.
"""

import argparse
import contextlib
import ctypes
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_bench as rb  # noqa: E402  (the shared helpers)
from run_bench import Client, RespError, Server, log  # noqa: E402

GROUPS = ("save", "load", "bgsave", "aof")
DATASETS = ("strings", "hashes10", "hashes1000")
DEFAULT_DATASETS = DATASETS
# (label, appendfsync, pipeline)
AOF_CONFIGS = (("everysec", "everysec", 1), ("everysec", "everysec", 16),
               ("always", "always", 1))
# What a server logs when it has loaded the RDB file; Redis 7.0 prints
# "DB loaded from disk: 0.532 seconds". Also accepts "... loaded ...: 532 ms".
LOAD_LOG_RE = re.compile(r"(?i)\bloaded\b[^\n]*?[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*"
                         r"(ms|milliseconds|msec|s|sec|secs|seconds)\b")
PR_SET_CHILD_SUBREAPER = 36

# Keys are named like redis-benchmark's `key:__rand_int__` (12 digits), so its SET test with
# -r <keys> overwrites the loaded keys during BGSAVE instead of adding new ones.
STRING_KEY = "key:%012d"


# --- Data sets ---------------------------------------------------------------------------------


class Dataset:
    def __init__(self, name, title, keys, payload_fn, check):
        self.name = name
        self.title = title
        self.keys = keys              # DBSIZE once loaded
        self.payload_fn = payload_fn  # RESP for redis-cli --pipe
        self.check = check            # (command args, expected reply) after loading
        self._payload = None

    def payload(self):
        if self._payload is None:
            log("building the %s data (%s)" % (self.name, self.title))
            self._payload = self.payload_fn()
        return self._payload


def string_value(n):
    """Short values, a third of them integers (which RDB stores as integers)."""
    return b"%d" % (n * 7919 % 1000000007) if n % 3 == 0 else b"val:%07d" % n


def strings_payload(keys):
    parts = []
    for n in range(keys):
        k = (STRING_KEY % n).encode()
        v = string_value(n)
        parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    return b"".join(parts)


def hashes_payload(prefix, hashes, fields, per_command=100):
    """`hashes` hashes `<prefix><n>` of `fields` fields `f:<i>`, values alternately integers and
    short strings, written with HSETs of at most `per_command` fields (a hash of 1,000 fields
    grows past the listpack limit and converts, as an application would make it)."""
    parts = []
    for n in range(hashes):
        key = "%s%07d" % (prefix, n)
        for start in range(0, fields, per_command):
            args = ["HSET", key]
            for i in range(start, min(start + per_command, fields)):
                args += ["f:%d" % i, str(n + i) if i % 2 == 0 else "value:%d" % i]
            parts.append(rb.resp_command(*args))
    return b"".join(parts)


def datasets(opts):
    fmt = "{:,}".format
    return {
        "strings": Dataset(
            "strings", "%s string keys" % fmt(opts.keys), opts.keys,
            lambda: strings_payload(opts.keys),
            (("GET", STRING_KEY % (opts.keys - 1)), string_value(opts.keys - 1))),
        "hashes10": Dataset(
            "hashes10", "%s hashes x %d fields" % (fmt(opts.hashes), opts.hash_fields),
            opts.hashes, lambda: hashes_payload("hash:", opts.hashes, opts.hash_fields),
            (("HLEN", "hash:%07d" % (opts.hashes - 1)), opts.hash_fields)),
        "hashes1000": Dataset(
            "hashes1000", "%s hashes x %s fields" % (fmt(opts.big_hashes), fmt(opts.big_fields)),
            opts.big_hashes, lambda: hashes_payload("bighash:", opts.big_hashes, opts.big_fields),
            (("HLEN", "bighash:%07d" % (opts.big_hashes - 1)), opts.big_fields)),
    }


# --- Processes ---------------------------------------------------------------------------------


def become_subreaper():
    """Orphaned grandchildren (a server's fork child outliving it) get reparented to this
    script, so they can be found and killed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children_of(pid):
    kids = set()
    with contextlib.suppress(OSError):
        for task in os.listdir("/proc/%d/task" % pid):
            with contextlib.suppress(OSError), \
                    open("/proc/%d/task/%s/children" % (pid, task)) as f:
                kids.update(int(p) for p in f.read().split())
    return kids


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        for kid in children_of(todo.pop()):
            if kid not in found:
                found.append(kid)
                todo.append(kid)
    return found


def proc_stat(pid):
    """(state, start time) from /proc/<pid>/stat, or (None, None) if there is no such process.
    The start time tells a process from a later one that reuses its pid."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return None, None


def same_file(a, b):
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return False


def kill_processes(identities, why):
    """SIGKILLs those (pid, start time) processes still alive and reaps those that are ours."""
    for pid, started in identities:
        state, now_started = proc_stat(pid)
        if started is None or now_started != started:
            continue
        if state != "Z":
            log("  killing pid %d (%s)" % (pid, why))
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if os.getpid() == proc_ppid(pid):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)


def proc_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def running(server):
    """Starts `server`; on the way out stops it and kills any process it forked that is left."""
    try:
        server.start()
        yield server
    finally:
        kids = []
        if server.proc is not None and server.proc.poll() is None:
            kids = [(p, proc_stat(p)[1]) for p in descendants(server.proc.pid)]
        server.stop()
        # A child forked after that snapshot, orphaned by the server's exit, was reparented to
        # this script (a subreaper): it runs the server's binary.
        kids += [(p, proc_stat(p)[1]) for p in children_of(os.getpid())
                 if same_file("/proc/%d/exe" % p, server.binary)]
        kill_processes(kids, "left behind by %s" % server.name)


def stop_process(proc, timeout=10):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def memory_of(pid):
    """(Rss, Pss) in bytes from /proc/<pid>/smaps_rollup; (0, 0) if the process is gone."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


def info(client, section):
    reply = client.call("INFO", section)
    if isinstance(reply, RespError):
        raise RuntimeError("INFO %s: %s" % (section, reply))
    fields = {}
    for line in reply.decode(errors="replace").splitlines():
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def expect_ok(reply, what):
    if isinstance(reply, RespError):
        raise RuntimeError("%s: -%s" % (what, reply))
    return reply


# --- Workloads ---------------------------------------------------------------------------------
# Each returns {metric key: value} for one server and raises on any failure.


def server_args(run_dir, *extra):
    return ["--dir", str(run_dir), "--dbfilename", "dump.rdb"] + list(extra)


def fill(opts, server, data):
    if not rb.pipe_load(opts, server, data.payload(), data.name):
        raise RuntimeError("redis-cli --pipe reported errors loading %s" % data.name)
    verify(server, data, opts.load_timeout)


def verify(server, data, timeout):
    with Client(server.port, timeout=timeout) as c:
        dbsize = c.call("DBSIZE")
        if dbsize != data.keys:
            raise RuntimeError("DBSIZE is %r, expected %d" % (dbsize, data.keys))
        args, expected = data.check
        got = c.call(*args)
        if got != expected:
            raise RuntimeError("%s replied %r, expected %r" % (" ".join(args), got, expected))


def save_and_load(opts, name, binary, workdir, data, want_load):
    """SAVE a freshly filled server; optionally restart it on the dump. Returns metrics."""
    run_dir = Path(tempfile.mkdtemp(prefix="%s-%s-" % (name, data.name), dir=workdir))
    out = {}
    try:
        args = server_args(run_dir)
        with running(Server(name, binary, workdir, args, run_dir)) as server:
            fill(opts, server, data)
            with Client(server.port, timeout=opts.save_timeout) as c:
                t0 = time.monotonic()
                reply = expect_ok(c.call("SAVE"), "SAVE")
                out["save_s"] = time.monotonic() - t0
            if reply != "OK":
                raise RuntimeError("SAVE replied %r" % (reply,))
            dump = run_dir / "dump.rdb"
            if not dump.is_file():
                raise RuntimeError("SAVE replied OK but there is no %s" % dump.name)
            out["rdb_bytes"] = dump.stat().st_size
        if not want_load:
            return out
        size = dump.stat().st_size
        if size != out["rdb_bytes"]:
            log("  WARNING: %s rewrote dump.rdb on shutdown (%d -> %d bytes)"
                % (name, out["rdb_bytes"], size))
        server = Server(name, binary, workdir, args, run_dir, start_timeout=opts.start_timeout)
        server.poll_interval = 0.002
        with running(server):
            ready_s, loading_seen = wait_pong(server, opts.start_timeout)
            out["load_s"] = ready_s
            logged = logged_load_time(server.log_path)
            if logged is not None:
                out["load_logged_s"] = logged
            verify(server, data, opts.load_timeout)
            log("  %s: PONG %.3fs after spawning (-LOADING seen: %s), logged load time %s"
                % (name, ready_s, "yes" if loading_seen else "no",
                   "%.3fs" % logged if logged is not None else "none"))
        return out
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def wait_pong(server, timeout):
    """Seconds from spawning the server to its first +PONG, and whether -LOADING was seen."""
    loading_seen = False
    deadline = server.started_at + timeout
    with Client(server.port, timeout=timeout) as c:
        while True:
            reply = c.call("PING")
            now = time.monotonic()
            if reply == "PONG":
                return now - server.started_at, loading_seen
            if isinstance(reply, RespError) and str(reply).startswith("LOADING"):
                loading_seen = True
            else:
                raise RuntimeError("PING replied %r while loading" % (reply,))
            if now > deadline:
                raise RuntimeError("still -LOADING after %ss" % timeout)
            time.sleep(0.002)


def logged_load_time(path):
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            m = LOAD_LOG_RE.search(line)
            if m:
                value = float(m.group(1))
                return value / 1000 if m.group(2).lower().startswith("m") else value
    return None


def bgsave(opts, name, binary, workdir, data):
    """Peak memory of server + forked children during BGSAVE under a SET load."""
    run_dir = Path(tempfile.mkdtemp(prefix="%s-bgsave-" % name, dir=workdir))
    bench = None
    out = {}
    try:
        with running(Server(name, binary, workdir, server_args(run_dir), run_dir)) as server:
            fill(opts, server, data)
            pid = server.proc.pid
            cmd = [opts.benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c",
                   str(opts.clients), "-n", str(opts.bgsave_requests), "-r", str(opts.keys),
                   "-P", "1", "-t", "set", "-q"]
            bench = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=rb._die_with_parent)
            time.sleep(opts.bgsave_warmup)
            if bench.poll() is not None:
                raise RuntimeError("redis-benchmark exited early: %s"
                                   % bench.stderr.read().decode(errors="replace")[-300:])
            with Client(server.port, timeout=30) as c:
                stats0 = info(c, "stats")
                out["baseline_rss"], out["baseline_pss"] = memory_of(pid)
                t0 = time.monotonic()
                reply = expect_ok(c.call("BGSAVE"), "BGSAVE")
                if not (isinstance(reply, str) and "started" in reply.lower()):
                    raise RuntimeError("BGSAVE replied %r" % (reply,))
                peak_rss = peak_pss = 0
                max_children = 0
                samples = 0
                deadline = t0 + opts.bgsave_timeout
                while True:
                    tick = time.monotonic()
                    kids = descendants(pid)
                    max_children = max(max_children, len(kids))
                    rss = pss = 0
                    for p in [pid] + kids:
                        r, s = memory_of(p)
                        rss += r
                        pss += s
                    peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
                    samples += 1
                    persistence = info(c, "persistence")
                    if "rdb_bgsave_in_progress" not in persistence:
                        raise RuntimeError("INFO persistence has no rdb_bgsave_in_progress")
                    if persistence["rdb_bgsave_in_progress"] == "0":
                        break
                    if tick > deadline:
                        raise RuntimeError("BGSAVE still in progress after %ss"
                                           % opts.bgsave_timeout)
                    time.sleep(max(0.0, opts.sample_interval - (time.monotonic() - tick)))
                out["bgsave_s"] = time.monotonic() - t0
                stats1 = info(c, "stats")
                if persistence.get("rdb_last_bgsave_status", "ok") != "ok":
                    raise RuntimeError("rdb_last_bgsave_status:%s"
                                       % persistence["rdb_last_bgsave_status"])
            if bench.poll() is not None:
                log("  WARNING: %s: the SET load ended before BGSAVE did; raise "
                    "--bgsave-requests" % name)
            out["peak_rss"], out["peak_pss"] = peak_rss, peak_pss
            out["peak_pss_growth"] = peak_pss - out["baseline_pss"]
            with contextlib.suppress(KeyError, ValueError):
                commands = (int(stats1["total_commands_processed"])
                            - int(stats0["total_commands_processed"]))
                out["bgsave_ops"] = commands / out["bgsave_s"]
            with contextlib.suppress(KeyError, ValueError):
                if int(stats1["latest_fork_usec"]) > 0:
                    out["fork_ms"] = int(stats1["latest_fork_usec"]) / 1000
            dump = run_dir / "dump.rdb"
            if not dump.is_file() or dump.stat().st_size == 0:
                raise RuntimeError("BGSAVE finished but left no dump.rdb")
            log("  %s: BGSAVE %.2fs, %d samples, up to %d child process(es), peak RSS %s, "
                "peak PSS %s (baseline RSS %s)"
                % (name, out["bgsave_s"], samples, max_children, mib(peak_rss), mib(peak_pss),
                   mib(out["baseline_rss"])))
            stop_process(bench)
        return out
    finally:
        if bench is not None:
            stop_process(bench)
            bench.stderr.close()
        shutil.rmtree(run_dir, ignore_errors=True)


AOF_TEST = rb.Test("aof", "SET", builtin="set", csv_name="SET")


def aof(opts, name, binary, workdir, fsync, pipeline):
    """SET requests/s of a fresh server with the AOF on."""
    run_dir = Path(tempfile.mkdtemp(prefix="%s-aof-" % name, dir=workdir))
    try:
        args = server_args(run_dir, "--appendonly", "yes", "--appendfsync", fsync)
        with running(Server(name, binary, workdir, args, run_dir)) as server:
            with Client(server.port) as c:
                persistence = info(c, "persistence")
                policy = c.call("CONFIG", "GET", "appendfsync")
            if persistence.get("aof_enabled") != "1":
                raise RuntimeError("INFO persistence says aof_enabled:%s"
                                   % persistence.get("aof_enabled", "(missing)"))
            if isinstance(policy, list) and len(policy) == 2 and policy[1] != fsync.encode():
                raise RuntimeError("CONFIG GET appendfsync is %r" % (policy[1],))
            before = aof_bytes(run_dir)
            rps = rb.run_benchmark(opts, server, AOF_TEST, pipeline, opts.aof_requests)
            if rps is None:
                raise RuntimeError("redis-benchmark gave no result")
            # Each SET of redis-benchmark is at least 30 bytes of RESP in the AOF. Allow a
            # server that writes (not just fsyncs) once a second to catch up.
            expected = 30 * opts.aof_requests
            wait_until = time.monotonic() + 2.5
            written = aof_bytes(run_dir) - before
            while written < expected and time.monotonic() < wait_until:
                time.sleep(0.1)
                written = aof_bytes(run_dir) - before
            if written < expected:
                raise RuntimeError("only %d bytes were appended to the AOF for %d SETs"
                                   % (written, opts.aof_requests))
        return {"rps": rps}
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def aof_bytes(run_dir):
    total = 0
    for path in run_dir.rglob("*.aof"):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


# --- Rounds ------------------------------------------------------------------------------------


class Metric:
    def __init__(self, group, key, label, unit, better):
        self.group, self.key, self.label, self.unit, self.better = group, key, label, unit, better
        self.values = {"petrel": [], "redis": []}
        self.errors = {"petrel": [], "redis": []}
        self.ratios = []

    def record(self, got):
        """`got`: {"petrel": value or Exception, "redis": ...} of one round."""
        for name, value in got.items():
            if isinstance(value, Exception):
                self.errors[name].append(error_text(value))
            elif value is not None:
                self.values[name].append(value)
        p, r = got.get("petrel"), got.get("redis")
        if isinstance(p, (int, float)) and isinstance(r, (int, float)) and r > 0:
            self.ratios.append(p / r)

    def median(self, name):
        return statistics.median(self.values[name]) if self.values[name] else None


def error_text(exc):
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def run_pair(rnd, index, opts, fn):
    """Runs fn(name, binary) for both servers, alternating which goes first; returns
    {"petrel": result or Exception, "redis": ...}."""
    order = [("petrel", opts.petrel), ("redis", opts.redis)]
    if (rnd + index) % 2 == 1:
        order.reverse()
    got = {}
    for name, binary in order:
        try:
            got[name] = fn(name, binary)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # one failing workload must not stop the others
            log("  %s: n/a: %s" % (name, error_text(exc)))
            got[name] = exc
    return got


def split(got, key):
    """The value of `key` for each server, the exception if the workload failed, or None."""
    return {name: (value if isinstance(value, Exception) else value.get(key))
            for name, value in got.items()}


def run_all(opts, workdir):
    sets = datasets(opts)
    metrics = {}

    def metric(group, key, label, unit, better):
        if (group, key, label) not in metrics:
            metrics[(group, key, label)] = Metric(group, key, label, unit, better)
        return metrics[(group, key, label)]

    deadline = time.monotonic() + opts.budget
    for rnd in range(opts.rounds):
        if rnd and time.monotonic() > deadline:
            log("time budget used up; stopping after %d round(s)" % rnd)
            break
        log("round %d/%d" % (rnd + 1, opts.rounds))
        index = 0
        if "save" in opts.groups or "load" in opts.groups:
            for ds in opts.datasets:
                data = sets[ds]
                log("save/load %s" % data.title)
                got = run_pair(rnd, index, opts, lambda name, binary: save_and_load(
                    opts, name, binary, workdir, data, "load" in opts.groups))
                index += 1
                if "save" in opts.groups:
                    metric("save", "save_s", "SAVE time, %s" % data.title, "s", "lower") \
                        .record(split(got, "save_s"))
                    metric("save", "rdb_bytes", "dump.rdb size, %s" % data.title, "bytes",
                           "lower").record(split(got, "rdb_bytes"))
                if "load" in opts.groups:
                    metric("load", "load_s", "Load: spawn to first PONG, %s" % data.title, "s",
                           "lower").record(split(got, "load_s"))
                    metric("load", "load_logged_s", "Load time in server log, %s" % data.title,
                           "s", "lower").record(split(got, "load_logged_s"))
        if "bgsave" in opts.groups:
            data = sets["strings"]
            log("bgsave under SET load, %s" % data.title)
            got = run_pair(rnd, index, opts,
                           lambda name, binary: bgsave(opts, name, binary, workdir, data))
            index += 1
            for key, label, unit, better in (
                    ("baseline_rss", "RSS before BGSAVE", "bytes", "lower"),
                    ("peak_rss", "Peak RSS, server + children", "bytes", "lower"),
                    ("peak_pss", "Peak PSS, server + children", "bytes", "lower"),
                    ("peak_pss_growth", "Peak PSS growth over baseline", "bytes", "lower"),
                    ("bgsave_s", "BGSAVE duration", "s", "lower"),
                    ("fork_ms", "fork() time (INFO latest_fork_usec)", "ms", "lower"),
                    ("bgsave_ops", "Commands/s during BGSAVE", "ops", "higher")):
                metric("bgsave", key, label, unit, better).record(split(got, key))
        if "aof" in opts.groups:
            for label, fsync, pipeline in AOF_CONFIGS:
                log("aof %s -P %d" % (fsync, pipeline))
                got = run_pair(rnd, index, opts, lambda name, binary: aof(
                    opts, name, binary, workdir, fsync, pipeline))
                index += 1
                metric("aof", "rps", "SET, appendfsync %s, -P %d" % (label, pipeline), "req/s",
                       "higher").record(split(got, "rps"))
    # A metric no server produced without error (say, no load time logged by either) is noise.
    return [m for m in metrics.values()
            if m.values["petrel"] or m.values["redis"] or m.errors["petrel"] or m.errors["redis"]]


# --- Report ------------------------------------------------------------------------------------


def mib(value):
    return "%.1f MiB" % (value / 1048576)


def fmt_value(metric, value):
    if metric.unit == "s":
        return "%.3f s" % value
    if metric.unit == "ms":
        return "%.2f ms" % value
    if metric.unit == "bytes":
        return mib(value)
    return "{:,.0f}".format(value)


def cell(metric, name, fmt=fmt_value):
    value = metric.median(name)
    if value is not None:
        text = fmt(metric, value)
        if metric.errors[name]:
            text += " (%d failed)" % len(metric.errors[name])
        return text
    if metric.errors[name]:
        return "n/a: " + metric.errors[name][0].replace("|", "\\|")[:160]
    return "n/a"


def markdown_report(opts, metrics, description, better, fmt=fmt_value):
    """The run's header (date, machine, both binaries), `description`, and one table row per
    metric; `better` says which way each kind of figure is better. Shared with the replication
    benchmark."""
    lines = []
    lines.append("Run %s on %s, %d CPUs, Linux %s." % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), rb.cpu_model(),
        os.cpu_count() or 0, platform.release()))
    lines.append("Petrel: `%s` (`%s`, %s build); Redis: `%s` (`%s`)." % (
        rb.command_output([opts.petrel, "--version"]), opts.petrel, rb.build_type(opts.petrel),
        rb.command_output([opts.redis, "--version"]), opts.redis))
    lines.append("")
    lines.append(description)
    lines.append("")
    lines.append("| Metric | Petrel | Redis | Petrel/Redis (%s) | Ratio range |" % better)
    lines.append("|---|---:|---:|---:|---:|")
    for m in metrics:
        rng = ("%.2f–%.2f" % (min(m.ratios), max(m.ratios))) if m.ratios else "n/a"
        lines.append("| %s | %s | %s | %s | %s |" % (
            m.label, cell(m, "petrel", fmt), cell(m, "redis", fmt), rb.fmt_ratio(m.ratios), rng))
    return "\n".join(lines) + "\n"


def report(opts, metrics):
    description = ("%d round(s), servers alternating, one server running at a time; data in "
                   "`%s`. Values are medians over rounds; the ratio is the median of the "
                   "per-round ratios Petrel/Redis. Strings: `key:<12 digits>`; SET load: "
                   "`redis-benchmark -t set -r %d -c %d`."
                   % (opts.rounds, opts.tmpdir, opts.keys, opts.clients))
    return markdown_report(opts, metrics, description,
                           "times, sizes, memory: lower is better; req/s: higher is better")


def to_json(opts, metrics):
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "petrel": opts.petrel, "redis": opts.redis, "rounds": opts.rounds, "keys": opts.keys,
        "hashes": opts.hashes, "hash_fields": opts.hash_fields, "big_hashes": opts.big_hashes,
        "big_fields": opts.big_fields, "groups": opts.groups, "datasets": opts.datasets,
        "metrics": [{
            "group": m.group, "key": m.key, "label": m.label, "unit": m.unit,
            "better": m.better,
            "petrel": {"values": m.values["petrel"], "median": m.median("petrel"),
                       "errors": m.errors["petrel"]},
            "redis": {"values": m.values["redis"], "median": m.median("redis"),
                      "errors": m.errors["redis"]},
            "ratios": m.ratios,
            "ratio_median": statistics.median(m.ratios) if m.ratios else None,
        } for m in metrics],
    }


# --- Main --------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    ap.add_argument("--groups", default=",".join(GROUPS),
                    help="comma-separated workloads: save, load, bgsave, aof")
    ap.add_argument("--datasets", default=",".join(DEFAULT_DATASETS),
                    help="data sets for save/load: strings, hashes10, hashes1000")
    ap.add_argument("--keys", type=int, default=1000000,
                    help="string keys (save/load strings, bgsave; also the SET -r)")
    ap.add_argument("--hashes", type=int, default=None,
                    help="hashes in the hashes10 data set (default: keys / 10)")
    ap.add_argument("--hash-fields", type=int, default=10, help="fields per hashes10 hash")
    ap.add_argument("--big-hashes", type=int, default=None,
                    help="hashes in the hashes1000 data set (default: keys / 1000)")
    ap.add_argument("--big-fields", type=int, default=1000, help="fields per hashes1000 hash")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    ap.add_argument("--aof-requests", type=int, default=200000,
                    help="redis-benchmark -n of each AOF run")
    ap.add_argument("--bgsave-requests", type=int, default=5000000,
                    help="redis-benchmark -n of the SET load during BGSAVE (it is stopped "
                         "once BGSAVE is done)")
    ap.add_argument("--bgsave-warmup", type=float, default=1.0,
                    help="seconds of SET load before BGSAVE")
    ap.add_argument("--sample-interval", type=float, default=0.02,
                    help="seconds between memory samples during BGSAVE")
    ap.add_argument("--petrel", default=str(rb.DEFAULT_PETREL), help="petrel-server binary")
    ap.add_argument("--redis", default=str(rb.DEFAULT_REDIS), help="redis-server 7.0 binary")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    ap.add_argument("--cli", default=shutil.which("redis-cli") or "redis-cli")
    ap.add_argument("--tmpdir", default="/tmp",
                    help="where both servers' directories (RDB, AOF) go: one file system")
    ap.add_argument("--load-timeout", type=float, default=300,
                    help="seconds for one redis-cli --pipe fill")
    ap.add_argument("--save-timeout", type=float, default=300, help="seconds for one SAVE")
    ap.add_argument("--start-timeout", type=float, default=300,
                    help="seconds for a restart to load the dump and answer PONG")
    ap.add_argument("--bgsave-timeout", type=float, default=300,
                    help="seconds for one BGSAVE")
    ap.add_argument("--run-timeout", type=float, default=300,
                    help="seconds for one redis-benchmark run (AOF)")
    ap.add_argument("--budget", type=float, default=3600,
                    help="seconds after which no new round starts")
    ap.add_argument("--json", help="also write the results, every round's values, to this file")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    opts = ap.parse_args()
    opts.groups = [g for g in opts.groups.split(",") if g]
    opts.datasets = [d for d in opts.datasets.split(",") if d]
    for values, known, option in ((opts.groups, GROUPS, "--groups"),
                                  (opts.datasets, DATASETS, "--datasets")):
        unknown = [v for v in values if v not in known]
        if unknown:
            ap.error("%s: unknown %s (choose from %s)" % (option, ", ".join(unknown),
                                                          ", ".join(known)))
    if opts.hashes is None:
        opts.hashes = max(1, opts.keys // 10)
    if opts.big_hashes is None:
        opts.big_hashes = max(1, opts.keys // 1000)
    for name in ("rounds", "keys", "hashes", "hash_fields", "big_hashes", "big_fields",
                 "clients", "aof_requests", "bgsave_requests"):
        if getattr(opts, name) < 1:
            ap.error("--%s must be at least 1" % name.replace("_", "-"))
    # run_bench.run_benchmark() reads these:
    opts.keyspace = opts.keys
    return opts


def main():
    opts = parse_args()
    for label, path in (("petrel-server", opts.petrel), ("redis-server", opts.redis),
                        ("redis-benchmark", opts.benchmark), ("redis-cli", opts.cli)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            sys.exit("%s not found at %s" % (label, path))
    if rb.build_type(opts.petrel) not in ("Release", "unknown"):
        log("WARNING: %s is a %s build; numbers will not be representative"
            % (opts.petrel, rb.build_type(opts.petrel)))
    become_subreaper()
    signal.signal(signal.SIGTERM, rb._interrupt)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="petrel-persist-bench-", dir=opts.tmpdir) as workdir:
        metrics = run_all(opts, workdir)
    text = report(opts, metrics)
    log("done in %.0fs" % (time.monotonic() - started))
    print(text)
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(text)
    if opts.json:
        Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.json).write_text(json.dumps(to_json(opts, metrics), indent=2) + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; servers stopped")
