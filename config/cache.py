"""The shared cache (``CACHE_URL``): Django's Redis backend, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache call, and each
one builds its table of response callbacks (a few hundred entries): two cache reads per request
(the session, the user) cost more Python than the reads themselves (issue 14). A ``redis.Redis``
is safe to share between threads and keeps its pool's connections; after a fork the pool opens
new ones itself.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class Cache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
