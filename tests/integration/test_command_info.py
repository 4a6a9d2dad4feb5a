#!/usr/bin/python3
"""The command table against real Redis: COMMAND INFO, COMMAND DOCS, COMMAND LIST and
COMMAND GETKEYS of petrel-server compared with Debian's redis-server 7.0.

For every command and subcommand Petrel lists in COMMAND, the raw RESP bytes of
`COMMAND INFO <name>` must equal Redis's, in RESP2 and RESP3. Container commands list their
subcommands in hash order and Petrel implements only some of them, so their entries are
compared field by field and subcommand by subcommand. COMMAND DOCS is compared on everything
but the prose (summaries, history descriptions): since, group, complexity, deprecation and the
whole "arguments" tree, which redis-cli turns into its input hints.

The only accepted differences are listed in ALLOWED_MISSING_SUBCOMMANDS and PETREL_ONLY below,
each with its reason; anything else fails.

Run: PETREL_SERVER_BIN=build/petrel-server python3 tests/integration/test_command_info.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import petrel_testlib as tl  # noqa: E402

# Subcommands of Redis 7.0 that Petrel does not implement (yet): absent from Petrel's
# container entries, COMMAND DOCS and COMMAND LIST.
_NOT_YET = "not implemented by Petrel yet"
ALLOWED_MISSING_SUBCOMMANDS = {
    "client|caching": "client-side caching (tracking) is " + _NOT_YET,
    "client|getredir": "client-side caching (tracking) is " + _NOT_YET,
    "client|tracking": "client-side caching (tracking) is " + _NOT_YET,
    "client|trackinginfo": "client-side caching (tracking) is " + _NOT_YET,
    "client|unblock": "blocking commands are " + _NOT_YET,
    "memory|doctor": "allocator reports are " + _NOT_YET,
    "memory|malloc-stats": "allocator reports are " + _NOT_YET,
    "memory|purge": "allocator reports are " + _NOT_YET,
    "memory|stats": "allocator reports are " + _NOT_YET,
    "latency|doctor": "latency reports are " + _NOT_YET,
    "latency|graph": "latency reports are " + _NOT_YET,
    "latency|histogram": "latency reports are " + _NOT_YET,
    "latency|history": "latency reports are " + _NOT_YET,
    "function|delete": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
    "function|dump": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
    "function|kill": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
    "function|load": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
    "function|restore": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
    "function|stats": "scripting is " + _NOT_YET + " (only FLUSH and LIST, for tools)",
}

# Commands Petrel has and Redis 7.0 does not.
PETREL_ONLY = {
    "client|setinfo": "CLIENT SETINFO comes from Redis 7.2 (client libraries send it); "
                      "its entry follows 7.2's",
}

# Command lines for COMMAND GETKEYS / GETKEYSANDFLAGS, compared byte for byte (errors too).
GETKEYS_CASES = [
    ["get", "k"],
    ["GET", "k"],
    ["set", "k", "v"],
    ["set", "k", "v", "EX", "10", "get"],
    ["set", "k", "v", "NX"],
    ["getex", "k", "PERSIST"],
    ["mset", "a", "1", "b", "2", "c", "3"],
    ["mset", "a", "1", "b"],
    ["msetnx", "a", "1", "b", "2"],
    ["mget", "a", "b", "c"],
    ["del", "a", "b", "c"],
    ["unlink", "a"],
    ["exists", "a", "b"],
    ["touch", "a", "b"],
    ["rename", "a", "b"],
    ["renamenx", "a", "b"],
    ["copy", "a", "b", "DB", "1", "REPLACE"],
    ["move", "a", "1"],
    ["lcs", "a", "b", "LEN"],
    ["expire", "k", "10", "NX"],
    ["pexpireat", "k", "10"],
    ["ttl", "k"],
    ["object", "encoding", "k"],
    ["OBJECT", "FREQ", "k"],
    ["object", "nosuch", "k"],
    ["object", "help"],
    ["memory", "usage", "k", "SAMPLES", "5"],
    ["memory", "usage"],
    ["client", "id"],
    ["command", "info"],
    ["config", "get", "maxmemory"],
    ["ping"],
    ["echo", "hi"],
    ["keys", "*"],
    ["get"],
    ["get", "a", "b"],
    ["set", "k"],
    ["mset", "a"],
    ["lcs", "a"],
    ["nosuchcommand", "a", "b"],
]

# COMMAND LIST filters whose results are compared as sets (restricted to Petrel's commands).
LIST_FILTERS = [
    ["FILTERBY", "PATTERN", "*"],
    ["FILTERBY", "PATTERN", "get*"],
    ["FILTERBY", "PATTERN", "CLIENT*"],
    ["FILTERBY", "PATTERN", "*expire*"],
    ["FILTERBY", "PATTERN", "config|?et"],
    ["FILTERBY", "ACLCAT", "connection"],
    ["FILTERBY", "ACLCAT", "KEYSPACE"],
    ["FILTERBY", "ACLCAT", "dangerous"],
    ["FILTERBY", "ACLCAT", "fast"],
    ["FILTERBY", "ACLCAT", "nosuchcategory"],
    ["FILTERBY", "MODULE", "nosuchmodule"],
]

# COMMAND LIST / COMMAND INFO / COMMAND DOCS command lines compared byte for byte.
EXACT_CASES = [
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "nosuch*"],
    ["COMMAND", "LIST", "FILTERBY", "FOO", "bar"],
    ["COMMAND", "LIST", "FILTERBY"],
    ["COMMAND", "LIST", "FOO"],
    ["COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "y"],
    ["COMMAND", "INFO", "nosuchcommand"],
    ["COMMAND", "INFO", "get", "nosuchcommand", "SET"],
    ["COMMAND", "INFO", "CONFIG|GET", "config|", "get|x", "config|get|x", "client|id"],
    ["COMMAND", "DOCS", "nosuchcommand"],
    ["COMMAND", "COUNT", "extra"],
    ["COMMAND", "GETKEYS"],
]


def encode(node):
    """Serialize a parse_reply() node back to its exact RESP bytes."""
    kind, payload = node
    k = kind.encode()
    if kind in "+-:_,#(":
        return k + payload + b"\r\n"
    if kind in "$!=":
        if payload is None:
            return b"$-1\r\n"
        return b"%s%d\r\n%s\r\n" % (k, len(payload), payload)
    if kind in "*~>":
        if payload is None:
            return b"*-1\r\n"
        return b"%s%d\r\n" % (k, len(payload)) + b"".join(encode(c) for c in payload)
    if kind == "%":
        return b"%%%d\r\n" % (len(payload) // 2) + b"".join(encode(c) for c in payload)
    raise ValueError(f"cannot encode {kind!r}")


def parse(raw):
    node, end = tl.parse_reply(raw)
    assert end == len(raw), "trailing bytes after one reply"
    return node


def pairs(node):
    """The (key, value) node pairs of a map: RESP3 % or a flat RESP2 array."""
    kind, payload = node
    assert kind in "%*", f"expected a map, got {kind!r}"
    return [(tl.to_python(payload[i]), payload[i + 1]) for i in range(0, len(payload), 2)]


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


class CommandTableTest(unittest.TestCase):
    """One redis-server and one petrel-server for the whole class; RESP2 and RESP3 clients."""

    @classmethod
    def setUpClass(cls):
        cls.redis = cls.petrel = None
        cls.clients = {}
        try:
            cls.redis = tl.Server("redis").start()
            cls.petrel = tl.Server("petrel").start()
            for name, srv in (("redis", cls.redis), ("petrel", cls.petrel)):
                for proto in (2, 3):
                    c = srv.client()
                    cls.clients[(name, proto)] = c
                    if proto == 3:
                        c.command("HELLO", "3")
        except BaseException:
            cls.shutdown(failed=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.shutdown(failed=False)

    @classmethod
    def shutdown(cls, failed):
        """Close the clients and stop both servers (always both, even if one fails)."""
        for c in cls.clients.values():
            c.close()
        cls.clients = {}
        errors = []
        for srv in (cls.petrel, cls.redis):
            if srv is None:
                continue
            if failed:
                srv.failed = True
                srv.report_log(f"{srv.kind} server log (set-up failed)")
            try:
                srv.stop()
            except tl.ServerError as e:
                errors.append(str(e))
        cls.petrel = cls.redis = None
        if errors and not failed:
            raise tl.ServerError("; ".join(errors))

    def both(self, proto, *args):
        """The raw replies of Redis and Petrel to one command."""
        return (self.clients[("redis", proto)].command(*args),
                self.clients[("petrel", proto)].command(*args))

    def petrel_names(self):
        """Top-level command names and subcommand full names, from Petrel's COMMAND."""
        entries = parse(self.clients[("petrel", 2)].command("COMMAND"))[1]
        top, subs = [], []
        for entry in entries:
            fields = entry[1]
            top.append(text(fields[0][1]))
            if fields[9][1]:
                subs.extend(text(sub[1][0][1]) for sub in fields[9][1])
        return top, subs

    def report(self, problems, what):
        if problems:
            self.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems))

    # -- COMMAND INFO -----------------------------------------------------------------------

    def compare_info_entry(self, name, redis_node, petrel_node, problems, proto):
        """Compare one COMMAND INFO entry; subcommands by name, each byte for byte."""
        r_fields, p_fields = redis_node[1], petrel_node[1]
        labels = ["name", "arity", "flags", "first key", "last key", "step", "acl categories",
                  "tips", "key specs"]
        for i, label in enumerate(labels):
            if encode(r_fields[i]) != encode(p_fields[i]):
                problems.append(f"RESP{proto} {name}: {label} differ: redis "
                                f"{encode(r_fields[i])!r} petrel {encode(p_fields[i])!r}")
        r_subs = {text(s[1][0][1]): s for s in (r_fields[9][1] or [])}
        p_subs = {text(s[1][0][1]): s for s in (p_fields[9][1] or [])}
        if not r_subs and not p_subs:
            if encode(r_fields[9]) != encode(p_fields[9]):
                problems.append(f"RESP{proto} {name}: subcommands field differs")
            return
        for sub in sorted(set(r_subs) | set(p_subs)):
            if sub not in p_subs:
                if sub not in ALLOWED_MISSING_SUBCOMMANDS:
                    problems.append(f"RESP{proto} {name}: petrel lacks subcommand {sub}")
            elif sub not in r_subs:
                if sub not in PETREL_ONLY:
                    problems.append(f"RESP{proto} {name}: redis has no subcommand {sub}")
            elif encode(r_subs[sub]) != encode(p_subs[sub]):
                problems.append(f"RESP{proto} {sub} (inside {name}): redis "
                                f"{encode(r_subs[sub])!r} petrel {encode(p_subs[sub])!r}")

    def test_command_info_matches_redis(self):
        top, subs = self.petrel_names()
        self.assertGreater(len(top), 50, "COMMAND lists too few commands")
        problems = []
        for proto in (2, 3):
            for name in top + subs:
                if name in PETREL_ONLY:
                    continue
                redis_raw, petrel_raw = self.both(proto, "COMMAND", "INFO", name)
                if redis_raw == petrel_raw:
                    continue
                r, p = parse(redis_raw)[1][0], parse(petrel_raw)[1][0]
                if r[1] is None:
                    problems.append(f"RESP{proto} {name}: unknown to redis")
                elif p[1] is None:
                    problems.append(f"RESP{proto} {name}: unknown to petrel by full name")
                elif "|" in name or not (r[1][9][1] or p[1][9][1]):
                    problems.append(f"RESP{proto} {name}: redis {redis_raw!r} "
                                    f"petrel {petrel_raw!r}")
                else:
                    self.compare_info_entry(name, r, p, problems, proto)
        self.report(problems, "COMMAND INFO differences")

    def test_allow_lists_are_current(self):
        """Every allow-listed name must still be a real difference."""
        top, subs = self.petrel_names()
        names = set(top) | set(subs)
        stale = [n for n in ALLOWED_MISSING_SUBCOMMANDS if n in names]
        stale += [n for n in PETREL_ONLY if n not in names]
        redis_list = {text(n) for n in tl.to_python(parse(
            self.clients[("redis", 2)].command("COMMAND", "LIST")))}
        stale += [n for n in ALLOWED_MISSING_SUBCOMMANDS if n not in redis_list]
        stale += [n for n in PETREL_ONLY if n in redis_list]
        self.assertEqual(stale, [], "stale allow-list entries")

    def test_command_and_info_without_names_agree(self):
        petrel = self.clients[("petrel", 3)]
        everything = petrel.command("COMMAND")
        self.assertEqual(petrel.command("COMMAND", "INFO"), everything)
        count = tl.to_python(parse(petrel.command("COMMAND", "COUNT")))
        self.assertEqual(count, len(parse(everything)[1]))
        top, subs = self.petrel_names()
        listed = [text(n) for n in tl.to_python(parse(petrel.command("COMMAND", "LIST")))]
        self.assertEqual(sorted(listed), sorted(top + subs))
        self.assertEqual(len(set(listed)), len(listed), "COMMAND LIST repeats names")

    # -- COMMAND DOCS -----------------------------------------------------------------------

    def compare_docs(self, name, redis_doc, petrel_doc, problems, proto):
        r, p = dict(pairs(redis_doc)), dict(pairs(petrel_doc))
        where = f"RESP{proto} {name}"
        if set(r) != set(p):
            problems.append(f"{where}: doc fields differ: redis {sorted(map(text, r))} "
                            f"petrel {sorted(map(text, p))}")
        for field in (b"since", b"group", b"complexity", b"doc_flags", b"deprecated_since",
                      b"replaced_by", b"arguments"):
            if field in r and field in p and encode(r[field]) != encode(p[field]):
                problems.append(f"{where}: {text(field)} differs: redis {encode(r[field])!r} "
                                f"petrel {encode(p[field])!r}")
        if b"history" in r and b"history" in p:
            versions = [[text(tl.to_python(e)[0]) for e in d[b"history"][1]] for d in (r, p)]
            if versions[0] != versions[1]:
                problems.append(f"{where}: history versions differ: {versions}")
        if b"history" in p and p[b"history"][0] != r.get(b"history", ("?",))[0]:
            problems.append(f"{where}: history has the wrong aggregate type")
        if b"subcommands" in r and b"subcommands" in p:
            r_subs, p_subs = dict(pairs(r[b"subcommands"])), dict(pairs(p[b"subcommands"]))
            for sub in sorted(set(r_subs) | set(p_subs)):
                sub_name = text(sub)
                if sub not in p_subs:
                    if sub_name not in ALLOWED_MISSING_SUBCOMMANDS:
                        problems.append(f"{where}: petrel lacks docs of {sub_name}")
                elif sub not in r_subs:
                    if sub_name not in PETREL_ONLY:
                        problems.append(f"{where}: redis has no {sub_name}")
                else:
                    self.compare_docs(sub_name, r_subs[sub], p_subs[sub], problems, proto)

    def test_command_docs_match_redis(self):
        top, subs = self.petrel_names()
        problems = []
        for proto in (2, 3):
            for name in top + subs:
                if name in PETREL_ONLY:
                    continue
                redis_raw, petrel_raw = self.both(proto, "COMMAND", "DOCS", name)
                r, p = pairs(parse(redis_raw)), pairs(parse(petrel_raw))
                if len(r) != 1 or len(p) != 1:
                    problems.append(f"RESP{proto} {name}: redis has {len(r)} docs entries, "
                                    f"petrel {len(p)}")
                    continue
                if r[0][0] != p[0][0]:
                    problems.append(f"RESP{proto} {name}: docs keyed {r[0][0]!r} vs {p[0][0]!r}")
                self.compare_docs(name, r[0][1], p[0][1], problems, proto)
        self.report(problems, "COMMAND DOCS differences")

    def test_docs_leave_out_unknown_names(self):
        for proto in (2, 3):
            names = ("get", "nosuchcommand", "CLIENT|ID", "config|nosuch", "ping")
            redis_raw, petrel_raw = self.both(proto, "COMMAND", "DOCS", *names)
            keys = [[k for k, _ in pairs(parse(raw))] for raw in (redis_raw, petrel_raw)]
            self.assertEqual(keys[1], keys[0])

    def test_docs_of_everything_cover_every_command(self):
        for proto in (2, 3):
            petrel = self.clients[("petrel", proto)]
            docs = dict(pairs(parse(petrel.command("COMMAND", "DOCS"))))
            top, _ = self.petrel_names()
            self.assertEqual(sorted(text(k) for k in docs), sorted(top))

    def test_client_setinfo_docs_follow_redis_7_2(self):
        petrel = self.clients[("petrel", 2)]
        docs = tl.to_python(parse(petrel.command("COMMAND", "DOCS", "client|setinfo")))
        entry = dict(zip(docs[1][::2], docs[1][1::2]))
        self.assertEqual(entry[b"since"], b"7.2.0")
        args = entry[b"arguments"]
        self.assertEqual(len(args), 1)
        attr = dict(zip(args[0][::2], args[0][1::2]))
        self.assertEqual(attr[b"type"], b"oneof")
        tokens = [dict(zip(a[::2], a[1::2]))[b"token"] for a in attr[b"arguments"]]
        self.assertEqual(tokens, [b"lib-name", b"lib-ver"])

    # -- COMMAND LIST and GETKEYS -------------------------------------------------------------

    def test_command_list_filters_match_redis(self):
        top, subs = self.petrel_names()
        petrel_all = set(top) | set(subs)
        problems = []
        for extra in LIST_FILTERS:
            redis_raw, petrel_raw = self.both(2, "COMMAND", "LIST", *extra)
            r = {text(n) for n in tl.to_python(parse(redis_raw))}
            p = {text(n) for n in tl.to_python(parse(petrel_raw))}
            expected = (r & petrel_all) | (p & set(PETREL_ONLY))
            if p != expected:
                problems.append(f"COMMAND LIST {' '.join(extra)}: petrel has extra "
                                f"{sorted(p - expected)}, lacks {sorted(expected - p)}")
        self.report(problems, "COMMAND LIST differences")

    def test_exact_replies_match_redis(self):
        problems = []
        for proto in (2, 3):
            for args in EXACT_CASES:
                redis_raw, petrel_raw = self.both(proto, *args)
                if redis_raw != petrel_raw:
                    problems.append(f"RESP{proto} {' '.join(args)}: redis {redis_raw!r} "
                                    f"petrel {petrel_raw!r}")
        self.report(problems, "differences")

    def test_getkeys_matches_redis(self):
        problems = []
        for proto in (2, 3):
            for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                for line in GETKEYS_CASES:
                    redis_raw, petrel_raw = self.both(proto, "COMMAND", sub, *line)
                    if redis_raw != petrel_raw:
                        problems.append(f"RESP{proto} COMMAND {sub} {' '.join(line)}: redis "
                                        f"{redis_raw!r} petrel {petrel_raw!r}")
        self.report(problems, "COMMAND GETKEYS differences")

    def test_help_has_redis_shape(self):
        redis_raw, petrel_raw = self.both(2, "COMMAND", "HELP")
        r, p = tl.to_python(parse(redis_raw)), tl.to_python(parse(petrel_raw))
        self.assertEqual(len(p), len(r))
        self.assertTrue(all(isinstance(line, bytes) for line in p))


if __name__ == "__main__":
    unittest.main(verbosity=2)
