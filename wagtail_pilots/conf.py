"""Settings for wagtail-pilots.

A site configures the suite with one dictionary in its Django settings::

    WAGTAIL_PILOTS = {
        "CACHE_ALIAS": "default",
        "MENU_ORDER": 250,
    }

Every key is optional; missing keys take the defaults below. Read settings through
``pilots_settings.NAME`` so tests that use ``override_settings`` see the change.

The dictionary is checked at start-up by Django's system checks
(:func:`check_settings`, registered in ``apps.py``): an unknown key, a value of the
wrong type, an unreadable ``SURVEY_SUBMIT_RATE``, a count below 1, a
``CACHE_ALIAS`` that is not in ``CACHES`` or an ``IMPORT_STORAGE`` that is not in
``STORAGES`` is an error that stops ``runserver``, ``migrate`` and ``check``.

Keys
----
``CACHE_ALIAS``
    The Django cache used for rate limits, lock-outs and cached results. Use a cache
    shared by every worker (Redis, Memcached, the database cache) when the site runs
    more than one process. Default ``"default"``.
``MENU_ORDER``
    Position of the suite's items in the Wagtail admin menu. Default ``250``.
``UNIT_KINDS``
    Extra unit kinds as ``(value, label)`` pairs, appended to the built-in ones
    (county, town, village, community, department, enterprise, school, hospital,
    pilot site, other). Default ``()``.
``CLIENT_IP_HEADER``
    Rate limits and lock-outs count per client address. ``None`` (the default)
    uses ``REMOTE_ADDR``, the address that connected. Behind a reverse proxy or
    load balancer set the ``request.META`` key of the header that proxy writes,
    e.g. ``"HTTP_X_FORWARDED_FOR"`` or ``"HTTP_X_REAL_IP"`` — only if every
    request reaches the site through that proxy, since any client can send the
    header itself.
``TRUSTED_PROXY_COUNT``
    How many proxies of your own append to ``CLIENT_IP_HEADER``: the client
    address is read that many entries from the right of the list. Default ``1``.
``CODE_FAILURES_PER_HOUR``
    Wrong access codes accepted per survey and per scorecard in one hour, from
    all clients together; beyond it code entry is refused (HTTP 429) until the
    hour is over, so guessing from many addresses stays slow. Default ``100``.
``ACCESS_CODES_MAX``
    The most access codes one request creates, for surveys and scorecards alike
    (the admin form, the services and the command-line all check it). Default
    ``5000``.
``TASK_TIME_LIMIT``
    Seconds a background task may run. The notification e-mail is stopped after
    this long; ``manage.py pilots_recover_tasks`` treats a task still marked
    running after it as left behind by a dead worker. Default ``600``.

Pilots
~~~~~~
``BASE_TEMPLATE``
    The template the pilot pages and blocks extend: the installing site's own base
    page. It must define a ``content`` block. Default ``"base.html"``.
``PILOT_AT_RISK_TOLERANCE``
    How many percentage points a pilot's progress may lag behind the share of its
    time elapsed before it is shown "at risk". Default ``15``.
``PILOT_REPORT_GRACE_DAYS``
    Days after the end of a reporting period before its report counts as missing.
    Default ``10``.
``PILOT_REMIND_DAYS``
    ``pilots_remind`` warns about phases due within this many days unless
    ``--days`` is given. Default ``7``.

Surveys
~~~~~~~
``SURVEY_MIN_FILL_SECONDS``
    A form sent back sooner than this after it was served is refused as a bot
    (with a message asking to send it again). Default ``3``.
``SURVEY_SUBMIT_RATE``
    Posts allowed per client and survey, e.g. ``"20/10m"``; more get HTTP 429.
``SURVEY_CODE_FAILURES`` / ``SURVEY_CODE_LOCKOUT_SECONDS``
    After this many wrong access codes a client is locked out of the survey for
    this long. Defaults ``5`` and ``900``.
``SURVEY_TEXT_MAX_LENGTH``
    Longest answer to a multi-line text question. Default ``2000``.
``SURVEY_NOTIFY_ATTEMPTS``
    Attempts to send a notification e-mail before giving up. Default ``3``.
``SURVEY_MIN_CELL_SIZE``
    Public results hide a slice (a respondent group, a matrix row, a channel)
    with fewer respondents than this, showing "fewer than k responses" instead
    of its figures, plus a second slice where one alone would be recoverable
    from the total; a question asked of fewer (and a survey with fewer
    responses in all) publishes no figure. Editors see everything. At least
    ``1``. Default ``5``.
``SURVEY_RETENTION_DAYS``
    Days free-text answers and client digests of a response are kept:
    ``manage.py pilots_retention`` (daily, from cron or a systemd timer) clears
    them from older responses. At least ``1``. Default ``365``.
``SURVEY_DRAFT_DAYS``
    Days a questionnaire saved with "Save and continue later" can be resumed:
    the draft is kept to the end of the day this many days after it was last
    saved, then refused and deleted by ``manage.py pilots_retention``. At least
    ``1``. Default ``7``.

Import / export
~~~~~~~~~~~~~~~
``IMPORT_MAX_FILE_SIZE``
    Largest file accepted for an import, in bytes; the admin refuses a larger
    upload while it streams, keeping nothing of it. Default 50 MB.
``IMPORT_MAX_ROWS``
    Most data rows read from one file. Default ``200_000``.
``IMPORT_MAX_CELL_CHARS``
    Longest text accepted in one cell (Excel's own limit). Default ``32_767``.
``IMPORT_MAX_UNCOMPRESSED_SIZE``
    Largest total uncompressed size of an XLSX's zip members (zip-bomb guard).
    Default 200 MB.
``IMPORT_MAX_COMPRESSION_RATIO``
    Largest compression ratio of one XLSX zip member above 1 MB. Default ``200``.
``IMPORT_BACKGROUND_THRESHOLD``
    Files larger than this many bytes are checked and imported by a background task
    (django-tasks) with progress shown in the admin. Default 1 MB.
``IMPORT_STORAGE``
    The alias in Django's ``STORAGES`` where uploaded files wait between the
    upload and the import, e.g. ``"pilots_imports"`` for an S3 bucket or a shared
    volume. Set it when background tasks run on another machine than the admin:
    the worker reads the file from there. Use a private location (never the
    public media storage): the files hold the uploaded data. ``None`` (the
    default) keeps them in the local folder ``IMPORT_TEMP_DIR``.
``IMPORT_TEMP_DIR``
    The local folder of uploads when ``IMPORT_STORAGE`` is ``None``. ``None``
    means a ``wagtail-pilots-imports`` folder in the system temporary directory.
``IMPORT_ABANDONED_AFTER_HOURS``
    Uploads never confirmed are deleted after this many hours by
    ``manage.py pilots_import_cleanup``. Default ``24``.
"""

