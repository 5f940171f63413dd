"""CareForce's database backends: Django's own, with work that must happen inside a transaction just before
it commits (precommit.py) — the dashboard's facts are brought up to date there, in the change's own
transaction, so that a read only ever reads."""
