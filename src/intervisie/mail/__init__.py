"""Delivery: which messages a run owes (`decide`, pure), how they look (`compose`,
Jinja2 templates, MIME and the calendar part from `calendar`), the journal that makes
every message go out at most once (`journal`, sqlite in the state folder) and the
transports (`transport`: an outbox folder of .eml files, or SMTP)."""
