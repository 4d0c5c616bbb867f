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


def test_client_key_is_the_address_whatever_headers_the_client_sends():
    rf = RequestFactory()
    a = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="phone A")
    b = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="phone B")
    forged = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        HTTP_USER_AGENT="phone C",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    other = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT="phone A")
    # A new User-Agent (or a forged X-Forwarded-For) is not a new client.
    assert ratelimit.client_key(a) == ratelimit.client_key(b)
    assert ratelimit.client_key(a) == ratelimit.client_key(forged) == "10.0.0.1"
    assert ratelimit.client_key(other) != ratelimit.client_key(a)


def test_ipv6_clients_are_counted_by_their_64_network():
    rf = RequestFactory()
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    same_network = rf.get("/", REMOTE_ADDR="2001:db8:1:2:abcd::99")
    other_network = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert ratelimit.client_key(one) == ratelimit.client_key(same_network)
    assert ratelimit.client_key(one) != ratelimit.client_key(other_network)
    assert ratelimit.client_ip(one) == "2001:db8:1:2::1"  # stored as sent


def test_client_ip_header_reads_the_entry_the_trusted_proxy_wrote(settings):
    rf = RequestFactory()
    settings.WAGTAIL_PILOTS = {"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}
    # The client wrote "6.6.6.6" itself; our proxy appended the real address.
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert ratelimit.client_ip(request) == "203.0.113.7"
    settings.WAGTAIL_PILOTS = {
        "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
        "TRUSTED_PROXY_COUNT": 2,
    }
    chain = "6.6.6.6, 203.0.113.7, 10.0.0.9"  # CDN, then our balancer
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=chain)
    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_client_ip_header_missing_or_malformed_falls_back(settings, caplog):
    rf = RequestFactory()
    settings.WAGTAIL_PILOTS = {
        "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "TRUSTED_PROXY_COUNT": 1,
    }
    assert ratelimit.client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    bad = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="not-an-address")
    assert ratelimit.client_ip(bad) == "10.0.0.1"
    with_port = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="[2001:db8::5]:443")
    assert ratelimit.client_ip(with_port) == "2001:db8::5"
    settings.WAGTAIL_PILOTS = {
        "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
        "TRUSTED_PROXY_COUNT": 2,
    }
    short = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert ratelimit.client_ip(short) == "10.0.0.1"
    assert "2 trusted proxies expected" in caplog.text


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
