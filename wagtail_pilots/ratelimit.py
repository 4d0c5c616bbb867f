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
import ipaddress
import logging
import re
from dataclasses import dataclass

from .conf import get_cache, pilots_settings

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


def client_ip(request):
    """The address of the client that sent ``request``, as a string.

    ``REMOTE_ADDR`` unless the site names a header its own proxy sets
    (``WAGTAIL_PILOTS["CLIENT_IP_HEADER"]``, e.g. ``"HTTP_X_FORWARDED_FOR"``).
    In ``X-Forwarded-For`` style lists the address is read
    ``TRUSTED_PROXY_COUNT`` entries from the right — the one the nearest trusted
    proxy saw — so addresses a client writes into the header itself are never
    used. A missing or malformed header falls back to ``REMOTE_ADDR``.
    """
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    header = pilots_settings.CLIENT_IP_HEADER
    if header:
        entries = [
            item.strip()
            for item in str(request.META.get(header, "")).split(",")
            if item.strip()
        ]
        count = max(int(pilots_settings.TRUSTED_PROXY_COUNT), 1)
        if len(entries) >= count:
            candidate = _valid_ip(entries[-count])
            if candidate:
                return candidate
        if entries:
            logger.warning(
                "Client address header %s has %s entries, %s trusted proxies "
                "expected; using REMOTE_ADDR",
                header,
                len(entries),
                count,
            )
    return _valid_ip(remote) or remote or "unknown"


def _valid_ip(text):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:443"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def client_key(request):
    """Identify a client for limits: its address (see :func:`client_ip`).

    Only the address counts: anything else a request carries (user agent,
    cookies, ``X-Forwarded-For`` unless configured) is chosen by the client and
    would let it start a fresh allowance with every request. An IPv6 client is
    counted by its /64 network, the block one subscriber is given, so hopping
    between its own addresses gains nothing.
    """
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and not address.ipv4_mapped:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    if address.version == 6:
        return str(address.ipv4_mapped)
    return str(address)


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
