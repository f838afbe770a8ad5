"""The streaming XLSX writer: any text reads back (minus what XML cannot hold), streamed."""

import io
import random
import string
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import xlsx

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def write(rows, **kwargs) -> bytes:
    return b"".join(xlsx.stream_xlsx(rows, **kwargs))


def read(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return list(workbook.active.iter_rows(values_only=True))


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("xl/worksheets/sheet1.xml").decode()


def test_the_package_is_a_valid_zip_of_well_formed_parts_written_as_a_stream():
    data = write([["a", 1]], header=["Text", "Number"], title="Members")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        assert package.namelist() == [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ]
        for info in package.infolist():
            ElementTree.fromstring(package.read(info))  # noqa: S314 (our own output)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.flag_bits & 0x08  # sizes in a data descriptor: nothing was seeked
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Members"]
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == ["Text", "Number"]
    assert sheet["A1"].font.b is True  # a bold header
    assert sheet["A2"].font.b is False
    assert sheet.freeze_panes == "A2"


def test_xml_metacharacters_read_back_exactly():
    values = [
        "<b>bold</b> & <i>not</i>",
        'Tom & Jerry\'s "quotes"',
        "]]> <![CDATA[x]]> <!-- comment --> &amp; &#65; &lt;",
        '<?xml version="1.0"?><x/>',
        "a > b < c",
    ]
    assert read(write([values]))[0] == tuple(values)


def test_control_characters_are_dropped_and_tab_newline_carriage_return_kept():
    values = [
        "a\x00b\x01c\x08d\x0be\x0cf\x1fg",
        "tab\there\nnew line\r\nwindows\rmac",
        "\x7f\x85 allowed",
        "lone \ud800 surrogate \udfff and \ufffe\uffff non-characters",
        "\x00\x01\x02",  # nothing left: an empty cell
        "  spaces kept  ",
        "\r\n\tedges\t\r\n",
    ]
    assert read(write([values]))[0] == (
        "abcdefg",
        "tab\there\nnew line\r\nwindows\rmac",
        "\x7f\x85 allowed",
        "lone  surrogate  and  non-characters",
        None,
        "  spaces kept  ",
        "\r\n\tedges\t\r\n",
    )


def test_non_latin_scripts_read_back_exactly():
    values = [
        "Ελληνικά",
        "Кириллица",
        "العربية",
        "עברית",
        "中文 日本語 한국어",
        "हिन्दी",
        "Zoë Ångström Łukasz Şahin",
        "e\u0301 combining",
        "emoji 🧬🩺👩🏽‍⚕️",
        "𝕏 𠜎 astral",  # noqa: RUF001
    ]
    assert read(write([values]))[0] == tuple(values)


def test_very_long_text_reads_back_up_to_what_a_cell_holds():
    fits = "x" * 30_000
    limit = "y" * xlsx.MAX_CELL_CHARS
    too_long = "z" * 40_000
    # Excel counts UTF-16 units: an astral character takes two, and is never cut in half.
    astral = "🧬" * 20_000
    row = read(write([[fits, limit, too_long, astral]]))[0]
    assert row[0] == fits
    assert row[1] == limit
    assert row[2] == "z" * xlsx.MAX_CELL_CHARS
    assert row[3] == "🧬" * (xlsx.MAX_CELL_CHARS // 2)


def test_excel_escapes_in_text_are_themselves_escaped():
    # Excel reads _xHHHH_ in a cell as the character HHHH; literal text must stay literal.
    xml = sheet_xml(write([["a_x0041_b", "_x00e9_"]]))
    assert "a_x005F_x0041_b" in xml
    assert "_x005F_x00e9_" in xml


def test_typed_values_become_typed_cells():
    rows = read(
        write(
            [
                [
                    1,
                    -2.5,
                    Decimal("3.25"),
                    True,
                    date(2026, 1, 15),
                    datetime(2026, 4, 2, 10, 30),
                    None,
                    "",
                    float("nan"),
                    date(1899, 1, 1),
                ]
            ]
        )
    )
    assert rows[0] == (
        1,
        -2.5,
        3.25,
        True,
        datetime(2026, 1, 15),
        datetime(2026, 4, 2, 10, 30),
        None,
        None,
        "nan",  # Excel has no NaN: kept as text
        "1899-01-01",  # before Excel's calendar is right: kept as text
    )
    workbook = openpyxl.load_workbook(io.BytesIO(write([[date(2026, 1, 15), datetime.now()]])))
    day, moment = workbook.active[1]
    assert day.number_format == "yyyy-mm-dd"
    assert moment.number_format == "yyyy-mm-dd hh:mm"


def test_numbers_excel_cannot_hold_are_kept_as_text():
    values = [10**30, -(2**53), Decimal("1e400"), Decimal("sNaN"), float("-inf"), 2**53 - 1]
    assert read(write([values]))[0] == (
        str(10**30),
        str(-(2**53)),
        "1E+400",
        "sNaN",
        "-inf",
        2**53 - 1,
    )


def test_empty_cells_keep_the_others_in_their_columns():
    assert read(write([["a", None, "", "d"], [None, "b"]])) == [
        ("a", None, None, "d"),
        (None, "b", None, None),
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Members", "Members"),
        ("a/b\\c:d*e?f[g]h", "a b c d e f g h"),
        ("'quoted'", "quoted"),
        ("Mitglieder & <Rollen>", "Mitglieder & <Rollen>"),
        ("x" * 40, "x" * 31),
        ("\x00\x01", "Sheet1"),
        ("", "Sheet1"),
    ],
)
def test_sheet_names_are_ones_excel_accepts(title, expected):
    workbook = openpyxl.load_workbook(io.BytesIO(write([], title=title)))
    assert workbook.sheetnames == [expected]


def test_no_rows_is_still_a_workbook_with_its_header():
    assert read(write([], header=["Name", "E-mail"])) == [("Name", "E-mail")]
    workbook = openpyxl.load_workbook(io.BytesIO(write([])))
    assert workbook.active.max_row == 1
    assert workbook.active["A1"].value is None


def test_the_workbook_leaves_while_the_rows_are_still_being_read():
    rng = random.Random(8)
    pulled = 0
    total = 5000

    def rows():
        nonlocal pulled
        for n in range(total):
            pulled += 1
            # Text that does not compress away, so that compressed bytes come out early.
            yield [n, "".join(rng.choices(string.ascii_letters, k=80))]

    chunks = xlsx.stream_xlsx(rows(), header=["N", "Text"], flush_rows=50, chunk_bytes=4096)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")
    assert pulled == 0  # every part and the header leave before the first row is read
    received = [first, next(chunks)]
    assert 0 < pulled < total / 10
    received.extend(chunks)
    assert pulled == total
    assert len(received) > 10
    rows_read = read(b"".join(received))
    assert len(rows_read) == total + 1
    assert rows_read[-1][0] == total - 1


def test_more_rows_than_a_worksheet_holds_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(ValueError, match="at most 3 rows"):
        write([["a"]] * 3, header=["h"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_any_text_reads_back_as_its_xml_safe_form(values):
    expected = tuple(
        xlsx._EXCEL_ESCAPE.sub(r"_x005F_\1", xlsx.clean_text(v)) or None for v in values
    )
    # A last plain cell keeps openpyxl from dropping trailing empty cells.
    assert read(write([[*values, "end"]]))[0] == (*expected, "end")
