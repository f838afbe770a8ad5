"""A small XLSX writer that streams: the workbook leaves while it is being written.

The package is written with :mod:`zipfile` into a write-only sink with no
``seek``/``tell``, so zipfile puts each part's sizes in a data descriptor after
its data instead of going back to patch its header; the generator hands on what
the sink holds every few rows. Memory stays flat whatever the number of rows.

The workbook holds the minimal parts (content types, relationships, workbook,
styles, one worksheet). Strings are inline strings, so they are never formulas;
numbers, booleans, dates and date-times are typed cells. Every string is made
safe for XML and for Excel: characters illegal in XML 1.0 (control characters
other than tab, line feed and carriage return, lone surrogates, U+FFFE/U+FFFF)
are dropped, ``&<>`` are escaped, a carriage return is written as a character
reference (a raw one would be read as a line feed), a literal ``_xHHHH_`` is
escaped as Excel expects (``_x005F_xHHHH_``), and a cell longer than Excel's
32,767 characters is cut there. Whatever the input, the file is a valid workbook.
"""

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from html import escape

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767  # UTF-16 code units, as Excel counts them
_EXACT_INT = 2**53  # integers a double holds exactly

# Style indexes in styles.xml's cellXfs.
_BOLD, _DAY, _MINUTE = 1, 2, 3
_EPOCH = date(1899, 12, 30)  # serial 0 of Excel's 1900 date system (leap bug included)
_EPOCH_TIME = datetime(1899, 12, 30)
_FIRST_SERIAL_DAY = date(1900, 3, 1)  # earlier days are off by one in Excel: written as text

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything that needs more than copying the text as it is (the fast path skips the rest).
_SPECIAL = re.compile("[&<>_\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_EDGE_SPACE = " \t\n\r"
_PLAIN_MAX = MAX_CELL_CHARS // 2  # no text this long or shorter can be too long
_BAD_SHEET_NAME_CHARS = re.compile(r"[\[\]:*?/\\]")

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

Cell = str | int | float | Decimal | date | datetime | None


class _Sink:
    """A write-only file with no tell() or seek(): zipfile then streams with data descriptors."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # zipfile never closes a file it was handed; typeshed's protocol asks for it

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def clean_text(value: str) -> str:
    """The text a cell can hold: XML-illegal characters dropped, cut at Excel's maximum."""
    value = _ILLEGAL.sub("", value)
    if len(value) > _PLAIN_MAX:  # may be too long counted in UTF-16 units
        units = value.encode("utf-16-le")
        if len(units) > 2 * MAX_CELL_CHARS:
            # "ignore" drops a surrogate pair cut in half at the end.
            value = units[: 2 * MAX_CELL_CHARS].decode("utf-16-le", "ignore")
    return value


def _string_cell(ref: str, text: str, style: int = 0) -> str:
    if _SPECIAL.search(text) or len(text) > _PLAIN_MAX:
        text = clean_text(text)
        if not text:
            return ""
        preserve = text[0] in _EDGE_SPACE or text[-1] in _EDGE_SPACE
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text).replace("\r", "&#13;")
    else:
        preserve = text[0] in _EDGE_SPACE or text[-1] in _EDGE_SPACE
    s = f' s="{style}"' if style else ""
    t = '<t xml:space="preserve">' if preserve else "<t>"
    return f'<c r="{ref}"{s} t="inlineStr"><is>{t}{text}</t></is></c>'


