#!/usr/bin/env python3
"""Replication benchmark of petrel-server against redis-server 7.0.

Each workload runs with a primary and replicas of one kind, Petrel (Petrel primary, Petrel
replicas) or Redis, for --rounds rounds, the two kinds alternating which goes first; only one
kind runs at a time, each server fresh in its own directory:

  fullsync    fill a primary with --keys string keys (`redis-cli --pipe`), start an empty
              replica, send it `REPLICAOF 127.0.0.1 <primary>` and time from sending it to the
              first `INFO replication` (polled every 5 ms) that says master_link_status:up for
              that primary. Two modes: diskless (`repl-diskless-sync yes`) and disk-based
              (`repl-diskless-sync no`), both with `repl-diskless-sync-delay 0`. The replica's
              DBSIZE and one GET are checked afterwards.
  throughput  `redis-benchmark -t set -c 50 -r <keyspace> -n <requests>` at -P 1 and -P 16 on a
              primary with 0, 1 and 2 replicas attached (link up before the run). Afterwards the
              replicas must catch up (their slave_repl_offset reaches the primary's
              master_repl_offset) and hold the primary's DBSIZE.
  lag         a primary with --lag-replicas (1) replicas under `redis-benchmark -t set -c 50
              -P 1 -l`, probed for --lag-seconds (10). Every 10 ms a probe SETs bench:lag:probe
              to a sequence number on the primary and, once the primary has acknowledged it,
              GETs the key from every replica until all of them return that number: the time
              from the acknowledgement to the last replica's read is one lag sample (how stale a
              read from a replica can be). Before each probe the primary's master_repl_offset
              and then each replica's slave_repl_offset are read (INFO replication): the largest
              difference (at least 0) is one "bytes behind" sample. Reports p50 and p99 of both.
              (--lag-pipelines 1,16 adds a -P 16 load; on 2 cores it starves the replica of CPU
              and the lag then swings by orders of magnitude from run to run.)

For each metric the report gives the median over rounds for each kind and the median of the
per-round ratios Petrel/Redis. A workload that fails on one kind (REPLICAOF unknown, a link that
never comes up, an unknown option) is reported as "n/a: <error>" in its cell; the others run.

Reuses the server, client and benchmark helpers of bench/run_bench.py and the process and
metric helpers of bench/run_persistence_bench.py. Python standard library only. See
docs/benchmarks.md.
"""

import argparse
import contextlib
import datetime
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_bench as rb  # noqa: E402  (server, client, redis-benchmark helpers)
import run_persistence_bench as rpb  # noqa: E402  (processes, INFO, metrics, alternation)
from run_bench import Client, RespError, Server, log  # noqa: E402

GROUPS = ("fullsync", "throughput", "lag")
SYNC_MODES = ("diskless", "disk")
SET_TEST = rb.Test("replication", "SET", builtin="set", csv_name="SET")
LAG_KEY = "bench:lag:probe"
POLL_INTERVAL = 0.005   # seconds between INFO polls while waiting for a link


# --- Topologies --------------------------------------------------------------------------------


def repl_args(mode="diskless"):
    return ["--repl-diskless-sync", "yes" if mode == "diskless" else "no",
            "--repl-diskless-sync-delay", "0"]


@contextlib.contextmanager
def topology(opts, name, binary, workdir, replicas, primary_args=(), replica_args=()):
    """A fresh primary and `replicas` fresh (not yet attached) servers of one kind, each in its
    own directory. On the way out the replicas stop before their primary, then any process one
    of them forked (a BGSAVE child for a disk-based sync) is killed and the directories go.
    (run_persistence_bench.running() is for one server at a time: it would take the other
    servers of the topology, still running, for orphans.)"""
    servers, dirs = [], []

    def server(role, args):
        run_dir = Path(tempfile.mkdtemp(prefix="%s-%s-" % (name, role), dir=workdir))
        dirs.append(run_dir)
        srv = Server("%s %s" % (name, role), binary, workdir, rpb.server_args(run_dir, *args),
                     run_dir, start_timeout=opts.start_timeout)
        servers.append(srv)
        return srv.start()
    try:
        primary = server("primary", primary_args)
        reps = [server("replica%d" % i, replica_args) for i in range(replicas)]
        yield primary, reps
    finally:
        leftovers = []
        for srv in reversed(servers):
            if srv.proc is not None and srv.proc.poll() is None:
                leftovers += [(p, rpb.proc_stat(p)[1]) for p in rpb.descendants(srv.proc.pid)]
            srv.stop()
        # A child forked after the snapshot and orphaned by its server's exit was reparented to
        # this script (a subreaper): it runs the server's binary.
        leftovers += [(p, rpb.proc_stat(p)[1]) for p in rpb.children_of(os.getpid())
                      if rpb.same_file("/proc/%d/exe" % p, binary)]
        rpb.kill_processes(leftovers, "left behind by the %s servers" % name)
        for run_dir in dirs:
            shutil.rmtree(run_dir, ignore_errors=True)


