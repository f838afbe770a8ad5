"""The reports app stores nothing: it reads the other apps and writes only audit events."""