import difflib
import os

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    "CACHE_ALIAS": "default",
    "MENU_ORDER": 250,
    "UNIT_KINDS": (),
    "CLIENT_IP_HEADER": None,
    "TRUSTED_PROXY_COUNT": 1,
    "CODE_FAILURES_PER_HOUR": 100,
    "ACCESS_CODES_MAX": 5000,
    "TASK_TIME_LIMIT": 600,
    # pilots
    "BASE_TEMPLATE": "base.html",
    "PILOT_AT_RISK_TOLERANCE": 15,
    "PILOT_REPORT_GRACE_DAYS": 10,
    "PILOT_REMIND_DAYS": 7,
    # surveys
    "SURVEY_MIN_FILL_SECONDS": 3,
    "SURVEY_SUBMIT_RATE": "20/10m",
    "SURVEY_CODE_FAILURES": 5,
    "SURVEY_CODE_LOCKOUT_SECONDS": 900,
    "SURVEY_TEXT_MAX_LENGTH": 2000,
    "SURVEY_NOTIFY_ATTEMPTS": 3,
    "SURVEY_RETENTION_DAYS": 365,
    "SURVEY_MIN_CELL_SIZE": 5,
    "SURVEY_DRAFT_DAYS": 7,
    # importexport
    "IMPORT_MAX_FILE_SIZE": 50 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 200_000,
    "IMPORT_MAX_CELL_CHARS": 32_767,
    "IMPORT_MAX_UNCOMPRESSED_SIZE": 200 * 1024 * 1024,
    "IMPORT_MAX_COMPRESSION_RATIO": 200,
    "IMPORT_BACKGROUND_THRESHOLD": 1024 * 1024,
    "IMPORT_STORAGE": None,
    "IMPORT_TEMP_DIR": None,
    "IMPORT_ABANDONED_AFTER_HOURS": 24,
}


# Counts and periods that make no sense below 1 (system check E006).
AT_LEAST_ONE = (
    "ACCESS_CODES_MAX",
    "SURVEY_RETENTION_DAYS",
    "SURVEY_MIN_CELL_SIZE",
    "SURVEY_DRAFT_DAYS",
)


