"""Admin widgets of the question editor.

Both carry the editor's static script and stylesheet (CSP-safe: no inline
script or handler). Without JavaScript every field stays visible and usable.
"""

from django import forms

EDITOR_MEDIA = forms.Media(
    js=["wagtail_pilots/surveys/question_editor.js"],
    css={"all": ["wagtail_pilots/surveys/question_editor.css"]},
)


class QuestionTypeSelect(forms.Select):
    """The question type: the editor script shows only the fields that apply
    to the chosen type, in every question (those added later too)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-wp-question-type": "", **(attrs or {})}, choices)

    @property
    def media(self):
        return EDITOR_MEDIA


class FilterableCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes in a scrolling box with a search field and a count of the
    chosen ones (the search field appears with JavaScript)."""

    template_name = "wagtail_pilots/surveys/widgets/filterable_checkboxes.html"

    @property
    def media(self):
        return EDITOR_MEDIA
