"""The shared user index: a host feature."""
