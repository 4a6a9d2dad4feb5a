#!/usr/bin/env python3
"""Listen on Petrel (or Redis) pub/sub channels and print every message that arrives.

    python3 examples/subscriber.py --channel news                  # one channel
    python3 examples/subscriber.py --channel news --channel sport  # several channels
    python3 examples/subscriber.py --pattern 'news.*'              # every channel matching a glob
    python3 examples/subscriber.py --port 6380 --pattern '*'       # another server, everything

Start it, then run examples/publisher.py in another terminal. Ctrl-C stops it.
Needs redis-py (`apt-get install python3-redis` or `pip install redis`).
"""

import argparse
import sys

import redis


def parse_args():
    ap = argparse.ArgumentParser(description="Print the messages published on channels.")
    ap.add_argument("--host", default="127.0.0.1", help="server address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=6379, help="server port (default 6379)")
    ap.add_argument("--channel", action="append", default=[],
                    help="a channel to subscribe to (repeatable)")
    ap.add_argument("--pattern", action="append", default=[],
                    help="a glob pattern of channels to subscribe to, e.g. 'news.*' "
                         "(repeatable)")
    ap.add_argument("--count", type=int, default=0,
                    help="exit after this many messages (default: run until Ctrl-C)")
    opts = ap.parse_args()
    if not opts.channel and not opts.pattern:
        ap.error("give at least one --channel or --pattern")
    return opts


def main():
    opts = parse_args()
    # decode_responses: channel names and payloads arrive as str instead of bytes.
    server = redis.Redis(host=opts.host, port=opts.port, decode_responses=True)
    # A PubSub object holds its own connection, separate from the one `server` uses for
    # ordinary commands. Subscription confirmations are not interesting here, so skip them.
    pubsub = server.pubsub(ignore_subscribe_messages=True)
    if opts.channel:
        pubsub.subscribe(*opts.channel)
    if opts.pattern:
        pubsub.psubscribe(*opts.pattern)
    what = ", ".join([f"channel {c}" for c in opts.channel]
                     + [f"pattern {p}" for p in opts.pattern])
    print(f"Listening on {what} at {opts.host}:{opts.port}", flush=True)

    received = 0
    try:
        # listen() blocks until the next message and yields it as a dict with the keys
        # type ("message" or "pmessage"), pattern, channel and data.
        for message in pubsub.listen():
            if message["type"] == "pmessage":
                print(f"[{message['pattern']}] {message['channel']}: {message['data']}",
                      flush=True)
            elif message["type"] == "message":
                print(f"{message['channel']}: {message['data']}", flush=True)
            else:
                continue
            received += 1
            if opts.count and received >= opts.count:
                break
    except KeyboardInterrupt:
        pass
    except redis.exceptions.ConnectionError as e:
        print(f"connection lost: {e}", file=sys.stderr)
        return 1
    finally:
        pubsub.close()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
