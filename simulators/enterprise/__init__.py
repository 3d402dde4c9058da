"""市场主体登记 (enterprise registry) simulator, with 电子营业执照 staff authorisations."""
