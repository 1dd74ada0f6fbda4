"""The PDF printer's ready page (issue #27): which pages it writes, and exactly what it writes. The library scripts
are left out and the stylesheet plotly.js adds when it loads goes at the end of the head; anything else about a
page (a script missing, twice, out of order, or in the head) makes it load as before."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forceplan.cli.pdf_pages import without_scripts

pytestmark = pytest.mark.unit

A, B = "<script>var a = 1;</script>", "<script>var b = 2;</script>"
STYLES = '<style id="plotly.js-style-global">.x{}</style>'
HEAD = '<!doctype html><html><head><title>t</title><style>p{}</style></head><body data-print-ready="0">'


def test_the_scripts_are_left_out_and_the_styles_end_the_head() -> None:
    page = HEAD + "<p>1</p>" + A + "<i>2</i>" + B + "<script>draw()</script></body></html>"
    assert without_scripts(page, (A, B), STYLES) == (
        "<!doctype html><html><head><title>t</title><style>p{}</style>" + STYLES + "</head>"
        '<body data-print-ready="0"><p>1</p><i>2</i><script>draw()</script></body></html>'
    )


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (HEAD + A + "</body>", "a script missing"),
        (HEAD + A + B + B + "</body>", "a script twice"),
        (HEAD + B + A + "</body>", "out of order"),
        ("<html><head>" + A + "</head><body>" + B + "</body>", "a script in the head"),
        ("<html><body>" + A + B + "</body>", "no head"),
        ("", "an empty file"),
    ],
)
def test_any_other_page_loads_as_before(page: str, why: str) -> None:
    assert without_scripts(page, (A, B), STYLES) is None, why


@given(before=st.text(alphabet="abc <>/p\n"), between=st.text(alphabet="abc <>/p\n"), after=st.text())
def test_only_the_scripts_go_and_only_the_styles_come(before: str, between: str, after: str) -> None:
    page = HEAD + before + A + between + B + after
    got = without_scripts(page, (A, B), STYLES)
    if A in after or B in after or "</head>" in before + between:
        return  # covered above: such a page loads as before, or the head ends elsewhere
    assert got is not None
    assert got.replace(STYLES, "", 1) == HEAD + before + between + after
    assert got.index(STYLES) == HEAD.index("</head>")
