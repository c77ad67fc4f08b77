"""The application layer: every channel (API, CLI, Excel, console, plugins) calls these."""
