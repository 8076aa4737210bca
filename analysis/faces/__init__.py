"""Faces over a whole video or in a still image: where they are, what emotion they show, and who they are.

* :mod:`~analysis.faces.detect`: face boxes (Haar cascade with a prescan, or MTCNN).
* :mod:`~analysis.faces.align`: the face crop an emotion classifier sees.
* :mod:`~analysis.faces.emotion`: the emotion backends (FER's model as ONNX, the user's own ONNX with its
  labels, DeepFace).
* :mod:`~analysis.faces.tracking`: the same face from sample to sample (box overlap and appearance).
* :mod:`~analysis.faces.identity`: tracks grouped into persons by appearance.
* :mod:`~analysis.faces.stats`: time on screen, emotion shares and means, emotions around a moment.
* :mod:`~analysis.faces.analyze`: the analysis of a video (in a shared decode pass) or a still image.
* :mod:`~analysis.faces.records`: the options and the typed results.

The names below are the ones the rest of the application uses. Qt-free.
"""

from __future__ import annotations

from analysis.faces.analyze import FaceConsumer, analyze_faces, analyze_image
from analysis.faces.records import DetectorKind, Face, FaceOptions, FaceSample, FacesResult, Person

__all__ = [
    "DetectorKind",
    "Face",
    "FaceConsumer",
    "FaceOptions",
    "FaceSample",
    "FacesResult",
    "Person",
    "analyze_faces",
    "analyze_image",
]
