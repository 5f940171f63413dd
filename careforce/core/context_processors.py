from careforce.core.extensions import nav_for
from careforce.core.scope import can_unmask, scope_of


def scope(request):
    user = getattr(request, "user", None)
    current = scope_of(user)
    return {
        "scope": current,
        "can_unmask": can_unmask(user) if user else False,
        "extra_nav": nav_for(user, current) if user is not None and user.is_authenticated else [],
    }
