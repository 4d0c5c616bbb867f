"""A Redis cache that answers "miss" instead of failing when Redis is down.

Django's ``RedisCache`` raises ``redis.ConnectionError`` on every call while the
server is unreachable, and Wagtail reads the cache on every page (site root
paths), so a Redis outage would take the whole site down. With
``ResilientRedisCache`` reads return the default and writes are dropped, each
logged as a warning. ``add``/``incr``/``decr`` still raise: they are counters
(rate limits, lock-outs), and :mod:`wagtail_pilots.ratelimit` decides what an
outage means for them (allow, with a warning in the logs).

Use it in ``CACHES`` like Django's backend; short socket timeouts keep a hung
server from holding workers::

    "BACKEND": "wagtail_pilots.cache.ResilientRedisCache",
    "LOCATION": "redis://127.0.0.1:6379/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _outage_errors():
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def _tolerant(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except _outage_errors():
                logger.warning(
                    "Cache unavailable (%s); carrying on without it",
                    method.__name__,
                    exc_info=True,
                )
                if callable(default):
                    return default(*args, **kwargs)
                return default

        return wrapper

    return decorate


def _get_default(key, default=None, version=None):
    return default


class ResilientRedisCache(RedisCache):
    get = _tolerant(_get_default)(RedisCache.get)
    get_many = _tolerant({})(RedisCache.get_many)
    has_key = _tolerant(False)(RedisCache.has_key)
    set = _tolerant(None)(RedisCache.set)
    set_many = _tolerant(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _tolerant(False)(RedisCache.touch)
    delete = _tolerant(False)(RedisCache.delete)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    clear = _tolerant(False)(RedisCache.clear)
