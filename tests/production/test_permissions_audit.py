"""Permissions audit: every admin URL the suite adds, for three kinds of users.

The URL list is not written by hand: it is read from the URL resolver (every
pattern whose view lives in ``wagtail_pilots`` or whose viewset model belongs to
a ``wagtail_pilots`` app). ``AUDIT`` says, per URL name, how to build its
arguments and what each user must get; a URL without an entry fails the test,
so a new admin view cannot ship unaudited.

The optional wagtail-modeladmin app's URLs (listings, create, edit, delete,
inspect, history of units, survey responses, ballots and import batches) are
found the same way (their callbacks are bound methods of a ``ModelAdmin`` whose
model belongs to the suite).

Users:
- anonymous → redirect to the admin login;
- ``editor``: may open the admin, no page rights, no model permissions;
- ``moderator``: edit + publish rights on survey A, scorecard A and pilot A
  only, and the model permissions of an importer (import/export, units,
  ballots, survey responses, indicator readings). Anything of
  survey/scorecard/pilot B answers 403 or is refused (or is absent from
  listings);
- a superuser, for records that no one may write through the admin (ballots,
  responses and batches in wagtail-modeladmin).

Expected "no rights" answers, explicitly per view family:
- the suite's own views (surveys, scorecards, import/export) answer a real 403
  (they say so in their docstrings: scripts and exports must fail loudly);
- Wagtail's generic views (snippets, the indicator-readings viewset, the pilot
  report, which is a Wagtail ``ReportView``) follow Wagtail's documented
  behaviour: ``PermissionDenied`` in the admin redirects to the dashboard with
  a message (302 to ``/admin/``);
- Wagtail's snippet choosers are open to every admin user (Wagtail's design:
  choosers list any snippet for linking); their "create" step still needs the
  add permission.
"""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail import hooks
from wagtail.models import GroupPagePermission

from tests.fixtures.imports import csv_bytes, unit_rows
from tests.fixtures.pilots import days
from tests.fixtures.surveys import THREE_LEVEL
from wagtail_pilots.importexport import registry
from wagtail_pilots.importexport.kinds import UnitsKind
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.services import batch_check, batch_upload
from wagtail_pilots.models import Unit
from wagtail_pilots.pilots.models import IndicatorReading
from wagtail_pilots.scorecards.models import Ballot, ScorecardSnapshot
from wagtail_pilots.scorecards.services import ballot_enter, snapshot_publish
from wagtail_pilots.surveys.models import (
    AccessCode,
    Channel,
    Scale,
    SurveyPage,
    SurveyResponse,
)

from ..scorecards.helpers import assessment

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
DASHBOARD = "/admin/"


def _model_of(callback):
    model = getattr(callback, "view_initkwargs", {}).get("model")
    if model is None:
        # wagtail-modeladmin: a bound method of the ModelAdmin (decorated).
        model_admin = getattr(inspect.unwrap(callback), "__self__", None)
        model = getattr(model_admin, "model", None)
    if isinstance(model, str):
        return model
    return model._meta.app_label if model is not None else ""


def suite_admin_urls():
    """``{"namespace:name": pattern}`` for every admin URL of the suite."""
    found = {}

    def walk(resolver, namespaces, prefix):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern,
                    namespaces + ([pattern.namespace] if pattern.namespace else []),
                    prefix + str(pattern.pattern),
                )
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                module = getattr(callback, "__module__", "")
                if not (prefix + str(pattern.pattern)).startswith("admin/"):
                    continue
                if module.startswith("wagtail_pilots") or _model_of(
                    callback
                ).startswith("wagtail_pilots"):
                    found[":".join([*namespaces, pattern.name or ""])] = pattern

    walk(get_resolver(), [], "")
    return found


# -- the objects ------------------------------------------------------------------


