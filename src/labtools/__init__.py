"""labtools: the workbench around the labs (demo, benchmarks); nothing in the labs imports it."""
