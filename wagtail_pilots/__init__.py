"""wagtail-pilots: pilot programs, satisfaction surveys, weighted scorecards and
bulk import/export for government Wagtail sites."""

__version__ = "0.1.0"