class SurveyUnitsKind(UnitsKind):
    """A page-scoped kind on surveys (none ships yet), like a responses import."""

    name = "audit-survey-units"
    page_model = SurveyPage
    listing_model = None


@pytest.fixture
def survey_kind():
    registry.clear_cache()
    with hooks.register_temporarily(registry.HOOK_NAME, SurveyUnitsKind):
        yield registry.get_kind(SurveyUnitsKind.name)
    registry.clear_cache()


@pytest.fixture
def world(home_page, survey_kind, make_pilot_pages):
    from tests.fixtures.surveys import post_data  # noqa: F401 - documents the shape

    scale = Scale.objects.get(name=THREE_LEVEL)
    surveys = []
    for slug in ("survey-a", "survey-b"):
        page = SurveyPage(title=f"调查{slug[-1]}", slug=slug, minimum_sample=1)
        home_page.add_child(instance=page)
        from wagtail_pilots.surveys.models import SurveyField

        SurveyField(
            page=page, sort_order=0, label="总体评价", field_type="scale", scale=scale
        ).save()
        page.save_revision().publish()
        page.refresh_from_db()
        surveys.append(page)
    scorecards = [
        assessment(home_page, slug="scorecard-a", title="考核甲"),
        assessment(home_page, slug="scorecard-b", title="考核乙"),
    ]
    ballots = []
    for card in scorecards:
        ballots.append(
            ballot_enter(
                scorecard=card,
                group=card.groups.get(),
                evaluator=f"审计{card.slug[-1]}",
                subject=card.subjects.first(),
                criterion=card.criteria.first(),
                value=8,
            )
        )
        # A scorecard without any figure cannot be published.
        snapshot_publish(scorecard=card)
    responses = [
        SurveyResponse.objects.create(
            survey=page,
            channel=Channel.PAPER,
            group="党员",
            submitted_on=days(-1),
            data={"意见": f"{page.slug}的自由文本"},
        )
        for page in surveys
    ]
    pilots = make_pilot_pages()
    units = Unit.objects.create(code="AUDIT", name="审计单位", kind="department")
    batches = []
    for page in surveys:
        batch = batch_upload(
            kind=survey_kind,
            file_name="u.csv",
            data=csv_bytes(unit_rows(3, prefix=f"S{page.pk}-", bad_row=3)),
            page=page,
            skip_invalid=True,
        )
        batches.append(batch_check(batch=batch))
    readings = [
        IndicatorReading.objects.create(
            indicator=pilot.indicators.first(), date=days(-1), value=1
        )
        for pilot in pilots
    ]
    return {
        "survey": surveys,
        "scorecard": scorecards,
        "pilot": pilots,
        "batch": batches,
        "unit": units,
        "scale": scale,
        "reading": readings,
        "ballot": ballots,
        "response": responses,
    }


@pytest.fixture
def make_pilot_pages(make_pilot):
    def factory():
        return [
            make_pilot(
                title=title,
                slug=slug,
                indicators=[{"name": "参保人数", "baseline": 0, "target": 100}],
            )
            for title, slug in (("试点甲", "pilot-a"), ("试点乙", "pilot-b"))
        ]

    return factory


@pytest.fixture
def editor(make_editor):
    return make_editor(username="plain")


@pytest.fixture
def moderator(make_editor, world):
    group = Group.objects.create(name="甲的负责人")
    for key in ("survey", "scorecard", "pilot"):
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.create(
                group=group,
                page=world[key][0],
                permission=Permission.objects.get(codename=codename),
            )
    return make_editor(
        "wagtail_pilots_importexport.import_data",
        "wagtail_pilots_importexport.export_data",
        "wagtail_pilots.add_unit",
        "wagtail_pilots.change_unit",
        "wagtail_pilots.view_unit",
        *(
            f"{app}.{action}_{model}"
            for app, model in (
                ("wagtail_pilots_scorecards", "ballot"),
                ("wagtail_pilots_surveys", "surveyresponse"),
                ("wagtail_pilots_pilots", "indicatorreading"),
            )
            for action in ("add", "change", "delete", "view")
        ),
        username="moderator",
        groups=[group.name],
    )


