"""The build: episodes merged with their audio into the model (show.py), run as gather -> validate -> write
(pipeline.py), with the warm-rebuild cache, GUID pins and atomic writes."""
