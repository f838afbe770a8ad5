"""Browser tests: the journey in Debian's Chromium, against a real server process."""
