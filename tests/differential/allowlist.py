"""Deliberate differences between Petrel and Redis 7.0 that the differential test accepts.

This is the only place such differences are accepted (docs/compatibility.md explains them
to users). Each entry maps (script file name, script line text exactly as written, without
surrounding whitespace) to the reason the difference is deliberate. A mismatch that is not
listed here fails the run; an entry that no longer matches any mismatch is reported as stale.

An entry whose line is "*" covers a whole script.
"""

_SUBSET = "Petrel implements a subset of Redis 7.0's commands (docs/compatibility.md)"
_OWN_WORDS = "summaries, history notes and HELP texts are written in Petrel's own words"

ALLOWED = {
    # CLIENT SETINFO is Redis 7.2's; client libraries send it, so Petrel accepts it.
    ("client.txt", "CLIENT SETINFO lib-name mylib"): "CLIENT SETINFO accepted (Redis 7.2)",
    ("client.txt", "CLIENT SETINFO lib-ver 1.0"): "CLIENT SETINFO accepted (Redis 7.2)",
    ("client.txt", "!shape CLIENT HELP"): _OWN_WORDS,
    ("object.txt", "!shape OBJECT HELP"): _OWN_WORDS,
    ("client.txt", "CLIENT TRACKING foo"): "client-side caching is not implemented",
    ("command_table.txt", "COMMAND COUNT"): _SUBSET,
    ("resp3.txt", "COMMAND COUNT"): _SUBSET,
    ("command_table.txt", "!deepsorted COMMAND INFO"): _SUBSET,
    ("command_table.txt", "!deepsorted COMMAND INFO client"): _SUBSET,
    ("command_table.txt", "!deepsorted COMMAND INFO latency"): _SUBSET,
    ("command_table.txt", "COMMAND DOCS get"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS set"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS getex"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS lcs scan expire"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS incr incrbyfloat getrange copy"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS hello ping select"): _OWN_WORDS,
    ("command_table.txt", "COMMAND DOCS client|kill client|setname config|get"): _OWN_WORDS,
    ("command_table.txt", "!deepsorted COMMAND DOCS client"): _OWN_WORDS,
    ("command_table.txt", "!deepsorted COMMAND DOCS config object"): _OWN_WORDS,
    ("resp3.txt", "COMMAND DOCS get"): _OWN_WORDS,
    ("server.txt", "CONFIG SET port abc"):
        "port cannot be changed at runtime in Petrel, so CONFIG SET refuses it as immutable",
}
