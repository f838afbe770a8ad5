"""Strings of Django's admin templates that Django 6.1's own catalogues leave
untranslated in German and French (the actions bar's "Run" button, new in 6.1).

Marked here so that ``makemessages`` keeps them in the project's catalogues, which
Django searches before its own (LOCALE_PATHS).
"""

from django.utils.translation import gettext_noop

ADMIN_STRINGS = (gettext_noop("Run"),)
