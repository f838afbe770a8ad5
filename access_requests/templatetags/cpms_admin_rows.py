"""The rows of the queue's and the members list's tables: the HTML of Django's
``result_list``, with what is the same on every row worked out once per page.

Django's ``items_for_result`` decides again for every cell which kind of column it is,
which class it has, whether it links, and what it shows when empty; on a page of 100
members that was a third of the page's time. Here each column is planned once and each
cell only computes its value. Columns of a kind planned here are model fields and the
admin's own methods (all that these lists show); any other list falls back to Django's
``items_for_result``, as does a list with editable rows.
``tests/access_requests/test_admin_rows.py`` compares the HTML with Django's.
"""

import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django import template

# Two of Django's private helpers, so that classes and fields are named exactly as
# Django names them; the tests compare the HTML with Django's.
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]
    ResultList,
    _coerce_field_name,
    items_for_result,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_list import result_list as django_result_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (  # type: ignore[attr-defined]
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


@dataclass
class _Column:
    field_class: str  # "field-<name>": the cell's class when its related object is gone
    classes: list[str]
    link_tag: str | None  # "th" or "td" when the cell links to the row's page
    empty: Any  # the empty value display of the column
    value: Callable[[Any], Any]
    display: Callable[[Any, Any], Any]  # (value, empty) -> what the cell shows
    nowrap_by_value: bool  # "nowrap" when the cell's value is a date or time


def _plan(cl) -> list[_Column] | None:
    """One plan per column, or None when a column is of a kind not planned here."""
    model_admin = cl.model_admin
    base_empty = model_admin.get_empty_value_display()
    columns: list[_Column] = []
    first = True
    for index, name in enumerate(cl.list_display):
        if not isinstance(name, str) or LOOKUP_SEP in name or name == "__str__":
            return None
        if cl.list_display_links is None:
            links = False
        else:
            links = (first and not cl.list_display_links) or name in cl.list_display_links
        link_tag = None
        if links:
            link_tag = "th" if first else "td"
            first = False
        field_class = f"field-{_coerce_field_name(name, index)}"
        classes = [field_class]
        empty = base_empty
        display: Callable[[Any, Any], Any]
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            # The admin's own method (lookup_field's second case).
            method = getattr(model_admin, name, None)
            if not callable(method) or hasattr(model_admin.model, name):
                return None
            if name == "action_checkbox":
                classes = ["action-checkbox"]
            value = method
            empty = getattr(method, "empty_value_display", base_empty)
            display = functools.partial(_show_value, getattr(method, "boolean", False))
            nowrap_by_value = True
        else:
            value = _attribute(name)
            nowrap_by_value = field.auto_created
            if field.auto_created:
                display = functools.partial(_show_value, False)
            elif isinstance(field.remote_field, models.ManyToOneRel):
                display = _show_related
            elif (choices := _choices(field)) is not None:
                display = functools.partial(_show_choice, choices)
            else:
                display = functools.partial(_show_field, field, bool(link_tag))
            if not field.auto_created and isinstance(
                field, (models.DateField, models.TimeField, models.ForeignKey)
            ):
                classes.append("nowrap")
        columns.append(
            _Column(field_class, classes, link_tag, empty, value, display, nowrap_by_value)
        )
    return columns


def _show_value(boolean: bool, value: Any, empty: Any) -> Any:
    return display_for_value(value, empty, boolean)


def _show_related(value: Any, empty: Any) -> Any:
    return empty if value is None else value


def _show_field(field: models.Field, avoid_link: bool, value: Any, empty: Any) -> Any:
    return display_for_field(value, field, empty, avoid_link=avoid_link)


def _choices(field: models.Field) -> dict | None:
    """A choices field's labels, translated once for the page (display_for_field's first
    case, which rebuilds the dict and translates the label for every cell)."""
    if field.name == "password" or not getattr(field, "flatchoices", None):
        return None
    try:
        return {value: str(label) for value, label in field.flatchoices}
    except TypeError:  # list-like choices: Django's own way
        return None


def _show_choice(choices: dict, value: Any, empty: Any) -> Any:
    return choices.get(value, empty)


def _attribute(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


def _cells(cl, columns: list[_Column], base_empty, result) -> Iterator[SafeString]:
    for column in columns:
        classes = column.classes
        try:
            value = column.value(result)
        except ObjectDoesNotExist:
            shown, classes = base_empty, [column.field_class]
        else:
            shown = column.display(value, column.empty)
            if column.nowrap_by_value and isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
        row_class = ' class="{}"'.format(" ".join(classes))
        if column.link_tag is None:
            yield SafeString(f"<td{row_class}>{conditional_escape(shown)}</td>")
            continue
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            link_or_text = shown
        else:
            url = add_preserved_filters(
                {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
            )
            opener = ""
            if cl.is_popup:
                attr = str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
                opener = format_html(' data-popup-opener="{}"', result.serializable_value(attr))
            link_or_text = format_html('<a href="{}"{}>{}</a>', url, opener, shown)
        tag = column.link_tag
        yield SafeString(f"<{tag}{row_class}>{conditional_escape(link_or_text)}</{tag}>")


def results(cl) -> Iterator[ResultList]:
    columns = None if cl.formset else _plan(cl)
    base_empty = cl.model_admin.get_empty_value_display()
    for result in cl.result_list:
        if columns is None:
            yield ResultList(None, items_for_result(cl, result, None))
        else:
            yield ResultList(None, _cells(cl, columns, base_empty, result))


def result_list(cl) -> dict:
    """Django's ``result_list`` context, with the rows from ``results`` above."""
    if cl.formset:  # editable rows: Django's own, forms and all
        return django_result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(results(cl)),
    }


@register.tag(name="cpms_result_list")
def result_list_tag(parser, token):
    return InclusionAdminNode(
        "cpms_result_list",
        parser,
        token,
        func=result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
