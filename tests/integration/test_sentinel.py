#!/usr/bin/python3
"""Failover under Debian's redis-sentinel 7.0, with redis-py's Sentinel client following it.

Three data servers (petrel-server, or redis-server with PETREL_TEST_TARGET=redis) form a
primary and two replicas (REPLICAOF, `--repl-diskless-sync-delay 0`). Three redis-sentinel
processes (quorum 2; PETREL_TEST_SENTINELS=1 runs one, quorum 1) monitor the primary as
`mymaster` with `down-after-milliseconds 2000` (see DOWN_AFTER_MS), `failover-timeout 5000` and
`parallel-syncs 1`. The test then checks, each step waiting on a condition with a time limit:

  1. the topology as Sentinel sees it (INFO of the primary lists both replicas; every sentinel
     reports them and the other sentinels; the data servers hold the sentinels' named cmd and
     pubsub links and `__sentinel__:hello` subscriptions), and that a redis-py
     `redis.sentinel.Sentinel` client writes through master_for(), WAITs for both replicas and
     reads through slave_for();
  2. failover: the primary is killed with SIGKILL; SENTINEL get-master-addr-by-name moves to one
     of the replicas, whose ROLE becomes master; the other replica's INFO replication shows
     master_host/master_port of the new primary and master_link_status:up, and the new
     primary's ROLE lists it; the same redis-py clients write to the new primary (retrying
     connection errors while the switch happens), the writes from before the failover are
     there, and slave_for() reads the new writes from the remaining replica;
  3. rejoin: the old primary restarts (empty, on its old port); Sentinel turns it into a replica
     of the new primary (SLAVEOF), it syncs, and it serves the data.

Sentinel needs a writable config file (it rewrites it), so each one runs in its own temporary
directory. Everything started here is stopped at the end, sentinels first. On a failure the
logs of every sentinel and data server are printed.

What Sentinel 7.0 sends to the data servers (seen through a logging proxy; MONITOR hides
SLAVEOF, CONFIG and CLIENT KILL, and CLIENT KILL TYPE normal disconnects MONITOR clients):
  on connecting   cmd link: CLIENT SETNAME sentinel-<id8>-cmd, PING, INFO (one write);
                  pubsub link: CLIENT SETNAME sentinel-<id8>-pubsub, SUBSCRIBE __sentinel__:hello
  periodically    PING every 1 s; INFO every 10 s (1 s to the replicas during a failover);
                  PUBLISH __sentinel__:hello <ip,port,runid,epoch,master,ip,port,epoch> every 2 s
  promotion       MULTI, SLAVEOF NO ONE, CONFIG REWRITE, CLIENT KILL TYPE normal,
                  CLIENT KILL TYPE pubsub, EXEC (one write), then INFO every 1 s until role:master
  re-pointing     the same block with SLAVEOF <ip> <port>, to the other replica and, 8-10 s after
                  it comes back reporting role:master, to the old primary
It never sends ROLE (everything comes from INFO). See also ../shared/redis-protocol-facts.md
section 4.

Environment: PETREL_TEST_TARGET=redis (data servers are redis-server), PETREL_SENTINEL_BIN
(default /usr/bin/redis-sentinel), PETREL_TEST_SENTINELS (1 or 3), PETREL_SERVER_BIN.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import redis  # noqa: E402
import redis.sentinel  # noqa: E402
from redis.exceptions import ConnectionError as RedisConnectionError  # noqa: E402
from redis.exceptions import TimeoutError as RedisTimeoutError  # noqa: E402

import petrel_testlib as tl  # noqa: E402

SERVICE = "mymaster"
DEFAULT_SENTINEL_BIN = "/usr/bin/redis-sentinel"
# Not 1000: Sentinel PINGs every min(down-after, 1000) ms and counts a freshly switched-to
# primary as unanswered from the moment it starts tracking it, so with 1000 the first PONG can
# come in just after the deadline: +sdown of the new primary 1.0 s after +switch-master, and
# with one sentinel (quorum 1) a second, spurious failover (seen with redis-server).
DOWN_AFTER_MS = 2000
FAILOVER_TIMEOUT_MS = 5000
DATA_SERVER_ARGS = ["--repl-diskless-sync-delay", "0"]

# Time limits, in seconds, for the conditions waited on (generous: the machine may be busy).
SYNC_TIMEOUT = 30.0        # a replica's link up after REPLICAOF
DISCOVERY_TIMEOUT = 40.0   # sentinels know both replicas (INFO every 10 s) and each other
FAILOVER_TIMEOUT = 60.0    # kill -> the other replica re-pointed and the address switched
CLIENT_TIMEOUT = 30.0      # redis-py writes/reads succeed again
REJOIN_TIMEOUT = 60.0      # the restarted old primary is a synced replica (Sentinel waits 8 s
#                            after seeing it as a master, then waits for the next INFO)
SOCKET_TIMEOUT = 2.0
RETRYABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


def sentinel_bin():
    return os.environ.get("PETREL_SENTINEL_BIN") or DEFAULT_SENTINEL_BIN


def sentinel_count():
    count = int(os.environ.get("PETREL_TEST_SENTINELS", "3"))
    if count not in (1, 3):
        raise ValueError(f"PETREL_TEST_SENTINELS must be 1 or 3, not {count}")
    return count


def text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def info_fields(client, section="replication"):
    """INFO <section> of a RespClient as {field: value} (str)."""
    reply = client.call("INFO", section)
    if isinstance(reply, tl.RespError):
        raise AssertionError(f"INFO {section} failed: {reply.message}")
    fields = {}
    for line in text(reply).splitlines():
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def query(server, *args, timeout=SOCKET_TIMEOUT):
    """One command on a fresh connection to `server` (a Server or SentinelProcess); None if the
    connection fails, so it can be polled while the server is down or busy."""
    try:
        with tl.RespClient(server.port, timeout=timeout) as c:
            return c.call(*args)
    except (OSError, tl.ConnectionClosed, tl.ReplyTimeout):
        return None


def replication_info(server):
    try:
        with tl.RespClient(server.port, timeout=SOCKET_TIMEOUT) as c:
            return info_fields(c, "replication")
    except (OSError, tl.ConnectionClosed, tl.ReplyTimeout):
        return {}


def pairs_to_dict(flat):
    """SENTINEL MASTER / REPLICAS entries are flat [name, value, ...] arrays."""
    return {text(flat[i]): text(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


class SentinelProcess:
    """One redis-sentinel on 127.0.0.1, with its own writable config in a temporary directory,
    logging to sentinel.log there."""

    START_TIMEOUT = 10.0
    STOP_TIMEOUT = 10.0

    def __init__(self, master_port, quorum, index=0):
        self.master_port = master_port
        self.quorum = quorum
        self.index = index
        self.binary = sentinel_bin()
        self.dir = None
        self.port = None
        self.proc = None
        self.failed = False

    @property
    def config_path(self):
        return os.path.join(self.dir, "sentinel.conf")

    @property
    def log_path(self):
        return os.path.join(self.dir, "sentinel.log")

    def config_text(self, port):
        return "\n".join([
            f"port {port}",
            f"bind {tl.HOST}",
            "daemonize no",
            "protected-mode no",
            f"dir {self.dir}",
            'logfile ""',
            f"sentinel monitor {SERVICE} {tl.HOST} {self.master_port} {self.quorum}",
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {SERVICE} 1",
            "",
        ])

    def start(self):
        if not os.access(self.binary, os.X_OK):
            # A failure, not a skip: ctest counts skips as passes, and deps.sh installs it.
            raise tl.ServerError(f"redis-sentinel not found at {self.binary} "
                                 "(scripts/deps.sh installs Debian's redis-sentinel)")
        self.dir = tempfile.mkdtemp(prefix=f"sentinel{self.index}-test-")
        for _ in range(3):
            port = tl.free_port()
            with open(self.config_path, "w") as f:   # Sentinel rewrites this file
                f.write(self.config_text(port))
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([self.binary, self.config_path], cwd=self.dir,
                                             stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + self.START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if query_port(port, "PING") == b"PONG":
                    self.port = port
                    return self
                time.sleep(0.02)
            self._kill()
            if "in use" not in self.log_text():
                break
        self.failed = True
        self.report_log("redis-sentinel failed to start")
        raise tl.ServerError(f"redis-sentinel did not start; log: {self.log_path}")

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(self.STOP_TIMEOUT)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill()
        self.proc = None
        if not self.failed and self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, *args):
        return query(self, *args)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def report_log(self, title, tail_lines=150):
        lines = self.log_text().splitlines()
        sys.stderr.write(f"\n===== {title}; sentinel {self.index} port {self.port}; "
                         f"dir {self.dir} =====\n")
        if len(lines) > tail_lines:
            sys.stderr.write(f"... ({len(lines) - tail_lines} earlier lines omitted)\n")
        for line in lines[-tail_lines:]:
            sys.stderr.write(line + "\n")
        try:
            with open(self.config_path) as f:
                sys.stderr.write("----- sentinel.conf as Sentinel rewrote it -----\n" + f.read())
        except OSError:
            pass
        sys.stderr.write("===== end of sentinel log =====\n")
        sys.stderr.flush()


def query_port(port, *args):
    try:
        with tl.RespClient(port, timeout=SOCKET_TIMEOUT) as c:
            return c.call(*args)
    except (OSError, tl.ConnectionClosed, tl.ReplyTimeout):
        return None


class SentinelFailoverTest(unittest.TestCase):
    """Primary + 2 replicas monitored by Sentinel; kill -9 the primary; clients follow."""

    def setUp(self):
        self.kind = tl.target_kind()
        self.servers = []
        self.sentinels = []
        self.started = time.monotonic()
        self.addCleanup(self._stop_all)

        self.primary = self._start_server()
        self.replicas = [self._start_server() for _ in range(2)]
        for replica in self.replicas:
            with replica.client() as c:
                self.assertEqual(c.call("REPLICAOF", tl.HOST, self.primary.port), b"OK")
        for replica in self.replicas:
            self.wait_link_up(replica, self.primary, SYNC_TIMEOUT)
        tl.wait_until(lambda: self.primary_lists_replicas(self.primary, self.replicas),
                      timeout=SYNC_TIMEOUT,
                      what="INFO replication of the primary listing both replicas online")

        count = sentinel_count()
        quorum = 1 if count == 1 else 2
        for i in range(count):
            self.sentinels.append(SentinelProcess(self.primary.port, quorum, i).start())

    # -- process management ------------------------------------------------------------------
    def _start_server(self):
        server = tl.Server(self.kind, DATA_SERVER_ARGS)
        self.servers.append(server)
        server.start()
        return server

    def _stop_all(self):
        failed = tl.test_has_failed(self)
        for s in self.sentinels:          # sentinels first, so they reconfigure nothing more
            if failed:
                s.failed = True
                s.report_log("sentinel log (test failed)")
            s.stop()
        errors = []
        for server in self.servers:
            if failed:
                server.failed = True
                server.report_log(f"{server.kind} data server log (test failed), "
                                  f"port {server.port}")
            try:
                server.stop()
            except tl.ServerError as e:
                errors.append(str(e))
            if server.proc is None and not server.failed and server.dir:
                shutil.rmtree(server.dir, ignore_errors=True)   # also the SIGKILLed one's
        if errors and not failed:
            raise tl.ServerError("; ".join(errors))

    def kill9(self, server):
        server.proc.send_signal(signal.SIGKILL)
        status = server.wait_exit()
        self.assertEqual(status, -signal.SIGKILL)

    # -- conditions ----------------------------------------------------------------------------
    def wait_link_up(self, replica, primary, timeout):
        def linked():
            info = replication_info(replica)
            return (info.get("role") == "slave" and info.get("master_host") == tl.HOST
                    and info.get("master_port") == str(primary.port)
                    and info.get("master_link_status") == "up")
        try:
            tl.wait_until(linked, timeout=timeout,
                          what=f"replica :{replica.port} linked up to primary :{primary.port}")
        except TimeoutError as e:
            raise AssertionError(f"{e}; its INFO replication: {replication_info(replica)}")

    @staticmethod
    def primary_lists_replicas(primary, replicas):
        info = replication_info(primary)
        if info.get("role") != "master":
            return False
        listed = {v for k, v in info.items() if k.startswith("slave") and k[5:].isdigit()}
        ports = set()
        for entry in listed:
            fields = dict(item.split("=", 1) for item in entry.split(",") if "=" in item)
            if fields.get("state") == "online":
                ports.add(fields.get("port"))
        return {str(r.port) for r in replicas} <= ports

    def sentinel_replicas(self, sentinel):
        reply = sentinel.call("SENTINEL", "REPLICAS", SERVICE)
        if not isinstance(reply, list):
            return {}
        out = {}
        for entry in reply:
            d = pairs_to_dict(entry)
            out[int(d["port"])] = d
        return out

    def sentinel_master(self, sentinel):
        reply = sentinel.call("SENTINEL", "MASTER", SERVICE)
        return pairs_to_dict(reply) if isinstance(reply, list) else {}

    def master_addr(self, sentinel):
        reply = sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
        if isinstance(reply, list) and len(reply) == 2:
            return text(reply[0]), int(reply[1])
        return None

    def role(self, server):
        reply = query(server, "ROLE")
        return reply if isinstance(reply, list) else None

    def elapsed(self):
        return f"{time.monotonic() - self.started:.1f}s"

    def retry(self, fn, what, timeout=CLIENT_TIMEOUT):
        """fn() until it stops raising connection errors; its result."""
        last = []

        def attempt():
            try:
                return (fn(),)
            except RETRYABLE as e:
                last[:] = [e]
                return None
        try:
            return tl.wait_until(attempt, timeout=timeout, what=what)[0]
        except TimeoutError as e:
            raise AssertionError(f"{e}; last error: {last[0] if last else None!r}")

    # -- the test ------------------------------------------------------------------------------
    def test_failover_promotes_a_replica_and_clients_follow(self):
        primary, replicas = self.primary, self.replicas
        replica_ports = {r.port for r in replicas}

        # 1. Sentinel sees the topology.
        def discovered():
            for s in self.sentinels:
                if self.master_addr(s) != (tl.HOST, primary.port):
                    return False
                known = self.sentinel_replicas(s)
                if set(known) != replica_ports:
                    return False
                if any("disconnected" in d["flags"] or "s_down" in d["flags"]
                       or d.get("master-link-status") != "ok" for d in known.values()):
                    return False
                if int(self.sentinel_master(s).get("num-other-sentinels", -1)) != \
                        len(self.sentinels) - 1:
                    return False
            return True
        try:
            tl.wait_until(discovered, timeout=DISCOVERY_TIMEOUT,
                          what="every sentinel knowing the primary, both replicas and the "
                               "other sentinels")
        except TimeoutError as e:
            views = [(self.sentinel_master(s), self.sentinel_replicas(s))
                     for s in self.sentinels]
            raise AssertionError(f"{e}; sentinel views: {views}")
        master = self.sentinel_master(self.sentinels[0])
        self.assertEqual(master["flags"], "master")
        self.assertEqual(int(master["num-slaves"]), 2)
        print(f"[{self.elapsed()}] {len(self.sentinels)} sentinel(s) see primary "
              f":{primary.port} and replicas {sorted(replica_ports)}", file=sys.stderr)

        # The data servers hold each sentinel's two named links and its hello subscription.
        for server in [primary] + replicas:
            def links(server=server):
                listing = text(query(server, "CLIENT", "LIST") or b"")
                names = [f.split("=", 1)[1] for line in listing.splitlines()
                         for f in line.split() if f.startswith("name=")]
                cmd = sum(1 for n in names if n.startswith("sentinel-") and n.endswith("-cmd"))
                sub = sum(1 for n in names
                          if n.startswith("sentinel-") and n.endswith("-pubsub"))
                return cmd == len(self.sentinels) and sub == len(self.sentinels)
            tl.wait_until(links, timeout=DISCOVERY_TIMEOUT,
                          what=f"CLIENT LIST of :{server.port} showing one sentinel-*-cmd and "
                               "one sentinel-*-pubsub link per sentinel")
            numsub = query(server, "PUBSUB", "NUMSUB", "__sentinel__:hello")
            self.assertEqual(numsub, [b"__sentinel__:hello", len(self.sentinels)])

        # A redis-py Sentinel client writes, waits for both replicas, reads from a replica.
        sentinel = redis.sentinel.Sentinel([(tl.HOST, s.port) for s in self.sentinels],
                                           socket_timeout=SOCKET_TIMEOUT)
        self.assertEqual(sentinel.discover_master(SERVICE), (tl.HOST, primary.port))
        self.assertEqual(set(sentinel.discover_slaves(SERVICE)),
                         {(tl.HOST, p) for p in replica_ports})
        master_client = sentinel.master_for(SERVICE, socket_timeout=SOCKET_TIMEOUT,
                                            decode_responses=True)
        replica_client = sentinel.slave_for(SERVICE, socket_timeout=SOCKET_TIMEOUT,
                                            decode_responses=True)
        self.addCleanup(master_client.close)
        self.addCleanup(replica_client.close)
        for s in sentinel.sentinels:
            self.addCleanup(s.close)
        for i in range(100):
            self.assertTrue(master_client.set(f"before:{i}", f"v{i}"))
        self.assertEqual(master_client.incr("counter"), 1)
        self.assertEqual(master_client.wait(2, 5000), 2)
        self.assertEqual(replica_client.get("before:99"), "v99")
        role = replica_client.execute_command("ROLE")
        self.assertEqual((role[0], int(role[2])), ("slave", primary.port))

        # 2. Kill the primary; Sentinel promotes a replica and re-points the other.
        self.kill9(primary)
        killed_at = time.monotonic()
        print(f"[{self.elapsed()}] primary :{primary.port} killed (SIGKILL)", file=sys.stderr)

        # get-master-addr-by-name moves as soon as the leader starts re-pointing the replicas;
        # SENTINEL MASTER (what redis-py's discover_master() reads) when the failover has ended.
        def moved():
            addrs = {self.master_addr(s) for s in self.sentinels}
            if len(addrs) == 1:
                addr = addrs.pop()
                if addr is not None and addr[1] in replica_ports:
                    return addr
            return None

        def switched():
            for s in self.sentinels:
                m = self.sentinel_master(s)
                if m.get("flags") != "master" or (m.get("ip"), m.get("port")) != \
                        (tl.HOST, str(new_addr[1])):
                    return False
            return True
        try:
            new_addr = tl.wait_until(moved, timeout=FAILOVER_TIMEOUT,
                                     what="SENTINEL get-master-addr-by-name moving to a replica "
                                          "on every sentinel")
            moved_after = time.monotonic() - killed_at
            tl.wait_until(switched, timeout=FAILOVER_TIMEOUT,
                          what="SENTINEL MASTER of every sentinel showing the promoted replica "
                               "with flags=master (failover ended)")
        except TimeoutError as e:
            raise AssertionError(f"{e}; addresses: {[self.master_addr(s) for s in self.sentinels]}"
                                 f"; masters: {[self.sentinel_master(s) for s in self.sentinels]}"
                                 f"; replicas' INFO: {[replication_info(r) for r in replicas]}")
        switched_after = time.monotonic() - killed_at
        new_primary = next(r for r in replicas if r.port == new_addr[1])
        other = next(r for r in replicas if r is not new_primary)
        print(f"[{self.elapsed()}] sentinels switched to :{new_primary.port} "
              f"{switched_after:.1f}s after the kill (get-master-addr-by-name moved after "
              f"{moved_after:.1f}s)", file=sys.stderr)

        tl.wait_until(lambda: (self.role(new_primary) or [None])[0] == b"master",
                      timeout=FAILOVER_TIMEOUT, what=f"ROLE of :{new_primary.port} = master")
        self.assertEqual(replication_info(new_primary).get("role"), "master")
        self.wait_link_up(other, new_primary, FAILOVER_TIMEOUT)

        def role_lists_other():
            role = self.role(new_primary)
            return (role is not None and role[0] == b"master"
                    and any(int(r[1]) == other.port for r in role[2]))
        tl.wait_until(role_lists_other, timeout=SYNC_TIMEOUT,
                      what=f"ROLE of the new primary listing :{other.port}")
        self.assertTrue(self.primary_lists_replicas(new_primary, [other]))

        # Writes through the same master_for() client reach the new primary.
        self.assertTrue(self.retry(lambda: master_client.set("after", "failover"),
                                   "a write through master_for() after the failover"))
        self.assertEqual(master_client.connection_pool.get_master_address(),
                         (tl.HOST, new_primary.port))
        self.assertEqual(self.retry(lambda: master_client.incr("counter"), "INCR"), 2)
        self.assertEqual(master_client.get("before:0"), "v0")
        self.assertEqual(master_client.get("before:99"), "v99")
        self.assertEqual(master_client.execute_command("ROLE")[0], "master")
        self.assertEqual(self.retry(lambda: master_client.wait(1, 5000), "WAIT 1"), 1)
        print(f"[{self.elapsed()}] redis-py master_for() writes to the new primary",
              file=sys.stderr)

        # Reads through the same slave_for() client come from the remaining replica.
        tl.wait_until(lambda: set(sentinel.discover_slaves(SERVICE)) == {(tl.HOST, other.port)},
                      timeout=CLIENT_TIMEOUT,
                      what=f"redis-py discover_slaves() = [:{other.port}] (the killed primary "
                           "flagged down)")

        def replica_read():
            value = replica_client.get("after")
            role = replica_client.execute_command("ROLE")
            return (value, role[0], int(role[2]))
        tl.wait_until(lambda: self.retry(replica_read, "a read through slave_for()")
                      == ("failover", "slave", new_primary.port),
                      timeout=CLIENT_TIMEOUT,
                      what="slave_for() reading the new write from a replica of the new primary")
        self.assertEqual(replica_client.get("counter"), "2")
        self.assertEqual(replica_client.get("before:50"), "v50")
        print(f"[{self.elapsed()}] redis-py slave_for() reads from :{other.port}",
              file=sys.stderr)

        # Every sentinel agrees on the new topology: the old primary is now a (down) replica.
        for s in self.sentinels:
            master = self.sentinel_master(s)
            self.assertEqual((master["ip"], int(master["port"])), (tl.HOST, new_primary.port))
            self.assertEqual(master["flags"], "master")
            self.assertGreaterEqual(int(master["config-epoch"]), 1)
            known = self.sentinel_replicas(s)
            self.assertEqual(set(known), {other.port, primary.port})

        # 3. The old primary comes back (empty, same port): Sentinel makes it a replica.
        old_port = primary.port
        primary.fixed_port = old_port
        primary.restart(same_dir=True)      # same directory: one log for both processes
        print(f"[{self.elapsed()}] old primary restarted on :{old_port}", file=sys.stderr)
        with primary.client() as c:
            # Sentinel waits 8 s before it reconfigures a replica that says it is a master.
            self.assertEqual(c.call("DBSIZE"), 0, "the old primary should restart empty")
        self.wait_link_up(primary, new_primary, REJOIN_TIMEOUT)
        print(f"[{self.elapsed()}] old primary is a replica of :{new_primary.port}",
              file=sys.stderr)
        with primary.client() as c:
            tl.wait_until(lambda: c.call("GET", "after") == b"failover", timeout=SYNC_TIMEOUT,
                          what="the rejoined replica holding the data")
            self.assertEqual(c.call("GET", "before:7"), b"v7")
            self.assertEqual(c.call("DBSIZE"), 102)
            reply = c.call("SET", "x", "1")
            self.assertIsInstance(reply, tl.RespError)
            self.assertTrue(reply.message.startswith("READONLY"), reply.message)

        # (Sentinel refreshes a replica's INFO every 10 s; its PING-based state is enough.)
        def sentinels_see_rejoined():
            for s in self.sentinels:
                d = self.sentinel_replicas(s).get(old_port)
                if d is None or "s_down" in d["flags"] or "disconnected" in d["flags"]:
                    return False
            return True
        tl.wait_until(sentinels_see_rejoined, timeout=REJOIN_TIMEOUT,
                      what="every sentinel seeing the old primary as a replica that is up")
        tl.wait_until(lambda: self.primary_lists_replicas(new_primary, [other, primary]),
                      timeout=SYNC_TIMEOUT, what="the new primary listing both replicas")
        self.assertEqual(master_client.set("final", "1"), True)
        self.assertEqual(master_client.wait(2, 5000), 2)
        print(f"[{self.elapsed()}] done", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
