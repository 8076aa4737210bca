"""Analyze ▸ Not Significant Near…: which shot changes make an unlabelled peak "not significant", and how near."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from analysis.salience import CAMERA_KINDS, MAX_SHOT_MARGIN_MS, TRANSITION_KINDS, ShotRule


class ShotRuleDialog(QDialog):
    """One check box per kind of shot change and the distance that counts for cuts, fades and dissolves."""

    def __init__(self, rule: ShotRule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Not significant near shot changes")
        form = QFormLayout(self)
        self.kinds: dict[str, QCheckBox] = {}
        for title, kinds in (("Transitions:", TRANSITION_KINDS), ("Camera moves:", CAMERA_KINDS)):
            row = QHBoxLayout()
            for kind in kinds:
                box = QCheckBox(kind, self)
                box.setChecked(kind in rule.kinds)
                self.kinds[kind] = box
                row.addWidget(box)
            row.addStretch(1)
            form.addRow(title, row)
        self.margin = QSpinBox(self)
        self.margin.setRange(0, MAX_SHOT_MARGIN_MS)
        self.margin.setSingleStep(100)
        self.margin.setSuffix(" ms")
        self.margin.setValue(rule.margin_ms)
        form.addRow("Within:", self.margin)
        note = QLabel(
            "An unlabelled audio or motion peak within this distance of a checked cut, fade or dissolve, or during "
            "a checked zoom or pan, is marked not significant: the review queue says why, and clips and datasets "
            "leave it out until someone labels it. Stored with the project.",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #b0b0b0;")
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def rule(self) -> ShotRule:
        """The rule as set."""
        return ShotRule(frozenset(kind for kind, box in self.kinds.items() if box.isChecked()), self.margin.value())
