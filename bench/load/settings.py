"""Settings for the load runs: the production settings, plus the stock Wagtail
form page used as the baseline, with the survey's anti-bot delay and per-client
rate limit lifted (every load client comes from 127.0.0.1 and posts at once).

Used by bench/load/run.sh only; never by the tests or a real deployment.
"""

from example_site.settings.production import *  # noqa: F403
from example_site.settings.production import INSTALLED_APPS, WAGTAIL_PILOTS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.load.stockform"]
WAGTAIL_PILOTS = {
    **WAGTAIL_PILOTS,
    "SURVEY_MIN_FILL_SECONDS": 0,
    "SURVEY_SUBMIT_RATE": "100000000/1m",
}
