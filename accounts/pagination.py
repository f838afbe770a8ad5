"""Pages of long lists whose cost does not grow with the table.

An exact ``COUNT`` reads every matching row on every view of a page: 41 ms for the
unfiltered members list at a million memberships, 150 ms for the directory's name
search. Nobody reads page 20,001; they narrow the list. So these lists count no
further than ``cap`` items and say "more than" beyond it; the pages up to the cap
stay reachable, the rest through the filters, the search or the reverse order.
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedCountPaginator(Paginator):
    """A paginator whose ``count`` stops at ``cap``; ``more`` tells that items lie beyond.

    ``counted`` is a count already made (at most ``cap + 1`` is enough); without it the
    object list is counted as ``SELECT COUNT(*) FROM (… LIMIT cap + 1)``.
    """

    cap = 10_000

    def __init__(self, object_list, per_page, *args, cap: int | None = None, counted=None, **kw):
        super().__init__(object_list, per_page, *args, **kw)
        if cap is not None:
            self.cap = cap
        if counted is not None:
            self.__dict__["_counted"] = counted

    @cached_property
    def _counted(self) -> int:
        items = self.object_list
        if isinstance(items, QuerySet):  # the keys only, in no order, no further than needed
            return items.order_by().values_list("pk", flat=True)[: self.cap + 1].count()
        return len(items)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def more(self) -> bool:
        """Whether items lie beyond the ``cap`` counted."""
        return self._counted > self.cap
