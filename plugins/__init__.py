"""Built-in plugins. Each is registered through the ``jixiao`` entry-point group in
setup.cfg, exactly as a third-party plugin would be."""
