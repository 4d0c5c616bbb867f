"""Page-scoped kinds: page header buttons and page permissions.

No page-scoped kind ships yet (responses and ballots come with the surveys and
scorecards apps), so the test registers one on the example site's StandardPage.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail import hooks

from example_site.home.models import StandardPage
from tests.fixtures.imports import csv_bytes, unit_rows
from tests.fixtures.users import IMPORT_EXPORT
from wagtail_pilots.importexport import registry
from wagtail_pilots.importexport.kinds import UnitsKind
from wagtail_pilots.importexport.models import ImportBatch

pytestmark = pytest.mark.django_db


class PageUnitsKind(UnitsKind):
    name = "page-units"
    page_model = StandardPage
    listing_model = None


@pytest.fixture
def page_kind():
    registry.clear_cache()
    with hooks.register_temporarily(registry.HOOK_NAME, PageUnitsKind):
        yield registry.get_kind("page-units")
    registry.clear_cache()


@pytest.fixture
def pages(home_page):
    a = home_page.add_child(instance=StandardPage(title="调查甲", slug="survey-a"))
    b = home_page.add_child(instance=StandardPage(title="调查乙", slug="survey-b"))
    return a, b


@pytest.fixture
def editor_of_a(page_editor, pages):
    return page_editor(
        pages[0],
        "change",
        *IMPORT_EXPORT,
        "wagtail_pilots.add_unit",
        "wagtail_pilots.change_unit",
        "wagtail_pilots.view_unit",
    )


def urls(page):
    return [
        reverse("wagtail_pilots_importexport:import", args=["page-units"])
        + f"?page={page.pk}",
        reverse("wagtail_pilots_importexport:export", args=["page-units", "csv"])
        + f"?page={page.pk}",
    ]


def test_editor_of_a_may_use_a_but_not_b(page_kind, pages, editor_of_a):
    client = editor_of_a
    a, b = pages
    for url in urls(a):
        assert client.get(url).status_code == 200, url
    for url in urls(b):
        assert client.get(url).status_code == 403, url
    response = client.post(
        urls(b)[0], {"file": SimpleUploadedFile("u.csv", csv_bytes(unit_rows(2)))}
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_import_into_page_a_records_the_scope(page_kind, pages, editor_of_a):
    client = editor_of_a
    a, _b = pages
    client.post(
        urls(a)[0],
        {"file": SimpleUploadedFile("u.csv", csv_bytes(unit_rows(2))), "page": a.pk},
    )
    batch = ImportBatch.objects.get()
    assert batch.page_id == a.pk and batch.kind == "page-units"
    from wagtail_pilots.importexport.services import (
        DuplicateImportError,
        batch_import,
        batch_upload,
    )

    assert batch_import(batch=batch).status == ImportBatch.Status.DONE
    data = csv_bytes(unit_rows(2))
    with pytest.raises(DuplicateImportError):
        batch_upload(kind=page_kind, file_name="u.csv", data=data, page=a)
    # The same file for another page is not a duplicate.
    assert (
        batch_upload(kind=page_kind, file_name="u.csv", data=data, page=_b).page == _b
    )
    with pytest.raises(ValueError, match="page"):
        batch_upload(kind=page_kind, file_name="u.csv", data=data, page=None)


def test_page_scoped_kind_needs_a_page(page_kind, editor_of_a):
    client = editor_of_a
    url = reverse("wagtail_pilots_importexport:import", args=["page-units"])
    assert client.get(url).status_code == 403


def test_page_header_has_buttons_for_editors_of_that_page(
    page_kind, pages, editor_of_a
):
    client = editor_of_a
    a, b = pages
    content = client.get(
        reverse("wagtailadmin_pages:edit", args=[a.pk])
    ).content.decode()
    assert 'data-pilots-import="page-units"' in content
    assert f"?page={a.pk}" in content
    response = client.get(reverse("wagtailadmin_explore", args=[a.pk]))
    assert response.status_code == 200


def test_buttons_hidden_without_page_permission(page_kind, pages, editor_of_a):
    from wagtail_pilots.importexport.buttons import page_header_buttons

    a, b = pages
    assert [
        btn.attrs.get("data-pilots-import")
        for btn in page_header_buttons(a, editor_of_a.user)
    ][0] == "page-units"
    assert list(page_header_buttons(b, editor_of_a.user)) == []
