"""Analyze ▸ Faces and Emotions…: the face detector offered first, and chosen, is YuNet."""

from __future__ import annotations

from analysis.faces import DetectorKind
from widgets.dialogs.faces_dialog import FacesDialog


def test_the_detector_choice_starts_at_yunet(qtbot) -> None:
    dialog = FacesDialog()
    qtbot.addWidget(dialog)
    kinds = [dialog.detector.itemData(index) for index in range(dialog.detector.count())]
    assert kinds == ["yunet", "haar", "mtcnn"]
    assert dialog.options().detector is DetectorKind.YUNET
    dialog.detector.setCurrentIndex(kinds.index("haar"))
    assert dialog.options().detector is DetectorKind.HAAR
