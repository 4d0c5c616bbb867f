"""One access-code component, shared by surveys and scorecards.

A survey's respondent codes and a scorecard's evaluator codes are the same
thing: one-time codes handed out on paper. This module holds what they share,
so both apps generate, check, print and mark them used the same way:

* :class:`AbstractAccessCode`, the model each app subclasses with the key to
  its page (``page_field``) and fields of its own (a survey's group and batch,
  a scorecard's evaluator group and subject). It generates codes
  (:meth:`~AbstractAccessCode.generate`), finds one by its keyed digest
  (:meth:`~AbstractAccessCode.lookup`) and marks one used exactly once
  (:meth:`~AbstractAccessCode.consume`, a single conditional UPDATE).
* one limit on how many codes one request creates, ``ACCESS_CODES_MAX``
  (:func:`check_count`), with one message, used by the services and by
  :class:`GenerateCodesForm`, the form both admin screens extend;
* the printable sheet of slips (:func:`slips_response`, template
  ``wagtail_pilots/admin/codes_print.html``), with the page's public address
  and its QR code.

Exports go through each app's import/export kind (``survey-codes``,
``scorecard-codes``), built on ``importexport.access_codes.AccessCodesKind``.
The pure helpers (alphabet, normalising, digests) are in :mod:`.codes`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy

from . import codes as code_utils
from .conf import pilots_settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def count_message(limit):
    return gettext("Create between 1 and %(limit)s codes at a time.") % {"limit": limit}


def check_count(count):
    """Refuse a count outside 1..``ACCESS_CODES_MAX`` with one message, on the
    ``count`` field."""
    limit = pilots_settings.ACCESS_CODES_MAX
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limit:
        raise ValidationError({"count": count_message(limit)})


def codes_created_message(count):
    return ngettext(
        "%(count)s access code created.", "%(count)s access codes created.", count
    ) % {"count": count}


def code_not_valid_message():
    return gettext("This access code is not valid.")


def code_used_message():
    return gettext("This access code has already been used.")


class AbstractAccessCode(models.Model):
    """A one-time code handed out on paper.

    ``code`` is kept for printing; look-ups use the keyed ``digest`` (see
    :mod:`wagtail_pilots.codes`). ``used_on`` is the day the code was used and
    the only mark that it was: ``used_at`` (the time) is kept only where the
    use may be linked to a person's answers (not in an anonymous survey).

    A concrete model sets ``page_field`` (the name of its key to the page the
    codes belong to) and may set ``digest_purpose`` (the key of its digests:
    changing it would make every printed code invalid).
    """

    page_field = None
    digest_purpose = code_utils.DEFAULT_PURPOSE

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    code = models.CharField(pgettext_lazy("access code", "code"), max_length=32)
    digest = models.CharField(gettext_lazy("digest"), max_length=64, unique=True)
    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=gettext_lazy("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)
    used_on = models.DateField(gettext_lazy("used on"), null=True, blank=True)
    used_at = models.DateTimeField(
        gettext_lazy("used at"),
        null=True,
        blank=True,
        help_text=gettext_lazy("empty for anonymous surveys, which keep the date only"),
    )

    class Meta:
        abstract = True

    def __str__(self):
        return code_utils.format_code(self.code)

    @property
    def formatted(self):
        """The code as printed (``K7QX-M3PD``)."""
        return code_utils.format_code(self.code)

    @property
    def is_used(self):
        return self.used_on is not None

    @classmethod
    def for_page(cls, page):
        """The codes of ``page``."""
        return cls._default_manager.filter(**{f"{cls.page_field}_id": page.pk})

    @classmethod
    def generate(cls, *, page, count, **fields):
        """Create ``count`` new codes of ``page`` with ``fields``; return them.

        ``count`` is checked by :func:`check_count`; the codes are distinct from
        the page's existing ones."""
        check_count(count)
        existing = cls.for_page(page).values_list("code", flat=True)
        objs = [
            cls(
                **{f"{cls.page_field}_id": page.pk},
                code=code,
                digest=code_utils.code_digest(code, purpose=cls.digest_purpose),
                **fields,
            )
            for code in code_utils.generate_codes(count, existing=existing)
        ]
        with transaction.atomic():
            return cls._default_manager.bulk_create(objs, batch_size=500)

    @classmethod
    def lookup(cls, *, page, code, queryset=None):
        """The code of ``page`` that ``code`` stands for (used or not), or None.

        Looked up by digest (with the current key and every fallback key); the
        digest found is compared in constant time. ``queryset`` narrows what
        is loaded (``select_related``, ``only``)."""
        normalised = code_utils.normalise_code(code or "")
        if not normalised:
            return None
        digests = code_utils.code_digests(normalised, purpose=cls.digest_purpose)
        if queryset is None:
            queryset = cls._default_manager.all()
        found = (
            queryset.filter(**{f"{cls.page_field}_id": page.pk})
            .filter(digest__in=digests)
            .first()
        )
        if found is None or not code_utils.digest_in(found.digest, digests):
            return None
        return found

    def consume(self, *, now=None, anonymous=False):
        """Mark the code used; True for the one caller that did.

        One conditional UPDATE (``used_on IS NULL``): of two concurrent posts of
        the same code exactly one changes a row. Call it inside the transaction
        that stores what the code was used for.

        ``anonymous`` keeps the day of use only (no time), and every code of the
        page used that day is written again in the same transaction: on
        PostgreSQL each row carries the id of the transaction that last wrote
        it (``xmin``), which would otherwise be the id the answers were
        inserted with — a join path from code to answers. After the rewrite all
        of the day's used codes share the latest transaction id, so one who can
        read system columns learns no more than the day.
        """
        now = now or timezone.now()
        today = timezone.localdate(now)
        used_at = None if anonymous else now
        manager = type(self)._default_manager
        changed = manager.filter(pk=self.pk, used_on__isnull=True).update(
            used_on=today, used_at=used_at
        )
        if changed != 1:
            return False
        if anonymous:
            manager.filter(
                **{f"{self.page_field}_id": getattr(self, f"{self.page_field}_id")},
                used_on=today,
            ).update(used_on=today)
        self.used_on, self.used_at = today, used_at
        return True


