"""Django's Redis cache, keeping one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` at every cache
operation; building one takes about 75 µs here, more than a GET over loopback, and a
login makes some thirty cache operations (session, allauth's rate limits and their
locks). ``redis.Redis`` is safe to share between threads, and connections stay in the
pool as before, so the client is built once per pool.
"""

from typing import TYPE_CHECKING

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

if TYPE_CHECKING:
    from redis import ConnectionPool, Redis


class ReusedRedisCacheClient(RedisCacheClient):
    if TYPE_CHECKING:  # Django's private members used below, which django-stubs leaves out
        _client: type[Redis]

        def _get_connection_pool_index(self, write: bool) -> int: ...
        def _get_connection_pool(self, write: bool) -> ConnectionPool: ...

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Redis] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class PortalRedisCache(RedisCache):
    """settings.CACHES["default"]["BACKEND"] when REDIS_URL is set."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