# -- the audit table ------------------------------------------------------------------
#
# For each URL name: (family, kwargs builder(world, index, kind), query builder).
# ``index`` 0 = object A, 1 = object B. Families decide the expectations below.

PAGE = "page"  # suite view scoped to a page: editor 403, moderator A 200 / B 403
BATCH = "batch"  # import batch of a page-scoped kind: as PAGE
KIND = "kind"  # import/export of a kind, scoped by ?page=
GLOBAL = "global"  # suite view not tied to one page (batch list, template)
REPORT = "report"  # Wagtail ReportView filtered by page rights
MODEL = "model"  # Wagtail generic views gated by model permissions
RECORD = "record"  # one record of a page: as MODEL, and moderator A 200 / B refused
READ_ONLY = "read-only"  # records nobody writes here: refused to all, superusers too
CHOOSER = "chooser"  # Wagtail snippet chooser (open to admin users)


def _page(key):
    return lambda w, i, kind: {"page_id": w[key][i].pk}


def _page_fmt(key):
    return lambda w, i, kind: {"page_id": w[key][i].pk, "fmt": "csv"}


def _batch(fmt=False):
    def build(w, i, kind):
        return {"pk": w["batch"][i].pk, **({"fmt": "csv"} if fmt else {})}

    return build


def _none(w, i, kind):
    return {}


def _kind(fmt=False):
    return lambda w, i, kind: {
        "kind_name": kind.name,
        **({"fmt": "csv"} if fmt else {}),
    }


def _pk(key):
    return lambda w, i, kind: {"pk": w[key].pk}


def _each(key, kwarg="pk"):
    """Object A or B of ``key`` (a single object for both when there is one)."""

    def build(w, i, kind):
        found = w[key][i] if isinstance(w[key], list) else w[key]
        return {kwarg: found.pk}

    return build


def _query_page(w, i, kind):
    return f"?page={w['survey'][i].pk}"


SURVEYS = "wagtail_pilots_surveys:"
SCORECARDS = "wagtail_pilots_scorecards:"
IMPORTS = "wagtail_pilots_importexport:"
UNITS = "wagtailsnippets_wagtail_pilots_unit:"
UNIT_CHOOSER = "wagtailsnippetchoosers_wagtail_pilots_unit:"
SCALES = "wagtailsnippets_wagtail_pilots_surveys_scale:"
SCALE_CHOOSER = "wagtailsnippetchoosers_wagtail_pilots_surveys_scale:"
READINGS = "pilot_indicator_readings:"
# wagtail-modeladmin (``wagtail_pilots.contrib.modeladmin``): no namespace.
UNITS_MA = "wagtail_pilots_unit_modeladmin_"
RESPONSES_MA = "wagtail_pilots_surveys_surveyresponse_modeladmin_"
BALLOTS_MA = "wagtail_pilots_scorecards_ballot_modeladmin_"
BATCHES_MA = "wagtail_pilots_importexport_importbatch_modeladmin_"

