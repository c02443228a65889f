"""vetline: vet a membership surge fairly, fast and lawfully."""

__version__ = "0.1.0"
