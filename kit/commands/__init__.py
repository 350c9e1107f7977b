"""Subcommands of the ``kit`` CLI, one module per area; each must import no TensorFlow at module level."""
