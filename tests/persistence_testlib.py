"""Helpers for the persistence tests (RDB, AOF, durability, compatibility with Redis).

Contents
  dump_keyspace()      every db/key/type/value/TTL of a server; compare_keyspaces() diffs two
  fill_mixed_dataset() strings and hashes covering every RDB encoding, keys with TTLs, 3 dbs
  parse_rdb()          RDB reader (strings, hashes; CRC64, LZF, listpack, ziplist); RdbWriter
  parse_aof()          RESP AOF bytes -> commands with offsets; read_manifest() for manifests
  PersistenceTestCase  unittest base: servers in directories kept across restarts

Only the standard library is used, so every test can run with /usr/bin/python3.
"""

import shutil
import signal
import sys
import tempfile
import time
import unittest

from petrel_testlib import (Incomplete, RespError, RespProtocolError, Server, ServerError,
                            parse_reply, target_kind, test_has_failed)


# ---------------------------------------------------------------------------------------------
# Keyspace dumps: every db, key, type, value and TTL of a server, to compare two servers (or
# one server before and after a restart) key by key.
# ---------------------------------------------------------------------------------------------

def dump_keyspace(client, dbs=None):
    """The whole keyspace of the server behind `client` (a RespClient).

    Returns {db: {key: (type, value, pttl)}} for the non-empty dbs only: type is the TYPE
    reply as str; value is bytes for a string, a dict for a hash, a list for a list or zset
    (WITHSCORES), a sorted list for a set; pttl is PTTL's reply (-1 when there is no TTL).
    The client is left on db 0.
    """
    if dbs is None:
        reply = client.call("CONFIG", "GET", "databases")
        if isinstance(reply, dict):
            reply = [k for kv in reply.items() for k in kv]
        dbs = range(int(reply[1]) if isinstance(reply, list) and len(reply) == 2 else 16)
    result = {}
    for db in dbs:
        if client.call("SELECT", db) != b"OK":
            raise ServerError(f"SELECT {db} failed")
        keys = set()
        cursor = b"0"
        while True:
            cursor, batch = client.call("SCAN", cursor, "COUNT", 1000)
            keys.update(batch)
            if cursor == b"0":
                break
        if not keys:
            continue
        keys = sorted(keys)
        types = [t.decode() if isinstance(t, bytes) else str(t)
                 for t in client.pipeline([("TYPE", k) for k in keys])]
        reads = {"string": lambda k: ("GET", k), "hash": lambda k: ("HGETALL", k),
                 "list": lambda k: ("LRANGE", k, 0, -1), "set": lambda k: ("SMEMBERS", k),
                 "zset": lambda k: ("ZRANGE", k, 0, -1, "WITHSCORES")}
        values = client.pipeline([reads.get(t, lambda k: ("TYPE", k))(k)
                                  for k, t in zip(keys, types)])
        pttls = client.pipeline([("PTTL", k) for k in keys])
        entries = {}
        for k, t, v, p in zip(keys, types, values, pttls):
            if t == "none":
                continue                  # expired between SCAN and TYPE
            if t == "hash" and isinstance(v, list):
                v = dict(zip(v[0::2], v[1::2]))
            elif t == "set" and isinstance(v, list):
                v = sorted(v)
            entries[k] = (t, v, p)
        if entries:
            result[db] = entries
    client.call("SELECT", 0)
    return result


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def compare_keyspaces(expected, actual, ttl_tolerance_ms=30000, max_report=25):
    """Differences between two dump_keyspace() results, as readable lines (empty: same).

    TTLs must be both absent or both present, and then within ttl_tolerance_ms of each other
    (time passes between two dumps)."""
    problems = []
    for db in sorted(set(expected) | set(actual)):
        exp, act = expected.get(db, {}), actual.get(db, {})
        missing = sorted(set(exp) - set(act))
        extra = sorted(set(act) - set(exp))
        if missing:
            problems.append(f"db {db}: {len(missing)} keys missing, e.g. "
                            f"{_short(missing[:5], 200)}")
        if extra:
            problems.append(f"db {db}: {len(extra)} unexpected keys, e.g. "
                            f"{_short(extra[:5], 200)}")
        for key in sorted(set(exp) & set(act)):
            (et, ev, ep), (at, av, ap) = exp[key], act[key]
            if et != at:
                problems.append(f"db {db} key {key!r}: type {at} instead of {et}")
            elif ev != av:
                if isinstance(ev, dict) and isinstance(av, dict):
                    diff = sorted(f for f in set(ev) | set(av) if ev.get(f) != av.get(f))
                    problems.append(f"db {db} hash {key!r}: {len(ev)} fields expected, "
                                    f"{len(av)} found, {len(diff)} differ, e.g. "
                                    f"{_short(diff[:3], 120)}")
                else:
                    problems.append(f"db {db} key {key!r}: value {_short(av)} instead of "
                                    f"{_short(ev)}")
            elif (ep >= 0) != (ap >= 0):
                problems.append(f"db {db} key {key!r}: PTTL {ap} instead of {ep}")
            elif ep >= 0 and abs(ep - ap) > ttl_tolerance_ms:
                problems.append(f"db {db} key {key!r}: PTTL {ap}, expected about {ep}")
            if len(problems) >= max_report:
                return problems + ["... (more differences not listed)"]
    return problems


