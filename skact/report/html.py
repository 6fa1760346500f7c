"""One self-contained HTML page: :class:`Page` collects headings, facts, tables, code and
images and renders them as a single file.

Everything the page shows is inside it: images are PNGs inline as ``data:image/png;base64``
URIs, the style is one ``<style>`` element, there are no scripts and no links to fetch, so
the file can be mailed, attached to a ticket or opened offline years later. Every text is
escaped (a column named ``<b>`` shows as ``<b>``).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

__all__ = ["Page"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 70em; padding: 0 1em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: left; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #e8f5e9; font-weight: 600; }
caption { caption-side: bottom; text-align: left; color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: 0.4em 0; }
.muted { color: #666; }
.warning { color: #8a5300; }
"""


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


class Page:
    """A report page, built part by part and rendered by :meth:`render`.

    Examples
    --------
    >>> page = Page("Run <1>")
    >>> page.table(["activation", "score"], [["relu", "0.91"]], numeric={"score"})
    >>> text = page.render()
    >>> "<title>Run &lt;1&gt;</title>" in text, '<td class="n">0.91</td>' in text
    (True, True)
    """

    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.parts.append(f"<h{level}>{_esc(text)}</h{level}>")

    def paragraph(self, text: str, css: str | None = None) -> None:
        cls = f' class="{css}"' if css else ""
        self.parts.append(f"<p{cls}>{_esc(text)}</p>")

    def code(self, text: str) -> None:
        self.parts.append(f"<pre>{_esc(text)}</pre>")

    def facts(self, pairs: Iterable[tuple[str, object]]) -> None:
        """A two-column table of names and values (``None`` values left out)."""
        rows = [f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in pairs
                if v is not None]
        if rows:
            self.parts.append("<table>" + "".join(rows) + "</table>")

    def table(self, columns: Sequence[str], rows: Iterable[Sequence], *,
              numeric: Iterable[str] = (), caption: str | None = None,
              highlight: Iterable[int] = ()) -> None:
        """A table; the ``numeric`` columns right-aligned, the rows at the ``highlight``
        positions marked as best."""
        numeric, highlight = set(numeric), set(highlight)
        head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
        body = []
        for i, row in enumerate(rows):
            cells = "".join(
                f'<td class="n">{_esc(v)}</td>' if c in numeric else f"<td>{_esc(v)}</td>"
                for c, v in zip(columns, row))
            css = ' class="best"' if i in highlight else ""
            body.append(f"<tr{css}>{cells}</tr>")
        cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
        self.parts.append(f"<table>{cap}<thead><tr>{head}</tr></thead>"
                          f"<tbody>{''.join(body)}</tbody></table>")

    def image(self, png: bytes, alt: str) -> None:
        """A PNG, inline as a ``data:`` URI."""
        data = base64.b64encode(png).decode("ascii")
        self.parts.append(f'<img src="data:image/png;base64,{data}" alt="{_esc(alt)}">')

    def render(self) -> str:
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(self.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{_esc(self.title)}</h1>\n" + "\n".join(self.parts) + "\n</body>\n</html>\n"
        )
