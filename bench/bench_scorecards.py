"""Scorecard results: SQL aggregation (ours) vs a naive per-subject ORM loop.

Both feed the same pure ``scoring.compute``; what differs is how the ballots are
read. Ours groups in SQL (counts/sums per cell for mean groups, ordered values
only for trimmed-mean/median groups, vote counts per cell); the naive loop loads
every ballot of each subject as a model instance, one query per subject.

Run from the repository root::

    .venv/bin/python bench/bench_scorecards.py                 # small default
    .venv/bin/python bench/bench_scorecards.py --ballots 10000,50000,200000

Set ``DATABASE_URL`` to run against PostgreSQL; otherwise a temporary SQLite file.

It also gives the two contenders' CPU time (wall time on a shared machine waits
for a core). Besides the two contenders it times, on the same data: the read alone for both;
the same grouped queries through a raw ``sqlite3`` connection (the floor for the
read; SQLite only); and the pure computation alone, ours (exact integer ratios
on the values read as scaled integers) against the previous ``Decimal``
implementation, on the same values as Decimals, kept in
``tests/scorecards/reference_scoring.py``. Goals (issue 17): the whole result in
at most 1.0 s and at least 10× faster than the naive loop at 200,000 ballots.
"""

import argparse
import importlib.util
import os
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 1.0
GOAL_RATIO = 10.0


