"""Libraries behind the `bin/` commands: each `bin/X` parses flags and calls `cli.X`."""
