import pytest
from django.core.cache import cache
from django.test import RequestFactory

from wagtail_pilots import ratelimit
from wagtail_pilots.ratelimit import Rate


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/m", Rate(20, 60)),
        ("5/10m", Rate(5, 600)),
        ("100/h", Rate(100, 3600)),
        ("1/d", Rate(1, 86400)),
    ],
)
def test_parse(text, expected):
    assert Rate.parse(text) == expected


@pytest.mark.parametrize("text", ["", "20", "x/m", "5/10y", "-1/m"])
def test_parse_rejects_bad_rates(text):
    with pytest.raises(ValueError, match="Invalid rate"):
        Rate.parse(text)


def test_hit_allows_up_to_the_limit_per_key():
    results = [ratelimit.hit("submit", "client-a", "3/m") for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.hit("submit", "client-b", "3/m") is True
    assert ratelimit.hit("other", "client-a", "3/m") is True


def test_lockout_after_failures_and_reset():
    for _ in range(4):
        ratelimit.record_failure("code", "c", lockout_seconds=300)
    assert not ratelimit.is_locked("code", "c", failures=5)
    ratelimit.record_failure("code", "c", lockout_seconds=300)
    assert ratelimit.is_locked("code", "c", failures=5)
    assert not ratelimit.is_locked("code", "other", failures=5)
    ratelimit.reset("code", "c")
    assert not ratelimit.is_locked("code", "c", failures=5)


def test_client_key_separates_browsers_behind_one_address():
    rf = RequestFactory()
    a = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="phone A")
    b = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="phone B")
    forged = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        HTTP_USER_AGENT="phone A",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert ratelimit.client_key(a) != ratelimit.client_key(b)
    assert ratelimit.client_key(a) == ratelimit.client_key(forged)


def test_cache_outage_allows_and_logs(settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.WAGTAIL_PILOTS = {"CACHE_ALIAS": "broken"}
    assert ratelimit.hit("submit", "x", "1/m") is True
    assert ratelimit.hit("submit", "x", "1/m") is True
    assert "Rate limit cache unavailable" in caplog.text
