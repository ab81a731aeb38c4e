"""Active content taken out of a PDF before its pages travel to the factor.

A rate confirmation or POD attached by a broker can carry JavaScript (page open/close
actions, form field scripts), launch actions that start a program, links, embedded files,
movies and XFA forms. The factor's clerk opens every packet; none of that may reach them.
The pages keep what they show: content, images, fonts, and annotations that only draw
(notes, stamps, highlights, the appearance of filled form fields)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
)

# Keys whose value is, or holds, something that runs or opens: page / field / annotation
# additional actions, document open actions and scripts, embedded files, XFA forms.
_DROP_KEYS = frozenset({
    "/AA", "/A", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF",
    "/AcroForm", "/XFA", "/URI", "/Names", "/RichMediaContent", "/RichMediaSettings",
    "/Sound", "/Movie", "/PA", "/Launch",
})
# Every action type of ISO 32000-2 (12.6.4): an action dictionary found anywhere is dropped.
_ACTIONS = frozenset({
    "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
    "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript",
    "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/RichMediaExecute",
})
# Annotations that only draw. Links, file attachments, sounds, movies, screens, 3D and
# rich media go; so does any kind not named here.
_STATIC_ANNOTATIONS = frozenset({
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
    "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
    "/Popup", "/Widget", "/Watermark", "/Redact", "/PrinterMark", "/TrapNet",
})


def _resolved(value: Any) -> Any:
    if isinstance(value, IndirectObject):
        # a reference already renumbered for another file has no reader: not resolvable
        return value.get_object() if value.pdf is not None else None
    return value


def _is_action(obj: Any) -> bool:
    if not isinstance(obj, DictionaryObject):
        return False
    kind = obj.get("/S")
    return (isinstance(kind, NameObject) and str(kind) in _ACTIONS
            and ("/Type" not in obj or obj.get("/Type") == "/Action"))


def _keeps(annotation: Any) -> bool:
    obj = _resolved(annotation)
    return isinstance(obj, DictionaryObject) and str(obj.get("/Subtype")) in _STATIC_ANNOTATIONS


def clean(obj: DictionaryObject | ArrayObject) -> None:
    """Remove, in place, the active entries of ``obj`` itself (not of what it points to):
    actions, scripts, embedded files, XFA, and annotations that do more than draw."""
    if isinstance(obj, DictionaryObject):
        for key, value in list(obj.items()):  # the values as stored, unresolved
            # Only a dictionary, or a reference to one, can be an action: a name, number,
            # string or array value is not looked into here (most values of a page).
            if key in _DROP_KEYS or (isinstance(value, IndirectObject | DictionaryObject)
                                     and _is_action(_resolved(value))):
                del obj[key]
            elif key == "/Annots":
                listed = _resolved(value)
                kept = ArrayObject(a for a in listed if _keeps(a)) \
                    if isinstance(listed, ArrayObject) else ArrayObject()
                if kept:
                    obj[NameObject("/Annots")] = kept
                else:
                    del obj[key]
    else:
        for i, value in enumerate(obj):
            if isinstance(value, IndirectObject | DictionaryObject) \
                    and _is_action(_resolved(value)):
                obj[i] = NullObject()


def disarm(roots: Iterable[PdfObject]) -> None:
    """``clean`` every object reachable from ``roots`` (the pages about to be copied).
    Objects reached from several pages are cleaned once."""
    seen: set[int] = set()
    stack: list[Any] = list(roots)
    while stack:
        obj = _resolved(stack.pop())
        if not isinstance(obj, DictionaryObject | ArrayObject) or id(obj) in seen:
            continue
        seen.add(id(obj))
        clean(obj)
        stack.extend(obj.values() if isinstance(obj, DictionaryObject) else obj)
