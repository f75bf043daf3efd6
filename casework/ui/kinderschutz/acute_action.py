"""Household action „Akut: Wen rufe ich jetzt an?“ (issue 4, acute path).

Opens the acute-routing dialog for the household's Stadtteil at this moment.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from casework.errors import UserError
from casework.services.households import households
from casework.ui.context import UiContext
from casework.ui.kinderschutz.acute_dialog import AcuteDialog, show_acute_dialog


def trigger(ctx: UiContext, household_id: str, parent: QWidget | None) -> AcuteDialog | None:
    try:
        household = households.get(ctx.require_session(), household_id)
    except UserError as error:
        ctx.report(error)
        return None
    return show_acute_dialog(ctx, parent, household.data.district or None, household_id)
