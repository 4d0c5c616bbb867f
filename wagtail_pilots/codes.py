"""Access codes handed out on paper: generation, normalisation and digests.

Codes use an alphabet without look-alike characters (no 0/O, 1/I/L) and are
printed in groups (``K7QX-M3PD``). A model stores the code for printing and its
keyed digest for look-ups: a look-up by digest takes the same time however many
leading characters a guess shares with a real code, and comparing digests uses
``hmac.compare_digest``.

The digest is keyed with ``SECRET_KEY``. While a site rotates its key, the old
one goes into ``SECRET_KEY_FALLBACKS``: look-ups (:func:`code_digests`) try the
current key and every fallback, so codes printed before the rotation keep
working; new codes are stored with the current key.

Marking a code used must be a single conditional UPDATE
(``filter(pk=..., used_at__isnull=True).update(used_at=now)``, then check that one
row changed), so two concurrent posts of the same code cannot both succeed.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_LENGTH = 8
GROUP = 4
DEFAULT_PURPOSE = "wagtail_pilots.access_code"


def generate_code(length=DEFAULT_LENGTH):
    """A random code of ``length`` characters from :data:`ALPHABET`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def generate_codes(count, *, length=DEFAULT_LENGTH, existing=()):
    """``count`` distinct new codes that are not in ``existing``."""
    taken = {normalise_code(c) for c in existing}
    result = []
    while len(result) < count:
        code = generate_code(length)
        if code not in taken:
            taken.add(code)
            result.append(code)
    return result


def normalise_code(text):
    """Upper-case, drop spaces and dashes, map look-alikes (O→0 is not in the
    alphabet, so a typed O or 0 can never match; I/L/1 likewise)."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def format_code(code):
    """``K7QXM3PD`` → ``K7QX-M3PD`` for printing."""
    code = normalise_code(code)
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def code_digest(code, *, purpose=DEFAULT_PURPOSE, secret=None):
    """Keyed SHA-256 of the normalised code, hex. Store it with a unique index.

    Keyed with ``SECRET_KEY`` unless ``secret`` is given."""
    secret = settings.SECRET_KEY if secret is None else secret
    key = f"{purpose}:{secret}".encode()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def code_digests(code, *, purpose=DEFAULT_PURPOSE):
    """The digests ``code`` may be stored under: with ``SECRET_KEY`` first, then
    with each of ``SECRET_KEY_FALLBACKS``. Look codes up with ``digest__in``."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return list(
        dict.fromkeys(code_digest(code, purpose=purpose, secret=s) for s in secrets_)
    )


def digests_match(a, b):
    return hmac.compare_digest(str(a), str(b))


def digest_in(digest, digests):
    """True when ``digest`` is one of ``digests`` (each compared in constant
    time)."""
    matched = False
    for candidate in digests:  # no early exit: the time does not say which
        matched = digests_match(digest, candidate) or matched
    return matched
