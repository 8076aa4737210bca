"""Docked and inline panels: review queue, jobs, transport, charts of distributions, emotions and agreement."""
