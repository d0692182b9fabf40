"""feedtool tag: writes each episode's metadata into its audio's own tags (run.py), one module per container."""
