"""Rate limits and lock-outs through Django's cache, so they hold across workers.

Counters are fixed windows keyed by a caller-chosen key (usually
``client_key(request)`` plus what is limited). With a shared cache (Redis,
Memcached, the database cache) every worker sees the same counts; with the
process-local ``LocMemCache`` each process counts for itself, which is only
suitable for development.

If the cache is unreachable the limiter cannot know past counts, so it allows
the request and logs a warning: the site keeps answering rather than refusing
everyone, and the logs say that limits are not being enforced.
"""

import hashlib
import logging
import re
from dataclasses import dataclass

from .conf import get_cache

logger = logging.getLogger(__name__)

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text):
        """``"20/m"``, ``"5/10m"``, ``"100/h"`` → ``Rate``. Raises ValueError."""
        if isinstance(text, Rate):
            return text
        match = _RATE_RE.match(str(text))
        if not match:
            raise ValueError(
                f"Invalid rate {text!r}: use 'N/unit' or 'N/Kunit', unit s, m, h or d."
            )
        limit, multiple, unit = match.groups()
        return cls(int(limit), int(multiple or 1) * _UNITS[unit])


def client_key(request):
    """Identify a client for limits: its address plus a hash of its user agent.

    Behind a reverse proxy configure it to set ``REMOTE_ADDR`` (or use a middleware
    that does); ``X-Forwarded-For`` is not trusted here because any client can
    send it. Adding the user agent keeps one noisy browser from exhausting the
    allowance of everyone else behind the same proxy address.
    """
    addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    agent = request.META.get("HTTP_USER_AGENT", "")
    agent_hash = hashlib.sha256(agent.encode("utf-8", "replace")).hexdigest()[:12]
    return f"{addr}|{agent_hash}"


def _cache_key(scope, key):
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()
    return f"wagtail_pilots:rl:{scope}:{digest}"


def hit(scope, key, rate):
    """Count one event; return True while the count is within the rate."""
    rate = Rate.parse(rate)
    cache = get_cache()
    cache_key = _cache_key(scope, key)
    try:
        if cache.add(cache_key, 1, timeout=rate.window):
            return True
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rate.window)
            return True
        return count <= rate.limit
    except Exception:  # a cache outage must not take the site down
        logger.warning(
            "Rate limit cache unavailable; allowing %s", scope, exc_info=True
        )
        return True


def count(scope, key):
    try:
        return int(get_cache().get(_cache_key(scope, key)) or 0)
    except Exception:
        logger.warning(
            "Rate limit cache unavailable; reading %s as 0", scope, exc_info=True
        )
        return 0


def is_locked(scope, key, *, failures):
    """True when ``key`` has reached ``failures`` recorded failures in ``scope``."""
    return count(scope, key) >= failures


def record_failure(scope, key, *, lockout_seconds):
    hit(scope, key, Rate(limit=10**9, window=lockout_seconds))


def reset(scope, key):
    try:
        get_cache().delete(_cache_key(scope, key))
    except Exception:
        logger.warning(
            "Rate limit cache unavailable; could not reset %s", scope, exc_info=True
        )
