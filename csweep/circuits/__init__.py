"""circuits (bottom layer: imports no other stage): template files and Python-built circuits ->
checked template objects (the YAML reader, the equation parser, the PyRates-style circuit API, the
fingerprint of what was read)."""
