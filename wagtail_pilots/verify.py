"""Verify a published scorecard result from its bundle, with no Django and no
database::

    python -m wagtail_pilots.verify bundle.zip

Recomputes the inputs digest (compare it with the one on the public notice) and
every published figure from the pseudonymous ballots, using the same pure scoring
module as the site. Exit status: 0 verified, 1 differences found, 2 unreadable.

Only the standard library and ``wagtail_pilots.scorecards.scoring`` /
``.bundle`` are imported; keep it that way.
"""

from __future__ import annotations

import argparse
import sys

from wagtail_pilots.scorecards import bundle


def main(argv=None, *, out=None):
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m wagtail_pilots.verify",
        description="Recompute a published scorecard result from its bundle.",
    )
    parser.add_argument("bundle", help="the verification bundle (.zip)")
    args = parser.parse_args(argv)
    try:
        files = bundle.read(args.bundle)
    except bundle.BundleError as exc:
        print(f"{args.bundle}: {exc}", file=out)
        return 2
    report = bundle.verify(files)
    manifest = report.manifest
    print(
        f"{manifest.get('scorecard', '?')}, version {manifest.get('version', '?')}, "
        f"published {manifest.get('published_at', '?')}",
        file=out,
    )
    print(f"ballots: {report.ballots}, subjects: {report.subjects}", file=out)
    print(f"inputs digest (recomputed): {report.digest}", file=out)
    print(f"inputs digest (published):  {manifest.get('inputs_digest', '?')}", file=out)
    if report.ok:
        print(
            "VERIFIED: the digest and every published figure were recomputed "
            "from the bundle.",
            file=out,
        )
        return 0
    print(f"NOT VERIFIED: {len(report.problems)} problem(s):", file=out)
    for problem in report.problems:
        print(f"- {problem}", file=out)
    return 1


if __name__ == "__main__":
    sys.exit(main())
