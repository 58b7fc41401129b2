"""Running student code: the runner, the isolation layers, the allowlisted root, the wire format, the zygote."""
