"""What-if editing widgets: the YAML policy editor, the Changes and History docks, dialogs.

``netviz.ui.editor.parse`` is Qt-free (the viewmodel's ``parse_policy``); the widgets are in
``netviz.ui.editor.widgets`` and the main-window glue in ``netviz.ui.editor.controller``.
Importing this package imports no Qt.
"""
