"""Ready question sets an editor inserts into a survey in one click.

A set is a name, a description and a list of question specifications; the
questions are added by :func:`.services.question_set_insert` to a new revision
of the survey (a draft when the survey is live). Labels are translated when
the set is inserted, in the editor's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

THREE_LEVEL_SCALE = "满意度（三级）"
FIVE_LEVEL_SCALE = "满意度（五级）"


@dataclass(frozen=True)
class QuestionSet:
    name: str
    label: object
    description: object
    scale: str

    def questions(self):
        """``[{field: value}]`` of the set's questions, labels translated now;
        ``scale`` is the scale's name."""
        comments = {
            "label": _("Your comments and suggestions"),
            "field_type": "multiline",
            "required": False,
        }
        if self.name == "unit-services":
            return [
                {
                    "label": _("How satisfied are you with this unit's services?"),
                    "field_type": "matrix",
                    "scale": self.scale,
                    "rows": "\n".join(
                        [
                            _("Attitude of the staff"),
                            _("Speed and efficiency"),
                            _("Openness of procedures and fees"),
                            _("Integrity and honesty"),
                            _("Overall"),
                        ]
                    ),
                    "required": True,
                },
                comments,
            ]
        return [
            {
                "label": _("Overall, how satisfied are you?"),
                "field_type": "scale",
                "scale": self.scale,
                "required": True,
            },
            comments,
        ]


QUESTION_SETS = {
    s.name: s
    for s in [
        QuestionSet(
            "satisfaction-3",
            gettext_lazy("Standard 3-level satisfaction"),
            gettext_lazy(
                "an overall question on the scale 满意 / 基本满意 / 不满意, and a "
                "free-text question for comments"
            ),
            THREE_LEVEL_SCALE,
        ),
        QuestionSet(
            "satisfaction-5",
            gettext_lazy("5-level satisfaction"),
            gettext_lazy(
                "an overall question on the scale 非常满意 … 非常不满意, and a "
                "free-text question for comments"
            ),
            FIVE_LEVEL_SCALE,
        ),
        QuestionSet(
            "unit-services",
            gettext_lazy("Services of a unit"),
            gettext_lazy(
                "a matrix rating a unit's staff attitude, speed, openness, "
                "integrity and overall service on the 3-level scale, and a "
                "free-text question for comments"
            ),
            THREE_LEVEL_SCALE,
        ),
    ]
}
