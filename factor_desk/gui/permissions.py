"""What the login may not do, greyed out (issue #15): a button, menu item or toolbar button
of a Desk job the login's permission does not reach is disabled for good, with the reason
as its tool tip ("Submitting a batch needs the Billing permission…"); a form it may not change is
read-only under a one-line note saying why. The reason is the Desk's (``desk.may(job)``,
from the one table of services/desk_team.py), so the window and the command line say the
same thing.

The pages keep their own enabling (a button on when a row is selected); ``allow`` makes
the permission win over it: the widget is watched, and whatever turns it on again is
undone at once, and its tool tip stays the reason."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from factor_desk.domain.permissions import Permission, PermissionRefused

if TYPE_CHECKING:
    from factor_desk.gui.common import Asker
    from factor_desk.services.desk import Desk

Target = QWidget | QAction
NOTE_STYLE = ("#readOnlyNote { background: #eef2f7; color: #2b3a4d; border: 1px solid "
              "#c5d0de; border-radius: 4px; padding: 5px 10px; }")
_FORCE_DISABLED = Qt.WidgetAttribute.WA_ForceDisabled  # set by the widget's own setEnabled


class _Forbidden(QObject):
    """Holds ``target`` disabled with ``reason`` as its tool tip (and status tip, for an
    action) against the page's own setEnabled and setToolTip calls."""

    def __init__(self, target: Target, reason: str):
        super().__init__(target)
        self.target, self.reason = target, reason
        target.setProperty("forbidden", reason)
        if isinstance(target, QAction):
            target.changed.connect(self._hold)
        else:
            target.installEventFilter(self)
        self._hold()

    def _hold(self) -> None:
        target = self.target
        if isinstance(target, QAction):
            if target.isEnabled():
                target.setEnabled(False)
            if target.statusTip() != self.reason:
                target.setStatusTip(self.reason)
        elif not target.testAttribute(_FORCE_DISABLED):
            # the widget's own switch, whatever its parent's: a parent enabled later would
            # otherwise turn it on with itself
            target.setEnabled(False)
        if target.toolTip() != self.reason:
            target.setToolTip(self.reason)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.EnabledChange, QEvent.Type.ToolTipChange):
            self._hold()
        return False



def forbidden(target: Target) -> str | None:
    """Why ``target`` was forbidden (its reason), or None when it was not."""
    reason = target.property("forbidden")
    return str(reason) if reason else None


def forbid(target: Target, reason: str) -> None:
    """Disable ``target`` for good, ``reason`` its tool tip."""
    if forbidden(target) is None:
        _Forbidden(target, reason)


def allow(targets: Target | Iterable[Target], desk: Desk, job: str) -> bool:
    """True when the login may do ``job``; else each target is disabled for good, the reason
    its tool tip, and False."""
    reason = desk.may(job)
    if reason is None:
        return True
    for target in [targets] if isinstance(targets, (QWidget, QAction)) else targets:
        forbid(target, reason)
    return False


def refused(desk: Desk, asker: Asker, job: str) -> bool:
    """For a way in no button guards (a file dropped on a page): True when the login may
    not do ``job``, after the refusal was shown; nothing is started."""
    reason = desk.may(job)
    if reason is None:
        return False
    asker.problem(PermissionRefused(desk.needs(job), desk.user(), _what(job), desk.permission))
    return True


def _what(job: str) -> str:
    from factor_desk.services.desk_team import job_name

    return job_name(job)


def read_only_reason(desk: Desk, job: str, what: str) -> str | None:
    """None when the login may do ``job``; else the note of a read-only form: "Changing the
    company profile needs the Admin permission. clerk2 has Billing permission. Ask…"."""
    if desk.may(job) is None:
        return None
    return str(PermissionRefused(desk.needs(job), desk.user(), what, desk.permission))


def make_read_only(widgets: Iterable[QWidget], reason: str) -> None:
    """Text and number boxes read-only (their text stays readable and can be copied); the
    rest (lists to choose from, tick boxes, buttons) disabled for good; each tells why."""
    for widget in widgets:
        if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)):
            widget.setReadOnly(True)
            widget.setToolTip(reason)
            # not white, and no grey invitation to type: it does not look like a box to fill
            palette = widget.palette()
            palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
            widget.setPalette(palette)
            if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
                widget.setPlaceholderText("")
        else:
            forbid(widget, reason)


def read_only_note(reason: str | None, parent: QWidget | None = None) -> QLabel:
    """The one line at the top of a read-only form saying why (hidden when ``reason`` is
    None: the form can be changed)."""
    note = QLabel(parent)
    note.setObjectName("readOnlyNote")
    note.setWordWrap(True)
    note.setStyleSheet(NOTE_STYLE)
    lines = [html.escape(line, quote=False) for line in (reason or "").split("\n")]
    note.setText(f"<b>Read only.</b> {'<br>'.join(lines)}")
    note.setVisible(reason is not None)
    return note


def guard_form(desk: Desk, job: str, what: str, widgets: Iterable[QWidget],
               buttons: Iterable[Target] = ()) -> str | None:
    """A form the login may not change: its fields read-only, its buttons disabled, each
    with the reason; returns the reason for the form's note (None: it may be changed)."""
    reason = read_only_reason(desk, job, what)
    if reason is not None:
        make_read_only(widgets, reason)
        allow(list(buttons), desk, job)
    return reason


# What each permission lets a clerk do, as the status bar's tool tip says it.
CAN = {
    Permission.NONE: "may not even read this data",
    Permission.VIEWER: "may look, download batches and save reports, but not change them",
    Permission.BILLING: "may submit batches, upload the factor's reports, undo, recall, "
                        "edit loads and record payments; not the company profile",
    Permission.ADMIN: "may do everything, the company profile, factors and users too",
}


def clerk_label(desk: Desk) -> QLabel:
    """The status bar's "Clerk: clerk2 (Billing)": who works here, as the history rows name
    them, and what they may do (left out on this computer's own data, where the one clerk
    may do everything)."""
    permission = desk.permission
    one_clerk = desk.db.location.is_sqlite and permission == Permission.ADMIN
    label = QLabel(f"Clerk: {desk.user()}" if one_clerk else
                   f"Clerk: {desk.user()} ({permission.label})")
    label.setObjectName("userLabel")
    label.setToolTip(
        f"{desk.signed_in()}: the history names {desk.user()} as who did each change. "
        + ("On this computer's data the one clerk may do everything." if one_clerk else
           f"{permission.label} permission: {desk.user()} {CAN[permission]}."))
    return label
