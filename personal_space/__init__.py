"""The domain: citizen and enterprise spaces, bindings, audit and the data we own."""
