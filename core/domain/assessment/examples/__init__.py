"""Example schemes (YAML) shipped with the code; the demo bureau publishes them."""
