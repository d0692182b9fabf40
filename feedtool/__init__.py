"""feedtool: build, check and publish a podcast feed from a show folder."""

__version__ = "0.1.0"