def keyspace_from_rdb(rdb, now_ms=None):
    """An RdbFile (parse_rdb) in dump_keyspace()'s shape, expiries turned into PTTLs
    relative to now_ms; keys already expired at now_ms are left out."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    out = {}
    for db, entries in rdb.dbs.items():
        conv = {}
        for key, e in entries.items():
            if e.expire_ms is not None and e.expire_ms <= now_ms:
                continue
            pttl = -1 if e.expire_ms is None else e.expire_ms - now_ms
            conv[key] = (e.kind, e.value, pttl)
        if conv:
            out[db] = conv
    return out


# ---------------------------------------------------------------------------------------------
# A mixed data set of strings and hashes exercising every RDB string and hash encoding
# ---------------------------------------------------------------------------------------------

MIXED_DBS = (0, 1, 9)


def _pseudo_random_bytes(seed, n):
    import random
    return random.Random(seed).randbytes(n)


def mixed_dataset_commands(bulk_keys=10000):
    """{db: [command tuples]} writing the mixed data set: integer strings at every integer
    encoding's bounds and non-canonical numbers, 15/16/44/45-byte strings, compressible
    (LZF) and incompressible long strings, binary strings and key names, the empty string,
    hashes as listpacks and as hashtables (600 and 513 fields, a value over 64 bytes,
    binary fields, a compressible value), keys with TTLs, and `bulk_keys` plain keys."""
    db0 = []
    strings = {
        b"int:zero": b"0", b"int:small": b"7", b"int:neg": b"-1",
        b"int:int8max": b"127", b"int:int8min": b"-128", b"int:128": b"128",
        b"int:int16max": b"32767", b"int:int16min": b"-32768", b"int:32768": b"32768",
        b"int:int32max": b"2147483647", b"int:int32min": b"-2147483648",
        b"int:2p31": b"2147483648", b"int:12digits": b"123456789012",
        b"int:int64max": b"9223372036854775807", b"int:int64min": b"-9223372036854775808",
        b"int:leadzero": b"007", b"int:plus": b"+5", b"int:space": b" 5", b"int:negzero": b"-0",
        b"int:float": b"3.14",
        b"str:empty": b"",
        b"str:short": b"hello",
        b"str:15": b"abcdefghijklmno",
        b"str:16": b"abcdefghijklmnop",
        b"str:20": b"a" * 20,
        b"str:21": b"a" * 21,
        b"str:44": bytes(range(65, 65 + 44)),
        b"str:45": bytes(range(65, 65 + 45)),
        b"str:lzf:1000": b"a" * 1000,
        b"str:lzf:text": b"The quick brown fox jumps over the lazy dog. " * 800,
        b"str:lzf:numbers": b",".join(b"%d" % i for i in range(5000)),
        b"str:random:100": _pseudo_random_bytes(1, 100),
        b"str:random:20000": _pseudo_random_bytes(2, 20000),
        b"str:binary": b"\x00\r\n\x00bin\xff\xfe\r\n\x00",
        b"str:crlf": b"line1\r\nline2\r\n",
        b"str:utf8": "h\u00e9llo w\u00f6rld \u2713".encode(),
        b"bin\x00key\r\n\xff": b"value of a binary key",
        b"": b"value of the empty key",
    }
    for k, v in strings.items():
        db0.append(("SET", k, v))
    hashes = {
        b"hash:small": {b"f1": b"v1", b"f2": b"22", b"neg": b"-5", b"empty": b""},
        b"hash:ints": {b"1": b"1", b"-100": b"100000", b"big": b"9223372036854775807",
                       b"2147483648": b"-2147483649"},
        b"hash:600": {b"f%03d" % i: b"v%d" % i for i in range(600)},
        b"hash:512": {b"f%03d" % i: b"%d" % (i * 1000) for i in range(512)},
        b"hash:513": {b"f%03d" % i: b"value-%d" % i for i in range(513)},
        b"hash:64val": {b"a": b"y" * 64, b"b": b"short"},
        b"hash:65val": {b"a": b"x" * 65, b"b": b"short"},
        b"hash:longval": {b"rand": _pseudo_random_bytes(3, 300), b"text": b"word " * 40},
        b"hash:lzfval": {b"big": b"abc" * 2000, b"small": b"1"},
        b"hash:binary": {b"\x00f\r\n": b"\x00v\r\n", b"": b"empty field name",
                         b"empty value": b""},
        b"hash:longfield": {b"F" * 100: b"v", b"g": b"w"},
    }
    for k, fields in hashes.items():
        args = [a for kv in fields.items() for a in kv]
        for i in range(0, len(args), 200):
            db0.append(("HSET", k, *args[i:i + 200]))
    db0 += [("SET", "ttl:str", "expires later", "EX", 3000),
            ("SET", "ttl:str:ms", "expires later too", "PX", 5000000),
            ("SET", "ttl:int", "12345", "EX", 4000),
            ("HSET", "ttl:hash", "a", "1", "b", "2"), ("EXPIRE", "ttl:hash", 2000),
            ("HSET", "ttl:hash:600", *[a for i in range(600) for a in (b"k%d" % i, b"%d" % i)]),
            ("EXPIRE", "ttl:hash:600", 2500)]
    for i in range(bulk_keys):
        if i % 10 == 9:
            db0.append(("HSET", b"bulk:h:%06d" % i, "n", i, "name", b"item-%d" % i,
                        "neg", -i))
        elif i % 3 == 0:
            db0.append(("SET", b"bulk:%06d" % i, i))
        else:
            db0.append(("SET", b"bulk:%06d" % i, b"value-%d-" % i + b"x" * (i % 50)))
        if i % 7 == 0:
            db0.append(("EXPIRE", b"bulk:%06d" % i if i % 10 != 9 else b"bulk:h:%06d" % i,
                        3600 + i))
    db1 = [("SET", "str:short", "same key name as in db 0, other value"),
           ("SET", "db1:int", "-42"),
           ("SET", "db1:lzf", b"z" * 300),
           ("HSET", "db1:hash", "x", "1", "y", "two"),
           ("SET", "db1:ttl", "v", "EX", 5000)]
    db1 += [("SET", b"db1:bulk:%d" % i, i * 3) for i in range(500)]
    db9 = [("SET", "db9:only", "nine"),
           ("HSET", "db9:hash", *[a for i in range(200) for a in (b"f%d" % i, b"x" * 70)])]
    return {0: db0, 1: db1, 9: db9}


def fill_mixed_dataset(client, bulk_keys=10000):
    """Write mixed_dataset_commands() through `client` (a RespClient); leaves it on db 0.
    Raises ServerError if any command fails."""
    for db, commands in mixed_dataset_commands(bulk_keys).items():
        if client.call("SELECT", db) != b"OK":
            raise ServerError(f"SELECT {db} failed")
        for cmd, reply in zip(commands, client.pipeline(commands)):
            if isinstance(reply, RespError):
                raise ServerError(f"{_short(cmd)} failed: {reply.message}")
    client.call("SELECT", 0)


# ---------------------------------------------------------------------------------------------
# RDB files: CRC64, LZF, a reader for strings and hashes, and a writer to craft test files
# ---------------------------------------------------------------------------------------------

def _crc64_table():
    poly = 0x95AC9329AC4BC9B5          # reflected Jones polynomial, as Redis's crc64.c
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64_TABLE = None


def crc64(data, crc=0):
    """Redis's CRC64 (Jones, reflected, init 0, no final xor): crc64(b"123456789") ==
    0xe9c6d914c4b8d9ca."""
    global _CRC64_TABLE
    if _CRC64_TABLE is None:
        _CRC64_TABLE = _crc64_table()
    table = _CRC64_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def lzf_decompress(src, expected_len):
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        ctrl = src[i]
        i += 1
        if ctrl < 32:
            out += src[i:i + ctrl + 1]
            i += ctrl + 1
            continue
        length = ctrl >> 5
        ref = len(out) - ((ctrl & 0x1F) << 8) - 1
        if length == 7:
            length += src[i]
            i += 1
        ref -= src[i]
        i += 1
        if ref < 0:
            raise RdbFormatError("LZF back reference before the start")
        for _ in range(length + 2):
            out.append(out[ref])
            ref += 1
    if len(out) != expected_len:
        raise RdbFormatError(f"LZF data decompressed to {len(out)} bytes, not {expected_len}")
    return bytes(out)


def lzf_compress(data):
    """A simple (greedy, last-occurrence) LZF compressor; its output is valid for liblzf."""
    out = bytearray()
    lit = bytearray()
    table = {}
    i, n = 0, len(data)

    def flush():
        while lit:
            chunk = lit[:32]
            out.append(len(chunk) - 1)
            out.extend(chunk)
            del lit[:32]

    while i < n:
        if i + 2 < n:
            key = data[i:i + 3]
            j = table.get(key)
            table[key] = i
            if j is not None and i - j - 1 <= 8191:
                length = 3
                while i + length < n and length < 264 and data[j + length] == data[i + length]:
                    length += 1
                flush()
                off, ln = i - j - 1, length - 2
                if ln < 7:
                    out.append((ln << 5) | (off >> 8))
                else:
                    out.append((7 << 5) | (off >> 8))
                    out.append(ln - 7)
                out.append(off & 0xFF)
                i += length
                continue
        lit.append(data[i])
        i += 1
    flush()
    return bytes(out)


class RdbFormatError(Exception):
    """The bytes are not an RDB file this reader understands."""


RDB_TYPE_NAMES = {0: "string", 1: "list", 2: "set", 3: "zset", 4: "hash", 5: "zset2",
                  6: "module", 7: "module2", 9: "hash_zipmap", 10: "list_ziplist",
                  11: "set_intset", 12: "zset_ziplist", 13: "hash_ziplist",
                  14: "list_quicklist", 15: "stream_listpacks", 16: "hash_listpack",
                  17: "zset_listpack", 18: "list_quicklist2", 19: "stream_listpacks2"}


class RdbEntry:
    __slots__ = ("kind", "value", "expire_ms", "type_code", "encoding")

    def __init__(self, kind, value, expire_ms, type_code, encoding=None):
        self.kind, self.value, self.expire_ms, self.type_code = kind, value, expire_ms, type_code
        self.encoding = encoding    # a string value's encoding: raw, int8/16/32 or lzf

    def __repr__(self):
        return (f"RdbEntry({self.kind}, type {self.type_code}, expire {self.expire_ms}, "
                f"{_short(self.value)})")


class RdbFile:
    """What parse_rdb() found: version, aux {name: value bytes}, dbs {db: {key: RdbEntry}},
    resizedb {db: (keys, expires)}, string_encodings {"raw"|"int8"|"int16"|"int32"|"lzf":
    count}, stored_checksum and computed_checksum (ints), select_order (dbs as they came),
    eof_offset (offset of the FF byte)."""

    def __init__(self):
        self.version = None
        self.aux = {}
        self.dbs = {}
        self.resizedb = {}
        self.string_encodings = {}
        self.stored_checksum = None
        self.computed_checksum = None
        self.select_order = []
        self.eof_offset = None

    def type_codes(self):
        """{type code: number of keys} over all dbs."""
        out = {}
        for entries in self.dbs.values():
            for e in entries.values():
                out[e.type_code] = out.get(e.type_code, 0) + 1
        return out


class _RdbReader:
    def __init__(self, data, result):
        self.data, self.pos, self.res = data, 0, result
        self.last_encoding = None

    def take(self, n):
        if self.pos + n > len(self.data):
            raise RdbFormatError(f"unexpected end of file at offset {self.pos} (wanted {n})")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def byte(self):
        return self.take(1)[0]

    def length(self):
        """(value, is_encoded)"""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return b & 0x3F, True
        if b == 0x80:
            return int.from_bytes(self.take(4), "big"), False
        if b == 0x81:
            return int.from_bytes(self.take(8), "big"), False
        raise RdbFormatError(f"bad length byte {b:#x} at offset {self.pos - 1}")

    def plain_length(self):
        n, enc = self.length()
        if enc:
            raise RdbFormatError(f"encoded value where a length belongs at {self.pos - 1}")
        return n

    def string(self):
        n, enc = self.length()
        counts = self.res.string_encodings
        if not enc:
            counts["raw"] = counts.get("raw", 0) + 1
            self.last_encoding = "raw"
            return self.take(n)
        if n in (0, 1, 2):
            size = 1 << n
            counts[f"int{size * 8}"] = counts.get(f"int{size * 8}", 0) + 1
            self.last_encoding = f"int{size * 8}"
            return b"%d" % int.from_bytes(self.take(size), "little", signed=True)
        if n == 3:
            clen, ulen = self.plain_length(), self.plain_length()
            counts["lzf"] = counts.get("lzf", 0) + 1
            self.last_encoding = "lzf"
            return lzf_decompress(self.take(clen), ulen)
        raise RdbFormatError(f"unknown string encoding {n} at offset {self.pos - 1}")


def _parse_listpack(lp):
    if len(lp) < 7:
        raise RdbFormatError("listpack too short")
    total = int.from_bytes(lp[0:4], "little")
    if total != len(lp):
        raise RdbFormatError(f"listpack header says {total} bytes, has {len(lp)}")
    count = int.from_bytes(lp[4:6], "little")
    items, i = [], 6
    while True:
        b = lp[i]
        if b == 0xFF:
            break
        start = i
        if b < 0x80:
            items.append(b"%d" % b)
            i += 1
        elif b >> 6 == 2:
            n = b & 0x3F
            items.append(lp[i + 1:i + 1 + n])
            i += 1 + n
        elif b >> 5 == 6:
            v = ((b & 0x1F) << 8) | lp[i + 1]
            items.append(b"%d" % (v - (1 << 13) if v >= 1 << 12 else v))
            i += 2
        elif b >> 4 == 14:
            n = ((b & 0x0F) << 8) | lp[i + 1]
            items.append(lp[i + 2:i + 2 + n])
            i += 2 + n
        elif b == 0xF0:
            n = int.from_bytes(lp[i + 1:i + 5], "little")
            items.append(lp[i + 5:i + 5 + n])
            i += 5 + n
        elif b in (0xF1, 0xF2, 0xF3, 0xF4):
            size = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[b]
            items.append(b"%d" % int.from_bytes(lp[i + 1:i + 1 + size], "little", signed=True))
            i += 1 + size
        else:
            raise RdbFormatError(f"bad listpack encoding byte {b:#x}")
        entry_len = i - start
        i += 1 if entry_len < 128 else 2 if entry_len < 16383 else 3 if entry_len < 2097151 \
            else 4 if entry_len < 268435455 else 5
        if i >= len(lp):
            raise RdbFormatError("listpack runs past its end")
    if count != 0xFFFF and count != len(items):
        raise RdbFormatError(f"listpack header counts {count} entries, has {len(items)}")
    return items


def _parse_ziplist(zl):
    if len(zl) < 11 or int.from_bytes(zl[0:4], "little") != len(zl):
        raise RdbFormatError("bad ziplist header")
    count = int.from_bytes(zl[8:10], "little")
    items, i = [], 10
    while zl[i] != 0xFF:
        i += 1 if zl[i] < 254 else 5
        b = zl[i]
        kind = b >> 6
        if kind == 0:
            n = b & 0x3F
            items.append(zl[i + 1:i + 1 + n])
            i += 1 + n
        elif kind == 1:
            n = ((b & 0x3F) << 8) | zl[i + 1]
            items.append(zl[i + 2:i + 2 + n])
            i += 2 + n
        elif kind == 2:
            n = int.from_bytes(zl[i + 1:i + 5], "big")
            items.append(zl[i + 5:i + 5 + n])
            i += 5 + n
        elif b in (0xC0, 0xD0, 0xE0, 0xF0, 0xFE):
            size = {0xC0: 2, 0xD0: 4, 0xE0: 8, 0xF0: 3, 0xFE: 1}[b]
            items.append(b"%d" % int.from_bytes(zl[i + 1:i + 1 + size], "little", signed=True))
            i += 1 + size
        elif 0xF1 <= b <= 0xFD:
            items.append(b"%d" % ((b & 0x0F) - 1))
            i += 1
        else:
            raise RdbFormatError(f"bad ziplist encoding byte {b:#x}")
    if count != 0xFFFF and count != len(items):
        raise RdbFormatError(f"ziplist header counts {count} entries, has {len(items)}")
    return items


def _pairs_to_dict(items, what):
    if len(items) % 2:
        raise RdbFormatError(f"{what} with an odd number of entries")
    return dict(zip(items[0::2], items[1::2]))


def parse_rdb(data, verify_checksum=True):
    """Parse an RDB file holding strings and hashes (types 0, 4, 13, 16) into an RdbFile.
    Raises RdbFormatError on anything else or on malformed bytes."""
    res = RdbFile()
    r = _RdbReader(bytes(data), res)
    magic = r.take(9)
    if magic[:5] != b"REDIS" or not magic[5:].isdigit():
        raise RdbFormatError(f"bad magic {magic!r}")
    res.version = int(magic[5:])
    db = 0
    expire = None
    while True:
        op = r.byte()
        if op == 0xFF:
            res.eof_offset = r.pos - 1
            if res.version >= 5:
                res.stored_checksum = int.from_bytes(r.take(8), "little")
                if verify_checksum:
                    res.computed_checksum = crc64(r.data[:r.pos - 8])
            if r.pos != len(r.data):
                raise RdbFormatError(f"{len(r.data) - r.pos} bytes after the end of the RDB")
            return res
        if op == 0xFA:
            name = r.string()
            res.aux[name] = r.string()
        elif op == 0xFE:
            db = r.plain_length()
            res.select_order.append(db)
            res.dbs.setdefault(db, {})
        elif op == 0xFB:
            res.resizedb[db] = (r.plain_length(), r.plain_length())
        elif op == 0xFC:
            expire = int.from_bytes(r.take(8), "little")
        elif op == 0xFD:
            expire = int.from_bytes(r.take(4), "little") * 1000
        elif op == 0xF8:
            r.plain_length()
        elif op == 0xF9:
            r.byte()
        elif op in (0, 4, 13, 16):
            key = r.string()
            encoding = None
            if op == 0:
                kind, value = "string", r.string()
                encoding = r.last_encoding
            elif op == 4:
                n = r.plain_length()
                value = {}
                for _ in range(n):
                    f = r.string()
                    value[f] = r.string()
                if len(value) != n:
                    raise RdbFormatError(f"duplicate fields in hash {key!r}")
                kind = "hash"
            elif op == 13:
                kind, value = "hash", _pairs_to_dict(_parse_ziplist(r.string()), "ziplist")
            else:
                kind, value = "hash", _pairs_to_dict(_parse_listpack(r.string()), "listpack")
            entries = res.dbs.setdefault(db, {})
            if key in entries:
                raise RdbFormatError(f"duplicate key {key!r} in db {db}")
            entries[key] = RdbEntry(kind, value, expire, op, encoding)
            expire = None
        else:
            name = RDB_TYPE_NAMES.get(op, "unknown")
            raise RdbFormatError(f"unsupported RDB opcode/type {op} ({name}) at offset "
                                 f"{r.pos - 1}")


def rdb_length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 1 << 32:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def rdb_string(s, encoding="auto"):
    """An RDB string: encoding "raw", "int" (C0/C1/C2; s must be a canonical int32),
    "lzf" (C3, with lzf_compress), or "auto" (int when possible, else raw)."""
    if isinstance(s, int):
        s = b"%d" % s
    if isinstance(s, str):
        s = s.encode()
    if encoding in ("auto", "int"):
        try:
            v = int(s)
            canonical = b"%d" % v == s and len(s) <= 11
        except ValueError:
            canonical = False
        if canonical and -(1 << 31) <= v < (1 << 31):
            if -128 <= v <= 127:
                return b"\xc0" + v.to_bytes(1, "little", signed=True)
            if -32768 <= v <= 32767:
                return b"\xc1" + v.to_bytes(2, "little", signed=True)
            return b"\xc2" + v.to_bytes(4, "little", signed=True)
        if encoding == "int":
            raise ValueError(f"{s!r} cannot be int-encoded")
    if encoding == "lzf":
        c = lzf_compress(s)
        return b"\xc3" + rdb_length(len(c)) + rdb_length(len(s)) + c
    return rdb_length(len(s)) + s


def _lp_backlen(n):
    if n <= 127:
        return bytes([n])
    if n < 16383:
        return bytes([n >> 7, (n & 127) | 128])
    return bytes([n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128])


def build_listpack(items):
    """Listpack bytes for a list of bytes items (canonical integers get integer encodings)."""
    body = bytearray()
    for it in items:
        it = it.encode() if isinstance(it, str) else it
        enc = None
        try:
            v = int(it)
            if b"%d" % v == it and len(it) <= 20:
                if 0 <= v <= 127:
                    enc = bytes([v])
                elif -4096 <= v <= 4095:
                    u = v & 0x1FFF
                    enc = bytes([0xC0 | (u >> 8), u & 0xFF])
                elif -(1 << 15) <= v < 1 << 15:
                    enc = b"\xf1" + v.to_bytes(2, "little", signed=True)
                elif -(1 << 23) <= v < 1 << 23:
                    enc = b"\xf2" + v.to_bytes(3, "little", signed=True)
                elif -(1 << 31) <= v < 1 << 31:
                    enc = b"\xf3" + v.to_bytes(4, "little", signed=True)
                elif -(1 << 63) <= v < 1 << 63:
                    enc = b"\xf4" + v.to_bytes(8, "little", signed=True)
        except ValueError:
            pass
        if enc is None:
            n = len(it)
            if n < 64:
                enc = bytes([0x80 | n]) + it
            elif n < 4096:
                enc = bytes([0xE0 | (n >> 8), n & 0xFF]) + it
            else:
                enc = b"\xf0" + n.to_bytes(4, "little") + it
        body += enc + _lp_backlen(len(enc))
    total = 6 + len(body) + 1
    count = len(items) if len(items) < 0xFFFF else 0xFFFF
    return total.to_bytes(4, "little") + count.to_bytes(2, "little") + bytes(body) + b"\xff"


def build_ziplist(items):
    """Ziplist bytes (as Redis <= 6.2 wrote small hashes) for a list of bytes items."""
    entries = []
    prevlen = 0
    for it in items:
        it = it.encode() if isinstance(it, str) else it
        enc = None
        try:
            v = int(it)
            if b"%d" % v == it and len(it) <= 20:
                if 0 <= v <= 12:
                    enc = bytes([0xF1 + v])
                elif -128 <= v <= 127:
                    enc = b"\xfe" + v.to_bytes(1, "little", signed=True)
                elif -(1 << 15) <= v < 1 << 15:
                    enc = b"\xc0" + v.to_bytes(2, "little", signed=True)
                elif -(1 << 23) <= v < 1 << 23:
                    enc = b"\xf0" + v.to_bytes(3, "little", signed=True)
                elif -(1 << 31) <= v < 1 << 31:
                    enc = b"\xd0" + v.to_bytes(4, "little", signed=True)
                elif -(1 << 63) <= v < 1 << 63:
                    enc = b"\xe0" + v.to_bytes(8, "little", signed=True)
        except ValueError:
            pass
        if enc is None:
            n = len(it)
            if n < 64:
                enc = bytes([n]) + it
            elif n < 16384:
                enc = bytes([0x40 | (n >> 8), n & 0xFF]) + it
            else:
                enc = b"\x80" + n.to_bytes(4, "big") + it
        prev = bytes([prevlen]) if prevlen < 254 else b"\xfe" + prevlen.to_bytes(4, "little")
        entry = prev + enc
        entries.append(entry)
        prevlen = len(entry)
    body = b"".join(entries)
    tail = 10 + len(body) - (len(entries[-1]) if entries else 0)
    total = 10 + len(body) + 1
    count = len(items) if len(items) < 0xFFFF else 0xFFFF
    return (total.to_bytes(4, "little") + tail.to_bytes(4, "little") +
            count.to_bytes(2, "little") + body + b"\xff")


class RdbWriter:
    """Craft RDB files byte by byte:

        w = RdbWriter(10); w.aux("redis-ver", "7.0.15"); w.select(0); w.resize(2, 1)
        w.string("k", "v"); w.expire_ms(ms); w.hash_listpack("h", {b"f": b"v"})
        data = w.finish()            # FF + CRC64 (or 8 zero bytes with checksum=False)
    """

    def __init__(self, version=10):
        self.buf = bytearray(b"REDIS%04d" % version)

    def raw(self, data):
        self.buf += data
        return self

    def aux(self, name, value):
        self.buf += b"\xfa" + rdb_string(name, "raw") + rdb_string(value)
        return self

    def select(self, db):
        self.buf += b"\xfe" + rdb_length(db)
        return self

    def resize(self, keys, expires):
        self.buf += b"\xfb" + rdb_length(keys) + rdb_length(expires)
        return self

    def expire_ms(self, ms):
        self.buf += b"\xfc" + int(ms).to_bytes(8, "little")
        return self

    def string(self, key, value, encoding="auto"):
        self.buf += b"\x00" + rdb_string(key, "raw") + rdb_string(value, encoding)
        return self

    def hash_table(self, key, fields, encoding="auto"):
        self.buf += b"\x04" + rdb_string(key, "raw") + rdb_length(len(fields))
        for f, v in fields.items():
            self.buf += rdb_string(f, encoding) + rdb_string(v, encoding)
        return self

    def hash_listpack(self, key, fields, lzf=False):
        lp = build_listpack([x for kv in fields.items() for x in kv])
        self.buf += b"\x10" + rdb_string(key, "raw") + rdb_string(lp, "lzf" if lzf else "raw")
        return self

    def hash_ziplist(self, key, fields, lzf=False):
        zl = build_ziplist([x for kv in fields.items() for x in kv])
        self.buf += b"\x0d" + rdb_string(key, "raw") + rdb_string(zl, "lzf" if lzf else "raw")
        return self

    def finish(self, checksum=True):
        self.buf += b"\xff"
        crc = crc64(self.buf) if checksum else 0
        return bytes(self.buf) + crc.to_bytes(8, "little")


# ---------------------------------------------------------------------------------------------
# AOF files
# ---------------------------------------------------------------------------------------------

def parse_aof(data):
    """Split RESP-format AOF bytes into commands: returns (commands, complete_up_to) where
    commands is a list of (start, end, [args as bytes]) and complete_up_to is the offset
    just after the last whole command (len(data) unless the file ends mid-command).
    Raises RespProtocolError if something other than an array of bulk strings appears."""
    commands = []
    pos = 0
    while pos < len(data):
        if data[pos:pos + 1] != b"*":
            raise RespProtocolError(f"offset {pos}: expected '*', found {data[pos:pos + 1]!r}")
        try:
            node, end = parse_reply(data, pos)
        except Incomplete:
            break
        kind, children = node
        if kind != "*" or not children or any(ch[0] != "$" or ch[1] is None
                                               for ch in children):
            raise RespProtocolError(f"offset {pos}: not a command")
        commands.append((pos, end, [ch[1] for ch in children]))
        pos = end
    return commands, pos


def read_manifest(path):
    """An AOF manifest as a list of dicts {"file", "seq", "type"} (values as str)."""
    out = []
    with open(path, "r") as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            entry = dict(zip(words[0::2], words[1::2]))
            out.append(entry)
    return out

# ---------------------------------------------------------------------------------------------
# A unittest base for persistence tests: servers in directories that outlive restarts
# ---------------------------------------------------------------------------------------------

class PersistenceTestCase(unittest.TestCase):
    """Each test starts its own servers, each in a directory of its own (removed at the end)
    that is kept across restarts, so a restarted server finds the files the last one wrote.
    A failed test prints the logs of its servers (and keeps their directories)."""

    def tempdir(self, prefix="petrel-persist-"):
        d = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(self._remove_dir, d)
        return d

    def _remove_dir(self, d):
        if not test_has_failed(self):
            shutil.rmtree(d, ignore_errors=True)
        else:
            sys.stderr.write(f"\n(kept directory {d} of failed test {self.id()})\n")

    def server(self, args=(), kind=None, dir=None, start=True, config=None):
        """A Server of `kind` (default: the target) in `dir` (default: a new temp dir)."""
        srv = Server(kind or target_kind(), list(args), config=config,
                     dir=dir if dir is not None else self.tempdir())
        self.addCleanup(self._stop_quietly, srv)
        if start:
            srv.start()
        return srv

    def _stop_quietly(self, srv):
        if test_has_failed(self):
            if srv.dir and srv.proc is not None:
                srv.failed = True
                srv.report_log(f"{srv.kind} server log ({self.id()} failed)")
            try:
                srv.stop()
            except ServerError as e:       # already failing: do not add a second error
                sys.stderr.write(f"\n({e})\n")
            return
        srv.stop()

    def client(self, srv, timeout=30.0):
        c = srv.client(timeout)
        self.addCleanup(c.close)
        return c

    @staticmethod
    def read_bytes(path):
        with open(path, "rb") as f:
            return f.read()

    @staticmethod
    def write_bytes(path, data):
        with open(path, "wb") as f:
            f.write(data)

    def assert_same_keyspace(self, expected, actual, ttl_tolerance_ms=30000, what=""):
        problems = compare_keyspaces(expected, actual, ttl_tolerance_ms)
        if problems:
            self.fail((what + ": " if what else "") + "keyspaces differ:\n  " +
                      "\n  ".join(problems))

    def assert_refuses_to_start(self, srv, timeout=20.0):
        """Start srv expecting it to exit with a non-zero status by itself (not by a
        signal: a crash is not a refusal); return the log of that attempt."""
        try:
            status = srv.start_expect_exit(timeout)
        except ServerError as e:
            self.fail(f"{e}\nlog:\n{srv.log_since_start()[-3000:]}")
        log = srv.log_since_start()
        self.assertGreater(status, 0, f"exit status {status} (negative: killed by signal "
                           f"{-status})\nlog:\n{log[-3000:]}")
        return log

    def shutdown(self, srv, *args):
        """Send SHUTDOWN [args]; expect the connection closed without a reply and the process
        to exit with status 0."""
        with srv.client() as c:
            c.send_command("SHUTDOWN", *args)
            self.assertTrue(c.wait_closed(timeout=30), "SHUTDOWN: connection still open")
            self.assertEqual(c.buf, b"", "SHUTDOWN replied although it succeeded")
        self.assertEqual(srv.wait_exit(30), 0, "exit status after SHUTDOWN")

    def terminate(self, srv):
        """SIGTERM; expect exit status 0."""
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(srv.wait_exit(30), 0, "exit status after SIGTERM")
