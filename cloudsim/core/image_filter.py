"""Which templates and ISOs a caller sees for a templatefilter / isofilter (CloudStack's rules).

featured: public featured images; community: public images that are not featured; self and
selfexecutable: the caller's (or the named account's) own; sharedexecutable: images others shared
with that account; executable: public images plus the caller's own; all (admins only): everything
in the admin's reach. The *executable filters, featured and community list only ready images.
"""
from __future__ import annotations

from ..errors import invalid_value
from .access import Caller, list_scope

FILTERS = ("featured", "self", "selfexecutable", "sharedexecutable", "shared", "executable", "community", "all")
READY_ONLY = {"featured", "selfexecutable", "sharedexecutable", "executable", "community"}


async def filter_sql(db, caller: Caller, listing, name: str, args: list, alias: str = "t",
                     path_col: str = "d.path") -> str:
    """A WHERE fragment for the filter; appends its values to args."""
    chosen = next((f for f in FILTERS if f == name.lower()), None)
    if chosen is None:
        raise invalid_value(f"Please specify a valid template filter: {', '.join(FILTERS)}")
    if chosen == "all" and not caller.is_admin:
        raise invalid_value("Filter all can be specified by admin only")
    listing.listall = chosen == "all"
    scope = await list_scope(db, caller, listing)
    if chosen in ("featured", "community"):
        return f"{alias}.is_public AND {'' if chosen == 'featured' else 'NOT '}{alias}.featured"
    if chosen in ("self", "selfexecutable"):
        return scope.sql(f"{alias}.account_id", path_col, args)
    if chosen in ("sharedexecutable", "shared"):
        if scope.account_id is None:
            return "false"
        args.append(scope.account_id)
        return (f"EXISTS (SELECT 1 FROM template_permission tp WHERE tp.template_id = {alias}.id "
                f"AND tp.account_id = ${len(args)})")
    if chosen == "executable":
        return f"({alias}.is_public OR {scope.sql(f'{alias}.account_id', path_col, args)})"
    # all
    if caller.is_root_admin:
        return "true"
    args.append(caller.domain_path + "%")
    return f"({alias}.is_public OR {path_col} LIKE ${len(args)})"
