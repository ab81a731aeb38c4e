"""The dialogs drawn in Qt Designer: ui_NAME.py is compiled from ui/NAME.ui by
``python ui/build.py`` (see ui/README.md). Generated: edit the .ui, never these files."""
