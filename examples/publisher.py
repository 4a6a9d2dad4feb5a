#!/usr/bin/env python3
"""Publish messages on a Petrel (or Redis) pub/sub channel.

    python3 examples/publisher.py --channel news "first story" "second story"
    python3 examples/publisher.py --channel news.tech --interval 1 one two three
    echo hello | python3 examples/publisher.py --channel news     # one message per input line

Every subscriber of the channel, and every subscriber whose pattern matches it, gets each
message; the server answers PUBLISH with how many of them there were. A message published while
nobody listens is simply dropped: pub/sub does not store messages.
Needs redis-py (`apt-get install python3-redis` or `pip install redis`).
"""

import argparse
import sys
import time

import redis


def parse_args():
    ap = argparse.ArgumentParser(description="Publish messages on a channel.")
    ap.add_argument("--host", default="127.0.0.1", help="server address (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=6379, help="server port (default 6379)")
    ap.add_argument("--channel", required=True, help="the channel to publish on")
    ap.add_argument("--interval", type=float, default=0.0,
                    help="seconds to wait between two messages (default 0)")
    ap.add_argument("messages", nargs="*",
                    help="the messages; without any, each line of standard input is one")
    return ap.parse_args()


def main():
    opts = parse_args()
    server = redis.Redis(host=opts.host, port=opts.port, decode_responses=True)
    messages = opts.messages or (line.rstrip("\n") for line in sys.stdin)
    try:
        for i, text in enumerate(messages):
            if i and opts.interval:
                time.sleep(opts.interval)
            receivers = server.publish(opts.channel, text)
            print(f"{opts.channel}: {text!r} reached {receivers} subscriber(s)", flush=True)
    except redis.exceptions.ConnectionError as e:
        print(f"cannot publish: {e}", file=sys.stderr)
        return 1
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