def _cell(ref: str, value: Cell, style: int = 0) -> str:
    if type(value) is str:
        return _string_cell(ref, value, style) if value else ""
    if value is None:
        return ""
    s = f' s="{style}"' if style else ""
    if type(value) is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if type(value) is int:
        if -_EXACT_INT < value < _EXACT_INT:
            return f'<c r="{ref}"{s}><v>{value}</v></c>'
        return _string_cell(ref, str(value), style)  # beyond a double: kept exact, as text
    if type(value) is datetime:
        if value.date() < _FIRST_SERIAL_DAY:
            return _string_cell(ref, value.isoformat(" "), style)
        if value.tzinfo is not None:  # the wall-clock time it shows
            value = value.replace(tzinfo=None)
        serial = (value - _EPOCH_TIME).total_seconds() / 86400
        return f'<c r="{ref}" s="{style or _MINUTE}"><v>{serial!r}</v></c>'
    if type(value) is date:
        if value < _FIRST_SERIAL_DAY:
            return _string_cell(ref, value.isoformat(), style)
        return f'<c r="{ref}" s="{style or _DAY}"><v>{(value - _EPOCH).days}</v></c>'
    if type(value) is float or type(value) is Decimal:
        try:
            number = float(value)
        except ValueError:  # a signalling NaN
            number = math.nan
        if not math.isfinite(number):  # Excel has no NaN or infinity (nor 1e400)
            return _string_cell(ref, str(value), style)
        return f'<c r="{ref}"{s}><v>{number!r}</v></c>'
    # Subclasses (an IntEnum, a str subclass…), lazy translations and anything else.
    if isinstance(value, datetime):
        return _cell(ref, datetime.combine(value.date(), value.time()), style)
    if isinstance(value, date):
        return _cell(ref, date(value.year, value.month, value.day), style)
    if isinstance(value, int):
        return _cell(ref, int(value), style)
    if isinstance(value, float | Decimal):
        return _cell(ref, float(value) if isinstance(value, float) else Decimal(value), style)
    text = str(value)
    return _string_cell(ref, text, style) if text else ""


@lru_cache(maxsize=8)
def _column_letters(count: int) -> tuple[str, ...]:
    if count > MAX_COLUMNS:
        raise ValueError(f"A worksheet holds at most {MAX_COLUMNS} columns, not {count}.")
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return tuple(letters)


def _row(number: int, values: Sequence[Cell], style: int = 0) -> str:
    if number > MAX_ROWS:
        raise ValueError(f"A worksheet holds at most {MAX_ROWS} rows.")
    suffix = str(number)
    cells: list[str] = []
    append = cells.append
    special = _SPECIAL.search
    # One search over all the row's texts: most rows have nothing to escape in any cell.
    plain = not style and not special("".join([v for v in values if type(v) is str]))
    for letter, value in zip(_column_letters(len(values)), values, strict=True):
        # The common case inline (it is most of the time an export takes): plain text.
        if (
            type(value) is str
            and value
            and (plain or not (style or special(value)))
            and len(value) <= _PLAIN_MAX
            and value[0] not in _EDGE_SPACE
            and value[-1] not in _EDGE_SPACE
        ):
            append(f'<c r="{letter}{suffix}" t="inlineStr"><is><t>{value}</t></is></c>')
        elif value is not None:
            append(_cell(letter + suffix, value, style))
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_name(title: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, no edge apostrophes, 1 to 31 characters."""
    name = _BAD_SHEET_NAME_CHARS.sub(" ", clean_text(title).replace("\r", " "))
    return name.strip()[:31].strip(" '") or "Sheet1"


def _workbook(title: str) -> str:
    return (
        _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet_name(title))}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def _sheet_head(header: Sequence[str], widths: Sequence[float]) -> str:
    parts = [_XML, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>']
    if header:  # the header stays in view
        parts.append(
            '<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
        )
    else:
        parts.append('<sheetView tabSelected="1" workbookViewId="0"/>')
    parts.append('</sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        parts.append("<cols>")
        parts.extend(
            f'<col min="{n}" max="{n}" width="{float(width)!r}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        parts.append("</cols>")
    parts.append("<sheetData>")
    if header:
        parts.append(_row(1, header, _BOLD))
    return "".join(parts)


def stream_xlsx(
    rows: Iterable[Sequence[Cell]],
    *,
    header: Sequence[str] = (),
    title: str = "Sheet1",
    column_widths: Sequence[float] = (),
    flush_rows: int = 200,
    chunk_bytes: int = 64 * 1024,
) -> Iterator[bytes]:
    """A one-sheet workbook, as chunks of bytes: every part and the header at once, then
    the rows (read ``flush_rows`` at a time) in chunks of about ``chunk_bytes`` compressed.

    Cells of None or "" are left empty. The rows are read only as the chunks are asked for.
    """
    sink = _Sink()
    # Deflate at level 1: several times faster than the default, the file barely larger.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook(title))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", _STYLES)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_sheet_head(header, column_widths).encode())
            yield sink.drain()
            pending: list[str] = []
            for number, values in enumerate(rows, start=2 if header else 1):
                pending.append(_row(number, values))
                if len(pending) >= flush_rows:
                    sheet.write("".join(pending).encode())
                    pending.clear()
                    if sink.size >= chunk_bytes:
                        yield sink.drain()
            pending.append("</sheetData></worksheet>")
            sheet.write("".join(pending).encode())
    yield sink.drain()
