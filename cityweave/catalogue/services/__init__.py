"""Writes to the catalogue, one module per subdomain: ``editing`` (site and admin edits,
publication, links), ``library`` (uploaded files and their text), ``imports`` (bulk imports)."""