AUDIT = {
    SURVEYS + "results": (PAGE, _page("survey"), None),
    SURVEYS + "export_results": (PAGE, _page_fmt("survey"), None),
    SURVEYS + "export_responses": (PAGE, _page_fmt("survey"), None),
    SURVEYS + "codes": (PAGE, _page("survey"), None),
    SURVEYS + "print_codes": (PAGE, _page("survey"), None),
    SURVEYS + "paper": (PAGE, _page("survey"), None),
    SURVEYS + "question_sets": (PAGE, _page("survey"), None),
    SURVEYS + "questionnaire": (PAGE, _page("survey"), None),
    SURVEYS + "responses": (PAGE, _page("survey"), None),
    SURVEYS + "response_detail": (
        PAGE,
        lambda w, i, kind: {
            "page_id": w["survey"][i].pk,
            "response_id": w["response"][i].pk,
        },
        None,
    ),
    SCORECARDS + "results": (PAGE, _page("scorecard"), None),
    SCORECARDS + "export": (PAGE, _page_fmt("scorecard"), None),
    SCORECARDS + "publish": (PAGE, _page("scorecard"), None),
    SCORECARDS + "snapshot": (
        PAGE,
        lambda w, i, kind: {"page_id": w["scorecard"][i].pk, "version": 1},
        None,
    ),
    SCORECARDS + "codes": (PAGE, _page("scorecard"), None),
    SCORECARDS + "ballot_add": (PAGE, _page("scorecard"), None),
    SCORECARDS + "ballot_sheet": (PAGE, _page("scorecard"), None),
    SCORECARDS + "survey_questions": (
        PAGE,
        lambda w, i, kind: {"survey_id": w["survey"][i].pk},
        None,
    ),
    "wagtail_pilots_pilots:report": (REPORT, _none, None),
    "wagtail_pilots_pilots:report_results": (REPORT, _none, None),
    IMPORTS + "batches": (GLOBAL, _none, None),
    IMPORTS + "import": (KIND, _kind(), _query_page),
    IMPORTS + "export": (KIND, _kind(fmt=True), _query_page),
    IMPORTS + "template": (GLOBAL, _kind(fmt=True), None),
    IMPORTS + "batch": (BATCH, _batch(), None),
    IMPORTS + "rollback": (BATCH, _batch(), None),
    IMPORTS + "rejected": (BATCH, _batch(fmt=True), None),
    READINGS + "index": (MODEL, _none, None),
    READINGS + "index_results": (MODEL, _none, None),
    READINGS + "add": (MODEL, _none, None),
    READINGS + "edit": (RECORD, _each("reading"), None),
    READINGS + "delete": (RECORD, _each("reading"), None),
    READINGS + "history": (RECORD, _each("reading"), None),
    READINGS + "history_results": (RECORD, _each("reading"), None),
    READINGS + "usage": (RECORD, _each("reading"), None),
    UNITS_MA + "index": (MODEL, _none, None),
    UNITS_MA + "create": (MODEL, _none, None),
    UNITS_MA + "edit": (MODEL, _each("unit", "instance_pk"), None),
    UNITS_MA + "delete": (MODEL, _each("unit", "instance_pk"), None),
    UNITS_MA + "history": (MODEL, _each("unit", "instance_pk"), None),
}
for _prefix, _key in (
    (RESPONSES_MA, "response"),
    (BALLOTS_MA, "ballot"),
    (BATCHES_MA, "batch"),
):
    AUDIT[_prefix + "index"] = (MODEL, _none, None)
    AUDIT[_prefix + "create"] = (READ_ONLY, _none, None)
    for _name in ("edit", "delete"):
        AUDIT[_prefix + _name] = (READ_ONLY, _each(_key, "instance_pk"), None)
    for _name in ("inspect", "history"):
        AUDIT[_prefix + _name] = (RECORD, _each(_key, "instance_pk"), None)
for _prefix, _key in ((UNITS, "unit"), (SCALES, "scale")):
    for _name in ("list", "list_results", "add"):
        AUDIT[_prefix + _name] = (MODEL, _none, None)
    for _name in ("edit", "delete", "usage", "history", "history_results"):
        AUDIT[_prefix + _name] = (MODEL, _pk(_key), None)
for _prefix, _key in ((UNIT_CHOOSER, "unit"), (SCALE_CHOOSER, "scale")):
    for _name in ("choose", "choose_results", "chosen_multiple"):
        AUDIT[_prefix + _name] = (CHOOSER, _none, None)
    AUDIT[_prefix + "chosen"] = (CHOOSER, _pk(_key), None)
    AUDIT[_prefix + "create"] = (MODEL, _none, None)

