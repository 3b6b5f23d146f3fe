"""Apps, tenants and their configuration: a host feature."""
