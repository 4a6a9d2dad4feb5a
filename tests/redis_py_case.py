"""A unittest base for redis-py tests: one server per class, a flushed keyspace per test, and
redis-py clients that are closed at the end of the test."""
import redis
from redis.exceptions import ResponseError

import petrel_testlib as tl


class RedisPyCase(tl.ServerTestCase):
    def setUp(self):
        with self.server.client() as c:
            self.assertEqual(c.command("FLUSHALL"), b"+OK\r\n")

    def client(self, **kwargs):
        kwargs.setdefault("socket_timeout", 10)
        r = redis.Redis(host=tl.HOST, port=self.server.port, **kwargs)
        self.addCleanup(r.close)
        return r

    def assertResponseError(self, text, fn, *args, **kwargs):
        with self.assertRaises(ResponseError) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(str(ctx.exception), text)
