"""Renderers: the model in, bytes out. feedgen and lxml stay inside this package."""
