"""The media table: every file a project analysed, known by its content (fingerprint), wherever it now lives."""

from __future__ import annotations

import json
from dataclasses import asdict

from analysis.media import AudioStreamInfo, MediaInfo, VideoStreamInfo
from analysis.urls import redact_url
from app.model.records import MediaRecord
from app.project.table import Table, damaged, timestamp


def media_info_to_json(info: MediaInfo) -> str:
    return json.dumps(asdict(info), sort_keys=True)


def media_info_from_dict(data: dict) -> MediaInfo:
    video = VideoStreamInfo(**data["video"]) if data.get("video") else None
    audio = AudioStreamInfo(**data["audio"]) if data.get("audio") else None
    return MediaInfo(**{**data, "video": video, "audio": audio})


class MediaTable(Table):
    """Media files: registered once by content, found by fingerprint."""

    def add_media(self, info: MediaInfo, fingerprint: str, source_url: str | None = None) -> MediaRecord:
        """Register a media file, or update where it now lives if the same content is already known. The source
        URL is kept without its credentials (:func:`analysis.urls.redact_url`)."""
        if source_url is not None:
            source_url = redact_url(source_url)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO media(path, fingerprint, source_url, size_bytes, duration_ms, info_json, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(fingerprint) DO UPDATE SET path = excluded.path, info_json = excluded.info_json, "
                "source_url = COALESCE(excluded.source_url, media.source_url)",
                (
                    info.path,
                    fingerprint,
                    source_url,
                    info.size_bytes,
                    info.duration_ms,
                    media_info_to_json(info),
                    timestamp(),
                ),
            )
        record = self.media_by_fingerprint(fingerprint)
        assert record is not None
        return record

    def _media_from_row(self, row: tuple) -> MediaRecord:
        data = self._load_json(row[4], "a media record")
        try:
            info = media_info_from_dict(data)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise damaged(self.path, f"a media record is not valid: {exc!r}") from exc
        return MediaRecord(row[0], row[1], row[2], row[3], info, row[5])

    def media_by_fingerprint(self, fingerprint: str) -> MediaRecord | None:
        row = self._db.execute(
            "SELECT id, path, fingerprint, source_url, info_json, added_at FROM media WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        return self._media_from_row(row) if row else None

    def all_media(self) -> list[MediaRecord]:
        rows = self._db.execute(
            "SELECT id, path, fingerprint, source_url, info_json, added_at FROM media ORDER BY id"
        ).fetchall()
        return [self._media_from_row(row) for row in rows]

    def relink_media(self, media_id: int, path: str) -> None:
        """The media file moved: record where it now is (the caller checked it is the same content)."""
        with self.transaction() as db:
            db.execute("UPDATE media SET path = ? WHERE id = ?", (path, media_id))

    # -- the peak parameters chosen on a media -------------------------------------------------------

    def choose_peak_params(self, media_id: int, params: dict) -> None:
        """Keep the peak parameters the user just set (k, window, …) at once: one small row. The peaks they
        give are stored as a run a moment later, once the controls rest."""
        value = json.dumps({"params": params, "set_at": timestamp()}, sort_keys=True)
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_peak_params_key(media_id), value))

    def chosen_peak_params(self, media_id: int) -> tuple[dict, str] | None:
        """The peak parameters last set on a media and when (a timestamp), or None if never set."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_peak_params_key(media_id),)).fetchone()
        if row is None:
            return None
        data = self._load_json(row[0], "the chosen peak parameters")
        try:
            return dict(data["params"]), str(data["set_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise damaged(self.path, f"the chosen peak parameters are not valid: {exc!r}") from exc

    # -- the project's rule for segments at a shot change -------------------------------------------------

    def choose_shot_rule(self, params: dict) -> None:
        """Keep the project's "not significant near a shot change" rule (kinds, distance) at once."""
        value = json.dumps({"params": params, "set_at": timestamp()}, sort_keys=True)
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('shot_rule', ?)", (value,))

    def chosen_shot_rule(self) -> dict | None:
        """The rule's parameters as last chosen, or None when the project keeps the default."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'shot_rule'").fetchone()
        if row is None:
            return None
        data = self._load_json(row[0], "the shot change rule")
        if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
            raise damaged(self.path, "the shot change rule is not valid")
        return data["params"]


def _peak_params_key(media_id: int) -> str:
    return f"peak_params:{media_id}"
