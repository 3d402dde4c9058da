"""Stand-ins for the department systems. Real HTTP services; the gateway never imports them."""
