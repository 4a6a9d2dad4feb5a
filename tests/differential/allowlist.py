"""Deliberate differences between Petrel and Redis 7.0 that the differential test accepts.

This is the only place such differences are accepted (docs/compatibility.md explains them
to users). Each entry maps (script file name, script line text exactly as written, without
surrounding whitespace) to the reason the difference is deliberate. A mismatch that is not
listed here fails the run; an entry that no longer matches any mismatch is reported as stale.

Example:
    ("server.txt", "COMMAND COUNT"): "Petrel implements a subset of Redis's commands",
"""

ALLOWED = {
}