class PilotsSettings:
    """Attribute access to ``settings.WAGTAIL_PILOTS`` merged over ``DEFAULTS``."""

    def __init__(self, defaults):
        self._defaults = defaults
        self._cache = {}

    @property
    def _user_settings(self):
        user = getattr(settings, "WAGTAIL_PILOTS", None)
        # Anything but a dict is reported by the system check (check_settings).
        return user if isinstance(user, dict) else {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._defaults:
            raise AttributeError(f"Unknown WAGTAIL_PILOTS setting: {name!r}")
        if name not in self._cache:
            self._cache[name] = self._user_settings.get(name, self._defaults[name])
        return self._cache[name]

    def reload(self):
        self._cache.clear()


pilots_settings = PilotsSettings(DEFAULTS)


def get_cache():
    """The cache shared by every worker, as configured by ``CACHE_ALIAS``."""
    return caches[pilots_settings.CACHE_ALIAS]


@receiver(setting_changed)
def _reload_settings(*, setting, **kwargs):
    if setting == "WAGTAIL_PILOTS":
        pilots_settings.reload()


def check_settings(app_configs=None, **kwargs):
    """System check of ``WAGTAIL_PILOTS``, registered by the core app's ``ready()``.

    A typo in a key, a rate the limiter cannot read or a cache alias that does not
    exist would otherwise only show on the first request that uses it (or never:
    an unknown key is silently ignored). As errors of Django's system checks they
    stop ``runserver``, ``migrate`` and ``manage.py check`` at start-up, with the
    key named.
    """
    from django.core.checks import Error

    user = getattr(settings, "WAGTAIL_PILOTS", None)
    if user is None:
        return []
    if not isinstance(user, dict):
        return [
            Error(
                f"WAGTAIL_PILOTS must be a dict, not {type(user).__name__}.",
                hint="WAGTAIL_PILOTS = {'CACHE_ALIAS': 'default', ...}",
                id="wagtail_pilots.E001",
            )
        ]

    errors = []
    for key in sorted(set(user) - set(DEFAULTS), key=str):
        close = difflib.get_close_matches(str(key), DEFAULTS, n=1)
        errors.append(
            Error(
                f"Unknown key in WAGTAIL_PILOTS: {key!r}.",
                hint=(
                    f"Did you mean {close[0]!r}?"
                    if close
                    else "The keys are listed in wagtail_pilots/conf.py."
                ),
                id="wagtail_pilots.E002",
            )
        )

    for key, default in DEFAULTS.items():
        if key not in user:
            continue
        value = user[key]
        expected = _expected_type(key, default)
        if expected and (isinstance(value, bool) or not isinstance(value, expected)):
            names = " or ".join(t.__name__ for t in expected)
            errors.append(
                Error(
                    f"WAGTAIL_PILOTS[{key!r}] must be {names}, not {value!r}.",
                    hint=f"The default is {default!r}.",
                    id="wagtail_pilots.E003",
                )
            )

    if "SURVEY_SUBMIT_RATE" in user:
        from .ratelimit import Rate

        try:
            rate = Rate.parse(user["SURVEY_SUBMIT_RATE"])
        except ValueError:
            rate = None
        if rate is None or rate.limit < 1:
            errors.append(
                Error(
                    "WAGTAIL_PILOTS['SURVEY_SUBMIT_RATE'] is not a rate: "
                    f"{user['SURVEY_SUBMIT_RATE']!r}.",
                    hint=(
                        "Write 'N/unit' or 'N/Kunit' with N at least 1 and unit "
                        "s, m, h or d, e.g. '20/10m' (20 posts per 10 minutes)."
                    ),
                    id="wagtail_pilots.E004",
                )
            )

    for key in AT_LEAST_ONE:
        value = user.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            errors.append(
                Error(
                    f"WAGTAIL_PILOTS[{key!r}] must be at least 1, not {value!r}.",
                    hint=f"The default is {DEFAULTS[key]!r}.",
                    id="wagtail_pilots.E006",
                )
            )

    alias = user.get("CACHE_ALIAS", DEFAULTS["CACHE_ALIAS"])
    if isinstance(alias, str) and alias not in settings.CACHES:
        errors.append(
            Error(
                f"WAGTAIL_PILOTS['CACHE_ALIAS'] names the cache {alias!r}, "
                "which is not in CACHES.",
                hint=f"Use one of: {', '.join(sorted(settings.CACHES))}.",
                id="wagtail_pilots.E005",
            )
        )
    storage = user.get("IMPORT_STORAGE")
    if isinstance(storage, str) and storage not in settings.STORAGES:
        errors.append(
            Error(
                f"WAGTAIL_PILOTS['IMPORT_STORAGE'] names the storage {storage!r}, "
                "which is not in STORAGES.",
                hint=(
                    "Add it to STORAGES (a private location every worker can "
                    "reach), or leave IMPORT_STORAGE at None for the local "
                    f"folder. Defined: {', '.join(sorted(settings.STORAGES))}."
                ),
                id="wagtail_pilots.E007",
            )
        )
    return errors


def _expected_type(key, default):
    """The types a key accepts, from its default; None where any value goes."""
    if key == "IMPORT_TEMP_DIR":
        return (str, os.PathLike)
    if key == "IMPORT_STORAGE":
        return (str, type(None))
    if key == "UNIT_KINDS":
        return (list, tuple)
    if isinstance(default, bool):
        return None
    if isinstance(default, int):
        return (int,)
    if isinstance(default, str):
        return (str,)
    return None
