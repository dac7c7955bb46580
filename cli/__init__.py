"""The `sohoa` command line (cli.main), an interface on top of the application and the flows."""
