"""What a page's HTML says to a person and to a screen reader, read with the standard
library's parser: its links with their accessible names, its navigations, its meta tags.

The accessible name of a link is computed as browsers do for the cases the portal
uses: ``aria-label`` when there is one, else the text inside the link (a visually
hidden span included, ``aria-hidden`` parts left out), spaces collapsed.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Link:
    href: str
    attrs: dict[str, str | None]
    text: list[str] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)  # the text outside .visually-hidden
    navs: tuple[str, ...] = ()  # the aria-labels of the <nav> elements it sits in

    @property
    def name(self) -> str:
        label = self.attrs.get("aria-label")
        return " ".join((label if label is not None else "".join(self.text)).split())

    @property
    def visible_text(self) -> str:
        return " ".join("".join(self.visible).split())

    @property
    def current(self) -> str | None:
        return self.attrs.get("aria-current")


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.metas: list[dict[str, str | None]] = []
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._link: Link | None = None

    def _hidden(self) -> bool:
        return any(attrs.get("aria-hidden") == "true" for _, attrs in self._open)

    def _visually_hidden(self) -> bool:
        return any(
            "visually-hidden" in (attrs.get("class") or "").split() for _, attrs in self._open
        )

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta":
            self.metas.append(attributes)
        if tag == "a" and "href" in attributes:
            navs = tuple(a.get("aria-label") or "" for t, a in self._open if t == "nav")
            self._link = Link(href=attributes["href"] or "", attrs=attributes, navs=navs)
            self.links.append(self._link)
        if tag not in _VOID:
            self._open.append((tag, attributes))

    def handle_endtag(self, tag):
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._link is not None and not self._hidden():
            self._link.text.append(data)
            if not self._visually_hidden():
                self._link.visible.append(data)


def parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def links(html: str, *, nav: str | None = None) -> list[Link]:
    """The page's links, or only those of the <nav> named ``nav`` (its aria-label)."""
    found = parse(html).links
    return found if nav is None else [link for link in found if nav in link.navs]


def meta_contents(html: str, name: str) -> list[str]:
    """The contents of every <meta name="``name``"> of the page."""
    return [attrs.get("content") or "" for attrs in parse(html).metas if attrs.get("name") == name]
