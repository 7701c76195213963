"""The output guard's masking rules, on text alone: what is masked, what stays readable."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from reconciler.guard import GuardedStream, Masker


def masker(*external: str, colleagues: tuple[str, ...] = (), redacting: bool = True) -> Masker:
    m = Masker()
    m.learn_people(external, colleagues)
    m.redacting = redacting
    return m


def test_people_and_unknown_emails_are_masked_colleagues_stay() -> None:
    m = masker("jane@contoso.com", "Mary Ann", "O'Neil", colleagues=("bob@acme.com",))
    text = "jane@contoso.com.partners (Mary Ann O'Neil) asked bob@acme.com and eve@globex.com; Maryanne stays"
    assert m.mask(text) == ("j***@contoso.com.partners (M*** O***) asked bob@acme.com and e***@globex.com; "
                            "Maryanne stays")


def test_names_are_whole_words_in_any_case() -> None:
    m = masker("Lee")
    assert m.mask("LEE, Leeds, lee. Fleet") == "L***, Leeds, l***. Fleet"


def test_nothing_but_secrets_without_redaction() -> None:
    m = masker("jane@contoso.com", redacting=False)
    m.hold_secret("hunter2-password")
    assert m.mask("jane@contoso.com hunter2-password hunter2%2Dpassword") == "jane@contoso.com *** hunter2%2Dpassword"
    m.hold_secret("p&ss w0rd")
    assert m.mask("p%26ss+w0rd p&amp;ss w0rd") == "*** ***"


def test_a_secret_split_across_writes_is_still_masked() -> None:
    m = Masker()
    m.hold_secret("s3cret-token")
    inner = io.StringIO()
    stream = GuardedStream(inner, m)
    stream.write("token: s3cr")
    stream.write("et-token\npartial s3cret")
    stream.write("-token")
    stream.flush()
    assert inner.getvalue() == "token: ***\npartial ***"


@given(st.lists(st.sampled_from([" ", ".", ",", "(", ")", "<", ">", "'", '"', "-", "_", "/", "\t", "1", "@",
                                  ":", "|", "zyxcanary@contoso.com", "Quillfeather", "QUILLFEATHER"]), max_size=30))
def test_masking_never_shows_a_known_person(pieces: list[str]) -> None:
    """Whatever punctuation surrounds them, known people never survive (unless glued into a longer word)."""
    text = " ".join(pieces)
    out = masker("zyxcanary@contoso.com", "Quillfeather").mask(text)
    assert "zyxcanary" not in out.lower()
    assert "quillfeather" not in out.lower()
