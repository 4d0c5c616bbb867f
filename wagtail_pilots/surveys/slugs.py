"""Readable slugs for survey pages.

Wagtail's admin fills a new page's slug from its title; with a Chinese title that
is a Chinese slug, which browsers, chat apps and printed notices show as a long
run of percent-encoded bytes (``%E6%94%BF%E5%8A%A1…``). A survey's address is
typed and shared by the public, so a slug that is not plain ASCII is replaced by
its pinyin (``政务服务好差评`` → ``zheng-wu-fu-wu-hao-cha-ping``), made unique
among the page's siblings.
"""

from django.utils.text import slugify

MAX_LENGTH = 60


def pinyin_slug(text: str, *, fallback: str = "survey") -> str:
    """``text`` in pinyin (tone marks dropped), as an ASCII slug of at most
    ``MAX_LENGTH`` characters, cut between syllables; ``fallback`` when nothing
    readable is left."""
    from pypinyin import lazy_pinyin

    words = lazy_pinyin(text, errors="default")
    slug = slugify(" ".join(words))
    if len(slug) > MAX_LENGTH:
        slug = slug[: MAX_LENGTH + 1].rsplit("-", 1)[0]
    return slug or fallback


def readable_slug(page, *, fallback: str = "survey") -> str:
    """The slug ``page`` should have: its own when it is ASCII, else the pinyin
    of it (or of the title), with ``-2``, ``-3``… if a sibling has it already."""
    slug = page.slug or ""
    if slug and slug.isascii():
        return slug
    base = pinyin_slug(slug or page.title or "", fallback=fallback)
    parent = page.get_parent() if page.path else None
    if parent is None:
        return base
    candidate, n = base, 1
    while not page._slug_is_available(candidate, parent, page):
        n += 1
        candidate = f"{base}-{n}"
    return candidate
