"""Climate planning: the climate targets cities have pledged (later: inventories, actions,
pathways and monitoring)."""