# Views that only accept POST: GET answers 405 to a user who may use them.
POST_ONLY = {SCORECARDS + "publish"}
# Views whose A-side GET is a redirect by design.


def url_for(name, world, index, kind):
    _family, build, query = AUDIT[name]
    url = reverse(name, kwargs=build(world, index, kind))
    return url + (query(world, index, kind) if query else "")


def counts():
    """What a refused request must leave as it was: the number of records, and
    the ballots, responses and readings themselves."""
    return (
        SurveyResponse.objects.count(),
        AccessCode.objects.count(),
        Ballot.objects.count(),
        ScorecardSnapshot.objects.count(),
        ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count(),
        Unit.objects.count(),
        Scale.objects.count(),
        IndicatorReading.objects.count(),
        list(Ballot.objects.order_by("pk").values_list("value", "vote", "subject")),
        list(SurveyResponse.objects.order_by("pk").values_list("data", "group")),
        list(IndicatorReading.objects.order_by("pk").values_list("value", "date")),
    )


def test_every_suite_admin_url_is_audited():
    found = set(suite_admin_urls())
    assert found, "the resolver walk found nothing"
    assert found - set(AUDIT) == set(), "admin URLs without an audit entry"
    assert set(AUDIT) - found == set(), "audit entries for URLs that do not exist"


def test_anonymous_is_sent_to_login(client, world, survey_kind):
    before = counts()
    for name in AUDIT:
        for index in (0, 1):
            url = url_for(name, world, index, survey_kind)
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code == 302, (name, method.__name__)
                assert response["Location"].startswith(LOGIN), name
    assert counts() == before


def _forbidden(name, response):
    family = AUDIT[name][0]
    if family in (PAGE, BATCH, KIND, GLOBAL):
        return response.status_code == 403
    if family in (MODEL, REPORT, RECORD, READ_ONLY):
        return response.status_code == 302 and response["Location"] == DASHBOARD
    raise AssertionError(family)


def _method_not_allowed(name, method, client, response):
    """A 405 is a refusal too (nothing is read or written): GET on POST-only
    views (``require_POST`` answers before the permission check) and POST on
    read-only views."""
    if response.status_code != 405:
        return False
    assert (method == client.get) == (name in POST_ONLY), name
    return True


def test_editor_without_rights_is_refused_everywhere(
    client, world, editor, survey_kind
):
    client.force_login(editor)
    before = counts()
    for name, (family, _build, _query) in AUDIT.items():
        for index in (0, 1):
            url = url_for(name, world, index, survey_kind)
            if family == CHOOSER:
                # Choosers are open to admin users by Wagtail's design.
                assert client.get(url).status_code == 200, name
                continue
            for method in (client.get, client.post):
                response = method(url)
                if _method_not_allowed(name, method, client, response):
                    continue
                assert _forbidden(name, response), (
                    name,
                    method.__name__,
                    response.status_code,
                    response.get("Location"),
                )
    assert counts() == before


def test_moderator_of_a_gets_a_and_is_refused_b(client, world, moderator, survey_kind):
    client.force_login(moderator)
    before = counts()
    for name, (family, _build, _query) in AUDIT.items():
        if family not in (PAGE, BATCH, KIND):
            continue
        url_a = url_for(name, world, 0, survey_kind)
        url_b = url_for(name, world, 1, survey_kind)
        response = client.get(url_a)
        if name in POST_ONLY:
            assert response.status_code == 405, name
        else:
            assert response.status_code == 200, (name, response.status_code)
        for method in (client.get, client.post):
            response = method(url_b)
            if _method_not_allowed(name, method, client, response):
                continue
            assert response.status_code == 403, (name, method.__name__)
    # Nothing of B was changed by the refused posts.
    assert counts() == before


