"""Everything the project writes for other tools and readers: one module per kind of output.

``items`` makes the rows (one per flagged segment and label) that ``clips``, ``dataset``, ``table`` and ``report``
write, with the pictures of ``pictures`` and the face figures of ``faces``, all or nothing through ``files``;
``run`` picks the export an :class:`app.model.formats.ExportRequest` names. ``transcripts`` and ``interchange``
write the transcript and tiers (SRT, WebVTT, text, JSON, ELAN, Praat TextGrid), ``readers`` reads them back.
"""