def replication_info(server, timeout=10):
    with Client(server.port, timeout=timeout) as c:
        return rpb.info(c, "replication")


def replicaof(replica, primary):
    with Client(replica.port, timeout=10) as c:
        reply = c.call("REPLICAOF", "127.0.0.1", primary.port)
    if isinstance(reply, RespError):
        raise RuntimeError("REPLICAOF: -%s" % reply)
    if reply != "OK":
        raise RuntimeError("REPLICAOF replied %r" % (reply,))


def link_up(fields, primary):
    return (fields.get("master_link_status") == "up"
            and fields.get("master_port") == str(primary.port))


def wait_link_up(replica, primary, timeout, interval=POLL_INTERVAL):
    """Polls the replica's INFO replication until its link to `primary` is up; returns the
    time.monotonic() of the first poll that saw it."""
    deadline = time.monotonic() + timeout
    fields = {}
    with Client(replica.port, timeout=timeout) as c:
        while True:
            fields = rpb.info(c, "replication")
            now = time.monotonic()
            if link_up(fields, primary):
                return now
            if replica.proc.poll() is not None:
                raise RuntimeError("the replica exited (status %s)" % replica.proc.returncode)
            if now > deadline:
                raise RuntimeError(
                    "replica link not up after %ss (role:%s master_port:%s "
                    "master_link_status:%s master_sync_in_progress:%s)"
                    % (timeout, fields.get("role", "?"), fields.get("master_port", "?"),
                       fields.get("master_link_status", "?"),
                       fields.get("master_sync_in_progress", "?")))
            time.sleep(interval)


def attach(opts, primary, replicas):
    for r in replicas:
        replicaof(r, primary)
    for r in replicas:
        wait_link_up(r, primary, opts.sync_timeout, interval=0.02)


def replica_offset(fields):
    for key in ("slave_repl_offset", "master_repl_offset"):
        if key in fields:
            return int(fields[key])
    raise RuntimeError("INFO replication of the replica has no slave_repl_offset")


def primary_offset(fields):
    if "master_repl_offset" not in fields:
        raise RuntimeError("INFO replication of the primary has no master_repl_offset")
    return int(fields["master_repl_offset"])


def wait_caught_up(opts, primary, replicas):
    """Waits until every replica has processed the primary's whole stream and holds as many
    keys; returns the seconds it took."""
    t0 = time.monotonic()
    deadline = t0 + opts.sync_timeout
    target = primary_offset(replication_info(primary))
    with Client(primary.port) as c:
        keys = c.call("DBSIZE")
    for r in replicas:
        while True:
            fields = replication_info(r)
            if replica_offset(fields) >= target and link_up(fields, primary):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("replica %s did not catch up in %ss (offset %s of %d)"
                                   % (r.name, opts.sync_timeout, replica_offset(fields),
                                      target))
            time.sleep(0.02)
        with Client(r.port) as c:
            got = c.call("DBSIZE")
        if got != keys:
            raise RuntimeError("replica %s holds %r keys, the primary %r" % (r.name, got, keys))
    return time.monotonic() - t0


# --- Workloads ---------------------------------------------------------------------------------
# Each returns {metric key: value} for one kind and raises on any failure.


def fullsync(opts, name, binary, workdir, data, mode):
    args = repl_args(mode)
    with topology(opts, name, binary, workdir, 1, args, args) as (primary, (replica,)):
        rpb.fill(opts, primary, data)
        with Client(replica.port) as c:
            if c.call("DBSIZE") != 0:
                raise RuntimeError("the new replica is not empty")
        t0 = time.monotonic()
        replicaof(replica, primary)
        up = wait_link_up(replica, primary, opts.sync_timeout)
        elapsed = up - t0
        rpb.verify(replica, data, opts.load_timeout)
        with Client(primary.port) as c:
            stats = rpb.info(c, "stats")
        log("  %s: %s full sync of %s keys: link up after %.3fs (sync_full:%s)"
            % (name, mode, "{:,}".format(data.keys), elapsed, stats.get("sync_full", "?")))
        return {"sync_s": elapsed}


