"""市场主体登记系统 (the enterprise registry) and 电子营业执照 staff authorisations."""
