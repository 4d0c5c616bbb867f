"""Bounded load run against a running site, loopback only.

N concurrent clients, for D seconds (and at most --max-requests requests each),
mix page loads and submissions of a form: each client fetches the page, fills
every field of its POST form (hidden inputs such as the CSRF token and the
survey's signed start time kept, the honeypot left empty, the first choice of
each question taken), waits --think seconds and posts it. Prints requests/s,
p50/p95/p99 and errors per kind, and checks that the number of responses
stored grew by exactly the number of successful submissions.

    python bench/load/load_survey.py http://127.0.0.1:8000 /load-survey/ \
        --clients 8 --seconds 10 --count-command "manage.py bench_load_pages --counts"

bench/load/run.sh drives it against both stacks and both pages. Refuses any
host other than 127.0.0.1/localhost.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import statistics
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests

HONEYPOT = "wp_website"


class FormParser(HTMLParser):
    """The page's POST forms; ``best()`` is the one with the most fields (the
    questionnaire, not the language switch): its action and the data to post."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self.data: dict[str, str] | None = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "").lower() == "post":
                self.data = {}
                self.forms.append((attrs.get("action") or "", self.data))
            return
        if self.data is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if name == HONEYPOT:
                self.data[name] = ""
            elif kind in ("radio", "checkbox"):
                self.data.setdefault(name, attrs.get("value", "on"))
            elif kind == "hidden":
                self.data[name] = attrs.get("value", "")
            elif kind not in ("submit", "button", "file"):
                self.data.setdefault(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if value and self._select not in self.data:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self.data[name] = "负载测试意见"

    def handle_endtag(self, tag):
        if tag == "form":
            self.data = None
        elif tag == "select":
            self._select = None

    def best(self):
        if not self.forms:
            return None, None
        return max(self.forms, key=lambda form: len(form[1]))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {"load": [], "submit": []}
        self.errors: dict[str, int] = {"load": 0, "submit": 0}
        self.samples: list[str] = []
        self.submitted = 0

    def record(self, kind, seconds, ok, detail=""):
        with self.lock:
            self.times[kind].append(seconds)
            if ok:
                if kind == "submit":
                    self.submitted += 1
            else:
                self.errors[kind] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{kind}: {detail}")


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def client_loop(url, stats, stop_at, max_requests, submit_ratio, think, seed):
    rng = random.Random(seed)
    session = requests.Session()
    done = 0
    while time.monotonic() < stop_at and done < max_requests:
        started = time.monotonic()
        try:
            page = session.get(url, timeout=30)
            ok = page.status_code == 200
            stats.record("load", time.monotonic() - started, ok, page.status_code)
        except requests.RequestException as exc:
            stats.record("load", time.monotonic() - started, False, repr(exc))
            continue
        done += 1
        if not ok or rng.random() >= submit_ratio or done >= max_requests:
            continue
        parser = FormParser()
        parser.feed(page.text)
        action, data = parser.best()
        if data is None:
            stats.record("submit", 0.0, False, "no form on the page")
            continue
        questions = [k for k in data if k not in ("csrfmiddlewaretoken", HONEYPOT)]
        if think:
            time.sleep(think)
        started = time.monotonic()
        try:
            answer = session.post(
                urljoin(page.url, action or page.url),
                data=data,
                headers={"Referer": page.url},
                timeout=30,
            )
            # Success: the thank-you page, not the form again with errors.
            ok = answer.status_code == 200 and not any(
                f'name="{key}"' in answer.text for key in questions
            )
            stats.record(
                "submit", time.monotonic() - started, ok, f"{answer.status_code}"
            )
        except requests.RequestException as exc:
            stats.record("submit", time.monotonic() - started, False, repr(exc))
        done += 1


def stored_count(command, key):
    if not command:
        return None
    output = subprocess.run(
        shlex.split(command), capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])[key]


def run(args):
    host = urlparse(args.base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load runs are for loopback only")
    url = urljoin(args.base_url, args.path)
    before = stored_count(args.count_command, args.count_key)
    stats = Stats()
    stop_at = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=client_loop,
            args=(
                url,
                stats,
                stop_at,
                args.max_requests,
                args.submit_ratio,
                args.think,
                index,
            ),
            daemon=True,
        )
        for index in range(args.clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 60)
    elapsed = time.monotonic() - started
    after = stored_count(args.count_command, args.count_key)
    total = sum(len(v) for v in stats.times.values())
    result = {
        "label": args.label,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "errors": sum(stats.errors.values()),
        "submitted": stats.submitted,
        "stored": None if before is None else after - before,
    }
    for kind, times in stats.times.items():
        ms = [t * 1000 for t in times]
        result[kind] = {
            "n": len(ms),
            "errors": stats.errors[kind],
            "p50": round(percentile(ms, 0.50), 1),
            "p95": round(percentile(ms, 0.95), 1),
            "p99": round(percentile(ms, 0.99), 1),
            "mean": round(statistics.fmean(ms), 1) if ms else 0.0,
        }
    result["stored_matches"] = result["stored"] in (None, stats.submitted)
    result["error_samples"] = stats.samples
    return result


def print_row(result):
    load, submit = result["load"], result["submit"]
    print(
        f"{result['label']:<28} c={result['clients']:<3} "
        f"{result['rps']:>7.1f} req/s  "
        f"load p50/p95/p99 {load['p50']:.0f}/{load['p95']:.0f}/{load['p99']:.0f} ms  "
        f"submit p50/p95/p99 {submit['p50']:.0f}/{submit['p95']:.0f}/"
        f"{submit['p99']:.0f} ms  errors {result['errors']}  "
        f"submitted {result['submitted']} stored {result['stored']}"
        + ("" if result["stored_matches"] else "  MISMATCH")
    )
    for sample in result["error_samples"]:
        print(f"    {sample}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("path", help="the form page, e.g. /load-survey/")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=2000, help="per client")
    parser.add_argument("--submit-ratio", type=float, default=0.5)
    parser.add_argument("--think", type=float, default=0.0, help="seconds")
    parser.add_argument("--label", default="")
    parser.add_argument("--count-command", default="")
    parser.add_argument("--count-key", default="survey_stored")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.label = args.label or args.path
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_row(result)
    return 0 if result["stored_matches"] else 1


if __name__ == "__main__":
    sys.exit(main())
