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
    name: str
    classes: list[str]
    link_tag: str | None  # "th" or "td" when the cell links to the row's page
    empty: Any  # the empty value display of the column
    value: Callable[[Any], Any]
    display: Callable[[Any, Any], Any]  # (value, empty) -> what the cell shows
    nowrap_by_value: bool  # a method's cell: "nowrap" when its value is a date or time
    base_empty: Any = None  # what a cell shows when its related object is gone
    error_classes: tuple[str, ...] = ()  # the cell's classes then


def _plan(cl) -> list[_Column] | None:
    """One plan per column, or None when a column is of a kind not planned here."""
    model_admin = cl.model_admin
    opts = cl.lookup_opts
    base_empty = model_admin.get_empty_value_display()
    columns: list[_Column] = []
    field_classes: list[str] = []
    first = True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            links = False
        else:
            links = (first and not cl.list_display_links) or name in cl.list_display_links
        link_tag = None
        if links:
            link_tag = "th" if first else "td"
            first = False
        field_class = f"field-{_coerce_field_name(name, index)}"
        field_classes.append(field_class)
        classes = [field_class]
        if not isinstance(name, str) or LOOKUP_SEP in name or name == "__str__":
            return None
        try:
            field = _get_non_gfk_field(opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        if field is not None:
            if field.auto_created:
                columns.append(
                    _Column(
                        name,
                        classes,
                        link_tag,
                        base_empty,
                        _attribute(name),
                        functools.partial(_show_value, False),
                        nowrap_by_value=True,
                    )
                )
                continue
            display: Callable[[Any, Any], Any]
            if isinstance(field.remote_field, models.ManyToOneRel):
                display = _show_related
            else:
                display = functools.partial(_show_field, field, bool(link_tag))

            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes.append("nowrap")
            columns.append(
                _Column(name, classes, link_tag, base_empty, _attribute(name), display, False)
            )
            continue
        method = getattr(model_admin, name, None)
        if not callable(method) or hasattr(model_admin.model, name):
            return None
        if name == "action_checkbox":
            classes = ["action-checkbox"]
        columns.append(
            _Column(
                name,
                classes,
                link_tag,
                getattr(method, "empty_value_display", base_empty),
                method,
                functools.partial(_show_value, getattr(method, "boolean", False)),
                nowrap_by_value=True,
            )
        )
    for column, field_class in zip(columns, field_classes, strict=True):
        column.base_empty = base_empty
        column.error_classes = (field_class,)
    return columns


def _show_value(boolean: bool, value: Any, empty: Any) -> Any:
    return display_for_value(value, empty, boolean)


def _show_related(value: Any, empty: Any) -> Any:
    return empty if value is None else value


def _show_field(field: models.Field, avoid_link: bool, value: Any, empty: Any) -> Any:
    return display_for_field(value, field, empty, avoid_link=avoid_link)


def _attribute(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


def _cells(cl, columns: list[_Column], result) -> Iterator[SafeString]:
    for column in columns:
        classes = column.classes
        try:
            value = column.value(result)
        except ObjectDoesNotExist:
            shown, classes = column.base_empty, list(column.error_classes)
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
    for result in cl.result_list:
        if columns is None:
            yield ResultList(None, items_for_result(cl, result, None))
        else:
            yield ResultList(None, _cells(cl, columns, result))


def result_list(cl) -> dict:
    """Django's ``result_list`` context, with the rows from ``results`` above."""
    if cl.formset:  # editable rows: Django's own, forms and all
        from django.contrib.admin.templatetags.admin_list import result_list as django_list

        return django_list(cl)
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
