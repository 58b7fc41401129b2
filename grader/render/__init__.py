"""One renderer per output format; each takes a finished result and returns text."""
