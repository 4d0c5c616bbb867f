"""Fill zh_Hans catalogues from a tab-separated list and tidy their headers.

    python scripts/po_fill.py translations.tsv           # fill every catalogue
    python scripts/po_fill.py --missing                  # list untranslated msgids

Each line of the TSV is ``msgid<TAB>msgstr`` (use ``\\n`` for new lines). A
msgid found in several catalogues gets the same translation in each. Run
``make messages`` afterwards to compile.
"""

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogues():
    for path in sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        if ".venv" not in path.parts:
            yield path


def tidy_header(po):
    po.metadata.update(
        {
            "Project-Id-Version": "wagtail-pilots",
            "Language": "zh_Hans",
            "Language-Team": "Chinese (Simplified)",
            "Last-Translator": "wagtail-pilots contributors",
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=1; plural=0;",
        }
    )
    po.metadata_is_fuzzy = False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tsv", nargs="?")
    parser.add_argument("--missing", action="store_true")
    args = parser.parse_args()
    table = {}
    if args.tsv:
        for line in Path(args.tsv).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                key, value = line.split("\t", 1)
                table[key.replace("\\n", "\n")] = value.replace("\\n", "\n")
    missing = 0
    for path in catalogues():
        po = polib.pofile(str(path))
        tidy_header(po)
        for entry in po:
            if entry.msgid in table:
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: table[entry.msgid]}
                else:
                    entry.msgstr = table[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            done = entry.msgstr or (entry.msgstr_plural and entry.msgstr_plural.get(0))
            if not done or "fuzzy" in entry.flags:
                missing += 1
                if args.missing:
                    print(f"{path.relative_to(ROOT)}\t{entry.msgid}")
        po.save()
    if args.missing:
        print(f"{missing} untranslated", file=sys.stderr)


if __name__ == "__main__":
    main()
