"""Who may open what: role checks for views."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from reflect.models import Role


def roles_required(*roles: Role):
    """Signed in with one of ``roles``, else 401 (not signed in) or 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
