"""The Redis cache builds one client per connection pool, not one per operation."""

import os

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: the Redis cache backend"
)


def test_cache_operations_share_one_client_and_still_work():
    backend = cache._cache
    first = backend.get_client("a", write=True)
    assert backend.get_client("b", write=True) is first
    cache.set("cpms-test-key", {"n": 1}, 30)
    assert cache.get("cpms-test-key") == {"n": 1}
    assert cache.add("cpms-test-key", "other", 30) is False
    cache.delete("cpms-test-key")
    assert cache.get("cpms-test-key") is None
