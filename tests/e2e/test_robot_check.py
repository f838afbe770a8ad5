"""The check against robots on the sign-up page, ticked as a person ticks it: with the
mouse in the middle of the box, or with the keyboard."""

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import tab_to

pytestmark = pytest.mark.e2e

# What the hit test at a point finds: the element itself, not what is drawn over it.
_ELEMENT_AT = (
    "([x, y]) => { const el = document.elementFromPoint(x, y); return el && el.outerHTML; }"
)


def _robot_checkbox(page):
    page.goto("/accounts/signup/")
    # Found by its label first; the widget's own input afterwards, as the label then
    # says "Verified".
    expect(page.get_by_role("checkbox", name="I'm not a robot")).to_be_visible()
    checkbox = page.locator("altcha-widget input[type=checkbox]")
    checkbox.scroll_into_view_if_needed()
    return checkbox


def test_a_mouse_click_in_the_middle_of_the_robot_check_box_verifies(page, portal):
    checkbox = _robot_checkbox(page)
    box = checkbox.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # ALTCHA's tick (an SVG, invisible until verified) lies over the middle of the box:
    # the click there must reach the checkbox itself, as it does at its edge.
    hit = page.evaluate(_ELEMENT_AT, [x, y])
    assert hit is not None
    assert hit.startswith("<input") and 'type="checkbox"' in hit, f"the click lands on {hit}"
    page.mouse.click(x, y)

    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(checkbox).to_be_checked()


def test_the_robot_check_box_is_ticked_with_the_keyboard(page, portal):
    checkbox = _robot_checkbox(page)

    tab_to(page, checkbox)
    page.keyboard.press("Space")

    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(checkbox).to_be_checked()