def test_moderator_listings_show_only_a(client, world, moderator, survey_kind):
    client.force_login(moderator)
    report = client.get(reverse("wagtail_pilots_pilots:report")).content.decode()
    assert "试点甲" in report and "试点乙" not in report
    batches = client.get(reverse(IMPORTS + "batches")).content.decode()
    assert reverse(IMPORTS + "batch", args=[world["batch"][0].pk]) in batches
    assert reverse(IMPORTS + "batch", args=[world["batch"][1].pk]) not in batches
    results = client.get(
        reverse(SURVEYS + "results", args=[world["survey"][0].pk])
    ).content.decode()
    assert "调查b" not in results  # B is not offered for comparison


def test_moderator_can_publish_a_but_not_b(client, world, moderator):
    client.force_login(moderator)
    a, b = world["scorecard"]
    response = client.post(reverse(SCORECARDS + "publish", args=[a.pk]))
    assert response.status_code == 302
    assert ScorecardSnapshot.objects.filter(scorecard=a).count() == 2
    assert client.post(reverse(SCORECARDS + "publish", args=[b.pk])).status_code == 403
    assert ScorecardSnapshot.objects.filter(scorecard=b).count() == 1


def test_moderator_of_a_opens_records_of_a_only(client, world, moderator, survey_kind):
    """Ballots, responses, batches (wagtail-modeladmin) and indicator readings:
    the model permission opens those of the pages the user may edit, no
    others (B is refused as Wagtail refuses: a redirect to the dashboard)."""
    client.force_login(moderator)
    before = counts()
    checked = 0
    for name, (family, _build, _query) in AUDIT.items():
        if family != RECORD:
            continue
        response = client.get(url_for(name, world, 0, survey_kind))
        assert response.status_code == 200, (name, response.status_code)
        url_b = url_for(name, world, 1, survey_kind)
        for method in (client.get, client.post):
            response = method(url_b)
            assert _forbidden(name, response), (name, method.__name__)
            assert "自由文本" not in response.content.decode(), name
        checked += 1
    assert checked == 11
    assert counts() == before


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_nobody_writes_records_through_modeladmin(
    client, world, moderator, admin_user, survey_kind, who
):
    """Ballots, responses and batches are written by their own services only:
    modeladmin's create, edit and delete refuse everyone, A and B alike, even
    with an out-of-range or a ranking-changing ballot value."""
    client.force_login(moderator if who == "moderator" else admin_user)
    card = world["scorecard"][0]
    ballot = {
        "scorecard": card.pk,
        "group": card.groups.get().pk,
        "evaluator": "伪造",
        "subject": card.subjects.last().pk,
        "criterion": card.criteria.first().pk,
        "channel": "admin",
    }
    before = counts()
    names = [name for name, entry in AUDIT.items() if entry[0] == READ_ONLY]
    assert len(names) == 9
    for name in names:
        for index in (0, 1):
            url = url_for(name, world, index, survey_kind)
            assert _forbidden(name, client.get(url)), (name, index)
            for value in ("-500", "10"):
                response = client.post(url, {**ballot, "value": value})
                assert _forbidden(name, response), (name, index, value)
    assert counts() == before


def test_moderator_modeladmin_listings_show_only_a(client, world, moderator):
    client.force_login(moderator)
    ballots = client.get(reverse(BALLOTS_MA + "index")).content.decode()
    assert "审计a" in ballots and "审计b" not in ballots
    assert "考核甲" in ballots and "考核乙" not in ballots  # the scorecard filter
    responses = client.get(reverse(RESPONSES_MA + "index")).content.decode()
    response_a, response_b = world["response"]
    assert reverse(RESPONSES_MA + "inspect", args=[response_a.pk]) in responses
    assert reverse(RESPONSES_MA + "inspect", args=[response_b.pk]) not in responses
    readings = client.get(reverse(READINGS + "index")).content.decode()
    assert "试点甲" in readings and "试点乙" not in readings
