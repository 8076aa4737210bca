"""Face tracks on real footage: faces per sample before and after tracking, and pictures to check by eye.

    .venv/bin/python bench/bench_face_tracks.py [--reference ../shared/reference/real] [--out /tmp/face_tracks]

Runs the faces analysis (defaults: YuNet, 2 samples per second) on ``crowd_1080p.mp4`` (people walking
towards the camera), prints per sample the faces the detector found and those left after tracking with their
track ids, the number of tracks and persons, and writes one PNG per sample with every face's box and track id
drawn (red: left out) into ``--out``, to look at whether a track ever jumps from one person to another.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.faces import FaceConsumer, FaceOptions  # noqa: E402
from analysis.faces.tracking import lasting_tracks, link_tracks  # noqa: E402
from analysis.video_pass import run_pass  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=Path("../shared/reference/real"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/face_tracks"))
    args = parser.parse_args()
    video = args.reference / "crowd_1080p.mp4"
    consumer = FaceConsumer(FaceOptions())
    with consumer:
        run_pass(video, (consumer,))
    found = sorted(consumer._found, key=lambda item: item[0])  # the faces before tracking
    result = consumer.result
    ids = link_tracks([[(face.box, face.thumb) for face in faces] for _, faces in found])
    renumber = lasting_tracks(ids)
    print("faces per sample before tracking:", [len(faces) for _, faces in found])
    print("faces per sample after tracking: ", [len(sample.faces) for sample in result.samples])
    print("track ids per sample (0 = left out):")
    for (t_ms, _), sample_ids in zip(found, ids, strict=True):
        print(f"  {t_ms:5d} ms: {[renumber.get(track, 0) for track in sample_ids]}")
    print(f"tracks: {len({t for s in ids for t in s})} linked, {len(renumber)} kept; persons: {len(result.persons)}")
    print("warnings:", result.warnings())
    args.out.mkdir(parents=True, exist_ok=True)
    times = {t_ms: (faces, sample_ids) for (t_ms, faces), sample_ids in zip(found, ids, strict=True)}
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            t_ms = round(float(frame.time) * 1000)
            match = [t for t in times if abs(t - t_ms) <= 1]
            if not match:
                continue
            faces, sample_ids = times.pop(match[0])
            image = frame.to_ndarray(format="bgr24")
            for face, track in zip(faces, sample_ids, strict=True):
                x, y, w, h = face.box
                new = renumber.get(track, 0)
                colour = (0, 255, 0) if new else (0, 0, 255)
                cv2.rectangle(image, (x, y), (x + w, y + h), colour, 3)
                cv2.putText(image, str(new), (x, y - 8), cv2.FONT_HERSHEY_SIMPLEX, 1.6, colour, 4)
            cv2.putText(image, f"{t_ms} ms", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 4)
            cv2.imwrite(str(args.out / f"sample_{t_ms:05d}.png"), image)
    print("pictures:", args.out)


if __name__ == "__main__":
    main()
