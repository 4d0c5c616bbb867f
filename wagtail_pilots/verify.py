"""Verify a published scorecard result from its bundle, with no Django and no
database::

    python -m wagtail_pilots.verify bundle.zip
    python -m wagtail_pilots.verify --language zh-hans bundle.zip

Recomputes the inputs digest (compare it with the one on the public notice) and
every published figure from the pseudonymous ballots, using the same pure scoring
module as the site. Exit status: 0 verified, 1 differences found, 2 unreadable.

It speaks simplified Chinese when ``--language`` or the environment
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``) asks for it, reading the
package's compiled catalogues with the standard library's :mod:`gettext`;
English otherwise.

Only the standard library and ``wagtail_pilots.scorecards.scoring`` /
``.bundle`` are imported; keep it that way.
"""

from __future__ import annotations

import argparse
import os
import sys

from wagtail_pilots.scorecards import bundle
from wagtail_pilots.scorecards.bundle import _

ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ=None):
    """The first language the environment names, as gettext reads it."""
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        if environ.get(name):
            return environ[name]
    return None


def main(argv=None, *, out=None, environ=None):
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m wagtail_pilots.verify",
        description="Recompute a published scorecard result from its bundle.",
    )
    parser.add_argument("bundle", help="the verification bundle (.zip)")
    parser.add_argument(
        "--language",
        help="zh-hans or en (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)",
    )
    args = parser.parse_args(argv)
    language = args.language or environment_language(environ)
    bundle.use_gettext(bundle.catalogue_gettext(language))
    try:
        return _verify(args.bundle, out)
    finally:
        bundle.use_gettext(None)


def _verify(path, out):
    try:
        files = bundle.read(path)
    except bundle.BundleError as exc:
        print(f"{path}: {exc}", file=out)
        return 2
    report = bundle.verify(files)
    manifest = report.manifest
    print(
        _("%(scorecard)s, version %(version)s, published %(published)s")
        % {
            "scorecard": manifest.get("scorecard", "?"),
            "version": manifest.get("version", "?"),
            "published": manifest.get("published_on", "?"),
        },
        file=out,
    )
    print(
        _("ballots: %(ballots)s, subjects: %(subjects)s")
        % {"ballots": report.ballots, "subjects": report.subjects},
        file=out,
    )
    print(
        _("inputs digest (recomputed): %(digest)s") % {"digest": report.digest},
        file=out,
    )
    print(
        _("inputs digest (published):  %(digest)s")
        % {"digest": manifest.get("inputs_digest", "?")},
        file=out,
    )
    if report.ok:
        print(
            _(
                "VERIFIED: the digest and every published figure were recomputed "
                "from the bundle. Check that the digest is the one on the public "
                "notice."
            ),
            file=out,
        )
        return 0
    print(
        _("NOT VERIFIED: %(count)s problem(s):") % {"count": len(report.problems)},
        file=out,
    )
    for problem in report.problems:
        print(f"- {problem}", file=out)
    return 1


if __name__ == "__main__":
    sys.exit(main())