class GenerateCodesForm(forms.Form):
    """How many codes to create; each app's screen adds its own fields (group,
    unit, batch or subject). The limit and its message are :func:`check_count`'s."""

    count = forms.IntegerField(label=gettext_lazy("number of codes"), initial=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = pilots_settings.ACCESS_CODES_MAX
        self.fields["count"].widget.attrs.update(min=1, max=limit)
        self.fields["count"].help_text = gettext_lazy("at most %(limit)s at a time") % {
            "limit": limit
        }

    def clean_count(self):
        count = self.cleaned_data["count"]
        try:
            check_count(count)
        except ValidationError as error:
            raise ValidationError(error.message_dict["count"]) from None
        return count

    def add_service_error(self, error):
        """Put a service's :class:`ValidationError` on the fields it names."""
        for field, messages in error.message_dict.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


def public_url(page, request, *, subpage=""):
    """The address printed on slips: ``page``'s URL on its Wagtail Site
    (``page.full_url``), plus ``subpage``. When that Site still has a local
    hostname (``localhost``, Wagtail's default) but the admin is reached under
    a real one, the admin's host is used instead, and ``site_is_local`` says
    so, so that no slip tells the public to visit ``http://localhost/``.
    Returns ``(url, site_is_local)``; the URL is empty for a page not live."""
    url = page.get_full_url(request)
    if url:
        url += subpage
    site = page.get_site()
    site_is_local = site is None or site.hostname in LOCAL_HOSTS
    if site_is_local and request.get_host().split(":")[0] not in LOCAL_HOSTS:
        path = page.get_url(request, current_site=site)
        if path and path.startswith("/"):
            url = request.build_absolute_uri(path + subpage)
    return url or "", site_is_local


def qr_svg(url, *, title):
    """A QR code of ``url`` as inline SVG (segno: pure Python, no network)."""
    import segno

    return segno.make(url, error="m").svg_inline(
        scale=3, border=2, title=title, svgclass="wp-qr"
    )


def slips_response(request, *, page, codes, lines=None, subpage=""):
    """The printable sheet of ``codes`` (unused ones of ``page``): one slip a
    code, with the page's title, the code, ``lines(code)`` (its group, unit…),
    the public address of ``page`` (plus ``subpage``) and its QR code."""
    url, site_is_local = public_url(page, request, subpage=subpage)
    slips = [
        {"code": code.formatted, "lines": [x for x in (lines or _no_lines)(code) if x]}
        for code in codes
    ]
    svg = qr_svg(url, title=gettext("QR code of %(url)s") % {"url": url}) if url else ""
    return TemplateResponse(
        request,
        "wagtail_pilots/admin/codes_print.html",
        {
            "page": page,
            "slips": slips,
            "url": url,
            "site_is_local": site_is_local,
            "qr_svg": mark_safe(svg),  # noqa: S308 - segno's SVG of an escaped URL
        },
    )


def _no_lines(code):
    return ()
