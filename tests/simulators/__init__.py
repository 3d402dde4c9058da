"""The stateful simulators, each over live HTTP in its own child process."""
