"""Mobile phone and second factors (SMS, authenticator app, passkey, recovery codes).

A package rather than modules of ``accounts`` only because it is built in parallel
with the account pages (``accounts/views.py`` and friends) and must not collide.
"""
