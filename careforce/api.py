"""The REST API under /api/v1/ (Django Ninja). Routers live in each app's api.py."""

from ninja import NinjaAPI

api = NinjaAPI(title="CareForce API", version="1", urls_namespace="api")