def setup(db_path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(subjects, criteria, groups, ballots):
    from example_site.demo.core import ensure_home
    from wagtail_pilots.scorecards.models import (
        Ballot,
        EvaluatorGroup,
        ScorecardCriterion,
        ScorecardPage,
        ScorecardSubject,
    )

    home = ensure_home()
    slug = f"bench-{ballots}"
    ScorecardPage.objects.filter(slug=slug).delete()
    page = ScorecardPage(title=slug, slug=slug)
    page.subjects = [
        ScorecardSubject(name=f"S{i}", sort_order=i) for i in range(subjects)
    ]
    weights = [Decimal(100 // criteria)] * criteria
    weights[0] += Decimal(100) - sum(weights)
    page.criteria = [
        ScorecardCriterion(name=f"C{i}", weight=w, maximum=10, sort_order=i)
        for i, w in enumerate(weights)
    ]
    gweights = [Decimal(100 // groups)] * groups
    gweights[0] += Decimal(100) - sum(gweights)
    aggregations = ["mean", "mean", "mean", "trimmed", "median"]
    page.groups = [
        EvaluatorGroup(
            name=f"G{i}",
            weight=w,
            aggregation=aggregations[i % len(aggregations)],
            trim=1 if aggregations[i % len(aggregations)] == "trimmed" else 0,
            min_ballots=3,
            sort_order=i,
        )
        for i, w in enumerate(gweights)
    ]
    home.add_child(instance=page)
    page = ScorecardPage.objects.get(pk=page.pk)
    subject_ids = list(
        page.subjects.order_by("sort_order").values_list("pk", flat=True)
    )
    criterion_ids = list(
        page.criteria.order_by("sort_order").values_list("pk", flat=True)
    )
    group_ids = list(page.groups.order_by("sort_order").values_list("pk", flat=True))
    cells = len(subject_ids) * len(criterion_ids)
    rows = []
    for i in range(ballots):
        cell, round_ = i % cells, i // cells
        s, c = divmod(cell, len(criterion_ids))
        g = (cell + round_) % len(group_ids)
        rows.append(
            Ballot(
                scorecard=page,
                group_id=group_ids[g],
                evaluator=f"g{g}-r{round_}",
                subject_id=subject_ids[s],
                criterion_id=criterion_ids[c],
                value=Decimal((i * 7919) % 101) / 10,
                channel="import",
            )
        )
    Ballot.objects.bulk_create(rows, batch_size=5000)
    return page


def ours(page):
    from wagtail_pilots.scorecards.selectors import scorecard_result

    return scorecard_result(scorecard=page)[1]


def ours_fetch(page):
    from wagtail_pilots.scorecards.selectors import score_cells, scorecard_config

    return score_cells(scorecard=page, config=scorecard_config(scorecard=page))


def naive_fetch(page):
    from wagtail_pilots.scorecards import scoring
    from wagtail_pilots.scorecards.models import Ballot
    from wagtail_pilots.scorecards.selectors import scorecard_config

    config = scorecard_config(scorecard=page)
    subjects = [
        scoring.Subject(s.pk, s.display_name)
        for s in page.subjects.order_by("sort_order")
    ]
    scores = {}
    for subject in subjects:
        for b in Ballot.objects.filter(scorecard=page, subject_id=subject.key):
            scores.setdefault((b.group_id, b.subject_id, b.criterion_id), []).append(
                b.value
            )
    return config, subjects, scores


def naive(page):
    from wagtail_pilots.scorecards import scoring

    config, subjects, scores = naive_fetch(page)
    return scoring.compute(config, subjects, scores=scores)


def raw_sqlite_read(page, db_path):
    """The same grouped queries as ours (values as whole numbers of 10⁻⁴),
    through a bare sqlite3 connection: no ORM. The floor for reading the
    ballots."""
    from wagtail_pilots.scorecards.models import Ballot

    table = Ballot._meta.db_table
    groups = {g.pk: g.aggregation for g in page.groups.all()}
    mean = [k for k, a in groups.items() if a == "mean"]
    ordered = [k for k, a in groups.items() if a != "mean"]
    units = "CAST(ROUND(value * 10000) AS INTEGER)"
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            f"SELECT group_id, subject_id, criterion_id, COUNT(*), SUM({units}), "  # noqa: S608
            f"MIN({units}), MAX({units}) FROM {table} WHERE scorecard_id = ? "
            f"AND criterion_id IS NOT NULL AND group_id IN ({','.join('?' * len(mean))}) "
            "GROUP BY group_id, subject_id, criterion_id",
            [page.pk, *mean],
        ).fetchall()
        values = conn.execute(
            f"SELECT group_id, subject_id, criterion_id, {units} FROM {table} "  # noqa: S608
            f"WHERE scorecard_id = ? AND criterion_id IS NOT NULL AND group_id IN "
            f"({','.join('?' * len(ordered))}) "
            "ORDER BY group_id, subject_id, criterion_id, value",
            [page.pk, *ordered],
        ).fetchall()
    return len(rows) + len(values)


def reference_module():
    """The previous Decimal implementation, kept in the tests as an oracle."""
    path = ROOT / "tests" / "scorecards" / "reference_scoring.py"
    spec = importlib.util.spec_from_file_location("reference_scoring", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def compute_both(page):
    """(ours, reference) seconds for the pure computation on the same inputs."""
    from wagtail_pilots.scorecards import scoring
    from wagtail_pilots.scorecards.selectors import scorecard_load

    ref = reference_module()
    loaded = scorecard_load(scorecard=page)
    c = loaded.config
    ref_config = ref.Config(
        criteria=tuple(ref.Criterion(**vars(x)) for x in c.criteria),
        groups=tuple(ref.Group(**vars(g)) for g in c.groups),
        gates=tuple(ref.Gate(**vars(g)) for g in c.gates),
        shortlist=c.shortlist,
        bottom=c.bottom,
        tie_break=c.tie_break,
        missing_policy=c.missing_policy,
        small_n=c.small_n,
    )
    # The reference reads Decimals: the same cells, turned into Decimals.
    ref_scores = {
        k: ref.ScoreSummary(**vars(v)) if isinstance(v, scoring.ScoreSummary) else v
        for k, v in loaded.scores.as_decimals().items()
    }
    ref_subjects = [ref.Subject(s.key, s.name) for s in loaded.subjects]
    t_ours, r_ours = timed(
        lambda: scoring.compute(c, loaded.subjects, scores=loaded.scores)
    )
    t_ref, r_ref = timed(
        lambda: ref.compute(ref_config, ref_subjects, scores=ref_scores)
    )
    a = [(r.subject.key, scoring.display(r.total), r.rank) for r in r_ours.subjects]
    b = [(r.subject.key, scoring.display(r.total), r.rank) for r in r_ref.subjects]
    assert a == b, "exact and Decimal computations disagree at the cent"
    return t_ours, t_ref


def warm_up(page):
    """Finish the bulk insert's aftermath (SQLite WAL checkpoint, statistics) and
    read the table once, so neither contender pays for it."""
    from django.db import connection

    from wagtail_pilots.scorecards.models import Ballot

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    list(Ballot.objects.filter(scorecard=page).values_list("value", flat=True))


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def cpu_timed(fn, *args):
    """(wall seconds, CPU seconds of this process, result). On a shared machine
    the CPU time says what the work costs when the wall clock waits for a core;
    SQLite runs in this process, so its work is counted too."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return time.perf_counter() - start, time.process_time() - cpu, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=20)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument(
        "--ballots",
        default="10000,50000",
        help="comma-separated sizes (full: 10000,50000,200000)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.ballots.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        setup(db_path)
        from django.db import connection

        print(
            f"{connection.vendor}: {args.subjects} subjects × {args.criteria} criteria × "
            f"{args.groups} groups"
        )
        print(
            "Whole result (read + compute), then the read alone: the part that "
            "differs, compute being the same pure module for both."
        )
        print(
            f"{'ballots':>9} {'ours (s)':>9} {'naive (s)':>10} {'ratio':>7} "
            f"{'read ours':>10} {'read naive':>11} {'raw sqlite3':>12} "
            f"{'compute':>8} {'Decimal':>8} {'ratio':>7} "
            f"{'CPU ours':>9} {'CPU naive':>10} {'ratio':>7}"
        )
        last = None
        for size in sizes:
            page = build(args.subjects, args.criteria, args.groups, size)
            warm_up(page)
            t_ours, cpu_ours, r_ours = cpu_timed(ours, page)
            t_naive, cpu_naive, r_naive = cpu_timed(naive, page)
            a = [(r.subject.key, scoring_display(r.total)) for r in r_ours.subjects]
            b = [(r.subject.key, scoring_display(r.total)) for r in r_naive.subjects]
            assert a == b, "the two paths disagree"
            f_ours, _ = timed(ours_fetch, page)
            f_naive, _ = timed(naive_fetch, page)
            if connection.vendor == "sqlite":
                f_raw, _ = timed(raw_sqlite_read, page, db_path)
                raw = f"{f_raw:>12.3f}"
            else:
                raw = f"{'n/a':>12}"
            c_ours, c_ref = compute_both(page)
            print(
                f"{size:>9} {t_ours:>9.3f} {t_naive:>10.3f} {t_naive / t_ours:>6.1f}x "
                f"{f_ours:>10.3f} {f_naive:>11.3f} {raw} "
                f"{c_ours:>8.3f} {c_ref:>8.3f} {c_ref / c_ours:>6.1f}x "
                f"{cpu_ours:>9.3f} {cpu_naive:>10.3f} {cpu_naive / cpu_ours:>6.1f}x",
                flush=True,
            )
            last = (size, t_ours, t_naive, cpu_ours, cpu_naive)
        size, t_ours, t_naive, cpu_ours, cpu_naive = last
        print(
            f"At {size} ballots: whole result {t_ours:.3f} s, goal ≤ {GOAL_SECONDS} s "
            f"({t_ours / GOAL_SECONDS:.2f} of the budget); "
            f"{t_naive / t_ours:.1f}× the naive loop, goal ≥ {GOAL_RATIO:.0f}× "
            f"({t_naive / t_ours / GOAL_RATIO:.2f} of the goal). "
            f"In CPU time: {cpu_ours:.3f} s, {cpu_naive / cpu_ours:.1f}× the naive "
            "loop. (The goals are set for 200,000 ballots.)"
        )


def scoring_display(value):
    from wagtail_pilots.scorecards.scoring import display

    return display(value, 10)


if __name__ == "__main__":
    main()