def throughput(opts, name, binary, workdir, replicas):
    args = repl_args() if replicas else []
    out = {}
    with topology(opts, name, binary, workdir, replicas, args, args) as (primary, reps):
        attach(opts, primary, reps)
        for pipeline in opts.pipelines:
            rps = rb.run_benchmark(opts, primary, SET_TEST, pipeline, opts.requests)
            if rps is None:
                raise RuntimeError("redis-benchmark gave no result (-P %d)" % pipeline)
            out["rps_p%d" % pipeline] = rps
            if reps:
                catch_up = wait_caught_up(opts, primary, reps)
                log("  %s: SET -P %d with %d replica(s): %s req/s; replicas caught up %.2fs "
                    "after the run" % (name, pipeline, replicas, rb.fmt_rate(rps), catch_up))
            else:
                log("  %s: SET -P %d without replicas: %s req/s"
                    % (name, pipeline, rb.fmt_rate(rps)))
    return out


def percentile(values, q):
    """Nearest-rank percentile of a non-empty list (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def lag(opts, name, binary, workdir, pipeline):
    args = repl_args()
    bench = None
    with topology(opts, name, binary, workdir, opts.lag_replicas, args, args) as (primary, reps):
        try:
            attach(opts, primary, reps)
            cmd = [opts.benchmark, "-h", "127.0.0.1", "-p", str(primary.port), "-c",
                   str(opts.lag_clients), "-r", str(opts.keyspace), "-P", str(pipeline),
                   "-t", "set",
                   "-n", "10000000", "-l", "-q"]
            bench = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=rb._die_with_parent)
            time.sleep(opts.lag_warmup)
            if bench.poll() is not None:
                raise RuntimeError("redis-benchmark exited early: %s"
                                   % bench.stderr.read().decode(errors="replace")[-300:])
            samples, behind, writes = probe(opts, primary, reps, bench)
            rpb.stop_process(bench)
            wait_caught_up(opts, primary, reps)
        finally:
            if bench is not None:
                rpb.stop_process(bench)
                bench.stderr.close()
    ms = [s * 1000 for s in samples]
    log("  %s: lag under SET -P %d (%d probes, %s SET/s): p50 %.3f ms, p99 %.3f ms, max %.3f "
        "ms; bytes behind p50 %d, p99 %d"
        % (name, pipeline, len(ms), rb.fmt_rate(writes), percentile(ms, 50),
           percentile(ms, 99), max(ms), percentile(behind, 50), percentile(behind, 99)))
    return {"lag_p50": percentile(ms, 50), "lag_p99": percentile(ms, 99),
            "behind_p50": percentile(behind, 50), "behind_p99": percentile(behind, 99),
            "writes": writes}


def probe(opts, primary, replicas, bench):
    """The lag probe loop (see the module docstring). Returns (lag samples in seconds, bytes
    behind samples, commands/s the primary processed meanwhile)."""
    samples, behind = [], []
    seq = 0
    pc = Client(primary.port, timeout=opts.probe_timeout)
    rcs = [Client(r.port, timeout=opts.probe_timeout) for r in replicas]
    try:
        stats0 = rpb.info(pc, "stats")
        t_start = time.monotonic()
        end = t_start + opts.lag_seconds
        next_tick = t_start
        while time.monotonic() < end:
            if bench.poll() is not None:
                raise RuntimeError("redis-benchmark stopped during the probe")
            primary_off = primary_offset(rpb.info(pc, "replication"))
            # Read one after the other, so a replica may already be past primary_off: 0.
            behind.append(max(0, max(primary_off - replica_offset(rpb.info(rc, "replication"))
                                     for rc in rcs)))
            seq += 1
            reply = pc.call("SET", LAG_KEY, seq)
            acked = time.monotonic()
            if reply != "OK":
                raise RuntimeError("SET on the primary replied %r" % (reply,))
            for rc in rcs:
                while True:
                    value = rc.call("GET", LAG_KEY)
                    if isinstance(value, RespError):
                        raise RuntimeError("GET on a replica: -%s" % value)
                    if value is not None and int(value) >= seq:
                        break
                    if time.monotonic() - acked > opts.probe_timeout:
                        raise RuntimeError("probe %d not visible on a replica %ss after the "
                                           "primary acknowledged it" % (seq, opts.probe_timeout))
            samples.append(time.monotonic() - acked)
            next_tick = max(next_tick + opts.lag_interval, time.monotonic())
            time.sleep(max(0.0, next_tick - time.monotonic()))
        stats1 = rpb.info(pc, "stats")
        elapsed = time.monotonic() - t_start
    finally:
        pc.close()
        for rc in rcs:
            rc.close()
    writes = 0.0
    with contextlib.suppress(KeyError, ValueError):
        writes = (int(stats1["total_commands_processed"])
                  - int(stats0["total_commands_processed"])) / elapsed
    if not samples:
        raise RuntimeError("no lag samples")
    return samples, behind, writes


# --- Rounds ------------------------------------------------------------------------------------


def run_all(opts, workdir):
    metrics = {}

    def metric(group, key, label, unit, better):
        if (group, key, label) not in metrics:
            metrics[(group, key, label)] = rpb.Metric(group, key, label, unit, better)
        return metrics[(group, key, label)]

    data = rpb.datasets(opts)["strings"]
    fmt = "{:,}".format
    deadline = time.monotonic() + opts.budget
    for rnd in range(opts.rounds):
        if rnd and time.monotonic() > deadline:
            log("time budget used up; stopping after %d round(s)" % rnd)
            break
        log("round %d/%d" % (rnd + 1, opts.rounds))
        index = 0
        if "fullsync" in opts.groups:
            for mode in opts.sync_modes:
                log("full sync, %s, %s keys" % (mode, fmt(data.keys)))
                got = rpb.run_pair(rnd, index, opts, lambda name, binary: fullsync(
                    opts, name, binary, workdir, data, mode))
                index += 1
                label = ("Full sync of %s keys, %s: REPLICAOF to link up"
                         % (fmt(data.keys), "diskless" if mode == "diskless" else "disk-based"))
                metric("fullsync", "sync_s", label, "s", "lower").record(
                    rpb.split(got, "sync_s"))
        if "throughput" in opts.groups:
            for count in opts.replica_counts:
                log("SET throughput with %d replica(s)" % count)
                got = rpb.run_pair(rnd, index, opts, lambda name, binary: throughput(
                    opts, name, binary, workdir, count))
                index += 1
                for pipeline in opts.pipelines:
                    metric("throughput", "rps_p%d" % pipeline,
                           "SET -P %d, %d replica%s" % (pipeline, count,
                                                        "" if count == 1 else "s"),
                           "req/s", "higher").record(rpb.split(got, "rps_p%d" % pipeline))
        if "lag" in opts.groups:
            for pipeline in opts.lag_pipelines:
                log("replication lag under SET -P %d, %d replica(s)"
                    % (pipeline, opts.lag_replicas))
                got = rpb.run_pair(rnd, index, opts, lambda name, binary: lag(
                    opts, name, binary, workdir, pipeline))
                index += 1
                load = "SET load -P %d" % pipeline
                for key, label, unit in (
                        ("lag_p50", "Lag p50, %s (ack on primary to read on replica)", "ms"),
                        ("lag_p99", "Lag p99, %s (ack on primary to read on replica)", "ms"),
                        ("behind_p50", "Bytes behind p50, %s", "kib"),
                        ("behind_p99", "Bytes behind p99, %s", "kib"),
                        ("writes", "Commands/s on the primary during the probe, %s", "ops")):
                    metric("lag", key, label % load, unit,
                           "higher" if unit == "ops" else "lower").record(rpb.split(got, key))
    return [m for m in metrics.values()
            if m.values["petrel"] or m.values["redis"] or m.errors["petrel"] or m.errors["redis"]]


# --- Report ------------------------------------------------------------------------------------


def fmt_value(metric, value):
    if metric.unit == "kib":
        return "%.1f KiB" % (value / 1024)
    if metric.unit == "ms":
        return "%.3f ms" % value
    return rpb.fmt_value(metric, value)


def report(opts, metrics):
    description = (
        "%d round(s), kinds alternating, one kind (primary and its replicas) running at a time; "
        "data in `%s`. Values are medians over rounds; the ratio is the median of the per-round "
        "ratios Petrel/Redis. Full sync: `key:<12 digits>` strings. SET: `redis-benchmark -t "
        "set -c %d -r %d -n %d`. Lag: %d replica(s), a probe every %g ms for %g s under "
        "`redis-benchmark -t set -c %d -r %d -l`."
        % (opts.rounds, opts.tmpdir, opts.clients, opts.keyspace, opts.requests,
           opts.lag_replicas, opts.lag_interval * 1000, opts.lag_seconds, opts.clients,
           opts.keyspace))
    return rpb.markdown_report(opts, metrics, description,
                               "times, lag: lower is better; req/s: higher is better", fmt_value)


def to_json(opts, metrics):
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "petrel": opts.petrel, "redis": opts.redis, "rounds": opts.rounds, "keys": opts.keys,
        "groups": opts.groups, "sync_modes": opts.sync_modes,
        "replica_counts": opts.replica_counts, "pipelines": opts.pipelines,
        "lag_pipelines": opts.lag_pipelines, "lag_replicas": opts.lag_replicas,
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


def int_list(text):
    return [int(v) for v in text.split(",") if v]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    ap.add_argument("--groups", default=",".join(GROUPS),
                    help="comma-separated workloads: fullsync, throughput, lag")
    ap.add_argument("--keys", type=int, default=1000000, help="keys on the primary (fullsync)")
    ap.add_argument("--sync-modes", default=",".join(SYNC_MODES),
                    help="full sync modes: diskless, disk")
    ap.add_argument("--replica-counts", default="0,1,2",
                    help="replicas attached in the throughput workload")
    ap.add_argument("--pipelines", default="1,16", help="redis-benchmark -P values (throughput)")
    ap.add_argument("--requests", type=int, default=200000,
                    help="redis-benchmark -n of each throughput run")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c")
    ap.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r")
    ap.add_argument("--lag-pipelines", default="1",
                    help="redis-benchmark -P values of the load during the lag probe")
    ap.add_argument("--lag-clients", type=int, default=50,
                    help="redis-benchmark -c of the load during the lag probe")
    ap.add_argument("--lag-replicas", type=int, default=1, help="replicas in the lag workload")
    ap.add_argument("--lag-seconds", type=float, default=10.0,
                    help="seconds of probing per lag run")
    ap.add_argument("--lag-interval", type=float, default=0.01,
                    help="seconds between lag probes")
    ap.add_argument("--lag-warmup", type=float, default=1.0,
                    help="seconds of load before the first probe")
    ap.add_argument("--probe-timeout", type=float, default=10.0,
                    help="seconds a probe may take to show up on the replicas")
    ap.add_argument("--petrel", default=str(rb.DEFAULT_PETREL), help="petrel-server binary")
    ap.add_argument("--redis", default=str(rb.DEFAULT_REDIS), help="redis-server 7.0 binary")
    ap.add_argument("--benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    ap.add_argument("--cli", default=shutil.which("redis-cli") or "redis-cli")
    ap.add_argument("--tmpdir", default="/tmp",
                    help="where the servers' directories go (disk-based sync writes RDB files)")
    ap.add_argument("--load-timeout", type=float, default=300,
                    help="seconds for one redis-cli --pipe fill")
    ap.add_argument("--start-timeout", type=float, default=30,
                    help="seconds for a server to start")
    ap.add_argument("--sync-timeout", type=float, default=300,
                    help="seconds for a replica's link to come up or to catch up")
    ap.add_argument("--run-timeout", type=float, default=300,
                    help="seconds for one redis-benchmark run")
    ap.add_argument("--budget", type=float, default=3600,
                    help="seconds after which no new round starts")
    ap.add_argument("--json", help="also write the results, every round's values, to this file")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    opts = ap.parse_args()
    opts.groups = [g for g in opts.groups.split(",") if g]
    opts.sync_modes = [m for m in opts.sync_modes.split(",") if m]
    for values, known, option in ((opts.groups, GROUPS, "--groups"),
                                  (opts.sync_modes, SYNC_MODES, "--sync-modes")):
        unknown = [v for v in values if v not in known]
        if unknown:
            ap.error("%s: unknown %s (choose from %s)" % (option, ", ".join(unknown),
                                                          ", ".join(known)))
    try:
        opts.replica_counts = int_list(opts.replica_counts)
        opts.pipelines = int_list(opts.pipelines)
        opts.lag_pipelines = int_list(opts.lag_pipelines)
    except ValueError as e:
        ap.error(str(e))
    if any(c < 0 for c in opts.replica_counts):
        ap.error("--replica-counts must be 0 or more")
    if any(p < 1 for p in opts.pipelines + opts.lag_pipelines):
        ap.error("pipelines must be at least 1")
    for name in ("rounds", "keys", "requests", "clients", "keyspace", "lag_clients",
                 "lag_replicas"):
        if getattr(opts, name) < 1:
            ap.error("--%s must be at least 1" % name.replace("_", "-"))
    if opts.lag_seconds <= 0 or opts.lag_interval <= 0:
        ap.error("--lag-seconds and --lag-interval must be positive")
    # run_persistence_bench.datasets() reads these (only its strings data set is used):
    opts.hashes = opts.big_hashes = 1
    opts.hash_fields = opts.big_fields = 1
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
    rpb.become_subreaper()
    signal.signal(signal.SIGTERM, rb._interrupt)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="petrel-repl-bench-", dir=opts.tmpdir) as workdir:
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
