from django import forms
from django.utils.translation import gettext_lazy as _

ENCODINGS = (
    ("", _("detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("gb18030", "GB18030 / GBK"),
    ("utf-16", "UTF-16"),
)
FORMAT_CHOICES = (
    ("", _("detect automatically")),
    ("csv", "CSV"),
    ("xlsx", "Excel (.xlsx)"),
    ("json", "JSON"),
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("CSV (UTF-8 or GB18030; comma, semicolon or tab), XLSX or JSON"),
    )
    file_format = forms.ChoiceField(
        label=_("format"), choices=FORMAT_CHOICES, required=False
    )
    encoding = forms.ChoiceField(
        label=_("encoding"),
        choices=ENCODINGS,
        required=False,
        help_text=_("only for CSV files"),
    )
    skip_invalid = forms.BooleanField(
        label=_("skip invalid rows"),
        required=False,
        help_text=_(
            "import the valid rows and list the invalid ones for download; "
            "otherwise one invalid row stops the whole import"
        ),
    )
    force = forms.BooleanField(
        label=_("import again even if this file was already imported"),
        required=False,
    )


class ConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label=_("skip invalid rows"), required=False)


EXPORT_FORMATS = ("csv", "xlsx", "json")
