from wagtail_pilots.codes import (
    ALPHABET,
    code_digest,
    digests_match,
    format_code,
    generate_codes,
    normalise_code,
)


def test_codes_are_distinct_and_avoid_look_alikes():
    codes = generate_codes(500, existing=["AAAAAAAA"])
    assert len(set(codes)) == 500
    assert "AAAAAAAA" not in codes
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OIL") & set(ALPHABET)


def test_normalise_and_format():
    assert normalise_code(" k7qx-m3pd ") == "K7QXM3PD"
    assert format_code("k7qxm3pd") == "K7QX-M3PD"


def test_digest_ignores_formatting_and_depends_on_purpose():
    assert code_digest("K7QX-M3PD") == code_digest("k7qxm3pd")
    assert code_digest("K7QXM3PD") != code_digest("K7QXM3PE")
    assert code_digest("K7QXM3PD", purpose="ballot") != code_digest("K7QXM3PD")
    assert digests_match(code_digest("ab"), code_digest("AB"))
