"""The application: project store, analysis pipeline, command line, demo and synthesized media."""
