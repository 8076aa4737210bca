"""Views of the workbench window (PySide6 + pyqtgraph); they arrive with the window."""
