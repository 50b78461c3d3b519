"""config.cache: the shared cache keeps one Redis client per connection pool (issue 14)."""

import os

import pytest

from config.cache import Cache


@pytest.fixture
def cache():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis (REDIS_URL)")
    return Cache(url, {"KEY_PREFIX": "test-config-cache"})


def test_the_client_is_made_once_and_reads_and_writes(cache):
    first = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is first
    cache.set("greeting", {"zh": "你好"}, 30)
    assert cache.get("greeting") == {"zh": "你好"}
    cache.delete("greeting")
    assert cache.get("greeting") is None
