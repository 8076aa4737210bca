"""The timeline and its rows: one shared time axis, one :class:`~widgets.timeline.timeline_view.Track` per row."""
